"""The alert engine's entry point: every active alert on the ward at a moment, most severe first.

After the rules run, two things apply to every alert: intrathecal high-risk patients (SCI at T6 or
above, communication difficulty, previous withdrawal) have their alerts raised one step (clinical-rules §5),
and an alert acknowledged at its current severity or higher is marked acknowledged (a worse one
is raised again).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from ward_app.domain.alerts import Alert, PatientSnapshot, Rule, most_severe_first
from ward_app.domain.clinical_alerts import RULES as CLINICAL_RULES
from ward_app.domain.dose_alerts import RULES as DOSE_RULES
from ward_app.domain.dose_alerts import in_force
from ward_app.domain.errors import InvalidInput
from ward_app.domain.orders import Route
from ward_app.domain.pump_alerts import RULES as PUMP_RULES
from ward_app.domain.roles import Action
from ward_app.domain.rules import Thresholds
from ward_app.domain.text import clean_text
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.services.entry_time import act_detail
from ward_app.services.snapshots import load_snapshots
from ward_app.storage import acks, audit
from ward_app.storage.errors import actionable_errors

#: Every rule the engine runs; later features add theirs here.
RULES: list[Rule] = [*DOSE_RULES, *CLINICAL_RULES, *PUMP_RULES]


def patient_alerts(snapshot: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """Every rule on one patient, with the intrathecal high-risk raise applied."""
    alerts = [a for rule in RULES for a in rule(snapshot, now, t)]
    order = in_force(snapshot.versions, now)
    if order is not None and order.route is Route.INTRATHECAL and snapshot.patient.itb_high_risk:
        alerts = [replace(a, severity=a.severity.raised(),
                          message=f"{a.message} (Raised one step: intrathecal high-risk patient.)",
                          values={**a.values, "raised": "itb_high_risk"}) for a in alerts]
    return alerts


def with_acks(ctx: Context, alerts: list[Alert]) -> list[Alert]:
    with actionable_errors():
        found = acks.latest_by_key(ctx.db, [a.key for a in alerts])
    out = []
    for a in alerts:
        ack = found.get(a.key)
        if ack is not None and ack.severity >= a.severity:
            a = replace(a, acknowledged_by=ack.by, ack_note=ack.note)
        out.append(a)
    return out


def ward_alerts(ctx: Context, now: datetime | None = None, *, patient_id: int | None = None,
                patient_ids: Collection[int] | None = None) -> list[Alert]:
    """Every active alert on the ward, or only those of ``patient_id`` / ``patient_ids`` (a
    refresh after a write re-evaluates only the patients it changed)."""
    moment = now or ctx.now()
    t = ctx.thresholds()
    alerts: list[Alert] = []
    for snapshot in load_snapshots(ctx, moment, t, patient_id, patient_ids=patient_ids):
        alerts.extend(patient_alerts(snapshot, moment, t))
    return most_severe_first(with_acks(ctx, alerts))


def acknowledge(ctx: Context, alert_id: int, note: str | None = None) -> Alert:
    """Record that the acting user has seen an active alert (at its current severity)."""
    actor = ctx.require(Action.ACK_ALERT)
    text = clean_text(note, "note", longest=500)
    current = next((a for a in ward_alerts(ctx) if a.id == alert_id), None)
    if current is None:
        raise InvalidInput("id", f"There is no active alert {alert_id}: it may have cleared; "
                           "check the alerts list.")
    now = ctx.now()
    with ctx.write(Kind.ACKS, current.patient_id) as db:
        acks.insert(db, patient_id=current.patient_id, rule=current.rule, key=current.key,
                    severity=int(current.severity), note=text, user_id=actor.id, at=now,
                    entered_at=ctx.entered())
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="alert.ack", entity="alert",
                     patient_id=current.patient_id,
                     detail=act_detail(ctx, now, {"rule": current.rule, "key": current.key,
                                                  "severity": current.severity.label,
                                                  "note": text}))
    return replace(current, acknowledged_by=actor.name, ack_note=text)
