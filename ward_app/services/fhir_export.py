"""FHIR R4 export (issue 20; docs/fhir-export.md): the ward's records as one ``Bundle`` of type
``collection`` for the hospital's systems.

Per patient: Patient (the MRN as identifier), Flag (each safety flag), Device (the implanted
pump), MedicationRequest (each order version), MedicationAdministration (each dose record),
Procedure (each pump refill) and Observation (vital signs, the NEWS2 total derived from them,
sedation, spasticity and the withdrawal signs). Every resource is built with the
``fhir.resources`` R4B models, so each is validated as it is made; the codes are in
``domain.fhir_codes``. Entries are named ``urn:uuid:`` + a UUID 5 of the ward, the table and the
row id, so exporting unchanged data again gives the same file, and a record exported twice (an
earlier export, then one ``since``) has the same name both times.

Who may: ``Action.EXPORT`` (charge nurse, pharmacist, administrator). The export is a read of
patient data and audited as one (``read.export``) in the same transaction that puts the file in
place: a refused or failed export writes neither the file nor the audit row.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from ward_app.domain import fhir_codes as fc
from ward_app.domain.clock import from_utc_text
from ward_app.domain.dose_checks import flag_words
from ward_app.domain.errors import InvalidInput
from ward_app.domain.mar import Outcome, Record
from ward_app.domain.news2 import news2
from ward_app.domain.observations import LATE_SIGNS, Observation, Sign
from ward_app.domain.orders import Order, OrderAction, Route
from ward_app.domain.patient import Flag, Patient
from ward_app.domain.pump import Pump
from ward_app.domain.roles import Action
from ward_app.domain.scanning import scan_summary
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.services.patients import find_by_mrn
from ward_app.services.reads import record_read
from ward_app.storage import fhir_reads, people
from ward_app.storage import patients as patient_repo
from ward_app.storage import pumps as pump_repo
from ward_app.storage.errors import actionable_errors

#: The namespace of every entry's UUID 5 (fixed: the same record gets the same name in every
#: export, on every workstation that has the same row ids).
NAMESPACE = uuid.UUID("6f1c2b8e-5d0a-5b7e-9a43-2c1f0e7d9b51")

#: The order resources are written in, per patient.
RESOURCE_ORDER = ("Patient", "Flag", "Device", "MedicationRequest", "MedicationAdministration",
                  "Procedure", "Observation")


@dataclass(frozen=True)
class FhirExport:
    """What an export wrote."""

    path: Path
    resources: int
    patients: int
    by_type: dict[str, int]
    size: int  # bytes


def urn(ward: str, table: str, row_id: int | str, part: str = "") -> str:
    """The entry name of a row (or of one of the resources a row gives, ``part``)."""
    name = f"{ward}/{table}/{row_id}" + (f"/{part}" if part else "")
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, name)}"


def export_fhir(ctx: Context, out: Path, *, mrn: str | None = None,
                since: datetime | None = None) -> FhirExport:
    """Write the FHIR Bundle of every patient on record (or the one with ``mrn``) to ``out``,
    the clinical records limited to those at or after ``since``; audited."""
    ctx.require(Action.EXPORT)
    patient = find_by_mrn(ctx, mrn) if mrn is not None else None
    out = Path(out)
    if not out.parent.is_dir():
        raise InvalidInput("out", f"The folder {out.parent} does not exist: choose an existing "
                           "folder.")
    part = out.with_name(out.name + ".part")
    placed = False
    try:
        with _private(part) as f:
            counts, patients = write_bundle(ctx, f, patient=patient, since=since)
        total = sum(counts.values())
        detail: dict[str, Any] = {"format": "fhir", "resources": total, "patients": patients,
                                  "by_type": counts, "file": str(out)}
        if since is not None:
            detail["since"] = since.isoformat()
        with ctx.write(Kind.AUDIT):  # the audit row and the file: both, or neither
            record_read(ctx, "export", patient.id if patient else None, detail)
            os.replace(part, out)  # never half a file under the real name
            placed = True
    except BaseException:
        part.unlink(missing_ok=True)
        if placed:  # pragma: no cover - the audit row's commit failed after the file was put
            out.unlink(missing_ok=True)
        raise
    return FhirExport(out, total, patients, counts, out.stat().st_size)


@contextlib.contextmanager
def _private(path: Path) -> Iterator[IO[str]]:
    """A new file only its owner may read (0600, like every file the app writes), flushed to
    disk when the block ends."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    if hasattr(os, "fchmod"):  # a .part left by an earlier, killed attempt keeps its mode
        os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
        yield f
        f.flush()
        os.fsync(f.fileno())


