"""The pump failure checklist (clinical-rules §6): what the ward does when an intrathecal pump fails (a
critical two-tone alarm, a reservoir calculated empty) or late withdrawal signs appear on a pump
patient. Its steps are ticked as they are done; none suggests a dose: the prescriber orders the
bridging baclofen."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ward_app.domain.alerts import Alert, Severity


class Step(StrEnum):
    ITB_CALLED = "itb_called"
    ORAL_AVAILABLE = "oral_available"
    BRIDGING_ORDER = "bridging_order"
    HOURLY_CHECKS = "hourly_checks"


STEP_LABELS = {
    Step.ITB_CALLED: "Call the ITB team (or the on-call doctor): who was called and when",
    Step.ORAL_AVAILABLE: "Oral baclofen available on the ward for the prescriber's order",
    Step.BRIDGING_ORDER: "The prescriber's bridging order entered (the app suggests no dose)",
    Step.HOURLY_CHECKS: "Withdrawal checks hourly (signs, sedation, NEWS2) started",
}

#: What starts a checklist: a critical pump alarm, an empty reservoir, late withdrawal signs.
TRIGGER_RULES = ("pump.alarm", "pump.empty", "withdrawal.late")


def is_trigger(alert: Alert) -> bool:
    """Whether the alert opens the checklist (a pump alarm only when critical: two-tone)."""
    if alert.rule == "pump.alarm":
        return alert.severity is Severity.EMERGENCY
    return alert.rule in TRIGGER_RULES


def stock_text(oral_stocked: bool) -> str:
    """What the ward's stock setting says about oral baclofen (no dose: the prescriber decides)."""
    if oral_stocked:
        return ("Oral baclofen is kept on this ward (setting stock.oral_baclofen): check it is "
                "there, in date, for the prescriber's order.")
    return ("Oral baclofen is not recorded as kept on this ward (setting stock.oral_baclofen): ask "
            "pharmacy to supply it now, for the prescriber's order.")


@dataclass(frozen=True)
class StepDone:
    """One tick of the checklist, as recorded (append-only)."""

    step: Step
    by: str
    at: datetime  # when it was done
    who_called: str | None = None  # the ITB team's contact (the ITB step)
    note: str | None = None


@dataclass(frozen=True)
class ChecklistItem:
    step: Step
    label: str
    done: StepDone | None = None
    hint: str = ""  # e.g. what the stock setting says


@dataclass(frozen=True)
class Checklist:
    """A pump patient's checklist, open since the earliest triggering alert still active."""

    patient_id: int
    since: datetime
    triggers: tuple[str, ...]  # the alert titles' rule ids that opened it
    items: tuple[ChecklistItem, ...]

    @property
    def complete(self) -> bool:
        return all(i.done is not None for i in self.items)

    @property
    def outstanding(self) -> tuple[ChecklistItem, ...]:
        return tuple(i for i in self.items if i.done is None)

    def lines(self, hm: Callable[[datetime], str] | None = None) -> list[str]:
        """One line per step for the handover: '✓ ... (nurse.jones 03:10: called Dr Patel)' or
        '☐ NOT DONE: ...'. ``hm`` formats a time (default HH:MM as given)."""
        fmt = hm or (lambda t: f"{t:%H:%M}")
        out = []
        for i in self.items:
            if i.done is None:
                out.append(f"☐ NOT DONE: {i.label}")
                continue
            d = i.done
            said = [x for x in (d.who_called and f"called {d.who_called}", d.note) if x]
            out.append(f"✓ {i.label} ({d.by} {fmt(d.at)}" + (f": {'; '.join(said)}" if said else "")
                       + ")")
        return out


def checklist(patient_id: int, alerts: Iterable[Alert], done: Sequence[StepDone],
              oral_stocked: bool) -> Checklist | None:
    """The checklist of a pump patient whose active alerts include a trigger, with the steps
    recorded since the earliest of them (the latest record of each step); None when none is
    active."""
    triggers = sorted((a for a in alerts if is_trigger(a)), key=lambda a: a.since)
    if not triggers:
        return None
    since = triggers[0].since
    latest: dict[Step, StepDone] = {}
    for d in sorted(done, key=lambda d: d.at):
        if d.at >= since:
            latest[d.step] = d
    items = tuple(ChecklistItem(s, STEP_LABELS[s], latest.get(s),
                                stock_text(oral_stocked) if s is Step.ORAL_AVAILABLE else "")
                  for s in Step)
    return Checklist(patient_id, since, tuple(dict.fromkeys(a.rule for a in triggers)), items)
