"""BaoLife core: the pure, deterministic life-simulation engine.

Functions over immutable state, with no I/O: the same engine runs in the server,
in the tests and in offline replay. See ``docs/architecture.md``.

>>> from baolife_core import PurchaseEnergyRefill, load_catalog, new_player, step
>>> catalog = load_catalog()
>>> player = new_player(seed=42, at=0, catalog=catalog)
>>> player.wallet.diamonds
1000
"""

from __future__ import annotations

from .catalog import (
    Catalog,
    ClockRules,
    EnergyRules,
    RefillTier,
    TimeSkip,
    load_catalog,
)
from .commands import (
    COMMAND_TYPES,
    Command,
    CreateCharacter,
    NewPlayer,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
)
from .economy.energy import current_energy
from .engine import advance, new_player, replay, replay_outcomes, start, step, tick
from .errors import (
    BaolifeError,
    ConcurrencyError,
    ConflictError,
    ContentError,
    JournalError,
    PlayerNotFoundError,
    WireError,
)
from .events import (
    EVENT_TYPES,
    CharacterBorn,
    CharacterDied,
    DiamondsCredited,
    DiamondsSpent,
    EnergyRefilled,
    Event,
    GameTimeSkipped,
    LedgerEvent,
    PlayerCreated,
    StageEntered,
)
from .memory_store import InMemoryStore
from .outcome import Outcome
from .ports import CommandRecord, Genesis, PlayerStore, StoredPlayer
from .replies import (
    ENERGY_FULL,
    INSUFFICIENT_DIAMONDS,
    INVALID_STATE,
    NOT_FOUND,
    REJECTION_CODES,
    REPLY_TYPES,
    CharacterCreated,
    EnergyUpdated,
    Rejection,
    Reply,
    TimeSkipped,
)
from .rng import Stream, derive_seed, stream
from .service import GameService, Result, idempotency_key_hash
from .state import (
    Character,
    Death,
    Energy,
    LifeClock,
    Personality,
    PlayerState,
    Relative,
    Stats,
    Wallet,
)
from .view import client_view
from .wire import (
    BAD_REQUEST,
    UNKNOWN_TYPE,
    canonical_json,
    command_from_wire,
    event_from_wire,
    record_from_wire,
    reply_from_wire,
    state_from_wire,
    state_hash,
    state_to_wire,
    to_wire,
    wire_name,
)

__all__ = [
    "BAD_REQUEST",
    "COMMAND_TYPES",
    "ENERGY_FULL",
    "EVENT_TYPES",
    "INSUFFICIENT_DIAMONDS",
    "INVALID_STATE",
    "NOT_FOUND",
    "REJECTION_CODES",
    "REPLY_TYPES",
    "UNKNOWN_TYPE",
    "BaolifeError",
    "Catalog",
    "Character",
    "CharacterBorn",
    "CharacterCreated",
    "CharacterDied",
    "ClockRules",
    "Command",
    "CommandRecord",
    "ConcurrencyError",
    "ConflictError",
    "ContentError",
    "CreateCharacter",
    "Death",
    "DiamondsCredited",
    "DiamondsSpent",
    "Energy",
    "EnergyRefilled",
    "EnergyRules",
    "EnergyUpdated",
    "Event",
    "GameService",
    "GameTimeSkipped",
    "Genesis",
    "InMemoryStore",
    "JournalError",
    "LedgerEvent",
    "LifeClock",
    "NewPlayer",
    "Outcome",
    "Personality",
    "PlayerCreated",
    "PlayerNotFoundError",
    "PlayerState",
    "PlayerStore",
    "PurchaseEnergyRefill",
    "PurchaseTimeSkip",
    "RefillTier",
    "Rejection",
    "Relative",
    "Reply",
    "Result",
    "StageEntered",
    "Stats",
    "StoredPlayer",
    "Stream",
    "TimeSkip",
    "TimeSkipped",
    "Wallet",
    "WireError",
    "advance",
    "canonical_json",
    "client_view",
    "command_from_wire",
    "current_energy",
    "derive_seed",
    "event_from_wire",
    "idempotency_key_hash",
    "load_catalog",
    "new_player",
    "record_from_wire",
    "replay",
    "replay_outcomes",
    "reply_from_wire",
    "start",
    "state_from_wire",
    "state_hash",
    "state_to_wire",
    "step",
    "stream",
    "tick",
    "to_wire",
    "wire_name",
]
