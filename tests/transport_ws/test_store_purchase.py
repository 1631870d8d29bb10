"""The ``credit_store_purchase`` frame, spoken by a real client to a real server.

The server runs the development verifier (``dev:<product_id>:<transaction_id>``),
as ``baolife serve`` does outside production.
"""

from __future__ import annotations

import uuid
from importlib import resources
from typing import Any

import pytest
from attrs import fields, frozen

from baolife_app.receipts import DevelopmentReceiptVerifier
from baolife_core import (
    Catalog,
    CreditStorePurchase,
    GameService,
    InMemoryStore,
    RevokeStorePurchase,
    engine,
    load_catalog,
)
from baolife_core.economy.store import (
    StoreRules,
    credit_store_purchase,
    load_store,
    revoke_store_purchase,
)

from .conftest import Connect
from .support import ProtocolClient

PACK = "com.baolife.diamonds.550"


def _with_store(catalog: Catalog) -> Catalog:
    """``catalog`` with its store products (a subclass until ``Catalog.store``)."""
    if hasattr(catalog, "store"):
        return catalog

    @frozen
    class WithStore(Catalog):
        store: StoreRules

    values = {f.name: getattr(catalog, f.name) for f in fields(Catalog)}
    content = resources.files("baolife_core") / "content"
    return WithStore(**values, store=load_store(content))  # type: ignore[call-arg]


@pytest.fixture
def service(store: InMemoryStore, monkeypatch: pytest.MonkeyPatch) -> GameService:
    """The engine with the store handlers; the development verifier."""
    monkeypatch.setitem(engine._HANDLERS, CreditStorePurchase, credit_store_purchase)
    monkeypatch.setitem(engine._HANDLERS, RevokeStorePurchase, revoke_store_purchase)
    return GameService(
        store, _with_store(load_catalog()), verifier=DevelopmentReceiptVerifier()
    )


def purchase_frame(
    transaction_id: str | None = None, product_id: str = PACK, **extra: Any
) -> dict[str, Any]:
    """A ``credit_store_purchase`` frame with a development signed transaction."""
    transaction_id = transaction_id or str(uuid.uuid4().int)[:19]
    return {
        "type": "credit_store_purchase",
        "product_id": product_id,
        "transaction_id": transaction_id,
        "signed_transaction": f"dev:{product_id}:{transaction_id}",
        **extra,
    }


async def logged_in(connect: Connect) -> ProtocolClient:
    client = await connect()
    await client.hello()
    return client


