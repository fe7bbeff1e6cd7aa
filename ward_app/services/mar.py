"""Recording what happened to each due dose, correcting mistakes, and the MAR view."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ward_app.domain.clock import parse_moment
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.mar import (
    Outcome,
    Reason,
    Record,
    State,
    dose_state,
    effective_records,
    given_outcome,
    outcome_for_reason,
    parse_reason,
)
from ward_app.domain.orders import Route
from ward_app.domain.patient import Patient
from ward_app.domain.roles import Action
from ward_app.domain.schedule import DueDose, due_doses
from ward_app.domain.text import clean_text
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.services.orders import witness_for
from ward_app.services.patients import get_patient
from ward_app.storage import administrations as repo
from ward_app.storage import audit
from ward_app.storage import orders as order_repo
from ward_app.storage.errors import actionable_errors

_HHMM = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


def _day_bounds(ctx: Context, day: date) -> tuple[datetime, datetime]:
    zone = ctx.zone
    start = datetime.combine(day, time(0)).replace(tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0)).replace(tzinfo=zone)
    return start, end


def schedule_between(ctx: Context, patient: Patient, start: datetime, end: datetime) -> list[DueDose]:
    with actionable_errors():
        versions = order_repo.versions_since(ctx.db, start, patient.id).get(patient.id, [])
    return due_doses(versions, start, end, ctx.zone)


def records_between(ctx: Context, patient: Patient, start: datetime, end: datetime) -> list[Record]:
    with actionable_errors():
        return repo.for_patient(ctx.db, patient.id, start, end)


def resolve_due(ctx: Context, patient: Patient, text: str) -> DueDose:
    """The scheduled dose meant by ``--due``: an ISO moment, or HH:MM for the dose at that clock
    time nearest to now (at 00:30, '22:00' is last night's; at 08:10, '14:00' is today's)."""
    now = ctx.now()
    window_start, window_end = now - timedelta(days=2), now + timedelta(days=2)
    doses = schedule_between(ctx, patient, window_start, window_end)
    match = _HHMM.match(text.strip())
    if match:
        wanted = time(int(match.group(1)), int(match.group(2)))
        # the ordered clock time (a 01:30 dose falls due at 02:00 on the spring-forward day)
        clock = f"{wanted:%H:%M}"
        candidates = [d for d in doses
                      if d.clock == clock or d.due.astimezone(ctx.zone).time() == wanted]
        found = min(candidates, key=lambda d: (abs(d.due - now), d.due)) if candidates else None
    else:
        moment = parse_moment(text, ctx.zone, field="due")
        found = next((d for d in schedule_between(ctx, patient, moment - timedelta(hours=1),
                                                  moment + timedelta(hours=1))
                      if d.due == moment), None)
    if found is None:
        today = now.astimezone(ctx.zone).date()
        start, end = _day_bounds(ctx, today)
        times = [d.due.astimezone(ctx.zone).strftime("%H:%M") for d in doses if start <= d.due < end]
        listed = ", ".join(times) if times else "none (no oral or enteral order in force)"
        raise InvalidInput("due", f"No dose of MRN {patient.mrn} is due at {text}. Due times "
                           f"today ({today:%d %b}): {listed}.")
    return found


def _already(ctx: Context, patient: Patient, due: DueDose) -> Record | None:
    recs = records_between(ctx, patient, due.due, due.due + timedelta(seconds=1))
    return effective_records(recs)[0].get(due.due)


@dataclass(frozen=True)
class Recorded:
    record_id: int
    outcome: Outcome
    due: datetime
    patient: Patient


def _refuse_if_recorded(ctx: Context, patient: Patient, due: DueDose) -> None:
    """One record per due dose. Checked before the write and again inside it (BEGIN IMMEDIATE
    serialises workstations, so the second check sees the other workstation's record)."""
    existing = _already(ctx, patient, due)
    if existing is not None:
        local = due.due.astimezone(ctx.zone)
        raise InvalidInput("due", f"The {local:%d %b %H:%M} dose is already recorded "
                           f"({existing.outcome.value} by {existing.by}, record {existing.id}). "
                           "If that record is wrong, mark it entered in error first ('Mark entered "
                           f"in error' in the chart, or ward-app dose correct --id {existing.id}).")


def _clean_note(note: str | None) -> str | None:
    return clean_text(note, "note", longest=500)


def give_dose(ctx: Context, mrn: str, due_text: str, *, dose_mg: float | None = None,
              dose_mcg: float | None = None, witness: str | None = None,
              note: str | None = None) -> Recorded:
    actor = ctx.require(Action.RECORD_DOSE)
    patient = get_patient(ctx, mrn)
    if dose_mcg is not None:
        raise InvalidInput("dose-mcg", "Oral and enteral doses are in mg: give --dose-mg, not mcg.")
    due = resolve_due(ctx, patient, due_text)
    now = ctx.now()
    t = ctx.thresholds()
    local = due.due.astimezone(ctx.zone)
    if dose_mg is not None and (not math.isfinite(dose_mg) or dose_mg <= 0):
        raise InvalidInput("dose-mg", f"--dose-mg {dose_mg:g} is not a dose: give the mg given "
                           "(a positive number).")
    if dose_mg is not None and abs(dose_mg - due.dose_mg) > 1e-9:
        raise Refused("dose.mismatch", f"The order says {due.dose_mg:g} mg at {local:%H:%M}, not "
                      f"{dose_mg:g} mg. Give the ordered dose, or ask the prescriber to change "
                      "the order first.")
    early = timedelta(minutes=float(t.dose_give_early_limit_min))
    if now < due.due - early:
        when = local.strftime("%d %b %H:%M")
        raise Refused("dose.too_early", f"The {local:%H:%M} dose is not due until {when}; it "
                      "cannot be recorded as given this early.")
    _refuse_if_recorded(ctx, patient, due)  # early, before asking anything else
    witness_id = witness_for(ctx, actor, witness, "This dose") if witness else None
    outcome = given_outcome(due.due, now, float(t.dose_window_min))
    with ctx.write(Kind.DOSES, patient.id) as db:
        _refuse_if_recorded(ctx, patient, due)  # again under the write lock: two workstations
        rid = repo.insert(db, patient_id=patient.id, order_id=due.order_id, due=due.due,
                          outcome=outcome, administered_at=now, user_id=actor.id, at=now,
                          dose_mg=due.dose_mg, note=_clean_note(note), witness_id=witness_id)
        audit.record(db, at=now, user_id=actor.id, action=f"dose.{outcome.value}",
                     entity="administration", entity_id=rid, patient_id=patient.id,
                     detail={"due": due.due.isoformat(), "dose_mg": due.dose_mg})
    return Recorded(rid, outcome, due.due, patient)


def omit_dose(ctx: Context, mrn: str, due_text: str, reason: str, *, note: str | None = None,
              held: bool = False) -> Recorded:
    actor = ctx.require(Action.RECORD_DOSE)
    patient = get_patient(ctx, mrn)
    code = parse_reason(reason)
    text = _clean_note(note)
    if code is Reason.OTHER and not text:
        raise InvalidInput("note", "Reason 'other' needs a note saying why (--note TEXT).")
    due = resolve_due(ctx, patient, due_text)
    _refuse_if_recorded(ctx, patient, due)
    outcome = outcome_for_reason(code, held)
    now = ctx.now()
    with ctx.write(Kind.DOSES, patient.id) as db:
        _refuse_if_recorded(ctx, patient, due)  # again under the write lock: two workstations
        rid = repo.insert(db, patient_id=patient.id, order_id=due.order_id, due=due.due,
                          outcome=outcome, administered_at=now, user_id=actor.id, at=now,
                          reason=code.value, note=text)
        audit.record(db, at=now, user_id=actor.id, action=f"dose.{outcome.value}",
                     entity="administration", entity_id=rid, patient_id=patient.id,
                     detail={"due": due.due.isoformat(), "reason": code.value})
    return Recorded(rid, outcome, due.due, patient)


def correct_record(ctx: Context, record_id: int, reason: str) -> Recorded:
    """Mark a record entered in error: a new record names it; the original stays visible."""
    actor = ctx.require(Action.RECORD_DOSE)
    why = clean_text(reason, "reason", longest=500) or ""
    if len(why) < 3:
        raise InvalidInput("reason", "Say why the record is wrong: --reason TEXT (a few words).")
    with actionable_errors():
        original = repo.by_id(ctx.db, record_id)
        corrected_by = repo.correction_of(ctx.db, record_id)
    if original is None:
        raise InvalidInput("id", f"There is no dose record {record_id}: check the id in the MAR.")
    if original.outcome is Outcome.ENTERED_IN_ERROR:
        raise InvalidInput("id", f"Record {record_id} is itself a correction; it cannot be corrected.")
    if corrected_by is not None:
        raise InvalidInput("id", f"Record {record_id} is already marked entered in error "
                           f"(record {corrected_by}).")
    now = ctx.now()
    with ctx.write(Kind.DOSES, original.patient_id) as db:
        again = repo.correction_of(db, record_id)  # under the write lock: two workstations
        if again is not None:
            raise InvalidInput("id", f"Record {record_id} is already marked entered in error "
                               f"(record {again}).")
        rid = repo.insert(db, patient_id=original.patient_id, order_id=original.order_id,
                          due=original.due, outcome=Outcome.ENTERED_IN_ERROR, administered_at=now,
                          user_id=actor.id, at=now, note=why, corrects_id=original.id)
        audit.record(db, at=now, user_id=actor.id, action="dose.entered_in_error",
                     entity="administration", entity_id=rid, patient_id=original.patient_id,
                     detail={"corrects": original.id, "original_outcome": original.outcome.value,
                             "reason": why})
    from ward_app.storage import patients as patient_repo

    with actionable_errors():
        patient = next(p for p in patient_repo.patients(ctx.db) if p.id == original.patient_id)
    return Recorded(rid, Outcome.ENTERED_IN_ERROR, original.due or now, patient)


def give_bolus(ctx: Context, mrn: str, mcg: float, witness: str | None,
               note: str | None = None) -> Recorded:
    """An intrathecal bolus: mcg, with a witness who is another user (RULES §2)."""
    actor = ctx.require(Action.RECORD_DOSE)
    patient = get_patient(ctx, mrn)
    now = ctx.now()
    with actionable_errors():
        current = order_repo.current_orders(ctx.db, now).get(patient.id)
    if current is None or current.route is not Route.INTRATHECAL:
        raise Refused("itb.no_order", f"MRN {patient.mrn} has no intrathecal order in force: a "
                      "bolus needs one.")
    if not (mcg > 0):
        raise InvalidInput("mcg", "--mcg must be a positive number of micrograms.")
    witness_id = witness_for(ctx, actor, witness, "An intrathecal bolus")
    with ctx.write(Kind.DOSES, patient.id) as db:
        rid = repo.insert(db, patient_id=patient.id, order_id=current.id, due=None,
                          outcome=Outcome.GIVEN, administered_at=now, user_id=actor.id, at=now,
                          dose_mcg=mcg, note=_clean_note(note), witness_id=witness_id)
        audit.record(db, at=now, user_id=actor.id, action="dose.bolus", entity="administration",
                     entity_id=rid, patient_id=patient.id,
                     detail={"dose_mcg": mcg, "witness_id": witness_id})
    return Recorded(rid, Outcome.GIVEN, now, patient)


@dataclass(frozen=True)
class MarEntry:
    """One line of the MAR: a due dose and its state, or a record struck out as entered in error."""

    id: int | None
    due: datetime
    dose_mg: float
    state: State
    recorded_at: datetime | None
    by: str | None
    reason: str | None
    note: str | None = None
    witness: str | None = None
    given_at: datetime | None = None
    corrected: bool = False  # a struck-through record; ``state`` is what it had recorded
    correction_reason: str | None = None

    def to_json(self, zone) -> dict:  # type: ignore[no-untyped-def]
        def iso(m: datetime | None) -> str | None:
            return m.astimezone(zone).isoformat(timespec="seconds") if m else None

        return {"id": self.id, "due": iso(self.due), "dose_mg": self.dose_mg,
                "state": State.ENTERED_IN_ERROR.value if self.corrected else self.state.value,
                "recorded_at": iso(self.recorded_at), "by": self.by, "reason": self.reason,
                "note": self.note, "witness": self.witness, "given_at": iso(self.given_at),
                "original_state": self.state.value if self.corrected else None,
                "correction_reason": self.correction_reason}


def mar_entries(ctx: Context, patient: Patient, start: datetime, end: datetime) -> list[MarEntry]:
    """Due doses in [start, end) with their state now, plus struck records, in due order."""
    now = ctx.now()
    t = ctx.thresholds()
    window, missed_after = float(t.dose_window_min), float(t.dose_missed_after_min)
    doses = schedule_between(ctx, patient, start, end + timedelta(days=1))
    records = records_between(ctx, patient, start, end)
    in_force, corrections = effective_records(records)
    out: list[MarEntry] = []
    for i, dose in enumerate(doses):
        if dose.due >= end:
            break
        nxt = doses[i + 1].due if i + 1 < len(doses) else None
        rec = in_force.get(dose.due)
        state = dose_state(dose.due, rec, now, nxt, window, missed_after)
        out.append(MarEntry(
            id=rec.id if rec else None, due=dose.due, dose_mg=dose.dose_mg, state=state,
            recorded_at=rec.recorded_at if rec else None, by=rec.by if rec else None,
            reason=rec.reason if rec else None, note=rec.note if rec else None,
            witness=rec.witness if rec else None,
            given_at=rec.administered_at if rec and rec.outcome in (
                Outcome.GIVEN, Outcome.GIVEN_LATE) else None))
    for rec in records:
        fix = corrections.get(rec.id)
        if fix is None or rec.due is None:
            continue
        out.append(MarEntry(
            id=rec.id, due=rec.due, dose_mg=rec.dose_mg or 0.0, state=State(rec.outcome.value),
            recorded_at=rec.recorded_at, by=rec.by, reason=rec.reason, note=rec.note,
            witness=rec.witness, given_at=rec.administered_at, corrected=True,
            correction_reason=f"{fix.note} ({fix.by}, record {fix.id})"))
    out.sort(key=lambda e: (e.due, not e.corrected))
    return out


def mar_day(ctx: Context, mrn: str, day: date | None = None) -> tuple[Patient, list[MarEntry]]:
    patient = get_patient(ctx, mrn)
    day = day or ctx.now().astimezone(ctx.zone).date()
    start, end = _day_bounds(ctx, day)
    return patient, mar_entries(ctx, patient, start, end)
