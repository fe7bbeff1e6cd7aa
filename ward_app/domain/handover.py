"""The shift handover as plain data: a ward summary, then one SBAR block per patient with its
I-PASS illness severity (clinical-rules §8). Built by ``services.handover``; printed by
``reports.handover_sheet``.

I-PASS severity, as the app decides it (a cautious local rule; clinical-rules §8 names the three levels):
- unstable: NEWS2 5 or more, or any emergency alert (active, or acknowledged during the handover
  period though since settled), or an urgent clinical alert (toxicity,
  withdrawal signs, a fever or fast pulse on a pump patient, NEWS2, a pump empty or alarming);
- watcher: any other urgent alert (a missed dose, a pump refill due, severe renal impairment), any
  warning, a NEWS2 of 1-4 with 3 in one parameter, or a withdrawal watch;
- stable: none of these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from ward_app.domain.alerts import Alert, Severity
from ward_app.domain.pump_calendar import PumpCalendar


class Acuity(StrEnum):
    STABLE = "stable"
    WATCHER = "watcher"
    UNSTABLE = "unstable"


#: Urgent alerts that make a patient unstable (others make them a watcher).
UNSTABLE_RULES = ("toxicity.", "withdrawal.early", "withdrawal.late", "withdrawal.rebound",
                  "withdrawal.possible", "news2.", "pump.empty", "pump.alarm")


def acuity(alerts: list[Alert], news2: int | None, news2_single_3: bool,
           emergency_in_period: bool = False) -> Acuity:
    """``emergency_in_period``: an emergency alert was acknowledged during the handover period
    (it may since have settled): the patient stays unstable for this handover, above every
    watcher — an acknowledged emergency is still the night's most important event."""
    if emergency_in_period or (news2 is not None and news2 >= 5):
        return Acuity.UNSTABLE
    for a in alerts:
        if a.severity is Severity.EMERGENCY:
            return Acuity.UNSTABLE
        if a.severity is Severity.URGENT and a.rule.startswith(UNSTABLE_RULES):
            return Acuity.UNSTABLE
    if news2_single_3 or any(a.severity >= Severity.WARNING for a in alerts):
        return Acuity.WATCHER
    if any(a.rule == "withdrawal.watch" for a in alerts):
        return Acuity.WATCHER
    return Acuity.STABLE


@dataclass(frozen=True)
class AlertLine:
    severity: str  # info / warning / urgent / emergency
    rule: str
    message: str
    since: datetime
    acknowledged_by: str | None = None


@dataclass(frozen=True)
class DoseLine:
    due: datetime
    bed: str
    name: str
    dose: str  # "10 mg"
    state: str = "due"  # due / given / given_late / missed / omitted / refused / held / ...
    reason: str | None = None


@dataclass(frozen=True)
class RefillLine:
    bed: str
    name: str
    refill_by: date
    alarm_at: datetime
    severity: str | None  # of the pump.refill_due / refill_overdue / empty alert, if raised
    overdue_since: date | None = None  # the refill-by date has passed (the day after it)


@dataclass(frozen=True)
class Action:
    """One line of the Recommendation: what to do, and when (None: now / this shift)."""

    when: datetime | None
    what: str
    urgent: bool = False


@dataclass(frozen=True)
class StoryLine:
    """One thing that happened to a patient during the shift, for the handover's Situation:
    "07:22 08:00 dose HELD by nurse.jones: POSS 3". ``concern`` lines are printed in bold."""

    at: datetime
    text: str
    concern: bool = False


@dataclass(frozen=True)
class HandoverNote:
    """The nurse's own words about a patient, kept until changed."""

    text: str
    by: str
    at: datetime


@dataclass(frozen=True)
class PatientBlock:
    bed: str
    name: str
    mrn: str
    age: int
    route: str  # oral / enteral / intrathecal / "" (none)
    dose: str
    acuity: Acuity
    # Background
    indication: str | None = None
    flags: tuple[str, ...] = ()
    renal: str | None = None  # "eGFR 24 (16 Nov)", "on dialysis"
    comeds: tuple[str, ...] = ()
    pump: str | None = None  # model, reservoir, last refill, concentration, ERI
    # Assessment
    news2: str | None = None  # "NEWS2 4 at 20:11" / "no vital signs in 72 h"
    news2_trend: tuple[tuple[datetime, int], ...] = ()  # complete sets in the last 72 h
    vitals: str | None = None  # "RR 18 · SpO2 95 air · BP 97 · HR 106 · A · 36.8 °C"
    sedation: str | None = None
    spasticity: str | None = None
    withdrawal: str | None = None  # signs seen in the last 24 h, or "checked: none"
    given_24h: int = 0
    not_given_24h: tuple[str, ...] = ()  # "08:00 missed", "14:00 refused (vomiting)"
    #: dose records of the last 24 h entered more than record.late_entry_minutes after the act:
    #: "08:00 dose, entered 14:35"
    entered_late_24h: tuple[str, ...] = ()
    #: Doses of the last 24 h given despite a recording check, with the reason (clinical-rules §9).
    flagged_24h: tuple[str, ...] = ()
    # Recommendation
    actions: tuple[Action, ...] = ()
    alerts: tuple[AlertLine, ...] = ()
    #: The shift's story: everything that happened since the handover's ``since``, oldest first.
    story: tuple[StoryLine, ...] = ()
    note: HandoverNote | None = None
    #: The pump failure checklist's lines while one is open (services.pump_checklists).
    checklist: tuple[str, ...] = ()


@dataclass(frozen=True)
class WardSummary:
    patients: int
    by_route: dict[str, int] = field(default_factory=dict)  # oral / enteral / intrathecal / none
    by_acuity: dict[str, int] = field(default_factory=dict)
    alerts_by_severity: dict[str, int] = field(default_factory=dict)
    due_next_12h: tuple[DoseLine, ...] = ()
    not_given_24h: tuple[DoseLine, ...] = ()
    refills_due: tuple[RefillLine, ...] = ()
    #: The doses given this shift and how many were scanned, with the skips' reasons (issue 20):
    #: a sentence (services.scanning.ScanShare.sentence); None on a sheet made without it.
    scanned: str | None = None


@dataclass(frozen=True)
class Handover:
    ward: str
    at: datetime  # in the ward's zone
    zone_name: str
    printed_by: str
    summary: WardSummary
    patients: tuple[PatientBlock, ...]  # in bed order (how the ward is walked)
    paper: str = "A4"  # A4 or Letter (a setting)
    #: Where the shift's story starts: the last take-over, or handover.story_hours back.
    since: datetime | None = None
    since_what: str = ""  # "since the take-over by nurse.jones at 19:30" / "in the last 12 h"
    #: Still to do, before what is done: unacknowledged alerts, overdue checks, doses due soon.
    outstanding: tuple[str, ...] = ()
    drill: bool = False  # a drill (training) ward: every page says DRILL
    #: The ward pump calendar, printed as the last page: given only when a refill is due within
    #: the refill buffer (services.pump_calendar.handover_calendar).
    pump_calendar: PumpCalendar | None = None
    #: Printed while this workstation is out of step with the ward server: "Offline since
    #: HH:MM: other workstations' records after that are missing." (services.sync.offline_line)
    offline: str | None = None
