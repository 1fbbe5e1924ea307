"""`python -m mongars_client.testing`: a standalone simulator, until Ctrl+C or SIGTERM."""

from __future__ import annotations

import argparse
import contextlib
import copy
import signal
import threading
from collections.abc import Sequence

from uvicorn.config import LOGGING_CONFIG

from mongars_client.testing._simulator import DEMO_PASSWORD, DEMO_USERNAME, Simulator

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _wait_for_stop_signal() -> None:
    if hasattr(signal, "pthread_sigmask"):
        signal.sigwait(_STOP_SIGNALS)
    else:  # Windows: Ctrl+C interrupts the wait
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Run a simulator with a demo account, print where it is, serve until asked to stop."""
    parser = argparse.ArgumentParser(
        prog="python -m mongars_client.testing",
        description="A monGARS-compatible server with a demo account, for demos and manual tests.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (0: any free)")
    parser.add_argument(
        "--stream-chunks", action="store_true", help="emit response chunks before each chat event"
    )
    parser.add_argument(
        "--admin-bootstrap", action="store_true", help="allow registering the first admin"
    )
    args = parser.parse_args(argv)

    if hasattr(signal, "pthread_sigmask"):
        # Blocked before the server thread starts, which inherits the mask: only sigwait() sees
        # the signals, and uvicorn's thread never does.
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    simulator = Simulator(
        users={DEMO_USERNAME: DEMO_PASSWORD},
        host=args.host,
        port=args.port,
        stream_chunks=args.stream_chunks,
        admin_bootstrap=args.admin_bootstrap,
        log_config=copy.deepcopy(LOGGING_CONFIG),
    )
    with simulator as sim:
        print(f"monGARS simulator running at {sim.base_url}", flush=True)
        print(f"demo credentials: username={DEMO_USERNAME} password={DEMO_PASSWORD}", flush=True)
        print(f"event stream: {sim.ws_url}?t=<ticket> with Origin: {sim.origin}", flush=True)
        _wait_for_stop_signal()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
