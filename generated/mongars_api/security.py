"""Which operations need no login: derived from the spec's `security` by the SDK's
regeneration script (openapi-python-client reads an operation's own `security` only, not
the document's default)."""

# (HTTP method, path template) of every operation without a security requirement.
ANONYMOUS_OPERATIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/healthz"),
        ("GET", "/llm/health"),
        ("GET", "/ready"),
        ("POST", "/api/v1/user/register"),
        ("POST", "/api/v1/user/register/admin"),
        ("POST", "/token"),
    }
)
