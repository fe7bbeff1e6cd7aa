"""Admitting patients, their flags, lab results and co-medications."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from ward_app.domain.errors import InvalidInput
from ward_app.domain.patient import (
    Flag,
    Lab,
    Patient,
    check_bed,
    check_dob,
    check_mrn,
    check_name,
    check_sci_level,
    check_weight,
)
from ward_app.domain.roles import Action
from ward_app.domain.taper import Form
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.services.entry_time import act_detail
from ward_app.storage import audit, people
from ward_app.storage import patients as repo
from ward_app.storage.errors import actionable_errors


@dataclass(frozen=True)
class NewPatient:
    mrn: str
    name: str
    dob: date
    bed: str
    ward: str | None = None
    weight_kg: float | None = None
    flags: tuple[Flag, ...] = ()
    sci_level: str | None = None


def _ward_id(ctx: Context, name: str | None) -> int:
    wards = people.wards(ctx.db)
    if not wards:
        raise InvalidInput("ward", "This database has no ward yet: run 'ward-app init' first.")
    if name is None:
        return wards[0].id
    found = people.ward_by_name(ctx.db, name)
    if found is None:
        known = ", ".join(w.name for w in wards)
        raise InvalidInput("ward", f"There is no ward '{name}': use one of {known}.")
    return found.id


def find_by_mrn(ctx: Context, mrn: str) -> Patient:
    """The patient a person means by an MRN they typed, or InvalidInput('mrn')."""
    key = check_mrn(mrn)
    with actionable_errors():
        found = repo.patient_by_mrn(ctx.db, key)
    if found is None:
        raise InvalidInput("mrn", f"There is no patient with MRN {key}: check the number.")
    return found


#: the older name, kept for callers elsewhere in the project
get_patient = find_by_mrn


def patient_by_id(ctx: Context, patient_id: int) -> Patient:
    """The patient with this id, or InvalidInput('mrn') when there is none (a stale window)."""
    with actionable_errors():
        found = repo.patient_by_id(ctx.db, patient_id)
    if found is None:
        raise InvalidInput("mrn", f"There is no patient {patient_id} on record: refresh the ward "
                           "list.")
    return found


def add_patient(ctx: Context, new: NewPatient) -> Patient:
    actor = ctx.require(Action.EDIT_PATIENT)
    now = ctx.now()
    mrn = check_mrn(new.mrn)
    name = check_name(new.name)
    bed = check_bed(new.bed)
    dob = check_dob(new.dob, now.astimezone(ctx.zone).date())
    weight = check_weight(new.weight_kg) if new.weight_kg is not None else None
    sci = check_sci_level(new.sci_level) if new.sci_level else None
    flags = list(dict.fromkeys(new.flags))
    with actionable_errors():
        ward_id = _ward_id(ctx, new.ward)
        known = repo.patient_by_mrn(ctx.db, mrn)
        if known is not None and known.discharged_at is not None:
            raise InvalidInput("mrn", f"MRN {mrn} is {known.name}, discharged on "
                               f"{known.discharged_at.astimezone(ctx.zone):%d %b %Y}: a "
                               "discharged patient cannot be admitted again under the same MRN "
                               "yet.")
        if known is not None:
            raise InvalidInput("mrn", f"A patient with MRN {mrn} is already on record.")
        taken = repo.bed_taken(ctx.db, ward_id, bed)
        if taken:
            raise InvalidInput("bed", f"Bed {bed} is taken by MRN {taken}: choose a free bed.")
    with ctx.write(Kind.PATIENT) as db:
        pid = repo.add_patient(db, mrn=mrn, name=name, dob=dob, bed=bed, ward_id=ward_id,
                               weight_kg=weight, sci_level=sci, at=now)
        ctx.wrote(Kind.PATIENT, pid)  # the new patient's id, known once inserted
        for flag in flags:
            repo.set_flag(db, pid, flag, now)
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="add", entity="patient",
                     entity_id=pid, patient_id=pid,
                     detail=act_detail(ctx, now, {"mrn": mrn, "bed": bed,
                                                  "flags": sorted(f.value for f in flags)}))
    return find_by_mrn(ctx, mrn)


@dataclass(frozen=True)
class PatientChanges:
    """What to change about a patient, as values; None (or empty) leaves a detail as it is."""

    set_flags: tuple[Flag, ...] = ()
    clear_flags: tuple[Flag, ...] = ()
    surgery_date: date | None = None
    bed: str | None = None
    weight_kg: float | None = None
    sci_level: str | None = None
    delivery_date: date | None = None
    oral_form: Form | None = None


def set_patient(ctx: Context, patient_id: int, changes: PatientChanges) -> Patient:
    actor = ctx.require(Action.EDIT_PATIENT)
    patient = patient_by_id(ctx, patient_id)
    adding, removing = list(dict.fromkeys(changes.set_flags)), list(dict.fromkeys(changes.clear_flags))
    both = set(adding) & set(removing)
    if both:
        raise InvalidInput("flag", f"Flag {sorted(both)[0]} is both set and cleared: choose one.")
    fields: dict[str, object] = {}
    if changes.bed is not None:
        fields["bed"] = check_bed(changes.bed)
        with actionable_errors():
            ward = people.ward_by_name(ctx.db, patient.ward)
            taken = repo.bed_taken(ctx.db, ward.id if ward else 0, fields["bed"], patient.id)  # type: ignore[arg-type]
        if taken:
            raise InvalidInput("bed", f"Bed {fields['bed']} is taken by MRN {taken}.")
    if changes.weight_kg is not None:
        fields["weight_kg"] = check_weight(changes.weight_kg)
    if changes.sci_level is not None:
        fields["sci_level"] = check_sci_level(changes.sci_level)
    if changes.surgery_date is not None:
        fields["surgery_date"] = changes.surgery_date.isoformat()
    if changes.delivery_date is not None:
        fields["delivery_date"] = changes.delivery_date.isoformat()
    if changes.oral_form is not None:
        fields["oral_form"] = Form(changes.oral_form).value
    if not (fields or adding or removing):
        raise InvalidInput("patient", "Nothing to change: give a flag to set or clear, or another "
                           "detail.")
    now = ctx.now()
    with ctx.write(Kind.PATIENT, patient.id) as db:
        repo.update_patient(db, patient.id, **fields)
        added = [f.value for f in adding if repo.set_flag(db, patient.id, f, now)]
        cleared = [f.value for f in removing if repo.clear_flag(db, patient.id, f)]
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="set", entity="patient",
                     entity_id=patient.id, patient_id=patient.id,
                     detail=act_detail(ctx, now, {
                         "flags_set": added, "flags_cleared": cleared,
                         "fields": {k: str(v) for k, v in fields.items()}}))
    return find_by_mrn(ctx, patient.mrn)


def list_patients(ctx: Context, *, include_discharged: bool = False) -> list[Patient]:
    """The patients on the ward (admitted), by ward and bed; ``include_discharged``: everyone on
    record (clinical-rules §11)."""
    with actionable_errors():
        return repo.patients(ctx.db, admitted_only=not include_discharged)


def add_lab(ctx: Context, patient_id: int, *, egfr: float | None, dialysis: bool = False) -> int:
    actor = ctx.require(Action.ADD_LAB)
    patient = patient_by_id(ctx, patient_id)
    if egfr is None and not dialysis:
        raise InvalidInput("egfr", "Give the eGFR (mL/min/1.73m2), or say the patient is on "
                           "dialysis, or both.")
    if egfr is not None and not (0 <= egfr <= 200):
        raise InvalidInput("egfr", f"eGFR {egfr:g} is out of range: use 0 to 200 mL/min/1.73m2.")
    now = ctx.now()
    with ctx.write(Kind.PATIENT, patient.id) as db:
        lab_id = repo.add_lab(db, patient_id=patient.id, egfr=egfr, dialysis=dialysis,
                              taken_at=now, user_id=actor.id, at=now, entered_at=ctx.entered())
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="add", entity="lab_result",
                     entity_id=lab_id, patient_id=patient.id,
                     detail=act_detail(ctx, now, {"egfr": egfr, "dialysis": dialysis}))
    return lab_id


def check_drug_name(text: str) -> str:
    drug = unicodedata.normalize("NFC", " ".join(text.split()))
    if not (2 <= len(drug) <= 80) or not any(ch.isalpha() for ch in drug):
        raise InvalidInput("drug", f"Drug '{text}' is not valid: give its name (2 to 80 characters).")
    if any(unicodedata.category(ch).startswith("C") for ch in drug):
        raise InvalidInput("drug", "Drug name contains control characters: type it as printed.")
    return drug


def add_comedication(ctx: Context, patient_id: int, drug: str) -> int:
    actor = ctx.require(Action.COMED)
    patient = patient_by_id(ctx, patient_id)
    name = check_drug_name(drug)
    with actionable_errors():
        current = [d.lower() for d in repo.comedications(ctx.db, patient.id)]
    if name.lower() in current:
        raise InvalidInput("drug", f"{name} is already recorded for MRN {patient.mrn}.")
    now = ctx.now()
    with ctx.write(Kind.PATIENT, patient.id) as db:
        cid = repo.add_comedication(db, patient_id=patient.id, drug=name, user_id=actor.id, at=now,
                                    entered_at=ctx.entered())
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="add", entity="comedication",
                     entity_id=cid, patient_id=patient.id,
                     detail=act_detail(ctx, now, {"drug": name}))
    return cid


def stop_comedication(ctx: Context, patient_id: int, drug: str) -> int:
    """Record that the patient no longer takes a co-medication (its interaction alert clears)."""
    actor = ctx.require(Action.COMED)
    patient = patient_by_id(ctx, patient_id)
    name = check_drug_name(drug)
    now = ctx.now()
    with ctx.write(Kind.PATIENT, patient.id) as db:
        cid = repo.stop_comedication(db, patient.id, name, now)
        if cid is None:
            current = ", ".join(repo.comedications(db, patient.id)) or "none"
            raise InvalidInput("drug", f"{name} is not a current co-medication of MRN {patient.mrn} "
                               f"(current: {current}).")
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="stop", entity="comedication",
                     entity_id=cid, patient_id=patient.id,
                     detail=act_detail(ctx, now, {"drug": name}))
    return cid


def comedications(ctx: Context, patient_id: int) -> list[str]:
    with actionable_errors():
        return repo.comedications(ctx.db, patient_id)


def latest_lab(ctx: Context, patient: Patient) -> Lab | None:
    """The patient's latest renal result at the context's moment."""
    from ward_app.domain.clock import from_utc_text

    with actionable_errors():
        row = repo.latest_labs(ctx.db, ctx.now()).get(patient.id)
    return Lab(from_utc_text(row.taken_at), row.egfr, row.dialysis, row.id) if row else None


__all__ = ["Flag", "NewPatient", "PatientChanges", "add_comedication", "add_lab", "add_patient",
           "comedications", "find_by_mrn", "get_patient", "latest_lab", "list_patients",
           "patient_by_id", "set_patient", "stop_comedication"]
