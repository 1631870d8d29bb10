"""A whole bot life through the protocol: create_character to death over a WebSocket.

The reference bot (``baolife_core.testing``) plays against a real server whose
clock is a ``FakeClock`` the test advances: a wait moves the clock, a command is a
client frame. The bot answers only the questions the server pushed as
``event_prompt`` (``make_turn(known=...)``). Beside the server, the test steps the
same commands through the engine, so every reply and push is compared with what
the engine says, and the server's final state with the local one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from baolife_core import (
    AchievementUnlocked,
    Event,
    GameService,
    InMemoryStore,
    QuestionPosed,
    QuestProgressed,
    RelationshipChanged,
    advance,
    client_view,
    replay,
    state_hash,
    step,
    to_wire,
)
from baolife_core.events import MatchMade
from baolife_core.experiments import client_experiments
from baolife_core.testing import CASUAL_PACE, Wait, candidates, choose, make_turn

from .support import FakeClock, ProtocolClient

PLAYER_SEED = 20_260_101
BOT_SEED = 7
#: No life lasts this many turns at the casual pace (about 2,000 are played).
MAX_TURNS = 20_000


def _json(value: object) -> Any:
    """``value`` as it looks after a trip through JSON (tuples become lists)."""
    return json.loads(json.dumps(value))


def metagame_pushes(events: Iterable[Event]) -> list[dict[str, Any]]:
    """The pushes that follow a command's prompts: its matches, its unlocked
    achievements, then its quests' progress (docs/protocol.md "Dating pushes",
    "Retention pushes")."""
    events = tuple(events)
    matched = [
        {
            "type": "match_made",
            "npc_id": e.npc_id,
            "name": e.name,
            "gender": e.gender,
            "age": e.age,
            "bio": e.bio,
            "compatibility": e.compatibility,
            "reasons": list(e.reasons),
            "day": e.day,
        }
        for e in events
        if isinstance(e, MatchMade)
    ]
    unlocked = [
        {
            "type": "achievement_unlocked",
            "achievement": e.achievement,
            "category": e.category,
            "name": e.name,
        }
        for e in events
        if isinstance(e, AchievementUnlocked)
    ]
    progressed = [
        {
            "type": "quest_progress",
            "quest": e.quest,
            "progress": e.progress,
            "target": e.target,
            "completed": e.completed,
        }
        for e in events
        if isinstance(e, QuestProgressed)
    ]
    return matched + unlocked + progressed


async def test_a_bot_life_from_creation_to_death(
    client: ProtocolClient,
    service: GameService,
    store: InMemoryStore,
    clock: FakeClock,
) -> None:
    """The bot lives a whole life over the wire — dates, marries and divorces
    among it; nothing is refused, every prompt and match is the engine's, and the
    server reports the dead character the engine has."""
    catalog = service.catalog
    device = str(uuid.uuid4())
    player_id = service.login_device(
        device, new_player_id=str(uuid.uuid4()), seed=PLAYER_SEED, at=clock.now
    )
    await client.hello(device)
    mirror = service.load(player_id).state  # the engine's copy of the player
    told: set[str] = set()  # question ids pushed as event_prompt
    commands = prompts = unlocked = 0
    stages: list[str] = []  # relationship stages and endings, as reached
    began = False
    for number in range(MAX_TURNS):
        view = advance(mirror, clock.now, catalog)
        character = view.character
        if began and character is not None and character.death is not None:
            break
        turn = make_turn(view, clock.now, catalog, known=told, pace=CASUAL_PACE)
        kind, move = choose(candidates(turn), BOT_SEED, number)
        if isinstance(move, Wait):
            clock.advance(move.ms)
            continue
        message = {k: v for k, v in to_wire(move).items() if k != "at"}
        reply = await client.request(message)
        outcome = step(mirror, move, catalog)
        assert not outcome.rejected, (kind, move, reply)
        assert _json(to_wire(outcome.reply)) == reply
        posed = [e for e in outcome.events if isinstance(e, QuestionPosed)]
        for question in posed:
            push = await client.receive()
            assert "event_prompt" == push["type"]
            assert question.question_id == push["question_id"]
            assert [cid for cid, _ in question.choices] == [
                c["id"] for c in push["choices"]
            ]
            told.add(push["question_id"])
        metagame = metagame_pushes(outcome.events)
        assert metagame == [await client.receive() for _ in metagame]
        stages += [
            e.to_stage for e in outcome.events if isinstance(e, RelationshipChanged)
        ]
        mirror = outcome.state
        began = True
        commands += 1
        prompts += len(posed)
        unlocked += sum(p["type"] == "achievement_unlocked" for p in metagame)
        clock.advance(CASUAL_PACE.command_ms)
    else:
        raise AssertionError(f"no death in {MAX_TURNS} turns")

    reported = (await client.request({"type": "get_state"}))["state"]
    character = reported["character"]
    assert character["alive"] is False
    assert character["death"]["age"] <= character["age"]
    assert character["death"]["cause"] in {c.id for c in catalog.life.causes}
    view = client_view(mirror, clock.now, catalog)
    view["experiments"] = client_experiments(player_id, mirror, catalog.experiments)
    assert _json(view) == reported
    stored = store.load(player_id)
    assert stored is not None
    assert state_hash(mirror) == state_hash(stored.state)
    assert state_hash(mirror) == state_hash(replay(store.journal(player_id), catalog))
    assert commands > 100
    assert prompts > 50
    assert unlocked > 10
    # It dated, married and divorced over the wire: every stage, in the order of
    # the transition table, and both endings.
    assert {"dating", "partner", "engaged", "married", "divorced", "ended"} <= set(
        stages
    )
    married = stages.index("married")
    assert stages.index("engaged") < married < stages.index("divorced", married)
