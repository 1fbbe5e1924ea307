from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="LoginForm")


@_attrs_define
class LoginForm:
    """Form fields of the OAuth2 password flow."""

    password: str
    """ The account password. """
    username: str
    """ The account name. """
    client_id: None | str | Unset = UNSET
    client_secret: None | str | Unset = UNSET
    grant_type: None | str | Unset = UNSET
    """ `password` when given. """
    scope: str | Unset = ""
    """ Space-separated scopes; the server ignores them. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        password = self.password

        username = self.username

        client_id: None | str | Unset
        if isinstance(self.client_id, Unset):
            client_id = UNSET
        else:
            client_id = self.client_id

        client_secret: None | str | Unset
        if isinstance(self.client_secret, Unset):
            client_secret = UNSET
        else:
            client_secret = self.client_secret

        grant_type: None | str | Unset
        if isinstance(self.grant_type, Unset):
            grant_type = UNSET
        else:
            grant_type = self.grant_type

        scope = self.scope

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "password": password,
                "username": username,
            }
        )
        if client_id is not UNSET:
            field_dict["client_id"] = client_id
        if client_secret is not UNSET:
            field_dict["client_secret"] = client_secret
        if grant_type is not UNSET:
            field_dict["grant_type"] = grant_type
        if scope is not UNSET:
            field_dict["scope"] = scope

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        password = d.pop("password")
        if not (type(password) is str):
            raise TypeError(
                f"password: expected a string, got {type(password).__name__}"
            )

        username = d.pop("username")
        if not (type(username) is str):
            raise TypeError(
                f"username: expected a string, got {type(username).__name__}"
            )

        def _parse_client_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not type(data) is str:
                    raise TypeError()
                client_id_type_0 = data
                if not (type(client_id_type_0) is str):
                    raise TypeError(
                        f"client_id_type_0: expected a string, got {type(client_id_type_0).__name__}"
                    )

                return client_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            client_id_type_1 = data
            if not (client_id_type_1 is None):
                raise TypeError(
                    f"client_id_type_1: expected null, got {type(client_id_type_1).__name__}"
                )

            return client_id_type_1

        client_id = _parse_client_id(d.pop("client_id", UNSET))

        def _parse_client_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not type(data) is str:
                    raise TypeError()
                client_secret_type_0 = data
                if not (type(client_secret_type_0) is str):
                    raise TypeError(
                        f"client_secret_type_0: expected a string, got {type(client_secret_type_0).__name__}"
                    )

                return client_secret_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            client_secret_type_1 = data
            if not (client_secret_type_1 is None):
                raise TypeError(
                    f"client_secret_type_1: expected null, got {type(client_secret_type_1).__name__}"
                )

            return client_secret_type_1

        client_secret = _parse_client_secret(d.pop("client_secret", UNSET))

        def _parse_grant_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not type(data) is str:
                    raise TypeError()
                grant_type_type_0 = data
                if not (type(grant_type_type_0) is str):
                    raise TypeError(
                        f"grant_type_type_0: expected a string, got {type(grant_type_type_0).__name__}"
                    )

                return grant_type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            grant_type_type_1 = data
            if not (grant_type_type_1 is None):
                raise TypeError(
                    f"grant_type_type_1: expected null, got {type(grant_type_type_1).__name__}"
                )

            return grant_type_type_1

        grant_type = _parse_grant_type(d.pop("grant_type", UNSET))

        scope = d.pop("scope", UNSET)
        if not (type(scope) is str) and scope is not UNSET:
            raise TypeError(f"scope: expected a string, got {type(scope).__name__}")

        login_form = cls(
            password=password,
            username=username,
            client_id=client_id,
            client_secret=client_secret,
            grant_type=grant_type,
            scope=scope,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        login_form.additional_properties = additional_properties
        return login_form

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
