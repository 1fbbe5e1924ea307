from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

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

        auto_download = d.pop("auto_download", UNSET)
        if not (type(auto_download) is bool) and auto_download is not UNSET:
            raise TypeError(
                f"auto_download: expected a boolean, got {type(auto_download).__name__}"
            )

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not type(data) is str:
                    raise TypeError()
                description_type_0 = data
                if not (type(description_type_0) is str):
                    raise TypeError(
                        f"description_type_0: expected a string, got {type(description_type_0).__name__}"
                    )

                return description_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            description_type_1 = data
            if not (description_type_1 is None):
                raise TypeError(
                    f"description_type_1: expected null, got {type(description_type_1).__name__}"
                )

            return description_type_1

        description = _parse_description(d.pop("description", UNSET))

        _parameters = d.pop("parameters", UNSET)
        parameters: LLMModelDefinitionSchemaParameters | Unset
        if isinstance(_parameters, Unset):
            parameters = UNSET
        else:
            if not isinstance(_parameters, dict):
                raise TypeError(
                    f"parameters: expected an object, got {type(_parameters).__name__}"
                )
            parameters = LLMModelDefinitionSchemaParameters.from_dict(_parameters)

        llm_model_definition_schema = cls(
            name=name,
            provider=provider,
            role=role,
            auto_download=auto_download,
            description=description,
            parameters=parameters,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        llm_model_definition_schema.additional_properties = additional_properties
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
