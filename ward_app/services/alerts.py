"""The alert engine's entry point: every active alert on the ward at a moment, most severe first.

After the rules run, two things apply to every alert: intrathecal high-risk patients (SCI at T6 or
above, communication difficulty, previous withdrawal) have their alerts raised one step (clinical-rules §5),
and an alert acknowledged at its current severity or higher is marked acknowledged (a worse one
is raised again).
"""

from __future__ import annotations

import zlib
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from ward_app.domain.alerts import (
    Acknowledgement,
    Alert,
    PatientSnapshot,
    Rule,
    Severity,
    most_severe_first,
)
from ward_app.domain.clinical_alerts import RULES as CLINICAL_RULES
from ward_app.domain.clinical_alerts import SIGN_RULES, settled
from ward_app.domain.dose_alerts import RULES as DOSE_RULES
from ward_app.domain.dose_alerts import in_force
from ward_app.domain.errors import InvalidInput
from ward_app.domain.orders import Route
from ward_app.domain.pump_alerts import RULES as PUMP_RULES
from ward_app.domain.roles import Action
from ward_app.domain.rules import Thresholds
from ward_app.domain.safety_alerts import RULES as SAFETY_RULES
from ward_app.domain.sync_alerts import RULES as SYNC_RULES
from ward_app.domain.text import clean_text
from ward_app.services.changes import Kind
from ward_app.services.context import Actor, Context
from ward_app.services.entry_time import act_detail
from ward_app.services.patients import patient_by_id
from ward_app.services.requests import request_id, reused
from ward_app.services.snapshots import load_snapshots
from ward_app.storage import acks, audit
from ward_app.storage.errors import actionable_errors

if TYPE_CHECKING:
    from ward_app.storage.connection import Database

#: Every rule the engine runs; later features add theirs here.
RULES: list[Rule] = [*DOSE_RULES, *CLINICAL_RULES, *SAFETY_RULES, *PUMP_RULES, *SYNC_RULES]


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
    """The alerts with their acknowledgements; a withdrawal-sign alert acknowledged with a note
    after a later clean check has left the list (clinical-rules §10)."""
    with actionable_errors():
        every = acks.all_by_key(ctx.db, [a.key for a in alerts])
    out = []
    for a in alerts:
        seen = every.get(a.key, [])
        ack = None
        for earlier in seen:  # the most severe, the latest of those
            if ack is None or earlier.severity >= ack.severity:
                ack = earlier
        if seen:
            a = replace(a, acknowledgements=tuple(
                Acknowledgement(x.by, x.at, x.note, Severity(x.severity)) for x in seen))
        if ack is not None and ack.severity >= a.severity:
            a = replace(a, acknowledged_by=ack.by, ack_note=ack.note)
        if not settled(a):
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


def _ack_before(db: Database, client_id: str | None, alert_id: int,
               actor: Actor) -> acks.StoredAck | None:
    """The acknowledgement stored under this request id by an earlier attempt, if any (of this
    alert)."""
    if client_id is None:
        return None
    with actionable_errors():
        earlier = acks.by_client_id(db, client_id)
    if earlier is not None and zlib.crc32(earlier.ack.key.encode()) & 0x7FFFFFFF != alert_id:
        raise reused("another alert's acknowledgement")
    if earlier is not None and earlier.ack.by != actor.name:
        raise reused(f"an acknowledgement by {earlier.ack.by}")
    return earlier


def _acknowledged(ctx: Context, earlier: acks.StoredAck) -> Alert:
    """What acknowledging returned the first time: the alert as it is now, acknowledged; or, when
    it has cleared since, the acknowledgement as stored."""
    ack = earlier.ack
    found = next((a for a in ward_alerts(ctx, patient_id=earlier.patient_id) if a.key == ack.key),
                 None)
    if found is not None:
        return replace(found, acknowledged_by=ack.by, ack_note=ack.note)
    patient = patient_by_id(ctx, earlier.patient_id)
    return Alert(rule=earlier.rule, severity=Severity(ack.severity),
                 message="Acknowledged earlier; the alert has cleared since.", since=ack.at,
                 source="acknowledgement", patient_id=patient.id, mrn=patient.mrn,
                 bed=patient.bed or "", name=patient.name, key=ack.key,
                 acknowledged_by=ack.by, ack_note=ack.note,
                 acknowledgements=(Acknowledgement(ack.by, ack.at, ack.note,
                                                   Severity(ack.severity)),))


def acknowledge(ctx: Context, alert_id: int, note: str | None = None, *,
                client_id: str | None = None) -> Alert:
    """Record that the acting user has seen an active alert (at its current severity). With
    ``client_id`` already stored (a retried save), the acknowledgement stored then is returned and
    nothing is written (even if the alert has cleared since)."""
    actor = ctx.require(Action.ACK_ALERT)
    cid = request_id(client_id)
    earlier = _ack_before(ctx.db, cid, alert_id, actor)
    if earlier is not None:
        return _acknowledged(ctx, earlier)
    text = clean_text(note, "note", longest=500)
    current = next((a for a in ward_alerts(ctx) if a.id == alert_id), None)
    if current is None:
        raise InvalidInput("id", f"There is no active alert {alert_id}: it may have cleared; "
                           "check the alerts list.")
    if current.rule in SIGN_RULES and text is None:
        raise InvalidInput("note", "A withdrawal-sign alert is acknowledged with a note: say what "
                           "you checked and whom you told.")
    now = ctx.now()
    with ctx.write(Kind.ACKS, current.patient_id) as db:
        earlier = _ack_before(db, cid, alert_id, actor)  # saved meanwhile by another try
        if earlier is not None:
            return _acknowledged(ctx, earlier)
        acks.insert(db, patient_id=current.patient_id, rule=current.rule, key=current.key,
                    severity=int(current.severity), note=text, user_id=actor.id, at=now,
                    entered_at=ctx.entered(), client_id=cid)
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="alert.ack", entity="alert",
                     patient_id=current.patient_id,
                     detail=act_detail(ctx, now, {"rule": current.rule, "key": current.key,
                                                  "severity": current.severity.label,
                                                  "note": text}))
    made = Acknowledgement(actor.name, now, text, current.severity)
    return replace(current, acknowledged_by=actor.name, ack_note=text,
                   acknowledgements=(*current.acknowledgements, made))
