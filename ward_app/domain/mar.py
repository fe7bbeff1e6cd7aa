"""The medication administration record: outcomes, reason codes and the state of each due dose."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ward_app.domain.errors import InvalidInput


class Outcome(StrEnum):
    GIVEN = "given"
    GIVEN_LATE = "given_late"
    HELD = "held"
    REFUSED = "refused"
    NOT_AVAILABLE = "not_available"
    OMITTED = "omitted"
    ENTERED_IN_ERROR = "entered_in_error"


class State(StrEnum):
    """What the MAR shows for a due dose (`ward-app mar --json`)."""

    DUE = "due"
    GIVEN = "given"
    GIVEN_LATE = "given_late"
    HELD = "held"
    REFUSED = "refused"
    NOT_AVAILABLE = "not_available"
    OMITTED = "omitted"
    LATE = "late"
    MISSED = "missed"
    ENTERED_IN_ERROR = "entered_in_error"


#: Not-given states: the patient did not get the dose.
NOT_GIVEN = frozenset({State.HELD, State.REFUSED, State.NOT_AVAILABLE, State.OMITTED, State.MISSED})


class Reason(StrEnum):
    """Why a dose was not given (clinical-rules §2)."""

    REFUSED = "refused"
    NIL_BY_MOUTH = "nil_by_mouth"
    AWAY = "away"
    VOMITING = "vomiting"
    ASLEEP = "asleep"
    UNAVAILABLE = "unavailable"
    PRESCRIBER = "prescriber"
    OTHER = "other"


REASON_LABELS: dict[Reason, str] = {
    Reason.REFUSED: "Patient refused",
    Reason.NIL_BY_MOUTH: "Nil by mouth",
    Reason.AWAY: "Away from ward",
    Reason.VOMITING: "Vomiting",
    Reason.ASLEEP: "Asleep",
    Reason.UNAVAILABLE: "Drug unavailable (tell pharmacy)",
    Reason.PRESCRIBER: "Withheld on prescriber instruction",
    Reason.OTHER: "Other (say why)",
}


def parse_reason(text: str) -> Reason:
    try:
        return Reason(text.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Reason)
        raise InvalidInput("reason", f"'{text}' is not a reason code: use one of {allowed}.") from None


def outcome_for_reason(reason: Reason, held: bool = False) -> Outcome:
    """The not-given outcome a reason code records (a clinical hold is said explicitly)."""
    if held or reason is Reason.PRESCRIBER:
        return Outcome.HELD
    if reason is Reason.REFUSED:
        return Outcome.REFUSED
    if reason is Reason.UNAVAILABLE:
        return Outcome.NOT_AVAILABLE
    return Outcome.OMITTED


def given_outcome(due: datetime, given_at: datetime, window_min: float) -> Outcome:
    """Given no later than the window after due is ``given`` (a dose given more than the window
    before due is ``given`` too, flagged ``given_early`` by the recording checks); later than that
    it is ``given_late``. Exactly the window after due is on time (clinical-rules §9)."""
    if given_at <= due + timedelta(minutes=window_min):
        return Outcome.GIVEN
    return Outcome.GIVEN_LATE


@dataclass(frozen=True)
class Record:
    """One row of the administrations table, as the MAR reads it."""

    id: int
    patient_id: int
    order_id: int | None
    due: datetime | None
    outcome: Outcome
    dose_mg: float | None
    dose_mcg: float | None
    reason: str | None
    note: str | None
    corrects_id: int | None
    administered_at: datetime
    recorded_at: datetime
    by: str
    witness: str | None = None
    entered_at: datetime | None = None  # when it was entered (system clock); None: not known
    #: Recorded despite a soft stop (clinical-rules §9), e.g. ("given_early",), with the reason
    #: and the second user who confirmed it where the check asks for one.
    flags: tuple[str, ...] = ()
    override_reason: str | None = None
    override_by: str | None = None
    #: The pack scanned (gtin, expiry, batch, serial, product), or why scanning was skipped
    #: (domain/scanning.py SKIP_REASONS); neither on records made before scanning existed.
    scan: dict | None = None
    scan_skipped: str | None = None


def effective_records(records: Iterable[Record]) -> tuple[dict[datetime, Record], dict[int, Record]]:
    """(due -> the record in force, id -> correction) : records marked in error don't count."""
    rows = list(records)
    corrections = {r.corrects_id: r for r in rows if r.outcome is Outcome.ENTERED_IN_ERROR
                   and r.corrects_id is not None}
    in_force: dict[datetime, Record] = {}
    for r in sorted(rows, key=lambda r: r.id):
        if r.outcome is Outcome.ENTERED_IN_ERROR or r.id in corrections or r.due is None:
            continue
        in_force[r.due] = r
    return in_force, corrections


def dose_state(
    due: datetime, record: Record | None, now: datetime, next_due: datetime | None,
    window_min: float, missed_after_min: float,
) -> State:
    """The state of one due dose at ``now`` (clinical-rules §2: late after 30 min, missed after 2 h or
    when the next dose falls due, whichever comes first)."""
    if record is not None:
        return State(record.outcome.value)
    if now >= missed_at(due, next_due, missed_after_min):
        return State.MISSED
    if now > due + timedelta(minutes=window_min):  # exactly 30 min after due is still on time
        return State.LATE
    return State.DUE


def missed_at(due: datetime, next_due: datetime | None, missed_after_min: float) -> datetime:
    limit = due + timedelta(minutes=missed_after_min)
    return min(limit, next_due) if next_due is not None else limit
