"""Alerts: what a nurse must see, why it fired, what to do. Rules are pure functions of a snapshot.

Every alert carries a stable rule id (docs/clinical-rules.md), a severity, a message that says what to do, the
values that triggered it, since when, and its source. Later features add rule functions to RULES.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import IntEnum
from typing import Any

from ward_app.domain.mar import Record
from ward_app.domain.observations import Observation
from ward_app.domain.orders import Order
from ward_app.domain.patient import Flag, Lab, Patient
from ward_app.domain.pump import PumpState
from ward_app.domain.rules import Thresholds


class Severity(IntEnum):
    INFO = 0
    WARNING = 1
    URGENT = 2
    EMERGENCY = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    def raised(self) -> Severity:
        return Severity(min(self + 1, Severity.EMERGENCY))


#: Each alert rule's name in a nurse's words, for the alerts panel and the sheets (the rule id is
#: kept in the details' small print). A rule missing here reads as its id in words.
ALERT_TITLES: dict[str, str] = {
    "aud.high_dose": "High dose: check with prescriber",
    "dose.catch_up": "Missed dose: not to be made up",
    "dose.daily_total": "Over the day's total",
    "dose.early": "Dose early",
    "dose.late": "Dose late",
    "dose.recorded_twice": "Possibly given twice",
    "dose.max_daily": "Above the maximum daily dose",
    "dose.min_interval": "Too soon after the last dose",
    "dose.mismatch": "Dose differs from the order",
    "dose.missed": "Dose missed",
    "dose.sedation_hold": "Hold: over-sedated",
    "dose.sedation_stop": "Stop: deeply sedated",
    "dose.too_early": "Dose too early",
    "flag.dementia": "Dementia: baclofen caution",
    "flag.epilepsy": "Epilepsy: seizure risk",
    "flag.falls": "Falls risk",
    "flag.functional_spasticity": "Spasticity needed for function",
    "flag.pregnancy": "Pregnancy",
    "interaction.antihypertensive": "Interaction: blood-pressure medicine",
    "interaction.cns": "Interaction: sedating medicine",
    "pack.concentration": "Pack: wrong pump concentration",
    "pack.expired": "Pack expired",
    "pack.strength": "Pack strength does not make up the dose",
    "pack.unchecked": "Pack could not be checked",
    "pack.unknown": "Pack not in the ward's table",
    "pack.wrong_medicine": "Pack is not baclofen",
    "pack.wrong_route": "Pack for the wrong route",
    "interaction.levodopa": "Interaction: levodopa",
    "interaction.lithium": "Interaction: lithium",
    "interaction.renal": "Interaction: kidney-clearing medicine",
    "interaction.tca": "Interaction: tricyclic antidepressant",
    "interaction.unknown": "Medicine not recognised",
    "itb.dose_range": "Pump dose outside the range",
    "itb.dose_step": "Pump dose changed a lot at once",
    "itb.no_order": "Pump without an order",
    "monitoring.overdue": "Observations overdue",
    "news2.emergency": "NEWS2 emergency",
    "news2.low": "NEWS2 low: recheck",
    "news2.single_3": "NEWS2: one parameter scores 3",
    "news2.urgent": "NEWS2 urgent",
    "order.once_daily": "Once-daily oral order",
    "order.stop_abrupt": "Stopped abruptly",
    "periop.continue": "Surgery: keep baclofen going",
    "pump.alarm": "Pump alarm heard",
    "pump.check_due": "Pump check due",
    "pump.dose_mismatch": "Pump dose differs from the order",
    "pump.empty": "Pump empty",
    "pump.eri": "Pump battery (ERI)",
    "pump.order_change": "Pump order changed",
    "pump.refill_due": "Pump refill due",
    "pump.refill_overdue": "Pump refill overdue",
    "pump.volume_discrepancy": "Pump volume does not add up",
    "renal.avoid": "Kidneys: avoid baclofen",
    "renal.reduce": "Kidneys: reduce the dose",
    "route.npo": "Nil by mouth: oral dose",
    "taper.itb": "Intrathecal taper",
    "taper.too_fast": "Taper too fast",
    "toxicity.bradycardia": "Toxicity: slow pulse",
    "toxicity.coma": "Toxicity: unresponsive",
    "toxicity.consciousness": "Toxicity: consciousness reduced",
    "toxicity.hypotension": "Toxicity: low blood pressure",
    "toxicity.hypothermia": "Toxicity: low temperature",
    "toxicity.respiratory": "Toxicity: slow breathing",
    "toxicity.sedation": "Toxicity: over-sedated",
    "withdrawal.early": "Withdrawal: early signs",
    "withdrawal.late": "Withdrawal: severe signs",
    "withdrawal.possible": "Possible withdrawal",
    "withdrawal.rebound_spasticity": "Withdrawal: spasticity back",
    "withdrawal.watch": "Withdrawal watch",
}


def alert_title(rule: str) -> str:
    """``rule``'s name in words: "dose.missed" → "Dose missed"; an unknown id in words."""
    if rule in ALERT_TITLES:
        return ALERT_TITLES[rule]
    group, _, name = rule.partition(".")
    return f"{group.capitalize()}: {name.replace('_', ' ')}" if name else rule.capitalize()


