"""Values to and from plain JSON-able dicts, and the canonical state hash.

Rules of this module (DESIGN.md "The library surface"):

- A command, event or reply is a dict with ``"type"`` set to the class name in
  snake_case plus one key per field; a ``Rejection`` is PROTOCOL.md's ``error``.
  A journal line, an offline action and a client frame are the same format.
- Decoding is strict: an integer field takes only a JSON integer (not ``true``, not
  ``"5"``, not ``5.0``), a string field only a string. Every failure is a
  ``WireError`` with the stable code ``bad_request`` or ``unknown_type`` and a
  message naming the field; nothing half-decoded escapes.
- ``state_hash`` is SHA-256 over a canonical JSON encoding (sorted keys, no
  whitespace, ASCII), so equal states have equal hashes on every platform.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, TypeVar

import cattrs
from cattrs.gen import make_dict_unstructure_fn

from .commands import COMMAND_TYPES, Command, NewPlayer
from .errors import WireError
from .events import EVENT_TYPES, Event
from .replies import REPLY_TYPES, Rejection, Reply
from .state import PlayerState

__all__ = [
    "BAD_REQUEST",
    "UNKNOWN_TYPE",
    "canonical_json",
    "command_from_wire",
    "event_from_wire",
    "record_from_wire",
    "reply_from_wire",
    "state_from_wire",
    "state_hash",
    "state_to_wire",
    "to_wire",
    "wire_name",
]

#: A value is not an object, misses a field or has an ill-typed one.
BAD_REQUEST = "bad_request"
#: The ``type`` names no known message.
UNKNOWN_TYPE = "unknown_type"

T = TypeVar("T")
WireValue = Command | NewPlayer | Event | Reply


_WIRE_NAMES: dict[type, str] = {}  # wire_name's cache: one entry per class


def wire_name(cls: type) -> str:
    """``PurchaseEnergyRefill`` → ``purchase_energy_refill`` (computed once per
    class: every keyed command's idempotency hash and every journal line ask)."""
    name = _WIRE_NAMES.get(cls)
    if name is None:
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()
        _WIRE_NAMES[cls] = name
    return name


def _strict(expected: type) -> Any:
    label = {int: "an integer", str: "a string", bool: "true or false"}[expected]

    def structure(value: Any, _: type) -> Any:
        if type(value) is not expected:
            raise TypeError(f"must be {label}, got {type(value).__name__}")
        return value

    return structure


_converter = cattrs.Converter()
for _type in (int, str, bool):
    _converter.register_structure_hook(_type, _strict(_type))


def _id_list(value: Any, _: type) -> tuple[str, ...]:
    """A list of strings (never a string, whose characters cattrs would split)."""
    if not isinstance(value, list | tuple):
        raise TypeError(f"must be a list, got {type(value).__name__}")
    return tuple(_converter.structure(item, str) for item in value)


_converter.register_structure_hook_func(lambda t: t == tuple[str, ...], _id_list)
# ``retry_after_ms`` appears on ``rate_limited`` errors only (PROTOCOL.md).
_converter.register_unstructure_hook(
    Rejection,
    make_dict_unstructure_fn(Rejection, _converter, _cattrs_omit_if_default=True),
)

_COMMANDS: dict[str, type[Command]] = {wire_name(c): c for c in COMMAND_TYPES}
_RECORDS: dict[str, type[Command | NewPlayer]] = {**_COMMANDS, "new_player": NewPlayer}
_EVENTS: dict[str, type[Event]] = {wire_name(c): c for c in EVENT_TYPES}
_REPLIES: dict[str, type[Reply]] = {
    ("error" if c is Rejection else wire_name(c)): c for c in REPLY_TYPES
}
_NAMES: dict[type, str] = {
    cls: name for table in (_RECORDS, _EVENTS, _REPLIES) for name, cls in table.items()
}


def _describe(error: BaseException, _: Any = None) -> str:
    if isinstance(error, KeyError):
        return "is required"
    return str(error) or type(error).__name__


def _locate(problem: str) -> str:
    """``'is required @ $.at'`` → ``"'at' is required"``."""
    message, _, path = problem.partition(" @ $")
    field = path.lstrip(".")
    return f"{field!r} {message}" if field else message


def _structure(data: Mapping[str, Any], cls: type[T], name: str) -> T:
    if not isinstance(data, Mapping):
        raise WireError(
            BAD_REQUEST, f"{name}: expected an object, got {type(data).__name__}"
        )
    fields = {key: value for key, value in data.items() if key != "type"}
    try:
        return _converter.structure(fields, cls)
    except cattrs.BaseValidationError as error:
        problems = cattrs.transform_error(error, format_exception=_describe)
        detail = "; ".join(_locate(problem) for problem in problems)
        raise WireError(BAD_REQUEST, f"{name}: {detail}") from None
    except (TypeError, ValueError) as error:
        raise WireError(BAD_REQUEST, f"{name}: {error}") from None


def _decode(data: object, table: Mapping[str, type[T]]) -> T:
    if not isinstance(data, Mapping):
        raise WireError(
            BAD_REQUEST, f"expected a JSON object, got {type(data).__name__}"
        )
    name = data.get("type")
    if not isinstance(name, str):
        raise WireError(BAD_REQUEST, "'type' is required and must be a string")
    cls = table.get(name)
    if cls is None:
        raise WireError(UNKNOWN_TYPE, f"unknown type {name[:64]!r}")
    return _structure(data, cls, name)


def command_from_wire(data: object) -> Command:
    """Decode a command (a client frame or an offline action, with ``at``)."""
    return _decode(data, _COMMANDS)


def record_from_wire(data: object) -> Command | NewPlayer:
    """Decode a journal record: ``new_player`` or a command."""
    return _decode(data, _RECORDS)


def event_from_wire(data: object) -> Event:
    """Decode an event."""
    return _decode(data, _EVENTS)


def reply_from_wire(data: object) -> Reply:
    """Decode a reply (an ``error`` decodes to a ``Rejection``)."""
    return _decode(data, _REPLIES)


def to_wire(value: WireValue) -> dict[str, Any]:
    """Encode a command, journal record, event or reply as a JSON-able dict."""
    name = _NAMES.get(type(value))
    if name is None:
        raise TypeError(f"{type(value).__name__} has no wire form")
    return {"type": name, **_converter.unstructure(value)}


def state_to_wire(state: PlayerState) -> dict[str, Any]:
    """The full state as a JSON-able dict (the storage snapshot format)."""
    data: dict[str, Any] = _converter.unstructure(state)
    return data


def state_from_wire(data: Mapping[str, Any]) -> PlayerState:
    """Decode a snapshot written by ``state_to_wire``."""
    return _structure(data, PlayerState, "state")


def canonical_json(data: Any) -> str:
    """The canonical JSON text of a JSON-able value."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def state_hash(state: PlayerState) -> str:
    """SHA-256 (hex) of the canonical encoding of ``state``."""
    return hashlib.sha256(canonical_json(state_to_wire(state)).encode()).hexdigest()
