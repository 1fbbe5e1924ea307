"""Users' code type-checks: the README's blocks, examples/ and a script built from them pass
`mypy --strict` against the installed package, and that script does what its types say."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mongars_client.testing import Simulator
from tests.cli.support import TIMEOUT, clean_environment
from tests.conftest import ROOT
from tests.docs.test_readme import SCRIPTS

TYPED_USAGE = ROOT / "tests" / "docs" / "typed_usage.py"
PASSWORD = "correct-horse-battery"


def mypy_strict(*files: Path) -> subprocess.CompletedProcess[str]:
    """`mypy --strict` on `files`, with the project's settings (where the packages are)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--strict",
            "--no-incremental",
            *map(str, files),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT * 4,
        check=False,
    )


def test_the_readme_blocks_examples_and_a_users_script_pass_mypy_strict(tmp_path: Path) -> None:
    blocks = []
    for block in SCRIPTS:
        path = tmp_path / f"readme_line_{block.line}.py"
        path.write_text(block.code, encoding="utf-8")
        blocks.append(path)
    examples = sorted((ROOT / "examples").glob("*.py"))
    result = mypy_strict(TYPED_USAGE, *examples, *blocks)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_sees_a_wrong_argument_to_call(tmp_path: Path) -> None:
    # The check above can fail: `call` is typed from the module, not `Any`.
    script = tmp_path / "wrong.py"
    script.write_text(
        "from mongars_api.api.conversation import chat\n"
        "from mongars_api.api.peers import list_peers\n"
        "from mongars_client import Client\n\n"
        "with Client() as client:\n"
        "    client.call(list_peers, limit=5)\n"
        '    client.call(chat, body={"message": "x"})\n'
        "    reply: int = client.call(list_peers)\n"
        "Client(verify=3)\n",
        encoding="utf-8",
    )
    result = mypy_strict(script)
    assert result.returncode == 1
    assert 'Unexpected keyword argument "limit" for "call"' in result.stdout
    assert 'Argument "body" to "call" of "Client" has incompatible type' in result.stdout
    assert 'has type "list[str]", variable has type "int"' in result.stdout
    assert 'Argument "verify" to "Client" has incompatible type "int"' in result.stdout


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(users={"alice": PASSWORD}) as simulator:
        yield simulator


def test_the_users_script_runs_as_its_types_say(sim: Simulator, tmp_path: Path) -> None:
    env = clean_environment(
        tmp_path, MONGARS_BASE_URL=sim.base_url, MONGARS_USERNAME="alice", MONGARS_PASSWORD=PASSWORD
    )
    result = subprocess.run(
        [sys.executable, str(TYPED_USAGE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.endswith("typed usage: done\n")