@dataclass(frozen=True)
class Acknowledgement:
    """One acknowledgement of an alert: who, when, what they did, at what severity."""

    by: str
    at: datetime
    note: str | None
    severity: Severity


@dataclass(frozen=True)
class Alert:
    rule: str
    severity: Severity
    message: str
    since: datetime
    source: str
    patient_id: int
    mrn: str
    bed: str
    name: str
    key: str  # stable identity of this occurrence, e.g. "dose.missed:12:2026-11-25T08:00Z"
    values: dict[str, Any] = field(default_factory=dict)
    acknowledged_by: str | None = None  # set when acknowledged at this severity or higher
    ack_note: str | None = None
    #: Every acknowledgement of this occurrence, oldest first: none replaces another.
    acknowledgements: tuple[Acknowledgement, ...] = ()

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_by is not None

    @property
    def id(self) -> int:
        """A stable number for ``alerts ack --id``: the same occurrence always has the same id."""
        return zlib.crc32(self.key.encode()) & 0x7FFFFFFF

    def to_json(self, zone: tzinfo) -> dict[str, Any]:
        return {
            "id": self.id, "mrn": self.mrn, "bed": self.bed, "name": self.name, "rule": self.rule,
            "severity": self.severity.label, "message": self.message,
            "since": self.since.astimezone(zone).isoformat(timespec="seconds"),
            "values": self.values, "source": self.source, "acknowledged": self.acknowledged,
            "acknowledged_by": self.acknowledged_by, "ack_note": self.ack_note,
            "acknowledgements": [
                {"by": k.by, "at": k.at.astimezone(zone).isoformat(timespec="seconds"),
                 "note": k.note, "severity": k.severity.label} for k in self.acknowledgements],
        }


@dataclass(frozen=True)
class PatientSnapshot:
    """What the rules see of one patient: recent orders and records, indexed by time."""

    patient: Patient
    versions: tuple[Order, ...]
    records: tuple[Record, ...]
    zone: tzinfo
    flag_since: dict[Flag, datetime] = field(default_factory=dict)
    observations: tuple[Observation, ...] = ()  # recent, oldest first
    baseline_mas: str | None = None  # the patient's own baseline Modified Ashworth score
    lab: Lab | None = None  # latest renal result
    comeds: tuple[str, ...] = ()
    pump: PumpState | None = None
    twice: tuple[Any, ...] = ()  # sync_alerts.RecordedTwice: doses recorded at two workstations
    loaded_for: datetime | None = None  # the moment the data was loaded for (its window's anchor)
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)  # per evaluation

    def alert(self, rule: str, severity: Severity, message: str, since: datetime, source: str,
              key_suffix: str = "", **values: Any) -> Alert:
        p = self.patient
        key = f"{rule}:{p.id}:{key_suffix}" if key_suffix else f"{rule}:{p.id}"
        return Alert(rule=rule, severity=severity, message=message, since=since, source=source,
                     patient_id=p.id, mrn=p.mrn, bed=p.bed, name=p.name, key=key, values=values)


Rule = Callable[[PatientSnapshot, datetime, Thresholds], list[Alert]]


def most_severe_first(alerts: list[Alert]) -> list[Alert]:
    """Most severe first; within a severity, unacknowledged before acknowledged, oldest first."""
    return sorted(alerts, key=lambda a: (-a.severity, a.acknowledged, a.since, a.bed, a.rule))
