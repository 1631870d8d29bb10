"""Tests of ``baolife_core.service``'s accounts (GDPR): the export, the delayed
deletion with its grace, the purge, and what a purge leaves of a store purchase;
on the reference ``InMemoryStore`` (the SQL store: ``tests/storage_mysql``)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from attrs import define, field

from baolife_core.catalog import load_catalog
from baolife_core.commands import PurchaseEnergyRefill
from baolife_core.errors import ConcurrencyError, ConflictError, PlayerNotFoundError
from baolife_core.memory_store import InMemoryStore
from baolife_core.ports import Account, PurgedAccount, Tombstone, VerifiedPurchase
from baolife_core.replies import ALREADY_CLAIMED, Rejection
from baolife_core.service import (
    DELETION_GRACE_MS,
    EXPORT_FORMAT,
    GameService,
)

CATALOG = load_catalog()
AT = 1_700_000_000_000
PID = "player-1"
OTHER = "player-2"
DEVICE = "device-1"
#: When the player asks for deletion, and when its grace ends.
ASKED = AT + 60_000
DUE = ASKED + DELETION_GRACE_MS
PACK = "com.baolife.diamonds.550"


@define
class FakeVerifier:
    """``product|transaction`` verifies as a sandbox purchase."""

    def verify(self, signed_transaction: str, *, at: int) -> VerifiedPurchase:
        product, transaction = signed_transaction.split("|")
        return VerifiedPurchase(
            product_id=product,
            transaction_id=transaction,
            original_transaction_id=transaction,
            environment="sandbox",
            purchased_at=at - 1,
            revoked=False,
        )


def players(
    store: InMemoryStore | None = None, **options: int
) -> tuple[GameService, InMemoryStore]:
    """A service over a store with ``PID`` (who bought a refill) and ``OTHER``."""
    store = InMemoryStore() if store is None else store
    service = GameService(store, CATALOG, verifier=FakeVerifier(), **options)
    service.login_device(DEVICE, new_player_id=PID, seed=42, at=AT)
    service.login_device("device-2", new_player_id=OTHER, seed=43, at=AT)
    refill = PurchaseEnergyRefill(
        at=AT + 1, refill_type="overcharge", idempotency_key="k"
    )
    assert not isinstance(service.execute(PID, refill).reply, Rejection)
    return service, store


def credit(service: GameService, player: str, transaction: str, at: int) -> object:
    """Ask the service to credit a 550-diamond pack; the reply."""
    return service.credit_store_purchase(
        player,
        product_id=PACK,
        transaction_id=transaction,
        signed_transaction=f"{PACK}|{transaction}",
        at=at,
    ).reply


class TestAccountRecord:
    """``Account``: when a token opens it, when it is due."""

    @pytest.mark.parametrize(
        ("issued_at", "at", "purge_after", "accepted"),
        [
            (ASKED - 1000, ASKED, None, False),  # stamped before the revocation
            (ASKED, ASKED, None, False),  # stamped in its very second
            (ASKED + 1000, ASKED + 1000, None, True),  # stamped after it
            (ASKED + 1000, DUE - 1, DUE, True),  # within the grace
            (ASKED + 1000, DUE, DUE, False),  # the grace has ended
        ],
    )
    def test_accepts_token(
        self, issued_at: int, at: int, purge_after: int | None, accepted: bool
    ) -> None:
        """Revoked up to ``tokens_valid_after`` (whole seconds), and once due."""
        account = Account(PID, AT, ASKED, ASKED, purge_after)
        assert accepted == account.accepts_token(issued_at, at)

    def test_due(self) -> None:
        """Due from ``purge_after`` on; never when nothing is scheduled."""
        scheduled = Account(PID, AT, ASKED, ASKED, DUE)
        assert (False, True, True) == tuple(
            scheduled.due(at) for at in (DUE - 1, DUE, DUE + 1)
        )
        assert not Account(PID, AT, 0, None, None).due(DUE)
        assert scheduled.deletion_scheduled
        assert not Account(PID, AT, 0, None, None).deletion_scheduled


class TestExport:
    """``GameService.export_data``: one JSON-able document of the player's records."""

    def test_the_document(self) -> None:
        """Format, player, instant and every record of the player, JSON-able."""
        service, store = players()
        document = service.export_data(PID, at=ASKED)
        assert (EXPORT_FORMAT, PID, ASKED) == (
            document["format"],
            document["player_id"],
            document["exported_at"],
        )
        tables = document["tables"]
        assert isinstance(tables, dict)
        assert [0, 1] == [row["seq"] for row in tables["player_journal"]]
        assert len(store.events[PID]) == len(tables["events"])
        assert 1 == len(tables["processed_transactions"])
        assert DEVICE == tables["users"][0]["device_id"]
        assert document == json.loads(json.dumps(document))
        assert OTHER not in json.dumps(document)

    def test_an_unknown_player(self) -> None:
        """``PlayerNotFoundError``."""
        service, _ = players()
        with pytest.raises(PlayerNotFoundError):
            service.export_data("nobody", at=ASKED)


