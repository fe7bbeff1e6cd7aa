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
