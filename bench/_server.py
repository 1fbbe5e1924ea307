"""The simulator in a process of its own, as a real server would be, for the loopback figures.

`python -m bench._server` starts a simulator without the chat rate limit, prints one JSON line
(`base_url`, `origin`, `username`, `password`), then answers commands read from stdin, one per
line: `burst <count>` sends that many events to the bench user's open streams and prints how
many streams got them. It stops when stdin closes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any, Self

USERNAME = "bench"
PASSWORD = "bench-password"  # noqa: S105 - the simulator's throwaway account
ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    """Serve until stdin closes."""
    from mongars_client.testing import Simulator

    with Simulator(
        users={USERNAME: PASSWORD},
        chat_rate_limit=None,
        # No heartbeat during a measurement: neither side should spend time on pings.
        heartbeat_interval=3600.0,
        heartbeat_timeout=7200.0,
    ) as sim:
        where = {"base_url": sim.base_url, "origin": sim.origin}
        print(json.dumps({**where, "username": USERNAME, "password": PASSWORD}), flush=True)
        for line in sys.stdin:
            command, *args = line.split()
            if command == "burst":
                print(sim.burst(USERNAME, int(args[0])), flush=True)
    return 0


class ServerProcess:
    """Starts `python -m bench._server` and talks to it; a context manager."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench._server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.info = json.loads(self._readline())
        return self

    def _readline(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the bench server stopped")
        return line

    @property
    def base_url(self) -> str:
        """Where the simulator listens."""
        return str(self.info["base_url"])

    def burst(self, count: int) -> int:
        """Have the simulator send `count` events to the bench user's streams."""
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(f"burst {count}\n")
        self._process.stdin.flush()
        return int(self._readline())

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


if __name__ == "__main__":
    raise SystemExit(main())
