from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.llm_health_response_backend import LLMHealthResponseBackend
from ..models.llm_health_response_status import LLMHealthResponseStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="LLMHealthResponse")


@_attrs_define
class LLMHealthResponse:
    """State of the language-model backend."""

    backend: LLMHealthResponseBackend
    status: LLMHealthResponseStatus
    detail: None | str | Unset = UNSET
    last_check: float | None | Unset = UNSET
    model: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        backend = self.backend.value

        status = self.status.value

        detail: None | str | Unset
        if isinstance(self.detail, Unset):
            detail = UNSET
        else:
            detail = self.detail

        last_check: float | None | Unset
        if isinstance(self.last_check, Unset):
            last_check = UNSET
        else:
            last_check = self.last_check

        model: None | str | Unset
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "backend": backend,
                "status": status,
            }
        )
        if detail is not UNSET:
            field_dict["detail"] = detail
        if last_check is not UNSET:
            field_dict["last_check"] = last_check
        if model is not UNSET:
            field_dict["model"] = model

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        backend = LLMHealthResponseBackend(d.pop("backend"))

        status = LLMHealthResponseStatus(d.pop("status"))

        def _parse_detail(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not type(data) is str:
                    raise TypeError()
                detail_type_0 = data
                if not (type(detail_type_0) is str):
                    raise TypeError(
                        f"detail_type_0: expected a string, got {type(detail_type_0).__name__}"
                    )

                return detail_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            detail_type_1 = data
            if not (detail_type_1 is None):
                raise TypeError(
                    f"detail_type_1: expected null, got {type(detail_type_1).__name__}"
                )

            return detail_type_1

        detail = _parse_detail(d.pop("detail", UNSET))

        def _parse_last_check(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not (type(data) is float or type(data) is int):
                    raise TypeError()
                last_check_type_0 = data
                if not (
                    type(last_check_type_0) is float or type(last_check_type_0) is int
                ):
                    raise TypeError(
                        f"last_check_type_0: expected a number, got {type(last_check_type_0).__name__}"
                    )

                return last_check_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            last_check_type_1 = data
            if not (last_check_type_1 is None):
                raise TypeError(
                    f"last_check_type_1: expected null, got {type(last_check_type_1).__name__}"
                )

            return last_check_type_1

        last_check = _parse_last_check(d.pop("last_check", UNSET))

        def _parse_model(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not type(data) is str:
                    raise TypeError()
                model_type_0 = data
                if not (type(model_type_0) is str):
                    raise TypeError(
                        f"model_type_0: expected a string, got {type(model_type_0).__name__}"
                    )

                return model_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            model_type_1 = data
            if not (model_type_1 is None):
                raise TypeError(
                    f"model_type_1: expected null, got {type(model_type_1).__name__}"
                )

            return model_type_1

        model = _parse_model(d.pop("model", UNSET))

        llm_health_response = cls(
            backend=backend,
            status=status,
            detail=detail,
            last_check=last_check,
            model=model,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        llm_health_response.additional_properties = additional_properties
        return llm_health_response

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
