"""`mongars`: the SDK from a terminal. Log in, chat, watch the event stream, read the history.

    mongars --base-url https://mongars.example.com login --save    # asks for the password
    mongars chat "Summarise our latest incident report"            # the answer as it arrives
    mongars stream --json | jq .type                                # live events until Ctrl-C
    mongars history --limit 5
    mongars health
    mongars doctor [--json]                                         # is this server right for us?
    mongars simulate --port 8000                                    # a local monGARS to try it on

Settings come from the options, then the same `MONGARS_*` environment variables as the clients
(`MONGARS_BASE_URL`, `MONGARS_USERNAME`, `MONGARS_PASSWORD`, `MONGARS_TOKEN`, ...), then the login
saved by `login --save`. Errors print one line naming the problem and its fix, never a traceback.

Exit status: 0 done; 1 the server refused or failed the command; 2 bad usage, settings or input;
3 the server could not be reached (or did not answer in time); 130 interrupted (except `stream`
and `simulate`, for which Ctrl-C is the normal end: 0).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import getpass
import json
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from mongars_client import _otel, _saved_login
from mongars_client._redact import redact, register_secret
from mongars_client._version import __version__
from mongars_client.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    InsecureTransportError,
    InternalServerError,
    InvalidInputError,
    MonGARSError,
    NotFoundError,
    OriginRefusedError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    StreamClosedError,
    StreamHandshakeError,
    UnprocessableEntityError,
)

if TYPE_CHECKING:
    from mongars_client import Client
    from mongars_client.streaming import Event

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "exit_status",
    "explain",
    "main",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INTERRUPTED = 130
_EXIT_BUG = 70  # EX_SOFTWARE: an error of ours, not of the server or the user

_SUMMARY_WIDTH = 100


@attrs.define
class _Context:
    """What the error messages need to know about the command that failed."""

    base_url: str | None = None
    saved: _saved_login.SavedLogin | None = None


def explain(error: MonGARSError, *, base_url: str | None = None, saved: Path | None = None) -> str:
    """One line naming what went wrong and how to fix it, for a person at a terminal.

    `base_url` is the server the command talked to; `saved` the saved login it used, if any.
    """
    # The error's own text is redacted already; a URL may carry credentials (user:pass@host).
    where = redact(base_url) if base_url else "the server"
    return " ".join(_explain(error, where, saved).split())


def _explain(error: MonGARSError, where: str, saved: Path | None) -> str:
    if isinstance(error, OriginRefusedError):
        return (
            f"{where} refused the event stream from origin {error.origin}: pass --origin with an "
            "origin its allow-list accepts (or use `chat --no-stream`)"
        )
    if isinstance(error, AuthenticationError):
        if error.path is not None and error.path.endswith("/token"):
            return (
                f"wrong username or password for {where}: check the username "
                "(--username or MONGARS_USERNAME) and the password (MONGARS_PASSWORD or the prompt)"
            )
        if saved is not None:
            return (
                f"{where} rejected the login saved in {saved} (expired?): run "
                "`mongars login --save` again, or set MONGARS_USERNAME and MONGARS_PASSWORD"
            )
        return _not_logged_in(where)
    if isinstance(error, APITimeoutError):
        return (
            f"{where} did not answer in time ({error}): check that it is healthy, or allow more "
            "seconds with MONGARS_TIMEOUT"
        )
    if isinstance(error, APIConnectionError):
        return (
            f"cannot reach the server at {where} ({error}): check that it is running and that "
            "--base-url (or MONGARS_BASE_URL) is right"
        )
    if isinstance(error, InsecureTransportError):
        return (
            f"refusing to send credentials to {where} over plain http:// (anyone on the network "
            "could read them): use its https:// URL"
        )
    if isinstance(error, RateLimitError):
        return (
            f"{where} asks to slow down (429: {error.detail}): wait a moment and run the "
            "command again"
        )
    if isinstance(error, PermissionDeniedError):
        return f"{where} refused the request (403: {error.detail}): this account may not do that"
    if isinstance(error, NotFoundError):
        return (
            f"{where} has no {error.path} (404): check that --base-url (or MONGARS_BASE_URL) is "
            "a monGARS server"
        )
    if isinstance(error, UnprocessableEntityError):
        return f"{where} refused the input (422): {_detail(error)}"
    if isinstance(error, InternalServerError):
        request_id = f", request id {error.request_id}" if error.request_id else ""
        return (
            f"{where} failed ({error.status_code}: {_detail(error)}{request_id}): try again "
            "later, or tell its operators"
        )
    if isinstance(error, APIStatusError):
        return f"{where} answered {error.status_code}: {_detail(error)}"
    if isinstance(error, ResponseValidationError):
        return (
            f"the answer of {where} is not what the monGARS API specifies ({error}): check that "
            "--base-url is a monGARS server of a version this SDK supports"
        )
    if isinstance(error, StreamHandshakeError):
        return (
            f"{where} refused the event stream (HTTP {error.status_code}): check the server's "
            "WebSocket settings, or use `chat --no-stream`"
        )
    if isinstance(error, StreamClosedError):
        return (
            f"the event stream of {where} closed and could not be reopened ({error}): check "
            "that the server is healthy, then run the command again"
        )
    return str(error)


def exit_status(error: MonGARSError) -> int:
    """The exit status for a command that failed with `error` (see the module docstring)."""
    if isinstance(error, ConfigurationError | InvalidInputError):
        return EXIT_USAGE
    if isinstance(error, APIConnectionError):
        return EXIT_UNREACHABLE
    return EXIT_FAILED


def _detail(error: APIStatusError) -> str:
    if isinstance(error, UnprocessableEntityError) and error.errors:
        return "; ".join(str(field) for field in error.errors)
    return str(error.detail)


# Output


class _Output:
    """Human lines, or one JSON document per line with `--json`; every line flushed at once."""

    def __init__(self, *, as_json: bool, stream: TextIO | None = None) -> None:
        self.as_json = as_json
        self._stream = stream or sys.stdout

    def emit(self, human: str, document: Any) -> None:
        """Print `document` as JSON with `--json`, else the `human` text."""
        self.write((json.dumps(document, ensure_ascii=False) if self.as_json else human) + "\n")

    def write(self, text: str) -> None:
        """Write raw text (pieces of a streamed answer) and flush it."""
        self._stream.write(text)
        self._stream.flush()


def _note(text: str) -> None:
    """A message for the person, on stderr, so that stdout stays the command's output."""
    print(text, file=sys.stderr, flush=True)


