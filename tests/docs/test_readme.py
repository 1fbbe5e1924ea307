"""Must show 4 (README): every Python block of README.md runs as written against a simulator, and
the README's reference tables name every setting, stream option and command there is."""

from __future__ import annotations

import argparse
import inspect
import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from mongars_client import Client
from mongars_client._config import ENVIRONMENT
from mongars_client.cli import _parser
from mongars_client.streaming import StreamOptions
from mongars_client.testing import Simulator
from tests.cli.support import TIMEOUT, clean_environment
from tests.conftest import ROOT

README = ROOT / "README.md"
PASSWORD = "correct-horse-battery"
# A block whose first line is `# conftest.py` or `# test_....py` is a file of the reader's tests.
FILE_NAME = re.compile(r"^# ((?:conftest|test_\w+)\.py)\n")
NOT_RUN = "<!-- not-run -->"


@attrs.frozen
class Block:
    line: int
    code: str

    @property
    def file_name(self) -> str | None:
        match = FILE_NAME.match(self.code)
        return match.group(1) if match else None


def python_blocks() -> list[Block]:
    """Every ```python block of the README, but those marked `<!-- not-run -->` just before."""
    text = README.read_text(encoding="utf-8")
    blocks = []
    for match in re.finditer(r"^```python\n(.*?)^```$", text, re.MULTILINE | re.DOTALL):
        before = text[: match.start()].rstrip()
        if not before.endswith(NOT_RUN):
            blocks.append(Block(text.count("\n", 0, match.start()) + 1, match.group(1)))
    return blocks


SCRIPTS = [block for block in python_blocks() if block.file_name is None]
TEST_FILES = [block for block in python_blocks() if block.file_name is not None]


def section(title: str) -> str:
    """The text of the README section `## title`, up to the next `## `."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def test_the_readme_teaches_with_runnable_blocks() -> None:
    # The quick start (blocking, asyncio, events, errors, generated client), the simulator, and
    # the reader's own conftest.py and test file: none of them may fall out of the test.
    assert len(SCRIPTS) >= 6
    assert sorted(block.file_name for block in TEST_FILES) == [
        "conftest.py",
        "test_incident_bot.py",
    ]


@pytest.mark.parametrize("block", SCRIPTS, ids=[f"README.md:{b.line}" for b in SCRIPTS])
def test_the_python_block_runs_against_the_simulator(
    block: Block, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Simulator(users={"alice": PASSWORD}) as sim:
        for name in ENVIRONMENT:
            monkeypatch.delenv(name, raising=False)
        # The environment the README tells its reader to set.
        monkeypatch.setenv("MONGARS_BASE_URL", sim.base_url)
        monkeypatch.setenv("MONGARS_USERNAME", "alice")
        monkeypatch.setenv("MONGARS_PASSWORD", PASSWORD)
        code = compile(block.code, f"{README}:{block.line}", "exec")
        exec(code, {"__name__": "__main__"})  # noqa: S102 - the README's own code

    printed = capsys.readouterr().out
    assert printed.strip() or "print(" not in block.code, "the block printed nothing"


def test_the_readers_test_files_pass_with_the_pytest_plugin(tmp_path: Path) -> None:
    tests = 0
    for block in TEST_FILES:
        assert block.file_name is not None
        (tmp_path / block.file_name).write_text(block.code, encoding="utf-8")
        tests += block.code.count("\ndef test_")

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=clean_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=TIMEOUT * 2,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{tests} passed" in result.stdout


def test_the_configuration_table_names_every_argument_and_variable() -> None:
    table = section("Configuration")
    arguments = [name for name in inspect.signature(Client).parameters if name != "self"]
    for name in arguments:
        assert f"| `{name}` |" in table, f"argument {name} missing from the configuration table"
    for variable in ENVIRONMENT:
        assert f"`{variable}`" in table, f"{variable} missing from the configuration table"


def test_the_streaming_section_names_every_stream_option() -> None:
    text = section("Streaming")
    for field in attrs.fields(StreamOptions):
        assert f"`{field.name}`" in text, f"StreamOptions.{field.name} is not documented"


def test_the_cli_section_names_every_command() -> None:
    text = section("The `mongars` command")
    (commands,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(commands.choices) == 7
    for name in commands.choices:
        assert f"| `{name}" in text, f"`mongars {name}` is not in the README's command table"


@pytest.mark.slow
def test_the_pinning_recipe_installs_only_the_wheel_it_names(tmp_path: Path) -> None:
    """The README's recipe: build the wheel, hash it, pin version and hash, install with
    `--require-hashes` (here with `--no-deps`, as the dependencies' hashes are another file's)."""

    def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(part) for part in command], capture_output=True, text=True, check=False
        )

    dist = tmp_path / "dist"
    built = run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, ROOT)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("mongars_client-*.whl")
    hashed = run(sys.executable, "-m", "pip", "hash", wheel)
    (pin,) = [line.strip() for line in hashed.stdout.splitlines() if "--hash=" in line]
    version = wheel.name.split("-")[1]
    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", venv).returncode == 0
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--no-index", "--find-links", dist]
    pip += ["--no-deps", "--require-hashes", "--disable-pip-version-check", "-r"]

    tampered = tmp_path / "tampered.txt"
    tampered.write_text(f"mongars-client=={version} {pin[:-4]}0000\n")
    refused = run(*pip, tampered)
    pinned = tmp_path / "requirements.txt"
    pinned.write_text(f"mongars-client=={version} {pin}\n")
    installed = run(*pip, pinned)

    assert refused.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in refused.stderr
    assert installed.returncode == 0, installed.stderr
    assert f"Successfully installed mongars-client-{version}" in installed.stdout
