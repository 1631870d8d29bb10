"""BaoLife's WebSocket transport: the asyncio server the iOS client talks to.

It speaks PROTOCOL.md over one WebSocket per device (JSON text frames, path ``/``)
and plain HTTP health probes on the same port, and drives a ``GameService`` passed
in by the composition root; it imports no storage adapter.

>>> from baolife_core import GameService, InMemoryStore, load_catalog
>>> service = GameService(InMemoryStore(), load_catalog())
>>> config = ServerConfig(port=0, token_secret="change-me-please-32-bytes-long!!")
>>> server = GameServer(service, config)   # then: async with server: ...

``GameClient`` (``client``) is the matching client, with reconnect and an offline
queue (``docs/client.md``). See ``docs/protocol.md`` for every message, error
code, close code and the batching rule (``batcher``).
"""

from __future__ import annotations

from .auth import TokenError, TokenSigner
from .batcher import OutgoingBatcher, OutgoingQueueFullError
from .client import GameClient
from .config import ServerConfig
from .server import GameServer

__all__ = [
    "GameClient",
    "GameServer",
    "OutgoingBatcher",
    "OutgoingQueueFullError",
    "ServerConfig",
    "TokenError",
    "TokenSigner",
]
