from __future__ import annotations

from datetime import date

import pytest

from tests import typed
from tests.conftest import act_as, acting, database_state, pw
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.patient import Flag
from ward_app.services import patients as svc
from ward_app.services.admin import add_user
from ward_app.services.context import Actor
from ward_app.storage import audit

ZOE = typed.patient_text(mrn="RX100001", name="Zoë Ní Bhriain", dob=date(1998, 4, 2), bed="12",
                         flags=("communication_difficulty",), sci_level="t4", weight_kg=61)


def test_admit_writes_the_patient_flags_and_an_attributed_audit_entry(ward):
    act_as(ward, "charge.test")
    p = svc.add_patient(ward, ZOE)
    assert (p.mrn, p.name, p.bed, p.ward, p.sci_level) == ("RX100001", "Zoë Ní Bhriain", "12",
                                                            "Ward 7", "T4")
    assert p.flags == {Flag.COMMUNICATION_DIFFICULTY}
    entry = audit.entries(ward.db, patient_id=p.id)[0]
    assert (entry["user"], entry["action"], entry["entity"]) == ("charge.test", "add", "patient")
    assert entry["detail"]["flags"] == ["communication_difficulty"]
    assert entry["at"] == "2027-06-01T12:00:00+00:00"  # the system clock (ENTRY_NOW in the tests)
    assert entry["detail"]["act_at"] == "2026-11-25T10:00:00+00:00"


def test_duplicate_mrn_and_taken_bed_are_refused_and_write_nothing(ward, db_path):
    act_as(ward, "charge.test")
    svc.add_patient(ward, ZOE)
    before = database_state(db_path)
    with pytest.raises(InvalidInput, match="MRN RX100001 is already on record"):
        svc.add_patient(ward, ZOE)
    with pytest.raises(InvalidInput, match="Bed 12 is taken by MRN RX100001"):
        svc.add_patient(ward, svc.NewPatient(mrn="RX100002", name="Other", dob=date(1980, 1, 1),
                                             bed="12"))
    with pytest.raises(InvalidInput, match="not a patient flag"):
        svc.add_patient(ward, typed.patient_text(mrn="RX100003", name="Other",
                                                 dob=date(1980, 1, 1), bed="13", flags=("diabetes",)))
    assert database_state(db_path) == before


def test_unknown_ward_is_named_with_the_known_ones(ward):
    act_as(ward, "charge.test")
    with pytest.raises(InvalidInput, match="no ward 'Ward 9': use one of Ward 7"):
        svc.add_patient(ward, svc.NewPatient(mrn="RX100004", name="A B", dob=date(1980, 1, 1),
                                             bed="1", ward="Ward 9"))


def test_set_and_clear_flags_surgery_and_bed(ward):
    act_as(ward, "charge.test")
    svc.add_patient(ward, ZOE)
    p = typed.set_patient(ward, "rx100001", set_flags=["npo", "fall_risk"],
                        clear_flags=["communication_difficulty"], surgery_date=date(2026, 12, 1),
                        bed="3")
    assert p.flags == {Flag.NPO, Flag.FALL_RISK}
    assert p.surgery_date == date(2026, 12, 1) and p.bed == "3"
    detail = audit.entries(ward.db, patient_id=p.id)[0]["detail"]
    assert detail["flags_set"] == ["npo", "fall_risk"]
    assert detail["flags_cleared"] == ["communication_difficulty"]
    with pytest.raises(InvalidInput, match="both set and cleared"):
        typed.set_patient(ward, "RX100001", set_flags=["npo"], clear_flags=["npo"])
    with pytest.raises(InvalidInput, match="Nothing to change") as info:
        typed.set_patient(ward, "RX100001")
    assert info.value.field == "patient"
    with pytest.raises(InvalidInput, match="no patient with MRN RX999999"):
        typed.set_patient(ward, "RX999999", set_flags=["npo"])


def test_labs_and_comedications(ward):
    with acting(ward, "charge.test"):
        p = svc.add_patient(ward, ZOE)
    with acting(ward, "nurse.test") as nurse:
        typed.add_lab(ward, p.mrn, egfr=42)
        typed.add_lab(ward, p.mrn, egfr=None, dialysis=True)
        with pytest.raises(InvalidInput, match="0 to 200"):
            typed.add_lab(ward, p.mrn, egfr=900)
        with pytest.raises(InvalidInput, match="Give the eGFR") as info:
            typed.add_lab(ward, p.mrn, egfr=None)
        assert info.value.field == "egfr"
        nurse_id = nurse.actor.id
    with acting(ward, "pharm.test"):
        typed.add_comedication(ward, p.mrn, "Lorazepam")
        with pytest.raises(InvalidInput, match="already recorded"):
            typed.add_comedication(ward, p.mrn, "lorazepam")
    rows = ward.db.execute("SELECT egfr, dialysis, recorded_by FROM lab_results").fetchall()
    assert rows == [(42.0, 0, nurse_id), (None, 1, nurse_id)]
    assert ward.db.execute("SELECT drug FROM comedications").fetchall() == [("Lorazepam",)]


def test_every_write_needs_a_user(ward):
    ward.actor = None
    with pytest.raises(Refused, match="No user is acting") as info:
        svc.add_patient(ward, ZOE)
    assert info.value.rule == "user.required" and "--" not in str(info.value)


def test_writes_are_attributed_to_the_acting_user(ward):
    uid = add_user(ward, "charge.silva", "charge_nurse", pw("charge.silva"))
    ward.actor = Actor(uid, "charge.silva", "charge_nurse")
    p = svc.add_patient(ward, ZOE)
    assert audit.entries(ward.db, patient_id=p.id)[0]["user"] == "charge.silva"
