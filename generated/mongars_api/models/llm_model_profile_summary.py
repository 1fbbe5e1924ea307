from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.llm_model_profile_summary_models import LLMModelProfileSummaryModels


T = TypeVar("T", bound="LLMModelProfileSummary")


@_attrs_define
class LLMModelProfileSummary:
    """A named model profile and the models it defines, keyed by role."""

    models: LLMModelProfileSummaryModels
    name: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        models = self.models.to_dict()

        name = self.name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "models": models,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.llm_model_profile_summary_models import (
            LLMModelProfileSummaryModels,
        )

        d = dict(src_dict)
        _models = d.pop("models")
        if not isinstance(_models, dict):
            raise TypeError(f"models: expected an object, got {type(_models).__name__}")
        models = LLMModelProfileSummaryModels.from_dict(_models)

        name = d.pop("name")
        if not (type(name) is str):
            raise TypeError(f"name: expected a string, got {type(name).__name__}")

        llm_model_profile_summary = cls(
            models=models,
            name=name,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        llm_model_profile_summary.additional_properties = additional_properties
        return llm_model_profile_summary

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
