"""Validators shared by commands: bounds that make bad input a clear error."""

from __future__ import annotations

import re
from typing import Any

import attrs

from .clock import MAX_INSTANT_MS

__all__ = [
    "MAX_TEXT",
    "MAX_TOKENS",
    "instant",
    "key",
    "optional_age",
    "optional_name",
    "optional_text",
    "optional_token",
    "optional_tokens",
    "product",
    "token",
    "tokens",
    "utc_offset",
]

#: The longest line of outside-written text a command may carry (characters).
MAX_TEXT = 500

_KEY_RE = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
_TOKEN_RE = re.compile(r"[a-z0-9_]{1,64}")
# A display name: letters (any script), spaces, apostrophes, dots and hyphens.
_NAME_RE = re.compile(r"[^\W\d_](?:[^\W\d_]|[ '.-]){0,39}")


def _instant(_: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or not 0 <= value <= MAX_INSTANT_MS:
        raise ValueError(
            f"{attribute.name} must be an integer instant in ms within "
            f"0..{MAX_INSTANT_MS}, got {value!r}"
        )


def _key(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _KEY_RE.fullmatch(value):
        raise ValueError(
            f"{attribute.name} must be 1-128 characters of letters, digits, "
            f"'_', '.', ':' or '-', got {value!r:.80}"
        )


def _token(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _TOKEN_RE.fullmatch(value):
        raise ValueError(
            f"{attribute.name} must be a lowercase identifier of 1-64 characters, "
            f"got {value!r:.80}"
        )


def _optional_name(
    _: Any, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is None:
        return
    if (
        not isinstance(value, str)
        or not _NAME_RE.fullmatch(value)
        or value != value.strip()
    ):
        raise ValueError(
            f"{attribute.name} must be 1-40 letters, spaces, apostrophes, dots or "
            f"hyphens, starting with a letter, got {value!r:.80}"
        )


def _optional_token(
    _: Any, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is not None:
        _token(_, attribute, value)  # type: ignore[arg-type]


def _optional_text(
    _: Any, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is None:
        return
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > MAX_TEXT
        or not value.isprintable()
    ):
        raise ValueError(
            f"{attribute.name} must be 1-{MAX_TEXT} printable characters on one "
            f"line, got {value!r:.80}"
        )


def _utc_offset(_: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or not -720 <= value <= 840:
        raise ValueError(
            f"{attribute.name} must be an integer number of minutes within "
            f"-720..840, got {value!r}"
        )


#: The most ids a list field of a command may hold (interests, dealbreakers …).
MAX_TOKENS = 16


def _tokens(_: Any, attribute: attrs.Attribute[tuple[str, ...]], value: Any) -> None:
    if (
        not isinstance(value, tuple)
        or len(value) > MAX_TOKENS
        or not all(isinstance(v, str) and _TOKEN_RE.fullmatch(v) for v in value)
        or len(set(value)) != len(value)
    ):
        raise ValueError(
            f"{attribute.name} must be a list of at most {MAX_TOKENS} distinct "
            f"lowercase identifiers, got {value!r:.80}"
        )


def _optional_tokens(
    _: Any, attribute: attrs.Attribute[tuple[str, ...] | None], value: Any
) -> None:
    if value is not None:
        _tokens(_, attribute, value)  # type: ignore[arg-type]


def _optional_age(_: Any, attribute: attrs.Attribute[int | None], value: Any) -> None:
    if value is not None and (type(value) is not int or not 0 <= value <= 150):
        raise ValueError(
            f"{attribute.name} must be an integer age within 0..150 or null, "
            f"got {value!r:.80}"
        )


_PRODUCT_RE = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def _product(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _PRODUCT_RE.fullmatch(value):
        raise ValueError(
            f"{attribute.name} must be 1-100 letters, digits, '_', '.' or '-', "
            f"got {value!r:.80}"
        )


#: ``at``: an instant in integer milliseconds (UTC).
instant = _instant
#: An idempotency key (a client-minted UUID or similar).
key = _key
#: A content id such as a refill tier (``full``).
token = _token
#: An optional display name.
optional_name = _optional_name
#: An optional content id.
optional_token = _optional_token
#: Optional text written outside the core (a line of dialogue).
optional_text = _optional_text
#: A list of distinct content ids (at most ``MAX_TOKENS``).
tokens = _tokens
#: An optional list of distinct content ids.
optional_tokens = _optional_tokens
#: An optional age in game years (0..150).
optional_age = _optional_age
#: A UTC offset in minutes (-12:00..+14:00).
utc_offset = _utc_offset
#: A store product id (reverse-DNS style, e.g. ``com.baolife.diamonds.100``).
product = _product
