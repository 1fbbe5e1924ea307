"""A monGARS-compatible server for demos, our tests and our users' tests.

Needs the `simulator` extra (FastAPI, uvicorn): `pip install 'mongars-client[simulator]'`.

    from mongars_client.testing import Simulator

    with Simulator(users={"u1": "password1"}) as sim:
        ...  # talk to sim.base_url; drive failures with sim.faults

Pytest fixtures: `mongars_client.testing.pytest_plugin`. A standalone server:
`python -m mongars_client.testing --port 8000`.
"""

from __future__ import annotations

try:
    import fastapi  # noqa: F401
    import python_multipart  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as missing:
    raise ImportError(
        f"mongars_client.testing needs the simulator extra ({missing.name} is missing): "
        "pip install 'mongars-client[simulator]'"
    ) from missing

from mongars_client.testing._faults import Faults
from mongars_client.testing._simulator import DEMO_PASSWORD, DEMO_USERNAME, Simulator

__all__ = ["DEMO_PASSWORD", "DEMO_USERNAME", "Faults", "Simulator"]