class TestDeletion:
    """``request_account_deletion`` and ``cancel_account_deletion``."""

    def test_a_request_revokes_and_schedules(self) -> None:
        """Tokens up to now are revoked; the purge is 30 days away."""
        service, store = players()
        account = service.request_account_deletion(PID, at=ASKED)
        assert Account(PID, AT, ASKED, ASKED, DUE) == account
        assert account == store.account(PID)

    def test_the_grace_is_a_setting(self) -> None:
        """``deletion_grace_ms`` replaces the 30 days."""
        service, _ = players(deletion_grace_ms=5_000)
        assert (
            ASKED + 5_000 == service.request_account_deletion(PID, at=ASKED).purge_after
        )

    def test_asking_again_never_extends_the_grace(self) -> None:
        """The first schedule stays; the tokens are revoked again."""
        service, _ = players()
        service.request_account_deletion(PID, at=ASKED)
        again = service.request_account_deletion(PID, at=ASKED + 9_000)
        assert Account(PID, AT, ASKED + 9_000, ASKED, DUE) == again

    def test_a_cancel_within_the_grace(self) -> None:
        """True, unscheduled, the tokens stay revoked; a second cancel is False."""
        service, store = players()
        service.request_account_deletion(PID, at=ASKED)
        assert service.cancel_account_deletion(PID, at=DUE - 1)
        assert Account(PID, AT, ASKED, None, None) == store.account(PID)
        assert not service.cancel_account_deletion(PID, at=DUE - 1)
        assert [] == service.purge_due_accounts(at=DUE + 1)

    @pytest.mark.parametrize("late", [0, 1, DELETION_GRACE_MS])
    def test_after_the_grace(self, late: int) -> None:
        """Once due the account is as good as gone: no cancel, no new request."""
        service, store = players()
        service.request_account_deletion(PID, at=ASKED)
        before = store.account(PID)
        with pytest.raises(PlayerNotFoundError):
            service.cancel_account_deletion(PID, at=DUE + late)
        with pytest.raises(PlayerNotFoundError):
            service.request_account_deletion(PID, at=DUE + late)
        assert before == store.account(PID)

    @pytest.mark.parametrize(
        "call",
        [
            lambda service: service.request_account_deletion("nobody", at=ASKED),
            lambda service: service.cancel_account_deletion("nobody", at=ASKED),
            lambda service: service.account("nobody"),
        ],
        ids=["request", "cancel", "account"],
    )
    def test_an_unknown_player(self, call: Callable[[GameService], object]) -> None:
        """``PlayerNotFoundError``, and nothing changes."""
        service, store = players()
        accounts = dict(store.accounts)
        with pytest.raises(PlayerNotFoundError):
            call(service)
        assert accounts == store.accounts


@define
class FlakyStore(InMemoryStore):
    """A store whose account writes lose ``failures`` races first."""

    failures: int = 1
    calls: list[str] = field(factory=list)

    def _race(self, name: str) -> None:
        self.calls.append(name)
        if len(self.calls) <= self.failures:
            raise ConcurrencyError("deadlock")

    def schedule_deletion(
        self, player_id: str, *, at: int, purge_after: int
    ) -> Account:
        self._race("schedule")
        return super().schedule_deletion(player_id, at=at, purge_after=purge_after)

    def cancel_deletion(self, player_id: str, *, at: int) -> bool:
        self._race("cancel")
        return super().cancel_deletion(player_id, at=at)


