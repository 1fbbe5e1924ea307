from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.rag_reference_schema import RagReferenceSchema


T = TypeVar("T", bound="RagContextResponse")


@_attrs_define
class RagContextResponse:
    """Code references related to a query."""

    enabled: bool | Unset = True
    focus_areas: list[str] | Unset = UNSET
    references: list[RagReferenceSchema] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        enabled = self.enabled

        focus_areas: list[str] | Unset = UNSET
        if not isinstance(self.focus_areas, Unset):
            focus_areas = self.focus_areas

        references: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.references, Unset):
            references = []
            for references_item_data in self.references:
                references_item = references_item_data.to_dict()
                references.append(references_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if focus_areas is not UNSET:
            field_dict["focus_areas"] = focus_areas
        if references is not UNSET:
            field_dict["references"] = references

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.rag_reference_schema import RagReferenceSchema

        d = dict(src_dict)
        enabled = d.pop("enabled", UNSET)
        if not (type(enabled) is bool) and enabled is not UNSET:
            raise TypeError(
                f"enabled: expected a boolean, got {type(enabled).__name__}"
            )

        _focus_areas = d.pop("focus_areas", UNSET)
        focus_areas: list[str] | Unset = UNSET
        if not isinstance(_focus_areas, Unset):
            if not isinstance(_focus_areas, list):
                raise TypeError(
                    f"focus_areas: expected an array, got {type(_focus_areas).__name__}"
                )
            focus_areas = []
            for focus_areas_item_data in _focus_areas:
                focus_areas_item = focus_areas_item_data
                if not (type(focus_areas_item) is str):
                    raise TypeError(
                        f"focus_areas_item: expected a string, got {type(focus_areas_item).__name__}"
                    )

                focus_areas.append(focus_areas_item)

        _references = d.pop("references", UNSET)
        references: list[RagReferenceSchema] | Unset = UNSET
        if not isinstance(_references, Unset):
            if not isinstance(_references, list):
                raise TypeError(
                    f"references: expected an array, got {type(_references).__name__}"
                )
            references = []
            for references_item_data in _references:
                _references_item = references_item_data
                if not isinstance(_references_item, dict):
                    raise TypeError(
                        f"references_item: expected an object, got {type(_references_item).__name__}"
                    )
                references_item = RagReferenceSchema.from_dict(_references_item)

                references.append(references_item)

        rag_context_response = cls(
            enabled=enabled,
            focus_areas=focus_areas,
            references=references,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        rag_context_response.additional_properties = additional_properties
        return rag_context_response

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
