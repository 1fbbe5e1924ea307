"""`mongars doctor [--json]`: the installed console script against simulators, one line a check,
exit 0 when nothing fails; and the checks that need a clock or an environment, in-process."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import httpx
import pytest

from mongars_client import Client, doctor
from mongars_client.testing import Simulator
from tests.cli.support import clean_environment, run
from tests.conftest import ROOT

PASSWORD = "correct-horse-battery"
CHECKS = ["route", "server", "clock", "login", "stream", "spec"]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(users={"alice": PASSWORD}) as simulator:
        yield simulator


def credentials(sim: Simulator, home: Path, password: str = PASSWORD) -> dict[str, str]:
    return clean_environment(
        home, MONGARS_BASE_URL=sim.base_url, MONGARS_USERNAME="alice", MONGARS_PASSWORD=password
    )


def lines(stdout: str) -> dict[str, tuple[str, str]]:
    """`{check: (status, rest of the line)}` of the human output."""
    found: dict[str, tuple[str, str]] = {}
    for line in stdout.splitlines():
        status, name, rest = line.split(None, 2)
        found[name] = (status, rest)
    return found


def test_everything_ok_is_six_lines_and_exit_0(sim: Simulator, tmp_path: Path) -> None:
    result = run("doctor", env=credentials(sim, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    checks = lines(result.stdout)
    assert list(checks) == CHECKS
    assert {status for status, _ in checks.values()} == {"ok"}
    assert "logged in as alice" in checks["login"][1]
    assert f"origin {sim.base_url}" in checks["stream"][1]
    assert ("GET", "/ws/chat/", 101) in sim.requests


def test_json_is_one_document_after_the_command_or_before(sim: Simulator, tmp_path: Path) -> None:
    for args in (("doctor", "--json"), ("--json", "doctor")):
        result = run(*args, env=credentials(sim, tmp_path))
        assert result.returncode == 0, result.stderr
        document = json.loads(result.stdout)
        assert document["ok"] is True
        assert [c["name"] for c in document["checks"]] == CHECKS
        assert set(document["checks"][0]) == {"name", "status", "message", "hint"}


def test_a_refused_origin_says_the_origin_is_not_allowed(sim: Simulator, tmp_path: Path) -> None:
    env = credentials(sim, tmp_path)
    result = run("--origin", "https://elsewhere.example", "doctor", env=env)
    assert result.returncode == 1
    status, text = lines(result.stdout)["stream"]
    assert status == "fail"
    assert "origin https://elsewhere.example (403)" in text
    assert "not in the server's allow-list" in text
    assert ("GET", "/ws/chat/", 403) in sim.requests


def test_a_wrong_password_fails_the_login_line(sim: Simulator, tmp_path: Path) -> None:
    result = run("doctor", env=credentials(sim, tmp_path, "not-the-password"))
    assert result.returncode == 1
    checks = lines(result.stdout)
    assert checks["login"][0] == "fail"
    assert "refused the login of alice" in checks["login"][1]
    assert "stream" not in checks  # nothing to open a stream with
    assert checks["spec"][0] == "ok"  # the spec is public: no login needed
    assert "not-the-password" not in result.stdout + result.stderr


def test_without_credentials_login_is_a_warning_and_exit_0(sim: Simulator, tmp_path: Path) -> None:
    result = run("doctor", env=clean_environment(tmp_path, MONGARS_BASE_URL=sim.base_url))
    assert result.returncode == 0, result.stdout
    checks = lines(result.stdout)
    assert checks["login"][0] == "warn"
    assert "MONGARS_USERNAME" in checks["login"][1]


def spec_with(edit: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((ROOT / "openapi.json").read_text())
    if edit == "older":
        del spec["paths"]["/llm/chat"]
    else:
        spec["paths"]["/api/v1/peer/loads"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    return spec


@pytest.mark.parametrize(
    ("edit", "status", "exit_status", "fragment"),
    [
        ("older", "fail", 1, "incompatible: llm.chat: operation removed: POST /llm/chat"),
        ("newer", "warn", 0, "1 change(s) this SDK does not know, none breaking"),
    ],
)
def test_a_server_on_another_spec(
    tmp_path: Path, edit: str, status: str, exit_status: int, fragment: str
) -> None:
    with Simulator(users={"alice": PASSWORD}, spec=spec_with(edit)) as sim:
        result = run("doctor", env=credentials(sim, tmp_path))
    assert result.returncode == exit_status, result.stdout
    assert lines(result.stdout)["spec"][0] == status
    assert fragment in lines(result.stdout)["spec"][1]


def test_a_server_hiding_its_spec_is_a_warning(tmp_path: Path) -> None:
    with Simulator(users={"alice": PASSWORD}, publish_spec=False) as sim:
        result = run("doctor", env=credentials(sim, tmp_path))
    assert result.returncode == 0
    status, text = lines(result.stdout)["spec"]
    assert (status, "does not publish its spec" in text) == ("warn", True)


def test_an_unreachable_server_fails_and_stops(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = clean_environment(tmp_path, MONGARS_BASE_URL=f"http://127.0.0.1:{port}")
    result = run("doctor", env=env)
    assert result.returncode == 1
    assert list(lines(result.stdout)) == ["route", "server"]
    assert lines(result.stdout)["server"][0] == "fail"
    assert "Traceback" not in result.stderr


def answer_dated(moment: float | None) -> httpx.Response:
    headers = {} if moment is None else {"Date": formatdate(moment, usegmt=True)}
    return httpx.Response(200, headers=headers)


@pytest.mark.parametrize(
    ("ahead", "status"), [(0.0, "ok"), (-5.0, "ok"), (45.0, "warn"), (-45.0, "warn"), (600, "fail")]
)
def test_clock_skew_against_the_date_header(ahead: float, status: str) -> None:
    server_time = 1_764_590_400.0
    check = doctor.clock(answer_dated(server_time), now=lambda: server_time + ahead)
    assert check.status == status
    if status != "ok":
        direction = "ahead of" if ahead > 0 else "behind"
        assert f"our clock is {abs(ahead):.0f} s {direction} the server's" in check.message
        assert "NTP" in check.hint


def test_no_date_header_is_a_warning() -> None:
    assert doctor.clock(answer_dated(None)).status == "warn"


def test_the_proxy_route_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    assert doctor.proxy_route("https://mongars.example.com") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://user:secret-proxy-pw@proxy.example:3128")
    route = doctor.proxy_route("https://mongars.example.com")
    assert route is not None
    assert "proxy.example:3128" in route
    assert "secret-proxy-pw" not in route
    monkeypatch.setenv("NO_PROXY", "mongars.example.com")
    assert doctor.proxy_route("https://mongars.example.com") is None


def test_a_failing_handshake_is_tried_once_not_reconnected_for_minutes(
    sim: Simulator, tmp_path: Path
) -> None:
    # A stream that cannot open (here a 503 on every handshake; a proxy or server that accepts
    # the socket and never answers is the same) must give its line after one attempt: a client
    # stream's reconnection policy (11 attempts with backoff up to 30 s) is not a diagnosis.
    sim.faults.fail_next(50, status=503, path="/ws/chat/")
    result = run("doctor", env=credentials(sim, tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    status, text = lines(result.stdout)["stream"]
    assert status == "fail"
    assert "503" in text
    handshakes = [entry for entry in sim.requests if entry[1] == "/ws/chat/"]
    assert len(handshakes) == 1, handshakes


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_the_route_line_names_the_proxy_only_when_the_client_goes_through_it(
    sim: Simulator, tmp_path: Path
) -> None:
    # A proxy in the environment that nothing listens on: a client going through it cannot
    # reach the server, a client going direct can. The route line must say which one it is.
    proxy = f"http://proxy-user:proxy-password-77@127.0.0.1:{closed_port()}"
    env = credentials(sim, tmp_path)
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        env.pop(name, None)
    env["HTTP_PROXY"] = proxy
    result = run("--json", "doctor", env=env)
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    went_through_proxy = checks["server"]["status"] == "fail"
    route = checks["route"]["message"] + " " + checks["route"]["hint"]
    assert ("through the proxy" in checks["route"]["message"]) == went_through_proxy, checks
    if not went_through_proxy:
        assert checks["route"]["status"] == "warn"
        assert "does not use" in route
    assert "proxy-password-77" not in result.stdout + result.stderr


def test_a_password_in_the_base_url_is_never_printed(sim: Simulator, tmp_path: Path) -> None:
    secret = "url-password-4242"
    url = sim.base_url.replace("http://", f"http://bob:{secret}@")
    env = credentials(sim, tmp_path)
    env["MONGARS_BASE_URL"] = url
    for args in (("doctor",), ("--json", "doctor")):
        result = run(*args, env=env)
        assert secret not in result.stdout + result.stderr, result.stdout
        assert "bob:" not in result.stdout
    # And when the server cannot be reached.
    env["MONGARS_BASE_URL"] = f"http://bob:{secret}@127.0.0.1:{closed_port()}"
    result = run("--json", "doctor", env=env)
    assert json.loads(result.stdout)["checks"][1]["status"] == "fail"
    assert secret not in result.stdout + result.stderr, result.stdout


def test_a_login_cut_off_by_the_network_is_a_fail_line_not_a_crash(
    sim: Simulator, tmp_path: Path
) -> None:
    # The login is a POST: not retried, so a dropped connection reaches the doctor as an
    # APIConnectionError. The report must still come out, every line of it, as one document.
    sim.faults.reset_next(5, path="/token")
    result = run("--json", "doctor", env=credentials(sim, tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    document = json.loads(result.stdout)
    checks = {c["name"]: c for c in document["checks"]}
    assert document["ok"] is False
    assert checks["login"]["status"] == "fail"
    assert checks["spec"]["status"] == "ok"
    assert PASSWORD not in result.stdout + result.stderr


def test_the_clock_is_read_when_the_date_arrives_not_after_the_next_requests(
    sim: Simulator,
) -> None:
    # A `/ready` that takes long (503 + Retry-After while the server starts: the retry layer
    # waits) must not read as clock skew. Our clock here "jumps" by 600 s once `/ready` has been
    # asked: only a reading taken before that, when the `/healthz` answer and its Date arrived,
    # compares like with like.
    def now() -> float:
        asked_ready = any(path == "/ready" for _, path, _ in sim.requests)
        return time.time() + (600.0 if asked_ready else 0.0)

    with Client(sim.base_url) as client:
        checks = {check.name: check for check in doctor.diagnose(client, now=now)}
    assert checks["server"].status == "ok"
    assert checks["clock"].status == "ok", checks["clock"]