class TestRetries:
    """Account writes retry transient conflicts, boundedly."""

    def test_a_lost_race_is_retried(self) -> None:
        """One deadlock, then the write lands."""
        store = FlakyStore(failures=1)
        service, _ = players(store)
        assert DUE == service.request_account_deletion(PID, at=ASKED).purge_after
        assert ["schedule", "schedule"] == store.calls

    def test_too_many_lost_races_are_a_conflict(self) -> None:
        """Every attempt lost: ``ConflictError``, and nothing scheduled."""
        store = FlakyStore(failures=100)
        service, _ = players(store, max_attempts=3)
        with pytest.raises(ConflictError):
            service.cancel_account_deletion(PID, at=ASKED)
        assert ["cancel"] * 3 == store.calls
        assert store.accounts[PID].purge_after is None


class TestPurge:
    """``purge_due_accounts``: every record goes, a tombstone stays."""

    def test_nothing_before_the_grace_ends(self) -> None:
        """A millisecond early: nothing purged, nothing changed."""
        service, store = players()
        service.request_account_deletion(PID, at=ASKED)
        assert [] == service.purge_due_accounts(at=DUE - 1)
        assert PID in store.players
        assert [] == store.deletion_log

    def test_every_record_goes(self) -> None:
        """The player is gone from every dict; the other player keeps all."""
        service, store = players()
        other = (store.players[OTHER], store.accounts[OTHER], store.journals[OTHER])
        service.request_account_deletion(PID, at=ASKED)
        (purged,) = service.purge_due_accounts(at=DUE)
        assert PID == purged.player_id
        assert (ASKED, DUE) == (
            purged.tombstone.requested_at,
            purged.tombstone.purged_at,
        )
        assert [purged.tombstone] == store.deletion_log
        assert PID not in repr(
            (store.players, store.devices, store.journals, store.events)
        )
        assert PID not in repr((store.processed, store.accounts))
        assert other == (
            store.players[OTHER],
            store.accounts[OTHER],
            store.journals[OTHER],
        )

    def test_the_tombstone_counts(self) -> None:
        """Per table, the records removed, by table name."""
        service, store = players()
        events = len(store.events[PID])
        service.request_account_deletion(PID, at=ASKED)
        (purged,) = service.purge_due_accounts(at=DUE)
        counts = (
            ("events", events),
            ("player_journal", 2),
            ("players", 1),
            ("processed_transactions", 1),
            ("users", 1),
        )
        assert Tombstone(ASKED, DUE, counts) == purged.tombstone

    def test_in_batches_oldest_first(self) -> None:
        """Batches of one still purge every due account, the longest due first."""
        service, _ = players()
        service.request_account_deletion(OTHER, at=ASKED)
        service.request_account_deletion(PID, at=ASKED + 1)
        purged = service.purge_due_accounts(at=DUE + 1, batch=1)
        assert [OTHER, PID] == [done.player_id for done in purged]
        assert all(isinstance(done, PurgedAccount) for done in purged)

    def test_a_purged_purchase_is_never_credited_again(self) -> None:
        """A store transaction of a purged player stays claimed by nobody: the
        service answers ``already_claimed`` to anyone who sends it again."""
        service, store = players()
        assert not isinstance(credit(service, PID, "tx-1", AT + 2), Rejection)
        service.request_account_deletion(PID, at=ASKED)
        service.purge_due_accounts(at=DUE)
        assert {"tx-1": None} == store.store_transactions
        balance = store.players[OTHER].state.wallet.diamonds
        reply = credit(service, OTHER, "tx-1", DUE + 1)
        assert isinstance(reply, Rejection)
        assert ALREADY_CLAIMED == reply.code
        assert balance == store.players[OTHER].state.wallet.diamonds
        assert service.refund_store_transaction("tx-1", "refund", DUE + 2) is None
