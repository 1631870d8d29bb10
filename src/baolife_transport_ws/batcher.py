"""The outgoing batcher: one connection's bounded queue and its producer task.

Everything the server sends on a connection — replies to requests and pushes —
goes through an ``OutgoingBatcher``, so a slow client costs a bounded amount of
memory and many small messages share one WebSocket frame (DESIGN.md "Transport").

Flush rule (documented in ``docs/protocol.md``):

1. Every outgoing message is queued, tagged as a *reply* (it answers a request) or a
   *push* (unsolicited). The queue is FIFO; order on the wire is queue order.
2. A frame carries the oldest queued messages, at most ``max_messages`` (10): one
   message goes out bare, two or more as ``{"type": "batch", "messages": [...]}``.
3. The queue is flushed

   a. promptly when it holds a reply: the producer wakes on the event loop's next
      iteration after the reply was queued, so the messages produced in the same
      iteration (pipelined requests answered without I/O, pings, errors) leave
      together, and a lone reply never waits for the timer. Pushes queued before or
      with the reply leave in the same frame. A push offered with ``prompt=True``
      (the game tick's: one round's messages are all there is to wait for) is
      flushed the same way;
   b. when it holds ``max_messages`` messages;
   c. when its oldest push has waited ``interval`` (100 ms) since it was queued;
   d. when the batcher is closed (what is left goes out, then the producer ends).

   When more than ``max_messages`` are due, frames follow back to back.
4. Backpressure: the consumer awaits ``room`` after each request it answered,
   which returns at once while the queue is at most half full and otherwise
   waits for the producer to send (up to a timeout). A client that pipelines a
   burst of requests but reads its replies is so slowed to its own reading
   speed instead of overflowing the queue; one that reads nothing still fills
   it (5).
5. Offering a message to a full queue (``queue_max``, 256) raises
   ``OutgoingQueueFullError``: the client does not read fast enough. The server then
   closes the connection with 1013 (try again later); nothing is buffered without
   end. Messages offered after ``close()`` or ``abort()`` are dropped.

Rules of this module:

- ``offer`` encodes the message to JSON at once, so an unencodable message fails
  at its source (as an ``internal`` error) and never kills the producer.
- The batcher never drops or reorders a queued message except on ``abort()``.
- It is single-loop code: ``offer``, ``close`` and ``abort`` are called on the event
  loop that runs ``run``.
- ``on_frame``, if given, is called with the number of messages in each frame
  after ``send`` returned (the server counts frames and batch sizes with it).
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

from baolife_core import BaolifeError

__all__ = ["OutgoingBatcher", "OutgoingQueueFullError", "encode"]


class OutgoingQueueFullError(BaolifeError):
    """A connection's outgoing queue is full: its client reads too slowly."""


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def encode(message: dict[str, Any]) -> str:
    """Compact JSON text of one message (UTF-8 on the wire)."""
    return _ENCODER.encode(message)


class _Queued(NamedTuple):
    text: str  # the encoded message
    prompt: bool  # flushed promptly: a reply to a request, or a prompt push
    queued_at: float  # loop time when it was offered


