from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ValidationError")


@_attrs_define
class ValidationError:
    """One field that failed validation."""

    loc: list[int | str]
    """ Where the error is: `body`, `query` ..., then the field path. """
    msg: str
    """ What is wrong, in words. """
    type_: str
    """ Machine-readable kind of error. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        loc = []
        for loc_item_data in self.loc:
            loc_item: int | str
            loc_item = loc_item_data
            loc.append(loc_item)

        msg = self.msg

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "loc": loc,
                "msg": msg,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        _loc = d.pop("loc")
        if not isinstance(_loc, list):
            raise TypeError(f"loc: expected an array, got {type(_loc).__name__}")
        loc = []
        for loc_item_data in _loc:

            def _parse_loc_item(data: object) -> int | str:
                try:
                    if not type(data) is str:
                        raise TypeError()
                    loc_item_type_0 = data
                    if not (type(loc_item_type_0) is str):
                        raise TypeError(
                            f"loc_item_type_0: expected a string, got {type(loc_item_type_0).__name__}"
                        )

                    return loc_item_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not type(data) is int:
                    raise TypeError()
                loc_item_type_1 = data
                if not (type(loc_item_type_1) is int):
                    raise TypeError(
                        f"loc_item_type_1: expected an integer, got {type(loc_item_type_1).__name__}"
                    )

                return loc_item_type_1

            loc_item = _parse_loc_item(loc_item_data)

            loc.append(loc_item)

        msg = d.pop("msg")
        if not (type(msg) is str):
            raise TypeError(f"msg: expected a string, got {type(msg).__name__}")

        type_ = d.pop("type")
        if not (type(type_) is str):
            raise TypeError(f"type: expected a string, got {type(type_).__name__}")

        validation_error = cls(
            loc=loc,
            msg=msg,
            type_=type_,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        validation_error.additional_properties = additional_properties
        return validation_error

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
