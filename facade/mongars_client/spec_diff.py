"""Compare two OpenAPI documents as a client generated from them sees them.

The one comparison behind `scripts/spec_diff.py` (the change report of a regeneration, `make
spec-diff`, `make spec-drift`), `Client.check_compatibility()` and `mongars doctor`.

Every change is classified from the point of view of the client generated from OLD, and of the
code our users wrote against it:

- breaking: that client can fail against a server that implements NEW, or code written against
  it stops working once the client is regenerated from NEW;
- non-breaking: additions and loosenings: old clients keep working, regenerated ones offer more;
- documentation: prose only (summary, description, title, examples, deprecation notes).

The request side is what the client sends: a server that starts requiring, refusing or reading
something differently breaks it. The response side is what the client parses: a field that can
vanish, turn null, change type or take an enum value the client does not know breaks its strict
models. Operations carry the names the generator gives them (a mapping of `"METHOD /path"` to
`group.name`, `scripts/operations.toml` in the repository, then the fallback rule below), so a
report speaks the names our users import.
"""

from __future__ import annotations

import builtins
import json
import keyword
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# The generator appends "_" to these (`list` becomes `list_`): never produce them as names.
RESERVED_NAMES = frozenset({*keyword.kwlist, *dir(builtins), "self", "true", "false", "datetime"})
_VERSION_PREFIX = re.compile(r"^/api/v\d+(?=/|$)")


# -- operation names ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OperationName:
    """Where one operation lands in the generated package: `mongars_api.api.<group>.<name>`."""

    method: str
    path: str
    group: str
    name: str
    from_mapping: bool

    @property
    def key(self) -> str:
        """The mapping key of the operation, such as `POST /api/v1/conversation/chat`."""
        return f"{self.method.upper()} {self.path}"

    @property
    def dotted(self) -> str:
        """The `group.name` form used in the mapping and in reports."""
        return f"{self.group}.{self.name}"


def snake(text: str) -> str:
    """`rag-context` -> `rag_context`, `changePassword` -> `change_password`."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _segments(path: str) -> list[str]:
    """The path's segments after any `/api/vN` prefix, `{param}` read as `by_param`."""
    segments = [s for s in _VERSION_PREFIX.sub("", path).split("/") if s]
    return [f"by_{s[1:-1]}" if s.startswith("{") and s.endswith("}") else s for s in segments]


def path_prefix(path: str) -> str:
    """What groups operations: the first path segment after any `/api/vN` prefix."""
    words = _segments(path)
    return snake(words[0]) if words else ""


