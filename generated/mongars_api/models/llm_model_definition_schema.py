from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.llm_model_definition_schema_parameters import (
        LLMModelDefinitionSchemaParameters,
    )


T = TypeVar("T", bound="LLMModelDefinitionSchema")


@_attrs_define
class LLMModelDefinitionSchema:
    """One configured model: its role, name, provider and settings."""

    name: str
    provider: str
    role: str
    auto_download: bool | Unset = True
    description: None | str | Unset = UNSET
    parameters: LLMModelDefinitionSchemaParameters | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        provider = self.provider

        role = self.role

        auto_download = self.auto_download

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        parameters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.parameters, Unset):
            parameters = self.parameters.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "provider": provider,
                "role": role,
            }
        )
        if auto_download is not UNSET:
            field_dict["auto_download"] = auto_download
        if description is not UNSET:
            field_dict["description"] = description
        if parameters is not UNSET:
            field_dict["parameters"] = parameters

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.llm_model_definition_schema_parameters import (
            LLMModelDefinitionSchemaParameters,
        )

        d = dict(src_dict)
        name = d.pop("name")

        provider = d.pop("provider")

        role = d.pop("role")

        auto_download = d.pop("auto_download", UNSET)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        _parameters = d.pop("parameters", UNSET)
        parameters: LLMModelDefinitionSchemaParameters | Unset
        if isinstance(_parameters, Unset):
            parameters = UNSET
        else:
            parameters = LLMModelDefinitionSchemaParameters.from_dict(_parameters)

        llm_model_definition_schema = cls(
            name=name,
            provider=provider,
            role=role,
            auto_download=auto_download,
            description=description,
            parameters=parameters,
        )

        llm_model_definition_schema.additional_properties = d
        return llm_model_definition_schema

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