# Settings and the client


def _same_server(a: str, b: str) -> bool:
    import httpx

    try:
        return str(httpx.URL(a)).rstrip("/") == str(httpx.URL(b)).rstrip("/")
    except httpx.InvalidURL:
        return False


def _base_url(args: argparse.Namespace, ctx: _Context) -> str:
    chosen = args.base_url or os.environ.get("MONGARS_BASE_URL", "").strip()
    if not chosen and ctx.saved is not None:
        chosen = ctx.saved.base_url
    if not chosen:
        raise ConfigurationError(
            "no server: pass --base-url URL or set MONGARS_BASE_URL (after "
            "`mongars --base-url URL login --save`, later commands use the saved server)"
        )
    ctx.base_url = chosen
    return str(chosen)


def _client(args: argparse.Namespace, ctx: _Context, *, needs_login: bool = True) -> Client:
    """A client for the command. Credentials or a token in the environment come first; else
    the saved login, and only for the server it was saved for."""
    from mongars_client import Client

    from_environment = os.environ.get("MONGARS_TOKEN") or (
        os.environ.get("MONGARS_USERNAME") and os.environ.get("MONGARS_PASSWORD")
    )
    ctx.saved = None if from_environment else _saved_login.load()
    base_url = _base_url(args, ctx)
    if ctx.saved is not None and not _same_server(ctx.saved.base_url, base_url):
        ctx.saved = None
    token = ctx.saved.token.access_token if ctx.saved is not None else None
    client = Client(base_url, token=token, origin=args.origin)
    if needs_login and client.token is None and client.settings.credentials is None:
        client.close()
        raise ConfigurationError(_not_logged_in(base_url))
    return client


