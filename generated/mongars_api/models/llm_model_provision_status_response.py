from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="LLMModelProvisionStatusResponse")


@_attrs_define
class LLMModelProvisionStatusResponse:
    """What provisioning did for one model."""

    action: str
    name: str
    provider: str
    role: str
    detail: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        name = self.name

        provider = self.provider

        role = self.role

        detail: None | str | Unset
        if isinstance(self.detail, Unset):
            detail = UNSET
        else:
            detail = self.detail

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "name": name,
                "provider": provider,
                "role": role,
            }
        )
        if detail is not UNSET:
            field_dict["detail"] = detail

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        action = d.pop("action")
        if not (type(action) is str):
            raise TypeError(f"action: expected a string, got {type(action).__name__}")

        name = d.pop("name")
        if not (type(name) is str):
            raise TypeError(f"name: expected a string, got {type(name).__name__}")

        provider = d.pop("provider")
        if not (type(provider) is str):
            raise TypeError(
                f"provider: expected a string, got {type(provider).__name__}"
            )

        role = d.pop("role")
        if not (type(role) is str):
            raise TypeError(f"role: expected a string, got {type(role).__name__}")

        def _parse_detail(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not type(data) is str:
                    raise TypeError()
                detail_type_0 = data
                if not (type(detail_type_0) is str):
                    raise TypeError(
                        f"detail_type_0: expected a string, got {type(detail_type_0).__name__}"
                    )

                return detail_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            detail_type_1 = data
            if not (detail_type_1 is None):
                raise TypeError(
                    f"detail_type_1: expected null, got {type(detail_type_1).__name__}"
                )

            return detail_type_1

        detail = _parse_detail(d.pop("detail", UNSET))

        llm_model_provision_status_response = cls(
            action=action,
            name=name,
            provider=provider,
            role=role,
            detail=detail,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        llm_model_provision_status_response.additional_properties = (
            additional_properties
        )
        return llm_model_provision_status_response

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
