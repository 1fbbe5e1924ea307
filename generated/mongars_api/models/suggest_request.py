from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SuggestRequest")


@_attrs_define
class SuggestRequest:
    """A prompt and, optionally, the UI actions to rank."""

    prompt: str
    actions: list[str] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        prompt = self.prompt

        actions: list[str] | None | Unset
        if isinstance(self.actions, Unset):
            actions = UNSET
        elif isinstance(self.actions, list):
            actions = self.actions

        else:
            actions = self.actions

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "prompt": prompt,
            }
        )
        if actions is not UNSET:
            field_dict["actions"] = actions

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        prompt = d.pop("prompt")
        if not (type(prompt) is str):
            raise TypeError(f"prompt: expected a string, got {type(prompt).__name__}")

        def _parse_actions(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                _actions_type_0 = data
                if not isinstance(_actions_type_0, list):
                    raise TypeError(
                        f"actions_type_0: expected an array, got {type(_actions_type_0).__name__}"
                    )
                actions_type_0 = []
                for actions_type_0_item_data in _actions_type_0:
                    actions_type_0_item = actions_type_0_item_data
                    if not (type(actions_type_0_item) is str):
                        raise TypeError(
                            f"actions_type_0_item: expected a string, got {type(actions_type_0_item).__name__}"
                        )

                    actions_type_0.append(actions_type_0_item)

                return actions_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            actions_type_1 = data
            if not (actions_type_1 is None):
                raise TypeError(
                    f"actions_type_1: expected null, got {type(actions_type_1).__name__}"
                )

            return actions_type_1

        actions = _parse_actions(d.pop("actions", UNSET))

        suggest_request = cls(
            prompt=prompt,
            actions=actions,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        suggest_request.additional_properties = additional_properties
        return suggest_request

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
