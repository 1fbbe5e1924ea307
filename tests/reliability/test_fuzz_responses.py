"""Fuzzed server answers, for every operation of the spec, through both clients.

Each case is one answer the server (an httpx.MockTransport: these are unit tests of parsing) gives
to one operation, called the way users call it (the facade's method where there is one, else
`client.call(module, ...)`), by a blocking `Client` and by an `AsyncClient`: the full stack runs,
retry transport, body cap, auth layer, generated parsers and error mapping. The rule:

- a body generated from the operation's response schema parses, and so do bodies with extra
  members (the spec allows them) and a 10 MB body within the 16 MiB cap;
- anything else raises `ResponseValidationError` (a broken success answer) or an `APIStatusError`
  (an error status), and nothing else: no KeyError, RecursionError, UnicodeError ...

Every case is tallied (tests/reliability/conftest.py) and the counts are printed after the run.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from mongars_client import AsyncClient, Client
from mongars_client.errors import (
    APIStatusError,
    InternalServerError,
    ResponseValidationError,
    UnprocessableEntityError,
)
from tests.facade.conftest import make_jwt
from tests.reliability import mutations
from tests.reliability.conftest import JSON_VALUES, TALLY, fuzz_settings
from tests.reliability.operations import OPERATIONS, SPEC, Operation, acall, call, minimal, resolve

pytestmark = pytest.mark.fuzz

SECTION = "fuzzed responses (each served to Client and AsyncClient)"
BASE_URL = "http://127.0.0.1:9"  # never contacted: every request is answered by the mock
MB = 1024 * 1024
PARSED = "parsed"

VALIDATION_ERROR_SCHEMA = resolve({"$ref": "#/components/schemas/HTTPValidationError"})
# A value of each JSON type, to put where the schema wants another.
VALUES_OF_TYPE: dict[str, st.SearchStrategy[Any]] = {
    "null": st.none(),
    "boolean": st.booleans(),
    "integer": st.integers(),
    "number": st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
    "string": st.text(max_size=20),
    "array": st.lists(JSON_VALUES, max_size=3),
    "object": st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=3),
}
INVALID_UTF8 = (b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xa0\xa1", b"\xed\xa0\x80", b"\xf0\x28\x8c")
WRONG_CONTENT_TYPES = (
    "text/html; charset=utf-8",
    "text/plain",
    "application/xml",
    "application/octet-stream",
    "multipart/form-data; boundary=x",
    "image/png",
)


@dataclass(frozen=True)
class Answer:
    """What the mock server sends back."""

    status: int
    body: bytes
    content_type: str | None = "application/json"

    def response(self, request: httpx.Request) -> httpx.Response:
        """The httpx response for `request`."""
        headers = {} if self.content_type is None else {"content-type": self.content_type}
        return httpx.Response(self.status, headers=headers, content=self.body, request=request)

    def __repr__(self) -> str:
        shown = self.body[:200] + (b"..." if len(self.body) > 200 else b"")
        return f"Answer({self.status}, {self.content_type!r}, {len(self.body)} bytes: {shown!r})"


class Harness:
    """A blocking and an asyncio client whose every request gets the current case's answer."""

    def __init__(self) -> None:
        self.answer = Answer(500, b"")
        self.runner = asyncio.Runner()
        transport = httpx.MockTransport(lambda request: self.answer.response(request))
        self.http = httpx.Client(transport=transport)
        self.async_http = httpx.AsyncClient(transport=transport)
        # No retries: a 502 goes up at once instead of being retried after a real backoff.
        token = make_jwt("u1")
        self.client = Client(BASE_URL, http_client=self.http, token=token, max_retries=0)
        self.async_client = AsyncClient(
            BASE_URL, http_client=self.async_http, token=token, max_retries=0
        )

    def close(self) -> None:
        """Close both clients, their httpx clients and the event loop."""
        self.client.close()
        self.http.close()

        async def close_async() -> None:
            await self.async_client.aclose()
            await self.async_http.aclose()

        self.runner.run(close_async())
        self.runner.close()

    def serve(self, operation: Operation, answer: Answer) -> tuple[Any, Any]:
        """Each client's result or exception for `operation` when the server answers `answer`."""
        self.answer = answer
        results: list[Any] = []
        for run in (
            lambda: call(self.client, operation),
            lambda: self.runner.run(acall(self.async_client, operation)),
        ):
            try:
                results.append(run())
            except Exception as error:  # judged by `expect`, which names anything unexpected
                results.append(error)
        return results[0], results[1]


