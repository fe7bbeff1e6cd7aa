"""The pump failure checklist (clinical-rules §6): open for a pump patient while a critical pump
alarm, an empty reservoir or late withdrawal signs are active; each step ticked is recorded (who,
when, whom they called). No dose is suggested: the prescriber orders the bridging baclofen."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.pump_checklist import Checklist, Step, checklist, is_trigger
from ward_app.domain.roles import Action
from ward_app.domain.text import clean_text
from ward_app.services.board import WardOverview, ward_overview
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.services.entry_time import act_detail, check_act_time
from ward_app.services.patients import patient_by_id
from ward_app.storage import audit
from ward_app.storage import pump_checklists as repo
from ward_app.storage.errors import actionable_errors

#: A step may be entered this long after it was done (back-entry after a busy spell).
BACK_ENTRY_LIMIT = timedelta(hours=24)


def checklists(ctx: Context, overview: WardOverview | None = None,
               patient_ids: Collection[int] | None = None) -> dict[int, Checklist]:
    """The open checklists by patient id (pump patients with a trigger active), from an overview
    already loaded (the handover's, the window's) or a new one."""
    overview = overview or ward_overview(ctx, patient_ids=patient_ids)
    pumps = {s.patient.id for s in overview.snapshots if s.pump is not None}
    triggered = {a.patient_id: a.since for a in sorted(overview.alerts, key=lambda a: a.since,
                                                       reverse=True)
                 if a.patient_id in pumps and is_trigger(a)}
    if not triggered:
        return {}
    with actionable_errors():
        done = repo.steps_since(ctx.db, triggered, min(triggered.values()))
    stocked = bool(ctx.thresholds().stock_oral_baclofen)
    out = {}
    for pid in triggered:
        found = checklist(pid, overview.alerts_for(pid), done.get(pid, []), stocked)
        if found is not None:
            out[pid] = found
    return out


def checklist_for(ctx: Context, patient_id: int) -> Checklist | None:
    """The patient's open checklist, or None when no trigger is active (or they have no pump)."""
    return checklists(ctx, patient_ids=[patient_id]).get(patient_id)


def record_step(ctx: Context, patient_id: int, step: Step, *, who_called: str | None = None,
                done_at: datetime | None = None, note: str | None = None) -> Checklist:
    """Tick one step of the patient's open checklist (the ITB step names whom they called).
    Refused when no checklist is open."""
    actor = ctx.require(Action.PUMP_ALARM)
    patient = patient_by_id(ctx, patient_id)
    who = clean_text(who_called, "who-called", longest=120, label="Whom you called",
                     required=step is Step.ITB_CALLED)
    text = clean_text(note, "note", longest=500, label="The note")
    now = ctx.now()
    when = done_at or now
    if when > now + timedelta(minutes=5):
        raise InvalidInput("at", "The time is in the future: give the time it was done.")
    if when < now - BACK_ENTRY_LIMIT:
        raise InvalidInput("at", "The time is more than 24 hours ago: it can no longer be entered "
                           "here; write it in the notes.")
    check_act_time(ctx, when, "at")
    if checklist_for(ctx, patient.id) is None:
        raise Refused("pump.checklist_closed", f"No pump failure checklist is open for "
                      f"{patient.name}: it opens with a critical pump alarm, an empty pump or "
                      "late withdrawal signs.")
    with ctx.write(Kind.PUMP, patient.id) as db:
        entered = ctx.entered()
        sid = repo.add_step(db, patient_id=patient.id, step=step, done_at=when, who_called=who,
                            note=text, user_id=actor.id, at=now, entered_at=entered)
        audit.record(db, at=entered, user_id=actor.id, action="pump.checklist",
                     entity="pump_checklist_step", entity_id=sid, patient_id=patient.id,
                     detail=act_detail(ctx, now, {"step": step.value, "who_called": who,
                                                  "done_at": when.isoformat(), "note": text}))
    found = checklist_for(ctx, patient.id)
    assert found is not None
    return found


__all__ = ["checklist_for", "checklists", "record_step"]
