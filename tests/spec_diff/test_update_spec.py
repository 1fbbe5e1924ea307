"""`make update-spec FROM=...` and `make spec-drift FROM=...`, end to end, in a temporary copy of
the repository (a git repository of its own) whose code is what runs: the scripts, the facade,
the simulator and the tests of the copy, with this checkout's virtual environment."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mongars_client.testing import Simulator
from scripts import release, update_spec
from tests.conftest import OLDER_SPEC, PUBLISHED_SPEC, ROOT, shared_file
from tests.spec_diff.helpers import git

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

EPOCH = "1764590400"  # 2025-12-01: changelog entries get a known date
BASE = release.read_version((ROOT / release.VERSION_FILE).read_text())
VENV = Path(sys.prefix)
# The files an update may write: all of them stay as they were when it fails.
TOUCHED = (
    "openapi.json",
    "scripts/operations.toml",
    "CHANGELOG.md",
    "facade/mongars_client/_version.py",
    "generated/mongars_api/openapi.json",
    "generated/mongars_api/operations.json",
)


def repository_copy(dest: Path) -> Path:
    """The working tree's files (tracked or not, ignored ones left out), committed afresh."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    # The released entries only: the SDK's own Unreleased lines would move the version too
    # (tests/spec_diff/test_release.py folds those).
    changelog = dest / "CHANGELOG.md"
    changelog.write_text(release.without_unreleased(changelog.read_text()))
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "copy")
    return dest


def environment(repo: Path) -> dict[str, str]:
    """The copy's packages first on the path (the editable install points at this checkout)."""
    path = os.pathsep.join(str(repo / p) for p in ("facade", "generated", "."))
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTEST_"))}
    return {**variables, "PYTHONPATH": path, "SOURCE_DATE_EPOCH": EPOCH}


