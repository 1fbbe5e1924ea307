from __future__ import annotations

from collections.abc import Mapping
from typing import (
    Any,
    Literal,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ApprovalResponse")


@_attrs_define
class ApprovalResponse:
    """Outcome of an approval."""

    token_ref: str
    status: Literal["approved"] | Unset = "approved"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        token_ref = self.token_ref

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "token_ref": token_ref,
            }
        )
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        token_ref = d.pop("token_ref")
        if not (type(token_ref) is str):
            raise TypeError(
                f"token_ref: expected a string, got {type(token_ref).__name__}"
            )

        status = cast(Literal["approved"] | Unset, d.pop("status", UNSET))
        if status != "approved" and not isinstance(status, Unset):
            raise ValueError(f"status must match const 'approved', got '{status}'")

        approval_response = cls(
            token_ref=token_ref,
            status=status,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        approval_response.additional_properties = additional_properties
        return approval_response

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
