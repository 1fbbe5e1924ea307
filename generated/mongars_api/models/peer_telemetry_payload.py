from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PeerTelemetryPayload")


@_attrs_define
class PeerTelemetryPayload:
    """A scheduler's telemetry snapshot."""

    active_workers: int | Unset = 0
    concurrency: int | Unset = 0
    load_factor: float | Unset = 0.0
    observed_at: datetime.datetime | None | Unset = UNSET
    queue_depth: int | Unset = 0
    scheduler_id: None | str | Unset = UNSET
    source: None | str | Unset = UNSET
    task_failure_rate: float | Unset = 0.0
    tasks_failed: int | Unset = 0
    tasks_processed: int | Unset = 0
    worker_uptime_seconds: float | Unset = 0.0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active_workers = self.active_workers

        concurrency = self.concurrency

        load_factor = self.load_factor

        observed_at: None | str | Unset
        if isinstance(self.observed_at, Unset):
            observed_at = UNSET
        elif isinstance(self.observed_at, datetime.datetime):
            observed_at = self.observed_at.isoformat()
        else:
            observed_at = self.observed_at

        queue_depth = self.queue_depth

        scheduler_id: None | str | Unset
        if isinstance(self.scheduler_id, Unset):
            scheduler_id = UNSET
        else:
            scheduler_id = self.scheduler_id

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        task_failure_rate = self.task_failure_rate

        tasks_failed = self.tasks_failed

        tasks_processed = self.tasks_processed

        worker_uptime_seconds = self.worker_uptime_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if active_workers is not UNSET:
            field_dict["active_workers"] = active_workers
        if concurrency is not UNSET:
            field_dict["concurrency"] = concurrency
        if load_factor is not UNSET:
            field_dict["load_factor"] = load_factor
        if observed_at is not UNSET:
            field_dict["observed_at"] = observed_at
        if queue_depth is not UNSET:
            field_dict["queue_depth"] = queue_depth
        if scheduler_id is not UNSET:
            field_dict["scheduler_id"] = scheduler_id
        if source is not UNSET:
            field_dict["source"] = source
        if task_failure_rate is not UNSET:
            field_dict["task_failure_rate"] = task_failure_rate
        if tasks_failed is not UNSET:
            field_dict["tasks_failed"] = tasks_failed
        if tasks_processed is not UNSET:
            field_dict["tasks_processed"] = tasks_processed
        if worker_uptime_seconds is not UNSET:
            field_dict["worker_uptime_seconds"] = worker_uptime_seconds

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        active_workers = d.pop("active_workers", UNSET)

        concurrency = d.pop("concurrency", UNSET)

        load_factor = d.pop("load_factor", UNSET)

        def _parse_observed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                observed_at_type_0 = datetime.datetime.fromisoformat(data)

                return observed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        observed_at = _parse_observed_at(d.pop("observed_at", UNSET))

        queue_depth = d.pop("queue_depth", UNSET)

        def _parse_scheduler_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        scheduler_id = _parse_scheduler_id(d.pop("scheduler_id", UNSET))

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        task_failure_rate = d.pop("task_failure_rate", UNSET)

        tasks_failed = d.pop("tasks_failed", UNSET)

        tasks_processed = d.pop("tasks_processed", UNSET)

        worker_uptime_seconds = d.pop("worker_uptime_seconds", UNSET)

        peer_telemetry_payload = cls(
            active_workers=active_workers,
            concurrency=concurrency,
            load_factor=load_factor,
            observed_at=observed_at,
            queue_depth=queue_depth,
            scheduler_id=scheduler_id,
            source=source,
            task_failure_rate=task_failure_rate,
            tasks_failed=tasks_failed,
            tasks_processed=tasks_processed,
            worker_uptime_seconds=worker_uptime_seconds,
        )

        peer_telemetry_payload.additional_properties = d
        return peer_telemetry_payload

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
