"""Must show 3, stream side: each fact of PROTOCOL.md about `/ws/chat/`, over real sockets."""

from __future__ import annotations

import json
import uuid

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from mongars_client.testing import Simulator
from tests.simulator.support import (
    PASSWORD,
    TIMEOUT,
    chat,
    login,
    open_stream,
    receive,
    receive_type,
    ticket,
)

pytestmark = pytest.mark.anyio
USERS = {"u1": PASSWORD}


async def handshake_status(uri: str, origin: str | None) -> int:
    """The HTTP status of a handshake the server refuses (101 if it accepts)."""
    try:
        async with websockets.connect(uri, origin=origin, open_timeout=TIMEOUT):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


async def until_closed(ws: websockets.ClientConnection) -> ConnectionClosed:
    """Read (and ignore) frames until the connection ends; how it ended."""
    try:
        while True:
            await receive(ws)
    except ConnectionClosed as closed:
        return closed


# Handshake
@pytest.mark.parametrize(
    "case", ["no origin", "foreign origin", "no ticket", "tampered ticket", "expired ticket"]
)
async def test_every_handshake_refusal_is_an_http_403(case: str) -> None:
    async with Simulator(users=USERS) as sim:
        good = ticket(sim, login(sim))
        uri, origin = f"{sim.ws_url}?t={good}", sim.origin
        if case == "no origin":
            origin = None
        elif case == "foreign origin":
            origin = "http://evil.example"
        elif case == "no ticket":
            uri = sim.ws_url
        elif case == "tampered ticket":
            uri = uri[:-1] + ("0" if uri[-1] != "0" else "1")
        else:
            sim.advance_time(60)  # past the 45 s TTL and the clock-skew allowance
        assert await handshake_status(uri, origin) == 403


async def test_a_ticket_is_reusable_until_it_expires() -> None:
    async with Simulator(users=USERS) as sim:
        uri = f"{sim.ws_url}?t={ticket(sim, login(sim))}"
        statuses = [await handshake_status(uri, sim.origin)]
        sim.advance_time(45)  # at its TTL: the skew allowance still covers it
        statuses.append(await handshake_status(uri, sim.origin))
    assert statuses == [101, 101]


async def test_localhost_origins_on_the_servers_port_are_allowed() -> None:
    async with Simulator(users=USERS) as sim:
        uri = f"{sim.ws_url}?t={ticket(sim, login(sim))}"
        assert await handshake_status(uri, f"http://localhost:{sim.port}") == 101


async def test_the_origin_allow_list_is_configurable() -> None:
    async with Simulator(users=USERS, allowed_origins=["https://app.example"]) as sim:
        uri = f"{sim.ws_url}?t={ticket(sim, login(sim))}"
        default = f"http://127.0.0.1:{sim.port}"
        statuses = [await handshake_status(uri, o) for o in ("https://app.example", default)]
    assert (statuses, sim.origin) == ([101, 403], "https://app.example")


# On connect
async def test_the_first_event_is_ws_connected_with_the_origin() -> None:
    async with Simulator(users=USERS) as sim:
        uri = f"{sim.ws_url}?t={ticket(sim, login(sim))}"
        async with websockets.connect(uri, origin=sim.origin) as ws:
            first = await receive(ws)
    assert (first["type"], first["data"]) == ("ws.connected", {"origin": sim.origin})


async def test_the_second_event_is_a_history_snapshot_of_up_to_10_items() -> None:
    async with Simulator(users=USERS, chat_rate_limit=None) as sim:
        token = login(sim)
        for n in range(12):
            chat(sim, token, f"m{n}")
        uri = f"{sim.ws_url}?t={ticket(sim, token)}"
        async with websockets.connect(uri, origin=sim.origin) as ws:
            await receive(ws)
            snapshot = await receive(ws)
    items = snapshot["data"]["items"]
    assert (snapshot["type"], len(items), set(items[0])) == (
        "history.snapshot",
        10,
        {"query", "response", "timestamp"},
    )


async def test_events_have_the_event_envelope() -> None:
    async with Simulator(users=USERS) as sim:
        uri = f"{sim.ws_url}?t={ticket(sim, login(sim))}"
        async with websockets.connect(uri, origin=sim.origin) as ws:
            first = await receive(ws)
    assert (sorted(first), first["user"]) == (["data", "id", "ts", "type", "user"], "u1")


# Events
async def test_a_chat_over_http_produces_a_chat_message_event() -> None:
    async with Simulator(users=USERS) as sim:
        token = login(sim)
        async with open_stream(sim, token) as ws:
            answer = chat(sim, token, "hello")
            message = await receive_type(ws, "chat.message")
    assert message["data"] == {
        "query": "hello",
        "response": answer["response"],
        "timestamp": message["data"]["timestamp"],
        "speech_turn": answer["speech_turn"],
    }


async def test_other_event_types_are_passed_through() -> None:
    async with Simulator(users=USERS) as sim, open_stream(sim, login(sim)) as ws:
        sim.publish("u1", "engine.something_new", {"x": 1})
        frame = await receive(ws)
    assert (frame["type"], frame["data"]) == ("engine.something_new", {"x": 1})


