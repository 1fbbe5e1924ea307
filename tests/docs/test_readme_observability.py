"""The README's "Observability" set-up runs as written and prints a chat's spans.

It sets OpenTelemetry's process-wide tracer provider, which can be set once per process: so it
runs in an interpreter of its own, not in the test process like the README's other blocks.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from mongars_client.testing import Simulator
from tests.cli.support import TIMEOUT, clean_environment
from tests.docs.test_readme import section

PASSWORD = "correct-horse-battery"


def test_the_ten_line_setup_prints_the_spans_of_a_chat(tmp_path: Path) -> None:
    (block,) = re.findall(r"```python\n(.*?)```", section("Observability"), re.DOTALL)
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) <= 10
    with Simulator(users={"alice": PASSWORD}) as sim:
        env = clean_environment(
            tmp_path,
            MONGARS_BASE_URL=sim.base_url,
            MONGARS_USERNAME="alice",
            MONGARS_PASSWORD=PASSWORD,
        )
        result = subprocess.run(
            [sys.executable, "-c", block],
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=True,
        )
    # ConsoleSpanExporter prints each span as a JSON document as it ends; then the answer.
    decoder = json.JSONDecoder()
    spans, texts, position, printed = [], [], 0, result.stdout
    while printed[position:].strip():
        position += len(printed[position:]) - len(printed[position:].lstrip())
        try:
            span, position = decoder.raw_decode(printed, position)
        except ValueError:
            end = printed.find("\n", position)
            end = len(printed) if end < 0 else end
            texts.append(printed[position:end])
            position = end
        else:
            spans.append(span)
    assert len(texts) == 1
    assert "Hello" in texts[0]
    names = [span["name"] for span in spans]
    assert names.count("conversation.chat") == 1
    assert "auth.login" in names
    assert PASSWORD not in result.stdout
