"""Tapering oral baclofen: plan it from the order in force, apply it as future order versions (the
MAR then shows the reduced doses day by day), cancel it (the last full order comes back from a
chosen time), and the printable sheet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ward_app.domain.dose_alerts import in_force
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.orders import Order, OrderAction, Route
from ward_app.domain.patient import Flag, Patient
from ward_app.domain.roles import Action
from ward_app.domain.taper import Form, TaperDay, TaperPlan, TaperRequest, plan_taper
from ward_app.domain.text import clean_text
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.services.entry_time import act_detail
from ward_app.services.patients import patient_by_id
from ward_app.storage import audit, people
from ward_app.storage import orders as order_repo
from ward_app.storage import tapers as repo
from ward_app.storage.errors import actionable_errors

STOP_TAPERED = "taper_complete"


@dataclass(frozen=True)
class TaperParams:
    """What to plan, as values (the front end has found the patient)."""

    patient_id: int
    step_mg: float | None = None
    step_pct: float | None = None
    every_days: int | None = None
    start: date | None = None  # default: tomorrow (today's doses as ordered)
    form: Form | None = None  # default: the patient's oral form (tablet unless set)


@dataclass(frozen=True)
class TaperPreview:
    patient: Patient
    order: Order  # the order being tapered
    plan: TaperPlan


def _midnight(ctx: Context, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ctx.zone)


def preview(ctx: Context, params: TaperParams) -> TaperPreview:
    """The plan, without saving anything (InvalidInput / Refused say what to change)."""
    ctx.require(Action.TAPER)
    patient = patient_by_id(ctx, params.patient_id)
    today = ctx.now().astimezone(ctx.zone).date()
    start = params.start or today + timedelta(days=1)
    if start < today:
        raise InvalidInput("start", f"The start ({start}) is in the past: a taper starts today or "
                           "later.")
    if start > today + timedelta(days=90):
        raise InvalidInput("start", "The start is more than 90 days ahead: plan nearer the time.")
    if params.form is not None:
        form = Form(params.form)
    else:
        try:
            form = Form((patient.oral_form or "tablet").strip().lower())
        except ValueError:
            form = Form.TABLET
    at = _midnight(ctx, start)
    with actionable_errors():
        versions = tuple(order_repo.versions_since(ctx.db, at, patient.id).get(patient.id, []))
    order = in_force(versions, at)
    if order is None:
        raise InvalidInput("mrn", f"MRN {patient.mrn} has no baclofen order in force on {start}: "
                           "there is nothing to taper.")
    if order.route is Route.INTRATHECAL:
        raise Refused("taper.itb", "Intrathecal dose reductions are a specialist decision: the "
                      "ITB team plans them and they are recorded as order changes (with a "
                      "witness); the app does not generate them.")
    if order.taper_id is not None or any(v.taper_id is not None and v.starts_at >= at
                                         for v in versions):
        raise Refused("taper.exists", "A taper is already planned for this patient: cancel it "
                      "first (Cancel taper) to plan another.")
    later = [v for v in versions if v.starts_at > at]
    if later:
        raise Refused("taper.later_order", "There is an order version starting after the taper "
                      f"start ({later[0].starts_at.astimezone(ctx.zone):%d %b %Y %H:%M}): a taper "
                      "is planned from the order in force; ask the prescriber to settle that first.")
    plan = plan_taper(order, TaperRequest(
        start=start, step_mg=params.step_mg, step_pct=params.step_pct,
        every_days=params.every_days, form=form, pregnant=Flag.PREGNANCY in patient.flags,
        delivery_date=patient.delivery_date), ctx.thresholds())
    return TaperPreview(patient, order, plan)


def apply(ctx: Context, params: TaperParams, prescriber: str) -> tuple[TaperPreview, int]:
    """Turn the plan into future order versions from each step's day (00:00 ward time), ending
    with a stop; recorded with the prescriber. Returns the preview and the taper's id."""
    actor = ctx.require(Action.TAPER)
    who = clean_text(prescriber, "prescriber", longest=80, label="The prescriber's name")
    if not who:
        raise InvalidInput("prescriber", "Name the prescriber who decided the taper.")
    p = preview(ctx, params)
    now = ctx.now()
    order, plan = p.order, p.plan
    with ctx.write(Kind.ORDERS, p.patient.id) as db:
        taper_id = repo.insert(db, patient_id=p.patient.id, start_date=plan.start,
                               step_mg=plan.step_mg, every_days=plan.every_days,
                               form=plan.form.value, plan=plan.to_json(), prescriber=who,
                               restore_order_id=order.id, user_id=actor.id, at=now,
                               entered_at=ctx.entered())
        previous = order.id
        steps = plan.steps()
        for day in steps:
            starts = _midnight(ctx, day.date)
            if day.daily_mg <= 0:
                previous = order_repo.insert_order(
                    db, patient_id=p.patient.id, action=OrderAction.STOP, route=order.route,
                    starts_at=starts, user_id=actor.id, at=now, entered_at=ctx.entered(),
                    stop_reason=STOP_TAPERED,
                    prescriber=who, supersedes_id=previous, taper_id=taper_id)
                continue
            doses = tuple(mg for _t, mg in day.doses)
            previous = order_repo.insert_order(
                db, patient_id=p.patient.id, action=OrderAction.CHANGE, route=order.route,
                starts_at=starts, user_id=actor.id, at=now, entered_at=ctx.entered(),
                dose_mg=max(doses), times=order.times,
                frequency=order.frequency, indication=order.indication,
                override_reason=order.override_reason, prescriber=who, supersedes_id=previous,
                doses=doses, taper_id=taper_id)
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="taper.apply", entity="taper",
                     entity_id=taper_id, patient_id=p.patient.id,
                     detail=act_detail(ctx, now, {
                         "start": plan.start.isoformat(), "end": plan.end_date.isoformat(),
                         "step_mg": plan.step_mg, "every_days": plan.every_days,
                         "form": plan.form.value, "prescriber": who,
                         "versions": len(steps), "from_order": order.id}))
    return p, taper_id


