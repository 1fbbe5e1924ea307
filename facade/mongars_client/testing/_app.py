"""The HTTP API of the simulated server: every operation of `openapi.json`, plus the stream."""

# No `from __future__ import annotations` here: FastAPI reads the route signatures at run time,
# and they name dependencies local to `build_app`, which string annotations cannot reach.

import asyncio
import hashlib
import re
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, HTTPException, Request, WebSocket
from fastapi.responses import JSONResponse, Response

from mongars_client import compat
from mongars_client.testing import _jwt, _replies
from mongars_client.testing._faults import Faults
from mongars_client.testing._generic import add_generic_routes
from mongars_client.testing._schemas import (
    ChatRequest,
    Credentials,
    LoginRequest,
    PasswordChange,
    PeerMessage,
    PeerRegistration,
    PeerTelemetry,
    ProvisionRequest,
    RagContextRequest,
    SuggestRequest,
)
from mongars_client.testing._server import Connections
from mongars_client.testing._state import State
from mongars_client.testing._stream import Hub

RATE_LIMITED = "Too many requests: please wait before sending another message."
DEFAULT_UI_ACTIONS = ("code", "summarize", "explain")
MODEL_NAME = "simulator-general"
_MODELS: dict[str, dict[str, Any]] = {
    role: {
        "role": role,
        "name": f"simulator-{role}",
        "provider": "simulator",
        "parameters": {"temperature": 0.2 if role == "coding" else 0.7},
        "auto_download": False,
        "description": f"The simulator's canned {role} model.",
    }
    for role in ("general", "coding")
}


@dataclass(frozen=True)
class Principal:
    """The caller a valid bearer token names."""

    username: str
    admin: bool


