"""Must show 2 and 3: every `mongars` command, run as the installed console script in a
subprocess against a simulator on loopback, in human and `--json` form, with its failures."""

from __future__ import annotations

import json
import signal
import socket
import stat
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mongars_client import Client
from mongars_client.testing import Simulator
from tests.cli.support import (
    assert_one_line_error,
    clean_environment,
    console_script,
    run,
    started,
    stop,
    wait_until,
)

PASSWORD = "correct-horse-battery"
WRONG_PASSWORD = "not-the-password-9"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(users={"alice": PASSWORD}, stream_chunks=True) as simulator:
        yield simulator


@pytest.fixture
def env(sim: Simulator, tmp_path: Path) -> dict[str, str]:
    """The server and alice's credentials in the environment, as a service would have them."""
    return clean_environment(
        tmp_path, MONGARS_BASE_URL=sim.base_url, MONGARS_USERNAME="alice", MONGARS_PASSWORD=PASSWORD
    )


@pytest.fixture
def bare_env(tmp_path: Path) -> dict[str, str]:
    """No server, no credentials: what a fresh shell has."""
    return clean_environment(tmp_path)


def token_file(home: Path) -> Path:
    return home / ".config" / "mongars" / "token.json"


def logins(sim: Simulator) -> int:
    return sum(1 for method, path, _ in sim.requests if (method, path) == ("POST", "/token"))


# login


def test_login_prints_the_subject_and_the_expiry(sim: Simulator, env: dict[str, str]) -> None:
    result = run("login", env=env)

    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith(f"Logged in to {sim.base_url} as alice; the token expires at ")
    expires = line.split("expires at ")[1].split()[0]
    assert datetime.fromisoformat(expires) > datetime.now(UTC)
    assert "eyJ" not in result.stdout + result.stderr  # no JWT on the screen
    assert not token_file(Path(env["HOME"])).exists()  # nothing saved without --save


def test_login_json_is_one_object(sim: Simulator, env: dict[str, str]) -> None:
    result = run("--json", "login", env=env)

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["subject"] == "alice"
    assert document["base_url"] == sim.base_url
    assert document["saved_to"] is None
    assert datetime.fromisoformat(document["expires_at"]) > datetime.now(UTC)


def test_login_reads_the_password_from_stdin(sim: Simulator, bare_env: dict[str, str]) -> None:
    result = run(
        "--base-url",
        sim.base_url,
        "login",
        "--username",
        "alice",
        "--password-stdin",
        env=bare_env,
        stdin=PASSWORD + "\n",
    )

    assert result.returncode == 0, result.stderr
    assert "as alice" in result.stdout


def test_login_takes_the_username_alone_from_the_environment(
    sim: Simulator, bare_env: dict[str, str]
) -> None:
    # Half a pair in the environment is a ConfigurationError for a client, not for `login`,
    # which asks for (or reads) the other half.
    result = run(
        "--base-url",
        sim.base_url,
        "login",
        "--password-stdin",
        env={**bare_env, "MONGARS_USERNAME": "alice"},
        stdin=PASSWORD + "\n",
    )

    assert result.returncode == 0, result.stderr
    assert "as alice" in result.stdout


def test_half_a_pair_of_credentials_is_a_configuration_error(
    sim: Simulator, bare_env: dict[str, str]
) -> None:
    result = run(
        "--base-url", sim.base_url, "chat", "hi", env={**bare_env, "MONGARS_USERNAME": "alice"}
    )

    assert_one_line_error(result, "a username without a password", "MONGARS_PASSWORD")
    assert result.returncode == 2


def test_a_wrong_password_is_one_line_and_exit_1(sim: Simulator, env: dict[str, str]) -> None:
    result = run("login", env={**env, "MONGARS_PASSWORD": WRONG_PASSWORD})

    line = assert_one_line_error(result, "wrong username or password", "MONGARS_PASSWORD")
    assert result.returncode == 1
    assert WRONG_PASSWORD not in line


