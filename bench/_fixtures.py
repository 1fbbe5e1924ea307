"""What the benchmarks send and receive: a realistic chat answer, a token, an in-memory server."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx

CHAT_PATH = "/api/v1/conversation/chat"
MESSAGE = "Summarise our latest incident report in three sentences."
SEGMENTS = 20


def chat_body(segments: int = SEGMENTS) -> dict[str, Any]:
    """A ChatResponse as the server sends it, with a `speech_turn` of `segments` segments."""
    parts = [
        {
            "text": f"Sentence {i + 1} of the answer, long enough to be spoken in about a second.",
            "estimated_duration": round(1.1 + i / 50, 3),
            "pause_after": 0.25,
        }
        for i in range(segments)
    ]
    text = " ".join(part["text"] for part in parts)
    return {
        "response": text,
        "confidence": 0.87,
        "processing_time": 0.412,
        "speech_turn": {
            "turn_id": "5f0c2b1e-7d4a-4b8e-9a57-3c1d2e4f6a70",
            "text": text,
            "created_at": "2025-11-23T10:00:00.123456Z",
            "segments": parts,
            "average_words_per_second": 2.5,
            "tempo": 1.0,
        },
    }


CHAT_BYTES = json.dumps(chat_body()).encode()


def make_jwt(subject: str = "bench", expires_in: float = 24 * 3600.0) -> str:
    """An unsigned JWT with the server's claims (clients read it, never verify it)."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"sub": subject, "admin": False, "exp": time.time() + expires_in}
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


class MemoryTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers every request with the same chat body, handed over as a stream.

    Like httpx's network transports (and unlike `httpx.MockTransport` given `content=`), the
    body arrives as a stream that the client reads, so both sides of a comparison do the
    reading a real exchange needs, and only the network is left out.
    """

    def __init__(self, body: bytes = CHAT_BYTES) -> None:
        self._body = body
        self._headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]

    def _answer(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=self._headers, stream=httpx.ByteStream(self._body))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Read the request as a server would, answer the chat body."""
        request.read()
        return self._answer(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Read the request as a server would, answer the chat body."""
        await request.aread()
        return self._answer(request)
