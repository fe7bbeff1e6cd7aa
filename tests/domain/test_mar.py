from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ward_app.domain.errors import InvalidInput
from ward_app.domain.mar import (
    Outcome,
    Reason,
    Record,
    State,
    dose_state,
    effective_records,
    given_outcome,
    outcome_for_reason,
    parse_reason,
)

DUE = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
NEXT = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def at(hh: int, mm: int) -> datetime:
    return DUE.replace(hour=hh, minute=mm)


@pytest.mark.parametrize("now, state", [
    (at(7, 0), State.DUE), (at(8, 20), State.DUE), (at(8, 29), State.DUE),
    # exactly 30 min after due is still on time; late starts after that (clinical-rules §9)
    (at(8, 30), State.DUE), (DUE + timedelta(minutes=30, seconds=1), State.LATE),
    (at(8, 31), State.LATE), (at(8, 45), State.LATE), (at(9, 59), State.LATE),
    (at(10, 0), State.MISSED), (at(10, 5), State.MISSED),
])
def test_late_after_30_minutes_missed_after_2_hours(now, state):
    assert dose_state(DUE, None, now, NEXT, 30, 120) is state


def test_missed_when_the_next_dose_falls_due_first():
    soon = DUE + timedelta(minutes=90)
    assert dose_state(DUE, None, soon - timedelta(minutes=1), soon, 30, 120) is State.LATE
    assert dose_state(DUE, None, soon, soon, 30, 120) is State.MISSED


def test_given_late_only_after_the_30_minute_window():
    assert given_outcome(DUE, at(8, 30), 30) is Outcome.GIVEN
    assert given_outcome(DUE, at(7, 30), 30) is Outcome.GIVEN
    assert given_outcome(DUE, at(8, 31), 30) is Outcome.GIVEN_LATE
    # early is not late: the recording checks flag it given_early (clinical-rules §9)
    assert given_outcome(DUE, at(7, 20), 30) is Outcome.GIVEN
    assert given_outcome(DUE, at(10, 10), 30) is Outcome.GIVEN_LATE


def test_reasons_map_to_outcomes():
    assert outcome_for_reason(Reason.REFUSED) is Outcome.REFUSED
    assert outcome_for_reason(Reason.UNAVAILABLE) is Outcome.NOT_AVAILABLE
    assert outcome_for_reason(Reason.PRESCRIBER) is Outcome.HELD
    assert outcome_for_reason(Reason.ASLEEP) is Outcome.OMITTED
    assert outcome_for_reason(Reason.ASLEEP, held=True) is Outcome.HELD
    assert parse_reason("Vomiting") is Reason.VOMITING
    with pytest.raises(InvalidInput, match="use one of refused, nil_by_mouth"):
        parse_reason("forgot")


def record(rid: int, outcome: Outcome, corrects: int | None = None) -> Record:
    return Record(rid, 1, 1, DUE, outcome, 10, None, None, None, corrects, DUE, DUE, "nurse")


def test_a_record_marked_in_error_no_longer_counts():
    first = record(1, Outcome.GIVEN)
    fix = record(2, Outcome.ENTERED_IN_ERROR, corrects=1)
    in_force, corrections = effective_records([first, fix])
    assert in_force == {} and corrections == {1: fix}
    again = record(3, Outcome.GIVEN_LATE)
    in_force, _ = effective_records([first, fix, again])
    assert in_force == {DUE: again}
