from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.llm_model_definition_schema import LLMModelDefinitionSchema


T = TypeVar("T", bound="LLMModelProfileSummaryModels")


@_attrs_define
class LLMModelProfileSummaryModels:
    additional_properties: dict[str, LLMModelDefinitionSchema] = _attrs_field(
        init=False, factory=dict
    )

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        for prop_name, prop in self.additional_properties.items():
            field_dict[prop_name] = prop.to_dict()

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.llm_model_definition_schema import LLMModelDefinitionSchema

        d = dict(src_dict)
        llm_model_profile_summary_models = cls()

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            _additional_property = prop_dict
            if not isinstance(_additional_property, dict):
                raise TypeError(
                    f"AdditionalProperty: expected an object, got {type(_additional_property).__name__}"
                )
            additional_property = LLMModelDefinitionSchema.from_dict(
                _additional_property
            )

            additional_properties[prop_name] = additional_property

        llm_model_profile_summary_models.additional_properties = additional_properties
        return llm_model_profile_summary_models

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> LLMModelDefinitionSchema:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: LLMModelDefinitionSchema) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
