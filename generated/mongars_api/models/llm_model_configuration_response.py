from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.llm_model_profile_summary import LLMModelProfileSummary


T = TypeVar("T", bound="LLMModelConfigurationResponse")


@_attrs_define
class LLMModelConfigurationResponse:
    """The active model profile and the profiles available."""

    active_profile: str
    available_profiles: list[str]
    profile: LLMModelProfileSummary
    """ A named model profile and the models it defines, keyed by role. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active_profile = self.active_profile

        available_profiles = self.available_profiles

        profile = self.profile.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active_profile": active_profile,
                "available_profiles": available_profiles,
                "profile": profile,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.llm_model_profile_summary import LLMModelProfileSummary

        d = dict(src_dict)
        active_profile = d.pop("active_profile")
        if not (type(active_profile) is str):
            raise TypeError(
                f"active_profile: expected a string, got {type(active_profile).__name__}"
            )

        _available_profiles = d.pop("available_profiles")
        if not isinstance(_available_profiles, list):
            raise TypeError(
                f"available_profiles: expected an array, got {type(_available_profiles).__name__}"
            )
        available_profiles = []
        for available_profiles_item_data in _available_profiles:
            available_profiles_item = available_profiles_item_data
            if not (type(available_profiles_item) is str):
                raise TypeError(
                    f"available_profiles_item: expected a string, got {type(available_profiles_item).__name__}"
                )

            available_profiles.append(available_profiles_item)

        _profile = d.pop("profile")
        if not isinstance(_profile, dict):
            raise TypeError(
                f"profile: expected an object, got {type(_profile).__name__}"
            )
        profile = LLMModelProfileSummary.from_dict(_profile)

        llm_model_configuration_response = cls(
            active_profile=active_profile,
            available_profiles=available_profiles,
            profile=profile,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        llm_model_configuration_response.additional_properties = additional_properties
        return llm_model_configuration_response

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
