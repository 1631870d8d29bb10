"""Plain HTTP on the WebSocket port: liveness and readiness probes.

Load balancers and orchestrators probe ``GET /health/live`` (the process serves
requests) and ``GET /health/ready`` (its store answers, so it may take traffic).
websockets hands every HTTP request to ``process_request`` before the WebSocket
handshake; answering with a response ends the request there (DESIGN.md
"Transport": plain HTTP on the same port).

Rules of this module:

- ``/`` is the WebSocket endpoint: its requests continue to the handshake (a plain
  GET there gets websockets' own ``426 Upgrade Required``).
- ``/health/live`` is always ``200 ok``; ``/health/ready`` is ``200 ready`` when the
  readiness check passes and ``503 not ready`` when it fails or times out.
- Every other path is ``404 not found``. The query string is ignored.
- Bodies are short plain text; a failure's details go to the log, not the body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

__all__ = ["LIVE_PATH", "READY_PATH", "WEBSOCKET_PATH", "ProcessRequest", "http_routes"]

WEBSOCKET_PATH = "/"
LIVE_PATH = "/health/live"
READY_PATH = "/health/ready"

ProcessRequest = Callable[[ServerConnection, Request], Awaitable[Response | None]]


def http_routes(ready: Callable[[], Awaitable[bool]]) -> ProcessRequest:
    """A ``process_request`` hook serving the probes; ``ready`` runs the check."""

    async def process_request(
        connection: ServerConnection, request: Request
    ) -> Response | None:
        path = request.path.partition("?")[0]
        if path == WEBSOCKET_PATH:
            return None
        if path == LIVE_PATH:
            return connection.respond(HTTPStatus.OK, "ok\n")
        if path == READY_PATH:
            if await ready():
                return connection.respond(HTTPStatus.OK, "ready\n")
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "not ready\n")
        return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")

    return process_request
