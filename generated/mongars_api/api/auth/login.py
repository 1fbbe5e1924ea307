from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.auth_login_response import AuthLoginResponse
from ...models.http_validation_error import HTTPValidationError
from ...models.login_form import LoginForm
from ...types import Response


def _get_kwargs(
    *,
    body: LoginForm,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/token",
    }

    _kwargs["data"] = body.to_dict()
    headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AuthLoginResponse | HTTPValidationError | None:
    if response.status_code == 200:
        _response_200 = response.json()
        if not isinstance(_response_200, dict):
            raise TypeError(
                f"response_200: expected an object, got {type(_response_200).__name__}"
            )
        response_200 = AuthLoginResponse.from_dict(_response_200)

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
) -> Response[AuthLoginResponse | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: LoginForm,
) -> Response[AuthLoginResponse | HTTPValidationError]:
    """Log in

     OAuth2 password flow: exchanges a username and password, sent as form fields, for a bearer token.
    The body holds `access_token` and `token_type`.

    Args:
        body (LoginForm): Form fields of the OAuth2 password flow.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthLoginResponse | HTTPValidationError]
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
    client: AuthenticatedClient | Client,
    body: LoginForm,
) -> AuthLoginResponse | HTTPValidationError | None:
    """Log in

     OAuth2 password flow: exchanges a username and password, sent as form fields, for a bearer token.
    The body holds `access_token` and `token_type`.

    Args:
        body (LoginForm): Form fields of the OAuth2 password flow.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthLoginResponse | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: LoginForm,
) -> Response[AuthLoginResponse | HTTPValidationError]:
    """Log in

     OAuth2 password flow: exchanges a username and password, sent as form fields, for a bearer token.
    The body holds `access_token` and `token_type`.

    Args:
        body (LoginForm): Form fields of the OAuth2 password flow.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthLoginResponse | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: LoginForm,
) -> AuthLoginResponse | HTTPValidationError | None:
    """Log in

     OAuth2 password flow: exchanges a username and password, sent as form fields, for a bearer token.
    The body holds `access_token` and `token_type`.

    Args:
        body (LoginForm): Form fields of the OAuth2 password flow.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthLoginResponse | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
