"""Request bodies, validated as the server validates them (FastAPI's 422 comes from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator


class ChatRequest(BaseModel):
    """`POST /api/v1/conversation/chat` and `POST /llm/chat`."""

    message: Annotated[str, Field(min_length=1, max_length=1000)]
    session_id: Annotated[str | None, Field(max_length=100)] = None
    allowed_actions: list[str] | None = None
    approval_token: Annotated[str | None, Field(max_length=128)] = None
    token_ref: Annotated[str | None, Field(max_length=64)] = None

    @field_validator("message")
    @classmethod
    def _not_blank(cls, message: str) -> str:
        if not message.strip():
            raise ValueError("message cannot be empty")
        return message


class Credentials(BaseModel):
    """`POST /api/v1/user/register`, `/register/admin` and `/api/v1/auth/login`."""

    username: Annotated[str, Field(min_length=1, max_length=150, pattern=r"^[A-Za-z0-9_-]+$")]
    password: Annotated[str, Field(min_length=8)]


class LoginRequest(BaseModel):
    """`POST /api/v1/auth/login`: checked against the accounts, not against registration rules."""

    username: str
    password: str


class PasswordChange(BaseModel):
    """`POST /api/v1/user/change-password`."""

    old_password: Annotated[str, Field(min_length=8)]
    new_password: Annotated[str, Field(min_length=8)]


class PeerRegistration(BaseModel):
    """`POST /api/v1/peer/register` and `/unregister`."""

    url: Annotated[str, Field(min_length=1, max_length=2083, pattern=r"^https?://\S+$")]


class PeerMessage(BaseModel):
    """`POST /api/v1/peer/message`."""

    payload: Annotated[str, Field(min_length=1)]


class PeerTelemetry(BaseModel):
    """`POST /api/v1/peer/telemetry`."""

    scheduler_id: str | None = None
    queue_depth: Annotated[int, Field(ge=0)] = 0
    active_workers: Annotated[int, Field(ge=0)] = 0
    concurrency: Annotated[int, Field(ge=0)] = 0
    load_factor: Annotated[float, Field(ge=0)] = 0.0
    worker_uptime_seconds: Annotated[float, Field(ge=0)] = 0.0
    tasks_processed: Annotated[int, Field(ge=0)] = 0
    tasks_failed: Annotated[int, Field(ge=0)] = 0
    task_failure_rate: Annotated[float, Field(ge=0)] = 0.0
    observed_at: datetime | None = None
    source: Annotated[str | None, Field(max_length=2048)] = None


class ProvisionRequest(BaseModel):
    """`POST /api/v1/models/provision`."""

    roles: list[str] | None = None
    force: bool = False


class RagContextRequest(BaseModel):
    """`POST /api/v1/review/rag-context`."""

    query: Annotated[str, Field(min_length=1, max_length=4000)]
    repositories: list[str] | None = None
    max_results: Annotated[int | None, Field(ge=1, le=50)] = None


class SuggestRequest(BaseModel):
    """`POST /api/v1/ui/suggestions`."""

    prompt: Annotated[str, Field(min_length=1, max_length=8000)]
    actions: list[str] | None = None
