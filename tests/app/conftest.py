"""Fixtures of the composition-root tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    """Undo the global structlog configuration ``main()`` installs."""
    yield
    structlog.reset_defaults()
