from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UserListResponse")


@_attrs_define
class UserListResponse:
    """Registered usernames."""

    users: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        users: list[str] | Unset = UNSET
        if not isinstance(self.users, Unset):
            users = self.users

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if users is not UNSET:
            field_dict["users"] = users

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        _users = d.pop("users", UNSET)
        users: list[str] | Unset = UNSET
        if not isinstance(_users, Unset):
            if not isinstance(_users, list):
                raise TypeError(
                    f"users: expected an array, got {type(_users).__name__}"
                )
            users = []
            for users_item_data in _users:
                users_item = users_item_data
                if not (type(users_item) is str):
                    raise TypeError(
                        f"users_item: expected a string, got {type(users_item).__name__}"
                    )

                users.append(users_item)

        user_list_response = cls(
            users=users,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        user_list_response.additional_properties = additional_properties
        return user_list_response

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
