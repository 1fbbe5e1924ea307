"""`python -m mongars_client.testing`: the standalone simulator, the same as `mongars simulate`.

python -m mongars_client.testing --port 8000   # --host, --stream-chunks, --admin-bootstrap
"""

from __future__ import annotations

import sys

from mongars_client.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["simulate", *sys.argv[1:]]))