def make(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`make` in the copy, with this checkout's venv (never reinstalled: `-o` its stamp)."""
    stamp = VENV / ".installed"
    return subprocess.run(
        ["make", "--no-print-directory", f"VENV={VENV}", "-o", str(stamp), *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env=environment(repo),
    )


def run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """This venv's Python in the copy."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env=environment(repo),
    )


def snapshot(repo: Path) -> dict[str, bytes]:
    """The files an update may change, and the generated package's file list."""
    files = {name: (repo / name).read_bytes() for name in TOUCHED}
    listing = sorted(str(p.relative_to(repo)) for p in (repo / "generated").rglob("*.py"))
    return {**files, "generated/": "\n".join(listing).encode()}


def version(repo: Path) -> str:
    return release.read_version((repo / release.VERSION_FILE).read_text())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_where_the_spec_comes_from() -> None:
    assert update_spec.spec_url("https://mongars.example.com") == (
        "https://mongars.example.com/openapi.json"
    )
    assert update_spec.spec_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000/openapi.json"
    assert update_spec.spec_url("https://h/v2/openapi.json") == "https://h/v2/openapi.json"
    assert update_spec.spec_url("specs/openapi.json") is None


@pytest.mark.slow
def test_a_spec_that_cannot_be_had_changes_nothing(tmp_path: Path) -> None:
    repo = repository_copy(tmp_path / "repo")
    before = snapshot(repo)
    not_json = tmp_path / "not-json.json"
    not_json.write_text("<html>Bad gateway</html>")
    not_openapi = tmp_path / "not-openapi.json"
    not_openapi.write_text(json.dumps({"openapi": "3.1.0", "paths": {"/x": {"get": {}}}}))
    cases = {
        str(not_json): "is not JSON",
        str(not_openapi): "is not a valid OpenAPI document",
        str(tmp_path / "missing.json"): "cannot read",
        f"http://127.0.0.1:{closed_port()}": "cannot fetch",
    }
    for source, message in cases.items():
        result = make(repo, "update-spec", f"FROM={source}")
        assert result.returncode != 0, result.stdout
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, result.stderr
        assert message in errors[0]
        assert errors[0].endswith("nothing was changed")
        assert "Traceback" not in result.stderr
        assert snapshot(repo) == before, source
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""


def published(tmp_path: Path, edit: Any = None) -> Path:
    """The newest published spec, changed by `edit`, as a file."""
    spec = json.loads(shared_file(PUBLISHED_SPEC).read_text())
    if edit is not None:
        edit(spec)
    path = tmp_path / f"spec-{len(list(tmp_path.glob('spec-*')))}.json"
    path.write_text(json.dumps(spec, indent=2))
    return path


def add_peer_loads(spec: dict[str, Any]) -> None:
    """An additive change our simulator knows nothing about: a new operation beside `peers.*`,
    a new optional request field and a new response field."""
    spec["paths"]["/api/v1/peer/loads"] = {
        "get": {
            "summary": "Loads of every peer",
            "operationId": "peer_loads_api_v1_peer_loads_get",
            "security": [{"OAuth2PasswordBearer": []}],
            "parameters": [
                {"name": "window", "in": "query", "required": True, "schema": {"type": "integer"}}
            ],
            "responses": {
                "200": {
                    "description": "Successful Response",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/PeerLoads"}}
                    },
                },
                "422": spec["paths"]["/api/v1/peer/message"]["post"]["responses"]["422"],
            },
        }
    }
    spec["components"]["schemas"]["PeerLoads"] = {
        "type": "object",
        "title": "PeerLoads",
        "required": ["loads", "observed_at"],
        "properties": {
            "loads": {"type": "array", "items": {"type": "number"}, "title": "Loads"},
            "observed_at": {"type": "string", "format": "date-time", "title": "Observed At"},
        },
    }
    chat = spec["components"]["schemas"]["ChatRequest"]["properties"]
    chat["locale"] = {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Locale"}
    response = spec["components"]["schemas"]["ChatResponse"]["properties"]
    response["model"] = {"type": "string", "title": "Model"}


# What runs in the copy after an additive update: the generation check, the spec walk (with
# the simulator's generic answers for what it does not implement), the facade's end-to-end tests
# and the tests that cover every operation from the spec.
CHECKS = (
    "tests/simulator/test_spec_walk.py",
    "tests/e2e/test_client.py",
    "tests/foundation/test_generation.py",
    "tests/reliability/test_generated_models.py",
)


def run_checks(repo: Path) -> None:
    check = make(repo, "check-generated")
    assert check.returncode == 0, check.stdout + check.stderr
    tests = run(repo, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                "-m", "not slow", *CHECKS)  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout


@pytest.mark.slow
def test_update_from_2025_10_17_to_2025_11_23_then_additive_then_breaking(tmp_path: Path) -> None:
    older, newer = shared_file(OLDER_SPEC), shared_file(PUBLISHED_SPEC)
    repo = repository_copy(tmp_path / "repo")
    # The starting point: 2025-10-17 is the committed spec, its package generated and committed.
    shutil.copy2(older, repo / "openapi.json")
    regenerated = run(repo, "-m", "scripts.regenerate")
    assert regenerated.returncode == 0, regenerated.stderr
    git(repo, "checkout", "--", release.VERSION_FILE.as_posix(), "CHANGELOG.md")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "spec 2025-10-17")
    assert not (repo / "generated/mongars_api/api/llm/chat.py").exists()

    # 2025-11-23, from a running server (a simulator publishing that spec).
    with Simulator(spec=newer) as server:
        updated = make(repo, "update-spec", f"FROM={server.base_url}")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    out = updated.stdout
    assert "**Verdict: non-breaking**" in out
    assert "version bump: minor" in out
    assert "## `llm.chat`: POST /llm/chat" in out
    minor = release.bump_version(BASE, "minor")
    assert f"version {BASE} -> {minor} (minor" in out
    assert version(repo) == minor
    assert (repo / "CHANGELOG.md").read_text().count(f"## {minor} - 2025-12-01") == 1
    # Served on one line, committed as published: the same bytes as the published file.
    assert (repo / "openapi.json").read_bytes() == newer.read_bytes()
    assert (repo / "generated/mongars_api/openapi.json").read_bytes() == (
        repo / "openapi.json"
    ).read_bytes()
    assert (repo / "generated/mongars_api/api/llm/chat.py").is_file()
    run_checks(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "spec 2025-11-23")

    # Additive, unknown to the simulator: the new name is pinned in the mapping (in the group
    # of the curated `peers.*`), and the suite passes with no hand edit.
    mapping_before = (repo / "scripts/operations.toml").read_text()
    additive = make(repo, "update-spec", f"FROM={published(tmp_path, add_peer_loads)}")
    assert additive.returncode == 0, additive.stdout + additive.stderr
    assert "**Verdict: non-breaking**" in additive.stdout
    assert "pinned 1 new operation name(s)" in additive.stdout
    assert '"GET /api/v1/peer/loads" = "peers.get_loads"' in additive.stdout
    mapping_after = (repo / "scripts/operations.toml").read_text()
    assert mapping_after.startswith(mapping_before.rstrip("\n"))
    assert mapping_after.rstrip().endswith('"GET /api/v1/peer/loads" = "peers.get_loads"')
    assert (repo / "generated/mongars_api/api/peers/get_loads.py").is_file()
    run_checks(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "spec: peer loads")
    minor2 = version(repo)
    assert minor2 == release.bump_version(minor, "minor")

    # Drift: none against the same spec, a report (exit 1) against the next one.
    same = make(repo, "spec-drift", f"FROM={repo / 'openapi.json'}")
    assert (same.returncode, "no drift") == (0, same.stdout.strip()[:8]), same.stderr
    drifted = make(repo, "spec-drift", f"FROM={newer}")
    assert drifted.returncode != 0
    assert "operation removed: GET /api/v1/peer/loads" in drifted.stdout

    # Breaking: an operation removed. The report says so and the major version moves.
    breaking = make(repo, "update-spec", f"FROM={newer}")
    assert breaking.returncode == 0, breaking.stdout + breaking.stderr
    assert "**Verdict: breaking**" in breaking.stdout
    major = release.bump_version(minor2, "major")
    assert f"version {minor2} -> {major} (major" in breaking.stdout
    assert version(repo) == major
    assert (
        "- `peers.get_loads`: operation removed: GET /api/v1/peer/loads"
        in (repo / "CHANGELOG.md").read_text()
    )
    # The pinned name stays in the mapping: should the operation come back, it keeps its name.
    assert (
        '"GET /api/v1/peer/loads" = "peers.get_loads"'
        in (repo / "scripts/operations.toml").read_text()
    )


def test_drift_is_0_for_prose_1_for_the_wire_2_for_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = json.loads((ROOT / "openapi.json").read_text())
    spec["info"]["description"] = "Other prose"
    prose = tmp_path / "prose.json"
    prose.write_text(json.dumps(spec))
    assert update_spec.main(["--drift", str(prose)]) == 0
    assert "no drift" in capsys.readouterr().out

    del spec["paths"]["/ready"]
    wire = tmp_path / "wire.json"
    wire.write_text(json.dumps(spec))
    assert update_spec.main(["--drift", str(wire)]) == 1
    report = capsys.readouterr().out
    assert "**Verdict: breaking**" in report
    assert "operation removed: GET /ready" in report

    assert update_spec.main(["--drift", str(tmp_path / "missing.json")]) == 2
    assert capsys.readouterr().err.startswith("error: cannot read")


@pytest.mark.parametrize("drift", [False, True])
def test_a_malformed_or_credentialed_url_is_a_one_line_error_without_its_password(
    drift: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    # Both fail before anything is written: safe to run against this checkout.
    flag = ["--drift"] if drift else []
    for source in ("http://[::1", "http://mongars.example:port/"):
        assert update_spec.main([*flag, source]) == 2
        captured = capsys.readouterr()
        assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    secret = "basic-auth-pw-31337"
    assert update_spec.main([*flag, f"http://ci:{secret}@127.0.0.1:{closed_port()}"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: cannot fetch http://127.0.0.1:"), captured.err
    assert secret not in captured.out + captured.err