def write_bundle(ctx: Context, f: IO[str], *, patient: Patient | None = None,
                 since: datetime | None = None) -> tuple[dict[str, int], int]:
    """Write the Bundle as JSON to ``f``, a patient at a time (memory stays that of one patient's
    records, whatever the years on file); the number of resources of each type, and of patients.
    ``Action.EXPORT`` is needed; nothing is audited here (``export_fhir`` does)."""
    ctx.require(Action.EXPORT)
    counts: dict[str, int] = {kind: 0 for kind in RESOURCE_ORDER}
    with actionable_errors():
        patients = [patient] if patient is not None else patient_repo.patients(ctx.db)
        builder = _Builder(ctx, patients, since)
        f.write('{"resourceType":"Bundle","type":"collection"')
        first = True
        for p in builder.patients:
            for kind, name, resource in builder.entries_for(p):
                # each resource is a validated R4B model, written by the library; FHIR JSON has
                # no empty arrays, so "entry" opens with the first one
                f.write(',"entry":[' if first else ",")
                first = False
                f.write(f'{{"fullUrl":{json.dumps(name)},"resource":{resource.model_dump_json()}}}')
                counts[kind] += 1
        f.write("}" if first else "]}")
    return {k: n for k, n in counts.items() if n}, len(builder.patients)


def _note(*texts: str | None) -> list[dict[str, str]]:
    return [{"text": t} for t in texts if t]