def test_login_without_a_password_says_how_to_give_one(
    sim: Simulator, bare_env: dict[str, str]
) -> None:
    result = run("--base-url", sim.base_url, "login", "-u", "alice", env=bare_env)

    assert_one_line_error(result, "no password", "MONGARS_PASSWORD", "--password-stdin")
    assert result.returncode == 2


# The saved login (must show 3)


def test_the_saved_token_is_0600_and_later_commands_use_it(
    sim: Simulator, env: dict[str, str], bare_env: dict[str, str]
) -> None:
    saved = run("login", "--save", env=env)
    assert saved.returncode == 0, saved.stderr
    path = token_file(Path(env["HOME"]))
    assert f"Saved the token to {path}" in saved.stdout
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    document = json.loads(path.read_text())
    assert document["base_url"] == sim.base_url
    assert PASSWORD not in path.read_text()
    assert logins(sim) == 1

    # A fresh shell: no server, no credentials. The saved login gives both.
    history = run("--json", "history", env=bare_env)
    chat = run("chat", "--no-stream", "Hello from the saved login", env=bare_env)

    assert history.returncode == 0, history.stderr
    assert json.loads(history.stdout) == []
    assert chat.returncode == 0, chat.stderr
    assert 'You said: "Hello from the saved login"' in chat.stdout
    assert logins(sim) == 1  # no login since: the token did it
    assert ("GET", "/api/v1/conversation/history", 200) in sim.requests


def test_a_saved_token_never_goes_to_another_server(
    sim: Simulator, env: dict[str, str], bare_env: dict[str, str]
) -> None:
    assert run("login", "--save", env=env).returncode == 0
    with Simulator(users={"alice": PASSWORD}) as other:
        result = run("--base-url", other.base_url, "history", env=bare_env)
        seen = other.requests

    assert_one_line_error(result, f"not logged in to {other.base_url}", "mongars login --save")
    assert seen == []  # nothing was sent: the other server never saw alice's token


def test_an_expired_saved_token_says_to_log_in_again(
    sim: Simulator, env: dict[str, str], bare_env: dict[str, str]
) -> None:
    assert run("login", "--save", env=env).returncode == 0
    sim.expire_tokens()

    result = run("history", env=bare_env)

    assert_one_line_error(result, "rejected the login saved in", "mongars login --save")
    assert result.returncode == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_a_saved_token_readable_by_others_is_refused(
    sim: Simulator, env: dict[str, str], bare_env: dict[str, str]
) -> None:
    assert run("login", "--save", env=env).returncode == 0
    path = token_file(Path(env["HOME"]))
    path.chmod(0o644)

    result = run("history", env=bare_env)

    assert_one_line_error(result, "readable by other users", f"chmod 600 {path}")
    assert result.returncode == 2


def test_credentials_in_the_environment_win_over_the_saved_login(
    sim: Simulator, env: dict[str, str]
) -> None:
    sim.add_user("bob", PASSWORD)
    assert run("login", "--save", env=env).returncode == 0  # alice saved
    run("chat", "--no-stream", "I am bob", env={**env, "MONGARS_USERNAME": "bob"})

    result = run("--json", "history", env={**env, "MONGARS_USERNAME": "bob"})

    assert result.returncode == 0, result.stderr
    assert [item["user_id"] for item in json.loads(result.stdout)] == ["bob"]


# chat


