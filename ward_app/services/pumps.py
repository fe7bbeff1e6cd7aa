"""Intrathecal pumps: the pump record, witnessed refills (optionally changing the order in the same
action), alarms heard, and the countdown view the chart and the board show."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from ward_app.domain import dose_checks
from ward_app.domain.dose_alerts import in_force
from ward_app.domain.dose_checks import Finding
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.orders import Order, Route
from ward_app.domain.patient import Patient
from ward_app.domain.pump import (
    NEEDS_ITB_ACTION,
    AlarmKind,
    AlarmResolution,
    EventKind,
    Pump,
    PumpAlarm,
    PumpDates,
    PumpEvent,
    PumpState,
    Reconciliation,
    Refill,
    active_alarms,
    alarm_resolved,
    check_refill,
    pump_dates,
    reconcile,
)
from ward_app.domain.roles import Action, can
from ward_app.domain.rules import Thresholds
from ward_app.domain.scanning import Pack
from ward_app.domain.text import clean_text
from ward_app.services import orders as order_svc
from ward_app.services import scanning
from ward_app.services.changes import Kind
from ward_app.services.context import Actor, Context
from ward_app.services.entry_time import act_detail, check_act_time, with_act_time
from ward_app.services.patients import patient_by_id
from ward_app.services.requests import request_id, reused
from ward_app.storage import audit, people
from ward_app.storage import orders as order_repo
from ward_app.storage import pumps as repo
from ward_app.storage.errors import actionable_errors

if TYPE_CHECKING:
    from ward_app.storage.connection import Database

#: A refill or alarm may be entered this long after it happened (back-entry after a busy spell).
BACK_ENTRY_LIMIT = timedelta(hours=24)
ALARM_LOOKBACK = timedelta(days=120)


def _when(ctx: Context, at: datetime | None, name: str) -> datetime:
    now = ctx.now()
    moment = at or now
    if moment > now + timedelta(minutes=5):
        raise InvalidInput(name, "The time is in the future: give the time it happened.")
    if moment < now - BACK_ENTRY_LIMIT:
        raise InvalidInput(name, "The time is more than 24 hours ago: it can no longer be entered "
                           "here; write it in the notes.")
    return check_act_time(ctx, moment, name)


def set_pump(ctx: Context, patient_id: int, *, model: str | None = None, serial: str | None = None,
             reservoir_ml: float | None = None, implant_date: date | None = None,
             eri_date: date | None = None, end_of_service: date | None = None,
             alarm_ml: float | None = None) -> Pump:
    """Record a patient's pump, or change what is known about it (a replacement pump: new serial,
    implant date and ERI). Audited; the pump row is device data, not a clinical record."""
    actor = ctx.require(Action.SET_PUMP)
    patient = patient_by_id(ctx, patient_id)
    fields: dict[str, object] = {}
    if model is not None:
        fields["model"] = clean_text(model, "model", longest=80, label="The pump model")
    if serial is not None:
        fields["serial"] = clean_text(serial, "serial", longest=40, label="The serial number")
    if reservoir_ml is not None:
        if not math.isfinite(reservoir_ml) or not 1 <= reservoir_ml <= 100:
            raise InvalidInput("reservoir-ml", f"A reservoir of {reservoir_ml:g} mL is out of range: "
                               "give the reservoir capacity in mL (1 to 100; usually 20 or 40).")
        fields["reservoir_ml"] = reservoir_ml
    if alarm_ml is not None:
        if not math.isfinite(alarm_ml) or not 0 <= alarm_ml <= 10:
            raise InvalidInput("alarm-ml", f"An alarm volume of {alarm_ml:g} mL is out of range: "
                               "0 to 10 mL.")
        fields["alarm_ml"] = alarm_ml
    today = ctx.now().astimezone(ctx.zone).date()
    if implant_date is not None:
        if implant_date > today:
            raise InvalidInput("implant-date", "The implant date is in the future.")
        fields["implant_date"] = implant_date
    for name, value in (("eri_date", eri_date), ("end_of_service", end_of_service)):
        if value is not None:
            fields[name] = value
    with actionable_errors():
        existing = repo.pump_for_patient(ctx.db, patient.id)
    implanted = implant_date or (existing.implant_date if existing else None)
    for name, label, value in (("eri-date", "The ERI date", eri_date),
                               ("end-of-service", "The end-of-service date", end_of_service)):
        if value is not None and implanted is not None and value <= implanted:
            raise InvalidInput(name, f"{label} must be after the implant date ({implanted}).")
    if not fields:
        raise InvalidInput("pump", "Nothing to change: give the model, serial number, reservoir, "
                           "implant date, ERI date, end of service or alarm volume.")
    now = ctx.now()
    with ctx.write(Kind.PUMP, patient.id) as db:
        if existing is None:
            pid = repo.insert_pump(
                db, patient_id=patient.id, model=fields.get("model"),  # type: ignore[arg-type]
                serial=fields.get("serial"), reservoir_ml=fields.get("reservoir_ml"),  # type: ignore[arg-type]
                implant_date=implant_date, eri_date=eri_date, end_of_service=end_of_service,
                alarm_ml=float(fields.get("alarm_ml", ctx.thresholds().pump_alarm_ml)),  # type: ignore[arg-type]
                at=now)
        else:
            pid = existing.id
            repo.update_pump(db, pid, now, **fields)
        audit.record(db, at=ctx.entered(), user_id=actor.id,
                     action="pump.set" if existing else "pump.add",
                     entity="pump", entity_id=pid, patient_id=patient.id,
                     detail=act_detail(ctx, now, {k: str(v) for k, v in fields.items()}))
    found = repo.pump_for_patient(ctx.db, patient.id)
    assert found is not None
    return found


def _pump_of(ctx: Context, patient: Patient) -> Pump:
    with actionable_errors():
        pump = repo.pump_for_patient(ctx.db, patient.id)
    if pump is None:
        raise NoPump("mrn", f"No pump is recorded for MRN {patient.mrn}: record it first "
                     "(Pump details in the chart).")
    return pump


class NoPump(InvalidInput):
    """The patient has no pump recorded: it is recorded first."""


@dataclass(frozen=True)
class NewRefill:
    """A refill as values: the front end has found the patient and the witness."""

    patient_id: int
    volume_ml: float
    conc_mcg_ml: float
    daily_mcg: float
    witness_id: int | None
    alarm_ml: float | None = None  # default: the pump's
    witness_password: str | None = None  # the witness types it (window and command line)
    refilled_at: datetime | None = None
    next_refill: date | None = None
    change_order: bool = False  # the refill also changes the intrathecal order (witnessed)
    client_id: str | None = None  # the form's request id: a retry with it stores nothing twice
    withdrawn_ml: float | None = None  # drawn out of the reservoir before refilling (measured)
    #: The ampoule scanned (clinical-rules §13: checked against ``conc_mcg_ml``), or why it was
    #: not scanned (domain/scanning.py SKIP_REASONS); ``pack_reason``: why an ampoule not in
    #: the ward's medicine table is used anyway (its soft stop).
    pack: Pack | None = None
    scan_skipped: str | None = None
    pack_reason: str | None = None


@dataclass(frozen=True)
class RefillDone:
    refill: Refill
    dates: PumpDates
    patient: Patient
    order: Order | None = None  # the new order version, when the refill changed the dose
    #: the volume drawn out against what the previous refill should have left (clinical-rules §10)
    reconciliation: Reconciliation | None = None


def _refill_before(db: Database, client_id: str | None, pump: Pump,
                   actor: Actor) -> Refill | None:
    """The refill stored under this request id by an earlier attempt, if any (for this pump)."""
    if client_id is None:
        return None
    with actionable_errors():
        earlier = repo.refill_by_client_id(db, client_id)
    if earlier is not None and earlier.pump_id != pump.id:
        raise reused("another patient's pump refill")
    if earlier is not None and earlier.by != actor.name:
        raise reused(f"a refill {earlier.by} recorded")
    return earlier


def _refill_done(ctx: Context, refill: Refill, pump: Pump, patient: Patient) -> RefillDone:
    """What a refill save returns; for one stored earlier, the order version it started (if the
    refill changed the order: an intrathecal version starting at the refill's time)."""
    t = ctx.thresholds()
    _eri, end = pump.eri_and_end(t)
    with actionable_errors():
        versions = order_repo.versions_since(ctx.db, refill.refilled_at, patient.id)
        history = repo.refills(ctx.db, pump.id, 50)
    changed = next((o for o in versions.get(patient.id, ()) if o.route is Route.INTRATHECAL
                    and o.starts_at == refill.refilled_at
                    and abs((o.daily_mcg or 0) - refill.daily_mcg) < 1e-9), None)
    before = [r for r in history if (r.refilled_at, r.id) < (refill.refilled_at, refill.id)]
    return RefillDone(refill, pump_dates(refill, t, ctx.zone, end), patient, changed,
                      _reconciliation(before[-1] if before else None, refill.withdrawn_ml,
                                      refill.refilled_at, t))


def _reconciliation(before: Refill | None, withdrawn_ml: float | None, at: datetime,
                    t: Thresholds) -> Reconciliation | None:
    if before is None or withdrawn_ml is None:
        return None
    return reconcile(before, withdrawn_ml, at, t)


def expected_residual(ctx: Context, patient_id: int, withdrawn_ml: float | None = None,
                      at: datetime | None = None) -> Reconciliation | None:
    """What the last refill should have left in the reservoir at ``at`` (default now), against
    ``withdrawn_ml`` when given (else 0): shown before a refill is saved. None without a refill."""
    patient = patient_by_id(ctx, patient_id)
    with actionable_errors():
        pump = repo.pump_for_patient(ctx.db, patient.id)
        history = repo.refills(ctx.db, pump.id, 1) if pump is not None else []
    if not history:
        return None
    return reconcile(history[-1], withdrawn_ml or 0.0, at or ctx.now(), ctx.thresholds())


def refill_pump(ctx: Context, new: NewRefill) -> RefillDone:
    """Record a witnessed refill; refused with a clear message if anything does not add up.
    With ``new.client_id`` already stored (a retried save), the refill stored then is returned and
    nothing is written."""
    actor = ctx.require(Action.REFILL_PUMP)
    patient = patient_by_id(ctx, new.patient_id)
    pump = _pump_of(ctx, patient)
    client_id = request_id(new.client_id)
    earlier = _refill_before(ctx.db, client_id, pump, actor)
    if earlier is not None:
        return _refill_done(ctx, earlier, pump, patient)
    t = ctx.thresholds()
    alarm_ml = pump.alarm_ml if new.alarm_ml is None else new.alarm_ml
    check_refill(pump, new.volume_ml, new.conc_mcg_ml, new.daily_mcg, alarm_ml,
                 [float(c) for c in t.pump_concentrations_mcg_ml])
    scan = _refill_pack(ctx, new)
    witness_id = order_svc.witness_for(ctx, actor, new.witness_id, "A pump refill",
                                       password=new.witness_password)
    when = _when(ctx, new.refilled_at, "at")
    if new.withdrawn_ml is not None and (
            not math.isfinite(new.withdrawn_ml) or new.withdrawn_ml < 0
            or (pump.reservoir_ml is not None and new.withdrawn_ml > pump.reservoir_ml)):
        raise InvalidInput("withdrawn-ml", f"The volume drawn out ({new.withdrawn_ml:g} mL) must be "
                           f"0 to {pump.reservoir_ml or 0:g} mL (the reservoir): check the syringe.")
    with actionable_errors():  # the refill whose reservoir this one reconciles
        previous = [r for r in repo.refills(ctx.db, pump.id, 50) if r.refilled_at < when]
    today = ctx.now().astimezone(ctx.zone).date()
    if new.next_refill is not None and new.next_refill <= today:
        raise InvalidInput("next-refill", "The next refill must be booked for a date after today.")
    with actionable_errors():
        versions = tuple(order_repo.versions_since(ctx.db, when, patient.id).get(patient.id, []))
    order = in_force(versions, when)
    itb = order if order is not None and order.route is Route.INTRATHECAL else None
    matches = itb is not None and abs((itb.daily_mcg or 0) - new.daily_mcg) < 1e-9
    if not matches and not new.change_order:
        ordered = (f"the intrathecal order is {itb.daily_mcg:g} mcg/day" if itb else
                   "there is no intrathecal order in force")
        raise Refused("pump.dose_mismatch", f"The programmed daily dose {new.daily_mcg:g} mcg/day "
                      f"does not match the order: {ordered}. Programme the ordered dose, or change "
                      "the order in the same witnessed refill.")
    now = ctx.now()
    changed: Order | None = None
    prescriber = actor
    if not matches:
        # Changing the order needs someone who may prescribe: the recorder, or a witness who may
        # (a pharmacist), whose own password the window asks for. The other one witnesses it.
        witness = people.user_by_id(ctx.db, witness_id)
        if ctx.can(Action.ORDER):
            pass
        elif witness is not None and can(witness.role, Action.ORDER):
            prescriber = Actor(witness.id, witness.name, witness.role)
        else:
            raise Refused("pump.order_change", "Changing the intrathecal order in a refill needs "
                          "a pharmacist: ask a pharmacist to witness the refill (their password "
                          "authorises the new order), or have the order changed first.")
    with ctx.write(Kind.PUMP, patient.id) as db:
        earlier = _refill_before(db, client_id, pump, actor)  # saved meanwhile by another try
        if earlier is not None:
            return _refill_done(ctx, earlier, pump, patient)
        if not matches:
            ctx.actor, acting_nurse = prescriber, actor
            try:
                changed = order_svc.add_order(ctx, order_svc.NewOrder(
                    patient_id=patient.id, route=Route.INTRATHECAL, daily_mcg=new.daily_mcg,
                    start=when,
                    witness_id=acting_nurse.id if prescriber is not actor else new.witness_id,
                    # the refill form names the new dose; its cautions (range, step) are stored
                    # with the version as seen by the prescriber who authorises the change here
                    ack_cautions=True),
                    witness_proven=True)  # the logged-in nurse, or the witness checked above
            finally:
                ctx.actor = acting_nurse
        entered = ctx.entered()
        rid = repo.insert_refill(db, pump_id=pump.id, refilled_at=when, volume_ml=new.volume_ml,
                                 conc_mcg_ml=new.conc_mcg_ml, daily_mcg=new.daily_mcg,
                                 alarm_ml=alarm_ml, user_id=actor.id, witness_id=witness_id,
                                 at=now, entered_at=entered, next_refill_booked=new.next_refill,
                                 client_id=client_id, withdrawn_ml=new.withdrawn_ml,
                                 scan=scan, scan_skipped=new.scan_skipped if scan is None else None)
        audit.record(db, at=entered, user_id=actor.id, action="pump.refill", entity="pump_refill",
                     entity_id=rid, patient_id=patient.id,
                     detail=with_act_time(entered, now, {
                         "volume_ml": new.volume_ml, "conc_mcg_ml": new.conc_mcg_ml,
                         "daily_mcg": new.daily_mcg, "alarm_ml": alarm_ml,
                         "witness_id": witness_id, "order_changed": changed is not None,
                         "refilled_at": when.isoformat(), "withdrawn_ml": new.withdrawn_ml,
                         **({"scan": scan} if scan else {}),
                         **({"scan_skipped": new.scan_skipped}
                            if scan is None and new.scan_skipped else {}),
                         **({"scan_skipped_why": new.pack_reason.strip()}
                            if scan is None and new.scan_skipped == "other" and new.pack_reason
                            else {})}))
    refill = repo.refills(ctx.db, pump.id, 1)[-1]
    _eri, end = pump.eri_and_end(t)
    return RefillDone(refill, pump_dates(refill, t, ctx.zone, end), patient, changed,
                      _reconciliation(previous[-1] if previous else None, new.withdrawn_ml, when, t))


def refill_pack_findings(ctx: Context, pack: Pack, conc_mcg_ml: float | None) -> list[Finding]:
    """What the scanned ampoule meets for a refill at ``conc_mcg_ml`` (hard stops first): what
    the refill dialog shows before the nurse saves. Writes nothing."""
    return scanning.pack_findings(ctx, pack, route=Route.INTRATHECAL,
                                  refill_conc_mcg_ml=conc_mcg_ml)


def _refill_pack(ctx: Context, new: NewRefill) -> dict | None:
    """The ampoule checked against the refill (clinical-rules §13), as stored on the refill;
    None when it was not scanned (the reason, if any, is checked). Refuses a hard stop, and an
    unknown ampoule without a reason."""
    if new.pack is None:
        if new.scan_skipped is not None:
            scanning.skip_reason(new.scan_skipped)
            if new.scan_skipped == "other" and not (new.pack_reason or "").strip():
                raise InvalidInput("pack-reason", "Say why the ampoule was not scanned (pack "
                                   "reason): the reason 'other' needs it.")
        return None
    findings = refill_pack_findings(ctx, new.pack, new.conc_mcg_ml)
    hard = dose_checks.hard(findings)
    if hard:
        raise Refused(hard[0].rule, hard[0].message)
    scan = new.pack.stored(scanning.product_for(ctx, new.pack))
    if findings:  # an ampoule the ward's table does not know: the nurse says why
        reason = (new.pack_reason or "").strip()
        if not reason:
            raise InvalidInput("pack-reason", f"{findings[0].message} Say why this ampoule is "
                               "used anyway (pack reason), or use one the table knows.")
        scan["unknown_reason"] = clean_text(reason, "pack-reason", label="The pack reason",
                                            longest=300)
    return scan


def _alarm_before(db: Database, client_id: str | None, pump: Pump,
                  actor: Actor) -> PumpAlarm | None:
    """The alarm stored under this request id by an earlier attempt, if any (for this pump)."""
    if client_id is None:
        return None
    with actionable_errors():
        earlier = repo.alarm_by_client_id(db, client_id)
    if earlier is not None and earlier.pump_id != pump.id:
        raise reused("another patient's pump alarm")
    if earlier is not None and earlier.by != actor.name:
        raise reused(f"an alarm {earlier.by} recorded")
    return earlier


def record_alarm(ctx: Context, patient_id: int, alarm_kind: AlarmKind, note: str | None = None,
                 heard_at: datetime | None = None, *, client_id: str | None = None) -> PumpAlarm:
    """Record a pump alarm heard (it raises pump.alarm until dealt with). With ``client_id``
    already stored (a retried save), the alarm stored then is returned and nothing is written."""
    actor = ctx.require(Action.PUMP_ALARM)
    patient = patient_by_id(ctx, patient_id)
    pump = _pump_of(ctx, patient)
    cid = request_id(client_id)
    earlier = _alarm_before(ctx.db, cid, pump, actor)
    if earlier is not None:
        return earlier
    when = _when(ctx, heard_at, "at")
    text = clean_text(note, "note", longest=500, label="The note")
    now = ctx.now()
    with ctx.write(Kind.PUMP, patient.id) as db:
        earlier = _alarm_before(db, cid, pump, actor)  # saved meanwhile by another try
        if earlier is not None:
            return earlier
        entered = ctx.entered()
        aid = repo.insert_alarm(db, pump_id=pump.id, kind=alarm_kind, heard_at=when, note=text,
                                user_id=actor.id, at=now, entered_at=entered, client_id=cid)
        audit.record(db, at=entered, user_id=actor.id, action="pump.alarm", entity="pump_alarm",
                     entity_id=aid, patient_id=patient.id,
                     detail=with_act_time(entered, now, {"kind": alarm_kind.value,
                                                         "heard_at": when.isoformat(),
                                                         "note": text}))
    return PumpAlarm(aid, pump.id, alarm_kind, when, actor.name, text)


def resolve_alarm(ctx: Context, patient_id: int, alarm_id: int, action: str,
                  itb_contact: str | None = None, at: datetime | None = None) -> AlarmResolution:
    """Record how a pump alarm was dealt with (clinical-rules §10). A critical or ERI alarm needs the
    ITB team's contact named; a low-reservoir alarm is resolved by the refill, not here."""
    actor = ctx.require(Action.PUMP_ALARM)
    patient = patient_by_id(ctx, patient_id)
    pump = _pump_of(ctx, patient)
    with actionable_errors():
        alarm = repo.alarm_by_id(ctx.db, alarm_id)
    if alarm is None or alarm.pump_id != pump.id:
        raise InvalidInput("alarm", f"There is no pump alarm {alarm_id} for MRN {patient.mrn}.")
    if alarm.kind is AlarmKind.LOW_RESERVOIR:
        raise Refused("pump.alarm", "A low-reservoir alarm is resolved by the refill: record the "
                      "refill.")
    text = clean_text(action, "action", longest=500, label="The action taken")
    if not text:
        raise InvalidInput("action", "Say what was done about the alarm (e.g. 'pump checked by the "
                           "ITB team, motor restarted').")
    contact = clean_text(itb_contact, "itb-team", longest=120, label="The ITB team's contact")
    if alarm.kind in NEEDS_ITB_ACTION and not contact:
        raise InvalidInput("itb-team", "A critical or ERI alarm is resolved only with the ITB "
                           "team: name the ITB team's contact who was told or who acted.")
    when = _when(ctx, at, "at")
    if when < alarm.heard_at:
        raise InvalidInput("at", "The alarm was resolved before it was heard: check the time.")
    with actionable_errors():
        done = repo.resolutions_for(ctx.db, [alarm.id])
    if done:
        raise Refused("pump.alarm", f"This alarm was already resolved by {done[0].by} at "
                      f"{done[0].at.astimezone(ctx.zone):%d %b %H:%M}.")
    now = ctx.now()
    with ctx.write(Kind.PUMP, patient.id) as db:
        entered = ctx.entered()
        rid = repo.insert_resolution(db, alarm_id=alarm.id, resolved_at=when, action=text,
                                     itb_contact=contact, user_id=actor.id, at=now,
                                     entered_at=entered)
        audit.record(db, at=entered, user_id=actor.id, action="pump.resolve",
                     entity="pump_alarm_resolution", entity_id=rid, patient_id=patient.id,
                     detail=with_act_time(entered, now, {"alarm_id": alarm.id,
                                                         "kind": alarm.kind.value,
                                                         "action": text, "itb_contact": contact,
                                                         "resolved_at": when.isoformat()}))
    return AlarmResolution(rid, alarm.id, when, text, contact, actor.name)


def record_event(ctx: Context, patient_id: int, kind: EventKind, note: str | None = None,
                 at: datetime | None = None) -> PumpEvent:
    """Record an MRI, hyperbaric treatment (they raise pump.check_due) or an interrogation of the
    pump with its programmer (which ends pump.check_due and pump.volume_discrepancy before it)."""
    actor = ctx.require(Action.PUMP_ALARM)
    patient = patient_by_id(ctx, patient_id)
    pump = _pump_of(ctx, patient)
    when = _when(ctx, at, "at")
    text = clean_text(note, "note", longest=500, label="The note")
    now = ctx.now()
    with ctx.write(Kind.PUMP, patient.id) as db:
        entered = ctx.entered()
        eid = repo.insert_event(db, pump_id=pump.id, kind=kind, happened_at=when, note=text,
                                user_id=actor.id, at=now, entered_at=entered)
        audit.record(db, at=entered, user_id=actor.id, action="pump.event", entity="pump_event",
                     entity_id=eid, patient_id=patient.id,
                     detail=with_act_time(entered, now, {"kind": kind.value, "note": text,
                                                         "at": when.isoformat()}))
    return PumpEvent(eid, pump.id, kind, when, actor.name, text)


@dataclass(frozen=True)
class AlarmLine:
    """An alarm in the pump's history and how it was resolved (None: still active)."""

    alarm: PumpAlarm
    resolution: str | None = None  # e.g. "pump restarted (ITB team: Dr Rao) — nurse.okafor"
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class PumpView:
    """Everything the pump panel shows, worked out as of ``at``."""

    pump: Pump
    refills: list[Refill] = field(default_factory=list)  # newest first
    dates: PumpDates | None = None
    alarms: list[PumpAlarm] = field(default_factory=list)  # active ones
    alarm_history: list[AlarmLine] = field(default_factory=list)  # newest first, with resolutions
    events: list[PumpEvent] = field(default_factory=list)  # newest first
    eri: date | None = None
    end_of_service: date | None = None
    at: datetime | None = None
    alarm_in_days: float | None = None  # from ``at`` to the low-reservoir alarm date
    refill_in_days: int | None = None  # ward days from ``at`` to the refill-by date (< 0: overdue)
    empty: bool = False  # the reservoir is worked out to be empty
    past_eri: bool = False  # the battery is past its elective replacement date

    @property
    def alarm_soon(self) -> bool:
        """The alarm date is two days away or less (or passed)."""
        return self.alarm_in_days is not None and self.alarm_in_days <= ALARM_SOON_DAYS

    @property
    def refill_soon(self) -> bool:
        """The refill-by date is a week away or less (or passed)."""
        return self.refill_in_days is not None and self.refill_in_days <= REFILL_SOON_DAYS


#: When the panel marks the countdown: the alarm date in red, the refill-by date in amber.
ALARM_SOON_DAYS = 2
REFILL_SOON_DAYS = 7


def pump_view(ctx: Context, patient: Patient, at: datetime | None = None) -> PumpView | None:
    now = at or ctx.now()
    with actionable_errors():
        pump = repo.pump_for_patient(ctx.db, patient.id)
        if pump is None:
            return None
        history = repo.refills(ctx.db, pump.id, 50)
        alarms = repo.alarms_since(ctx.db, now - ALARM_LOOKBACK, pump.id).get(pump.id, [])
        resolutions = repo.resolutions_for(ctx.db, [a.id for a in alarms])
        events = repo.events_since(ctx.db, now - ALARM_LOOKBACK, pump.id).get(pump.id, [])
    lines = []
    for a in reversed(alarms):
        how = alarm_resolved(a, history, resolutions)
        lines.append(AlarmLine(a, how[0], how[1]) if how else AlarmLine(a))
    t = ctx.thresholds()
    eri, end = pump.eri_and_end(t)
    dates = pump_dates(history[-1], t, ctx.zone, end) if history else None
    today = now.astimezone(ctx.zone).date()
    return PumpView(
        pump, list(reversed(history)), dates, active_alarms(alarms, history, resolutions), lines,
        list(reversed(events)), eri, end, now,
        alarm_in_days=dates.days_left(now) if dates else None,
        refill_in_days=(dates.refill_by - today).days if dates else None,
        empty=dates is not None and now >= dates.empty_at,
        past_eri=eri is not None and today >= eri)


def pump_states(ctx: Context, now: datetime,
                patient_ids: Collection[int] | None = None) -> dict[int, PumpState]:
    """Every patient's pump (or only those of ``patient_ids``) with its last two refills and
    recent alarms, by patient id (for the alert rules and the board)."""
    since = now - ALARM_LOOKBACK
    with actionable_errors():
        if patient_ids is not None:  # a few patients: their pumps only, one by one
            pumps = {pid: p for pid in patient_ids
                     if (p := repo.pump_for_patient(ctx.db, pid)) is not None}
            latest = {p.id: repo.refills(ctx.db, p.id, 2) for p in pumps.values()}
            alarms: dict[int, list[PumpAlarm]] = {}
            events: dict[int, list[PumpEvent]] = {}
            for p in pumps.values():
                alarms.update(repo.alarms_since(ctx.db, since, p.id))
                events.update(repo.events_since(ctx.db, since, p.id))
        else:
            pumps = repo.all_pumps(ctx.db)
            latest = repo.latest_refills(ctx.db, 2)
            alarms = repo.alarms_since(ctx.db, since)
            events = repo.events_since(ctx.db, since)
        resolutions = repo.resolutions_for(ctx.db, [a.id for found in alarms.values()
                                                    for a in found])
    by_alarm = {r.alarm_id: r for r in resolutions}
    return {pid: PumpState(p, tuple(latest.get(p.id, ())), tuple(alarms.get(p.id, ())),
                           tuple(by_alarm[a.id] for a in alarms.get(p.id, ()) if a.id in by_alarm),
                           tuple(events.get(p.id, ())))
            for pid, p in pumps.items()}


__all__ = ["AlarmLine", "NewRefill", "NoPump", "PumpView", "RefillDone", "expected_residual",
           "pump_states", "pump_view", "record_alarm", "record_event", "refill_pump",
           "resolve_alarm", "set_pump"]
