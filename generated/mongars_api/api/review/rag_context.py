from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_validation_error import HTTPValidationError
from ...models.rag_context_request import RagContextRequest
from ...models.rag_context_response import RagContextResponse
from ...types import Response


def _get_kwargs(
    *,
    body: RagContextRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/review/rag-context",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HTTPValidationError | RagContextResponse | None:
    if response.status_code == 200:
        _response_200 = response.json()
        if not isinstance(_response_200, dict):
            raise TypeError(
                f"response_200: expected an object, got {type(_response_200).__name__}"
            )
        response_200 = RagContextResponse.from_dict(_response_200)

        return response_200

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
) -> Response[HTTPValidationError | RagContextResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: RagContextRequest,
) -> Response[HTTPValidationError | RagContextResponse]:
    """Find code context for a query

     Returns code references from the indexed repositories that relate to the query, for review tooling.

    Args:
        body (RagContextRequest): A query for related code, optionally limited to some
            repositories.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPValidationError | RagContextResponse]
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
    body: RagContextRequest,
) -> HTTPValidationError | RagContextResponse | None:
    """Find code context for a query

     Returns code references from the indexed repositories that relate to the query, for review tooling.

    Args:
        body (RagContextRequest): A query for related code, optionally limited to some
            repositories.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPValidationError | RagContextResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: RagContextRequest,
) -> Response[HTTPValidationError | RagContextResponse]:
    """Find code context for a query

     Returns code references from the indexed repositories that relate to the query, for review tooling.

    Args:
        body (RagContextRequest): A query for related code, optionally limited to some
            repositories.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPValidationError | RagContextResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: RagContextRequest,
) -> HTTPValidationError | RagContextResponse | None:
    """Find code context for a query

     Returns code references from the indexed repositories that relate to the query, for review tooling.

    Args:
        body (RagContextRequest): A query for related code, optionally limited to some
            repositories.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPValidationError | RagContextResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
