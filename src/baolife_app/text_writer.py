"""An optional ``TextWriter`` adapter: NPC lines and dating bios from an LLM.

Rules of this module (issues "Conversations", "Dating" 2; DESIGN.md "The core"):

- It speaks the OpenAI-compatible ``POST {base_url}/chat/completions`` API that
  most hosted and local model servers offer (OpenAI, vLLM, llama.cpp, Ollama).
- It never fails a command: a timeout, an HTTP error, a refusal or a malformed
  answer is logged and returns None, and the engine's template grammar writes the
  line or the bio instead. What it returns is journaled as command data (a
  conversation's ``line``, a ``like``'s ``bio``), so replay never calls the model.
- The prompt carries no PII beyond the in-game names (no player id, device or
  account data); a bio's prompt describes the NPC only, nothing of the player.
- It is off unless ``BAOLIFE_LLM_URL`` is set (``bootstrap.Settings``).
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import structlog

from baolife_core import LineRequest
from baolife_core.ports import BioRequest

__all__ = ["LlmTextWriter"]

log = structlog.get_logger("baolife.text_writer")

_SYSTEM = (
    "You write one short line of dialogue for a character in a cosy life-simulation "
    "game. Answer with the line only: no quotes, no stage directions, at most 30 "
    "words, suitable for all ages."
)

_BIO_SYSTEM = (
    "You write the short profile text of a person on a dating app in a cosy "
    "life-simulation game, in their own voice. Answer with the text only: no "
    "quotes, no hashtags, at most 60 words, suitable for all ages."
)


def _prompt(request: LineRequest) -> str:
    who = f"{request.npc_name}, the {request.role} of {request.character_name}"
    mood = f"Their closeness is {request.closeness} out of 100."
    if request.kind == "opening":
        return f"{who}, starts a conversation with them. {mood}"
    outcome = {True: "It went well.", False: "It went badly.", None: ""}[request.passed]
    return (
        f"{request.character_name} just said to {who}: "
        f"({request.reply}). {outcome} {mood} Write {request.npc_name}'s answer."
    )


def _listed(items: tuple[str, ...]) -> str:
    return ", ".join(items) if items else "nothing in particular"


def _bio_prompt(request: BioRequest) -> str:
    return (
        f"{request.name} ({request.gender}, {request.age}). "
        f"Interests: {_listed(request.interests)}. "
        f"About them: {_listed(request.traits)}. "
        f"In a partner: {_listed(request.dealbreakers)}. "
        f"Write {request.name.split()[0]}'s profile text."
    )


class LlmTextWriter:
    """Asks a chat-completions endpoint for each line (see the module rules)."""

    def __init__(
        self,
        base_url: str,
        *,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 2.0,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s

    def _post(self, body: dict[str, Any]) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(  # noqa: S310 - the URL is operator config
            self.url, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
            return json.loads(response.read(1_000_000))

    def _complete(
        self, system: str, prompt: str, *, max_tokens: int, failure: str
    ) -> str | None:
        """The model's answer to ``prompt``, or None (logged as ``failure``)."""
        body = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": prompt},
            ],
            "max_tokens": max_tokens,
            "temperature": 0.9,
        }
        try:
            answer = self._post(body)
            text = answer["choices"][0]["message"]["content"]
        except (OSError, ValueError, KeyError, IndexError, TypeError) as error:
            log.warning(failure, error=type(error).__name__)
            return None
        if not isinstance(text, str) or not text.strip():
            log.warning(failure, error="empty")
            return None
        return text.strip().strip('"')

    def write_line(self, request: LineRequest) -> str | None:
        """One line from the model, or None (the grammar's) on any failure."""
        return self._complete(
            _SYSTEM, _prompt(request), max_tokens=80, failure="llm_line_failed"
        )

    def write_bio(self, request: BioRequest) -> str | None:
        """A bio from the model, or None (the grammar's) on any failure."""
        return self._complete(
            _BIO_SYSTEM, _bio_prompt(request), max_tokens=160, failure="llm_bio_failed"
        )
