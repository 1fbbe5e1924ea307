from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="RagContextRequest")


@_attrs_define
class RagContextRequest:
    """A query for related code, optionally limited to some repositories."""

    query: str
    max_results: int | None | Unset = UNSET
    repositories: list[str] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        query = self.query

        max_results: int | None | Unset
        if isinstance(self.max_results, Unset):
            max_results = UNSET
        else:
            max_results = self.max_results

        repositories: list[str] | None | Unset
        if isinstance(self.repositories, Unset):
            repositories = UNSET
        elif isinstance(self.repositories, list):
            repositories = self.repositories

        else:
            repositories = self.repositories

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "query": query,
            }
        )
        if max_results is not UNSET:
            field_dict["max_results"] = max_results
        if repositories is not UNSET:
            field_dict["repositories"] = repositories

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        query = d.pop("query")
        if not (type(query) is str):
            raise TypeError(f"query: expected a string, got {type(query).__name__}")

        def _parse_max_results(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not type(data) is int:
                    raise TypeError()
                max_results_type_0 = data
                if not (type(max_results_type_0) is int):
                    raise TypeError(
                        f"max_results_type_0: expected an integer, got {type(max_results_type_0).__name__}"
                    )

                return max_results_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            max_results_type_1 = data
            if not (max_results_type_1 is None):
                raise TypeError(
                    f"max_results_type_1: expected null, got {type(max_results_type_1).__name__}"
                )

            return max_results_type_1

        max_results = _parse_max_results(d.pop("max_results", UNSET))

        def _parse_repositories(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                _repositories_type_0 = data
                if not isinstance(_repositories_type_0, list):
                    raise TypeError(
                        f"repositories_type_0: expected an array, got {type(_repositories_type_0).__name__}"
                    )
                repositories_type_0 = []
                for repositories_type_0_item_data in _repositories_type_0:
                    repositories_type_0_item = repositories_type_0_item_data
                    if not (type(repositories_type_0_item) is str):
                        raise TypeError(
                            f"repositories_type_0_item: expected a string, got {type(repositories_type_0_item).__name__}"
                        )

                    repositories_type_0.append(repositories_type_0_item)

                return repositories_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            repositories_type_1 = data
            if not (repositories_type_1 is None):
                raise TypeError(
                    f"repositories_type_1: expected null, got {type(repositories_type_1).__name__}"
                )

            return repositories_type_1

        repositories = _parse_repositories(d.pop("repositories", UNSET))

        rag_context_request = cls(
            query=query,
            max_results=max_results,
            repositories=repositories,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        rag_context_request.additional_properties = additional_properties
        return rag_context_request

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
