"""The WebSocket server's settings: one frozen value, validated on construction.

Defaults follow PROTOCOL.md and DESIGN.md "Transport": port 8001, frames up to
64 KiB, batches of at most 10 messages flushed within 100 ms. The composition root
(``baolife_app``) builds one from its command line or environment; tests build one
with ``port=0`` to get a free port.

Rules of this module:

- Every field is keyword-only and validated: counts are true integers ≥ 1 (not
  ``True``), the port is 0..65535, the secret at least 16 characters.
- The value is frozen; change it with ``attrs.evolve``.
- ``workers`` (2 threads for blocking service calls) is sized for the embedded
  SQLite store: it takes one writer at a time, so more threads only wait on its
  lock (with 4, the p99 of purchases grew severalfold on the round-trip bench),
  while a second thread lets a read overlap a write. A store that serves many
  connections at once (MySQL) wants about as many threads as its connection pool;
  the composition root, which knows the store, sets that.
- ``tick_interval_seconds`` (5 s) is how often the game tick advances every
  connected player and pushes ``time_update``: a game minute passes every real
  second (time scale 60), so 5 s keeps a clock display within five game minutes
  and costs a connected player about one engine ``tick`` per interval (the
  client interpolates in between). None switches the tick off.
- ``compression`` negotiates permessage-deflate when the client offers it
  (``docs/protocol.md``). Switching it off saves CPU on both ends (10-45 % more
  round trips per second on the round-trip bench) and costs bytes on the wire.
"""

from __future__ import annotations

from typing import Any

from attrs import Attribute, field, frozen, validators

__all__ = ["ServerConfig"]

_THIRTY_DAYS_SECONDS = 30 * 24 * 60 * 60


def _count(_: Any, attribute: Attribute[int], value: int) -> None:
    """A true integer of at least 1."""
    if type(value) is not int or value < 1:
        raise ValueError(f"{attribute.name} must be an integer >= 1, got {value!r}")


def _port(_: Any, attribute: Attribute[int], value: int) -> None:
    if type(value) is not int or not 0 <= value <= 65535:
        raise ValueError(f"{attribute.name} must be within 0..65535, got {value!r}")


def _interval(_: Any, attribute: Attribute[Any], value: Any) -> None:
    """None, or a number of seconds > 0."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"{attribute.name} must be > 0 or None, got {value!r}")


@frozen(kw_only=True)
class ServerConfig:
    """Where to listen, how to sign sessions, and the per-connection limits."""

    host: str = "127.0.0.1"  # interface to bind; "0.0.0.0" for every interface
    port: int = field(default=8001, validator=_port)  # 0: any free port
    token_secret: str = field(validator=validators.min_len(16))  # session signing key
    token_ttl_seconds: int = field(default=_THIRTY_DAYS_SECONDS, validator=_count)
    max_frame_bytes: int = field(default=65536, validator=_count)  # larger → 1009
    batch_max_messages: int = field(default=10, validator=_count)  # per frame
    batch_interval_ms: int = field(default=100, validator=_count)  # push latency
    outgoing_queue_max: int = field(default=256, validator=_count)  # full → 1013
    workers: int = field(default=2, validator=_count)  # threads for service calls
    compression: bool = field(default=True, validator=validators.instance_of(bool))
    # ↑ permessage-deflate, when the client offers it
    close_timeout_seconds: float = field(default=2.0, validator=validators.gt(0))
    # ↑ how long a closing handshake may take before the TCP connection is dropped
    tick_interval_seconds: float | None = field(default=5.0, validator=_interval)
    # ↑ the game tick's period (``time_update`` pushes); None: no tick task
