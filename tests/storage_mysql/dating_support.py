"""Helpers of the dating storage tests: a bot's dating life, played through the
service on a store, and the dating rows it leaves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from attrs import frozen

from baolife_core import (
    Catalog,
    Event,
    GameService,
    LifeEventOccurred,
    NewPlayer,
    QuestionPosed,
    Rejection,
    replay_outcomes,
    wire_name,
)
from baolife_core.events import RelationshipChanged
from baolife_core.testing import BotLife, Limits, play_life
from baolife_storage_mysql import metadata

from .support import DATING_TABLES, new_ids

#: The seeds tried, in order, for the bot life the dating storage tests play: the
#: first whose life (stopped at ``DATING_AGE``) has everything the dating tables
#: record (``COVERED``). The engine and the content still move, so the seed is
#: searched rather than pinned; the first one is the seed that covers it today,
#: so the search normally plays one life.
DATING_SEEDS = (9, *range(1, 41))
#: Game years a dating life is played to: about a thousand commands, most of
#: them before the dating age of 18.
DATING_AGE = 30
#: What the bot life must have: likes, passes, matches, dates, a marriage, a
#: divorce, a break-up, and relationship events both immediate and questions.
COVERED = frozenset(
    {
        "npc_liked",
        "npc_passed",
        "match_made",
        "date_went",
        "to_married",
        "to_divorced",
        "to_ended",
        "life_event_occurred",
        "question_posed",
    }
)
#: The dating player tables, as ``Table`` objects.
DATING = tuple(metadata.tables[name] for name in DATING_TABLES)

E = TypeVar("E")


def _kinds(life: BotLife, catalog: Catalog) -> set[str]:
    """What of ``COVERED`` the life's events have."""
    storylets = set(catalog.storylets.relationship_events)
    kinds: set[str] = set()
    for outcome in replay_outcomes(life.journal, catalog):
        for event in outcome.events:
            told = isinstance(event, LifeEventOccurred | QuestionPosed)
            if isinstance(event, RelationshipChanged):
                kinds.add(f"to_{event.to_stage}")
            elif not told or event.event_id in storylets:
                kinds.add(wire_name(type(event)))
    return kinds & COVERED


def bot_dating_life(catalog: Catalog) -> BotLife:
    """The first of ``DATING_SEEDS``' bot lives that has all of ``COVERED``."""
    for seed in DATING_SEEDS:
        life = play_life(
            catalog, seed=seed, bot_seed=seed, limits=Limits(max_age=DATING_AGE)
        )
        if _kinds(life, catalog) == COVERED:
            return life
    raise AssertionError(f"no bot life of {DATING_SEEDS} has all of {COVERED}")


@frozen
class Dated:
    """A player who lived the bot's dating life through the service."""

    player_id: str
    events: tuple[Event, ...]  # of the commands, in order (not the genesis)

    def of(self, kind: type[E]) -> list[E]:
        """The events of one kind, in order."""
        return [event for event in self.events if isinstance(event, kind)]

    def stages(self) -> list[str]:
        """Every stage a relationship moved to, in order."""
        return [event.to_stage for event in self.of(RelationshipChanged)]


def play_dating(service: GameService, life: BotLife) -> Dated:
    """A new player (fresh ids, the life's seed) plays ``life``'s commands through
    ``service``; every one is accepted, as it was by the bot."""
    genesis = life.journal[0]
    assert isinstance(genesis, NewPlayer)
    ids = new_ids()
    player = service.login_device(
        ids.device_id, new_player_id=ids.player_id, seed=genesis.seed, at=genesis.at
    )
    events: list[Event] = []
    for command in life.journal[1:]:
        assert not isinstance(command, NewPlayer)
        result = service.execute(player, command)
        assert not isinstance(result.reply, Rejection), (command, result.reply)
        events.extend(result.events)
    return Dated(player, tuple(events))


def storylet_events(
    dated: Dated, storylets: Sequence[str]
) -> list[LifeEventOccurred | QuestionPosed]:
    """The relationship events that happened to ``dated`` (of ``storylets``)."""
    return [
        event
        for event in dated.events
        if isinstance(event, LifeEventOccurred | QuestionPosed)
        and event.event_id in storylets
    ]
