"""Tests of offline sync: ``baolife_core.offline`` and ``GameService.sync_offline``."""

from __future__ import annotations

import itertools

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from baolife_core.catalog import load_catalog
from baolife_core.commands import (
    ClaimDailyReward,
    Command,
    CreateCharacter,
    CreditStorePurchase,
    DoActivity,
    PurchaseEnergyRefill,
    RevokeStorePurchase,
)
from baolife_core.engine import replay
from baolife_core.memory_store import InMemoryStore
from baolife_core.offline import (
    MAX_OFFLINE_ACTIONS,
    OFFLINE_WINDOW_MS,
    offline_refusal,
    sync_order,
)
from baolife_core.replies import (
    NOT_ALLOWED_OFFLINE,
    RATE_LIMITED,
    STALE_ACTION,
    Rejection,
)
from baolife_core.service import GameService

CATALOG = load_catalog()
AT = 1_700_000_000_000
MINUTE = 60_000
HOUR = 60 * MINUTE


def _service() -> tuple[GameService, str]:
    service = GameService(InMemoryStore(), CATALOG)
    player = service.login_device("device", new_player_id="p1", seed=7, at=AT)
    return service, player


def _journal(service: GameService, player: str) -> int:
    store = service.store
    assert isinstance(store, InMemoryStore)
    return len(store.journal(player))


def _credit(at: int) -> CreditStorePurchase:
    return CreditStorePurchase(
        at=at,
        product_id="diamonds_small",
        transaction_id="t-1",
        original_transaction_id="t-1",
        environment="sandbox",
        purchased_at=at,
    )


class TestRules:
    """The pure rules of ``offline``."""

    def test_order_is_by_at_and_ties_keep_the_order_sent(self) -> None:
        """Actions apply in ``at`` order; equal instants keep their order."""
        assert [1, 3, 0, 2] == sync_order([5, 1, 5, 2])

    @given(st.lists(st.integers(0, 10**6), max_size=50))
    def test_order_is_a_stable_sort(self, ats: list[int]) -> None:
        """The order is a permutation sorting ``ats``, stable on ties."""
        order = sync_order(ats)
        assert sorted(range(len(ats))) == sorted(order)
        assert sorted(ats) == [ats[i] for i in order]
        for first, second in itertools.pairwise(order):
            if ats[first] == ats[second]:
                assert first < second

    @pytest.mark.parametrize(
        ("command", "code"),
        [
            (_credit(AT), NOT_ALLOWED_OFFLINE),
            (
                RevokeStorePurchase(at=AT, transaction_id="t-1", reason="refund"),
                NOT_ALLOWED_OFFLINE,
            ),
            (CreateCharacter(at=AT - OFFLINE_WINDOW_MS - 1), STALE_ACTION),
            (CreateCharacter(at=AT - 2), STALE_ACTION),
        ],
    )
    def test_refusals(self, command: Command, code: str) -> None:
        """Store commands, and actions too old, are refused with their code."""
        refusal = offline_refusal(command, last_at=AT - 1, now=AT)
        assert refusal is not None
        assert code == refusal.code

    @pytest.mark.parametrize(
        ("at", "refused"),
        [(AT - OFFLINE_WINDOW_MS - 1, True), (AT - OFFLINE_WINDOW_MS, False)],
    )
    def test_the_window_alone_refuses(self, at: int, *, refused: bool) -> None:
        """After the last command, only the 7-day window decides: 1 ms out is stale."""
        last_at = AT - OFFLINE_WINDOW_MS - 2
        refusal = offline_refusal(CreateCharacter(at=at), last_at=last_at, now=AT)
        if refused:
            assert refusal is not None
            assert STALE_ACTION == refusal.code
        else:
            assert refusal is None

    @pytest.mark.parametrize("at", [AT - OFFLINE_WINDOW_MS, AT - 1, AT, AT + 5])
    def test_accepted_within_the_window(self, at: int) -> None:
        """The window's edges are inclusive: at the last command, 7 days exactly."""
        last_at = AT - OFFLINE_WINDOW_MS
        assert offline_refusal(CreateCharacter(at=at), last_at=last_at, now=AT) is None

    def test_the_limit_is_the_protocols(self) -> None:
        """PROTOCOL.md: at most 1,000 actions."""
        assert 1_000 == MAX_OFFLINE_ACTIONS