def _not_logged_in(where: str) -> str:
    return (
        f"not logged in to {where}: run `mongars login --save`, or set MONGARS_USERNAME and "
        "MONGARS_PASSWORD (or MONGARS_TOKEN)"
    )


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = os.environ.get("MONGARS_PASSWORD", "")
        if not password and sys.stdin.isatty():
            password = getpass.getpass("Password: ")
    if not password:
        raise ConfigurationError(
            "no password: set MONGARS_PASSWORD, pipe it in with --password-stdin, or run "
            "`mongars login` in a terminal to be asked for it"
        )
    register_secret(password)
    return password


def _read_username(args: argparse.Namespace) -> str:
    username = args.username or os.environ.get("MONGARS_USERNAME", "").strip()
    if not username and sys.stdin.isatty() and not args.password_stdin:
        username = input("Username: ").strip()
    if not username:
        raise ConfigurationError("no username: pass --username NAME or set MONGARS_USERNAME")
    return str(username)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# Commands


def _login(args: argparse.Namespace, out: _Output, ctx: _Context) -> int:
    from mongars_client import Client

    if not (args.base_url or os.environ.get("MONGARS_BASE_URL", "").strip()):
        ctx.saved = _saved_login.load()  # log in again to the saved server
    base_url = _base_url(args, ctx)
    ctx.saved = None
    username = _read_username(args)
    password = _read_password(args)
    # The pair is given, so that half of one in the environment (a MONGARS_USERNAME alone, the
    # password asked) is not a configuration error.
    with Client(base_url, username=username, password=password, origin=args.origin) as client:
        token = client.login(username, password)
        base_url = client.base_url
    saved_to = _saved_login.save(base_url, token) if args.save else None
    remaining = token.expires_in()
    expiry = (
        f"; the token expires at {_iso(token.expires_at)} (in {remaining / 60:.0f} min)"
        if remaining is not None
        else "; the token has no expiry"
    )
    human = f"Logged in to {base_url} as {token.subject or username}{expiry}."
    if saved_to is not None:
        human += f"\nSaved the token to {saved_to} (readable by you only); later commands use it."
    out.emit(
        human,
        {
            "base_url": base_url,
            "subject": token.subject or username,
            "admin": token.admin,
            "expires_at": _iso(token.expires_at),
            "saved_to": str(saved_to) if saved_to is not None else None,
        },
    )
    return EXIT_OK


def _chat(args: argparse.Namespace, out: _Output, ctx: _Context) -> int:
    with _client(args, ctx) as client:
        if out.as_json or args.no_stream:
            reply = client.chat(args.message, session_id=args.session_id)
        else:
            pieces = client.chat_stream(args.message, session_id=args.session_id)
            for piece in pieces:
                out.write(piece)
            reply = pieces.response
    if out.as_json:
        out.emit("", reply.to_dict())
    elif args.no_stream:
        out.write(reply.response + "\n")
    else:
        out.write("\n")
    return EXIT_OK


def _history(args: argparse.Namespace, out: _Output, ctx: _Context) -> int:
    with _client(args, ctx) as client:
        items = client.history(limit=args.limit)
    if out.as_json:
        out.emit("", [item.to_dict() for item in items])
        return EXIT_OK
    if not items:
        out.emit("No history yet.", None)
    for item in items:
        when = item.timestamp if isinstance(item.timestamp, datetime) else None
        out.emit(f"[{_iso(when) or '?'}] {item.query}\n  -> {item.response}", None)
    return EXIT_OK


def _health(args: argparse.Namespace, out: _Output, ctx: _Context) -> int:
    with _client(args, ctx, needs_login=False) as client:
        body = client.health().to_dict()
        base_url = client.base_url
    out.emit(f"{base_url}: {body.get('status', 'up')}", {"base_url": base_url, **body})
    return EXIT_OK


def _doctor(args: argparse.Namespace, out: _Output, ctx: _Context) -> int:
    from mongars_client import doctor

    with _client(args, ctx, needs_login=False) as client:
        checks = doctor.diagnose(client)
    failed = any(check.status == "fail" for check in checks)
    if out.as_json:
        out.emit("", {"ok": not failed, "checks": [check.as_dict() for check in checks]})
    else:
        for check in checks:
            out.emit(check.line(), None)
    return EXIT_FAILED if failed else EXIT_OK


