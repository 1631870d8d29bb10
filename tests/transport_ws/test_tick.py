"""The game tick: ``time_update`` and ``event_prompt`` pushes to connected players."""

from __future__ import annotations

import asyncio
from typing import Any

import attrs
import pytest

from baolife_core import GameService, InMemoryStore, advance, load_catalog
from baolife_core.view import time_status
from baolife_transport_ws import GameServer, ServerConfig

from .conftest import Connect
from .support import DEADLINE, SECRET, FakeClock, ProtocolClient

HOUR = 3_600_000
DAY = 24 * HOUR // 60  # a game day passes every 24 real minutes (time scale 60)


async def _until(client: ProtocolClient, kind: str) -> dict[str, Any]:
    """The next message of type ``kind`` (others are skipped)."""
    while (message := await client.receive())["type"] != kind:
        pass
    return message


async def _pushes(client: ProtocolClient) -> list[dict[str, Any]]:
    """Everything pushed before the answer to a ``ping`` sent now."""
    rid = client.next_rid()
    await client.send({"type": "ping", "rid": rid})
    pushed = []
    while (message := await client.receive()).get("rid") != rid:
        pushed.append(message)
    return pushed


class TestTick:
    """One round advances every connected player and pushes to each."""

    async def test_time_update_reads_the_clock(
        self,
        server: GameServer,
        client: ProtocolClient,
        clock: FakeClock,
        store: InMemoryStore,
    ) -> None:
        """``time_update`` carries the status ``time_status`` computes at now."""
        welcome = await client.hello()
        await client.exchange({"type": "create_character", "name": "Ada"})
        clock.advance(HOUR)
        assert 1 == await server.tick()
        (update,) = [m for m in await _pushes(client) if m["type"] == "time_update"]
        catalog = load_catalog()
        stored = store.load(welcome["player_id"])
        assert stored is not None
        state = advance(stored.state, clock.now, catalog)
        expected = {"type": "time_update", "server_time": clock.now}
        expected.update(time_status(state, clock.now, catalog))
        assert expected == update
        assert isinstance(update["age"], int)

    async def test_no_player_no_push(
        self, server: GameServer, client: ProtocolClient
    ) -> None:
        """A connection not yet logged in is not ticked."""
        assert 0 == await server.tick()
        assert [] == await _pushes(client)

    async def test_every_connection_of_a_player(
        self, server: GameServer, connect: Connect
    ) -> None:
        """Two devices of one player each get the push; one player counted."""
        first, second = await connect(), await connect()
        welcome = await first.hello()
        await second.request({"type": "hello", "token": welcome["token"]})
        assert 1 == await server.tick()
        for client in (first, second):
            assert "time_update" == (await _until(client, "time_update"))["type"]

    async def test_the_tick_journals_nothing(
        self,
        server: GameServer,
        client: ProtocolClient,
        clock: FakeClock,
        store: InMemoryStore,
    ) -> None:
        """Ticks only advance a copy: the stored state and journal are unchanged."""
        welcome = await client.hello()
        player = welcome["player_id"]
        before = store.load(player)
        for _ in range(3):
            clock.advance(DAY)
            await server.tick()
        assert before == store.load(player)
        assert 1 == len(store.journal(player))

    async def test_questions_are_prompted_once(
        self,
        server: GameServer,
        client: ProtocolClient,
        clock: FakeClock,
    ) -> None:
        """Days crossed by ticks pose questions: each is pushed once, and a command
        that crosses the same days later does not push it again."""
        await client.hello()
        await client.exchange({"type": "create_character", "name": "Bo"})
        prompted: list[str] = []
        for _ in range(30):
            clock.advance(5 * DAY)
            await server.tick()
            prompted += [
                m["question_id"]
                for m in await _pushes(client)
                if m["type"] == "event_prompt"
            ]
        assert prompted, "150 game days posed no question"
        assert len(set(prompted)) == len(prompted)
        _, pushes = await client.exchange({"type": "do_activity", "activity": "rest"})
        again = [m for m in pushes if m["type"] == "event_prompt"]
        assert [] == [m for m in again if m["question_id"] in prompted]
        state = await client.request({"type": "get_state"})
        pending = {q["id"] for q in state["state"]["character"]["questions"]}
        assert pending <= set(prompted) | {m["question_id"] for m in again}

    async def test_a_tick_round_continues_from_the_last(
        self,
        server: GameServer,
        client: ProtocolClient,
        clock: FakeClock,
        service: GameService,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """While the stored version is unchanged, a round starts from the state
        the last round reached, not from the stored one."""
        await client.hello()
        clock.advance(DAY)
        await server.tick()
        seen: list[int] = []
        import baolife_transport_ws.server as server_module

        real = server_module.engine_tick

        def spy(state: Any, at: int, catalog: Any) -> Any:
            seen.append(state.clock.now_at)
            return real(state, at, catalog)

        monkeypatch.setattr(server_module, "engine_tick", spy)
        ticked_at = clock.now
        clock.advance(DAY)
        await server.tick()
        assert [ticked_at] == seen

    async def test_a_round_after_a_command_starts_from_the_stored_state(
        self,
        server: GameServer,
        client: ProtocolClient,
        clock: FakeClock,
        store: InMemoryStore,
    ) -> None:
        """A command changes the stored version: the next round reads the stored
        state (the energy it spent), not the state the last round reached."""
        player = (await client.hello())["player_id"]
        await client.exchange({"type": "create_character", "name": "Di"})
        clock.advance(HOUR)
        await server.tick()
        (before,) = [m for m in await _pushes(client) if m["type"] == "time_update"]
        reply, _ = await client.exchange({"type": "do_activity", "activity": "rest"})
        assert "activity_result" == reply["type"]
        await server.tick()
        (after,) = [m for m in await _pushes(client) if m["type"] == "time_update"]
        assert before["energy"] - 5 == after["energy"]  # rest costs 5 energy
        stored = store.load(player)
        assert stored is not None
        catalog = load_catalog()
        status = time_status(
            advance(stored.state, clock.now, catalog), clock.now, catalog
        )
        assert status["energy"] == after["energy"]

    async def test_a_player_purged_while_connected_is_skipped(
        self,
        server: GameServer,
        connect: Connect,
        clock: FakeClock,
        store: InMemoryStore,
    ) -> None:
        """A player whose records are gone (purged by another server on the same
        database) is skipped; the round still reaches everyone else."""
        gone, kept = await connect(), await connect()
        gone_id = (await gone.hello())["player_id"]
        await kept.hello()
        store.schedule_deletion(gone_id, at=clock.now, purge_after=clock.now)
        assert [gone_id] == [
            p.player_id for p in store.purge_due(at=clock.now, limit=5)
        ]
        clock.advance(HOUR)
        assert 1 == await server.tick()
        assert "time_update" == (await _until(kept, "time_update"))["type"]


class TestOrder:
    """A tick round never overtakes what a connection has queued."""

    @pytest.fixture
    def config(self) -> ServerConfig:
        return ServerConfig(
            port=0,
            token_secret=SECRET,
            tick_interval_seconds=None,
            batch_interval_ms=60_000,
        )

    async def test_queued_pushes_leave_first(
        self, server: GameServer, client: ProtocolClient
    ) -> None:
        """A push waiting for the batch interval leaves before the round's
        ``time_update``, in the same frame, without waiting for the interval."""
        player = (await client.hello())["player_id"]
        assert 1 == server.push(player, {"type": "notification", "text": "hi"})
        await server.tick()
        async with asyncio.timeout(DEADLINE):
            first, second = await client.receive(), await client.receive()
        assert ["notification", "time_update"] == [first["type"], second["type"]]
        assert "batch" == client.frames[-1]["type"]

    async def test_questions_reach_a_busy_connection(
        self, server: GameServer, client: ProtocolClient, clock: FakeClock
    ) -> None:
        """A round's ``event_prompt`` is queued behind a waiting push, not lost."""
        player = (await client.hello())["player_id"]
        await client.exchange({"type": "create_character", "name": "Cy"})
        prompted: list[str] = []
        for _ in range(30):
            assert 1 == server.push(player, {"type": "notification", "text": "hi"})
            clock.advance(5 * DAY)
            await server.tick()
            prompted += [
                m["question_id"]
                for m in await _pushes(client)
                if m["type"] == "event_prompt"
            ]
        assert prompted, "150 game days posed no question to a busy connection"
        assert len(set(prompted)) == len(prompted)


class TestTickTask:
    """The periodic task runs the rounds by itself."""

    @pytest.fixture
    def config(self) -> ServerConfig:
        return ServerConfig(port=0, token_secret=SECRET, tick_interval_seconds=0.05)

    async def test_pushes_arrive_unasked(self, client: ProtocolClient) -> None:
        """With a short interval, ``time_update`` pushes come without a request."""
        await client.hello()
        async with asyncio.timeout(DEADLINE):
            update = await _until(client, "time_update")
        assert {"server_time", "game_time_ms", "game_day", "energy"} <= set(update)

    async def test_a_failing_round_is_logged_and_the_next_runs(
        self,
        server: GameServer,
        client: ProtocolClient,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A bug in one round does not stop the tick task."""
        await client.hello()
        failures = 0
        real = server._tick_players

        def flaky(players: list[str], at: int) -> Any:
            nonlocal failures
            if failures < 2:
                failures += 1
                raise RuntimeError("tick bug")
            return real(players, at)

        monkeypatch.setattr(server, "_tick_players", flaky)
        async with asyncio.timeout(DEADLINE):
            await _until(client, "time_update")
        assert 2 == failures


class TestStatus:
    """``time_status`` is the view's clock and energy, at the same instant."""

    def test_agrees_with_the_client_view(self) -> None:
        """Game time, day, age and energy equal the full view's."""
        from baolife_core import CreateCharacter, client_view, new_player, step

        catalog = load_catalog()
        start = 1_700_000_000_000
        state = new_player(seed=5, at=start, catalog=catalog)
        state = step(state, CreateCharacter(at=start + 1), catalog).state
        at = start + 5 * DAY
        view = client_view(state, at, catalog)
        status = time_status(advance(state, at, catalog), at, catalog)
        assert view["clock"]["game_time_ms"] == status["game_time_ms"]
        assert view["clock"]["game_day"] == status["game_day"]
        assert view["character"]["age"] == status["age"]
        assert view["account"]["energy"] == status["energy"]
        assert view["account"]["next_energy_at"] == status["next_energy_at"]

    def test_without_a_character_age_is_null(self) -> None:
        """Before the first life, ``age`` is None."""
        from baolife_core import new_player

        catalog = load_catalog()
        state = new_player(seed=5, at=1, catalog=catalog)
        assert time_status(state, 1, catalog)["age"] is None


def test_config_refuses_a_bad_interval() -> None:
    """The tick interval is None or a positive number of seconds."""
    for bad in (0, -1.0, True, "5"):
        with pytest.raises(ValueError, match="tick_interval_seconds"):
            ServerConfig(token_secret=SECRET, tick_interval_seconds=bad)  # type: ignore[arg-type]
    assert (
        attrs.evolve(
            ServerConfig(token_secret=SECRET), tick_interval_seconds=None
        ).tick_interval_seconds
        is None
    )
