from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PeerLoadSnapshot")


@_attrs_define
class PeerLoadSnapshot:
    """A scheduler's load figures."""

    active_workers: int | Unset = 0
    concurrency: int | Unset = 0
    load_factor: float | Unset = 0.0
    queue_depth: int | Unset = 0
    scheduler_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active_workers = self.active_workers

        concurrency = self.concurrency

        load_factor = self.load_factor

        queue_depth = self.queue_depth

        scheduler_id: None | str | Unset
        if isinstance(self.scheduler_id, Unset):
            scheduler_id = UNSET
        else:
            scheduler_id = self.scheduler_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if active_workers is not UNSET:
            field_dict["active_workers"] = active_workers
        if concurrency is not UNSET:
            field_dict["concurrency"] = concurrency
        if load_factor is not UNSET:
            field_dict["load_factor"] = load_factor
        if queue_depth is not UNSET:
            field_dict["queue_depth"] = queue_depth
        if scheduler_id is not UNSET:
            field_dict["scheduler_id"] = scheduler_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        active_workers = d.pop("active_workers", UNSET)
        if not (type(active_workers) is int) and active_workers is not UNSET:
            raise TypeError(
                f"active_workers: expected an integer, got {type(active_workers).__name__}"
            )

        concurrency = d.pop("concurrency", UNSET)
        if not (type(concurrency) is int) and concurrency is not UNSET:
            raise TypeError(
                f"concurrency: expected an integer, got {type(concurrency).__name__}"
            )

        load_factor = d.pop("load_factor", UNSET)
        if (
            not (type(load_factor) is float or type(load_factor) is int)
            and load_factor is not UNSET
        ):
            raise TypeError(
                f"load_factor: expected a number, got {type(load_factor).__name__}"
            )

        queue_depth = d.pop("queue_depth", UNSET)
        if not (type(queue_depth) is int) and queue_depth is not UNSET:
            raise TypeError(
                f"queue_depth: expected an integer, got {type(queue_depth).__name__}"
            )

        def _parse_scheduler_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not type(data) is str:
                    raise TypeError()
                scheduler_id_type_0 = data
                if not (type(scheduler_id_type_0) is str):
                    raise TypeError(
                        f"scheduler_id_type_0: expected a string, got {type(scheduler_id_type_0).__name__}"
                    )

                return scheduler_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            scheduler_id_type_1 = data
            if not (scheduler_id_type_1 is None):
                raise TypeError(
                    f"scheduler_id_type_1: expected null, got {type(scheduler_id_type_1).__name__}"
                )

            return scheduler_id_type_1

        scheduler_id = _parse_scheduler_id(d.pop("scheduler_id", UNSET))

        peer_load_snapshot = cls(
            active_workers=active_workers,
            concurrency=concurrency,
            load_factor=load_factor,
            queue_depth=queue_depth,
            scheduler_id=scheduler_id,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        peer_load_snapshot.additional_properties = additional_properties
        return peer_load_snapshot

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