class _Builder:
    """Reads the records of the patients and turns them into validated R4B resources."""

    def __init__(self, ctx: Context, patients: Iterable[Patient], since: datetime | None) -> None:
        from fhir.resources.R4B import get_fhir_model_class

        self.model = get_fhir_model_class
        self.ctx = ctx
        self.zone = ctx.zone
        self.since = since
        self.patients = sorted(patients, key=lambda p: (p.ward, p.bed, p.mrn))
        self.by_id = {p.id: p for p in self.patients}
        self.full_names = {u.name: (u.full_name or u.name) for u in people.users(ctx.db)}
        self.pending: list[tuple[str, str, Any]] = []
        self.flags_set = patient_repo.flags_since(ctx.db)
        self.pumps = {pid: p for pid, p in pump_repo.all_pumps(ctx.db).items() if pid in self.by_id}
        self.exported_orders: set[int] = set()
        self.order_route: dict[int, Route] = {}
        self.corrected_refills: frozenset[int] = frozenset()

    # --- helpers ----------------------------------------------------------------------------

    def t(self, moment: datetime) -> str:
        """A moment in ward time with its offset."""
        return moment.astimezone(self.zone).isoformat(timespec="seconds")

    def user(self, name: str) -> dict[str, Any]:
        """A user, as a logical reference (no Practitioner resources are exported)."""
        return {"type": "Practitioner", "identifier": {"value": name},
                "display": self.full_names.get(name, name)}

    def add(self, patient_id: int, name: str, resource: dict[str, Any]) -> None:
        kind = resource["resourceType"]
        resource["id"] = name.removeprefix("urn:uuid:")
        model = self.model(kind).model_validate(resource)  # validated here
        self.pending.append((kind, name, model))

    def ward(self, patient_id: int) -> str:
        return self.by_id[patient_id].ward

    # --- the whole bundle --------------------------------------------------------------------

    def entries_for(self, p: Patient) -> Iterator[tuple[str, str, Any]]:
        """(resource type, entry name, validated model) of one patient, in RESOURCE_ORDER, each
        type in time order; yielded as they are made (a patient's years of observations are
        never all held at once)."""
        ids = [p.id]
        self.patient(p)
        for flag in sorted(p.flags, key=lambda f: list(Flag).index(f)):
            self.flag(p, flag, self.flags_set.get(p.id, {}).get(flag))
        if p.id in self.pumps:
            self.device(p, self.pumps[p.id])
        yield from self.flush()
        records = fhir_reads.dose_records(self.ctx.db, ids, self.since)
        self.orders(ids, {r.order_id for r in records if r.order_id is not None
                          and r.corrects_id is None})
        yield from self.flush()
        self.doses(records, self.pumps)
        yield from self.flush()
        refills = fhir_reads.refills(self.ctx.db, ids, self.since)
        self.corrected_refills = frozenset(r.corrects_id for r in refills if r.corrects_id)
        for row in refills:
            self.refill(row, self.pumps)
        yield from self.flush()
        sets, corrections = fhir_reads.observation_sets(self.ctx.db, ids, self.since)
        for obs in sets:
            self.observation_set(obs, corrections.get(obs.id))
            yield from self.flush()

    def flush(self) -> Iterator[tuple[str, str, Any]]:
        made, self.pending = self.pending, []
        yield from made

    # --- Patient, Flag, Device ----------------------------------------------------------------

    def patient(self, p: Patient) -> None:
        self.add(p.id, urn(p.ward, "patients", p.id), {
            "resourceType": "Patient",
            "identifier": [{"use": "usual", "type": fc.MRN_TYPE, "value": p.mrn}],
            "active": not p.discharged,
            "name": [{"text": p.name}],
            "birthDate": p.dob.isoformat(),
        })

    def subject(self, patient_id: int) -> dict[str, str]:
        p = self.by_id[patient_id]
        return {"reference": urn(p.ward, "patients", p.id), "display": f"{p.name} (MRN {p.mrn})"}

    def flag(self, p: Patient, flag: Flag, set_at: datetime | None) -> None:
        resource: dict[str, Any] = {
            "resourceType": "Flag", "status": "active", "category": [fc.flag_category(flag)],
            "code": fc.flag_code(flag), "subject": self.subject(p.id)}
        if set_at is not None:
            resource["period"] = {"start": self.t(set_at)}
        self.add(p.id, urn(p.ward, "patient_flags", p.id, flag.value), resource)

    def device(self, p: Patient, pump: Pump) -> None:
        props = []
        if pump.reservoir_ml is not None:
            props.append({"type": {"text": "Reservoir volume"},
                          "valueQuantity": [fc.quantity(pump.reservoir_ml, *fc.ML)]})
        props.append({"type": {"text": "Low-reservoir alarm volume"},
                      "valueQuantity": [fc.quantity(pump.alarm_ml, *fc.ML)]})
        resource: dict[str, Any] = {
            "resourceType": "Device", "status": "active", "type": fc.PUMP_TYPE,
            "patient": self.subject(p.id), "property": props,
            "note": _note(f"Implanted {pump.implant_date.isoformat()}." if pump.implant_date
                          else None,
                          f"Elective replacement indicator (ERI) date {pump.eri_date.isoformat()}."
                          if pump.eri_date else None,
                          f"End of service {pump.end_of_service.isoformat()}."
                          if pump.end_of_service else None)}
        if pump.model:
            resource["deviceName"] = [{"name": pump.model, "type": "model-name"}]
        if pump.serial:
            resource["serialNumber"] = pump.serial
        self.add(p.id, self.pump_urn(pump), resource)

    def pump_urn(self, pump: Pump) -> str:
        return urn(self.ward(pump.patient_id), "pumps", pump.id)

    # --- MedicationRequest: each order version --------------------------------------------------

    def orders(self, ids: list[int], named: set[int]) -> None:
        rows = fhir_reads.order_versions(self.ctx.db, ids, self.since)
        have = {r.order.id for r in rows}
        rows += fhir_reads.orders_by_id(self.ctx.db, sorted(named - have))
        rows.sort(key=lambda r: (r.order.patient_id, r.order.starts_at, r.order.id))
        self.exported_orders = {r.order.id for r in rows}
        self.order_route = {r.order.id: r.order.route for r in rows}
        # what comes after each version that counts: its end, and whether it was stopped
        live = fhir_reads.live_versions(self.ctx.db, ids)
        following: dict[int, tuple[str, datetime, str | None]] = {}
        for before, after in zip(live, live[1:], strict=False):
            if before[0] == after[0]:
                following[before[1]] = (after[2], from_utc_text(after[3]), after[4])
        for row in rows:
            self.order(row, following.get(row.order.id))

    def order_ref(self, patient_id: int, order_id: int) -> dict[str, Any]:
        """A reference to an order version: by its entry when it is in this Bundle, else by the
        name it had (or will have) in another export."""
        name = urn(self.ward(patient_id), "orders", order_id)
        if order_id in self.exported_orders:
            return {"reference": name}
        return {"type": "MedicationRequest", "identifier": {"system": fc.URI_SYSTEM, "value": name}}

    def order(self, row: fhir_reads.OrderRow,
              after: tuple[str, datetime, str | None] | None) -> None:
        o = row.order
        p = self.by_id[o.patient_id]
        end: datetime | None = None
        reason: str | None = None
        if not row.live:
            status, reason = "cancelled", "A step of a taper cancelled before it started"
        elif o.action is OrderAction.STOP:
            status, reason = "stopped", f"Stopped: {o.stop_reason}" if o.stop_reason else "Stopped"
        elif after is not None:
            end = after[1]
            if after[0] == OrderAction.STOP.value:
                status = "stopped"
                reason = f"Stopped: {after[2]}" if after[2] else "Stopped"
            elif o.taper_id is not None:
                status = "completed"  # a taper step: it ran its planned course
            else:
                status, reason = "stopped", "Replaced by a new version of the order"
        elif p.discharged_at is not None:
            status, reason, end = "stopped", "Patient discharged", p.discharged_at
        else:
            status = "active"
        resource: dict[str, Any] = {
            "resourceType": "MedicationRequest", "status": status, "intent": "order",
            "medicationCodeableConcept": fc.BACLOFEN, "subject": self.subject(p.id),
            "authoredOn": self.t(row.created_at), "recorder": self.user(row.created_by),
            "requester": {"display": o.prescriber} if o.prescriber else self.user(row.created_by),
            "dosageInstruction": self.dosage(o, end),
            "note": _note(
                f"Prescriber's override: {o.override_reason}" if o.override_reason else None,
                *(f"Caution acknowledged ({c.rule}): {c.message}" for c in o.cautions),
                "Part of a taper plan." if o.taper_id is not None else None)}
        if reason:
            resource["statusReason"] = fc.concept(reason)
        if o.indication is not None:
            resource["reasonCode"] = [fc.concept(o.indication.value.replace("_", " ").capitalize())]
        if o.supersedes_id is not None:
            resource["priorPrescription"] = self.order_ref(p.id, o.supersedes_id)
        self.add(p.id, urn(p.ward, "orders", o.id), resource)

    def dosage(self, o: Order, end: datetime | None) -> list[dict[str, Any]]:
        period = {"start": self.t(o.starts_at)}
        if end is not None:
            period["end"] = self.t(end)
        route = fc.route(o.route.value)
        if o.action is OrderAction.STOP:
            return [{"text": "Stop baclofen", "route": route,
                     "timing": {"repeat": {"boundsPeriod": period}}}]
        if o.route is Route.INTRATHECAL and o.daily_mcg is not None:
            return [{"text": o.describe(), "route": route,
                     "timing": {"repeat": {"boundsPeriod": period}},
                     "doseAndRate": [{"rateRatio": {
                         "numerator": fc.quantity(o.daily_mcg, *fc.MCG),
                         "denominator": fc.quantity(1, *fc.PER_DAY)}}]}]
        if o.uneven:
            return [{"sequence": i, "text": f"{o.dose_for(c):g} mg at {c}", "route": route,
                     "timing": {"repeat": {"boundsPeriod": period, "timeOfDay": [f"{c}:00"]}},
                     "doseAndRate": [{"doseQuantity": fc.quantity(o.dose_for(c), *fc.MG)}]}
                    for i, c in enumerate(o.times, start=1) if o.dose_for(c) > 0]
        repeat: dict[str, Any] = {"boundsPeriod": period}
        if o.times:
            repeat.update(timeOfDay=[f"{c}:00" for c in o.times], frequency=len(o.times),
                          period=1, periodUnit="d")
        dosage: dict[str, Any] = {"text": o.describe(), "route": route, "timing": {"repeat": repeat}}
        if o.frequency is not None:
            dosage["timing"]["code"] = {"text": o.frequency.value}
        if o.dose_mg is not None:
            dosage["doseAndRate"] = [{"doseQuantity": fc.quantity(o.dose_mg, *fc.MG)}]
        return [dosage]

    # --- MedicationAdministration: each dose record ------------------------------------------------

    def doses(self, records: list[Record], pumps: dict[int, Pump]) -> None:
        corrections = {r.corrects_id: r for r in records
                       if r.corrects_id is not None and r.outcome is Outcome.ENTERED_IN_ERROR}
        for rec in records:
            if rec.corrects_id is not None:
                continue  # a correction: it marks the record it names (below), no dose of its own
            route = self.order_route.get(rec.order_id) if rec.order_id is not None else None
            self.dose(rec, corrections.get(rec.id), route, pumps)

    def dose(self, rec: Record, correction: Record | None, route: Route | None,
             pumps: dict[int, Pump]) -> None:
        p = self.by_id[rec.patient_id]
        if route is None:
            route = Route.INTRATHECAL if rec.dose_mcg is not None else None
        if correction is not None:
            status = "entered-in-error"
        elif rec.outcome in fc.GIVEN:
            status = "completed"
        elif rec.outcome in fc.NOT_DONE:
            status = "not-done"
        else:  # pragma: no cover - a correction row is skipped above
            status = "entered-in-error"
        performers = [{"function": fc.PERFORMER, "actor": self.user(rec.by)}]
        if rec.witness:
            performers.append({"function": fc.WITNESS, "actor": self.user(rec.witness)})
        if rec.override_by:
            performers.append({"function": fc.OVERRIDE_CONFIRMED, "actor": self.user(rec.override_by)})
        resource: dict[str, Any] = {
            "resourceType": "MedicationAdministration", "status": status,
            "medicationCodeableConcept": fc.BACLOFEN, "subject": self.subject(p.id),
            "effectiveDateTime": self.t(rec.administered_at), "performer": performers,
            "note": _note(
                f"Due {self.t(rec.due)}." if rec.due is not None else "Not a scheduled dose.",
                "Given late." if rec.outcome is Outcome.GIVEN_LATE else None,
                f"Recorded despite: {flag_words(rec.flags)}." if rec.flags else None,
                f"Reason given: {rec.override_reason}" if rec.override_reason else None,
                rec.note,
                f"Pack scanned: {scan_summary(rec.scan, None)}." if rec.scan else
                f"Pack {scan_summary(None, rec.scan_skipped)}." if rec.scan_skipped else None,
                f"Marked entered in error by {correction.by} at {self.t(correction.administered_at)}"
                f": {correction.note or 'no reason given'}" if correction is not None else None)}
        if status == "not-done" or (correction is not None and rec.outcome in fc.NOT_DONE):
            resource["statusReason"] = [fc.not_given_reason(rec.outcome, rec.reason)]
        if rec.order_id is not None:
            resource["request"] = self.order_ref(p.id, rec.order_id)
        dose = (fc.quantity(rec.dose_mg, *fc.MG) if rec.dose_mg is not None else
                fc.quantity(rec.dose_mcg, *fc.MCG) if rec.dose_mcg is not None else None)
        if dose is not None:  # a dosage needs a dose (or a rate)
            dosage: dict[str, Any] = {"dose": dose}
            if route is not None:
                dosage["route"] = fc.route(route.value)
            resource["dosage"] = dosage
        if route is Route.INTRATHECAL and p.id in pumps:
            resource["device"] = [{"reference": self.pump_urn(pumps[p.id])}]
        self.add(p.id, urn(p.ward, "administrations", rec.id), resource)

    # --- Procedure: each pump refill ---------------------------------------------------------------

    def refill(self, row: fhir_reads.RefillRow, pumps: dict[int, Pump]) -> None:
        if row.corrects_id is not None or row.patient_id not in pumps:
            return
        r = row.refill
        p = self.by_id[row.patient_id]
        details = (f"Reservoir {r.volume_ml:g} mL of baclofen {r.conc_mcg_ml:g} mcg/mL after the "
                   f"refill; pump programmed to {r.daily_mcg:g} mcg/day; low-reservoir alarm at "
                   f"{r.alarm_ml:g} mL.")
        resource = {
            "resourceType": "Procedure",
            "status": "entered-in-error" if r.id in self.corrected_refills else "completed",
            "code": fc.PUMP_REFILL, "subject": self.subject(p.id),
            "performedDateTime": self.t(r.refilled_at),
            "performer": [{"function": fc.REFILL_PERFORMER, "actor": self.user(r.by)},
                          {"function": fc.REFILL_WITNESS, "actor": self.user(r.witness)}],
            "focalDevice": [{"action": fc.REFILLED,
                             "manipulated": {"reference": self.pump_urn(pumps[p.id])}}],
            "usedCode": [fc.BACLOFEN],
            "note": _note(details,
                          f"{r.withdrawn_ml:g} mL withdrawn from the reservoir before refilling."
                          if r.withdrawn_ml is not None else None,
                          f"Next refill booked for {r.next_refill_booked.isoformat()}."
                          if r.next_refill_booked else None)}
        self.add(p.id, urn(p.ward, "pump_refills", r.id), resource)

    # --- Observation: each set -----------------------------------------------------------------

    def observation_set(self, obs: Observation, correction: fhir_reads.Correction | None) -> None:
        p = self.by_id[obs.patient_id]
        status = "entered-in-error" if correction is not None else "final"
        notes = _note(obs.note, f"Marked entered in error by {correction.by} at "
                      f"{self.t(correction.at)}: {correction.reason}" if correction else None)

        def make(part: str, code: dict[str, Any], category: dict[str, Any], **value: Any) -> str:
            name = urn(p.ward, "observations", obs.id, part)
            resource = {"resourceType": "Observation", "status": status, "category": [category],
                        "code": code, "subject": self.subject(p.id),
                        "effectiveDateTime": self.t(obs.taken_at),
                        "performer": [self.user(obs.by)], "note": notes, **value}
            self.add(p.id, name, resource)
            return name

        vitals: list[str] = []
        vs = fc.VITAL_SIGNS
        if obs.rr is not None:
            vitals.append(make("rr", fc.RESPIRATORY_RATE, vs, valueQuantity=fc.quantity(
                obs.rr, "breaths/minute", "/min")))
        if obs.spo2 is not None:
            vitals.append(make("spo2", fc.SPO2, vs, valueQuantity=fc.quantity(obs.spo2, *fc.PERCENT)))
        if obs.on_oxygen is not None:
            vitals.append(make("oxygen", fc.ON_OXYGEN, vs, valueBoolean=obs.on_oxygen))
        if obs.sbp is not None:
            vitals.append(make("bp", fc.BLOOD_PRESSURE, vs, component=[
                {"code": fc.SYSTOLIC, "valueQuantity": fc.quantity(obs.sbp, *fc.MM_HG)},
                {"code": fc.DIASTOLIC, "dataAbsentReason": fc.NOT_PERFORMED}]))
        if obs.hr is not None:
            vitals.append(make("hr", fc.HEART_RATE, vs, valueQuantity=fc.quantity(
                obs.hr, "beats/minute", "/min")))
        if obs.acvpu is not None:
            vitals.append(make("acvpu", fc.ACVPU, vs, valueCodeableConcept=fc.concept(
                fc.ACVPU_LABELS[obs.acvpu.value])))
        if obs.temp is not None:
            vitals.append(make("temp", fc.BODY_TEMPERATURE, vs, valueQuantity=fc.quantity(
                obs.temp, *fc.CELSIUS)))
        if obs.has_vitals:
            score = news2(obs, Flag.HYPERCAPNIC in p.flags)
            if score.complete:  # an incomplete set's sum is a floor, never a score
                extra: dict[str, Any] = {}
                if score.response is not None:
                    extra["interpretation"] = [fc.concept(f"Clinical risk {score.response.value}")]
                make("news2", fc.NEWS2_TOTAL, fc.SURVEY, valueInteger=score.total,
                     derivedFrom=[{"reference": v} for v in vitals],
                     method=fc.concept(f"NEWS2, SpO2 scale {score.scale}"), **extra)
        if obs.poss is not None:
            make("poss", fc.POSS, fc.SURVEY, valueCodeableConcept=fc.poss_value(obs.poss))
        if obs.rass is not None:
            make("rass", fc.RASS, fc.SURVEY, valueInteger=obs.rass)
        if obs.mas is not None:
            make("mas", fc.MAS, fc.EXAM, valueString=obs.mas)
        if obs.penn is not None:
            make("penn", fc.PENN, fc.SURVEY, valueInteger=obs.penn)
        if obs.signs_checked or obs.signs:
            signs = [s for s in Sign if s in obs.signs]
            extra = {"component": [{"code": fc.sign_concept(s, s in LATE_SIGNS), "valueBoolean": True}
                                   for s in signs]} if signs else {}
            make("signs", fc.WITHDRAWAL_SIGNS, fc.EXAM,
                 valueString=", ".join(fc.sign_concept(s, s in LATE_SIGNS)["text"] for s in signs)
                 or "No withdrawal signs", **extra)


__all__ = ["NAMESPACE", "FhirExport", "write_bundle", "export_fhir", "urn"]
