from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.approval_response import ApprovalResponse
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response


def _get_kwargs(
    *,
    token: str,
    operator_id: str,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["token"] = token

    params["operator_id"] = operator_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/llm/security/approve",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ApprovalResponse | HTTPValidationError | None:
    if response.status_code == 200:
        _response_200 = response.json()
        if not isinstance(_response_200, dict):
            raise TypeError(
                f"response_200: expected an object, got {type(_response_200).__name__}"
            )
        response_200 = ApprovalResponse.from_dict(_response_200)

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
) -> Response[ApprovalResponse | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    token: str,
    operator_id: str,
) -> Response[ApprovalResponse | HTTPValidationError]:
    """Approve a pending action

     Records an operator's approval for the action identified by the approval token.

    Args:
        token (str):
        operator_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApprovalResponse | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        token=token,
        operator_id=operator_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    token: str,
    operator_id: str,
) -> ApprovalResponse | HTTPValidationError | None:
    """Approve a pending action

     Records an operator's approval for the action identified by the approval token.

    Args:
        token (str):
        operator_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApprovalResponse | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        token=token,
        operator_id=operator_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    token: str,
    operator_id: str,
) -> Response[ApprovalResponse | HTTPValidationError]:
    """Approve a pending action

     Records an operator's approval for the action identified by the approval token.

    Args:
        token (str):
        operator_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApprovalResponse | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        token=token,
        operator_id=operator_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    token: str,
    operator_id: str,
) -> ApprovalResponse | HTTPValidationError | None:
    """Approve a pending action

     Records an operator's approval for the action identified by the approval token.

    Args:
        token (str):
        operator_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApprovalResponse | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            token=token,
            operator_id=operator_id,
        )
    ).parsed
