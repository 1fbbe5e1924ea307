from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="RagReferenceSchema")


@_attrs_define
class RagReferenceSchema:
    """One code reference: where it is and why it matters."""

    file_path: str
    repository: str
    summary: str
    score: float | None | Unset = UNSET
    url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file_path = self.file_path

        repository = self.repository

        summary = self.summary

        score: float | None | Unset
        if isinstance(self.score, Unset):
            score = UNSET
        else:
            score = self.score

        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file_path": file_path,
                "repository": repository,
                "summary": summary,
            }
        )
        if score is not UNSET:
            field_dict["score"] = score
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        file_path = d.pop("file_path")
        if not (type(file_path) is str):
            raise TypeError(
                f"file_path: expected a string, got {type(file_path).__name__}"
            )

        repository = d.pop("repository")
        if not (type(repository) is str):
            raise TypeError(
                f"repository: expected a string, got {type(repository).__name__}"
            )

        summary = d.pop("summary")
        if not (type(summary) is str):
            raise TypeError(f"summary: expected a string, got {type(summary).__name__}")

        def _parse_score(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not (type(data) is float or type(data) is int):
                    raise TypeError()
                score_type_0 = data
                if not (type(score_type_0) is float or type(score_type_0) is int):
                    raise TypeError(
                        f"score_type_0: expected a number, got {type(score_type_0).__name__}"
                    )

                return score_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            score_type_1 = data
            if not (score_type_1 is None):
                raise TypeError(
                    f"score_type_1: expected null, got {type(score_type_1).__name__}"
                )

            return score_type_1

        score = _parse_score(d.pop("score", UNSET))

        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not type(data) is str:
                    raise TypeError()
                url_type_0 = data
                if not (type(url_type_0) is str):
                    raise TypeError(
                        f"url_type_0: expected a string, got {type(url_type_0).__name__}"
                    )

                return url_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            url_type_1 = data
            if not (url_type_1 is None):
                raise TypeError(
                    f"url_type_1: expected null, got {type(url_type_1).__name__}"
                )

            return url_type_1

        url = _parse_url(d.pop("url", UNSET))

        rag_reference_schema = cls(
            file_path=file_path,
            repository=repository,
            summary=summary,
            score=score,
            url=url,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        rag_reference_schema.additional_properties = additional_properties
        return rag_reference_schema

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