def build_app(
    state: State,
    hub: Hub,
    faults: Faults,
    connections: Connections,
    spec: dict[str, Any] | None = None,
    *,
    publish_spec: bool = True,
) -> FastAPI:
    """The simulated monGARS application, serving `state`.

    `spec` is the OpenAPI document the server publishes at `/openapi.json` (unless
    `publish_spec` is False) and answers generically where no route below implements an
    operation of it (see `_generic`); the SDK's own spec when None.
    """
    spec = compat.sdk_spec() if spec is None else spec
    app = FastAPI(title="monGARS simulator", docs_url=None, redoc_url=None, openapi_url=None)
    settings = state.settings

    # Every route is `async def`: FastAPI would run plain functions in worker threads, and the
    # state belongs to the event loop.

    async def current_user(request: Request) -> Principal:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        try:
            claims = state.authenticate(token.strip())
        except _jwt.TokenError as error:
            raise HTTPException(401, error.detail) from None
        return Principal(claims["sub"], bool(claims.get("admin")))

    User = Annotated[Principal, Depends(current_user)]

    async def admin_user(user: User) -> Principal:
        if not user.admin:
            raise HTTPException(403, "Admin required")
        return user

    # A dependency, so that FastAPI runs it before it validates the body, as the server does.
    async def chat_user(user: User) -> Principal:
        if not state.allow_chat(user.username):
            raise HTTPException(429, RATE_LIMITED)
        return user

    def reply(message: str) -> dict[str, Any]:
        started = time.perf_counter()
        if faults.is_model_down:
            text, confidence = _replies.FALLBACK_TEXT, 0.0
        else:
            text, confidence = _replies.answer(message), 0.87
        return {
            "response": text,
            "confidence": confidence,
            "processing_time": round(time.perf_counter() - started, 6),
            "speech_turn": _replies.speech_turn(text, now=state.now()),
        }

    # Health
    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    # Accounts and login
    @app.post("/token")
    async def login(
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> dict[str, str]:
        if not state.check_password(username, password):
            raise HTTPException(401, "Invalid credentials")
        return {"access_token": state.issue_token(username), "token_type": "bearer"}

    @app.post("/api/v1/auth/login")
    async def login_json(body: LoginRequest) -> dict[str, Any]:
        if not state.check_password(body.username, body.password):
            raise HTTPException(401, "Invalid credentials")
        return {
            "access_token": state.issue_token(body.username),
            "token_type": "bearer",
            "admin": state.is_admin(body.username),
            "expires_in": int(settings.token_ttl),
        }

    @app.post("/api/v1/auth/ws/ticket")
    async def ws_ticket(user: User) -> dict[str, Any]:
        return {"ticket": state.issue_ticket(user.username), "ttl": settings.ticket_ttl}

    @app.post("/api/v1/user/register")
    async def register(body: Credentials) -> dict[str, Any]:
        if not state.add_account(body.username, body.password):
            raise HTTPException(409, "Username already exists")
        return {"status": "registered", "is_admin": False}

    @app.post("/api/v1/user/register/admin")
    async def register_admin(body: Credentials) -> dict[str, Any]:
        if not settings.admin_bootstrap:
            raise HTTPException(403, "Admin bootstrap is disabled")
        if state.has_admin():
            raise HTTPException(403, "Admin already exists")
        if not state.add_account(body.username, body.password, admin=True):
            raise HTTPException(409, "Username already exists")
        return {"status": "registered", "is_admin": True}

    @app.post("/api/v1/user/change-password")
    async def change_password(body: PasswordChange, user: User) -> dict[str, str]:
        if not state.check_password(user.username, body.old_password):
            raise HTTPException(400, "Invalid credentials")
        state.set_password(user.username, body.new_password)
        return {"status": "password_changed"}

    @app.get("/api/v1/user/list")
    async def list_users(user: Annotated[Principal, Depends(admin_user)]) -> dict[str, list[str]]:
        return {"users": state.usernames()}

    # Conversation
    @app.post("/api/v1/conversation/chat")
    async def chat(user: Annotated[Principal, Depends(chat_user)], body: ChatRequest) -> Any:
        answer = reply(body.message)
        now = state.now()
        state.record_exchange(user.username, body.message, answer["response"], now)
        if settings.stream_chunks:
            text = answer["response"]
            for index, delta in enumerate(_replies.deltas(text)):
                if index and settings.chunk_interval:
                    await asyncio.sleep(settings.chunk_interval)
                hub.publish(user.username, "ai_model.response_chunk", {"delta": delta})
            hub.publish(user.username, "ai_model.response_complete", {"ok": True, "text": text})
        hub.publish(
            user.username,
            "chat.message",
            {
                "query": body.message,
                "response": answer["response"],
                "timestamp": _replies.iso(now),
                "speech_turn": answer["speech_turn"],
            },
        )
        return answer

    @app.get("/api/v1/conversation/history")
    async def history(user: User, user_id: str, limit: int = 10) -> list[dict[str, Any]]:
        if user_id != user.username:
            raise HTTPException(403, "Forbidden")
        if limit <= 0:
            raise HTTPException(422, "limit must be a positive integer")
        return state.read_history(user.username, limit)

    # Peers
    @app.get("/api/v1/peer/list")
    async def peer_list(user: User) -> list[str]:
        return list(state.peers)

    @app.post("/api/v1/peer/register")
    async def peer_register(body: PeerRegistration, user: User) -> dict[str, Any]:
        known = body.url in state.peers
        state.peers[body.url] = None
        return {
            "status": "already_registered" if known else "registered",
            "count": len(state.peers),
        }

    @app.post("/api/v1/peer/unregister")
    async def peer_unregister(body: PeerRegistration, user: User) -> dict[str, Any]:
        known = body.url in state.peers
        state.peers.pop(body.url, None)
        return {"status": "unregistered" if known else "not_found", "count": len(state.peers)}

    @app.post("/api/v1/peer/message")
    async def peer_message(body: PeerMessage, user: User) -> dict[str, Any]:
        return {"status": "accepted", "bytes": len(body.payload)}

    @app.get("/api/v1/peer/load")
    async def peer_load(user: User) -> dict[str, Any]:
        return _local_load()

    @app.get("/api/v1/peer/telemetry")
    async def peer_telemetry(user: User) -> dict[str, Any]:
        local = {**_local_load(), "observed_at": _replies.iso(state.now()), "source": "local"}
        return {"telemetry": [local, *state.telemetry.values()]}

    @app.post("/api/v1/peer/telemetry", status_code=202)
    async def peer_publish_telemetry(body: PeerTelemetry, user: User) -> dict[str, str]:
        snapshot = body.model_dump(mode="json")
        state.telemetry[snapshot["scheduler_id"] or snapshot["source"] or "unknown"] = snapshot
        return {"status": "accepted"}

    # Models
    @app.get("/api/v1/models")
    async def models(user: User) -> dict[str, Any]:
        return {
            "active_profile": "default",
            "available_profiles": ["default"],
            "profile": {"name": "default", "models": _MODELS},
        }

    @app.post("/api/v1/models/provision")
    async def provision(body: ProvisionRequest, user: User) -> dict[str, Any]:
        roles = body.roles or list(_MODELS)
        return {"statuses": [_provision_status(role, force=body.force) for role in roles]}

    # Review and UI helpers
    @app.post("/api/v1/review/rag-context")
    async def rag_context(body: RagContextRequest, user: User) -> dict[str, Any]:
        words = re.findall(r"[A-Za-z0-9_]+", body.query.lower())
        repositories = body.repositories or ["monGARS"]
        references = [
            {
                "repository": repositories[i % len(repositories)],
                "file_path": f"src/{word}.py",
                "summary": f"Where '{word}' is handled.",
                "score": round(1.0 / (i + 1), 3),
                "url": None,
            }
            for i, word in enumerate(dict.fromkeys(words))
        ]
        return {
            "enabled": True,
            "focus_areas": list(dict.fromkeys(words))[:3],
            "references": references[: body.max_results or 5],
        }

    @app.post("/api/v1/ui/suggestions")
    async def suggestions(body: SuggestRequest, user: User) -> dict[str, Any]:
        actions = body.actions or list(DEFAULT_UI_ACTIONS)
        prompt = body.prompt.lower()
        scores = {action: (1.0 if action.lower() in prompt else 0.1) for action in actions}
        ranked = sorted(actions, key=lambda action: -scores[action])
        return {"actions": ranked, "scores": scores, "model": "simulator-keyword-ranker"}

    # The model layer
    @app.post("/llm/chat")
    async def llm_chat(body: ChatRequest, user: User) -> dict[str, Any]:
        if faults.is_model_down:
            raise HTTPException(502, "Failed to generate chat response")
        return reply(body.message)

    @app.get("/llm/health")
    async def llm_health() -> dict[str, Any]:
        down = faults.is_model_down
        return {
            "status": "unhealthy" if down else "healthy",
            "backend": "unavailable" if down else "local",
            "model": MODEL_NAME,
            "detail": "the model backend is unreachable" if down else None,
            "last_check": state.now(),
        }

    @app.post("/llm/security/approve")
    async def approve(token: str, operator_id: str, user: User) -> dict[str, str]:
        return {"status": "approved", "token_ref": hashlib.sha256(token.encode()).hexdigest()[:32]}

    # The published spec, as FastAPI publishes it
    if publish_spec:

        @app.get("/openapi.json", include_in_schema=False)
        async def openapi() -> dict[str, Any]:
            return spec

    # Every other operation of the spec: generic answers, after (and so behind) the routes above.
    async def refuse_anonymous(request: Request) -> Response | None:
        try:
            await current_user(request)
        except HTTPException as error:
            return JSONResponse(
                {"detail": error.detail}, status_code=error.status_code, headers=error.headers
            )
        return None

    add_generic_routes(app, spec, refuse_anonymous)

    # The event stream
    @app.websocket("/ws/chat/")
    async def stream(websocket: WebSocket) -> None:
        client = websocket.scope["client"]
        rule = faults.take("close", websocket.url.path)
        await hub.serve(
            websocket,
            abort=lambda: connections.abort(client),
            close_with=None if rule is None else rule.status,
        )

    return app


def _local_load() -> dict[str, Any]:
    return {
        "scheduler_id": "simulator",
        "queue_depth": 0,
        "active_workers": 0,
        "concurrency": 1,
        "load_factor": 0.0,
    }


def _provision_status(role: str, *, force: bool) -> dict[str, Any]:
    model = _MODELS.get(role)
    if model is None:
        return {
            "role": role,
            "name": "",
            "provider": "none",
            "action": "skipped",
            "detail": "no model is configured for this role",
        }
    return {
        "role": role,
        "name": model["name"],
        "provider": model["provider"],
        "action": "reinstalled" if force else "already_available",
        "detail": None,
    }
