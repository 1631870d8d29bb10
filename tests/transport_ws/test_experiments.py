"""A/B experiments over the wire: the variants in ``welcome.state.experiments``
and ``state.state.experiments``, and the ``experiment_exposure`` rows a session
records once.

Real clients talk to a real server over the reference ``InMemoryStore``; the
analytics sink is a fake that records its calls.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence

import pytest

from baolife_core import (
    AnalyticsEvent,
    GameService,
    Genesis,
    InMemoryStore,
    NewPlayer,
    load_catalog,
    start,
)
from baolife_core.experiments import assign_variant, client_experiments
from baolife_transport_ws import GameServer, ServerConfig

from .conftest import Connect
from .support import START_MS, FakeClock, ProtocolClient, RecordingSink

#: The bundled flags, in content order (``tests/core`` pins the list itself).
FLAGS = [flag.id for flag in load_catalog().experiments.flags]


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
async def server(
    service: GameService, config: ServerConfig, clock: FakeClock, sink: RecordingSink
) -> AsyncIterator[GameServer]:
    """The server with the recording sink and no purge task."""
    async with GameServer(
        service, config, clock=clock, analytics=sink, purge_interval_s=None
    ) as running:
        yield running


def shown(rows: Sequence[AnalyticsEvent]) -> dict[str, str]:
    """The ``{flag: variant}`` the exposure rows say."""
    pairs = [json.loads(row.properties) for row in rows]
    return {pair["flag"]: pair["variant"] for pair in pairs}


class TestTheView:
    """``state.experiments``: every flag's variant for the player."""

    async def test_welcome_carries_every_flag(
        self, client: ProtocolClient, service: GameService
    ) -> None:
        """One variant per bundled flag, as ``client_experiments`` computes it."""
        welcome = await client.hello()
        player = welcome["player_id"]
        experiments = welcome["state"]["experiments"]
        assert FLAGS == list(experiments)
        state = service.load(player).state
        catalog = service.catalog
        assert client_experiments(player, state, catalog.experiments) == experiments
        for flag in catalog.experiments.flags[1:]:
            assert assign_variant(player, flag) == experiments[flag.id]

    async def test_get_state_agrees_and_is_stable(
        self, connect: Connect, clock: FakeClock
    ) -> None:
        """``get_state`` and a later ``hello`` of the device show the same."""
        device = str(uuid.uuid4())
        client = await connect()
        welcome = await client.hello(device)
        await client.purchase("overcharge")
        clock.advance(60_000)
        state = await client.request({"type": "get_state"})
        again = await (await connect()).hello(device)
        assert welcome["state"]["experiments"] == state["state"]["experiments"]
        assert welcome["state"]["experiments"] == again["state"]["experiments"]

    async def test_tutorial_flow_is_the_engine_s(self, client: ProtocolClient) -> None:
        """The flow the view names is the flow ``tutorial_step`` runs."""
        welcome = await client.hello()
        reply = await client.request({"type": "tutorial_step", "step": "welcome"})
        assert "tutorial_progress" == reply["type"]
        assert welcome["state"]["experiments"]["tutorial_flow"] == reply["flow"]

    @pytest.mark.parametrize("recorded", ["classic", "guided"])
    async def test_the_genesis_wins(
        self,
        client: ProtocolClient,
        store: InMemoryStore,
        service: GameService,
        recorded: str,
    ) -> None:
        """A player whose genesis recorded a flow sees that flow, whatever its
        id's bucket says today (weights changed since it was created)."""
        flag = service.catalog.experiments.flag("tutorial_flow")
        assert flag is not None
        player = next(
            pid
            for pid in (f"player-{n}" for n in range(100))
            if assign_variant(pid, flag) != recorded
        )
        device = str(uuid.uuid4())
        record = NewPlayer(at=START_MS, seed=7, variants=(("tutorial_flow", recorded),))
        store.create_player(
            Genesis(
                player_id=player,
                device_id=device,
                record=record,
                outcome=start(record, service.catalog),
            )
        )
        welcome = await client.hello(device)
        assert player == welcome["player_id"]
        assert recorded == welcome["state"]["experiments"]["tutorial_flow"]
        reply = await client.request({"type": "tutorial_step", "step": "welcome"})
        assert recorded == reply["flow"]


class TestExposure:
    """One ``experiment_exposure`` row per flag, once per analytics session."""

    async def test_recorded_with_the_session(
        self, client: ProtocolClient, sink: RecordingSink
    ) -> None:
        """Right after ``session_started``: the player, the session, the welcome's
        variants, the hello's instant."""
        welcome = await client.hello()
        player = welcome["player_id"]
        assert ["session_started", "record"] == [name for name, _ in sink.calls]
        (session,) = sink.sessions()
        rows = sink.exposures()
        assert len(FLAGS) == len(rows)
        assert {(player, session, START_MS)} == {
            (row.player_id, row.session_id, row.at) for row in rows
        }
        assert welcome["state"]["experiments"] == shown(rows)

    async def test_once_per_session(
        self, client: ProtocolClient, sink: RecordingSink, clock: FakeClock
    ) -> None:
        """Reads and commands of the same connection record no more exposures."""
        await client.hello()
        clock.advance(1_000)
        await client.request({"type": "get_state"})
        await client.purchase("overcharge")
        await client.request({"type": "tutorial_step", "step": "welcome"})
        await client.request({"type": "get_state"})
        assert len(FLAGS) == len(sink.exposures())

    async def test_each_connection_is_a_session(
        self, connect: Connect, sink: RecordingSink, clock: FakeClock
    ) -> None:
        """A second connection (a token ``hello``) records them again, with its
        own session, the same variants."""
        first = await connect()
        welcome = await first.hello()
        clock.advance(5_000)
        second = await connect()
        await second.request({"type": "hello", "token": welcome["token"]})
        one, two = sink.sessions()
        rows = sink.exposures()
        assert 2 * len(FLAGS) == len(rows)
        by_session = {
            session: [row for row in rows if row.session_id == session]
            for session in (one, two)
        }
        assert shown(by_session[one]) == shown(by_session[two])
        assert {START_MS + 5_000} == {row.at for row in by_session[two]}

    async def test_not_while_leaving(
        self, connect: Connect, sink: RecordingSink, clock: FakeClock
    ) -> None:
        """A player whose deletion is scheduled is not exposed until a cancel."""
        device = str(uuid.uuid4())
        client = await connect()
        await client.hello(device)
        await client.request({"type": "request_account_deletion"})
        sink.calls.clear()
        clock.advance(1_000)
        client = await connect()
        welcome = await client.hello(device)
        assert "purge_at" in welcome
        assert [] == sink.exposures()
        await client.request({"type": "cancel_account_deletion"})
        rows = sink.exposures()
        assert welcome["state"]["experiments"] == shown(rows)
        assert {clock.now} == {row.at for row in rows}
