"""Migration 0008 (operations): a downgrade never unclaims a store transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from baolife_storage_mysql import make_engine, run_migrations

from .migrate_support import HEAD, downgrade, revision_of


class TestDowngradeBelow0008:
    """Store transactions of purged players cannot exist before 0008."""

    def test_refused_while_a_purged_players_transaction_is_claimed(
        self, tmp_path: Path
    ) -> None:
        """A transaction with no player left refuses the downgrade, which changes
        nothing; without one the downgrade goes through."""
        engine = make_engine(f"sqlite:///{tmp_path / 'ops.db'}")
        try:
            run_migrations(engine)
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO store_transactions "
                        "(transaction_id, player_id, bound_at) VALUES ('tx-1', NULL, 5)"
                    )
                )
            with pytest.raises(RuntimeError, match="1 store transactions belong"):
                downgrade(engine, "0007")
            assert HEAD == revision_of(engine)
            with engine.begin() as connection:
                connection.execute(text("DELETE FROM store_transactions"))
            downgrade(engine, "0007")
            assert "0007" == revision_of(engine)
        finally:
            engine.dispose()
