"""Is this SDK right for that server? The spec it was generated from against the server's.

The wheel carries the spec the SDK was generated from (`mongars_api/openapi.json`, with the
operation names of `mongars_api/operations.json`); `Client.check_compatibility()` and `mongars
doctor` fetch the server's `/openapi.json` and compare the two with `mongars_client.spec_diff`,
from the point of view of this SDK: a change that would break a client generated from our spec
makes the server incompatible.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from mongars_client.spec_diff import BREAKING, DOCUMENTATION, Change, diff

# Where FastAPI (and so monGARS) publishes its spec.
SPEC_PATH = "/openapi.json"

Status = Literal["compatible", "server_newer", "incompatible", "unknown"]


@cache
def sdk_spec() -> dict[str, Any]:
    """The OpenAPI document this SDK was generated from (shipped inside the package)."""
    text = resources.files("mongars_api").joinpath("openapi.json").read_text(encoding="utf-8")
    spec: dict[str, Any] = json.loads(text)
    return spec


@cache
def sdk_operation_names() -> dict[str, tuple[str, str]]:
    """`"METHOD /path"` -> `(group, name)`: where each operation of `sdk_spec()` is generated."""
    text = resources.files("mongars_api").joinpath("operations.json").read_text(encoding="utf-8")
    names: dict[str, str] = json.loads(text)
    return {
        key: (dotted.partition(".")[0], dotted.partition(".")[2]) for key, dotted in names.items()
    }


@dataclass(frozen=True)
class CompatibilityReport:
    """How the server's spec compares with the one this SDK was generated from.

    `status` is one of:

    - `compatible`: the server publishes the same API (prose aside);
    - `server_newer`: the server offers more (operations, fields) than this SDK knows, and
      nothing this SDK sends or reads changed in a way that breaks it; `changes` lists them;
    - `incompatible`: some operation this SDK calls would fail or be misread; `changes` lists
      the breaking differences, each naming the operation (`change.operation`,
      `change.endpoint`) and the field (`change.where`);
    - `unknown`: the server does not publish a spec this SDK can read; `detail` says why.
    """

    status: Status
    detail: str
    changes: tuple[Change, ...] = ()
    sdk_spec_version: str = "?"
    server_spec_version: str | None = None

    @property
    def ok(self) -> bool:
        """True unless the server is known to be incompatible."""
        return self.status != "incompatible"

    def describe(self) -> str:
        """The report for a person: the verdict, then one line per change."""
        lines = [f"{self.status}: {self.detail}"]
        for change in self.changes:
            name = f"{change.operation} ({change.endpoint})" if change.operation else "the API"
            lines.append(f"  {name}: {change.describe()}")
        return "\n".join(lines)


def unknown(detail: str) -> CompatibilityReport:
    """The report when the server's spec cannot be had."""
    return CompatibilityReport(
        "unknown", detail, sdk_spec_version=_version(sdk_spec()), server_spec_version=None
    )


def compare(server_spec: Any) -> CompatibilityReport:
    """Compare a server's parsed `/openapi.json` with the spec this SDK was generated from."""
    if not isinstance(server_spec, dict) or not isinstance(server_spec.get("paths"), dict):
        return unknown("the server's /openapi.json is not an OpenAPI document (it has no `paths`)")
    ours = sdk_spec()
    try:
        report = diff(ours, server_spec, sdk_operation_names())
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        return unknown(f"the server's /openapi.json cannot be compared: {error}")
    versions = {"sdk_spec_version": _version(ours), "server_spec_version": _version(server_spec)}
    breaking = tuple(c for c in report.changes if c.severity is BREAKING)
    if breaking:
        operations = sorted({c.operation or "the API" for c in breaking})
        detail = (
            f"{len(breaking)} breaking difference(s) for {', '.join(operations)}: regenerate the "
            "SDK from this server's spec, or use a version made for it"
        )
        return CompatibilityReport("incompatible", detail, breaking, **versions)
    wire = tuple(c for c in report.changes if c.severity is not DOCUMENTATION)
    if wire:
        detail = (
            f"the server has {len(wire)} change(s) this SDK does not know, none breaking; "
            "regenerate to use them"
        )
        return CompatibilityReport("server_newer", detail, wire, **versions)
    return CompatibilityReport(
        "compatible", "the server publishes the API this SDK was generated from", (), **versions
    )


def from_answer(status_code: int, content_type: str, body: bytes) -> CompatibilityReport:
    """The report for the server's answer to `GET /openapi.json`."""
    if status_code != 200:
        return unknown(f"the server does not publish its spec (GET {SPEC_PATH}: {status_code})")
    if "json" not in content_type.lower():
        shown = content_type.split(";", 1)[0] or "untyped"
        return unknown(f"GET {SPEC_PATH} answered {shown}, not JSON")
    try:
        return compare(json.loads(body))
    except (ValueError, RecursionError):
        return unknown(f"GET {SPEC_PATH} answered a body that is not JSON")


def _version(spec: dict[str, Any]) -> str:
    info = spec.get("info")
    return str(info.get("version", "?")) if isinstance(info, dict) else "?"