async def test_streaming_chunks_add_up_to_the_response_before_the_chat_message() -> None:
    async with Simulator(users=USERS, stream_chunks=True) as sim:
        token = login(sim)
        async with open_stream(sim, token) as ws:
            answer = chat(sim, token, "stream this please")
            frames = [await receive(ws)]
            while frames[-1]["type"] != "chat.message":
                frames.append(await receive(ws))
    *chunks, complete, _ = frames
    assert (
        {frame["type"] for frame in chunks},
        len(chunks) > 1,
        "".join(frame["data"]["delta"] for frame in chunks),
        complete["type"],
        complete["data"],
    ) == (
        {"ai_model.response_chunk"},
        True,
        answer["response"],
        "ai_model.response_complete",
        {"ok": True, "text": answer["response"]},
    )


# Heartbeat
async def test_the_server_pings_with_the_control_envelope() -> None:
    async with (
        Simulator(users=USERS, heartbeat_interval=0.2) as sim,
        open_stream(sim, login(sim)) as ws,
    ):
        ping = await receive(ws)
    assert (sorted(ping), ping["type"], ping["payload"]) == (
        ["id", "payload", "type"],
        "ping",
        None,
    )


async def test_a_pong_is_acked_with_its_id() -> None:
    async with (
        Simulator(users=USERS, heartbeat_interval=0.2) as sim,
        open_stream(sim, login(sim)) as ws,
    ):
        ping = await receive(ws)
        await ws.send(json.dumps({"id": ping["id"], "type": "pong"}))
        ack = await receive_type(ws, "ack")
    assert ack == {"id": ping["id"], "type": "ack", "payload": {"status": "ok"}}


async def test_without_pongs_the_server_drops_the_socket_without_a_close_frame() -> None:
    async with (
        Simulator(users=USERS, heartbeat_interval=0.2, heartbeat_timeout=0.6) as sim,
        open_stream(sim, login(sim)) as ws,
    ):
        closed = await until_closed(ws)
    assert (closed.rcvd, ws.close_code) == (None, 1006)


async def test_pongs_keep_the_socket_open_past_the_timeout() -> None:
    # Without pongs the socket would be dropped after 2 s, before the 20th ping.
    async with (
        Simulator(users=USERS, heartbeat_interval=0.1, heartbeat_timeout=2.0) as sim,
        open_stream(sim, login(sim)) as ws,
    ):
        for _ in range(40):
            ping = await receive_type(ws, "ping")
            await ws.send(json.dumps({"id": ping["id"], "type": "pong"}))
        assert ws.state is websockets.State.OPEN


# Client frames
@pytest.mark.parametrize(
    ("frame", "expected_id", "payload"),
    [
        ('{"id": "c1", "type": "client.ping"}', "c1", {"status": "ok", "detail": "client.ping"}),
        ('{"type": "client.ping"}', None, {"status": "error", "detail": "missing_id"}),
        ("this is not json", None, {"status": "error", "detail": "invalid_json"}),
        ('[{"id": "c1", "type": "x"}]', None, {"status": "error", "detail": "invalid_envelope"}),
        ('{"id": "c2"}', "c2", {"status": "error", "detail": "missing_type"}),
    ],
    ids=["ok", "missing_id", "invalid_json", "invalid_envelope", "missing_type"],
)
async def test_client_frames_are_acked(
    frame: str, expected_id: str | None, payload: object
) -> None:
    async with Simulator(users=USERS) as sim, open_stream(sim, login(sim)) as ws:
        await ws.send(frame)
        ack = await receive(ws)
    assert ack == {"id": expected_id, "type": "ack", "payload": payload}


async def test_a_close_message_is_acked_but_leaves_the_socket_open_defect() -> None:
    async with Simulator(users=USERS) as sim, open_stream(sim, login(sim)) as ws:
        await ws.send(json.dumps({"id": "bye", "type": "close"}))
        await receive(ws)  # the ack
        await ws.send(json.dumps({"id": "still-there", "type": "client.ping"}))
        assert (await receive(ws))["id"] == "still-there"


async def test_the_close_message_defect_can_be_switched_off() -> None:
    async with (
        Simulator(users=USERS, ignore_close_message=False) as sim,
        open_stream(sim, login(sim)) as ws,
    ):
        await ws.send(json.dumps({"id": "bye", "type": "close"}))
        closed = await until_closed(ws)
    assert (closed.rcvd.code if closed.rcvd else None) == 1000


async def test_the_server_sees_the_clients_close_code() -> None:
    async with Simulator(users=USERS) as sim:
        async with open_stream(sim, login(sim)) as ws:
            await ws.close(1000, "done")
        assert sim.ws_closes == [(1000, "done")]


async def test_a_consumer_too_slow_for_its_queue_is_disconnected_with_1013() -> None:
    async with Simulator(users=USERS, ws_queue_size=8) as sim:
        uri = f"{sim.ws_url}?t={ticket(sim, login(sim))}"
        # No compression, so the big events fill the socket buffers while nobody reads.
        async with websockets.connect(uri, origin=sim.origin, compression=None) as ws:
            big = uuid.uuid4().hex * 8192  # 256 KiB
            published = 0
            while sim.publish("u1", "bulk", big) and published < 1000:
                published += 1
            closed = await until_closed(ws)
    assert (closed.rcvd.code if closed.rcvd else None) == 1013
