"""Tests of ``baolife_core.economy.store``: App Store diamond packs and refunds."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from attrs import evolve, frozen
from hypothesis import given
from hypothesis import strategies as st

from baolife_core.catalog import load_catalog
from baolife_core.commands import CreditStorePurchase, RevokeStorePurchase
from baolife_core.economy.store import (
    Product,
    StoreRules,
    credit_store_purchase,
    credited_diamonds,
    load_store,
    revoke_store_purchase,
)
from baolife_core.engine import new_player
from baolife_core.errors import ContentError
from baolife_core.events import (
    DiamondsCredited,
    DiamondsSpent,
    LedgerEvent,
    StorePurchaseCredited,
    StorePurchaseRevoked,
)
from baolife_core.ids import mint_id
from baolife_core.outcome import Outcome
from baolife_core.replies import (
    ALREADY_CLAIMED,
    NOT_FOUND,
    Rejection,
    StorePurchaseResult,
    StoreRevocationResult,
)
from baolife_core.state import PlayerState

SEED = 11
AT = 1_700_000_000_000
CONTENT = resources.files("baolife_core") / "content"
RULES = load_store(CONTENT)
#: A product of the bundled content: 100 diamonds.
SMALL = "com.baolife.diamonds.100"
#: 7000 diamonds.
LARGE = "com.baolife.diamonds.7000"


@frozen
class StoreOnly:
    """The part of the catalog the store handlers read (``Catalog.store``)."""

    store: StoreRules


CATALOG = StoreOnly(store=RULES)


def player(diamonds: int = 1000) -> PlayerState:
    """A fresh player (the starting grant is 1000) with ``diamonds`` in the wallet."""
    state = new_player(seed=SEED, at=AT, catalog=load_catalog())
    spent = 1000 - diamonds
    wallet = evolve(state.wallet, diamonds=diamonds, spent=spent)
    return evolve(state, wallet=wallet)


def bought(
    transaction_id: str = "2000000001", product_id: str = SMALL, at: int = AT
) -> CreditStorePurchase:
    """A verified purchase command."""
    return CreditStorePurchase(
        at=at,
        product_id=product_id,
        transaction_id=transaction_id,
        original_transaction_id=transaction_id,
        environment="sandbox",
        purchased_at=at - 1000,
    )


def refunded(transaction_id: str = "2000000001", at: int = AT) -> RevokeStorePurchase:
    """A refund notification command."""
    return RevokeStorePurchase(at=at, transaction_id=transaction_id, reason="refund")


def run(state: PlayerState, *commands: object) -> tuple[PlayerState, list[Outcome]]:
    """Apply the commands in order (rejections keep the state); every outcome."""
    outcomes = []
    for command in commands:
        if isinstance(command, CreditStorePurchase):
            outcome = credit_store_purchase(state, command, CATALOG)
        else:
            assert isinstance(command, RevokeStorePurchase)
            outcome = revoke_store_purchase(state, command, CATALOG)
        outcomes.append(outcome)
        state = outcome.state
    return state, outcomes


class TestLoadStore:
    """``store.toml`` loads, and bad content names file, entry and field."""

    def test_bundled_products(self) -> None:
        """Five diamond packs, smallest first."""
        assert [
            (SMALL, 100),
            ("com.baolife.diamonds.550", 550),
            ("com.baolife.diamonds.1200", 1200),
            ("com.baolife.diamonds.2600", 2600),
            (LARGE, 7000),
        ] == [(p.id, p.diamonds) for p in RULES.products]
        assert Product(id=SMALL, name="Pouch of Diamonds", diamonds=100) == (
            RULES.product(SMALL)
        )
        assert None is RULES.product("com.baolife.diamonds.1")

    def test_every_product_id_fits_the_command(self) -> None:
        """Each bundled product id is accepted by ``CreditStorePurchase``."""
        for product in RULES.products:
            assert product.id == bought(product_id=product.id).product_id

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("", "store.toml: (top level).products: is required"),
            ("products = []", "store.toml: products: must be a non-empty array"),
            (
                '[[products]]\nid = "a"\nname = "A"\ndiamonds = 0\n',
                "store.toml: products[a].diamonds: must be within 1..1000000, got 0",
            ),
            (
                '[[products]]\nid = "a b"\nname = "A"\ndiamonds = 1\n',
                "store.toml: products[a b].id: must be 1-100 letters",
            ),
            (
                '[[products]]\nid = "a"\nname = "A"\ndiamonds = 1\n'
                '[[products]]\nid = "a"\nname = "B"\ndiamonds = 2\n',
                "store.toml: products[a].id: duplicates an earlier entry 'a'",
            ),
            (
                '[[products]]\nid = "a"\nname = "A"\ndiamonds = 1\nprice = 99\n',
                "store.toml: products[a].price: is not a known field",
            ),
            (
                '[[products]]\nid = "a"\ndiamonds = 1\n',
                "store.toml: products[a].name: is required",
            ),
            ('[[products]]\nid = "a"\n', "store.toml: products[a]."),
            ("products = [", "store.toml: is not valid TOML"),
        ],
        ids=[
            "empty",
            "no-products",
            "zero-diamonds",
            "bad-id",
            "duplicate",
            "unknown-field",
            "no-name",
            "incomplete",
            "bad-toml",
        ],
    )
    def test_errors_are_located(self, tmp_path: Path, text: str, expected: str) -> None:
        """Each problem is a ``ContentError`` naming the file, entry and field."""
        (tmp_path / "store.toml").write_text(text, encoding="utf-8")
        with pytest.raises(ContentError) as raised:
            load_store(tmp_path)
        assert str(raised.value).startswith(expected), str(raised.value)

    def test_missing_file(self, tmp_path: Path) -> None:
        """A content directory without ``store.toml`` says so."""
        with pytest.raises(ContentError, match=r"store\.toml: file is missing"):
            load_store(tmp_path)


class TestCredit:
    """``credit_store_purchase``: once per store transaction, through the ledger."""

    def test_credits_the_product(self) -> None:
        """One ledger credit, the purchase event and ``store_purchase_result``."""
        state = player()
        outcome = credit_store_purchase(state, bought(), CATALOG)
        credited = DiamondsCredited(
            at=AT,
            amount=100,
            reason="store_purchase",
            reference="2000000001",
            balance_after=1100,
            transaction_id=mint_id(SEED, 1, "store_purchase"),
        )
        purchased = StorePurchaseCredited(
            at=AT,
            product_id=SMALL,
            transaction_id="2000000001",
            original_transaction_id="2000000001",
            environment="sandbox",
            diamonds=100,
        )
        assert (credited, purchased) == outcome.events
        assert (
            StorePurchaseResult(
                product_id=SMALL,
                transaction_id="2000000001",
                diamonds_added=100,
                diamonds=1100,
            )
            == outcome.reply
        )
        assert 1 == outcome.state.seq
        assert 1100 == outcome.state.wallet.diamonds
        assert (("2000000001", 100),) == outcome.state.store_transactions
        assert 100 == credited_diamonds(outcome.state.store_transactions, "2000000001")

    def test_the_same_transaction_twice_is_already_claimed(self) -> None:
        """A credited transaction id is refused, and changes nothing."""
        state, _ = run(player(), bought())
        outcome = credit_store_purchase(state, bought(), CATALOG)
        assert isinstance(outcome.reply, Rejection)
        assert ALREADY_CLAIMED == outcome.reply.code
        assert (state, ()) == (outcome.state, outcome.events)

    def test_unknown_product_is_not_found(self) -> None:
        """A product not in ``store.toml`` is refused, and changes nothing."""
        state = player()
        outcome = credit_store_purchase(
            state, bought(product_id="com.baolife.gold"), CATALOG
        )
        assert isinstance(outcome.reply, Rejection)
        assert NOT_FOUND == outcome.reply.code
        assert (state, ()) == (outcome.state, outcome.events)

    def test_transactions_stay_sorted(self) -> None:
        """Entries are kept sorted by transaction id, with their amounts."""
        state, _ = run(
            player(),
            bought("30", LARGE),
            bought("3"),
            bought("200"),
        )
        assert (("200", 100), ("3", 100), ("30", 7000)) == state.store_transactions
        assert 7000 == credited_diamonds(state.store_transactions, "30")
        assert 100 == credited_diamonds(state.store_transactions, "3")
        assert None is credited_diamonds(state.store_transactions, "20")

    def test_transaction_ids_may_hold_colons(self) -> None:
        """Any id the command accepts round-trips through the entries."""
        state, _ = run(player(), bought("a:b:1", LARGE))
        assert 7000 == credited_diamonds(state.store_transactions, "a:b:1")
        assert None is credited_diamonds(state.store_transactions, "a:b")


class TestRevoke:
    """``revoke_store_purchase``: the refund policy (what the balance covers)."""

    def test_full_cover(self) -> None:
        """A balance that covers the purchase loses exactly what it credited."""
        state, _ = run(player(), bought())
        outcome = revoke_store_purchase(state, refunded(), CATALOG)
        spent = DiamondsSpent(
            at=AT,
            amount=100,
            reason="store_refund",
            reference="2000000001",
            balance_after=1000,
            transaction_id=mint_id(SEED, 2, "store_refund"),
        )
        revoked = StorePurchaseRevoked(
            at=AT,
            transaction_id="2000000001",
            reason="refund",
            diamonds=100,
            debited=100,
            debt_after=0,
        )
        assert (spent, revoked) == outcome.events
        assert (
            StoreRevocationResult(transaction_id="2000000001", debited=100, debt=0)
            == outcome.reply
        )
        assert (2, 1000, 0) == (
            outcome.state.seq,
            outcome.state.wallet.diamonds,
            outcome.state.wallet.debt,
        )
        assert ("2000000001",) == outcome.state.store_refunds

    def test_partial_cover_leaves_a_debt(self) -> None:
        """Spent diamonds cannot be taken: the balance goes to 0, the rest is owed."""
        state, _ = run(player(diamonds=0), bought("1", LARGE))
        state = evolve(state, wallet=evolve(state.wallet, diamonds=2500, spent=5500))
        outcome = revoke_store_purchase(state, refunded("1"), CATALOG)
        assert (0, 4500) == (outcome.state.wallet.diamonds, outcome.state.wallet.debt)
        assert StoreRevocationResult(transaction_id="1", debited=2500, debt=4500) == (
            outcome.reply
        )
        assert [2500] == [
            e.amount for e in outcome.events if isinstance(e, DiamondsSpent)
        ]

    def test_empty_wallet_writes_no_ledger_entry(self) -> None:
        """Nothing to take: no ``DiamondsSpent`` of 0, the whole purchase is owed."""
        state, _ = run(player(diamonds=0), bought())
        state = evolve(state, wallet=evolve(state.wallet, diamonds=0, spent=1100))
        outcome = revoke_store_purchase(state, refunded(), CATALOG)
        assert (
            StorePurchaseRevoked(
                at=AT,
                transaction_id="2000000001",
                reason="refund",
                diamonds=100,
                debited=0,
                debt_after=100,
            ),
        ) == outcome.events
        assert 100 == outcome.state.wallet.debt

    def test_debts_add_up(self) -> None:
        """A second uncovered refund adds to the debt."""
        state, _ = run(player(diamonds=0), bought("1"), bought("2"))
        state = evolve(state, wallet=evolve(state.wallet, diamonds=0, spent=1200))
        state, outcomes = run(state, refunded("1"), refunded("2"))
        assert 200 == state.wallet.debt
        assert [100, 200] == [
            o.reply.debt for o in outcomes if isinstance(o.reply, StoreRevocationResult)
        ]

    def test_next_credit_repays_the_debt_first(self) -> None:
        """A later purchase pays off the debt before it adds to the balance."""
        state, _ = run(player(diamonds=0), bought("1", LARGE))
        state = evolve(state, wallet=evolve(state.wallet, diamonds=1000, spent=7000))
        state, _ = run(state, refunded("1"))  # 1000 taken, 6000 owed
        outcome = credit_store_purchase(state, bought("2", SMALL), CATALOG)
        repay = DiamondsSpent(
            at=AT,
            amount=100,
            reason="refund_debt",
            reference="store_refund",
            balance_after=0,
            transaction_id=mint_id(SEED, state.seq + 1, "refund_debt"),
        )
        assert repay == outcome.events[-1]
        assert (0, 5900) == (outcome.state.wallet.diamonds, outcome.state.wallet.debt)
        assert isinstance(outcome.reply, StorePurchaseResult)
        assert (100, 0) == (outcome.reply.diamonds_added, outcome.reply.diamonds)
        state = outcome.state
        outcome = credit_store_purchase(state, bought("3", LARGE), CATALOG)
        assert (1100, 0) == (outcome.state.wallet.diamonds, outcome.state.wallet.debt)

    def test_never_credited_is_not_found(self) -> None:
        """A refund of an id this player was never credited changes nothing."""
        state, _ = run(player(), bought("1"))
        outcome = revoke_store_purchase(state, refunded("2"), CATALOG)
        assert isinstance(outcome.reply, Rejection)
        assert NOT_FOUND == outcome.reply.code
        assert (state, ()) == (outcome.state, outcome.events)

    def test_revoked_twice_is_already_claimed(self) -> None:
        """A second notification of the same refund changes nothing."""
        state, _ = run(player(), bought("1"), refunded("1"))
        outcome = revoke_store_purchase(state, refunded("1"), CATALOG)
        assert isinstance(outcome.reply, Rejection)
        assert ALREADY_CLAIMED == outcome.reply.code
        assert (state, ()) == (outcome.state, outcome.events)

    def test_a_revoked_transaction_is_not_credited_again(self) -> None:
        """The id stays claimed after its refund."""
        state, _ = run(player(), bought("1"), refunded("1"))
        outcome = credit_store_purchase(state, bought("1"), CATALOG)
        assert isinstance(outcome.reply, Rejection)
        assert ALREADY_CLAIMED == outcome.reply.code

    def test_refund_uses_what_was_credited_not_the_current_content(self) -> None:
        """A product changed or removed since the purchase does not change a refund."""
        state, _ = run(player(), bought("1", LARGE))
        other = StoreOnly(store=StoreRules(products=()))
        outcome = revoke_store_purchase(state, refunded("1"), other)
        assert isinstance(outcome.reply, StoreRevocationResult)
        assert 7000 == outcome.reply.debited


_PRODUCTS = [p.id for p in RULES.products]
_ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("buy"), st.integers(0, 5), st.sampled_from(_PRODUCTS)),
        st.tuples(st.just("refund"), st.integers(0, 5), st.just("")),
        st.tuples(st.just("spend"), st.integers(0, 3000), st.just("")),
    ),
    max_size=30,
)


class TestInvariants:
    """Economy invariants under any sequence of purchases, refunds and spending."""

    @given(_ACTIONS)
    def test_balance_is_the_ledger_and_never_negative(
        self, actions: list[tuple[str, int, str]]
    ) -> None:
        """Diamonds = starting grant + ledger; never negative; debt only when 0."""
        state = player()
        ledger: list[LedgerEvent] = []
        for kind, number, product in actions:
            if kind == "spend":  # another feature's debit, as far as it goes
                amount = min(number, state.wallet.diamonds)
                if amount:
                    wallet = evolve(
                        state.wallet,
                        diamonds=state.wallet.diamonds - amount,
                        spent=state.wallet.spent + amount,
                    )
                    state = evolve(state, wallet=wallet)
                    ledger.append(
                        DiamondsSpent(AT, amount, "test", "test", wallet.diamonds, "x")
                    )
                continue
            command = (
                bought(str(number), product) if kind == "buy" else refunded(str(number))
            )
            state, (outcome,) = run(state, command)
            ledger.extend(
                e
                for e in outcome.events
                if isinstance(e, DiamondsCredited | DiamondsSpent)
            )
            assert state.wallet.diamonds >= 0
            assert state.wallet.debt == 0 or state.wallet.diamonds == 0
        total = sum(
            e.amount if isinstance(e, DiamondsCredited) else -e.amount for e in ledger
        )
        assert 1000 + total == state.wallet.diamonds
        assert state.wallet.earned - state.wallet.spent == state.wallet.diamonds
        credited = sum(diamonds for _, diamonds in state.store_transactions)
        refunded_total = sum(
            credited_diamonds(state.store_transactions, tid) or 0
            for tid in state.store_refunds
        )
        taken = sum(
            e.amount
            for e in ledger
            if isinstance(e, DiamondsSpent)
            and e.reason in {"store_refund", "refund_debt"}
        )
        assert refunded_total == taken + state.wallet.debt
        assert credited >= refunded_total