def cancel(ctx: Context, patient_id: int, reason: str, from_moment: datetime | None = None) -> Order:
    """Cancel the patient's taper from a moment (default now): its later versions stop counting and
    the last full order before it is restored from that moment."""
    actor = ctx.require(Action.TAPER)
    patient = patient_by_id(ctx, patient_id)
    why = clean_text(reason, "reason", longest=500, label="The reason") or ""
    if len(why) < 3:
        raise InvalidInput("reason", "Give the reason for cancelling the taper (a few words).")
    now = ctx.now()
    moment = from_moment or now
    if moment < now - timedelta(minutes=5):
        raise InvalidInput("from", "The time to cancel from is in the past: a taper is cancelled "
                           "from now or later.")
    with actionable_errors():
        live = [t for t in repo.for_patient(ctx.db, patient.id) if t.cancelled_from is None]
    taper = live[0] if live else None
    end = date.fromisoformat(taper.plan["end_date"]) if taper else None
    if taper is None or end is None or moment >= _midnight(ctx, end):
        raise InvalidInput("mrn", f"MRN {patient.mrn} has no taper in progress to cancel from "
                           "then (a finished taper is followed by a new order, not a cancel).")
    with actionable_errors():
        restore = order_repo.by_id(ctx.db, taper.restore_order_id)
    assert restore is not None, "a taper names the order it started from"
    with ctx.write(Kind.ORDERS, patient.id) as db:
        repo.cancel(db, taper.id, cancelled_from=moment, reason=why, user_id=actor.id, at=now)
        oid = order_repo.insert_order(
            db, patient_id=patient.id, action=OrderAction.CHANGE, route=restore.route,
            starts_at=moment, user_id=actor.id, at=now, entered_at=ctx.entered(),
            dose_mg=restore.dose_mg,
            times=restore.times, frequency=restore.frequency, indication=restore.indication,
            override_reason=restore.override_reason, prescriber=taper.prescriber,
            doses=restore.doses,
            cautions=restore.cautions)  # the same prescription: its acknowledged cautions stay
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="taper.cancel",
                     entity="taper", entity_id=taper.id, patient_id=patient.id,
                     detail=act_detail(ctx, now, {"from": moment.isoformat(), "reason": why,
                                                  "restored_order": oid}))
    versions = order_repo.versions_since(ctx.db, moment, patient.id).get(patient.id, [])
    return next(o for o in versions if o.id == oid)


@dataclass(frozen=True)
class LiveTaper:
    """An applied taper that has not ended nor been cancelled: in progress, or starting later.
    ``preview`` is the plan as it was applied (for the chart's heading and reprinting the sheet)."""

    id: int
    preview: TaperPreview
    prescriber: str
    started: bool  # its day 1 has come

    @property
    def plan(self) -> TaperPlan:
        return self.preview.plan


def _applied_plan(row: repo.TaperRow, order: Order) -> TaperPlan:
    """The plan as applied, every day again, from the stored snapshot (its steps; a day keeps the
    doses of the last step on or before it; the end date has none)."""
    data = row.plan
    start = date.fromisoformat(data.get("start_date") or row.start_date.isoformat())
    end = date.fromisoformat(data["end_date"])
    steps = sorted((date.fromisoformat(s["date"]), {d["time"]: float(d["mg"]) for d in s["doses"]})
                   for s in data["steps"])
    days: list[TaperDay] = []
    step = 0
    for n in range((end - start).days + 1):
        day = start + timedelta(days=n)
        while step + 1 < len(steps) and steps[step + 1][0] <= day:
            step += 1
        doses = {} if day >= end or not steps else steps[step][1]
        days.append(TaperDay(n + 1, day, tuple((t, doses.get(t, 0.0)) for t in order.times)))
    return TaperPlan(start, Form(data.get("form") or row.form),
                     float(data.get("step_mg", row.step_mg)),
                     int(data.get("every_days", row.every_days)),
                     sum(order.dose_for(c) for c in order.times), order.times, tuple(days),
                     tuple(data.get("notes", ())))


def live_taper(ctx: Context, patient_id: int, at: datetime | None = None) -> LiveTaper | None:
    """The patient's applied taper still to come or in progress at ``at`` (default now), with
    the plan as applied; None when there is none (never applied, finished or cancelled). A read:
    every role sees it on the chart."""
    patient = patient_by_id(ctx, patient_id)
    moment = at or ctx.now()
    with actionable_errors():
        rows = [t for t in repo.for_patient(ctx.db, patient.id) if t.cancelled_from is None]
    if not rows:
        return None
    row = rows[0]
    end = date.fromisoformat(row.plan["end_date"])
    if moment >= _midnight(ctx, end):
        return None
    with actionable_errors():
        order = order_repo.by_id(ctx.db, row.restore_order_id)
    if order is None:
        return None
    plan = _applied_plan(row, order)
    return LiveTaper(row.id, TaperPreview(patient, order, plan), row.prescriber,
                     moment >= _midnight(ctx, plan.start))


def printed_by_name(ctx: Context) -> str:
    actor = ctx.require_actor()
    with actionable_errors():
        row = people.user_by_name(ctx.db, actor.name)
    return (row.full_name if row and row.full_name else actor.name)


__all__ = ["STOP_TAPERED", "LiveTaper", "TaperParams", "TaperPreview", "apply", "cancel",
           "live_taper", "preview"]
