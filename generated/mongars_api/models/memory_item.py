from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="MemoryItem")


@_attrs_define
class MemoryItem:
    """One stored exchange of the user's conversation."""

    query: str
    """ What was asked, as the server stored it. """
    response: str
    """ What was answered. """
    user_id: str
    """ Owner of the exchange. """
    expires_at: datetime.datetime | None | Unset = UNSET
    """ When the server will forget the exchange, if ever. """
    timestamp: datetime.datetime | Unset = UNSET
    """ When the exchange happened. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        query = self.query

        response = self.response

        user_id = self.user_id

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        timestamp: str | Unset = UNSET
        if not isinstance(self.timestamp, Unset):
            timestamp = self.timestamp.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "query": query,
                "response": response,
                "user_id": user_id,
            }
        )
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if timestamp is not UNSET:
            field_dict["timestamp"] = timestamp

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        query = d.pop("query")
        if not (type(query) is str):
            raise TypeError(f"query: expected a string, got {type(query).__name__}")

        response = d.pop("response")
        if not (type(response) is str):
            raise TypeError(
                f"response: expected a string, got {type(response).__name__}"
            )

        user_id = d.pop("user_id")
        if not (type(user_id) is str):
            raise TypeError(f"user_id: expected a string, got {type(user_id).__name__}")

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            expires_at_type_1 = data
            if not (expires_at_type_1 is None):
                raise TypeError(
                    f"expires_at_type_1: expected null, got {type(expires_at_type_1).__name__}"
                )

            return expires_at_type_1

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        _timestamp = d.pop("timestamp", UNSET)
        timestamp: datetime.datetime | Unset
        if isinstance(_timestamp, Unset):
            timestamp = UNSET
        else:
            timestamp = datetime.datetime.fromisoformat(_timestamp)

        memory_item = cls(
            query=query,
            response=response,
            user_id=user_id,
            expires_at=expires_at,
            timestamp=timestamp,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        memory_item.additional_properties = additional_properties
        return memory_item

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