class OutgoingBatcher:
    """Queues outgoing messages and sends them in batches by the flush rule."""

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        *,
        max_messages: int = 10,
        interval: float = 0.1,
        queue_max: int = 256,
        on_frame: Callable[[int], None] | None = None,
    ) -> None:
        self._send = send  # writes one text frame (``ServerConnection.send``)
        self._on_frame = on_frame  # told each sent frame's message count (metrics)
        self._max_messages = max_messages
        self._interval = interval  # seconds a push may wait
        self._queue_max = queue_max
        self._queue: deque[_Queued] = deque()
        self._replies = 0  # replies in the queue
        self._wakeup = asyncio.Event()
        self._sent = asyncio.Event()  # set after each frame sent (``room``)
        self._sending = False  # True while ``send`` is awaited
        self._closed = False

    def __len__(self) -> int:
        """Messages queued and not yet handed to ``send``."""
        return len(self._queue)

    @property
    def idle(self) -> bool:
        """True when nothing is queued or being sent: a frame written to the
        connection now cannot overtake a queued message (``frames``)."""
        return not self._queue and not self._sending and not self._closed

    def frames(self, messages: list[dict[str, Any]]) -> list[str]:
        """``messages`` encoded as the producer would send them (rule 2), for a
        caller that writes them itself while the batcher is ``idle``."""
        texts = [encode(message) for message in messages]
        step = self._max_messages
        return [_frame(texts[i : i + step]) for i in range(0, len(texts), step)]

    @property
    def closed(self) -> bool:
        """True once ``close`` or ``abort`` was called."""
        return self._closed

    def offer(
        self, message: dict[str, Any], *, reply: bool, prompt: bool = False
    ) -> None:
        """Queue one message, or raise ``OutgoingQueueFullError``.

        ``reply`` and ``prompt`` messages are flushed promptly (rule 3a).
        """
        if self._closed:
            return
        if len(self._queue) >= self._queue_max:
            raise OutgoingQueueFullError(f"{len(self._queue)} messages queued")
        now = asyncio.get_running_loop().time()
        prompt = reply or prompt
        self._queue.append(_Queued(encode(message), prompt, now))
        self._replies += prompt
        self._wakeup.set()

    async def room(self, timeout: float) -> None:
        """Return once the queue is at most half full, or closed, or after
        ``timeout`` seconds (rule 4)."""
        half = self._queue_max // 2
        if len(self._queue) <= half or self._closed:
            return
        try:
            async with asyncio.timeout(timeout):
                while len(self._queue) > half and not self._closed:
                    self._sent.clear()
                    await self._sent.wait()
        except TimeoutError:
            pass

    def close(self) -> None:
        """Accept nothing more; ``run`` sends what is queued, then returns."""
        self._closed = True
        self._wakeup.set()
        self._sent.set()

    def abort(self) -> None:
        """Accept nothing more and drop what is queued; ``run`` returns."""
        self._closed = True
        self._queue.clear()
        self._replies = 0
        self._wakeup.set()
        self._sent.set()

    async def run(self) -> None:
        """The producer: send frames by the flush rule until closed and empty.

        Exceptions of ``send`` (``ConnectionClosed``) propagate to the caller.
        """
        while True:
            await self._until_due()
            if not self._queue:
                return  # closed, and everything was sent
            count = min(len(self._queue), self._max_messages)
            self._sending = True
            try:
                await self._send(self._take())
            finally:
                self._sending = False
            self._sent.set()
            if self._on_frame is not None:
                self._on_frame(count)

    async def _until_due(self) -> None:
        """Return when a flush is due (rule 3), or when closed with nothing left."""
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue:
                if self._closed:
                    return
                await self._wait(None)
            elif self._replies:
                return  # rule 3a: we were woken after the turn that queued it
            elif self._closed or len(self._queue) >= self._max_messages:
                return
            else:
                due = self._queue[0].queued_at + self._interval
                if due <= loop.time():
                    return
                await self._wait(due - loop.time())

    async def _wait(self, timeout: float | None) -> None:
        """Sleep until something is offered or closed, or until ``timeout``."""
        self._wakeup.clear()
        if timeout is None:
            await self._wakeup.wait()
            return
        try:
            async with asyncio.timeout(timeout):
                await self._wakeup.wait()
        except TimeoutError:
            pass

    def _take(self) -> str:
        """Remove the oldest messages (rule 2) and return the frame's text."""
        count = min(len(self._queue), self._max_messages)
        taken = [self._queue.popleft() for _ in range(count)]
        self._replies -= sum(item.prompt for item in taken)
        return _frame([item.text for item in taken])


def _frame(texts: list[str]) -> str:
    """One frame of encoded messages: bare if one, else a ``batch`` (rule 2)."""
    if len(texts) == 1:
        return texts[0]
    return '{"type":"batch","messages":[' + ",".join(texts) + "]}"
