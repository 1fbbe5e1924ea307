"""Must show 5: the simulator is an optional extra, and says so when it is missing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.foundation.test_package import run, wheel  # noqa: F401  (the wheel fixture)

EXTRA_HINT = "pip install 'mongars-client[simulator]'"

# Runs with the server-side packages hidden, as in an install without the extra.
WITHOUT_EXTRA = """
import sys
for name in ("fastapi", "uvicorn", "python_multipart"):
    sys.modules[name] = None
try:
    import mongars_client.testing
except ImportError as error:
    print(error)
"""


def python(code: str, executable: str | Path = sys.executable) -> str:
    result = subprocess.run(
        [str(executable), "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_the_simulator_without_the_extra_names_the_extra() -> None:
    assert EXTRA_HINT in python(WITHOUT_EXTRA)


def test_importing_mongars_client_loads_neither_the_simulator_nor_its_server() -> None:
    loaded = python(
        "import sys, mongars_client; "
        "print([m for m in ('mongars_client.testing', 'fastapi', 'uvicorn') if m in sys.modules])"
    )
    assert loaded.strip() == "[]"


@pytest.mark.slow
def test_the_base_install_has_no_server_and_the_simulator_names_its_extra(
    wheel: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    interpreter = venv / "bin" / "python"
    run(interpreter, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel)
    installed = run(interpreter, "-m", "pip", "list", "--format=freeze", cwd=tmp_path).lower()
    message = python(
        "try:\n import mongars_client.testing\nexcept ImportError as e:\n print(e)", interpreter
    )
    assert (
        [p for p in ("fastapi==", "uvicorn==") if p in installed],
        EXTRA_HINT in message,
    ) == ([], True)
