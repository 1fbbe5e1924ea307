"""Must show 2: the product owner's usage document runs against the simulator, with only its base
URL and credentials changed, its commented WebSocket step done for real."""

from __future__ import annotations

import json
import re

import pytest

from mongars_client.testing import Simulator
from tests.conftest import SHARED, shared_file

EXAMPLE = SHARED / "seed" / "python-client-example.md"

# The document's commented WebSocket step, and what it becomes: the same two steps, for real.
COMMENTED_STEP = re.compile(r"^( *)# ticket = (.*)\n *# connect using .*\n", re.MULTILINE)
REAL_STEP = """\\1ticket = \\2
\\1import websockets
\\1ws_uri = client.base_url.copy_with(scheme="ws").join("/ws/chat/")
\\1async with websockets.connect(
\\1    f"{ws_uri}?t={ticket.json()['ticket']}", origin=ORIGIN
\\1) as ws:
\\1    print(await ws.recv())
"""


def usage_code() -> str:
    """The Python block of the document's "Usage" section."""
    text = shared_file(EXAMPLE).read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 1, "the document should hold one Python example"
    return str(blocks[0])


def adapt(code: str, sim: Simulator) -> str:
    """The example pointed at `sim`, with a password the simulator accepts, WebSocket included."""
    code, changed = re.subn(r'base_url="https://mongars\.example\.com"', "base_url=BASE_URL", code)
    assert changed == 1
    code, changed = re.subn(r'"password": "x"', '"password": PASSWORD', code)
    assert changed == 1
    code, changed = COMMENTED_STEP.subn(REAL_STEP, code)
    assert changed == 1
    return code


def test_the_product_owners_example_runs_against_the_simulator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = usage_code()
    with Simulator(users={"u1": "password1"}) as sim:
        namespace = {
            "__name__": "__main__",
            "BASE_URL": sim.base_url,
            "PASSWORD": "password1",
            "ORIGIN": sim.origin,
        }
        exec(compile(adapt(code, sim), str(EXAMPLE), "exec"), namespace)  # noqa: S102
        requests = sim.requests

    reply, event = capsys.readouterr().out.splitlines()
    assert reply.startswith('You said: "Summarise our latest incident report".')
    assert json.loads(event)["type"] == "ws.connected"
    assert ("GET", "/ws/chat/", 101) in requests
