from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ChatRequest")


@_attrs_define
class ChatRequest:
    """A chat message from the user, with optional session and approval context."""

    message: str
    """ The user's message: 1 to 1000 characters, not blank. """
    allowed_actions: list[str] | None | Unset = UNSET
    """ Actions the assistant may take for this message. """
    approval_token: None | str | Unset = UNSET
    """ Token of an operator approval granted for this message. """
    session_id: None | str | Unset = UNSET
    """ Groups messages into one conversation session. """
    token_ref: None | str | Unset = UNSET
    """ Reference of the approval token. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        message = self.message

        allowed_actions: list[str] | None | Unset
        if isinstance(self.allowed_actions, Unset):
            allowed_actions = UNSET
        elif isinstance(self.allowed_actions, list):
            allowed_actions = self.allowed_actions

        else:
            allowed_actions = self.allowed_actions

        approval_token: None | str | Unset
        if isinstance(self.approval_token, Unset):
            approval_token = UNSET
        else:
            approval_token = self.approval_token

        session_id: None | str | Unset
        if isinstance(self.session_id, Unset):
            session_id = UNSET
        else:
            session_id = self.session_id

        token_ref: None | str | Unset
        if isinstance(self.token_ref, Unset):
            token_ref = UNSET
        else:
            token_ref = self.token_ref

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "message": message,
            }
        )
        if allowed_actions is not UNSET:
            field_dict["allowed_actions"] = allowed_actions
        if approval_token is not UNSET:
            field_dict["approval_token"] = approval_token
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if token_ref is not UNSET:
            field_dict["token_ref"] = token_ref

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        message = d.pop("message")
        if not (type(message) is str):
            raise TypeError(f"message: expected a string, got {type(message).__name__}")

        def _parse_allowed_actions(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                _allowed_actions_type_0 = data
                if not isinstance(_allowed_actions_type_0, list):
                    raise TypeError(
                        f"allowed_actions_type_0: expected an array, got {type(_allowed_actions_type_0).__name__}"
                    )
                allowed_actions_type_0 = []
                for allowed_actions_type_0_item_data in _allowed_actions_type_0:
                    allowed_actions_type_0_item = allowed_actions_type_0_item_data
                    if not (type(allowed_actions_type_0_item) is str):
                        raise TypeError(
                            f"allowed_actions_type_0_item: expected a string, got {type(allowed_actions_type_0_item).__name__}"
                        )

                    allowed_actions_type_0.append(allowed_actions_type_0_item)

                return allowed_actions_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            allowed_actions_type_1 = data
            if not (allowed_actions_type_1 is None):
                raise TypeError(
                    f"allowed_actions_type_1: expected null, got {type(allowed_actions_type_1).__name__}"
                )

            return allowed_actions_type_1

        allowed_actions = _parse_allowed_actions(d.pop("allowed_actions", UNSET))

        def _parse_approval_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not type(data) is str:
                    raise TypeError()
                approval_token_type_0 = data
                if not (type(approval_token_type_0) is str):
                    raise TypeError(
                        f"approval_token_type_0: expected a string, got {type(approval_token_type_0).__name__}"
                    )

                return approval_token_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            approval_token_type_1 = data
            if not (approval_token_type_1 is None):
                raise TypeError(
                    f"approval_token_type_1: expected null, got {type(approval_token_type_1).__name__}"
                )

            return approval_token_type_1

        approval_token = _parse_approval_token(d.pop("approval_token", UNSET))

        def _parse_session_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not type(data) is str:
                    raise TypeError()
                session_id_type_0 = data
                if not (type(session_id_type_0) is str):
                    raise TypeError(
                        f"session_id_type_0: expected a string, got {type(session_id_type_0).__name__}"
                    )

                return session_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            session_id_type_1 = data
            if not (session_id_type_1 is None):
                raise TypeError(
                    f"session_id_type_1: expected null, got {type(session_id_type_1).__name__}"
                )

            return session_id_type_1

        session_id = _parse_session_id(d.pop("session_id", UNSET))

        def _parse_token_ref(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not type(data) is str:
                    raise TypeError()
                token_ref_type_0 = data
                if not (type(token_ref_type_0) is str):
                    raise TypeError(
                        f"token_ref_type_0: expected a string, got {type(token_ref_type_0).__name__}"
                    )

                return token_ref_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not data is None:
                raise TypeError()
            token_ref_type_1 = data
            if not (token_ref_type_1 is None):
                raise TypeError(
                    f"token_ref_type_1: expected null, got {type(token_ref_type_1).__name__}"
                )

            return token_ref_type_1

        token_ref = _parse_token_ref(d.pop("token_ref", UNSET))

        chat_request = cls(
            message=message,
            allowed_actions=allowed_actions,
            approval_token=approval_token,
            session_id=session_id,
            token_ref=token_ref,
        )

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional = prop_dict

            additional_properties[prop_name] = additional

        chat_request.additional_properties = additional_properties
        return chat_request

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
