from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

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
            if not data is None:
                raise TypeError()
            observed_at_type_1 = data
            if not (observed_at_type_1 is None):
                raise TypeError(
                    f"observed_at_type_1: expected null, got {type(observed_at_type_1).__name__}"
                )

            return observed_at_type_1

        observed_at = _parse_observed_at(d.pop("observed_at", UNSET))

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

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not type(data) is str:
                    raise TypeError()
                source_type_0 = data
                if not (type(source_type_0) is str):
                    raise TypeError(
                        f"source_type_0: expected a string, got {type(source_type_0).__name__}"
                    )

                return source_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            source_type_1 = data
            if not (source_type_1 is None):
                raise TypeError(
                    f"source_type_1: expected null, got {type(source_type_1).__name__}"
                )

            return source_type_1

        source = _parse_source(d.pop("source", UNSET))

        task_failure_rate = d.pop("task_failure_rate", UNSET)
        if (
            not (type(task_failure_rate) is float or type(task_failure_rate) is int)
            and task_failure_rate is not UNSET
        ):
            raise TypeError(
                f"task_failure_rate: expected a number, got {type(task_failure_rate).__name__}"
            )

        tasks_failed = d.pop("tasks_failed", UNSET)
        if not (type(tasks_failed) is int) and tasks_failed is not UNSET:
            raise TypeError(
                f"tasks_failed: expected an integer, got {type(tasks_failed).__name__}"
            )

        tasks_processed = d.pop("tasks_processed", UNSET)
        if not (type(tasks_processed) is int) and tasks_processed is not UNSET:
            raise TypeError(
                f"tasks_processed: expected an integer, got {type(tasks_processed).__name__}"
            )

        worker_uptime_seconds = d.pop("worker_uptime_seconds", UNSET)
        if (
            not (
                type(worker_uptime_seconds) is float
                or type(worker_uptime_seconds) is int
            )
            and worker_uptime_seconds is not UNSET
        ):
            raise TypeError(
                f"worker_uptime_seconds: expected a number, got {type(worker_uptime_seconds).__name__}"
            )

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

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        peer_telemetry_payload.additional_properties = additional_properties
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
