"""Tests of ``baolife_core.analytics``: events to rows, no PII, exposures."""

from __future__ import annotations

import json
import typing
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import AnalyticsEvent, Event, QuestionPosed, to_wire, wire_name
from baolife_core.analytics import (
    EXPOSURE,
    ID_TEXT_FIELDS,
    PII_FIELDS,
    analytics_events,
    exposure,
)
from baolife_core.wire import canonical_json

EVENT_TYPES: tuple[type[Any], ...] = typing.get_args(Event)
#: Text a player could have typed or that names a person: it must never leave.
SECRET = "Zoë Secret-Name"
#: Event fields holding text that was reviewed and is not PII: ids and codes
#: from content or minted by the core, content-written labels (a login
#: reward's summary, a match's reasons), store ids. A new text field fails
#: ``test_every_text_field_is_classified`` until it is put here or in
#: ``PII_FIELDS``.
NOT_PII = frozenset(
    {
        "achievement",
        "activity",
        "by",
        "category",
        "cause",
        "choice",
        "conversation_id",
        "contact_id",
        "dealbreakers",
        "environment",
        "event_id",
        "flow",
        "from_job",
        "from_stage",
        "gender",
        "interests",
        "item",
        "job",
        "location",
        "npc_id",
        "original_transaction_id",
        "outcome",
        "product_id",
        "question_id",
        "quest",
        "quests",
        "reason",
        "reasons",
        "reference",
        "refill_type",
        "relative_id",
        "reply",
        "reward",
        "role",
        "school",
        "seeking",
        "skip_type",
        "stage",
        "stats",
        "step",
        "to_job",
        "to_stage",
        "transaction_id",
        "trigger",
        "values",
        "venue",
        "written_by",
    }
)


def _text_fields(event_type: type[Any]) -> set[str]:
    """The fields of ``event_type`` whose type mentions ``str``."""
    hints = typing.get_type_hints(event_type)
    return {
        field.name
        for field in attrs.fields(event_type)
        if "str" in str(hints[field.name])
    }


def _builds(event_type: type[Any], text: st.SearchStrategy[str]) -> st.SearchStrategy:
    """Events of ``event_type`` whose PII fields (and pair texts) are ``text``."""
    hints = typing.get_type_hints(event_type)
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field in attrs.fields(event_type):
        if field.name in PII_FIELDS:
            fields[field.name] = text
        elif field.name in ID_TEXT_FIELDS:
            fields[field.name] = st.lists(
                st.tuples(st.text(max_size=8), text), max_size=3
            ).map(tuple)
        else:
            fields[field.name] = st.from_type(hints[field.name])
    return st.builds(event_type, **fields)


any_events = st.one_of(*(_builds(t, st.text()) for t in EVENT_TYPES))
secret_events = st.one_of(*(_builds(t, st.just(SECRET)) for t in EVENT_TYPES))
ids = st.one_of(st.none(), st.uuids().map(str))


class TestMapping:
    """One row per event, in order, named for the event, with its fields."""

    @given(player_id=ids, session_id=ids, events=st.lists(any_events, max_size=8))
    def test_one_row_per_event_in_order(
        self, player_id: str | None, session_id: str | None, events: list[Event]
    ) -> None:
        """Names, instants and ids follow the events one for one."""
        rows = analytics_events(player_id, session_id, events)
        assert [
            (player_id, session_id, to_wire(event)["type"], event.at)
            for event in events
        ] == [(row.player_id, row.session_id, row.name, row.at) for row in rows]

    @given(event=any_events)
    def test_properties_are_the_fields_but_pii_and_the_instant(
        self, event: Event
    ) -> None:
        """Every other field as on the wire; pairs of id and text as their ids."""
        wire = json.loads(canonical_json(to_wire(event)))
        expected = {
            key: [pair[0] for pair in value] if key in ID_TEXT_FIELDS else value
            for key, value in wire.items()
            if key not in {"type", "at", *PII_FIELDS}
        }
        (row,) = analytics_events("p", None, [event])
        assert expected == json.loads(row.properties)

    @given(events=st.lists(any_events, max_size=8))
    def test_deterministic_and_canonical(self, events: list[Event]) -> None:
        """The same events give equal rows, with canonical JSON properties."""
        first = analytics_events("p", "s", events)
        again = analytics_events("p", "s", list(events))
        canonical = [canonical_json(json.loads(row.properties)) for row in first]
        assert (first, canonical) == (again, [row.properties for row in first])

    def test_a_question_keeps_its_choice_ids(self) -> None:
        """A posed question: its ids, day and choices' ids; no title, text."""
        event = QuestionPosed(
            at=1_700_000_000_000,
            life=1,
            question_id="q-1",
            event_id="first_crush",
            title=SECRET,
            text=f"{SECRET} smiles at you.",
            choices=(("smile", f"Smile at {SECRET}"), ("ignore", "Look away")),
            expires_day=12,
            day=10,
        )
        (row,) = analytics_events("player", "session", [event])
        assert (
            AnalyticsEvent(
                player_id="player",
                session_id="session",
                name="question_posed",
                properties=canonical_json(
                    {
                        "choices": ["smile", "ignore"],
                        "day": 10,
                        "event_id": "first_crush",
                        "expires_day": 12,
                        "life": 1,
                        "question_id": "q-1",
                    }
                ),
                at=1_700_000_000_000,
            )
            == row
        )


class TestNoPii:
    """Names, bios, epitaphs, captions and rendered text never leave."""

    @pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.__name__)
    def test_every_text_field_is_classified(self, event_type: type[Any]) -> None:
        """Each text field was reviewed: PII, an (id, text) pair, or not PII."""
        unknown = _text_fields(event_type) - PII_FIELDS - ID_TEXT_FIELDS - NOT_PII
        assert set() == unknown

    @given(event=secret_events)
    def test_no_pii_value_is_written(self, event: Event) -> None:
        """A name put in every PII field appears in no row."""
        (row,) = analytics_events("p", "s", [event])
        assert SECRET not in json.loads(row.properties).values()
        assert json.dumps(SECRET)[1:-1] not in row.properties

    @given(event=any_events)
    def test_no_pii_field_is_written(self, event: Event) -> None:
        """No property is named like a PII field."""
        (row,) = analytics_events("p", "s", [event])
        assert set() == set(json.loads(row.properties)) & PII_FIELDS


class TestExposure:
    """An experiment exposure is one row: the flag and the variant shown."""

    def test_the_row(self) -> None:
        """Named ``experiment_exposure``, with the flag and variant only."""
        assert AnalyticsEvent(
            player_id="player",
            session_id="session",
            name="experiment_exposure",
            properties='{"flag":"tutorial_flow","variant":"guided"}',
            at=1_700_000_000_000,
        ) == exposure(
            "player",
            "session",
            flag="tutorial_flow",
            variant="guided",
            at=1_700_000_000_000,
        )

    def test_no_event_has_the_exposure_name(self) -> None:
        """Exposures cannot be confused with a domain event's rows."""
        assert EXPOSURE not in {wire_name(t) for t in EVENT_TYPES}