class TestCreditStorePurchase:
    """A verified purchase is credited once, to its first player."""

    async def test_credits_the_pack(self, connect: Connect) -> None:
        """The reply names the product and the new balance; the state agrees."""
        client = await logged_in(connect)
        frame = purchase_frame("1000000001")
        reply = await client.request(frame)
        assert {
            "type": "store_purchase_result",
            "product_id": PACK,
            "transaction_id": "1000000001",
            "diamonds_added": 550,
            "diamonds": 1550,
        } == reply
        assert 1550 == await client.diamonds()

    async def test_a_retry_gets_the_first_reply(self, connect: Connect) -> None:
        """Sending the same purchase again credits nothing more."""
        client = await logged_in(connect)
        frame = purchase_frame()
        first = await client.request(frame)
        assert first == await client.request(frame)
        assert 1550 == await client.diamonds()

    async def test_another_player_is_already_claimed(self, connect: Connect) -> None:
        """A transaction credited to one player is refused to another device's."""
        frame = purchase_frame()
        owner = await logged_in(connect)
        assert "store_purchase_result" == (await owner.request(frame))["type"]
        other = await logged_in(connect)
        reply = await other.request(frame)
        assert ("error", "already_claimed") == (reply["type"], reply["code"])
        assert 1000 == await other.diamonds()

    async def test_unverifiable_receipt(self, connect: Connect) -> None:
        """A signed transaction the verifier refuses is ``invalid_receipt``."""
        client = await logged_in(connect)
        frame = {**purchase_frame(), "signed_transaction": "eyJhbGciOiJFUzI1NiJ9.e30.x"}
        reply = await client.request(frame)
        assert ("error", "invalid_receipt") == (reply["type"], reply["code"])
        assert 1000 == await client.diamonds()

    async def test_receipt_for_another_transaction(self, connect: Connect) -> None:
        """The signed transaction must be the one the frame names."""
        client = await logged_in(connect)
        frame = {**purchase_frame("1"), "signed_transaction": f"dev:{PACK}:2"}
        reply = await client.request(frame)
        assert "invalid_receipt" == reply["code"]

    async def test_unknown_product(self, connect: Connect) -> None:
        """A verified product that the content does not sell is ``not_found``."""
        client = await logged_in(connect)
        reply = await client.request(purchase_frame(product_id="com.baolife.gold"))
        assert "not_found" == reply["code"]

    async def test_verified_fields_from_the_client_are_not_trusted(
        self, connect: Connect
    ) -> None:
        """A frame shaped like the journaled command, unsigned, credits nothing."""
        client = await logged_in(connect)
        forged = {
            "type": "credit_store_purchase",
            "product_id": PACK,
            "transaction_id": "1",
            "original_transaction_id": "1",
            "environment": "production",
            "purchased_at": 1,
        }
        reply = await client.request(forged)
        assert ("error", "bad_request") == (reply["type"], reply["code"])
        assert "signed_transaction" in reply["message"]
        assert 1000 == await client.diamonds()

    async def test_before_hello(self, connect: Connect) -> None:
        """Like every request, a purchase needs a session."""
        client = await connect()
        reply = await client.request(purchase_frame())
        assert "unauthenticated" == reply["code"]


class TestFields:
    """Ill-typed fields are ``bad_request`` naming the field; nothing changes."""

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"product_id": None}, "product_id"),
            ({"product_id": 5}, "product_id"),
            ({"product_id": ""}, "product_id"),
            ({"product_id": "com baolife"}, "product_id"),
            ({"product_id": "p" * 101}, "product_id"),
            ({"transaction_id": None}, "transaction_id"),
            ({"transaction_id": 1000000001}, "transaction_id"),
            ({"transaction_id": "t" * 129}, "transaction_id"),
            ({"transaction_id": "a b"}, "transaction_id"),
            ({"signed_transaction": None}, "signed_transaction"),
            ({"signed_transaction": ""}, "signed_transaction"),
            ({"signed_transaction": ["x"]}, "signed_transaction"),
            ({"signed_transaction": "x" * (16 * 1024 + 1)}, "signed_transaction"),
        ],
    )
    async def test_bad_field(
        self, connect: Connect, change: dict[str, Any], field: str
    ) -> None:
        """Each malformed field is refused before any verification."""
        client = await logged_in(connect)
        frame = {
            k: v for k, v in {**purchase_frame(), **change}.items() if v is not None
        }
        reply = await client.request(frame)
        assert ("error", "bad_request") == (reply["type"], reply["code"])
        assert field in reply["message"]
        assert 1000 == await client.diamonds()

    async def test_sixteen_kib_reaches_the_verifier(self, connect: Connect) -> None:
        """A signed transaction of exactly 16 KiB is accepted by the transport."""
        client = await logged_in(connect)
        frame = {**purchase_frame(), "signed_transaction": "x" * (16 * 1024)}
        assert "invalid_receipt" == (await client.request(frame))["code"]


class TestServerOnly:
    """``revoke_store_purchase`` is the server's (a refund notification)."""

    async def test_clients_cannot_revoke(self, connect: Connect) -> None:
        """The frame is ``unknown_type`` and takes nothing back."""
        client = await logged_in(connect)
        frame = purchase_frame("1000000002")
        await client.request(frame)
        reply = await client.request(
            {
                "type": "revoke_store_purchase",
                "transaction_id": "1000000002",
                "reason": "refund",
            }
        )
        assert ("error", "unknown_type") == (reply["type"], reply["code"])
        assert 1550 == await client.diamonds()
