"""Recording what happened to each due dose, correcting mistakes, and the MAR view."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from ward_app.domain import dose_checks
from ward_app.domain.bridging import bridging_advice
from ward_app.domain.dose_checks import Finding, Situation, flag_words
from ward_app.domain.entry import entered_late as is_late_entry
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
)
from ward_app.domain.orders import Route
from ward_app.domain.patient import Patient
from ward_app.domain.roles import Action
from ward_app.domain.scanning import Pack, scan_summary
from ward_app.domain.schedule import DueDose, due_doses
from ward_app.domain.text import clean_text
from ward_app.services import scanning
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.services.entry_time import with_act_time
from ward_app.services.orders import witness_for
from ward_app.services.patients import patient_by_id
from ward_app.storage import administrations as repo
from ward_app.storage import audit
from ward_app.storage import observations as obs_repo
from ward_app.storage import orders as order_repo
from ward_app.storage.errors import actionable_errors
from ward_app.storage.sync import conflicts as sync_conflicts


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


def _due_times_today(ctx: Context, doses: list[DueDose]) -> str:
    today = ctx.now().astimezone(ctx.zone).date()
    start, end = _day_bounds(ctx, today)
    times = [d.due.astimezone(ctx.zone).strftime("%H:%M") for d in doses if start <= d.due < end]
    listed = ", ".join(times) if times else "none (no oral or enteral order in force)"
    return f"Due times today ({today:%d %b}): {listed}."


def due_dose_at(ctx: Context, patient_id: int, clock: time) -> DueDose:
    """The scheduled dose at this clock time nearest to now (at 00:30, 22:00 is last night's; at
    08:10, 14:00 is today's), or InvalidInput('due') listing today's due times."""
    patient = patient_by_id(ctx, patient_id)
    now = ctx.now()
    doses = schedule_between(ctx, patient, now - timedelta(days=2), now + timedelta(days=2))
    wanted = clock.replace(second=0, microsecond=0, tzinfo=None)
    # the ordered clock time (a 01:30 dose falls due at 02:00 on the spring-forward day)
    text = f"{wanted:%H:%M}"
    candidates = [d for d in doses
                  if d.clock == text or d.due.astimezone(ctx.zone).time() == wanted]
    if not candidates:
        raise InvalidInput("due", f"No dose of MRN {patient.mrn} is due at {text}. "
                           f"{_due_times_today(ctx, doses)}")
    return min(candidates, key=lambda d: (abs(d.due - now), d.due))


def due_dose(ctx: Context, patient_id: int, due: datetime) -> DueDose:
    """The scheduled dose due at exactly ``due``, or InvalidInput('due') listing today's due times."""
    patient = patient_by_id(ctx, patient_id)
    found = next((d for d in schedule_between(ctx, patient, due - timedelta(hours=1),
                                              due + timedelta(hours=1))
                  if d.due == due), None)
    if found is None:
        now = ctx.now()
        doses = schedule_between(ctx, patient, now - timedelta(days=2), now + timedelta(days=2))
        local = due.astimezone(ctx.zone)
        raise InvalidInput("due", f"No dose of MRN {patient.mrn} is due at {local:%d %b %H:%M}. "
                           f"{_due_times_today(ctx, doses)}")
    return found


def _already(ctx: Context, patient: Patient, due: DueDose,
             records: Sequence[Record] | None = None) -> Record | None:
    recs = records if records is not None else records_between(
        ctx, patient, due.due, due.due + timedelta(seconds=1))
    return effective_records(recs)[0].get(due.due)


@dataclass(frozen=True)
class Recorded:
    record_id: int
    outcome: Outcome
    due: datetime
    patient: Patient
    flags: tuple[str, ...] = ()  # recorded despite a soft stop (clinical-rules §9)


class AlreadyRecorded(InvalidInput):
    """The due dose has a record in force (``record_id``): one record per due dose."""

    def __init__(self, record_id: int, message: str) -> None:
        super().__init__("due", message)
        self.record_id = record_id


def _refuse_if_recorded(ctx: Context, patient: Patient, due: DueDose,
                        records: Sequence[Record] | None = None) -> None:
    """One record per due dose. Checked before the write (on ``records`` when already loaded)
    and again inside it (BEGIN IMMEDIATE serialises workstations, so the second check sees the
    other workstation's record)."""
    existing = _already(ctx, patient, due, records)
    if existing is not None:
        local = due.due.astimezone(ctx.zone)
        raise AlreadyRecorded(existing.id, f"The {local:%d %b %H:%M} dose is already recorded "
                           f"({existing.outcome.value} by {existing.by}, record {existing.id}). "
                           "If that record is wrong, mark it entered in error first ('Mark entered "
                           "in error' on the MAR).")


def _clean_note(note: str | None) -> str | None:
    return clean_text(note, "note", longest=500)


class NeedsOverride(Refused):
    """A soft stop (clinical-rules §9): recording anyway needs a reason, and the second user's
    password where ``second_user`` is set. ``findings`` says why, safest choice first."""

    def __init__(self, findings: list[Finding]) -> None:
        first = findings[0]
        second = any(f.second_user for f in findings)
        ask = ("To record it as given anyway, give the reason and a second nurse confirms with "
               "their password." if second else "To record it as given anyway, give the reason.")
        super().__init__(first.rule, " ".join(f.message for f in findings) + f" {ask}")
        self.findings = findings
        self.second_user = second


#: How far back the recording checks look: two days covers the rolling 24 h either side of a
#: dose, the minimum interval and the sedation hold.
CHECK_BACK = timedelta(days=2)


def _situation(ctx: Context, patient: Patient, due: datetime, now: datetime) -> Situation:
    """The dose due at ``due`` and what the checks need of its patient, in three indexed queries
    (this runs when the record dialog opens and again when it saves); InvalidInput('due') when
    no dose is due then."""
    start, end = min(now, due) - CHECK_BACK, max(now, due) + CHECK_BACK
    with actionable_errors():
        versions = order_repo.versions_since(ctx.db, start, patient.id).get(patient.id, [])
        records = repo.for_patient(ctx.db, patient.id, start, end)
        seen = obs_repo.for_patient(ctx.db, patient.id, start, now + timedelta(seconds=1))
    schedule = due_doses(versions, start, end, ctx.zone)
    dose = next((d for d in schedule if d.due == due), None)
    if dose is None:
        dose = due_dose(ctx, patient.id, due)  # raises, naming today's due times
    return Situation(dose=dose, now=now, schedule=schedule, records=records,
                     observations=seen, versions=versions, zone=ctx.zone)


def check_dose(ctx: Context, patient_id: int, due: datetime, *,
               pack: Pack | None = None) -> list[Finding]:
    """What recording the dose due at ``due`` as given now (from the scanned ``pack``) would
    meet, hard stops first: what the record dialog shows before the nurse presses Save. Writes
    nothing."""
    patient = patient_by_id(ctx, patient_id)
    situation = _situation(ctx, patient, due, ctx.now())
    findings = dose_checks.check_give(situation, ctx.thresholds())
    if pack is not None:
        findings = dose_checks.hard_first(scanning.pack_findings(
            ctx, pack, route=situation.dose.route, dose_mg=situation.dose.dose_mg) + findings)
    return findings


def bridging_for(ctx: Context, patient_id: int, due: datetime) -> str:
    """The bridging prompt (clinical-rules §10) for the order of the dose due at ``due``: what
    the record dialog shows when a nurse picks 'nil by mouth'."""
    patient = patient_by_id(ctx, patient_id)
    dose = due_dose(ctx, patient.id, due)
    with actionable_errors():
        versions = order_repo.versions_since(ctx.db, dose.due, patient.id).get(patient.id, [])
    order = next((v for v in versions if v.id == dose.order_id), None)
    return bridging_advice(order, ctx.thresholds()) if order is not None else ""


@dataclass(frozen=True)
class Override:
    """Recording a dose despite a soft stop: the reason, and the second user where asked."""

    reason: str | None = None
    witness_id: int | None = None
    witness_password: str | None = None


def _overridden(ctx: Context, actor, findings: list[Finding],  # type: ignore[no-untyped-def]
                override: Override | None, what: str) -> tuple[tuple[str, ...], str | None,
                                                               int | None]:
    """(flags, reason, second user) for a record given despite these findings: a hard stop
    refuses; a soft stop refuses without a reason (and a proven second user where asked)."""
    blocking = dose_checks.hard(findings)
    if blocking:
        raise Refused(blocking[0].rule, blocking[0].message)
    softs = dose_checks.soft(findings)
    # a second user who is named always proves it, whether or not a check asks for one
    named = override.witness_id if override is not None else None
    second = witness_for(ctx, actor, named, what, password=override.witness_password,
                         field="override-witness") if override is not None and named else None
    if not softs:
        return (), None, None
    reason = clean_text(override.reason if override else None, "reason", longest=300,
                        label="The reason")
    if not reason:
        raise NeedsOverride(softs)
    if any(f.second_user for f in softs) and second is None:
        raise InvalidInput("override-witness", f"{what}: a second nurse must confirm "
                           "(choose them, and they type their own password).")
    if not any(f.second_user for f in softs):
        second = None  # proven, but not what this record needs
    flags = tuple(dict.fromkeys(f.flag for f in softs if f.flag))
    return flags, reason, second


def give_dose(ctx: Context, patient_id: int, due: datetime, *, dose_mg: float | None = None,
              witness_id: int | None = None, note: str | None = None,
              witness_password: str | None = None, override: Override | None = None,
              pack: Pack | None = None, scan_skipped: str | None = None) -> Recorded:
    """Record the dose due at ``due`` as given now (given late after the on-time window), after
    the recording checks (clinical-rules §9): a hard stop refuses; a soft stop refuses unless
    ``override`` gives the reason (and the second user where the check asks for one). ``pack``:
    the medicine pack scanned, checked against the order (clinical-rules §13) and kept on the
    record; else ``scan_skipped``, why it was not scanned (domain/scanning.py SKIP_REASONS)."""
    actor = ctx.require(Action.RECORD_DOSE)
    patient = patient_by_id(ctx, patient_id)
    now = ctx.now()
    t = ctx.thresholds()
    situation = _situation(ctx, patient, due, now)
    dose = situation.dose
    local = dose.due.astimezone(ctx.zone)
    if dose_mg is not None and (not math.isfinite(dose_mg) or dose_mg <= 0):
        raise InvalidInput("dose-mg", f"{dose_mg:g} mg is not a dose: give the mg given (a "
                           "positive number).")
    if dose_mg is not None and abs(dose_mg - dose.dose_mg) > 1e-9:
        raise Refused("dose.mismatch", f"The order says {dose.dose_mg:g} mg at {local:%H:%M}, not "
                      f"{dose_mg:g} mg. Give the ordered dose, or ask the prescriber to change "
                      "the order first.")
    text = _clean_note(note)  # what was typed is checked before the clinical checks
    if override is not None:
        clean_text(override.reason, "reason", longest=300, label="The reason")
    _refuse_if_recorded(ctx, patient, dose, situation.records)  # before asking anything else
    skipped = scanning.skip_reason(scan_skipped) if pack is None else None
    if skipped == "other" and not text:
        raise InvalidInput("note", "Say in the note why the pack was not scanned (reason "
                           "'other').")
    findings = dose_checks.check_give(situation, t)
    scan = None  # what the record keeps of the pack
    if pack is not None:
        scan = pack.stored(scanning.product_for(ctx, pack))
        findings = dose_checks.hard_first(scanning.pack_findings(
            ctx, pack, route=dose.route, dose_mg=dose.dose_mg) + findings)
    flags, reason, second = _overridden(ctx, actor, findings, override,
                                        f"Giving the {local:%H:%M} dose despite the check")
    checked_witness = witness_for(ctx, actor, witness_id, "This dose",
                                  password=witness_password) if witness_id else None
    outcome = given_outcome(dose.due, now, float(t.dose_window_min))
    with ctx.write(Kind.DOSES, patient.id) as db:
        _refuse_if_recorded(ctx, patient, dose)  # again under the write lock: two workstations
        entered = ctx.entered()
        rid = repo.insert(db, patient_id=patient.id, order_id=dose.order_id, due=dose.due,
                          outcome=outcome, administered_at=now, user_id=actor.id, at=now,
                          entered_at=entered, dose_mg=dose.dose_mg, note=text,
                          witness_id=checked_witness, flags=flags, override_reason=reason,
                          override_by=second, scan=scan, scan_skipped=skipped)
        detail: dict[str, object] = {"due": dose.due.isoformat(), "dose_mg": dose.dose_mg}
        if scan is not None:
            detail["scan"] = scan
        elif skipped:
            detail["scan_skipped"] = skipped
        if flags:
            detail.update(flags=list(flags), override_reason=reason, override_by=second,
                          checks=[f.rule for f in findings])
        audit.record(db, at=entered, user_id=actor.id, action=f"dose.{outcome.value}",
                     entity="administration", entity_id=rid, patient_id=patient.id,
                     detail=with_act_time(entered, now, detail))
    return Recorded(rid, outcome, dose.due, patient, flags)


def omit_dose(ctx: Context, patient_id: int, due: datetime, reason: Reason, *,
              note: str | None = None, held: bool = False) -> Recorded:
    """Record the dose due at ``due`` as not given, for ``reason`` (``held``: a clinical decision)."""
    actor = ctx.require(Action.RECORD_DOSE)
    patient = patient_by_id(ctx, patient_id)
    text = _clean_note(note)
    if reason is Reason.OTHER and not text:
        raise InvalidInput("note", "The note is needed: say why the dose was not given (reason "
                           "'other').")
    dose = due_dose(ctx, patient.id, due)
    _refuse_if_recorded(ctx, patient, dose)
    outcome = outcome_for_reason(reason, held)
    now = ctx.now()
    with ctx.write(Kind.DOSES, patient.id) as db:
        _refuse_if_recorded(ctx, patient, dose)  # again under the write lock: two workstations
        entered = ctx.entered()
        rid = repo.insert(db, patient_id=patient.id, order_id=dose.order_id, due=dose.due,
                          outcome=outcome, administered_at=now, user_id=actor.id, at=now,
                          entered_at=entered, reason=reason.value, note=text)
        audit.record(db, at=entered, user_id=actor.id, action=f"dose.{outcome.value}",
                     entity="administration", entity_id=rid, patient_id=patient.id,
                     detail=with_act_time(entered, now, {"due": dose.due.isoformat(),
                                                         "reason": reason.value}))
    return Recorded(rid, outcome, dose.due, patient)


def correct_record(ctx: Context, record_id: int, reason: str) -> Recorded:
    """Mark a record entered in error: a new record names it; the original stays visible."""
    actor = ctx.require(Action.RECORD_DOSE)
    why = clean_text(reason, "reason", longest=500) or ""
    if len(why) < 3:
        raise InvalidInput("reason", "Say why the record is wrong, in a few words.")
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
        entered = ctx.entered()
        rid = repo.insert(db, patient_id=original.patient_id, order_id=original.order_id,
                          due=original.due, outcome=Outcome.ENTERED_IN_ERROR, administered_at=now,
                          user_id=actor.id, at=now, entered_at=entered, note=why,
                          corrects_id=original.id)
        audit.record(db, at=entered, user_id=actor.id, action="dose.entered_in_error",
                     entity="administration", entity_id=rid, patient_id=original.patient_id,
                     detail=with_act_time(entered, now, {
                         "corrects": original.id, "original_outcome": original.outcome.value,
                         "reason": why}))
    patient = patient_by_id(ctx, original.patient_id)
    return Recorded(rid, Outcome.ENTERED_IN_ERROR, original.due or now, patient)


def give_bolus(ctx: Context, patient_id: int, mcg: float, witness_id: int | None,
               note: str | None = None, *, witness_password: str | None = None,
               override: Override | None = None) -> Recorded:
    """An intrathecal bolus: mcg, with a witness who is another user (clinical-rules §2), after
    the over-sedation hold with its pump wording (clinical-rules §9)."""
    actor = ctx.require(Action.RECORD_DOSE)
    patient = patient_by_id(ctx, patient_id)
    now = ctx.now()
    with actionable_errors():
        current = order_repo.current_orders(ctx.db, now).get(patient.id)
    if current is None or current.route is not Route.INTRATHECAL:
        raise Refused("itb.no_order", f"MRN {patient.mrn} has no intrathecal order in force: a "
                      "bolus needs one.")
    if not (math.isfinite(mcg) and mcg > 0):
        raise InvalidInput("mcg", "The bolus must be a positive number of micrograms.")
    t = ctx.thresholds()
    with actionable_errors():
        seen = obs_repo.for_patient(ctx.db, patient.id, now - CHECK_BACK,
                                    now + timedelta(seconds=1))
    findings = dose_checks.sedation_findings(seen, now, t, intrathecal=True, zone=ctx.zone)
    flags, reason, second = _overridden(ctx, actor, findings, override,
                                        "An intrathecal bolus despite the sedation hold")
    checked_witness = witness_for(ctx, actor, witness_id, "An intrathecal bolus",
                                  password=witness_password)
    with ctx.write(Kind.DOSES, patient.id) as db:
        entered = ctx.entered()
        rid = repo.insert(db, patient_id=patient.id, order_id=current.id, due=None,
                          outcome=Outcome.GIVEN, administered_at=now, user_id=actor.id, at=now,
                          entered_at=entered, dose_mcg=mcg, note=_clean_note(note),
                          witness_id=checked_witness, flags=flags, override_reason=reason,
                          override_by=second)
        detail: dict[str, object] = {"dose_mcg": mcg, "witness_id": checked_witness}
        if flags:
            detail.update(flags=list(flags), override_reason=reason)
        audit.record(db, at=entered, user_id=actor.id, action="dose.bolus", entity="administration",
                     entity_id=rid, patient_id=patient.id,
                     detail=with_act_time(entered, now, detail))
    return Recorded(rid, Outcome.GIVEN, now, patient, flags)


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
    #: When the record was entered (system clock); None: no record, or entered before entry
    #: times were kept. ``entered_late``: more than record.late_entry_minutes after its act time.
    entered_at: datetime | None = None
    entered_late: bool = False
    #: Recorded despite a soft stop (clinical-rules §9), with the reason and second user.
    flags: tuple[str, ...] = ()
    override_reason: str | None = None
    override_by: str | None = None
    #: The medicine pack scanned (gtin, expiry, batch, serial, product) or why scanning was
    #: skipped (clinical-rules §13); neither on records made before scanning, or by a script
    #: that gave neither.
    scan: dict | None = None
    scan_skipped: str | None = None

    def scan_text(self) -> str:
        """The pack given from, or why it was not scanned ('' for neither)."""
        return scan_summary(self.scan, self.scan_skipped)

    def flag_short(self) -> str:
        """'⚑ given early; despite hold' for the MAR grid's cell (the reason is in its tooltip and
        the history); '' when the record carries no flag."""
        if not self.flags:
            return ""
        return "⚑ " + flag_words(self.flags, short=True)

    def flag_text(self) -> str:
        """'GIVEN EARLY: reason (confirmed by X)', or '' when the record carries no flag."""
        if not self.flags:
            return ""
        what = flag_words(self.flags).upper()
        who = f", confirmed by {self.override_by}" if self.override_by else ""
        return f"{what}: {self.override_reason or 'no reason given'}{who}"

    def to_json(self, zone) -> dict:  # type: ignore[no-untyped-def]
        def iso(m: datetime | None) -> str | None:
            return m.astimezone(zone).isoformat(timespec="seconds") if m else None

        return {"id": self.id, "due": iso(self.due), "dose_mg": self.dose_mg,
                "state": State.ENTERED_IN_ERROR.value if self.corrected else self.state.value,
                "recorded_at": iso(self.recorded_at), "by": self.by, "reason": self.reason,
                "note": self.note, "witness": self.witness, "given_at": iso(self.given_at),
                "original_state": self.state.value if self.corrected else None,
                "correction_reason": self.correction_reason,
                "entered_at": iso(self.entered_at), "entered_late": self.entered_late,
                "flags": list(self.flags), "override_reason": self.override_reason,
                "override_by": self.override_by, "scan": self.scan,
                "scan_skipped": self.scan_skipped}


def mar_entries(ctx: Context, patient: Patient, start: datetime, end: datetime) -> list[MarEntry]:
    """Due doses in [start, end) with their state now, plus struck records, in due order. A
    discharged patient's schedule ends at their discharge: nothing falls due or is missed
    after it (clinical-rules §11)."""
    now, until = ctx.now(), end  # ``until``: where the schedule ends
    if patient.discharged_at is not None:
        now, until = min(now, patient.discharged_at), min(end, patient.discharged_at)
    t = ctx.thresholds()
    window, missed_after = float(t.dose_window_min), float(t.dose_missed_after_min)
    late_entry = float(t.record_late_entry_minutes)
    doses = schedule_between(ctx, patient, start, end + timedelta(days=1))
    records = records_between(ctx, patient, start, end)
    in_force, corrections = effective_records(records)
    with actionable_errors():
        twice = sync_conflicts.flagged_records(ctx.db, patient.id)
    out: list[MarEntry] = []
    for i, dose in enumerate(doses):
        if dose.due >= until:
            break
        nxt = doses[i + 1].due if i + 1 < len(doses) else None
        rec = in_force.get(dose.due)
        state = dose_state(dose.due, rec, now, nxt, window, missed_after)
        entered = rec.entered_at if rec else None
        out.append(MarEntry(
            id=rec.id if rec else None, due=dose.due, dose_mg=dose.dose_mg, state=state,
            recorded_at=rec.recorded_at if rec else None, by=rec.by if rec else None,
            reason=rec.reason if rec else None, note=rec.note if rec else None,
            witness=rec.witness if rec else None,
            given_at=rec.administered_at if rec and rec.outcome in (
                Outcome.GIVEN, Outcome.GIVEN_LATE) else None,
            entered_at=entered,
            entered_late=rec is not None and is_late_entry(rec.administered_at, entered, late_entry),
            flags=_tagged(rec.flags, rec.id, twice) if rec else (),
            override_reason=rec.override_reason if rec else None,
            override_by=rec.override_by if rec else None,
            scan=rec.scan if rec else None, scan_skipped=rec.scan_skipped if rec else None))
    scheduled = {d.due for d in doses if d.due < until}
    shown = {r.id for r in in_force.values()}
    for rec in records:  # the other record of a dose recorded at two workstations (§12)
        if rec.id in twice and rec.id not in shown and rec.id not in corrections \
                and rec.due is not None and start <= rec.due < end:
            out.append(replace(_record_entry(rec, rec.due, late_entry,
                                             given_at=rec.administered_at),
                               flags=_tagged(rec.flags, rec.id, twice)))
    for due, rec in in_force.items():
        # a record whose dose is no longer in the schedule (the order's times changed after it
        # was recorded) is still shown: nothing recorded disappears from the MAR
        if due in scheduled or not start <= due < end:
            continue
        given = rec.outcome in (Outcome.GIVEN, Outcome.GIVEN_LATE)
        out.append(_record_entry(rec, due, late_entry,
                                 given_at=rec.administered_at if given else None))
    for rec in records:
        fix = corrections.get(rec.id)
        if fix is None or rec.due is None:
            continue
        out.append(_record_entry(rec, rec.due, late_entry, given_at=rec.administered_at,
                                 corrected=True,
                                 correction_reason=f"{fix.note} ({fix.by}, record {fix.id})"))
    out.sort(key=lambda e: (e.due, not e.corrected))
    return out


def _tagged(flags: tuple[str, ...], record_id: int, twice: set[int]) -> tuple[str, ...]:
    """A record's flags, with ``recorded_twice`` when it is one of a dose recorded at two
    workstations (clinical-rules §12)."""
    return (*flags, "recorded_twice") if record_id in twice else flags


def _record_entry(rec: Record, due: datetime, late_entry: float, *, given_at: datetime | None,
                  corrected: bool = False, correction_reason: str | None = None) -> MarEntry:
    """A MAR line for a record shown as it was stored (not from the schedule): one whose dose
    left the schedule, or one struck out as entered in error."""
    return MarEntry(
        id=rec.id, due=due, dose_mg=rec.dose_mg or 0.0, state=State(rec.outcome.value),
        recorded_at=rec.recorded_at, by=rec.by, reason=rec.reason, note=rec.note,
        witness=rec.witness, given_at=given_at, corrected=corrected,
        correction_reason=correction_reason, entered_at=rec.entered_at,
        entered_late=is_late_entry(rec.administered_at, rec.entered_at, late_entry),
        flags=rec.flags, override_reason=rec.override_reason, override_by=rec.override_by,
        scan=rec.scan, scan_skipped=rec.scan_skipped)


def mar_day(ctx: Context, patient_id: int, day: date | None = None
            ) -> tuple[Patient, list[MarEntry]]:
    patient = patient_by_id(ctx, patient_id)
    day = day or ctx.now().astimezone(ctx.zone).date()
    start, end = _day_bounds(ctx, day)
    return patient, mar_entries(ctx, patient, start, end)
