from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.peer_telemetry_payload import PeerTelemetryPayload


T = TypeVar("T", bound="PeerTelemetryEnvelope")


@_attrs_define
class PeerTelemetryEnvelope:
    """Telemetry snapshots for this node and its peers."""

    telemetry: list[PeerTelemetryPayload] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        telemetry: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.telemetry, Unset):
            telemetry = []
            for telemetry_item_data in self.telemetry:
                telemetry_item = telemetry_item_data.to_dict()
                telemetry.append(telemetry_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if telemetry is not UNSET:
            field_dict["telemetry"] = telemetry

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.peer_telemetry_payload import PeerTelemetryPayload

        d = dict(src_dict)
        _telemetry = d.pop("telemetry", UNSET)
        telemetry: list[PeerTelemetryPayload] | Unset = UNSET
        if not isinstance(_telemetry, Unset):
            if not isinstance(_telemetry, list):
                raise TypeError(
                    f"telemetry: expected an array, got {type(_telemetry).__name__}"
                )
            telemetry = []
            for telemetry_item_data in _telemetry:
                _telemetry_item = telemetry_item_data
                if not isinstance(_telemetry_item, dict):
                    raise TypeError(
                        f"telemetry_item: expected an object, got {type(_telemetry_item).__name__}"
                    )
                telemetry_item = PeerTelemetryPayload.from_dict(_telemetry_item)

                telemetry.append(telemetry_item)

        peer_telemetry_envelope = cls(
            telemetry=telemetry,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        peer_telemetry_envelope.additional_properties = additional_properties
        return peer_telemetry_envelope

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
