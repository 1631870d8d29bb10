"""Embed the BaoLife server in your own asyncio program.

Run it with ``uv run python examples/ws_server.py``: it builds the SQL store (SQLite
in a temporary directory), the game service and the WebSocket server on a free
port, plays one short session with a real WebSocket client, and shuts down. Pass
``--forever`` to keep serving on port 8001 until Ctrl-C instead.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from baolife_core import GameService, load_catalog
from baolife_storage_mysql import create_store
from baolife_transport_ws import GameServer, ServerConfig


async def request(ws: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    """Send a request with a fresh rid; return the reply that carries it."""
    rid = uuid.uuid4().hex
    await ws.send(json.dumps({**message, "rid": rid}))
    while True:
        frame = json.loads(await ws.recv())
        for reply in frame["messages"] if frame["type"] == "batch" else [frame]:
            if reply.get("rid") == rid:
                return dict(reply)


async def main(forever: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = create_store(f"sqlite:///{Path(tmp) / 'example.db'}")
        service = GameService(store, load_catalog())
        config = ServerConfig(
            port=8001 if forever else 0,
            token_secret="example-secret-do-not-use-in-production",
        )
        try:
            async with GameServer(service, config) as server:
                url = f"ws://127.0.0.1:{server.port}/"
                if forever:
                    print(f"serving on {url}; Ctrl-C stops")
                    await server.serve_forever()
                    return
                async with connect(url) as ws:
                    hello = {"type": "hello", "device_id": str(uuid.uuid4())}
                    welcome = await request(ws, hello)
                    print("welcome: diamonds", welcome["state"]["account"]["diamonds"])
                    purchase = {
                        "type": "purchase_energy_refill",
                        "refill_type": "overcharge",
                        "idempotency_key": str(uuid.uuid4()),
                    }
                    print("purchase:", await request(ws, purchase))
                    print("again, same key:", await request(ws, purchase))
                    print(
                        "full tier now:",
                        await request(
                            ws,
                            {
                                **purchase,
                                "idempotency_key": "k2",
                                "refill_type": "full",
                            },
                        ),
                    )
        finally:
            store.close()


if __name__ == "__main__":
    asyncio.run(main(forever="--forever" in sys.argv[1:]))