def _stream(args: argparse.Namespace, out: _Output, ctx: _Context) -> int:
    try:
        with _stop_on_signals(), _client(args, ctx) as client, client.stream() as events:
            _note(f"Streaming the events of {client.base_url}; Ctrl-C to stop.")
            for event in events:
                out.emit(_describe_event(event), attrs.asdict(event))
    except KeyboardInterrupt:
        return EXIT_OK  # the `with` blocks have closed the stream with code 1000
    return EXIT_OK


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Ctrl-C or SIGTERM stop the command, closing the stream (bounded by its close_timeout).

    The first signal puts the previous handlers back: a second Ctrl-C is never ignored, it
    interrupts the closing too.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _describe_event(event: Event) -> str:
    from mongars_client.streaming import (
        ChatMessage,
        Connected,
        Gap,
        HistorySnapshot,
        ResponseChunk,
        ResponseComplete,
    )

    if isinstance(event, Connected):
        summary = f"connected (origin {event.origin})"
    elif isinstance(event, HistorySnapshot):
        summary = f"{len(event.items)} recent exchanges"
    elif isinstance(event, ChatMessage):
        recovered = " (recovered)" if event.recovered else ""
        summary = f"{event.query!r} -> {event.response!r}{recovered}"
    elif isinstance(event, Gap):
        missing = "" if event.chats_complete else "; chats may be missing, see `mongars history`"
        summary = (
            f"blind from {_event_time(event.since)} to {_event_time(event.until)} "
            f"({event.reason}){missing}"
        )
    elif isinstance(event, ResponseChunk):
        summary = repr(event.delta)
    elif isinstance(event, ResponseComplete):
        summary = "ok" if event.ok else f"failed: {event.error}"
    else:
        summary = json.dumps(event.data, ensure_ascii=False)
    if len(summary) > _SUMMARY_WIDTH:
        summary = summary[: _SUMMARY_WIDTH - 3] + "..."
    return f"{_event_time(event.ts)} {event.type:<28} {summary}"


def _event_time(ts: float | str | None) -> str:
    if isinstance(ts, int | float):
        with contextlib.suppress(OverflowError, OSError, ValueError):
            return datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S")
    return str(ts)[11:19] if isinstance(ts, str) else "--:--:--"


def _simulate(args: argparse.Namespace, out: _Output, ctx: _Context) -> int:
    try:
        from uvicorn.config import LOGGING_CONFIG

        from mongars_client.testing import DEMO_PASSWORD, DEMO_USERNAME, Simulator
    except ImportError as missing:
        raise ConfigurationError(str(missing)) from None
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    if hasattr(signal, "pthread_sigmask"):
        # Blocked before the server thread starts, which inherits the mask: only sigwait() below
        # sees the signals, and uvicorn's thread never does.
        signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["handlers"]["access"]["stream"] = "ext://sys.stderr"  # stdout: our output only
    simulator = Simulator(
        users={DEMO_USERNAME: DEMO_PASSWORD},
        host=args.host,
        port=args.port,
        stream_chunks=args.stream_chunks,
        chunk_interval=args.chunk_interval,
        admin_bootstrap=args.admin_bootstrap,
        log_config=log_config,
    )
    with simulator as sim:
        human = (
            f"monGARS simulator running at {sim.base_url}\n"
            f"demo credentials: username={DEMO_USERNAME} password={DEMO_PASSWORD}\n"
            f"event stream: {sim.ws_url}?t=<ticket> with Origin: {sim.origin}"
        )
        out.emit(
            human,
            {
                "base_url": sim.base_url,
                "ws_url": sim.ws_url,
                "origin": sim.origin,
                "username": DEMO_USERNAME,
                "password": DEMO_PASSWORD,
            },
        )
        _note("Ctrl-C to stop.")
        if hasattr(signal, "pthread_sigmask"):
            signal.sigwait(stop_signals)
        else:  # Windows: Ctrl-C interrupts the wait
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
    return EXIT_OK


