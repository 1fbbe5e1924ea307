from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.llm_model_provision_status_response import (
        LLMModelProvisionStatusResponse,
    )


T = TypeVar("T", bound="LLMModelProvisionReportResponse")


@_attrs_define
class LLMModelProvisionReportResponse:
    """What provisioning did, one entry per model."""

    statuses: list[LLMModelProvisionStatusResponse]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        statuses = []
        for statuses_item_data in self.statuses:
            statuses_item = statuses_item_data.to_dict()
            statuses.append(statuses_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "statuses": statuses,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.llm_model_provision_status_response import (
            LLMModelProvisionStatusResponse,
        )

        d = dict(src_dict)
        _statuses = d.pop("statuses")
        if not isinstance(_statuses, list):
            raise TypeError(
                f"statuses: expected an array, got {type(_statuses).__name__}"
            )
        statuses = []
        for statuses_item_data in _statuses:
            _statuses_item = statuses_item_data
            if not isinstance(_statuses_item, dict):
                raise TypeError(
                    f"statuses_item: expected an object, got {type(_statuses_item).__name__}"
                )
            statuses_item = LLMModelProvisionStatusResponse.from_dict(_statuses_item)

            statuses.append(statuses_item)

        llm_model_provision_report_response = cls(
            statuses=statuses,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        llm_model_provision_report_response.additional_properties = (
            additional_properties
        )
        return llm_model_provision_report_response

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
