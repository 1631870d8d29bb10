"""App Store diamond products, loaded from ``content/store.toml``.

Validated with located errors: product ids in App Store form (1-100 letters, digits,
``_``, ``.``, ``-``), distinct, each crediting 1..1,000,000 diamonds. The purchase
handlers are in ``store``; this module holds only the content, so the catalog can
load it without importing the engine.
"""

from __future__ import annotations

import re
from importlib.resources.abc import Traversable

from attrs import frozen

from ..content_reader import Entry, read_toml

__all__ = ["FILE", "PRODUCT_ID", "Product", "StoreRules", "load_store"]

FILE = "store.toml"
#: What an App Store product id may look like.
PRODUCT_ID = re.compile(r"[A-Za-z0-9_.-]{1,100}")


@frozen
class Product:
    """A diamond pack sold in the App Store."""

    id: str  # the App Store product id (``productId`` of a signed transaction)
    name: str  # display name
    diamonds: int  # diamonds one purchase credits


@frozen
class StoreRules:
    """Everything ``store.toml`` says."""

    products: tuple[Product, ...]  # in content order

    def product(self, product_id: str) -> Product | None:
        """The product with this id, or None."""
        return next((p for p in self.products if p.id == product_id), None)


def load_store(directory: Traversable) -> StoreRules:
    """Load and validate ``store.toml``; a ``ContentError`` names where it failed."""
    root = Entry(FILE, "(top level)", read_toml(directory, FILE))
    products = []
    for entry in root.tables("products"):
        product = Product(
            id=entry.text("id"),
            name=entry.text("name"),
            diamonds=entry.integer("diamonds", low=1, high=1_000_000),
        )
        if not PRODUCT_ID.fullmatch(product.id):
            raise entry.error(
                "id", "must be 1-100 letters, digits, '_', '.' or '-' (an App Store id)"
            )
        entry.done()
        products.append(product)
    root.done()
    return StoreRules(products=tuple(products))
