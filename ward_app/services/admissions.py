"""Moving patients: a transfer to another bed and a discharge from the ward (clinical-rules §11).

A discharged patient leaves the board, the alerts, the Due now worklist and the handover; their
record stays and is read-only (``Context.write`` refuses every write that names them).
Admission is ``services.patients.add_patient``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.mar import State
from ward_app.domain.patient import Patient, check_bed
from ward_app.domain.roles import Action
from ward_app.domain.text import clean_text
from ward_app.services.board import WardOverview, ward_overview
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.services.entry_time import act_detail
from ward_app.services.mar import mar_entries
from ward_app.services.patients import patient_by_id
from ward_app.storage import audit, people
from ward_app.storage import patients as repo
from ward_app.storage.errors import actionable_errors

#: The longest destination kept ("home", "Ward 7, St Mary's", "hospice: Marie Curie, Hampstead").
DESTINATION_LONGEST = 100


def _refuse_if_discharged(ctx: Context, patient: Patient) -> None:
    reason = patient.read_only_reason(ctx.zone)
    if reason is not None:
        raise Refused("patient.discharged", reason)


def check_destination(text: str | None) -> str | None:
    """Where the patient goes, as typed (one line); None when not given."""
    return clean_text(text, "to", longest=DESTINATION_LONGEST, label="Where the patient goes")


def transfer(ctx: Context, patient_id: int, bed: str) -> Patient:
    """Move an admitted patient to another bed on their ward (audited with both beds). A bed held
    by an admitted patient is refused; a discharged patient's old bed is free."""
    actor = ctx.require(Action.EDIT_PATIENT)
    patient = patient_by_id(ctx, patient_id)
    _refuse_if_discharged(ctx, patient)
    new_bed = check_bed(bed)
    if new_bed.casefold() == patient.bed.casefold():
        raise InvalidInput("bed", f"{patient.name} is already in bed {patient.bed}: choose "
                           "another bed.")
    now = ctx.now()
    with ctx.write(Kind.PATIENT, patient.id) as db:
        ward = people.ward_by_name(db, patient.ward)
        taken = repo.bed_taken(db, ward.id if ward else 0, new_bed, patient.id)
        if taken:  # checked under the write lock: two transfers to one bed cannot both pass
            raise InvalidInput("bed", f"Bed {new_bed} is taken by MRN {taken}: choose a free bed.")
        repo.update_patient(db, patient.id, bed=new_bed)
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="transfer", entity="patient",
                     entity_id=patient.id, patient_id=patient.id,
                     detail=act_detail(ctx, now, {"mrn": patient.mrn, "from_bed": patient.bed,
                                                  "to_bed": new_bed}))
    return patient_by_id(ctx, patient.id)


@dataclass(frozen=True)
class DischargeCheck:
    """What a charge nurse should know before discharging (none of it stops the discharge)."""

    patient: Patient
    alerts: int  # active alerts: they stop showing once discharged
    urgent_alerts: int  # of those, urgent or emergency
    unrecorded_doses: int  # doses due in the last 24 h (up to now) with no record
    refill_by: date | None  # intrathecal pump: the pump goes with the patient

    def notes(self) -> list[str]:
        """One sentence per thing to know, for the dialog and the command line."""
        out = []
        if self.alerts:
            worse = f" ({self.urgent_alerts} urgent or worse)" if self.urgent_alerts else ""
            out.append(f"{self.alerts} active alert{'s' if self.alerts != 1 else ''}{worse} "
                       "will no longer show once discharged: deal with them first, or hand them "
                       "on with the patient.")
        if self.unrecorded_doses:
            n = self.unrecorded_doses
            out.append(f"{n} dose{'s' if n != 1 else ''} due in the last 24 hours "
                       f"{'have' if n != 1 else 'has'} no record: record given or not given "
                       "before discharging (the record is read-only afterwards).")
        if self.refill_by is not None:
            out.append(f"The intrathecal pump goes with the patient: its next refill is due by "
                       f"{self.refill_by:%d %b %Y}; give the date to whoever takes over and tell "
                       "the ITB team.")
        return out


def discharge_check(ctx: Context, patient_id: int, overview: WardOverview | None = None
                    ) -> DischargeCheck:
    """What is still open for this patient now (active alerts, doses with no record, the pump)."""
    patient = patient_by_id(ctx, patient_id)
    _refuse_if_discharged(ctx, patient)
    seen = overview or ward_overview(ctx, patient_ids=[patient.id])
    row = seen.row_for(patient.id)
    alerts = seen.alerts_for(patient.id)
    return DischargeCheck(
        patient=patient, alerts=len(alerts), urgent_alerts=sum(a.severity >= 2 for a in alerts),
        unrecorded_doses=_unrecorded(ctx, patient, seen.at),
        refill_by=row.refill_by if row is not None else None)


def _unrecorded(ctx: Context, patient: Patient, now: datetime) -> int:
    entries = mar_entries(ctx, patient, now - timedelta(hours=24), now)
    return sum(e.state in (State.DUE, State.LATE, State.MISSED) and not e.corrected
               for e in entries)


def discharge(ctx: Context, patient_id: int, to: str | None = None) -> Patient:
    """Discharge a patient at the act time (``--now``): they leave the board, their alerts stop
    showing and no dose falls due afterwards; their record stays, read-only. Refused (one
    sentence) when already discharged."""
    actor = ctx.require(Action.EDIT_PATIENT)
    patient = patient_by_id(ctx, patient_id)
    _refuse_if_discharged(ctx, patient)
    where = check_destination(to)
    now = ctx.now()
    check = discharge_check(ctx, patient.id)
    with ctx.write(Kind.PATIENT, patient.id) as db:
        last = repo.last_act(db, patient.id)
        if last is not None and now < last:  # nothing on their record may come after it
            raise InvalidInput("now", f"The discharge time {_when(ctx, now)} is before the last "
                               f"entry on {patient.name}'s record ({_when(ctx, last)}): discharge "
                               "at or after it.")
        repo.discharge(db, patient.id, at=now, entered_at=ctx.entered(), user_id=actor.id, to=where)
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="discharge", entity="patient",
                     entity_id=patient.id, patient_id=patient.id,
                     detail=act_detail(ctx, now, {
                         "mrn": patient.mrn, "bed": patient.bed, "to": where,
                         "active_alerts": check.alerts, "unrecorded_doses": check.unrecorded_doses}))
    return patient_by_id(ctx, patient.id)


def _when(ctx: Context, moment: datetime) -> str:
    return f"{moment.astimezone(ctx.zone):%d %b %Y %H:%M}"


def discharged_patients(ctx: Context) -> list[Patient]:
    """Discharged patients, the most recent first (their records can still be read)."""
    with actionable_errors():
        return repo.discharged_patients(ctx.db)


__all__ = ["DESTINATION_LONGEST", "DischargeCheck", "check_destination", "discharge",
           "discharge_check", "discharged_patients", "transfer"]
