"""One test per category of the issue, each on a small mutation of the newest spec, asserting
the classification and the JSON path of the change."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.spec_diff import Severity
from tests.spec_diff.helpers import Mutation, Spec, classify, operation, schema, single

BREAKING, NON_BREAKING, DOCUMENTATION = Severity
CHAT = "/api/v1/conversation/chat"
HISTORY = "/api/v1/conversation/history"
CHAT_REQUEST = "$.components.schemas.ChatRequest"
CHAT_RESPONSE = "$.components.schemas.ChatResponse"
HISTORY_PARAMETERS = "$.paths['/api/v1/conversation/history'].get.parameters"


def history_parameters(spec: Spec) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = operation(spec, HISTORY, "get")["parameters"]
    return found


# -- operations ---------------------------------------------------------------------------------


def test_operation_added_is_non_breaking_and_named_by_the_fallback_rule() -> None:
    def add(spec: Spec) -> None:
        spec["paths"]["/api/v1/peer/health"] = {
            "get": {"responses": {"200": {"description": "ok"}}}
        }

    report, changes = classify(add)
    change = single(changes, "peers.get_health")
    assert (change.severity, change.kind) == (NON_BREAKING, "operation-added")
    assert change.path == "$.paths['/api/v1/peer/health'].get"
    assert change.addition
    assert report.bump == "minor"
    assert "peers.get_health" in report.fallback_names


def test_operation_removed_is_breaking() -> None:
    report, changes = classify(lambda s: s["paths"].pop("/ready"))
    change = single(changes, "system.ready")
    assert (change.severity, change.kind) == (BREAKING, "operation-removed")
    assert change.path == "$.paths['/ready'].get"
    assert report.bump == "major"


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        pytest.param(
            lambda s: operation(s, "/healthz", "get").update(
                security=[{"OAuth2PasswordBearer": []}]
            ),
            "$.paths['/healthz'].get.security",
            id="on the operation",
        ),
        pytest.param(
            lambda s: s.update(security=[{"OAuth2PasswordBearer": []}]),
            "$.security",
            id="inherited from the document",
        ),
    ],
)
def test_security_added_to_an_open_operation_is_breaking(mutate: Mutation, path: str) -> None:
    _, changes = classify(mutate)
    change = single(changes, "system.healthz")
    assert (change.severity, change.kind, change.path) == (BREAKING, "security-added", path)
    # Operations that already required a token are unaffected by the document-wide requirement.
    assert not [c for c in changes if c.operation == "conversation.chat"]


# -- request side -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "operation_name", "path"),
    [
        pytest.param(
            lambda s: (
                schema(s, "ChatRequest")["properties"].update(channel={"type": "string"}),
                schema(s, "ChatRequest")["required"].append("channel"),
            ),
            "conversation.chat",
            f"{CHAT_REQUEST}.properties.channel",
            id="body field",
        ),
        pytest.param(
            lambda s: history_parameters(s).append(
                {"in": "query", "name": "since", "required": True, "schema": {"type": "string"}}
            ),
            "conversation.history",
            f"{HISTORY_PARAMETERS}[2]",
            id="parameter",
        ),
    ],
)
def test_required_request_field_or_parameter_added_is_breaking(
    mutate: Mutation, operation_name: str, path: str
) -> None:
    _, changes = classify(mutate)
    change = single(changes, operation_name)
    assert (change.severity, change.kind, change.path) == (BREAKING, "required-added", path)


@pytest.mark.parametrize(
    ("mutate", "operation_name", "path"),
    [
        pytest.param(
            lambda s: schema(s, "ChatRequest")["required"].append("session_id"),
            "conversation.chat",
            f"{CHAT_REQUEST}.properties.session_id",
            id="body field",
        ),
        pytest.param(
            lambda s: history_parameters(s)[1].update(required=True),
            "conversation.history",
            f"{HISTORY_PARAMETERS}[1]",
            id="parameter",
        ),
    ],
)
def test_optional_request_field_made_required_is_breaking(
    mutate: Mutation, operation_name: str, path: str
) -> None:
    _, changes = classify(mutate)
    change = single(changes, operation_name)
    assert (change.severity, change.kind, change.path) == (BREAKING, "made-required", path)


@pytest.mark.parametrize(
    ("mutate", "operation_name", "kind", "path"),
    [
        pytest.param(
            lambda s: schema(s, "ChatRequest")["properties"].pop("session_id"),
            "conversation.chat",
            "field-removed",
            f"{CHAT_REQUEST}.properties.session_id",
            id="body field",
        ),
        pytest.param(
            lambda s: history_parameters(s).pop(1),
            "conversation.history",
            "removed",
            f"{HISTORY_PARAMETERS}[1]",
            id="parameter",
        ),
    ],
)
def test_request_field_or_parameter_removed_is_breaking(
    mutate: Mutation, operation_name: str, kind: str, path: str
) -> None:
    _, changes = classify(mutate)
    change = single(changes, operation_name)
    assert (change.severity, change.kind, change.path) == (BREAKING, kind, path)


@pytest.mark.parametrize(
    ("mutate", "operation_name", "path"),
    [
        pytest.param(
            lambda s: schema(s, "ChatRequest")["properties"]["message"].update(type="integer"),
            "conversation.chat",
            f"{CHAT_REQUEST}.properties.message.type",
            id="body field",
        ),
        pytest.param(
            lambda s: history_parameters(s)[1]["schema"].update(type="string", default="10"),
            "conversation.history",
            f"{HISTORY_PARAMETERS}[1].schema.type",
            id="parameter",
        ),
    ],
)
def test_request_type_changed_is_breaking(mutate: Mutation, operation_name: str, path: str) -> None:
    _, changes = classify(mutate)
    typed = [c for c in changes if c.operation == operation_name and c.kind == "type-changed"]
    assert [(c.severity, c.path) for c in typed] == [(BREAKING, path)]


def test_request_type_widened_from_integer_to_number_is_non_breaking() -> None:
    _, changes = classify(lambda s: history_parameters(s)[1]["schema"].update(type="number"))
    change = single(changes, "conversation.history")
    assert (change.severity, change.kind) == (NON_BREAKING, "type-widened")
    assert change.path == f"{HISTORY_PARAMETERS}[1].schema.type"


TIGHTENINGS = {
    "maxLength lowered": (
        lambda s: schema(s, "ChatRequest")["properties"]["message"].update(maxLength=500),
        None,
        "conversation.chat",
        f"{CHAT_REQUEST}.properties.message.maxLength",
    ),
    "maxItems lowered": (
        lambda s: schema(s, "ChatRequest")["properties"]["allowed_actions"]["anyOf"][0].update(
            maxItems=5
        ),
        lambda s: schema(s, "ChatRequest")["properties"]["allowed_actions"]["anyOf"][0].update(
            maxItems=10
        ),
        "conversation.chat",
        f"{CHAT_REQUEST}.properties.allowed_actions.anyOf[0].maxItems",
    ),
    "minLength raised": (
        lambda s: schema(s, "PasswordChangeRequest")["properties"]["new_password"].update(
            minLength=12
        ),
        None,
        "users.change_password",
        "$.components.schemas.PasswordChangeRequest.properties.new_password.minLength",
    ),
    "minimum raised": (
        lambda s: schema(s, "RagContextRequest")["properties"]["max_results"]["anyOf"][0].update(
            minimum=5
        ),
        None,
        "review.rag_context",
        "$.components.schemas.RagContextRequest.properties.max_results.anyOf[0].minimum",
    ),
    "maximum lowered": (
        lambda s: schema(s, "RagContextRequest")["properties"]["max_results"]["anyOf"][0].update(
            maximum=20
        ),
        None,
        "review.rag_context",
        "$.components.schemas.RagContextRequest.properties.max_results.anyOf[0].maximum",
    ),
    "pattern added": (
        lambda s: schema(s, "UserRegistration")["properties"]["username"].update(
            pattern="^[A-Za-z0-9_-]+$"
        ),
        None,
        "users.register",
        "$.components.schemas.UserRegistration.properties.username.pattern",
    ),
    "pattern changed": (
        lambda s: schema(s, "Body_login_token_post")["properties"]["grant_type"]["anyOf"][0].update(
            pattern="^(password|refresh_token)$"
        ),
        None,
        "auth.login",
        "$.components.schemas.Body_login_token_post.properties.grant_type.anyOf[0].pattern",
    ),
    "enum value removed": (
        lambda s: schema(s, "ChatRequest")["properties"]["allowed_actions"]["anyOf"][0][
            "items"
        ].update(enum=["read"]),
        lambda s: schema(s, "ChatRequest")["properties"]["allowed_actions"]["anyOf"][0][
            "items"
        ].update(enum=["read", "write"]),
        "conversation.chat",
        f"{CHAT_REQUEST}.properties.allowed_actions.anyOf[0].items.enum",
    ),
}


@pytest.mark.parametrize("case", sorted(TIGHTENINGS))
def test_request_constraint_tightened_is_breaking(case: str) -> None:
    mutate, prepare, operation_name, path = TIGHTENINGS[case]
    _, changes = classify(mutate, prepare)
    change = single(changes, operation_name)
    expected_kind = "enum-value-removed" if case.startswith("enum") else "constraint-tightened"
    assert (change.severity, change.kind, change.path) == (BREAKING, expected_kind, path)


def test_request_content_type_changed_is_breaking() -> None:
    def to_multipart(spec: Spec) -> None:
        content = operation(spec, "/token")["requestBody"]["content"]
        content["multipart/form-data"] = content.pop("application/x-www-form-urlencoded")

    _, changes = classify(to_multipart)
    change = single(changes, "auth.login")
    assert (change.severity, change.kind) == (BREAKING, "content-type-changed")
    assert change.path == "$.paths['/token'].post.requestBody.content['multipart/form-data']"
    assert "application/x-www-form-urlencoded to multipart/form-data" in change.message


@pytest.mark.parametrize(
    ("mutate", "operation_name", "path"),
    [
        pytest.param(
            lambda s: schema(s, "ChatRequest")["properties"].update(locale={"type": "string"}),
            "conversation.chat",
            f"{CHAT_REQUEST}.properties.locale",
            id="body field",
        ),
        pytest.param(
            lambda s: history_parameters(s).append(
                {"in": "query", "name": "before", "required": False, "schema": {"type": "string"}}
            ),
            "conversation.history",
            f"{HISTORY_PARAMETERS}[2]",
            id="parameter",
        ),
    ],
)
def test_optional_request_field_or_parameter_added_is_non_breaking(
    mutate: Mutation, operation_name: str, path: str
) -> None:
    report, changes = classify(mutate)
    change = single(changes, operation_name)
    assert (change.severity, change.kind, change.path) == (NON_BREAKING, "optional-added", path)
    assert change.section == "Added"
    assert report.bump == "minor"


LOOSENINGS = {
    "maxLength raised": (
        lambda s: schema(s, "ChatRequest")["properties"]["message"].update(maxLength=4000),
        "conversation.chat",
        "constraint-loosened",
        f"{CHAT_REQUEST}.properties.message.maxLength",
    ),
    "minLength lowered": (
        lambda s: schema(s, "UserRegistration")["properties"]["password"].update(minLength=6),
        "users.register",
        "constraint-loosened",
        "$.components.schemas.UserRegistration.properties.password.minLength",
    ),
    "pattern removed": (
        lambda s: schema(s, "Body_login_token_post")["properties"]["grant_type"]["anyOf"][0].pop(
            "pattern"
        ),
        "auth.login",
        "constraint-loosened",
        "$.components.schemas.Body_login_token_post.properties.grant_type.anyOf[0].pattern",
    ),
    "null accepted (anyOf with null added)": (
        lambda s: schema(s, "ChatRequest")["properties"].update(
            message={
                "anyOf": [{"type": "string", "maxLength": 1000, "minLength": 1}, {"type": "null"}]
            }
        ),
        "conversation.chat",
        "made-nullable",
        f"{CHAT_REQUEST}.properties.message",
    ),
}


@pytest.mark.parametrize("case", sorted(LOOSENINGS))
def test_request_constraint_loosened_is_non_breaking(case: str) -> None:
    mutate, operation_name, kind, path = LOOSENINGS[case]
    report, changes = classify(mutate)
    change = single(changes, operation_name)
    assert (change.severity, change.kind, change.path) == (NON_BREAKING, kind, path)
    assert change.section == "Changed"
    assert report.bump == "patch"


def test_parameter_moved_to_another_location_is_breaking() -> None:
    _, changes = classify(lambda s: history_parameters(s)[0].update({"in": "header"}))
    change = single(changes, "conversation.history")
    assert (change.severity, change.kind) == (BREAKING, "parameter-moved")
    assert change.path == f"{HISTORY_PARAMETERS}[0].in"
    assert change.message == "moved from query to header"


# -- response side ------------------------------------------------------------------------------


def test_response_field_removed_is_breaking() -> None:
    def remove(spec: Spec) -> None:
        schema(spec, "ChatResponse")["properties"].pop("confidence")
        schema(spec, "ChatResponse")["required"].remove("confidence")

    _, changes = classify(remove)
    change = single(changes, "conversation.chat")
    assert (change.severity, change.kind) == (BREAKING, "field-removed")
    assert change.path == f"{CHAT_RESPONSE}.properties.confidence"
    assert change.where == "response 200 field `confidence`"


def test_response_field_made_optional_is_breaking() -> None:
    _, changes = classify(lambda s: schema(s, "ChatResponse")["required"].remove("confidence"))
    change = single(changes, "conversation.chat")
    assert (change.severity, change.kind) == (BREAKING, "made-optional")
    assert change.path == f"{CHAT_RESPONSE}.properties.confidence"


def test_response_field_made_nullable_is_breaking() -> None:
    def nullable(spec: Spec) -> None:
        confidence = schema(spec, "ChatResponse")["properties"]["confidence"]
        confidence["anyOf"] = [{"type": confidence.pop("type")}, {"type": "null"}]

    _, changes = classify(nullable)
    change = single(changes, "conversation.chat")
    assert (change.severity, change.kind) == (BREAKING, "made-nullable")
    assert change.path == f"{CHAT_RESPONSE}.properties.confidence"


def test_response_type_changed_is_breaking() -> None:
    _, changes = classify(
        lambda s: schema(s, "WSTicketResponse")["properties"]["ttl"].update(type="string")
    )
    change = single(changes, "auth.issue_ws_ticket")
    assert (change.severity, change.kind) == (BREAKING, "type-changed")
    assert change.path == "$.components.schemas.WSTicketResponse.properties.ttl.type"
    assert change.message == "type changed from integer to string"


def test_response_enum_value_added_is_breaking_because_our_enums_are_strict() -> None:
    _, changes = classify(
        lambda s: schema(s, "LLMHealthResponse")["properties"]["status"]["enum"].append("degraded")
    )
    change = single(changes, "llm.health")
    assert (change.severity, change.kind) == (BREAKING, "enum-value-added")
    assert change.path == "$.components.schemas.LLMHealthResponse.properties.status.enum"
    assert "strict" in change.message


def test_response_field_added_is_non_breaking() -> None:
    report, changes = classify(
        lambda s: schema(s, "ChatResponse")["properties"].update(model={"type": "string"})
    )
    change = single(changes, "conversation.chat")
    assert (change.severity, change.kind, change.section) == (NON_BREAKING, "field-added", "Added")
    assert change.path == f"{CHAT_RESPONSE}.properties.model"
    assert report.bump == "minor"


def test_response_field_made_required_is_non_breaking() -> None:
    def required(spec: Spec) -> None:
        schema(spec, "MemoryItem")["required"].append("expires_at")

    _, changes = classify(required, lambda s: schema(s, "MemoryItem").setdefault("required", []))
    change = single(changes, "conversation.history")
    assert (change.severity, change.kind) == (NON_BREAKING, "made-required")
    assert change.path == "$.components.schemas.MemoryItem.properties.expires_at"


def test_success_status_changed_is_breaking() -> None:
    def to_200(spec: Spec) -> None:
        responses = operation(spec, "/api/v1/peer/telemetry")["responses"]
        responses["200"] = responses.pop("202")

    _, changes = classify(to_200)
    change = single(changes, "peers.publish_telemetry")
    assert (change.severity, change.kind) == (BREAKING, "status-changed")
    assert change.path == "$.paths['/api/v1/peer/telemetry'].post.responses['200']"


def test_response_content_type_removed_is_breaking() -> None:
    def add_text(spec: Spec) -> None:
        content = operation(spec, "/healthz", "get")["responses"]["200"]["content"]
        content["text/plain"] = {"schema": {"type": "string"}}

    def remove_text(spec: Spec) -> None:
        operation(spec, "/healthz", "get")["responses"]["200"]["content"].pop("text/plain")

    _, changes = classify(remove_text, add_text)
    change = single(changes, "system.healthz")
    assert (change.severity, change.kind) == (BREAKING, "content-type-removed")
    assert change.path == "$.paths['/healthz'].get.responses['200'].content['text/plain']"


# -- schemas reached through $ref, anyOf/oneOf and arrays, with cycles ---------------------------


def test_schemas_reached_through_ref_and_arrays_are_followed() -> None:
    # ChatResponse.speech_turn -> $ref SpeechTurnSchema, .segments -> array of $ref
    # SpeechSegmentSchema: the change sits three references and one array deep.
    def remove(spec: Spec) -> None:
        schema(spec, "SpeechSegmentSchema")["properties"].pop("pause_after")
        schema(spec, "SpeechSegmentSchema")["required"].remove("pause_after")

    _, changes = classify(remove)
    change = single(changes, "conversation.chat")
    assert (change.severity, change.kind) == (BREAKING, "field-removed")
    assert change.path == "$.components.schemas.SpeechSegmentSchema.properties.pause_after"
    assert change.where == "response 200 field `speech_turn.segments[].pause_after`"
    # The same schema under another operation is reported there too, in that operation's words.
    assert single(changes, "llm.chat").where == change.where


def test_top_level_arrays_are_followed() -> None:
    _, changes = classify(
        lambda s: schema(s, "MemoryItem")["properties"]["timestamp"].update(type="integer")
    )
    change = single(changes, "conversation.history")
    assert (change.severity, change.kind) == (BREAKING, "type-changed")
    assert change.path == "$.components.schemas.MemoryItem.properties.timestamp.type"
    assert change.where == "response 200 field `[].timestamp`"
    assert change.message == "type changed from string (date-time) to integer"


def test_any_of_branches_are_followed() -> None:
    _, changes = classify(
        lambda s: schema(s, "ChatRequest")["properties"]["session_id"]["anyOf"][0].update(
            maxLength=50
        )
    )
    change = single(changes, "conversation.chat")
    assert (change.severity, change.kind) == (BREAKING, "constraint-tightened")
    assert change.path == f"{CHAT_REQUEST}.properties.session_id.anyOf[0].maxLength"


def test_one_of_branches_are_paired_by_type() -> None:
    # ValidationError.loc is an array of `anyOf [string, integer]`; as `oneOf`, with a new branch.
    def one_of(spec: Spec) -> None:
        items = schema(spec, "ValidationError")["properties"]["loc"]["items"]
        items["oneOf"] = items.pop("anyOf")

    def add_branch(spec: Spec) -> None:
        schema(spec, "ValidationError")["properties"]["loc"]["items"]["oneOf"].append(
            {"type": "boolean"}
        )

    _, changes = classify(add_branch, one_of)
    change = single(changes, "conversation.chat")
    assert (change.severity, change.kind) == (BREAKING, "type-changed")
    assert change.path == "$.components.schemas.ValidationError.properties.loc.items.oneOf[2]"
    assert change.where == "response 422 field `detail[].loc[]`"
    assert change.message == "can now also be boolean"


def test_cycles_are_followed_once_and_terminate() -> None:
    def recursive(spec: Spec) -> None:
        segment = schema(spec, "SpeechSegmentSchema")["properties"]
        segment["parts"] = {
            "type": "array",
            "items": {"$ref": "#/components/schemas/SpeechSegmentSchema"},
        }
        segment["parent"] = {
            "anyOf": [{"$ref": "#/components/schemas/SpeechSegmentSchema"}, {"type": "null"}]
        }

    _, changes = classify(
        lambda s: schema(s, "SpeechSegmentSchema")["properties"]["text"].update(maxLength=10),
        recursive,
    )
    change = single(changes, "conversation.chat")
    assert (change.severity, change.kind) == (NON_BREAKING, "constraint-changed")
    assert change.path == "$.components.schemas.SpeechSegmentSchema.properties.text.maxLength"


# -- prose --------------------------------------------------------------------------------------


def test_summary_and_description_changes_are_documentation_only() -> None:
    def reword(spec: Spec) -> None:
        operation(spec, CHAT)["summary"] = "Talk to the assistant"
        operation(spec, CHAT)["description"] = "Reworded."
        schema(spec, "ChatRequest")["properties"]["message"]["description"] = "What you say."
        history_parameters(spec)[1]["description"] = "How many exchanges."

    report, changes = classify(reword)
    assert changes == []
    assert report.verdict == "documentation only"
    assert report.bump == "patch"
    paths = {c.path: c for c in report.changes}
    assert set(paths) == {
        "$.paths['/api/v1/conversation/chat'].post.summary",
        "$.paths['/api/v1/conversation/chat'].post.description",
        f"{CHAT_REQUEST}.properties.message.description",
        f"{HISTORY_PARAMETERS}[1].description",
    }
    assert all(c.severity is DOCUMENTATION for c in report.changes)
    # A component's prose is reported once, with the document, not under every operation.
    component = paths[f"{CHAT_REQUEST}.properties.message.description"]
    assert (component.operation, component.where) == ("", "schema `ChatRequest` field `message`")
    assert paths[f"{HISTORY_PARAMETERS}[1].description"].operation == "conversation.history"


def test_identical_documents_have_no_change_and_no_bump() -> None:
    report, changes = classify(lambda s: None)
    assert (report.changes, changes, report.bump, report.verdict) == ((), [], None, "no change")
