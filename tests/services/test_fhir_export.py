"""The FHIR R4 export (issue 20, docs/fhir-export.md) on the demo ward at NOW: the whole ward's
Bundle round-trips through the fhir.resources R4B models (the Bundle, then every entry again by its
resourceType); the codes (LOINC per vital sign, NEWS2 in SNOMED CT derived from its vitals,
baclofen in SNOMED CT and ATC, the routes); dose statuses (completed, not-done with a reason,
entered-in-error); the witness as a second performer; --mrn and --since; the audit row; a nurse or
the service account refused with nothing written; two exports of unchanged data identical."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from tests import typed
from tests.conftest import NOW, acting, database_state, fixed_clock
from ward_app.domain.clock import from_utc_text
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.mar import REASON_LABELS, Reason
from ward_app.services.context import open_context
from ward_app.services.fhir_export import export_fhir, urn

PHARMACIST, CHARGE, NURSE, SECOND = "pharm.chen", "charge.silva", "nurse.jones", "nurse.okafor"
WARD = "Ward 7"
SNOMED, LOINC, ATC = "http://snomed.info/sct", "http://loinc.org", "http://www.whocc.no/atc"
UCUM = "http://unitsofmeasure.org"
VITALS = {"rr": ("9279-1", "/min"), "spo2": ("2708-6", "%"), "hr": ("8867-4", "/min"),
          "temp": ("8310-5", "Cel")}


def rows(db: Path, sql: str, *args: object) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def codes(concept: dict) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept.get("coding", [])}


def by_url(bundle: dict) -> dict[str, dict]:
    return {e["fullUrl"]: e["resource"] for e in bundle.get("entry", [])}


def of_type(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle.get("entry", []) if e["resource"]["resourceType"] == kind]


@pytest.fixture(scope="module")
def whole_ward(tmp_path_factory, _demo_template):
    """The demo ward exported once for the module by its pharmacist: (database, file, result)."""
    folder = tmp_path_factory.mktemp("fhir")
    db = folder / "demo.db"
    shutil.copyfile(_demo_template, db)
    ctx = open_context(db, clock=fixed_clock, user=PHARMACIST)
    try:
        done = export_fhir(ctx, folder / "ward.json")
    finally:
        ctx.close()
    return db, done.path, done


@pytest.fixture(scope="module")
def bundle(whole_ward) -> dict:
    return json.loads(whole_ward[1].read_text(encoding="utf-8"))


def test_the_demo_ward_round_trips_through_r4b_validation(whole_ward, bundle):
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle

    _db, path, done = whole_ward
    parsed = Bundle.model_validate_json(path.read_text(encoding="utf-8"))
    assert parsed.type == "collection" and len(parsed.entry) == done.resources > 20_000
    kinds = Counter(e.resource.get_resource_type() for e in parsed.entry)
    assert kinds == Counter(done.by_type)
    assert kinds["Patient"] == done.patients == 24 and kinds["Device"] == 8
    assert {"Flag", "MedicationRequest", "MedicationAdministration", "Procedure",
            "Observation"} <= set(kinds)
    for entry in bundle["entry"]:  # each again, by its own resourceType
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{model.id}"
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    # every reference by entry name points at an entry of this Bundle
    text = path.read_text(encoding="utf-8")
    referenced = {part.split('"', 1)[0] for part in text.split('"reference":"')[1:]}
    assert referenced and referenced <= set(urls)
    assert path.stat().st_mode & 0o777 == 0o600
    assert not path.with_name(path.name + ".part").exists()


def test_vital_signs_carry_loinc_codes_ucum_units_and_the_recorded_values(whole_ward, bundle):
    db = whole_ward[0]
    resources = by_url(bundle)
    obs_id, rr, spo2, hr, temp, sbp = rows(
        db, "SELECT id, rr, spo2, hr, temp, sbp FROM observations WHERE rr IS NOT NULL AND "
        "sbp IS NOT NULL AND temp IS NOT NULL ORDER BY id DESC LIMIT 1")[0]
    for part, value in (("rr", rr), ("spo2", spo2), ("hr", hr), ("temp", temp)):
        res = resources[urn(WARD, "observations", obs_id, part)]
        loinc, unit = VITALS[part]
        assert (LOINC, loinc) in codes(res["code"])
        assert res["valueQuantity"]["value"] == value
        assert res["valueQuantity"]["system"] == UCUM and res["valueQuantity"]["code"] == unit
        assert res["category"][0]["coding"][0]["code"] == "vital-signs"
    bp = resources[urn(WARD, "observations", obs_id, "bp")]
    assert (LOINC, "85354-9") in codes(bp["code"]) and "valueQuantity" not in bp
    systolic, diastolic = bp["component"]
    assert (LOINC, "8480-6") in codes(systolic["code"]) and systolic["valueQuantity"] == {
        "value": sbp, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}
    assert (LOINC, "8462-4") in codes(diastolic["code"])
    assert diastolic["dataAbsentReason"]["coding"][0]["code"] == "not-performed"
    # and every vital sign in the file, not only that one set
    for res in of_type(bundle, "Observation"):
        if res["category"][0]["coding"][0]["code"] == "vital-signs" and "coding" in res["code"]:
            assert codes(res["code"]) & {(LOINC, c) for c, _u in VITALS.values()} | {
                (LOINC, "85354-9")}


def test_news2_is_snomed_coded_and_derived_from_its_vital_signs(whole_ward, bundle):
    from ward_app.domain.news2 import news2
    from ward_app.storage import observations as obs_repo
    from ward_app.storage.connection import Database

    db = whole_ward[0]
    resources = by_url(bundle)
    scores = [r for r in of_type(bundle, "Observation") if (SNOMED, "1104051000000101")
              in codes(r["code"])]
    assert len(scores) > 1000
    for score in scores:
        derived = [resources[d["reference"]] for d in score["derivedFrom"]]  # all in the Bundle
        assert len(derived) == 7  # a NEWS2 total is only exported for a complete set
        assert all(d["category"][0]["coding"][0]["code"] == "vital-signs" for d in derived)
        assert {d["effectiveDateTime"] for d in derived} == {score["effectiveDateTime"]}
        assert {d["subject"]["reference"] for d in derived} == {score["subject"]["reference"]}
    # the total is the one the ward shows for that set
    conn = sqlite3.connect(db)
    try:
        (obs_id,) = conn.execute("SELECT max(id) FROM observations WHERE rr IS NOT NULL AND "
                                 "acvpu IS NOT NULL AND temp IS NOT NULL AND on_oxygen IS NOT NULL "
                                 "AND sbp IS NOT NULL AND hr IS NOT NULL AND spo2 IS NOT NULL"
                                 ).fetchone()
        obs = obs_repo.by_id(Database(conn), obs_id)
    finally:
        conn.close()
    exported = resources[urn(WARD, "observations", obs_id, "news2")]
    assert exported["valueInteger"] == news2(obs).total
    assert {d["reference"] for d in exported["derivedFrom"]} == {
        urn(WARD, "observations", obs_id, p)
        for p in ("rr", "spo2", "oxygen", "bp", "hr", "acvpu", "temp")}


def test_baclofen_and_its_routes_are_coded(whole_ward, bundle):
    db = whole_ward[0]
    resources = by_url(bundle)
    baclofen = {(SNOMED, "387342009"), (ATC, "M03BX01")}
    for kind in ("MedicationRequest", "MedicationAdministration"):
        found = of_type(bundle, kind)
        assert found and all(codes(r["medicationCodeableConcept"]) == baclofen for r in found)
    route_codes = {"oral": (SNOMED, "26643006"), "intrathecal": (SNOMED, "72607000")}
    checked = Counter()
    for order_id, route, action, dose_mg, daily_mcg in rows(
            db, "SELECT id, route, action, dose_mg, daily_mcg FROM orders"):
        res = resources[urn(WARD, "orders", order_id)]
        dosage = res["dosageInstruction"][0]
        if route in route_codes:
            assert codes(dosage["route"]) == {route_codes[route]}
            checked[route] += 1
        else:
            assert dosage["route"] == {"text": "Enteral (feeding tube)"}  # no made-up code
        if action != "stop" and route == "intrathecal":
            rate = dosage["doseAndRate"][0]["rateRatio"]
            assert rate["numerator"]["value"] == daily_mcg and rate["numerator"]["code"] == "ug"
            assert rate["denominator"] == {"value": 1, "unit": "day", "system": UCUM, "code": "d"}
        elif action != "stop":
            assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == dose_mg
            assert dosage["timing"]["repeat"]["timeOfDay"]
    assert checked["oral"] >= 10 and checked["intrathecal"] == 8
    # the latest version of each patient's order is active; one a change replaced is stopped
    ((patients, versions),) = rows(db, "SELECT count(DISTINCT patient_id), count(*) FROM orders")
    requests = of_type(bundle, "MedicationRequest")
    assert Counter(r["status"] for r in requests) == Counter(
        {"active": patients, "stopped": versions - patients})
    for changed_id, prior_id in rows(db, "SELECT id, supersedes_id FROM orders WHERE action = "
                                     "'change'"):
        assert resources[urn(WARD, "orders", changed_id)]["priorPrescription"] == {
            "reference": urn(WARD, "orders", prior_id)}
        prior = resources[urn(WARD, "orders", prior_id)]
        assert prior["status"] == "stopped" and "Replaced" in prior["statusReason"]["text"]


def test_dose_statuses_reasons_and_the_entered_in_error_record(whole_ward, bundle):
    db = whole_ward[0]
    resources = by_url(bundle)
    expected = {"given": "completed", "given_late": "completed", "held": "not-done",
                "refused": "not-done", "not_available": "not-done", "omitted": "not-done"}
    corrected = {r[0]: r[1] for r in rows(
        db, "SELECT corrects_id, note FROM administrations WHERE corrects_id IS NOT NULL")}
    assert corrected
    seen = Counter()
    for rec_id, outcome, corrects, order_id, reason, scan, skipped in rows(
            db, "SELECT id, outcome, corrects_id, order_id, reason_code, scan, scan_skipped "
                "FROM administrations"):
        name = urn(WARD, "administrations", rec_id)
        if corrects is not None:
            assert name not in resources  # a correction marks its record; it is no dose
            continue
        res = resources[name]
        notes = " ".join(n["text"] for n in res.get("note", []))
        # the pack scanned (its batch) or why it was not (issue 20)
        if scan:
            seen["scanned"] += 1
            assert "Pack scanned: " in notes and json.loads(scan)["batch"] in notes
        elif skipped:
            seen["skipped"] += 1
            assert "Pack not scanned: " in notes
        status = "entered-in-error" if rec_id in corrected else expected[outcome]
        assert res["status"] == status
        seen[status] += 1
        assert res["request"] == {"reference": urn(WARD, "orders", order_id)}
        assert res["performer"][0]["function"]["coding"][0]["code"] == "performer"
        if status == "not-done":
            (why,) = res["statusReason"]
            assert why["text"].startswith(outcome.replace("_", " ").capitalize())
            if reason:
                assert REASON_LABELS[Reason(reason)] in why["text"]
            if outcome == "refused":
                assert codes(why) == {(SNOMED, "182895007")}
            elif outcome == "not_available":
                assert codes(why) == {(SNOMED, "242990004")}
            else:
                assert "coding" not in why  # no code is made up for the other reasons
        if status == "entered-in-error":
            assert any("entered in error" in n["text"] and corrected[rec_id] in n["text"]
                       for n in res["note"])
        if status == "completed":
            assert res["dosage"]["dose"]["code"] in ("mg", "ug") and "statusReason" not in res
    assert seen["completed"] > 1000 and seen["not-done"] >= 40 and seen["entered-in-error"] == 1
    assert seen["scanned"] > 500 and seen["skipped"] > 20


def test_the_export_is_audited(whole_ward):
    db, path, done = whole_ward
    ((user, entity, patient_id, detail),) = rows(
        db, "SELECT u.name, a.entity, a.patient_id, a.detail FROM audit a JOIN users u ON "
        "u.id = a.user_id WHERE a.action = 'read.export'")
    detail = json.loads(detail)
    assert (user, entity, patient_id) == (PHARMACIST, "ward", None)
    assert detail["format"] == "fhir" and detail["resources"] == done.resources
    assert detail["patients"] == 24 and detail["file"] == str(path)


@pytest.fixture
def pump_mrn(demo_ward) -> str:
    return rows(demo_ward.path, "SELECT p.mrn FROM patients p JOIN pumps u ON u.patient_id = p.id "
                "ORDER BY p.bed LIMIT 1")[0][0]


def test_a_witness_is_a_second_performer_and_a_bolus_names_the_pump(demo_ward, pump_mrn, tmp_path):
    done_bolus = typed.bolus(demo_ward, pump_mrn, 50, SECOND, "Spasms at night")
    rec_id = rows(demo_ward.path, "SELECT max(id) FROM administrations")[0][0]
    with acting(demo_ward, CHARGE):
        export_fhir(demo_ward, tmp_path / "one.json", mrn=pump_mrn)
    resources = by_url(json.loads((tmp_path / "one.json").read_text(encoding="utf-8")))
    res = resources[urn(WARD, "administrations", rec_id)]
    assert res["status"] == "completed" and done_bolus.outcome.value == "given"
    nurse, witness = res["performer"]
    assert nurse["actor"]["identifier"]["value"] == NURSE
    assert witness["actor"]["identifier"]["value"] == SECOND
    assert witness["function"]["coding"] == [{
        "system": "http://terminology.hl7.org/CodeSystem/med-admin-perform-function",
        "code": "verifier", "display": "Verifier"}]
    assert "Witness" in witness["function"]["text"]
    assert res["dosage"]["dose"] == {"value": 50, "unit": "mcg", "system": UCUM, "code": "ug"}
    assert codes(res["dosage"]["route"]) == {(SNOMED, "72607000")}
    (device,) = res["device"]
    assert resources[device["reference"]]["resourceType"] == "Device"
    assert any("Spasms at night" in n["text"] for n in res["note"])


def test_mrn_limits_the_export_to_that_patient(demo_ward, pump_mrn, tmp_path):
    with acting(demo_ward, PHARMACIST):
        done = export_fhir(demo_ward, tmp_path / "one.json", mrn=pump_mrn)
    bundle = json.loads((tmp_path / "one.json").read_text(encoding="utf-8"))
    (patient,) = of_type(bundle, "Patient")
    assert patient["identifier"][0]["value"] == pump_mrn
    assert patient["identifier"][0]["type"]["coding"][0]["code"] == "MR"
    me = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is patient)
    for entry in bundle["entry"]:
        res = entry["resource"]
        ref = res.get("subject") or res.get("patient")
        assert res is patient or ref["reference"] == me
    assert done.patients == 1 and len(of_type(bundle, "Device")) == 1
    assert of_type(bundle, "Procedure")  # the pump's refills
    audit = rows(demo_ward.path, "SELECT p.mrn FROM audit a JOIN patients p ON p.id = a.patient_id "
                 "WHERE a.action = 'read.export'")
    assert audit == [(pump_mrn,)]


def test_since_limits_the_clinical_records_but_not_the_patient_pump_or_flags(demo_ward, tmp_path):
    since = NOW - timedelta(days=2)
    mrn = _flagged_pump_mrn(demo_ward)
    typed.bolus(demo_ward, mrn, 25, SECOND)  # a dose record at NOW
    with acting(demo_ward, PHARMACIST):
        everything = export_fhir(demo_ward, tmp_path / "all.json", mrn=mrn)
        recent = export_fhir(demo_ward, tmp_path / "recent.json", mrn=mrn, since=since)
    bundle = json.loads((tmp_path / "recent.json").read_text(encoding="utf-8"))
    assert recent.resources < everything.resources / 5
    for kind in ("Patient", "Device", "Flag"):
        assert recent.by_type[kind] == everything.by_type[kind] >= 1
    for res in of_type(bundle, "Observation") + of_type(bundle, "MedicationAdministration"):
        assert from_utc_text(res["effectiveDateTime"].replace("Z", "+00:00")) >= since
    assert of_type(bundle, "Observation") and of_type(bundle, "MedicationAdministration")
    for res in of_type(bundle, "Procedure"):
        assert from_utc_text(res["performedDateTime"].replace("Z", "+00:00")) >= since
    # no order version that had ended before that moment; the one in force then comes along,
    # so every dose's request resolves
    requests = of_type(bundle, "MedicationRequest")
    assert requests
    for res in requests:
        end = res["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"].get("end")
        assert end is None or from_utc_text(end.replace("Z", "+00:00")) >= since
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert all(r["request"]["reference"] in urls for r in of_type(bundle, "MedicationAdministration"))


def _flagged_pump_mrn(ctx) -> str:
    return rows(ctx.path, "SELECT p.mrn FROM patients p JOIN pumps u ON u.patient_id = p.id "
                "JOIN patient_flags f ON f.patient_id = p.id ORDER BY p.bed LIMIT 1")[0][0]


def test_two_exports_of_unchanged_data_are_identical(demo_ward, pump_mrn, tmp_path):
    with acting(demo_ward, PHARMACIST):
        export_fhir(demo_ward, tmp_path / "a.json", mrn=pump_mrn)
    with acting(demo_ward, CHARGE):  # another user, another audit row: the same records
        export_fhir(demo_ward, tmp_path / "b.json", mrn=pump_mrn)
    first = (tmp_path / "a.json").read_bytes()
    assert first == (tmp_path / "b.json").read_bytes() and len(first) > 10_000


@pytest.mark.parametrize("role_user", [NURSE, "backup.svc"])
def test_a_nurse_or_the_service_account_is_refused_and_nothing_is_written(demo_ward, tmp_path,
                                                                          role_user):
    from ward_app.services.admin import add_user

    if role_user == "backup.svc":
        with acting(demo_ward, "admin"):
            add_user(demo_ward, "backup.svc", "service", "service-password-1")
    before = database_state(demo_ward.path)
    folder = tmp_path / "out"
    folder.mkdir()
    with acting(demo_ward, role_user), pytest.raises(Refused) as refused:
        export_fhir(demo_ward, folder / "x.json")
    assert str(refused.value) in (
        "A nurse cannot export records: ask a charge nurse or a pharmacist or an administrator.",
        "A service account cannot export records: ask a charge nurse or a pharmacist or an "
        "administrator.")
    assert database_state(demo_ward.path) == before
    assert list(folder.iterdir()) == []


def test_bad_input_is_one_sentence_and_writes_nothing(demo_ward, tmp_path):
    before = database_state(demo_ward.path)
    folder = tmp_path / "out"
    folder.mkdir()
    with acting(demo_ward, PHARMACIST):
        with pytest.raises(InvalidInput) as bad:
            export_fhir(demo_ward, folder / "x.json", mrn="RX000000")
        assert bad.value.field == "mrn" and "no patient with MRN RX000000" in str(bad.value)
        with pytest.raises(InvalidInput) as bad:
            export_fhir(demo_ward, folder / "missing" / "x.json")
        assert bad.value.field == "out" and "does not exist" in str(bad.value)
    assert database_state(demo_ward.path) == before
    assert list(folder.iterdir()) == []


def test_a_ward_with_no_patients_exports_a_bundle_with_no_entries(ward, tmp_path):
    from fhir.resources.R4B.bundle import Bundle

    with acting(ward, "pharm.test"):
        done = export_fhir(ward, tmp_path / "empty.json")
    text = (tmp_path / "empty.json").read_text(encoding="utf-8")
    assert json.loads(text) == {"resourceType": "Bundle", "type": "collection"}  # no empty array
    assert Bundle.model_validate_json(text).entry is None
    assert (done.resources, done.patients) == (0, 0)
