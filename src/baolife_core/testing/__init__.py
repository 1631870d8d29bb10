"""Test support that ships with the engine: the bot, strategies, the invariant machine.

Pure like the rest of ``baolife_core``: no I/O, no clock, no ``random`` module. The
bot plays whole lives through ``step`` (``testing.bot``, with its move table in
``testing.moves`` and its pace and limits in ``testing.pace``); ``baolife content
check`` and the test suite use it to prove that content is reachable and that valid
play is never refused. See ``docs/life.md`` ("The reference bot").

For game teams (docs/testing.md): ``check_content`` (``testing.content``) runs the
bot, the invariant machine and a minting probe on a content directory. The
Hypothesis strategies (``testing.strategies``) and the ``GameMachine`` base
(``testing.machine``) need Hypothesis (the ``testing`` extra), so they are not
imported here: import them explicitly.
"""

from __future__ import annotations

from .bot import (
    BOT_PURPOSE,
    START_AT,
    BotLife,
    Rejected,
    candidates,
    choose,
    play,
    play_life,
    storylet_ids,
)
from .content import Exploit, ToolkitReport, Violation, check_content
from .moves import MOVES, Move, MoveKind, Turn, Wait, make_turn
from .pace import (
    CASUAL_PACE,
    DEFAULT_LIMITS,
    DEFAULT_PACE,
    IDLE_PACE,
    PACES,
    Limits,
    Pace,
    with_tastes,
)

__all__ = [
    "BOT_PURPOSE",
    "CASUAL_PACE",
    "DEFAULT_LIMITS",
    "DEFAULT_PACE",
    "IDLE_PACE",
    "MOVES",
    "PACES",
    "START_AT",
    "BotLife",
    "Exploit",
    "Limits",
    "Move",
    "MoveKind",
    "Pace",
    "Rejected",
    "ToolkitReport",
    "Turn",
    "Violation",
    "Wait",
    "candidates",
    "check_content",
    "choose",
    "make_turn",
    "play",
    "play_life",
    "storylet_ids",
    "with_tastes",
]
