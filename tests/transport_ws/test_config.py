"""``ServerConfig``: defaults from PROTOCOL.md and validation of limits."""

from __future__ import annotations

from typing import Any

import pytest

from baolife_transport_ws import ServerConfig

from .support import SECRET


class TestServerConfig:
    """Defaults match the wire contract; nonsense limits are refused."""

    def test_defaults(self) -> None:
        """Port 8001, 64 KiB frames, batches of 10 in 100 ms, 2 workers, deflate."""
        config = ServerConfig(token_secret=SECRET)
        assert (
            config.host,
            config.port,
            config.max_frame_bytes,
            config.batch_max_messages,
            config.batch_interval_ms,
            config.outgoing_queue_max,
            config.workers,
            config.compression,
        ) == ("127.0.0.1", 8001, 65536, 10, 100, 256, 2, True)
        assert config.token_ttl_seconds == 30 * 24 * 3600

    @pytest.mark.parametrize(
        "changes",
        [
            {"token_secret": "short"},
            {"port": -1},
            {"workers": 0},
            {"batch_max_messages": 0},
            {"outgoing_queue_max": True},
            {"close_timeout_seconds": 0},
            {"compression": "deflate"},
        ],
    )
    def test_invalid_values_are_refused(self, changes: dict[str, Any]) -> None:
        """Each out-of-range setting raises at construction."""
        with pytest.raises((ValueError, TypeError)):
            ServerConfig(**{"token_secret": SECRET, **changes})
