from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="WSTicketResponse")


@_attrs_define
class WSTicketResponse:
    """A signed ticket for opening the WebSocket stream."""

    ticket: str
    """ The ticket, to pass as `t` on `/ws/chat/`. """
    ttl: int
    """ Seconds the ticket stays valid. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        ticket = self.ticket

        ttl = self.ttl

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "ticket": ticket,
                "ttl": ttl,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        ticket = d.pop("ticket")
        if not (type(ticket) is str):
            raise TypeError(f"ticket: expected a string, got {type(ticket).__name__}")

        ttl = d.pop("ttl")
        if not (type(ttl) is int):
            raise TypeError(f"ttl: expected an integer, got {type(ttl).__name__}")

        ws_ticket_response = cls(
            ticket=ticket,
            ttl=ttl,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        ws_ticket_response.additional_properties = additional_properties
        return ws_ticket_response

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
