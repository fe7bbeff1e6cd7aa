"""Intrathecal pumps: the reservoir countdown after a refill, end of battery life, and the checks a
refill must pass (clinical-rules §6). Dates are a calculation from what was put in, not a reading from the
pump: the app says so wherever it shows them.

    days to alarm = (volume − alarm volume) × concentration ÷ daily dose
    alarm date    = refill time + days to alarm;  empty date likewise with alarm volume 0
    refill-by     = alarm date − buffer, never past the drug-stability limit or end of service
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from ward_app.domain.errors import InvalidInput
from ward_app.domain.rules import Thresholds


class AlarmKind(StrEnum):
    LOW_RESERVOIR = "low_reservoir"  # single tone
    ERI = "eri"  # single tone: elective replacement indicator
    CRITICAL = "critical"  # two-tone: empty, motor stall, end of service


ALARM_LABELS = {
    AlarmKind.LOW_RESERVOIR: "Low reservoir (single tone)",
    AlarmKind.ERI: "Elective replacement indicator (single tone)",
    AlarmKind.CRITICAL: "Critical: empty, motor stall or end of service (two-tone)",
}


@dataclass(frozen=True)
class Pump:
    id: int
    patient_id: int
    model: str | None = None
    serial: str | None = None
    reservoir_ml: float | None = None
    implant_date: date | None = None
    eri_date: date | None = None
    end_of_service: date | None = None
    alarm_ml: float = 2.0
    updated_at: datetime | None = None

    def eri_and_end(self, t: Thresholds) -> tuple[date | None, date | None]:
        """The ERI date and the expected end of service; one is worked out from the other when
        only one is known (the pump stops about ``pump.eri_to_end_days`` after ERI)."""
        gap = timedelta(days=int(t.pump_eri_to_end_days))
        eri, end = self.eri_date, self.end_of_service
        if eri is None and end is not None:
            eri = end - gap
        if end is None and eri is not None:
            end = eri + gap
        return eri, end


@dataclass(frozen=True)
class Refill:
    id: int
    pump_id: int
    refilled_at: datetime
    volume_ml: float  # in the reservoir after the refill
    conc_mcg_ml: float
    daily_mcg: float
    alarm_ml: float
    by: str = ""
    witness: str = ""
    next_refill_booked: date | None = None
    withdrawn_ml: float | None = None  # drawn out of the reservoir before refilling (measured)
    #: The ampoule scanned, or why it was not, in words (domain/scanning.py scan_summary)
    ampoule: str = ""


@dataclass(frozen=True)
class PumpAlarm:
    id: int
    pump_id: int
    kind: AlarmKind
    heard_at: datetime
    by: str = ""
    note: str | None = None


class EventKind(StrEnum):
    MRI = "mri"
    HYPERBARIC = "hyperbaric"
    INTERROGATION = "interrogation"  # the pump read and checked with its programmer


EVENT_LABELS = {
    EventKind.MRI: "MRI scan",
    EventKind.HYPERBARIC: "Hyperbaric treatment",
    EventKind.INTERROGATION: "Pump interrogation (checked with the programmer)",
}


@dataclass(frozen=True)
class PumpEvent:
    id: int
    pump_id: int
    kind: EventKind
    at: datetime
    by: str = ""
    note: str | None = None


@dataclass(frozen=True)
class AlarmResolution:
    """How an alarm was dealt with: the action taken and the ITB team's contact who was told."""

    id: int
    alarm_id: int
    at: datetime
    action: str
    itb_contact: str | None = None
    by: str = ""


#: The alarms only a recorded action naming the ITB team's contact resolves (clinical-rules §10).
NEEDS_ITB_ACTION = frozenset({AlarmKind.ERI, AlarmKind.CRITICAL})


@dataclass(frozen=True)
class PumpState:
    """What the alert rules see of a patient's pump: the pump, its recent refills (oldest first;
    the last is the one in the reservoir now), the alarms heard since before the last refill, their
    resolutions, and recent pump events (MRI, hyperbaric, interrogation), oldest first."""

    pump: Pump
    refills: tuple[Refill, ...] = ()
    alarms: tuple[PumpAlarm, ...] = ()
    resolutions: tuple[AlarmResolution, ...] = ()
    events: tuple[PumpEvent, ...] = ()

    @property
    def last_refill(self) -> Refill | None:
        return self.refills[-1] if self.refills else None