def test_chat_streams_the_answer_over_the_event_stream(sim: Simulator, env: dict[str, str]) -> None:
    result = run("chat", "What changed in the last release?", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('You said: "What changed in the last release?". ')
    assert result.stdout.endswith("\n")
    assert ("GET", "/ws/chat/", 101) in sim.requests  # the pieces came from the stream
    wait_until(lambda: 1000 in [code for code, _ in sim.ws_closes], "close code 1000")


def test_chat_json_is_the_chat_response(sim: Simulator, env: dict[str, str]) -> None:
    result = run("--json", "chat", "Summarise our latest incident report", env=env)

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["response"].startswith('You said: "Summarise our latest incident report"')
    assert document["speech_turn"]["segments"]


def test_chat_refuses_an_empty_message_before_sending(sim: Simulator, env: dict[str, str]) -> None:
    result = run("chat", "   ", env=env)

    assert_one_line_error(result, "message must not be empty")
    assert result.returncode == 2
    assert not [r for r in sim.requests if r[1] == "/api/v1/conversation/chat"]


def test_a_refused_origin_names_the_option_to_fix_it(sim: Simulator, env: dict[str, str]) -> None:
    result = run("--origin", "https://elsewhere.example", "chat", "hello", env=env)

    assert_one_line_error(result, "refused the event stream from origin", "--origin")
    assert ("GET", "/ws/chat/", 403) in sim.requests


# history and health


def test_history_lists_the_exchanges_newest_first(sim: Simulator, env: dict[str, str]) -> None:
    with Client(sim.base_url, username="alice", password=PASSWORD) as client:
        client.chat("first question")
        client.chat("second question")

    human = run("history", "--limit", "5", env=env)
    as_json = run("--json", "history", env=env)

    assert human.returncode == 0, human.stderr
    queries = [line.split("] ", 1)[1] for line in human.stdout.splitlines() if line.startswith("[")]
    assert queries == ["second question", "first question"]
    assert [item["query"] for item in json.loads(as_json.stdout)] == queries


def test_history_rejects_a_limit_below_one(sim: Simulator, env: dict[str, str]) -> None:
    result = run("history", "--limit", "0", env=env)

    assert result.returncode == 2
    assert "must be 1 or more" in result.stderr
    assert "Traceback" not in result.stderr


def test_health_needs_no_login(sim: Simulator, bare_env: dict[str, str]) -> None:
    human = run("--base-url", sim.base_url, "health", env=bare_env)
    as_json = run("--base-url", sim.base_url, "--json", "health", env=bare_env)

    assert human.returncode == 0, human.stderr
    assert human.stdout.strip() == f"{sim.base_url}: ok"
    assert json.loads(as_json.stdout) == {"base_url": sim.base_url, "status": "ok"}


def test_health_never_logs_in_even_with_wrong_credentials(sim: Simulator, tmp_path: Path) -> None:
    env = clean_environment(
        tmp_path, MONGARS_USERNAME="alice", MONGARS_PASSWORD="not-alices-password"
    )
    result = run("--base-url", sim.base_url, "health", env=env)

    assert result.returncode == 0, result.stderr
    assert [(m, p) for m, p, _ in sim.requests] == [("GET", "/healthz")]


def test_an_unreachable_server_is_exit_3_with_the_fix(bare_env: dict[str, str]) -> None:
    # A port that is bound but not listening refuses connections, and no one else can take it.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        result = run("--base-url", url, "health", env={**bare_env, "MONGARS_MAX_RETRIES": "0"})

    assert_one_line_error(result, f"cannot reach the server at {url}", "--base-url")
    assert result.returncode == 3


def test_a_failing_server_is_one_line_with_its_explanation(
    sim: Simulator, env: dict[str, str]
) -> None:
    sim.faults.fail_next(1, status=500, path="/api/v1/conversation/history")
    failed = run("history", env=env)
    sim.faults.malformed_next(1, path="/api/v1/conversation/history")
    malformed = run("history", env=env)

    assert_one_line_error(failed, "failed (500: Internal Server Error)", "try again later")
    assert_one_line_error(malformed, "is not what the monGARS API specifies")
    assert (failed.returncode, malformed.returncode) == (1, 1)


def test_no_server_configured_says_where_to_set_one(bare_env: dict[str, str]) -> None:
    result = run("history", env=bare_env)

    assert_one_line_error(result, "no server", "--base-url", "MONGARS_BASE_URL")
    assert result.returncode == 2


def test_verbose_logs_requests_but_no_secret(sim: Simulator, env: dict[str, str]) -> None:
    result = run("--verbose", "login", "--save", env=env)

    assert result.returncode == 0, result.stderr
    token = json.loads(token_file(Path(env["HOME"])).read_text())["access_token"]
    assert "POST" in result.stderr and "/token" in result.stderr
    for secret in (PASSWORD, token):
        assert secret not in result.stdout + result.stderr


# stream (must show 2: SIGINT ends it with exit 0 and close code 1000)


def test_stream_prints_json_lines_until_sigint(sim: Simulator, env: dict[str, str]) -> None:
    with started([console_script(), "--json", "stream"], env) as (process, output):
        connected = json.loads(output.wait_for(lambda line: "ws.connected" in line))
        assert sim.publish("alice", "performance.alert", {"cpu": 97}) == 1
        alert = json.loads(output.wait_for(lambda line: "performance.alert" in line))
        returncode, stderr = stop(process, signal.SIGINT)
        lines = output.rest()

    assert returncode == 0, stderr
    assert "Traceback" not in stderr
    assert connected["user"] == "alice"
    assert alert["data"] == {"cpu": 97}
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    assert [e["type"] for e in events][:2] == ["ws.connected", "history.snapshot"]
    wait_until(lambda: 1000 in [code for code, _ in sim.ws_closes], "close code 1000")


def test_stream_in_human_form_stops_on_sigterm(sim: Simulator, env: dict[str, str]) -> None:
    with started([console_script(), "stream"], env) as (process, output):
        output.wait_for(lambda line: "history.snapshot" in line)
        with Client(sim.base_url, username="alice", password=PASSWORD) as client:
            client.chat("anyone there?")
        line = output.wait_for(lambda line: "chat.message" in line)
        returncode, stderr = stop(process, signal.SIGTERM)

    assert returncode == 0, stderr
    assert "'anyone there?' -> 'You said:" in line
    wait_until(lambda: 1000 in [code for code, _ in sim.ws_closes], "close code 1000")


# simulate


def test_simulate_serves_the_demo_account_until_sigint(bare_env: dict[str, str]) -> None:
    command = [console_script(), "--json", "simulate", "--port", "0", "--stream-chunks"]
    with started(command, bare_env) as (process, output):
        announced = json.loads(output.wait_for(lambda line: line.startswith("{")))
        with Client(announced["base_url"]) as client:
            client.login(announced["username"], announced["password"])
            pieces = list(client.chat_stream("Is the simulator up?"))
        returncode, stderr = stop(process, signal.SIGINT)

    assert returncode == 0, stderr
    assert len(pieces) > 1  # --stream-chunks: the answer arrived in pieces
    assert "".join(pieces).startswith('You said: "Is the simulator up?"')


def test_python_m_testing_is_the_same_simulator(bare_env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "mongars_client.testing", "--port", "0"]
    with started(command, bare_env) as (process, output):
        line = output.wait_for(lambda line: "running at" in line)
        base_url = line.rsplit(" ", 1)[1]
        with Client(base_url) as client:
            assert client.health().to_dict() == {"status": "ok"}
        returncode, stderr = stop(process, signal.SIGTERM)

    assert returncode == 0, stderr


def test_stream_exits_at_once_on_sigint_while_the_server_is_down(tmp_path: Path) -> None:
    down = Simulator(users={"alice": PASSWORD})
    down.start()
    env = clean_environment(
        tmp_path,
        MONGARS_BASE_URL=down.base_url,
        MONGARS_USERNAME="alice",
        MONGARS_PASSWORD=PASSWORD,
    )
    with started([console_script(), "stream"], env) as (process, output):
        output.wait_for(lambda line: "history.snapshot" in line)
        down.stop()  # the stream now reconnects, again and again, to nothing
        time.sleep(0.5)  # lets it notice; were it slower, the test would only be easier
        began = time.monotonic()
        returncode, stderr = stop(process, signal.SIGINT)
        took = time.monotonic() - began
    assert returncode == 0, stderr
    assert "Traceback" not in stderr
    assert took < 4.0  # it took over 10 s: every reconnect attempt, then the reader's join
