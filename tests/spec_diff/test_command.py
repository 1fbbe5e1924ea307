"""`python -m scripts.spec_diff OLD NEW [--json] [--fail-on-breaking]` on our own spec."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import spec_diff
from tests.conftest import ROOT
from tests.spec_diff.helpers import NEWEST, Spec, schema


def write(path: Path, spec: Spec) -> str:
    path.write_text(json.dumps(spec))
    return str(path)


@pytest.fixture
def breaking_pair(tmp_path: Path) -> tuple[str, str]:
    new = copy.deepcopy(NEWEST)
    new["paths"].pop("/ready")
    schema(new, "ChatResponse")["properties"]["model"] = {"type": "string"}
    new["paths"]["/api/v1/peer/health"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    return str(ROOT / "openapi.json"), write(tmp_path / "new.json", new)


def test_the_markdown_report_groups_changes_by_operation(
    breaking_pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert spec_diff.main(list(breaking_pair)) == 0
    out = capsys.readouterr().out
    headings = [line for line in out.splitlines() if line.startswith("## ")]
    assert headings == [
        "## `conversation.chat`: POST /api/v1/conversation/chat",
        "## `llm.chat`: POST /llm/chat",
        "## `peers.get_health` (fallback name): GET /api/v1/peer/health",
        "## `system.ready`: GET /ready",
    ]
    assert "**Verdict: breaking** (1 breaking, 3 non-breaking, 0 documentation-only)" in out
    assert "- **breaking**: operation removed: GET /ready (`$.paths['/ready'].get`)" in out
    assert (
        "- non-breaking: response 200 field `model`: added "
        "(`$.components.schemas.ChatResponse.properties.model`)"
    ) in out


def test_json_output_and_fail_on_breaking(
    breaking_pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert spec_diff.main([*breaking_pair, "--json", "--fail-on-breaking"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["verdict"], report["bump"], report["breaking"]) == ("breaking", "major", True)
    assert report["counts"] == {"breaking": 1, "non-breaking": 3, "documentation": 0}
    removed = next(c for c in report["changes"] if c["kind"] == "operation-removed")
    assert removed == {
        "operation": "system.ready",
        "endpoint": "GET /ready",
        "severity": "breaking",
        "section": "Breaking",
        "kind": "operation-removed",
        "where": "",
        "message": "operation removed: GET /ready",
        "path": "$.paths['/ready'].get",
    }


def test_non_breaking_changes_pass_fail_on_breaking(tmp_path: Path) -> None:
    new = copy.deepcopy(NEWEST)
    schema(new, "ChatResponse")["properties"]["model"] = {"type": "string"}
    old = str(ROOT / "openapi.json")
    assert spec_diff.main([old, write(tmp_path / "new.json", new), "--fail-on-breaking"]) == 0


def test_an_unreadable_document_is_refused_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.json").write_text("{")
    assert spec_diff.main([str(ROOT / "openapi.json"), str(tmp_path / "broken.json")]) == 2
    assert capsys.readouterr().err.startswith(f"error: cannot read {tmp_path / 'broken.json'}")
    assert spec_diff.main([str(tmp_path / "missing.json"), str(ROOT / "openapi.json")]) == 2


def test_it_runs_as_a_module(breaking_pair: tuple[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.spec_diff", *breaking_pair, "--fail-on-breaking"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("# Spec changes: ")
