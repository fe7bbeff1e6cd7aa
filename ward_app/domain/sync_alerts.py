"""Alerts about records that came from several workstations (clinical-rules §12): a dose recorded
as given at two workstations for the same due time is a clinical event, not a merge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ward_app.domain.alerts import Alert, PatientSnapshot, Severity
from ward_app.domain.rules import Thresholds

SRC_TWICE = ("clinical-rules §12: a dose recorded as given at two workstations is kept twice and "
             "alerted until a nurse checks the patient")


@dataclass(frozen=True)
class GivenRecord:
    """One of the records of a dose recorded twice."""

    record_id: int
    by: str
    given_at: datetime
    dose_mg: float | None
    dose_mcg: float | None
    workstation: str


@dataclass(frozen=True)
class RecordedTwice:
    """A due dose recorded as given at more than one workstation (records in error left out)."""

    due: datetime
    suffix: str  # the alert key's suffix: the due time (UTC, ISO), the same on every workstation
    detected_at: datetime
    records: tuple[GivenRecord, ...]


def _amount(r: GivenRecord) -> str:
    if r.dose_mcg is not None:
        return f"{r.dose_mcg:g} mcg"
    return f"{r.dose_mg:g} mg" if r.dose_mg is not None else "dose"


def recorded_twice(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """Urgent until acknowledged: check the patient, they may have had the dose twice."""
    out = []
    for twice in s.twice:
        if len(twice.records) < 2:
            continue  # all but one marked entered in error: settled
        who = "; ".join(
            f"{_amount(r)} by {r.by} at {r.given_at.astimezone(s.zone):%H:%M} on {r.workstation} "
            f"(record {r.record_id})" for r in twice.records)
        due = twice.due.astimezone(s.zone)
        out.append(s.alert(
            "dose.recorded_twice", Severity.URGENT,
            f"Check the patient: possibly given twice. The {due:%d %b %H:%M} dose was recorded as "
            f"given at {len(twice.records)} workstations: {who}. Look for over-sedation (POSS, "
            "breathing); if only one dose was given, mark the other record entered in error.",
            max(r.given_at for r in twice.records), SRC_TWICE, twice.suffix,
            due=due.isoformat(timespec="minutes"),
            records=[r.record_id for r in twice.records]))
    return out


RULES = [recorded_twice]
