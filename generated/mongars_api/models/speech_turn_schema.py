from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.speech_segment_schema import SpeechSegmentSchema


T = TypeVar("T", bound="SpeechTurnSchema")


@_attrs_define
class SpeechTurnSchema:
    """An answer split into timed segments for speech output."""

    average_words_per_second: float
    """ Speaking rate used for the timings. """
    created_at: datetime.datetime
    """ When the turn was produced. """
    segments: list[SpeechSegmentSchema]
    """ The turn split into segments, in speaking order. """
    tempo: float
    """ Relative speaking tempo. """
    text: str
    """ The full text of the turn. """
    turn_id: str
    """ Identifier of this turn. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        average_words_per_second = self.average_words_per_second

        created_at = self.created_at.isoformat()

        segments = []
        for segments_item_data in self.segments:
            segments_item = segments_item_data.to_dict()
            segments.append(segments_item)

        tempo = self.tempo

        text = self.text

        turn_id = self.turn_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "average_words_per_second": average_words_per_second,
                "created_at": created_at,
                "segments": segments,
                "tempo": tempo,
                "text": text,
                "turn_id": turn_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.speech_segment_schema import SpeechSegmentSchema

        d = dict(src_dict)
        average_words_per_second = d.pop("average_words_per_second")
        if not (
            type(average_words_per_second) is float
            or type(average_words_per_second) is int
        ):
            raise TypeError(
                f"average_words_per_second: expected a number, got {type(average_words_per_second).__name__}"
            )

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        _segments = d.pop("segments")
        if not isinstance(_segments, list):
            raise TypeError(
                f"segments: expected an array, got {type(_segments).__name__}"
            )
        segments = []
        for segments_item_data in _segments:
            _segments_item = segments_item_data
            if not isinstance(_segments_item, dict):
                raise TypeError(
                    f"segments_item: expected an object, got {type(_segments_item).__name__}"
                )
            segments_item = SpeechSegmentSchema.from_dict(_segments_item)

            segments.append(segments_item)

        tempo = d.pop("tempo")
        if not (type(tempo) is float or type(tempo) is int):
            raise TypeError(f"tempo: expected a number, got {type(tempo).__name__}")

        text = d.pop("text")
        if not (type(text) is str):
            raise TypeError(f"text: expected a string, got {type(text).__name__}")

        turn_id = d.pop("turn_id")
        if not (type(turn_id) is str):
            raise TypeError(f"turn_id: expected a string, got {type(turn_id).__name__}")

        speech_turn_schema = cls(
            average_words_per_second=average_words_per_second,
            created_at=created_at,
            segments=segments,
            tempo=tempo,
            text=text,
            turn_id=turn_id,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        speech_turn_schema.additional_properties = additional_properties
        return speech_turn_schema

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