@pytest.fixture(scope="module")
def h() -> Iterator[Harness]:
    """One `Harness` for the module's cases (module-scoped: hypothesis reruns a test's body for
    each case, and a function-scoped fixture would not be renewed in between)."""
    made = Harness()
    try:
        yield made
    finally:
        made.close()


def outcome_name(result: Any) -> str:
    """How a case ended: `parsed`, or the exception's class name."""
    return type(result).__name__ if isinstance(result, BaseException) else PARSED


def expect(
    category: str,
    operation: Operation,
    answer: Answer,
    results: tuple[Any, Any],
    raises: tuple[type[BaseException], ...] = (),
    *,
    parsed: bool = False,
    check: Callable[[Any], None] | None = None,
) -> None:
    """Tally the case; fail unless both clients ended alike, parsing (when `parsed`) or raising
    one of `raises`."""
    sync, asynchronous = results

    def allowed(result: Any) -> bool:
        if isinstance(result, BaseException):
            return isinstance(result, raises)
        return parsed and result is not None

    ok = allowed(sync) and allowed(asynchronous)
    ok = ok and outcome_name(sync) == outcome_name(asynchronous)
    TALLY.add(SECTION, category, outcome_name(sync), expected=ok)
    if not ok:
        error = next((r for r in results if isinstance(r, BaseException)), None)
        raise AssertionError(
            f"{category}: {operation.name} answered {answer!r} -> "
            f"Client: {sync!r}, AsyncClient: {asynchronous!r}"
        ) from error
    if check is not None:
        for result in results:
            check(result)


