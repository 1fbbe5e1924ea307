from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_validation_error import HTTPValidationError
from ...models.peer_telemetry_payload import PeerTelemetryPayload
from ...models.peers_publish_telemetry_response import PeersPublishTelemetryResponse
from ...types import Response


def _get_kwargs(
    *,
    body: PeerTelemetryPayload,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/peer/telemetry",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HTTPValidationError | PeersPublishTelemetryResponse | None:
    if response.status_code == 202:
        _response_202 = response.json()
        if not isinstance(_response_202, dict):
            raise TypeError(
                f"response_202: expected an object, got {type(_response_202).__name__}"
            )
        response_202 = PeersPublishTelemetryResponse.from_dict(_response_202)

        return response_202

    if response.status_code == 422:
        _response_422 = response.json()
        if not isinstance(_response_422, dict):
            raise TypeError(
                f"response_422: expected an object, got {type(_response_422).__name__}"
            )
        response_422 = HTTPValidationError.from_dict(_response_422)

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[HTTPValidationError | PeersPublishTelemetryResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: PeerTelemetryPayload,
) -> Response[HTTPValidationError | PeersPublishTelemetryResponse]:
    """Publish peer telemetry

     Records a telemetry snapshot published by a peer scheduler.

    Args:
        body (PeerTelemetryPayload): A scheduler's telemetry snapshot.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPValidationError | PeersPublishTelemetryResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: PeerTelemetryPayload,
) -> HTTPValidationError | PeersPublishTelemetryResponse | None:
    """Publish peer telemetry

     Records a telemetry snapshot published by a peer scheduler.

    Args:
        body (PeerTelemetryPayload): A scheduler's telemetry snapshot.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPValidationError | PeersPublishTelemetryResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: PeerTelemetryPayload,
) -> Response[HTTPValidationError | PeersPublishTelemetryResponse]:
    """Publish peer telemetry

     Records a telemetry snapshot published by a peer scheduler.

    Args:
        body (PeerTelemetryPayload): A scheduler's telemetry snapshot.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPValidationError | PeersPublishTelemetryResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: PeerTelemetryPayload,
) -> HTTPValidationError | PeersPublishTelemetryResponse | None:
    """Publish peer telemetry

     Records a telemetry snapshot published by a peer scheduler.

    Args:
        body (PeerTelemetryPayload): A scheduler's telemetry snapshot.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPValidationError | PeersPublishTelemetryResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
