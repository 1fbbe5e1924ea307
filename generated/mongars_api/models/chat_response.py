from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.speech_turn_schema import SpeechTurnSchema


T = TypeVar("T", bound="ChatResponse")


@_attrs_define
class ChatResponse:
    """The assistant's answer to a chat message."""

    confidence: float
    """ The server's confidence in the answer, 0 to 1. """
    processing_time: float
    """ Seconds the server spent answering. """
    response: str
    """ The answer text. """
    speech_turn: SpeechTurnSchema
    """ An answer split into timed segments for speech output. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        confidence = self.confidence

        processing_time = self.processing_time

        response = self.response

        speech_turn = self.speech_turn.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "confidence": confidence,
                "processing_time": processing_time,
                "response": response,
                "speech_turn": speech_turn,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.speech_turn_schema import SpeechTurnSchema

        d = dict(src_dict)
        confidence = d.pop("confidence")
        if not (type(confidence) is float or type(confidence) is int):
            raise TypeError(
                f"confidence: expected a number, got {type(confidence).__name__}"
            )

        processing_time = d.pop("processing_time")
        if not (type(processing_time) is float or type(processing_time) is int):
            raise TypeError(
                f"processing_time: expected a number, got {type(processing_time).__name__}"
            )

        response = d.pop("response")
        if not (type(response) is str):
            raise TypeError(
                f"response: expected a string, got {type(response).__name__}"
            )

        _speech_turn = d.pop("speech_turn")
        if not isinstance(_speech_turn, dict):
            raise TypeError(
                f"speech_turn: expected an object, got {type(_speech_turn).__name__}"
            )
        speech_turn = SpeechTurnSchema.from_dict(_speech_turn)

        chat_response = cls(
            confidence=confidence,
            processing_time=processing_time,
            response=response,
            speech_turn=speech_turn,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        chat_response.additional_properties = additional_properties
        return chat_response

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