class TestSyncOffline:
    """``GameService.sync_offline`` applies a queue with a result per action."""

    def test_applies_in_at_order_and_answers_in_the_order_sent(self) -> None:
        """Results align with the commands given; the journal is in ``at`` order."""
        service, player = _service()
        rest = DoActivity(at=AT + 2 * HOUR, activity="rest")
        create = CreateCharacter(at=AT + HOUR, name="Ada", gender="female")
        results = service.sync_offline(player, [rest, create], now=AT + 3 * HOUR)
        assert ["ActivityResult", "CharacterCreated"] == [
            type(result.reply).__name__ for result in results
        ]
        store = service.store
        assert isinstance(store, InMemoryStore)
        ats = [record.at for record in store.journal(player)[1:]]
        assert [AT + HOUR, AT + 2 * HOUR] == ats

    def test_one_refusal_does_not_stop_the_rest(self) -> None:
        """A store purchase and a stale action are refused; the rest apply."""
        service, player = _service()
        now = AT + 3 * HOUR
        commands: list[Command] = [
            _credit(AT + HOUR),
            CreateCharacter(at=now - OFFLINE_WINDOW_MS - 1),
            CreateCharacter(at=AT + 2 * HOUR, name="Bo", gender="male"),
        ]
        results = service.sync_offline(player, commands, now=now)
        codes = [getattr(result.reply, "code", "ok") for result in results]
        assert [NOT_ALLOWED_OFFLINE, STALE_ACTION, "ok"] == codes
        assert [(), ()] == [result.events for result in results[:2]]
        assert 2 == _journal(service, player)

    def test_action_older_than_the_last_command_is_stale(self) -> None:
        """Once a command applied at T, an offline action before T is refused."""
        service, player = _service()
        service.execute(player, CreateCharacter(at=AT + 2 * HOUR))
        late = DoActivity(at=AT + HOUR, activity="rest")
        (result,) = service.sync_offline(player, [late], now=AT + 3 * HOUR)
        assert isinstance(result.reply, Rejection)
        assert STALE_ACTION == result.reply.code
        assert 2 == _journal(service, player)

    def test_a_processed_key_answers_its_first_reply(self) -> None:
        """A key seen online answers its first reply, even when now stale."""
        service, player = _service()
        claim = ClaimDailyReward(at=AT + HOUR, idempotency_key="k-1")
        first = service.execute(player, claim)
        service.execute(player, CreateCharacter(at=AT + 2 * HOUR))
        (again,) = service.sync_offline(player, [claim], now=AT + 3 * HOUR)
        assert first.reply == again.reply
        assert again.duplicate
        assert () == again.events
        assert 3 == _journal(service, player)

    def test_the_same_key_twice_in_one_sync_applies_once(self) -> None:
        """Two actions with one key: the second answers the first's reply."""
        service, player = _service()
        claim = ClaimDailyReward(at=AT + HOUR, idempotency_key="k-2")
        later = attrs.evolve(claim, at=AT + 2 * HOUR)
        first, second = service.sync_offline(player, [claim, later], now=AT + 3 * HOUR)
        assert first.reply == second.reply
        assert (False, True) == (first.duplicate, second.duplicate)
        assert 2 == _journal(service, player)

    def test_rate_limits_hold_per_minute_of_offline_time(self) -> None:
        """Eleven purchases in one offline minute: the eleventh is rate limited;
        the same eleven spread over two minutes all pass the limit."""
        catalog = attrs.evolve(
            CATALOG,
            energy=attrs.evolve(CATALOG.energy, max=10_000, overfill_cap=100_000),
        )
        for spread, limited in ((100, 1), (12_000, 0)):
            service = GameService(InMemoryStore(), catalog)
            player = service.login_device("d", new_player_id="p", seed=3, at=AT)
            service.execute(player, CreateCharacter(at=AT + 1))
            buys = [
                PurchaseEnergyRefill(
                    at=AT + MINUTE + i * spread,
                    refill_type="small",
                    idempotency_key=f"buy-{i}",
                )
                for i in range(11)
            ]
            live = dict(service._buckets)
            results = service.sync_offline(player, buys, now=AT + HOUR)
            codes = [getattr(result.reply, "code", None) for result in results]
            assert limited == codes.count(RATE_LIMITED)
            # The live buckets only counted the sync itself (the flood limit).
            assert set(live) == set(service._buckets)

    @given(
        st.lists(
            st.tuples(
                st.integers(0, 6 * HOUR), st.sampled_from(["play", "rest", "nap"])
            ),
            max_size=8,
        )
    )
    def test_sync_equals_playing_online_in_at_order(
        self, moves: list[tuple[int, str]]
    ) -> None:
        """A sync leaves the journal and state that live play in ``at`` order would."""
        offline, player = _service()
        online, same = _service()
        create = CreateCharacter(at=AT + 1, name="Cy", gender="male")
        offline.execute(player, create)
        online.execute(same, create)
        commands = [DoActivity(at=AT + 2 + t, activity=a) for t, a in moves]
        results = offline.sync_offline(player, commands, now=AT + 7 * HOUR)
        for index in sync_order([command.at for command in commands]):
            live = online.execute(same, commands[index])
            assert live.reply == results[index].reply
        mine, theirs = offline.load(player), online.load(same)
        assert theirs.state == mine.state
        store = offline.store
        assert isinstance(store, InMemoryStore)
        assert mine.state == replay(store.journal(player), CATALOG)

    def test_a_sync_over_the_live_flood_limit_applies_nothing(self) -> None:
        """The sync frame counts once against the live limits; over them, every
        action is ``rate_limited`` and the journal is unchanged."""
        service, player = _service()
        flood = next(x for x in CATALOG.rate_limits.limits if x.id == "flood")
        now = AT + 3 * HOUR
        for _ in range(flood.per_minute):
            service.sync_offline(player, [], now=now)
        rest = DoActivity(at=AT + HOUR, activity="rest")
        (result,) = service.sync_offline(player, [rest], now=now)
        assert isinstance(result.reply, Rejection)
        assert RATE_LIMITED == result.reply.code
        assert result.reply.retry_after_ms is not None
        assert 1 == _journal(service, player)
