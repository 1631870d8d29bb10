"""Plain HTTP on the WebSocket port: probes, metrics and the app's static pages.

Load balancers and orchestrators probe ``GET /health/live`` (the process serves
requests) and ``GET /health/ready`` (its store answers, so it may take traffic);
Prometheus scrapes ``GET /metrics``; the app links to ``/privacy``, ``/terms`` and
``/support`` (its App Store listing needs them). websockets hands every HTTP
request to ``process_request`` before the WebSocket handshake; answering with a
response ends the request there (DESIGN.md "Transport": plain HTTP on the same
port).

Rules of this module:

- ``/`` is the WebSocket endpoint: its requests continue to the handshake (a plain
  GET there gets websockets' own ``426 Upgrade Required``).
- ``/health/live`` is always ``200 ok``; ``/health/ready`` is ``200 ready`` when the
  readiness check passes and ``503 not ready`` when it fails or times out.
- ``/metrics`` is the server's ``ServerMetrics`` in Prometheus' text format, with
  its content type; without metrics it is ``404`` like any unknown path.
- ``/privacy``, ``/terms`` and ``/support`` are HTML5 pages shipped in the package
  (``static/``, read once at import: a broken install fails at start, not on the
  first visit), served as ``text/html; charset=utf-8``. The operator replaces their
  placeholder contact address (docs/operations.md "HTTP endpoints").
- Every other path is ``404 not found``. The query string is ignored; only GET
  reaches this hook (websockets refuses other methods).
- Bodies of the probes are short plain text; a failure's details go to the log,
  not the body.
"""

from __future__ import annotations

import email.utils
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from importlib import resources

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from .metrics import ServerMetrics

__all__ = [
    "HTML_CONTENT_TYPE",
    "LIVE_PATH",
    "METRICS_PATH",
    "PAGES",
    "READY_PATH",
    "WEBSOCKET_PATH",
    "ProcessRequest",
    "http_routes",
]

WEBSOCKET_PATH = "/"
LIVE_PATH = "/health/live"
READY_PATH = "/health/ready"
METRICS_PATH = "/metrics"
HTML_CONTENT_TYPE = "text/html; charset=utf-8"


def _page(name: str) -> bytes:
    """A static page's bytes, from the package data."""
    static = resources.files("baolife_transport_ws").joinpath("static")
    return static.joinpath(name).read_bytes()


#: The static pages by path (module rules).
PAGES: dict[str, bytes] = {
    "/privacy": _page("privacy.html"),
    "/terms": _page("terms.html"),
    "/support": _page("support.html"),
}

ProcessRequest = Callable[[ServerConnection, Request], Awaitable[Response | None]]


def _respond(status: HTTPStatus, body: bytes, content_type: str) -> Response:
    """A response with the headers ``ServerConnection.respond`` sets, but any body
    and content type."""
    headers = Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Connection", "close"),
            ("Content-Length", str(len(body))),
            ("Content-Type", content_type),
        ]
    )
    return Response(status.value, status.phrase, headers, body)


def http_routes(
    ready: Callable[[], Awaitable[bool]], metrics: ServerMetrics | None = None
) -> ProcessRequest:
    """A ``process_request`` hook serving the routes above; ``ready`` runs the
    readiness check, ``metrics`` (if any) is rendered at ``/metrics``."""

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
        if path == METRICS_PATH and metrics is not None:
            return _respond(HTTPStatus.OK, *metrics.render())
        page = PAGES.get(path)
        if page is not None:
            return _respond(HTTPStatus.OK, page, HTML_CONTENT_TYPE)
        return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")

    return process_request