@dataclass(frozen=True)
class PumpDates:
    """The countdown after a refill. ``refill_by_reason`` says which limit set the refill-by date."""

    days_to_alarm: float
    days_to_empty: float
    alarm_at: datetime
    empty_at: datetime
    refill_by: date
    refill_by_reason: str  # "alarm date − 7 days", "drug stability limit", "end of service"

    def days_left(self, now: datetime) -> float:
        return (self.alarm_at - now).total_seconds() / 86400


def pump_dates(refill: Refill, t: Thresholds, zone: Any = UTC,
               end_of_service: date | None = None) -> PumpDates:
    """Countdown for a refill (clinical-rules §6). ``zone`` is the ward's, for the refill-by day."""
    days_to_alarm = max(0.0, (refill.volume_ml - refill.alarm_ml) * refill.conc_mcg_ml
                        / refill.daily_mcg)
    days_to_empty = refill.volume_ml * refill.conc_mcg_ml / refill.daily_mcg
    # Elapsed time, whatever zone the refill time was given in (aware arithmetic within one zone
    # would follow the wall clock and be an hour out across a clock change).
    refilled_at = refill.refilled_at.astimezone(UTC)
    alarm_at = refilled_at + timedelta(days=days_to_alarm)
    empty_at = refilled_at + timedelta(days=days_to_empty)
    buffer = int(t.pump_refill_buffer_days)
    # The buffer is counted in ward calendar days back from the alarm date, so a clock change in
    # between never shortens it.
    candidates = [(alarm_at.astimezone(zone).date() - timedelta(days=buffer),
                   f"alarm date − {buffer} days"),
                  ((refilled_at + timedelta(days=int(t.pump_stability_days)))
                   .astimezone(zone).date(), "drug stability limit")]
    if end_of_service is not None:
        candidates.append((end_of_service, "end of service"))
    refill_by, reason = min(candidates, key=lambda c: c[0])
    return PumpDates(days_to_alarm, days_to_empty, alarm_at, empty_at, refill_by, reason)


def start_of_day(day: date, zone: Any) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def check_refill(pump: Pump, volume_ml: float, conc_mcg_ml: float, daily_mcg: float,
                 alarm_ml: float, stocked: Sequence[float]) -> None:
    """Refuse a refill that cannot be right, naming the field and what is allowed."""
    for name, label, value, unit in (
            ("volume-ml", "The volume", volume_ml, "mL"),
            ("conc-mcg-ml", "The concentration", conc_mcg_ml, "mcg/mL"),
            ("daily-mcg", "The daily dose", daily_mcg, "mcg/day")):
        if not math.isfinite(value) or value <= 0:
            raise InvalidInput(name, f"{label} ({value:g}) must be a positive number of {unit}.")
    if not math.isfinite(alarm_ml) or alarm_ml < 0:
        raise InvalidInput("alarm-ml", f"The alarm volume ({alarm_ml:g}) must be 0 or more mL.")
    if pump.reservoir_ml is None:
        raise InvalidInput("volume-ml", "The pump's reservoir capacity is not recorded: record "
                           "it first (Pump details).")
    if volume_ml > pump.reservoir_ml:
        raise InvalidInput("volume-ml", f"Volume {volume_ml:g} mL is more than the "
                           f"reservoir holds ({pump.reservoir_ml:g} mL): check the volume.")
    if alarm_ml >= volume_ml:
        raise InvalidInput("alarm-ml", f"The low-reservoir alarm volume ({alarm_ml:g} mL) must be "
                           f"less than the volume after refill ({volume_ml:g} mL).")
    if not any(abs(conc_mcg_ml - s) < 1e-9 for s in stocked):
        listed = ", ".join(f"{s:g}" for s in stocked)
        raise InvalidInput("conc-mcg-ml", f"{conc_mcg_ml:g} mcg/mL is not a "
                           f"concentration the ward stocks ({listed} mcg/mL): check the syringe "
                           "label.")