def fallback_name(
    method: str, path: str, groups: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """The rule for an operation the mapping does not name.

    The group is the group the mapping already uses for the same path prefix (`groups`, see
    `prefix_groups`), else the first path segment after any `/api/vN` prefix; the name is the
    HTTP method followed by the remaining segments, with `{param}` read as `by_param`. Keeping
    the method in the name means two methods on one path can never collide.
    """
    words = _segments(path)
    prefix = path_prefix(path)
    group = (groups or {}).get(prefix) or prefix or "root"
    name = snake("_".join([method, *words[1:]]))
    return _safe(group), _safe(name)


def prefix_groups(mapping: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """For each path prefix the mapping names, the group most of its operations have (the
    first one written on a tie): `peer` -> `peers`, so `GET /api/v1/peer/loads` joins `peers.*`."""
    counts: dict[str, dict[str, int]] = {}
    for key, (group, _) in mapping.items():
        per_group = counts.setdefault(path_prefix(key.partition(" ")[2]), {})
        per_group[group] = per_group.get(group, 0) + 1
    return {
        prefix: max(per_group, key=lambda g: per_group[g])
        for prefix, per_group in counts.items()
        if prefix
    }


def _safe(identifier: str) -> str:
    if not identifier or identifier[0].isdigit():
        identifier = f"op_{identifier}"
    if identifier in RESERVED_NAMES:
        identifier = f"{identifier}_op"
    return identifier


def iter_operations(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every `(method, path, operation)` of a spec, in document order."""
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield method, path, item[method]


def name_operations(
    spec: Mapping[str, Any], mapping: Mapping[str, tuple[str, str]] | None = None
) -> list[OperationName]:
    """Name every operation of `spec` (`mapping`: `"METHOD /path"` -> `(group, name)`, none by
    default); raises `ValueError` if two end up with the same name."""
    mapping = mapping or {}
    groups = prefix_groups(mapping)
    names: list[OperationName] = []
    taken: dict[str, str] = {}
    for method, path, _ in iter_operations(spec):
        key = f"{method.upper()} {path}"
        if key in mapping:
            group, name = mapping[key]
            from_mapping = True
        else:
            group, name = fallback_name(method, path, groups)
            from_mapping = False
        op = OperationName(method, path, group, name, from_mapping)
        if op.dotted in taken:
            raise ValueError(f"{key} and {taken[op.dotted]} would both be named {op.dotted}")
        taken[op.dotted] = key
        names.append(op)
    return names


# -- the comparison -----------------------------------------------------------------------------

Side = Literal["request", "response"]
Params = list[tuple[dict[str, Any], str]]

# Keys that never reach the wire: a change to them is documentation-only.
DOC_KEYS = ("summary", "description", "title", "deprecated", "example", "examples", "externalDocs")
# Keys our client ignores as well: the regeneration replaces operationIds and tags.
IGNORED_KEYS = frozenset({*DOC_KEYS, "operationId", "tags"})
# Formats that give a string another Python type in the generated client.
TYPE_FORMATS = frozenset({"date-time", "date", "binary", "uuid"})
# Formats that only tell a user interface how to show a value: no server validates them.
HINT_FORMATS = frozenset({"password"})
UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum")
LOWER_BOUNDS = ("minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum")
# An absent lower bound on a size means 0, so adding `minLength: 0` tightens nothing.
_SIZE_FLOORS = {"minLength": 0, "minItems": 0, "minProperties": 0}
_SIMPLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PATH_PARAMETER = re.compile(r"\{[^}]*\}")


class Severity(StrEnum):
    """How a change affects a client generated from the old document."""

    BREAKING = "breaking"
    NON_BREAKING = "non-breaking"
    DOCUMENTATION = "documentation"


BREAKING, NON_BREAKING, DOCUMENTATION = Severity  # short names for the rules below
# The changelog's sections, in the order they are written.
SECTIONS = ("Breaking", "Added", "Changed", "Documentation")
_ORDER = {BREAKING: 0, NON_BREAKING: 1, DOCUMENTATION: 2}


@dataclass(frozen=True)
class Change:
    """One classified difference between the two documents."""

    severity: Severity
    kind: str  # a stable code for tools and tests, such as `field-removed`
    operation: str  # our name of the operation, `conversation.chat`; "" for the whole document
    endpoint: str  # `POST /api/v1/conversation/chat`; "" for the whole document
    where: str  # what changed, in words: "request body field `message`"; "" for the operation
    message: str  # how it changed: "maxLength lowered from 1000 to 500"
    path: str  # JSON path in the new document (in the old one for what was removed)
    addition: bool = False  # something new (an operation, a field): a minor version at least

    @property
    def section(self) -> str:
        """The changelog section: Breaking, Added, Changed or Documentation."""
        if self.severity is BREAKING:
            return "Breaking"
        if self.severity is DOCUMENTATION:
            return "Documentation"
        return "Added" if self.addition else "Changed"

    def describe(self) -> str:
        """`where: message`, the sentence the report and the changelog print."""
        return f"{self.where}: {self.message}" if self.where else self.message

    def as_dict(self) -> dict[str, str]:
        """The change as `--json` lists it."""
        return {
            "operation": self.operation,
            "endpoint": self.endpoint,
            "severity": str(self.severity),
            "section": self.section,
            "kind": self.kind,
            "where": self.where,
            "message": self.message,
            "path": self.path,
        }


@dataclass(frozen=True)
class Report:
    """Every change between two documents, and what they mean for the package version."""

    old_version: str
    new_version: str
    changes: tuple[Change, ...]
    identical: bool
    fallback_names: frozenset[str] = frozenset()

    @property
    def breaking(self) -> bool:
        """True when at least one change breaks clients generated from the old document."""
        return any(c.severity is BREAKING for c in self.changes)

    @property
    def bump(self) -> str | None:
        """`major` for a breaking change, `minor` for additions, `patch` otherwise."""
        if self.identical:
            return None
        if self.breaking:
            return "major"
        return "minor" if any(c.addition for c in self.changes) else "patch"

    @property
    def verdict(self) -> str:
        """The whole report in a word or two."""
        if self.breaking:
            return "breaking"
        if any(c.severity is NON_BREAKING for c in self.changes):
            return "non-breaking"
        return "documentation only" if self.changes else "no change"

    def count(self, severity: Severity) -> int:
        """How many changes have `severity`."""
        return sum(1 for c in self.changes if c.severity is severity)

    def groups(self) -> list[tuple[str, str, list[Change]]]:
        """`(operation, endpoint, changes)`: the document first, then operations by name;
        breaking changes first within each."""
        grouped: dict[tuple[str, str], list[Change]] = {}
        for change in self.changes:
            grouped.setdefault((change.operation, change.endpoint), []).append(change)
        return [
            (operation, endpoint, sorted(changes, key=lambda c: _ORDER[c.severity]))
            for (operation, endpoint), changes in sorted(grouped.items())
        ]

    def markdown(self, old_label: str, new_label: str) -> str:
        """The report for people: a verdict, then every change grouped by operation."""
        counts = (
            f"{self.count(BREAKING)} breaking, {self.count(NON_BREAKING)} non-breaking, "
            f"{self.count(DOCUMENTATION)} documentation-only"
        )
        lines = [
            f"# Spec changes: `{old_label}` → `{new_label}`",
            "",
            f"Spec version (`info.version`): {self.old_version} → {self.new_version}.",
            f"**Verdict: {self.verdict}** ({counts}); version bump: {self.bump or 'none'}.",
            "",
            "*Breaking*: a client generated from the old spec can fail against a server that",
            "implements the new one, or code written against it stops working once regenerated.",
            "Each change ends with its JSON path in the new spec (in the old one if removed).",
        ]
        for operation, endpoint, changes in self.groups():
            if operation:
                fallback = " (fallback name)" if operation in self.fallback_names else ""
                lines += ["", f"## `{operation}`{fallback}: {endpoint}", ""]
            else:
                lines += ["", "## The document as a whole", ""]
            for c in changes:
                label = f"**{c.severity}**" if c.severity is BREAKING else str(c.severity)
                lines.append(f"- {label}: {c.describe()} (`{c.path}`)")
        if self.fallback_names:
            lines += [
                "",
                "*Fallback name*: not named by `scripts/operations.toml` yet (`make update-spec`",
                "pins it there): review it before users import it.",
            ]
        return "\n".join(lines) + "\n"

    def as_json(self, old_label: str, new_label: str) -> dict[str, Any]:
        """The report for tools (`--json`)."""
        return {
            "old": {"file": old_label, "version": self.old_version},
            "new": {"file": new_label, "version": self.new_version},
            "verdict": self.verdict,
            "breaking": self.breaking,
            "bump": self.bump,
            "counts": {str(s): self.count(s) for s in Severity},
            "changes": [c.as_dict() for c in self.changes],
        }


# -- JSON paths and references ----------------------------------------------------------------


def child(path: str, key: str | int) -> str:
    """The JSON path of `key` below `path`: `$.a.b`, `$.a[0]`, `$.paths['/token']`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _SIMPLE_KEY.match(key):
        return f"{path}.{key}"
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{escaped}']"


def resolve(doc: dict[str, Any], node: Any, path: str) -> tuple[Any, str]:
    """Follow local `$ref`s from `node`; returns the target and the target's own JSON path.

    A reference that leaves the document, leads nowhere or goes round in a circle is left as it
    is: the comparison then sees an opaque `$ref` instead of failing.
    """
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref: str = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            break
        seen.add(ref)
        target: Any = doc
        target_path = "$"
        for raw in ref[2:].split("/"):
            part = raw.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                return node, path
            target, target_path = target[part], child(target_path, part)
        node, path = target, target_path
    return node, path


def ref_name(node: Any) -> str | None:
    """`ChatRequest` for `{"$ref": "#/components/schemas/ChatRequest"}`, else None."""
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        return str(node["$ref"]).rsplit("/", 1)[-1]
    return None


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# -- schema shapes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    """What a schema describes, for the reader: request body field `speech_turn.text`."""

    side: Side
    label: str
    field: str = ""

    def text(self) -> str:
        return f"{self.label} field `{self.field}`" if self.field else self.label

    def prop(self, name: str) -> _Where:
        return _Where(self.side, self.label, f"{self.field}.{name}" if self.field else name)

    def suffix(self, suffix: str) -> _Where:
        return _Where(self.side, self.label, self.field + suffix)


@dataclass(frozen=True)
class _Variant:
    """One non-null alternative of a schema. Alternatives pair up by signature: the component
    name of a `$ref` (its generated class), else the JSON type."""

    schema: dict[str, Any]
    path: str  # where the schema is written (a component, for a `$ref`)
    signature: str
    at: str  # where the alternative is declared: the `$ref` itself, for a reference


def _covers(wide: str, narrow: str) -> bool:
    """Whether type `wide` holds every value of type `narrow` (a JSON integer is a number)."""
    return wide in (narrow, "any") or (wide == "number" and narrow == "integer")


def _enum_values(schema: dict[str, Any]) -> list[Any] | None:
    """The values of `enum` (or `const`, an enum of one: the generated client checks both)."""
    if isinstance(schema.get("enum"), list):
        return [v for v in schema["enum"] if v is not None]
    if "const" in schema:
        return [schema["const"]]
    return None


def _implied_type(schema: dict[str, Any]) -> str:
    """The type of a schema that does not say: from its keywords, else `any`."""
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    if "allOf" in schema:
        return "allOf"
    values = _enum_values(schema)
    if values:
        python = {str: "string", bool: "boolean", int: "integer", float: "number"}
        return python.get(type(values[0]), "any")
    return "any"


def _split(
    doc: dict[str, Any],
    schema: dict[str, Any],
    path: str,
    ref: tuple[str, str] | None,
    seen: frozenset[str],
) -> tuple[bool, list[_Variant]]:
    """`(nullable, alternatives)` of a resolved schema; `ref` is `(name, path)` of the `$ref`
    that led to it, if any.

    FastAPI's optional style (`anyOf: [X, {type: null}]`), `oneOf`, `type` lists and OpenAPI
    3.0's `nullable` all come out the same way, so that `X` compares with `X` whichever is used.
    """
    if path in seen:  # a union that contains itself
        return False, []
    seen = seen | {path}
    nullable = schema.get("nullable") is True
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list):
            variants: list[_Variant] = []
            for i, branch in enumerate(branches):
                at = child(child(path, key), i)
                target, target_path = resolve(doc, branch, at)
                target = target if isinstance(target, dict) else {}
                null, found = _split(doc, target, target_path, _ref_at(branch, at), seen)
                nullable, variants = nullable or null, variants + found
            return nullable, variants
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and set(schema) <= {"allOf", *DOC_KEYS}:
        # `allOf: [{$ref}]` is how OpenAPI 3.0 generators attach prose to a reference.
        at = child(child(path, "allOf"), 0)
        target, target_path = resolve(doc, all_of[0], at)
        if isinstance(target, dict):
            return _split(doc, target, target_path, _ref_at(all_of[0], at), seen)
    declared = schema.get("type")
    if declared == "null":
        return True, []
    if isinstance(declared, list):
        nullable = nullable or "null" in declared
        kinds = [str(k) for k in declared if k != "null"]
    else:
        kinds = [declared] if isinstance(declared, str) else [_implied_type(schema)]
    if ref is not None:
        return nullable, [_Variant(schema, path, ref[0], ref[1])]
    fmt = schema.get("format")
    return nullable, [
        _Variant(schema, path, f"{k} ({fmt})" if k == "string" and fmt in TYPE_FORMATS else k, path)
        for k in kinds
    ]


def _ref_at(node: Any, path: str) -> tuple[str, str] | None:
    name = ref_name(node)
    return None if name is None else (name, path)


def _constraint_changes(
    old: dict[str, Any], new: dict[str, Any]
) -> Iterator[tuple[str, Severity, str]]:
    """`(keyword, effect on a request, message)` for each validation keyword that moved.

    The effect is BREAKING for a tightening (the server refuses what it used to accept),
    NON_BREAKING for a loosening, DOCUMENTATION for a hint no server checks.
    """
    for key in (*UPPER_BOUNDS, *LOWER_BOUNDS):
        a, b = old.get(key), new.get(key)
        if isinstance(a, bool) or isinstance(b, bool) or a == b:
            continue  # OpenAPI 3.0's boolean exclusiveMaximum moves with maximum
        upper = key in UPPER_BOUNDS
        if a is None:
            floor = _SIZE_FLOORS.get(key)
            tight = upper or floor is None or (b is not None and b > floor)
            yield key, BREAKING if tight else NON_BREAKING, f"{key} added ({_show(b)})"
        elif b is None:
            yield key, NON_BREAKING, f"{key} removed (was {_show(a)})"
        else:
            tight = b < a if upper else b > a
            verb = "lowered" if b < a else "raised"
            message = f"{key} {verb} from {_show(a)} to {_show(b)}"
            yield key, BREAKING if tight else NON_BREAKING, message
    a, b = old.get("pattern"), new.get("pattern")
    if a != b:
        if b is None:
            yield "pattern", NON_BREAKING, f"pattern removed (was {_show(a)})"
        elif a is None:
            yield "pattern", BREAKING, f"pattern added ({_show(b)})"
        else:
            # Whether one regular expression accepts less than another cannot be told here.
            yield "pattern", BREAKING, f"pattern changed from {_show(a)} to {_show(b)}"
    a, b = old.get("multipleOf"), new.get("multipleOf")
    if a != b:
        looser = b is None or (a is not None and b != 0 and a % b == 0)
        message = f"multipleOf changed from {_show(a)} to {_show(b)}"
        yield "multipleOf", NON_BREAKING if looser else BREAKING, message
    a, b = bool(old.get("uniqueItems")), bool(new.get("uniqueItems"))
    if a != b:
        yield "uniqueItems", BREAKING if b else NON_BREAKING, f"uniqueItems set to {_show(b)}"
    a, b = old.get("format"), new.get("format")
    if a != b and a not in TYPE_FORMATS and b not in TYPE_FORMATS:  # else: a type change
        message = f"format changed from {_show(a)} to {_show(b)}"
        if {a, b} <= {*HINT_FORMATS, None}:
            yield "format", DOCUMENTATION, message
        else:
            # A server may validate a format (`email`, `uri`): a new or another one can refuse.
            yield "format", NON_BREAKING if b is None else BREAKING, message


# -- the comparison -----------------------------------------------------------------------------


@dataclass
class _Differ:
    """Compares one operation (or the document's shared parts) of the old and new documents."""

    old_doc: dict[str, Any]
    new_doc: dict[str, Any]
    operation: str
    endpoint: str
    changes: list[Change]
    visited: set[tuple[str, str, str, str]] = field(default_factory=set)

    def add(
        self,
        severity: Severity,
        kind: str,
        where: _Where | str,
        message: str,
        path: str,
        *,
        addition: bool = False,
    ) -> None:
        text = where.text() if isinstance(where, _Where) else where
        change = Change(
            severity, kind, self.operation, self.endpoint, text, message, path, addition
        )
        self.changes.append(change)

    def docs(self, old: Any, new: Any, old_path: str, new_path: str, where: _Where | str) -> None:
        """Documentation-only changes: the keys of DOC_KEYS of one node."""
        if not isinstance(old, dict) or not isinstance(new, dict):
            return
        for key in DOC_KEYS:
            if old.get(key) == new.get(key):
                continue
            if key not in new:
                self.add(
                    DOCUMENTATION, "documentation", where, f"{key} removed", child(old_path, key)
                )
            else:
                verb = "added" if key not in old else "changed"
                self.add(
                    DOCUMENTATION, "documentation", where, f"{key} {verb}", child(new_path, key)
                )

    # -- operations ---------------------------------------------------------------------------

    def compare(
        self, old: dict[str, Any], new: dict[str, Any], old_path: str, new_path: str
    ) -> None:
        """Every change of one operation: prose, security, body, responses (not parameters)."""
        self.docs(old, new, old_path, new_path, "")
        self.security(old, new, old_path, new_path)
        self.request_body(old, new, old_path, new_path)
        self.responses(old, new, old_path, new_path)

    def security(
        self, old_op: dict[str, Any], new_op: dict[str, Any], old_path: str, new_path: str
    ) -> None:
        def effective(doc: dict[str, Any], op: dict[str, Any]) -> set[str]:
            found = op["security"] if "security" in op else doc.get("security", [])
            return {
                " + ".join(f"{k}{sorted(v) if v else ''}" for k, v in sorted(req.items()))
                for req in found
                if isinstance(req, dict)
            }

        old, new = effective(self.old_doc, old_op), effective(self.new_doc, new_op)
        # No requirement, or an empty one among the alternatives: callers may be anonymous.
        old_open, new_open = not old or "" in old, not new or "" in new
        if "security" in new_op:
            path = child(new_path, "security")
        elif "security" in self.new_doc:
            path = "$.security"
        else:  # the requirement was removed: point at where it was
            path = child(old_path, "security") if "security" in old_op else "$.security"
        if old_open and not new_open:
            schemes = " or ".join(sorted(new))
            self.add(
                BREAKING, "security-added", "", f"now requires authentication ({schemes})", path
            )
        elif new_open and not old_open:
            self.add(
                NON_BREAKING, "security-removed", "", "no longer requires authentication", path
            )
        elif old != new and not old_open:
            message = (
                f"security changed from {' or '.join(sorted(old))} to {' or '.join(sorted(new))}"
            )
            # A client keeps working as long as the scheme it uses is still one of the options.
            severity = BREAKING if old - new else NON_BREAKING
            self.add(severity, "security-changed", "", message, path)

    def parameters(self, old: Params, new: Params) -> None:
        """Parameters pair up by location and name; the same name elsewhere has moved."""
        old_index = {(str(p.get("in")), str(p.get("name"))): (p, path) for p, path in old}
        new_index = {(str(p.get("in")), str(p.get("name"))): (p, path) for p, path in new}
        moved_from: dict[tuple[str, str], tuple[str, str]] = {}
        for key in new_index:
            if key not in old_index:
                origins = [k for k in old_index if k[1] == key[1] and k not in new_index]
                if origins and origins[0] not in moved_from.values():
                    moved_from[key] = origins[0]
        for key, (param, path) in new_index.items():
            where = _Where("request", f"{key[0]} parameter `{key[1]}`")
            if key in moved_from:
                origin = moved_from[key]
                self.add(
                    BREAKING,
                    "parameter-moved",
                    where,
                    f"moved from {origin[0]} to {key[0]}",
                    child(path, "in"),
                )
                old_param, old_path = old_index[origin]
                self.parameter(old_param, param, old_path, path, where)
            elif key in old_index:
                old_param, old_path = old_index[key]
                self.parameter(old_param, param, old_path, path, where)
            elif param.get("required") is True:
                self.add(BREAKING, "required-added", where, "added, required", path)
            else:
                self.add(
                    NON_BREAKING, "optional-added", where, "added, optional", path, addition=True
                )
        for key, (_, path) in old_index.items():
            if key not in new_index and key not in moved_from.values():
                where = _Where("request", f"{key[0]} parameter `{key[1]}`")
                self.add(BREAKING, "removed", where, "removed", path)

    def parameter(
        self, old: dict[str, Any], new: dict[str, Any], old_path: str, new_path: str, where: _Where
    ) -> None:
        self.docs(old, new, old_path, new_path, where)
        self.required(old.get("required") is True, new.get("required") is True, new_path, where)
        for key in ("style", "explode", "allowReserved"):
            if old.get(key) != new.get(key):
                message = f"{key} changed from {_show(old.get(key))} to {_show(new.get(key))}"
                self.add(BREAKING, "serialization-changed", where, message, child(new_path, key))
        self.schema(*_parameter_schema(old, old_path), *_parameter_schema(new, new_path), where)

    def required(self, old: bool, new: bool, path: str, where: _Where) -> None:
        """A field, parameter or body whose required status moved."""
        if old == new:
            return
        request = where.side == "request"
        if new:  # a client that leaves it out is refused; a parser may count on it
            self.add(
                BREAKING if request else NON_BREAKING, "made-required", where, "made required", path
            )
        else:  # a client may leave it out; a parser may no longer find it
            message = "made optional" if request else "made optional: it may be absent"
            self.add(NON_BREAKING if request else BREAKING, "made-optional", where, message, path)

    def request_body(
        self, old_op: dict[str, Any], new_op: dict[str, Any], old_path: str, new_path: str
    ) -> None:
        where = _Where("request", "request body")
        old, old_path = resolve(
            self.old_doc, old_op.get("requestBody"), child(old_path, "requestBody")
        )
        new, new_path = resolve(
            self.new_doc, new_op.get("requestBody"), child(new_path, "requestBody")
        )
        if not isinstance(new, dict):
            if isinstance(old, dict):
                self.add(BREAKING, "removed", where, "removed", old_path)
        elif not isinstance(old, dict):
            if new.get("required") is True:
                self.add(BREAKING, "required-added", where, "added, required", new_path)
            else:
                self.add(
                    NON_BREAKING,
                    "optional-added",
                    where,
                    "added, optional",
                    new_path,
                    addition=True,
                )
        else:
            self.docs(old, new, old_path, new_path, where)
            required = (old.get("required") is True, new.get("required") is True)
            self.required(*required, new_path, where)
            self.content(old, new, old_path, new_path, where)

    def content(
        self, old: dict[str, Any], new: dict[str, Any], old_path: str, new_path: str, where: _Where
    ) -> None:
        """The media types of a body (request or response), and the schema of each."""
        old_content: dict[str, Any] = old.get("content") or {}
        new_content: dict[str, Any] = new.get("content") or {}
        old_base, new_base = child(old_path, "content"), child(new_path, "content")
        removed = [t for t in old_content if t not in new_content]
        added = [t for t in new_content if t not in old_content]
        pairs = [(t, t) for t in old_content if t in new_content]
        request = where.side == "request"
        if len(removed) == 1 and len(added) == 1:
            message = f"content type changed from {removed[0]} to {added[0]}"
            self.add(BREAKING, "content-type-changed", where, message, child(new_base, added[0]))
            pairs.append((removed[0], added[0]))
        else:
            for media in removed:
                message = f"content type {media} " + (
                    "no longer accepted" if request else "removed"
                )
                self.add(BREAKING, "content-type-removed", where, message, child(old_base, media))
            for media in added:
                message = f"content type {media} " + ("also accepted" if request else "added")
                self.add(NON_BREAKING, "content-type-added", where, message, child(new_base, media))
        for old_type, new_type in pairs:
            old_media_path = child(child(old_base, old_type), "schema")
            new_media_path = child(child(new_base, new_type), "schema")
            old_schema = (old_content[old_type] or {}).get("schema", {})
            new_schema = (new_content[new_type] or {}).get("schema", {})
            self.schema(old_schema, old_media_path, new_schema, new_media_path, where)

    def responses(
        self, old_op: dict[str, Any], new_op: dict[str, Any], old_path: str, new_path: str
    ) -> None:
        old: dict[str, Any] = old_op.get("responses") or {}
        new: dict[str, Any] = new_op.get("responses") or {}
        old_base, new_base = child(old_path, "responses"), child(new_path, "responses")
        pairs = [(code, code) for code in old if code in new]
        lost = [str(c) for c in old if c not in new and str(c).startswith("2")]
        gained = [str(c) for c in new if c not in old and str(c).startswith("2")]
        # The client parses a success response by its status code: a new one is not parsed.
        for old_code, new_code in zip(lost, gained, strict=False):
            message = f"success status changed from {old_code} to {new_code}"
            self.add(BREAKING, "status-changed", "", message, child(new_base, new_code))
            pairs.append((old_code, new_code))
        for code in lost[len(gained) :]:
            message = f"success response {code} removed"
            self.add(BREAKING, "response-removed", "", message, child(old_base, code))
        for code in gained[len(lost) :]:
            message = f"new success status {code}: a client generated from the old spec ignores it"
            self.add(BREAKING, "status-changed", "", message, child(new_base, code))
        for code in new:
            if code not in old and not str(code).startswith("2"):
                self.add(
                    NON_BREAKING,
                    "response-added",
                    "",
                    f"response {code} documented",
                    child(new_base, code),
                    addition=True,
                )
        for code in old:
            if code not in new and not str(code).startswith("2"):
                self.add(
                    NON_BREAKING,
                    "response-removed",
                    "",
                    f"response {code} no longer documented",
                    child(old_base, code),
                )
        for old_code, new_code in pairs:
            old_resp, old_resp_path = resolve(
                self.old_doc, old[old_code], child(old_base, old_code)
            )
            new_resp, new_resp_path = resolve(
                self.new_doc, new[new_code], child(new_base, new_code)
            )
            if isinstance(old_resp, dict) and isinstance(new_resp, dict):
                where = _Where("response", f"response {new_code}")
                self.docs(old_resp, new_resp, old_resp_path, new_resp_path, where)
                self.content(old_resp, new_resp, old_resp_path, new_resp_path, where)

    # -- schemas -----------------------------------------------------------------------------

    def schema(self, old: Any, old_path: str, new: Any, new_path: str, where: _Where) -> None:
        """Compare two schemas found at the same place, following `$ref`, unions and arrays."""
        self.docs(old, new, old_path, new_path, where)  # prose beside a `$ref`
        old_ref, new_ref = _ref_at(old, old_path), _ref_at(new, new_path)
        old, old_path = resolve(self.old_doc, old, old_path)
        new, new_path = resolve(self.new_doc, new, new_path)
        old, new = (old if isinstance(old, dict) else {}), (new if isinstance(new, dict) else {})
        key = ("schema", old_path, new_path, where.side)
        if key in self.visited:  # a component met again, through a cycle or a second reference
            return
        self.visited.add(key)
        if old_ref or new_ref:
            self.docs(old, new, old_path, new_path, where)
        if ("default" in old or "default" in new) and old.get("default") != new.get("default"):
            message = (
                f"default changed from {_show(old.get('default'))} to {_show(new.get('default'))}"
            )
            self.add(NON_BREAKING, "default-changed", where, message, child(new_path, "default"))
        old_nullable, old_variants = _split(self.old_doc, old, old_path, old_ref, frozenset())
        new_nullable, new_variants = _split(self.new_doc, new, new_path, new_ref, frozenset())
        if old_nullable != new_nullable:
            self.nullable(new_nullable, new_path, where)
        self.variants(old_variants, new_variants, where)

    def nullable(self, now_nullable: bool, path: str, where: _Where) -> None:
        request = where.side == "request"
        if now_nullable and request:
            self.add(NON_BREAKING, "made-nullable", where, "now also accepts null", path)
        elif now_nullable:
            self.add(BREAKING, "made-nullable", where, "made nullable: it may be null", path)
        elif request:
            self.add(BREAKING, "made-non-nullable", where, "no longer accepts null", path)
        else:
            self.add(NON_BREAKING, "made-non-nullable", where, "no longer nullable", path)

    def variants(self, old: list[_Variant], new: list[_Variant], where: _Where) -> None:
        """Pair the alternatives of two schemas by signature and report the unpaired ones."""
        if len(old) == 1 and len(new) == 1:
            if old[0].signature == new[0].signature:
                self.single(old[0], new[0], where)
            else:
                self.type_changed(old[0], new[0], where)
            return
        unpaired_new, unpaired_old = list(new), []
        for variant in old:
            match = next((n for n in unpaired_new if n.signature == variant.signature), None)
            if match is None:
                unpaired_old.append(variant)
            else:
                unpaired_new.remove(match)
                self.single(variant, match, where)
        request = where.side == "request"
        for variant in unpaired_old:
            sig, path = variant.signature, variant.at
            if not request:
                self.add(NON_BREAKING, "type-narrowed", where, f"can no longer be {sig}", path)
            elif any(_covers(n.signature, sig) for n in new):
                self.add(NON_BREAKING, "type-widened", where, f"{sig} widened", path)
            else:
                self.add(BREAKING, "type-changed", where, f"no longer accepts {sig}", path)
        for variant in unpaired_new:
            sig, path = variant.signature, variant.at
            if request:
                self.add(NON_BREAKING, "type-widened", where, f"now also accepts {sig}", path)
            elif not any(_covers(o.signature, sig) for o in old):
                self.add(BREAKING, "type-changed", where, f"can now also be {sig}", path)

    def type_changed(self, old: _Variant, new: _Variant, where: _Where) -> None:
        declared_here = new.at == new.path and "type" in new.schema
        path = child(new.at, "type") if declared_here else new.at
        move = f"from {old.signature} to {new.signature}"
        if where.side == "request" and _covers(new.signature, old.signature):
            self.add(NON_BREAKING, "type-widened", where, f"type widened {move}", path)
        elif where.side == "response" and _covers(old.signature, new.signature):
            self.add(NON_BREAKING, "type-narrowed", where, f"type narrowed {move}", path)
        else:
            self.add(BREAKING, "type-changed", where, f"type changed {move}", path)

    def single(self, old: _Variant, new: _Variant, where: _Where) -> None:
        """Two alternatives of the same type: enum, constraints, fields, items."""
        key = ("variant", old.path, new.path, where.side)
        if key in self.visited:
            return
        self.visited.add(key)
        o, n = old.schema, new.schema
        self.enum(o, n, new.path, where)
        self.constraints(o, n, old.path, new.path, where)
        if {"properties", "additionalProperties"} & {*o, *n} or "object" in (
            o.get("type"),
            n.get("type"),
        ):
            self.properties(o, n, old.path, new.path, where)
            self.additional_properties(o, n, old.path, new.path, where)
        if "items" in o or "items" in n:
            self.schema(
                o.get("items", {}),
                child(old.path, "items"),
                n.get("items", {}),
                child(new.path, "items"),
                where.suffix("[]"),
            )
        if isinstance(o.get("allOf"), list) and isinstance(n.get("allOf"), list):
            for i, (a, b) in enumerate(zip(o["allOf"], n["allOf"], strict=False)):
                self.schema(
                    a,
                    child(child(old.path, "allOf"), i),
                    b,
                    child(child(new.path, "allOf"), i),
                    where,
                )

    def enum(self, old: dict[str, Any], new: dict[str, Any], path: str, where: _Where) -> None:
        old_values, new_values = _enum_values(old), _enum_values(new)
        if old_values == new_values:
            return
        request = where.side == "request"
        key = child(path, "const" if "const" in new and "enum" not in new else "enum")
        if old_values is None:
            message = f"now restricted to {', '.join(map(_show, new_values or []))}"
            if request:
                self.add(BREAKING, "constraint-tightened", where, message, key)
            else:  # a generated enum of `str` still reads as a string
                self.add(NON_BREAKING, "enum-restricted", where, message, key)
            return
        if new_values is None:
            message = "no longer restricted to a list of values"
            if request:
                self.add(NON_BREAKING, "constraint-loosened", where, message, path)
            else:
                message += ": a client generated from the old spec refuses values outside its enum"
                self.add(BREAKING, "enum-unrestricted", where, message, path)
            return
        removed = ", ".join(_show(v) for v in old_values if v not in new_values)
        added = ", ".join(_show(v) for v in new_values if v not in old_values)
        if removed and request:
            self.add(
                BREAKING,
                "enum-value-removed",
                where,
                f"enum value {removed} removed: the server refuses it",
                key,
            )
        elif removed:
            self.add(
                NON_BREAKING, "enum-value-removed", where, f"enum value {removed} removed", key
            )
        if added and request:
            self.add(
                NON_BREAKING,
                "enum-value-added",
                where,
                f"enum value {added} added",
                key,
                addition=True,
            )
        elif added:
            message = (
                f"enum value {added} added: breaking for our generated client, whose enums are "
                "strict (a client generated from the old spec fails to parse the new value)"
            )
            self.add(BREAKING, "enum-value-added", where, message, key)

    def constraints(
        self, old: dict[str, Any], new: dict[str, Any], old_path: str, new_path: str, where: _Where
    ) -> None:
        """Validation keywords: on the request side a tighter one refuses what used to pass."""
        for key, effect, message in _constraint_changes(old, new):
            path = child(new_path, key) if key in new else child(old_path, key)
            if effect is DOCUMENTATION:
                self.add(DOCUMENTATION, "documentation", where, message, path)
            elif where.side == "response":
                # Our generated models do not check these keywords when they parse a response.
                self.add(NON_BREAKING, "constraint-changed", where, message, path)
            elif effect is BREAKING:
                self.add(BREAKING, "constraint-tightened", where, message, path)
            else:
                self.add(NON_BREAKING, "constraint-loosened", where, message, path)

    def properties(
        self, old: dict[str, Any], new: dict[str, Any], old_path: str, new_path: str, where: _Where
    ) -> None:
        old_props: dict[str, Any] = old.get("properties") or {}
        new_props: dict[str, Any] = new.get("properties") or {}
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        old_base, new_base = child(old_path, "properties"), child(new_path, "properties")
        for name in [*new_props, *(p for p in old_props if p not in new_props)]:
            here, old_prop, new_prop = (
                where.prop(name),
                child(old_base, name),
                child(new_base, name),
            )
            if name not in new_props:  # code that reads or sets it breaks, whichever the side
                self.add(BREAKING, "field-removed", here, "removed", old_prop)
            elif name in old_props:
                self.required(name in old_required, name in new_required, new_prop, here)
                self.schema(old_props[name], old_prop, new_props[name], new_prop, here)
            elif where.side == "response":
                self.add(NON_BREAKING, "field-added", here, "added", new_prop, addition=True)
            elif name in new_required:
                self.add(BREAKING, "required-added", here, "added, required", new_prop)
            else:
                self.add(
                    NON_BREAKING, "optional-added", here, "added, optional", new_prop, addition=True
                )

    def additional_properties(
        self, old: dict[str, Any], new: dict[str, Any], old_path: str, new_path: str, where: _Where
    ) -> None:
        """`additionalProperties`: absent means allowed; a schema types the extra values."""
        old_extra = old.get("additionalProperties", True)
        new_extra = new.get("additionalProperties", True)
        path, request = child(new_path, "additionalProperties"), where.side == "request"
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            old_extra_path = child(old_path, "additionalProperties")
            self.schema(old_extra, old_extra_path, new_extra, path, where.suffix(".*"))
        elif old_extra is not False and new_extra is False:
            message = "no longer allows additional properties"
            if request:
                self.add(BREAKING, "constraint-tightened", where, message, path)
            else:
                self.add(NON_BREAKING, "constraint-changed", where, message, path)
        elif old_extra is False and new_extra is not False:
            kind = "constraint-loosened" if request else "constraint-changed"
            self.add(NON_BREAKING, kind, where, "now allows additional properties", path)
        elif old_extra is True and isinstance(new_extra, dict):
            message = "additional properties now typed"
            if request:
                self.add(BREAKING, "constraint-tightened", where, message, path)
            else:
                self.add(NON_BREAKING, "type-narrowed", where, message, path)
        elif isinstance(old_extra, dict) and new_extra is True:
            message = "additional properties no longer typed"
            if request:
                self.add(NON_BREAKING, "constraint-loosened", where, message, path)
            else:
                self.add(BREAKING, "type-changed", where, message, path)


def _parameter_schema(param: dict[str, Any], path: str) -> tuple[Any, str]:
    """A parameter's schema, also when it comes as `content` (one media type)."""
    if "schema" in param:
        return param["schema"], child(path, "schema")
    for media, body in (param.get("content") or {}).items():
        return (body or {}).get("schema", {}), child(child(child(path, "content"), media), "schema")
    return {}, path


@dataclass(frozen=True)
class _Operation:
    name: OperationName
    operation: dict[str, Any]
    path: str
    parameters: Params

    @property
    def endpoint(self) -> str:
        return f"{self.name.method.upper()} {self.name.path}"


def _operations(
    doc: dict[str, Any], mapping: Mapping[str, tuple[str, str]] | None
) -> dict[str, _Operation]:
    """Every operation of `doc`, keyed by method and path with parameter names erased: a renamed
    path parameter then shows as that parameter removed and another added, not as a new URL."""
    found: dict[str, _Operation] = {}
    names = name_operations(doc, mapping)
    for name, (method, url, operation) in zip(names, iter_operations(doc), strict=True):
        item_path = child("$.paths", url)
        op_path = child(item_path, method)
        params: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        for base, source in ((item_path, doc["paths"][url]), (op_path, operation)):
            for i, raw in enumerate(source.get("parameters") or []):
                param, param_path = resolve(doc, raw, child(child(base, "parameters"), i))
                if isinstance(param, dict):
                    # An operation's parameter overrides its path's parameter of the same name.
                    params[(str(param.get("in")), str(param.get("name")))] = (param, param_path)
        key = f"{method.upper()} {_PATH_PARAMETER.sub('{}', url)}"
        found[key] = _Operation(name, operation, op_path, list(params.values()))
    return found


def _wire(node: Any) -> Any:
    """`node` without what never reaches our client: prose, operationIds, tags and `info`."""
    if isinstance(node, dict):
        return {k: _wire(v) for k, v in node.items() if k not in IGNORED_KEYS and k != "info"}
    if isinstance(node, list):
        return [_wire(v) for v in node]
    return node


def _document_level(old: dict[str, Any], new: dict[str, Any], document: _Differ) -> None:
    """Prose of `info`, security schemes and servers: what every operation shares."""
    document.docs(old.get("info"), new.get("info"), "$.info", "$.info", "")
    old_schemes = (old.get("components") or {}).get("securitySchemes") or {}
    new_schemes = (new.get("components") or {}).get("securitySchemes") or {}
    for name, scheme in new_schemes.items():
        path = child("$.components.securitySchemes", name)
        if name not in old_schemes:
            document.add(
                NON_BREAKING,
                "security-scheme-added",
                "",
                f"security scheme {name} added",
                path,
                addition=True,
            )
        elif _wire(old_schemes[name]) != _wire(scheme):
            # The facade logs in and sends its token as the scheme says: another flow breaks it.
            document.add(
                BREAKING, "security-scheme-changed", "", f"security scheme {name} changed", path
            )
        else:
            document.docs(old_schemes[name], scheme, path, path, f"security scheme {name}")
    for name in old_schemes:
        if name not in new_schemes:
            path = child("$.components.securitySchemes", name)
            document.add(
                BREAKING, "security-scheme-removed", "", f"security scheme {name} removed", path
            )
    if _wire(old.get("servers")) != _wire(new.get("servers")):
        document.add(NON_BREAKING, "servers-changed", "", "servers changed", "$.servers")


def diff(
    old: dict[str, Any], new: dict[str, Any], mapping: Mapping[str, tuple[str, str]] | None = None
) -> Report:
    """Classify every change from `old` to `new`, two parsed OpenAPI documents.

    `mapping` holds the operation names (`"METHOD /path"` -> `(group, name)`); operations it
    does not name get the generator's fallback name. Raises `ValueError` when two
    operations would get the same name, as the generator would.
    """
    changes: list[Change] = []
    document = _Differ(old, new, "", "", changes)
    _document_level(old, new, document)
    old_ops, new_ops = _operations(old, mapping), _operations(new, mapping)
    for key, op in new_ops.items():
        differ = _Differ(old, new, op.name.dotted, op.endpoint, changes)
        if key not in old_ops:
            differ.add(
                NON_BREAKING,
                "operation-added",
                "",
                f"operation added: {op.endpoint}",
                op.path,
                addition=True,
            )
        else:
            before = old_ops[key]
            differ.parameters(before.parameters, op.parameters)
            differ.compare(before.operation, op.operation, before.path, op.path)
    for key, op in old_ops.items():
        if key not in new_ops:
            differ = _Differ(old, new, op.name.dotted, op.endpoint, changes)
            differ.add(
                BREAKING, "operation-removed", "", f"operation removed: {op.endpoint}", op.path
            )
    if _wire(old) != _wire(new) and all(c.severity is DOCUMENTATION for c in changes):
        # A safety net: something changed that no rule above looks at (a schema no operation
        # uses, an extension). Say so rather than report that nothing happened.
        document.add(
            NON_BREAKING,
            "unclassified",
            "",
            "the spec changed in a way this report does not classify (for example a "
            "schema no operation uses): review the diff of the spec",
            "$",
        )
    fallback = {
        op.name.dotted for op in [*old_ops.values(), *new_ops.values()] if not op.name.from_mapping
    }
    return Report(
        old_version=str((old.get("info") or {}).get("version", "?")),
        new_version=str((new.get("info") or {}).get("version", "?")),
        changes=tuple(_shared_prose(changes)),
        identical=old == new,
        fallback_names=frozenset(fallback),
    )


def _shared_prose(changes: list[Change]) -> list[Change]:
    """The prose of a component belongs to the component, not to each operation that uses it:
    report it once, with the document as a whole."""
    kept: list[Change] = []
    seen: set[str] = set()
    for change in changes:
        if change.severity is DOCUMENTATION and change.path.startswith("$.components."):
            if change.path in seen:
                continue
            seen.add(change.path)
            where = _component_where(change.path)
            change = replace(change, operation="", endpoint="", where=where)
        kept.append(change)
    return kept


_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]")
_COMPONENT_KINDS = {"schemas": "schema", "requestBodies": "request body", "responses": "response"}


def _component_where(path: str) -> str:
    """How to name the component a prose key belongs to: schema `MemoryItem` field `loc`."""
    tokens = [a or re.sub(r"\\(.)", r"\1", b) or c for a, b, c in _TOKEN.findall(path[1:])]
    kind, component, inner = tokens[1], tokens[2], tokens[3:-1]  # components.kind.name...key
    fields: list[str] = []
    parts = iter(inner)
    for part in parts:
        if part == "properties":
            name = next(parts, "")
            fields.append(f".{name}" if fields else name)
        elif part == "items":
            fields.append("[]")
        elif part == "additionalProperties":
            fields.append(".*")
    label = f"{_COMPONENT_KINDS.get(kind, kind)} `{component}`"
    return f"{label} field `{''.join(fields)}`" if fields else label


def load(path: Path) -> dict[str, Any]:
    """Read one OpenAPI document (JSON); `ValueError` with a readable message if it cannot."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise ValueError(f"{path} is not an OpenAPI document (it has no `paths`)")
    return document