# The parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mongars",
        description="The monGARS API from a terminal: log in, chat, watch events, read history.",
        epilog=(
            "Environment: MONGARS_BASE_URL, MONGARS_USERNAME, MONGARS_PASSWORD, MONGARS_TOKEN, "
            "MONGARS_TIMEOUT, MONGARS_MAX_RETRIES, MONGARS_LOG. Exit status: 0 done, 1 the server "
            "refused or failed, 2 bad usage, settings or input, 3 server unreachable, 130 "
            "interrupted."
        ),
    )
    parser.add_argument("--version", action="version", version=f"mongars {__version__}")
    parser.add_argument(
        "--base-url", metavar="URL", help="the server (default: MONGARS_BASE_URL, or the saved one)"
    )
    parser.add_argument(
        "--json", action="store_true", help="machine-readable output (stream: one object a line)"
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="log requests and retries to stderr"
    )
    parser.add_argument(
        "--trace", action="store_true", help="print this run's spans to stderr (OpenTelemetry SDK)"
    )
    parser.add_argument(
        "--origin", metavar="ORIGIN", help="Origin header for the event stream (default: the URL's)"
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(
        name: str, run: Callable[[argparse.Namespace, _Output, _Context], int], text: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(run=run)
        return sub

    login = command(
        "login", _login, "Log in; print the account and when its token expires (--save keeps it)."
    )
    login.add_argument("--username", "-u", help="default: MONGARS_USERNAME, else asked")
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (default: MONGARS_PASSWORD, else asked)",
    )
    login.add_argument(
        "--save",
        action="store_true",
        help=f"keep the token for later commands in {_saved_login.token_path()} (mode 0600)",
    )

    chat = command("chat", _chat, "Send a message and print the answer as it arrives.")
    chat.add_argument("message", help="what to ask (1 to 1000 characters)")
    chat.add_argument("--session-id", help="the conversation session to continue")
    chat.add_argument(
        "--no-stream",
        action="store_true",
        help="print the answer when complete, without the event stream",
    )

    command("stream", _stream, "Print this user's live events until Ctrl-C.")

    history = command("history", _history, "Print the latest exchanges, newest first.")
    history.add_argument("--limit", type=_positive_int, default=10, help="how many (default 10)")

    command("health", _health, "Check that the server is up (no login needed).")

    doctor = command(
        "doctor",
        _doctor,
        "Check the route, the server, clock skew, login, the stream's origin and the spec: one "
        "line each (ok / warn / fail); exit 1 when a check fails.",
    )
    # Also after the command, as users type it; the global flag keeps working.
    doctor.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="one JSON document"
    )

    simulate = command(
        "simulate",
        _simulate,
        "Run a local monGARS simulator with the account demo / demo-password until Ctrl-C.",
    )
    simulate.add_argument("--host", default="127.0.0.1", help="address to listen on")
    simulate.add_argument(
        "--port", type=int, default=8000, help="port to listen on (0: any free one)"
    )
    simulate.add_argument(
        "--stream-chunks", action="store_true", help="stream each answer as chunk events"
    )
    simulate.add_argument(
        "--chunk-interval",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="pause between two chunks (with --stream-chunks)",
    )
    simulate.add_argument(
        "--admin-bootstrap", action="store_true", help="allow registering the first admin"
    )
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _verbose_logging() -> None:
    from mongars_client._config import configure_logging

    configure_logging("debug")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    httpx_logger = logging.getLogger("httpx")
    httpx_logger.setLevel(logging.INFO)
    httpx_logger.addHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `mongars` with `argv` (default: the command line); return the exit status."""
    args = _parser().parse_args(argv)
    out = _Output(as_json=args.json)
    ctx = _Context()
    try:
        if args.verbose:
            _verbose_logging()
        with _otel.console_tracing(args.trace):
            status: int = args.run(args, out, ctx)
        return status
    except KeyboardInterrupt:
        _note("mongars: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of our output left (`mongars stream | head`): not an error. Point stdout at
        # devnull so that the interpreter's final flush does not fail again.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except MonGARSError as error:
        saved = ctx.saved.path if ctx.saved is not None else None
        _note(f"mongars: error: {explain(error, base_url=ctx.base_url, saved=saved)}")
        return exit_status(error)
    except Exception as error:  # a defect of ours: still one line, the traceback on request
        if args.verbose:
            _note(redact(traceback.format_exc()))
        _note(
            f"mongars: internal error: {type(error).__name__}: {redact(str(error))} (run again "
            "with --verbose for the traceback, and please report it)"
        )
        return _EXIT_BUG


if __name__ == "__main__":
    raise SystemExit(main())
