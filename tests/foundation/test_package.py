"""One distribution, two import packages, and nothing server-side in the base install."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import mongars_client
from tests.conftest import ROOT


def run(*command: str | Path, cwd: Path = ROOT) -> str:
    result = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", out)
    (built,) = out.glob("mongars_client-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_carries_both_packages_typed_with_one_version(wheel: Path) -> None:
    assert wheel.name.startswith(f"mongars_client-{mongars_client.__version__}-")
    names = zipfile.ZipFile(wheel).namelist()
    assert "mongars_api/py.typed" in names
    assert "mongars_client/py.typed" in names
    assert "mongars_api/api/conversation/chat.py" in names
    # The spec and our operation names ship inside, for check_compatibility() and doctor.
    shipped = zipfile.ZipFile(wheel).read("mongars_api/openapi.json")
    assert shipped == (ROOT / "openapi.json").read_bytes()
    assert "mongars_api/operations.json" in names
    assert not [n for n in names if n.startswith(("tests/", "scripts/", "generated/", "facade/"))]


@pytest.mark.slow
def test_the_wheel_installs_and_imports_in_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel)
    imported = run(
        python,
        "-c",
        "import mongars_api, mongars_client; "
        "from mongars_api.api.conversation import chat; "
        "from mongars_client.compat import compare, sdk_spec; "
        "assert compare(sdk_spec()).status == 'compatible'; "
        "print(mongars_client.__version__, chat.__name__)",
        cwd=tmp_path,
    )
    assert imported.split() == [mongars_client.__version__, "mongars_api.api.conversation.chat"]
    installed = run(python, "-m", "pip", "list", "--format=freeze", cwd=tmp_path).lower()
    for server_side in ("fastapi", "uvicorn", "starlette", "python-multipart"):
        assert f"{server_side}==" not in installed
