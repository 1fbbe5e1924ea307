from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_validation_error import HTTPValidationError
from ...models.memory_item import MemoryItem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    user_id: str,
    limit: int | Unset = 10,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["user_id"] = user_id

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/conversation/history",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HTTPValidationError | list[MemoryItem] | None:
    if response.status_code == 200:
        _response_200 = response.json()
        if not isinstance(_response_200, list):
            raise TypeError(
                f"response_200: expected an array, got {type(_response_200).__name__}"
            )
        response_200 = []
        for response_200_item_data in _response_200:
            _response_200_item = response_200_item_data
            if not isinstance(_response_200_item, dict):
                raise TypeError(
                    f"response_200_item: expected an object, got {type(_response_200_item).__name__}"
                )
            response_200_item = MemoryItem.from_dict(_response_200_item)

            response_200.append(response_200_item)

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
) -> Response[HTTPValidationError | list[MemoryItem]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    user_id: str,
    limit: int | Unset = 10,
) -> Response[HTTPValidationError | list[MemoryItem]]:
    """Read conversation history

     Lists the authenticated user's most recent exchanges, newest first. `user_id` must name the caller.

    Args:
        user_id (str):
        limit (int | Unset):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPValidationError | list[MemoryItem]]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    user_id: str,
    limit: int | Unset = 10,
) -> HTTPValidationError | list[MemoryItem] | None:
    """Read conversation history

     Lists the authenticated user's most recent exchanges, newest first. `user_id` must name the caller.

    Args:
        user_id (str):
        limit (int | Unset):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPValidationError | list[MemoryItem]
    """

    return sync_detailed(
        client=client,
        user_id=user_id,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    user_id: str,
    limit: int | Unset = 10,
) -> Response[HTTPValidationError | list[MemoryItem]]:
    """Read conversation history

     Lists the authenticated user's most recent exchanges, newest first. `user_id` must name the caller.

    Args:
        user_id (str):
        limit (int | Unset):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPValidationError | list[MemoryItem]]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    user_id: str,
    limit: int | Unset = 10,
) -> HTTPValidationError | list[MemoryItem] | None:
    """Read conversation history

     Lists the authenticated user's most recent exchanges, newest first. `user_id` must name the caller.

    Args:
        user_id (str):
        limit (int | Unset):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPValidationError | list[MemoryItem]
    """

    return (
        await asyncio_detailed(
            client=client,
            user_id=user_id,
            limit=limit,
        )
    ).parsed