def alarm_resolved(alarm: PumpAlarm, refills: Sequence[Refill],
                   resolutions: Sequence[AlarmResolution]) -> tuple[str, datetime] | None:
    """How and when ``alarm`` was dealt with, or None (clinical-rules §10): a low-reservoir alarm
    by a later refill or a recorded action; a critical or ERI alarm only by a recorded action
    (which names the ITB team's contact). Neither a refill nor a change of the pump's details
    resolves a critical or ERI alarm: a refill does not restart a stalled motor."""
    done = next((r for r in resolutions if r.alarm_id == alarm.id), None)
    if done is not None:
        contact = f" (ITB team: {done.itb_contact})" if done.itb_contact else ""
        return f"{done.action}{contact} — {done.by}", done.at
    if alarm.kind is AlarmKind.LOW_RESERVOIR:
        later = [r for r in refills if r.refilled_at > alarm.heard_at]
        if later:
            first = min(later, key=lambda r: r.refilled_at)
            return f"resolved by the refill (by {first.by}, witness {first.witness})", \
                first.refilled_at
    return None


def active_alarms(alarms: Sequence[PumpAlarm], refills: Sequence[Refill],
                  resolutions: Sequence[AlarmResolution] = ()) -> list[PumpAlarm]:
    """Alarms heard and not yet dealt with (see ``alarm_resolved``)."""
    return [a for a in alarms if alarm_resolved(a, refills, resolutions) is None]


@dataclass(frozen=True)
class Reconciliation:
    """The volume drawn out at a refill against what the last refill leaves, at the programmed rate
    (clinical-rules §10): expected residual = last volume − elapsed days × daily dose ÷
    concentration. ``difference_ml`` > 0: more came back than expected (under-delivery or a
    catheter problem); < 0: less (over-infusion)."""

    expected_ml: float
    withdrawn_ml: float
    delivered_ml: float  # what should have been delivered since the last refill
    limit_ml: float  # the larger difference is a discrepancy

    @property
    def difference_ml(self) -> float:
        return round(self.withdrawn_ml - self.expected_ml, 6)

    @property
    def discrepant(self) -> bool:
        return abs(self.difference_ml) > self.limit_ml

    @property
    def suggests(self) -> str:
        if self.difference_ml < 0:
            return ("less came back than expected: the pump may be over-infusing (watch for "
                    "overdose: drowsiness, slow breathing)")
        return ("more came back than expected: under-delivery or a catheter problem (watch for "
                "withdrawal)")


def expected_residual_ml(last: Refill, at: datetime) -> tuple[float, float]:
    """(expected residual, volume that should have been delivered) at ``at`` after ``last``;
    the residual is never below 0 (the pump cannot deliver what it does not hold)."""
    days = max(0.0, (at - last.refilled_at).total_seconds() / 86400)
    delivered = min(last.volume_ml, days * last.daily_mcg / last.conc_mcg_ml)
    return round(last.volume_ml - delivered, 6), round(delivered, 6)


def reconcile(last: Refill, withdrawn_ml: float, at: datetime, t: Thresholds) -> Reconciliation:
    """The reconciliation of a refill at ``at`` that drew ``withdrawn_ml`` out, after ``last``.
    The limit: ``pump.discrepancy_pct`` % of the volume that should have been delivered (the
    pump's labelled accuracy) or ``pump.discrepancy_ml`` mL, whichever is smaller (a difference
    beyond either is a discrepancy)."""
    expected, delivered = expected_residual_ml(last, at)
    limit = min(delivered * float(t.pump_discrepancy_pct) / 100, float(t.pump_discrepancy_ml))
    return Reconciliation(expected, withdrawn_ml, delivered, round(limit, 6))


def dose_step_pct(previous_mcg: float, new_mcg: float) -> float:
    """The change of an intrathecal daily dose, in % of the previous dose."""
    # Rounded so that a step exactly at a label edge (24 to 33.6 mcg/day = +40 %) is not pushed
    # over it by floating-point error.
    return round((new_mcg - previous_mcg) / previous_mcg * 100, 9)
