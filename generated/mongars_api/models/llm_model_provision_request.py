from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="LLMModelProvisionRequest")


@_attrs_define
class LLMModelProvisionRequest:
    """Which roles to provision, and whether to force it."""

    force: bool | Unset = False
    roles: list[str] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        force = self.force

        roles: list[str] | None | Unset
        if isinstance(self.roles, Unset):
            roles = UNSET
        elif isinstance(self.roles, list):
            roles = self.roles

        else:
            roles = self.roles

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if force is not UNSET:
            field_dict["force"] = force
        if roles is not UNSET:
            field_dict["roles"] = roles

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        force = d.pop("force", UNSET)
        if not (type(force) is bool) and force is not UNSET:
            raise TypeError(f"force: expected a boolean, got {type(force).__name__}")

        def _parse_roles(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                _roles_type_0 = data
                if not isinstance(_roles_type_0, list):
                    raise TypeError(
                        f"roles_type_0: expected an array, got {type(_roles_type_0).__name__}"
                    )
                roles_type_0 = []
                for roles_type_0_item_data in _roles_type_0:
                    roles_type_0_item = roles_type_0_item_data
                    if not (type(roles_type_0_item) is str):
                        raise TypeError(
                            f"roles_type_0_item: expected a string, got {type(roles_type_0_item).__name__}"
                        )

                    roles_type_0.append(roles_type_0_item)

                return roles_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            roles_type_1 = data
            if not (roles_type_1 is None):
                raise TypeError(
                    f"roles_type_1: expected null, got {type(roles_type_1).__name__}"
                )

            return roles_type_1

        roles = _parse_roles(d.pop("roles", UNSET))

        llm_model_provision_request = cls(
            force=force,
            roles=roles,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        llm_model_provision_request.additional_properties = additional_properties
        return llm_model_provision_request

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
