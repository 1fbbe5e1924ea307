from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SpeechSegmentSchema")


@_attrs_define
class SpeechSegmentSchema:
    """One spoken segment of an answer, with its timing."""

    estimated_duration: float
    """ Seconds the segment takes to say. """
    pause_after: float
    """ Seconds of silence after the segment. """
    text: str
    """ Text of the segment. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        estimated_duration = self.estimated_duration

        pause_after = self.pause_after

        text = self.text

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "estimated_duration": estimated_duration,
                "pause_after": pause_after,
                "text": text,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        estimated_duration = d.pop("estimated_duration")
        if not (type(estimated_duration) is float or type(estimated_duration) is int):
            raise TypeError(
                f"estimated_duration: expected a number, got {type(estimated_duration).__name__}"
            )

        pause_after = d.pop("pause_after")
        if not (type(pause_after) is float or type(pause_after) is int):
            raise TypeError(
                f"pause_after: expected a number, got {type(pause_after).__name__}"
            )

        text = d.pop("text")
        if not (type(text) is str):
            raise TypeError(f"text: expected a string, got {type(text).__name__}")

        speech_segment_schema = cls(
            estimated_duration=estimated_duration,
            pause_after=pause_after,
            text=text,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        speech_segment_schema.additional_properties = additional_properties
        return speech_segment_schema

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
