"""Ids the core mints, derived from the player's seed and ``seq`` (DESIGN.md rule 3).

A replay mints the same ids, so a transaction id in the ledger, the reply and the
journal always agree.
"""

from __future__ import annotations

import uuid

__all__ = ["BAOLIFE_NAMESPACE", "mint_id"]

#: The uuid5 namespace of every id BaoLife mints (a fixed, random-looking constant).
BAOLIFE_NAMESPACE = uuid.UUID("6f1c1a43-7d8e-4f55-9a51-2b0f3c9d8e10")


def mint_id(seed: int, seq: int, purpose: str) -> str:
    """A stable uuid5 for ``purpose`` within command ``seq`` of the player ``seed``."""
    return str(uuid.uuid5(BAOLIFE_NAMESPACE, f"{seed}/{seq}/{purpose}"))
