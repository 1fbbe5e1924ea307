from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.suggest_response_scores import SuggestResponseScores


T = TypeVar("T", bound="SuggestResponse")


@_attrs_define
class SuggestResponse:
    """UI actions ranked for a prompt, with their scores."""

    actions: list[str]
    model: str
    scores: SuggestResponseScores
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        actions = self.actions

        model = self.model

        scores = self.scores.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actions": actions,
                "model": model,
                "scores": scores,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.suggest_response_scores import SuggestResponseScores

        d = dict(src_dict)
        _actions = d.pop("actions")
        if not isinstance(_actions, list):
            raise TypeError(
                f"actions: expected an array, got {type(_actions).__name__}"
            )
        actions = []
        for actions_item_data in _actions:
            actions_item = actions_item_data
            if not (type(actions_item) is str):
                raise TypeError(
                    f"actions_item: expected a string, got {type(actions_item).__name__}"
                )

            actions.append(actions_item)

        model = d.pop("model")
        if not (type(model) is str):
            raise TypeError(f"model: expected a string, got {type(model).__name__}")

        _scores = d.pop("scores")
        if not isinstance(_scores, dict):
            raise TypeError(f"scores: expected an object, got {type(_scores).__name__}")
        scores = SuggestResponseScores.from_dict(_scores)

        suggest_response = cls(
            actions=actions,
            model=model,
            scores=scores,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        suggest_response.additional_properties = additional_properties
        return suggest_response

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
