"""`mongars_api.security`: which operations need no login, derived from the spec's `security`."""

from __future__ import annotations

from typing import Any

from mongars_api.security import ANONYMOUS_OPERATIONS
from scripts.regenerate import anonymous_operations

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/ready"),
    ("GET", "/llm/health"),
    ("POST", "/api/v1/user/register"),
    ("POST", "/api/v1/user/register/admin"),
    ("POST", "/token"),
}


def test_the_generated_table_is_our_specs_operations_without_security(
    our_spec: dict[str, Any],
) -> None:
    assert set(anonymous_operations(our_spec)) == PUBLIC
    assert ANONYMOUS_OPERATIONS == PUBLIC


def test_the_documents_default_security_applies_to_operations_without_their_own() -> None:
    spec = {
        "security": [{"OAuth2PasswordBearer": []}],
        "paths": {
            "/a": {"get": {}, "post": {"security": []}},
            "/b/{id}": {"get": {"security": [{}, {"OAuth2PasswordBearer": []}]}},
            "/c": {"get": {"security": [{"OAuth2PasswordBearer": []}]}},
        },
    }
    assert anonymous_operations(spec) == [("GET", "/b/{id}"), ("POST", "/a")]
    assert anonymous_operations({"paths": {"/a": {"get": {}}}}) == [("GET", "/a")]