def bounded(schema: Any) -> Any:
    """The schema with its objects and arrays kept small: still only valid documents, generated
    much faster (unbounded, hypothesis-jsonschema spends most of a case on huge extra members)."""
    if isinstance(schema, list):
        return [bounded(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: bounded(value) for key, value in schema.items()}
    if schema.get("type") == "object":
        result.setdefault("maxProperties", len(schema.get("properties", {})) + 2)
    if schema.get("type") == "array":
        result.setdefault("maxItems", 3)
    return result


@functools.cache
def bodies(schema_json: str) -> st.SearchStrategy[Any]:
    """Documents valid under a schema (strategies are costly to build: one per schema)."""
    return from_schema(bounded(json.loads(schema_json)))


def valid_body(data: st.DataObject, operation: Operation) -> Any:
    """A document valid under the operation's success schema."""
    return data.draw(bodies(json.dumps(operation.schema, sort_keys=True)), label="body")


def encode(document: Any, ascii_only: bool = True) -> bytes:
    """JSON bytes, as a server would send them."""
    if not ascii_only:
        try:
            return json.dumps(document, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: only the escaped form is valid UTF-8
            pass
    return json.dumps(document).encode()


@functools.cache
def validator(schema_json: str) -> jsonschema.Draft202012Validator:
    """A compiled validator for a schema."""
    return jsonschema.Draft202012Validator(json.loads(schema_json))


def is_valid(schema: dict[str, Any], document: Any) -> bool:
    """Whether the document satisfies the schema (the oracle that each mutation breaks it)."""
    return validator(json.dumps(schema, sort_keys=True)).is_valid(document)


operations = st.sampled_from(OPERATIONS)


def draw_case(data: st.DataObject) -> tuple[Operation, Any]:
    """An operation, and a document valid under its success schema."""
    operation = data.draw(operations, label="operation")
    return operation, valid_body(data, operation)


def serve(
    h: Harness,
    category: str,
    operation: Operation,
    answer: Answer,
    raises: tuple[type[BaseException], ...] = (ResponseValidationError,),
    **expected: Any,
) -> None:
    """Serve `answer` to both clients and `expect` the outcome (by default a validation error)."""
    expect(category, operation, answer, h.serve(operation, answer), raises, **expected)


def expect_broken(h: Harness, category: str, operation: Operation, broken: Any) -> None:
    """A document that breaks the schema (checked): served, it must raise a validation error."""
    assert not is_valid(operation.schema, broken)
    serve(h, category, operation, Answer(operation.status, encode(broken)))


# --- Valid answers ----------------------------------------------------------------------------


@fuzz_settings(900)
@given(data=st.data())
def test_bodies_generated_from_the_response_schemas_parse(h: Harness, data: st.DataObject) -> None:
    with TALLY.timed(SECTION, "valid bodies"):
        operation = data.draw(operations, label="operation")
        body = encode(valid_body(data, operation), data.draw(st.booleans(), label="ascii"))
        answer = Answer(operation.status, body)
        serve(h, "valid bodies", operation, answer, (), parsed=True)


@fuzz_settings(450)
@given(data=st.data())
def test_extra_members_are_accepted(h: Harness, data: st.DataObject) -> None:
    with TALLY.timed(SECTION, "extra fields (accepted)"):
        operation, document = draw_case(data)
        objects = mutations.open_objects(operation.schema, document)
        assume(objects)
        for _ in range(data.draw(st.integers(1, 3), label="how many")):
            where = data.draw(st.sampled_from(objects), label="object").path
            members = mutations.positions(operation.schema, document)
            target = next(p.value for p in members if p.path == where)
            name = "x-extra-" + data.draw(st.text(max_size=10), label="name")
            value = data.draw(JSON_VALUES, label="value")
            document = mutations.replaced(document, where, {**target, name: value})
        assert is_valid(operation.schema, document)
        answer = Answer(operation.status, encode(document))
        serve(h, "extra fields (accepted)", operation, answer, (), parsed=True)


# --- Broken bodies: ResponseValidationError -----------------------------------------------------


@fuzz_settings(450)
@given(data=st.data())
def test_a_dropped_required_member_is_a_validation_error(h: Harness, data: st.DataObject) -> None:
    with TALLY.timed(SECTION, "required field dropped"):
        operation, document = draw_case(data)
        required = mutations.required_members(operation.schema, document)
        assume(required)
        path = data.draw(st.sampled_from(required), label="dropped")
        expect_broken(h, "required field dropped", operation, mutations.removed(document, path))


@fuzz_settings(600)
@given(data=st.data())
def test_a_wrong_type_is_a_validation_error(h: Harness, data: st.DataObject) -> None:
    with TALLY.timed(SECTION, "wrong types"):
        operation, document = draw_case(data)
        typed = mutations.typed_positions(operation.schema, document)
        position = data.draw(st.sampled_from(typed), label="position")
        wrong = sorted(mutations.ALL_TYPES - position.allowed - {"null"})
        kind = data.draw(st.sampled_from(wrong), label="type")
        value = data.draw(VALUES_OF_TYPE[kind], label="value")
        broken = mutations.replaced(document, position.path, value)
        expect_broken(h, "wrong types", operation, broken)


@fuzz_settings(450)
@given(data=st.data())
def test_null_where_the_spec_forbids_it_is_a_validation_error(
    h: Harness, data: st.DataObject
) -> None:
    with TALLY.timed(SECTION, "null everywhere"):
        operation, document = draw_case(data)
        forbidden = mutations.non_nullable_positions(operation.schema, document)
        if data.draw(st.booleans(), label="all at once"):
            # Every value that may not be null becomes null, deepest first (so that each parent
            # keeps its members), leaving the root when it is a container.
            for position in sorted(forbidden, key=lambda p: len(p.path), reverse=True):
                if position.path and not isinstance(position.value, dict | list):
                    document = mutations.replaced(document, position.path, None)
            broken = document if not is_valid(operation.schema, document) else None
        else:
            position = data.draw(st.sampled_from(forbidden), label="position")
            broken = mutations.replaced(document, position.path, None)
        assume(broken is not None)
        expect_broken(h, "null everywhere", operation, broken)


@fuzz_settings(350)
@given(data=st.data())
def test_a_body_that_is_not_json_is_a_validation_error(h: Harness, data: st.DataObject) -> None:
    with TALLY.timed(SECTION, "non-JSON"):
        operation = data.draw(operations, label="operation")
        body = data.draw(
            st.binary(min_size=1, max_size=200)
            | st.text(min_size=1, max_size=200).map(str.encode)
            | st.sampled_from(
                [b"OK", b"{'response': 'x'}", b"{response: 1}", b"<xml/>", b"[1,]", b"{}}"]
            ),
            label="body",
        )
        try:
            json.loads(body)
        except ValueError:
            pass
        else:
            assume(False)  # JSON after all: not this category's case
        serve(h, "non-JSON", operation, Answer(operation.status, body))


@fuzz_settings(450)
@given(data=st.data())
def test_a_truncated_body_is_a_validation_error(h: Harness, data: st.DataObject) -> None:
    with TALLY.timed(SECTION, "truncated JSON"):
        operation = data.draw(operations, label="operation")
        body = encode(valid_body(data, operation), data.draw(st.booleans(), label="ascii"))
        cut = data.draw(st.integers(1, len(body) - 1), label="cut")
        serve(h, "truncated JSON", operation, Answer(operation.status, body[:cut]))


@fuzz_settings(300)
@given(data=st.data())
def test_invalid_utf8_is_a_validation_error(h: Harness, data: st.DataObject) -> None:
    with TALLY.timed(SECTION, "invalid UTF-8"):
        operation, document = draw_case(data)
        marker = "\u2603invalid\u2603"
        # The marker goes where a string may be (a member name of an object, an item of an
        # array), so the JSON is valid but for the bytes that replace it.
        if isinstance(document, dict):
            document = {**document, marker: 1}
        elif isinstance(document, list):
            document = [*document, marker]
        else:
            document = marker
        bad = data.draw(st.sampled_from(INVALID_UTF8), label="bytes")
        body = encode(document, ascii_only=False).replace(marker.encode(), bad)
        serve(h, "invalid UTF-8", operation, Answer(operation.status, body))


@fuzz_settings(300)
@given(data=st.data())
def test_a_wrong_content_type_is_a_validation_error(h: Harness, data: st.DataObject) -> None:
    with TALLY.timed(SECTION, "wrong Content-Type"):
        operation, document = draw_case(data)
        content_type = data.draw(st.sampled_from(WRONG_CONTENT_TYPES), label="content type")
        answer = Answer(operation.status, encode(document), content_type)
        serve(h, "wrong Content-Type", operation, answer)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
@pytest.mark.parametrize("content_type", ["application/json", None])
def test_an_empty_success_is_a_validation_error(
    h: Harness, operation: Operation, content_type: str | None
) -> None:
    with TALLY.timed(SECTION, "empty 200"):
        serve(h, "empty 200", operation, Answer(operation.status, b"", content_type))


def padded(schema: dict[str, Any], document: Any, size: int) -> Any:
    """`document`, still valid, grown to about `size` bytes by a long string where one fits."""
    big = "x" * size
    if isinstance(document, list):
        items = schema.get("items", {})
        if "string" in mutations.allowed_types(items):
            return [*document, big]
        return [*document, padded(items, minimal(items), size)]
    extra = schema.get("additionalProperties", True)
    assert extra is True or "string" in mutations.allowed_types(extra)
    return {**document, "padding": big}


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
def test_big_bodies(h: Harness, operation: Operation) -> None:
    with TALLY.timed(SECTION, "10 MB bodies"):
        document = minimal(operation.schema)
        valid = encode(padded(operation.schema, document, 10 * MB))
        assert 10 * MB < len(valid) < 16 * MB
        answer = Answer(operation.status, valid)
        serve(h, "10 MB bodies", operation, answer, (), parsed=True)
        serve(h, "10 MB bodies", operation, Answer(operation.status, b"x" * (10 * MB)))
        # Past the 16 MiB cap the body is not even read to the end.
        too_big = encode(padded(operation.schema, document, 17 * MB))
        serve(h, "10 MB bodies", operation, Answer(operation.status, too_big))


def nested(depth: int, leaf: str = "1") -> str:
    """JSON arrays nested `depth` deep."""
    return "[" * depth + leaf + "]" * depth


@fuzz_settings(250)
@given(data=st.data())
def test_deeply_nested_json(h: Harness, data: st.DataObject) -> None:
    with TALLY.timed(SECTION, "deeply nested JSON"):
        operation = data.draw(operations, label="operation")
        depth = data.draw(
            st.integers(2, 3000) | st.sampled_from([100_000, 1_000_000]), label="depth"
        )
        document = valid_body(data, operation)
        roots = [p for p in mutations.open_objects(operation.schema, document) if not p.path]
        if roots and data.draw(st.booleans(), label="in an extra member"):
            # Inside a member the spec does not name: parsed when Python's decoder can go that
            # deep (a few hundred levels at least), else unreadable: a validation error, never
            # a RecursionError.
            member = b'"x-nested": ' + nested(depth).encode()
            body = encode(document)[:-1] + (b", " if document else b"") + member + b"}"
            raises = () if depth <= 200 else (ResponseValidationError,)
            answer = Answer(operation.status, body)
            serve(h, "deeply nested JSON", operation, answer, raises, parsed=depth < 5000)
        else:
            answer = Answer(operation.status, nested(depth).encode())
            serve(h, "deeply nested JSON", operation, answer)


LOGIN = next(o for o in OPERATIONS if o.name.endswith("(client.login)"))
NOT_IN_A_HEADER = st.characters(
    blacklist_categories=["Cs"], blacklist_characters=[chr(c) for c in range(0x21, 0x7F)]
)


@fuzz_settings(150)
@given(data=st.data())
def test_a_login_token_that_cannot_go_in_a_header_is_a_validation_error(
    h: Harness, data: st.DataObject
) -> None:
    with TALLY.timed(SECTION, "login token unfit for a header"):
        body = valid_body(data, LOGIN)
        field = data.draw(st.sampled_from(["access_token", "token_type"]), label="field")
        value = body.get(field, "bearer")
        where = data.draw(st.integers(0, len(value)), label="where")
        bad = data.draw(NOT_IN_A_HEADER, label="character")
        body[field] = value[:where] + bad + value[where:]
        serve(h, "login token unfit for a header", LOGIN, Answer(LOGIN.status, encode(body)))


# --- Error statuses: APIStatusError, whatever the body -----------------------------------------


def proxy_page(status: int, text: str) -> bytes:
    """The HTML page a reverse proxy sends when the API behind it is down."""
    return (
        f"<html>\r\n<head><title>{status} Bad Gateway</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} Bad Gateway</h1></center>\r\n<hr><center>{text}</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


@fuzz_settings(300)
@given(data=st.data())
def test_an_html_error_page_from_a_proxy_is_a_status_error(h: Harness, data: st.DataObject) -> None:
    with TALLY.timed(SECTION, "HTML page from a proxy (502 ...)"):
        operation = data.draw(operations, label="operation")
        status = data.draw(st.sampled_from([502, 502, 503, 504]), label="status")
        text = data.draw(st.sampled_from(["nginx", "envoy", "cloudflare"]) | st.text(), label="t")
        answer = Answer(status, proxy_page(status, text), "text/html")

        def check(error: Any) -> None:
            assert error.status_code == status

        category = "HTML page from a proxy (502 ...)"
        serve(h, category, operation, answer, (InternalServerError,), check=check)


ERROR_BODIES = st.one_of(
    from_schema(VALIDATION_ERROR_SCHEMA).map(encode),  # a documented 422 body
    st.builds(lambda d: encode({"detail": d}), JSON_VALUES),
    st.binary(max_size=100),
    st.integers(2, 3000).map(lambda depth: ('{"detail": ' + nested(depth) + "}").encode()),
    st.sampled_from(INVALID_UTF8).map(lambda bad: b'{"detail": "' + bad + b'"}'),
    st.just(b""),
)


@fuzz_settings(500)
@given(data=st.data())
def test_any_error_status_is_a_status_error_whatever_its_body(
    h: Harness, data: st.DataObject
) -> None:
    with TALLY.timed(SECTION, "error statuses, any body"):
        operation = data.draw(operations, label="operation")
        documented = list(operation.error_statuses)
        status = data.draw(
            st.sampled_from([*documented, 400, 401, 403, 404, 409, 429, 500, 502, 503]),
            label="status",
        )
        content_type = data.draw(
            st.sampled_from(["application/json", "text/plain", None]), label="content type"
        )
        answer = Answer(status, data.draw(ERROR_BODIES, label="body"), content_type)

        def check(error: Any) -> None:
            assert error.status_code == status
            if isinstance(error, UnprocessableEntityError):
                assert isinstance(error.errors, list)
            assert str(error) and repr(error)  # neither may raise

        serve(h, "error statuses, any body", operation, answer, (APIStatusError,), check=check)


def test_every_operation_of_the_spec_is_fuzzed() -> None:
    keys = {f"{m.upper()} {p}" for p, ops in SPEC["paths"].items() for m in ops}
    assert {operation.key for operation in OPERATIONS} == keys
