"""A small deterministic template grammar: the default ``TextWriter`` of the core.

Rules of this module (DESIGN.md "Determinism rules" 1; docs/content.md):

- A grammar maps symbols to alternatives; a template is text with ``{name}``
  fields. A field names a symbol (expand one alternative, drawn from the given
  stream, recursively) or a placeholder (its value, given by the caller).
- Alternatives are drawn with ``Stream.below`` over tuples in content order, so the
  same stream gives the same text on every machine and Python version.
- ``check_template`` validates a template on load: every field is a symbol or a
  placeholder, no format spec or conversion, and symbols cannot nest deeper than
  ``MAX_DEPTH`` (which also rules out cycles).
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter

from attrs import frozen

from ..rng import Stream

__all__ = ["MAX_DEPTH", "Grammar", "check_template", "expand", "fill"]

#: The deepest nesting of symbols a template may reach.
MAX_DEPTH = 6


@frozen
class Grammar:
    """Symbols and their alternatives."""

    symbols: tuple[tuple[str, tuple[str, ...]], ...]  # (symbol, alternatives), sorted

    def alternatives(self, symbol: str) -> tuple[str, ...] | None:
        """The alternatives of ``symbol``, or None for a placeholder."""
        for name, options in self.symbols:
            if name == symbol:
                return options
        return None


def _fields(template: str) -> list[tuple[str, str]]:
    """(literal, field) pairs; field is '' at the end. ValueError on bad syntax."""
    parts: list[tuple[str, str]] = []
    for literal, field, spec, conversion in Formatter().parse(template):
        if field is not None and (spec or conversion):
            raise ValueError(f"field {{{field}}} takes no format or conversion")
        if field is not None and not field:
            raise ValueError("empty field {}")
        parts.append((literal, field or ""))
    return parts


def check_template(
    template: str, grammar: Grammar, placeholders: tuple[str, ...], depth: int = 0
) -> None:
    """ValueError naming the problem if ``template`` cannot always expand."""
    if depth > MAX_DEPTH:
        raise ValueError(f"symbols nest deeper than {MAX_DEPTH} (a cycle?)")
    for _, field in _fields(template):
        if not field or field in placeholders:
            continue
        options = grammar.alternatives(field)
        if options is None:
            raise ValueError(f"unknown symbol or placeholder {{{field}}}")
        for option in options:
            check_template(option, grammar, placeholders, depth + 1)


def expand(
    template: str, grammar: Grammar, rng: Stream, values: Mapping[str, str]
) -> str:
    """The text of ``template``: symbols drawn from ``rng``, placeholders filled."""
    out: list[str] = []
    for literal, field in _fields(template):
        out.append(literal)
        if not field:
            continue
        if field in values:
            out.append(values[field])
            continue
        options = grammar.alternatives(field)
        if options is None:
            raise ValueError(f"unknown symbol or placeholder {{{field}}}")
        out.append(expand(options[rng.below(len(options))], grammar, rng, values))
    return "".join(out)


def fill(template: str, values: Mapping[str, str]) -> str:
    """``template`` with its placeholders filled from ``values``; no symbols.

    ValueError for a field ``values`` lacks (the loaders check templates, so
    this is a bug, not bad content)."""
    out: list[str] = []
    for literal, field in _fields(template):
        out.append(literal)
        if not field:
            continue
        if field not in values:
            raise ValueError(f"unknown placeholder {{{field}}}")
        out.append(values[field])
    return "".join(out)
