"""Transfer and discharge (ward_app.services.admissions, clinical-rules §11): a transfer moves a
patient to a free bed; a discharged patient leaves the board, the alerts, Due now and the
handover, no dose falls due after their discharge, and their record stays, read-only."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests import typed
from tests.conftest import NOW, acting, database_state, fixed_clock
from tests.services.test_roles import USERS, WITNESS, build_ward
from ward_app.domain.errors import InvalidInput, Refused, WardError
from ward_app.domain.mar import State
from ward_app.services import admissions, audit_log
from ward_app.services import patients as pts
from ward_app.services.alerts import acknowledge, ward_alerts
from ward_app.services.board import chart_overview, ward_board
from ward_app.services.chart import mar_view
from ward_app.services.context import Context, open_context
from ward_app.services.handover import build_handover
from ward_app.services.worklist import due_now
from ward_app.storage import audit

CHARGE, NURSE, PHARMACIST = USERS["charge_nurse"], USERS["nurse"], USERS["pharmacist"]
LATER = NOW + timedelta(hours=12)  # 22:00 in London: the 14:00 and 22:00 doses have passed


@pytest.fixture(scope="module")
def _template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("admissions") / "ward.db"
    build_ward(path)
    return path


@pytest.fixture
def path(tmp_path, _template) -> Path:
    copy = tmp_path / "ward.db"
    shutil.copyfile(_template, copy)
    return copy


@pytest.fixture
def ctx(path):
    """Ward 7 at NOW (RX1 oral 20 mg TDS with a sedation alert, RX2 intrathecal with a pump, RX3
    with no order), acting as the charge nurse."""
    opened = open_context(path, user=CHARGE, clock=fixed_clock)
    yield opened
    opened.close()


def _pid(ctx: Context, mrn: str) -> int:
    return pts.find_by_mrn(ctx, mrn).id


def test_transfer_moves_the_patient_and_the_audit_says_both_beds_in_words(ctx):
    moved = admissions.transfer(ctx, _pid(ctx, "RX3"), "sr 4")
    assert moved.bed == "sr 4"
    assert [r.bed for r in ward_board(ctx) if r.mrn == "RX3"] == ["sr 4"]
    entry = audit_log.search(ctx, patient_id=moved.id)[0]
    assert (entry.user, entry.action) == (CHARGE, "transfer")
    assert entry.detail_words(ctx.zone) == "from bed: 3; mrn: RX3; to bed: sr 4"


def test_a_bed_with_an_admitted_patient_is_refused_in_one_sentence_and_nothing_is_written(ctx, path):
    before = database_state(path)
    with pytest.raises(InvalidInput, match=r"^Bed 1 is taken by MRN RX1: choose a free bed\.$"):
        admissions.transfer(ctx, _pid(ctx, "RX3"), "1")
    with pytest.raises(InvalidInput, match="already in bed 3"):
        admissions.transfer(ctx, _pid(ctx, "RX3"), "3")
    with pytest.raises(InvalidInput) as bad:
        admissions.transfer(ctx, _pid(ctx, "RX3"), "bed #9!")
    assert bad.value.field == "bed"
    assert database_state(path) == before


@pytest.mark.parametrize("role", ["nurse", "pharmacist", "admin"])
def test_only_a_charge_nurse_transfers_or_discharges(ctx, path, role):
    before = database_state(path)
    with acting(ctx, USERS[role]):
        for attempt in (lambda: admissions.transfer(ctx, _pid(ctx, "RX3"), "9"),
                        lambda: admissions.discharge(ctx, _pid(ctx, "RX3"), "home")):
            with pytest.raises(Refused, match="cannot admit, move or discharge patients"):
                attempt()
    assert database_state(path) == before


def test_a_discharged_patient_leaves_the_board_alerts_worklist_and_handover(ctx):
    rx1 = _pid(ctx, "RX1")
    assert any(a.patient_id == rx1 for a in ward_alerts(ctx))  # the sedation alert
    assert any(i.patient_id == rx1 for i in due_now(ctx))
    gone = admissions.discharge(ctx, rx1, "  home   with family ")
    assert gone.discharged_at == NOW and gone.discharged_to == "home with family"
    assert gone.discharged_by == CHARGE
    assert gone.discharge_text(ctx.zone) == ("Discharged 25 Nov 2026 10:00 to home with family "
                                             "(by charge.test)")
    for moment in (NOW, LATER, NOW + timedelta(days=3)):
        assert "RX1" not in [r.mrn for r in ward_board(ctx, moment)]
        assert rx1 not in {a.patient_id for a in ward_alerts(ctx, moment)}
        assert rx1 not in {i.patient_id for i in due_now(ctx, moment)}
    assert "RX1" not in [b.mrn for b in build_handover(ctx).patients]
    assert [p.mrn for p in pts.list_patients(ctx)] == ["RX2", "RX3"]
    assert [p.mrn for p in pts.list_patients(ctx, include_discharged=True)] == ["RX1", "RX2", "RX3"]
    assert [p.mrn for p in admissions.discharged_patients(ctx)] == ["RX1"]
    entry = audit.entries(ctx.db, patient_id=rx1)[0]
    assert (entry["user"], entry["action"]) == (CHARGE, "discharge")
    assert entry["detail"]["to"] == "home with family" and entry["detail"]["bed"] == "1"
    assert entry["detail"]["active_alerts"] >= 1


def test_the_bed_of_a_discharged_patient_is_free(ctx):
    admissions.discharge(ctx, _pid(ctx, "RX1"))
    assert admissions.transfer(ctx, _pid(ctx, "RX3"), "1").bed == "1"
    admitted = pts.add_patient(ctx, pts.NewPatient(mrn="RX4", name="Next Patient",
                                                   dob=date(1960, 3, 3), bed="3"))
    assert admitted.bed == "3"


def test_discharging_twice_is_refused_in_one_sentence(ctx, path):
    admissions.discharge(ctx, _pid(ctx, "RX3"), "Ward 9")
    before = database_state(path)
    with pytest.raises(Refused, match=r"^New Patient \(MRN RX3\) was discharged on 25 Nov 2026 at "
                       r"10:00: their record is read-only\.$") as refused:
        admissions.discharge(ctx, _pid(ctx, "RX3"), "home")
    assert refused.value.rule == "patient.discharged"
    assert database_state(path) == before


def test_readmitting_a_discharged_mrn_is_refused_with_a_sentence(ctx):
    admissions.discharge(ctx, _pid(ctx, "RX3"))
    with pytest.raises(InvalidInput, match="MRN RX3 is New Patient, discharged on 25 Nov 2026"):
        pts.add_patient(ctx, pts.NewPatient(mrn="RX3", name="New Patient", dob=date(1970, 1, 1),
                                            bed="7"))


def test_the_record_of_a_discharged_patient_is_read_only(ctx, path):
    alert = next(a for a in ward_alerts(ctx) if a.rule == "toxicity.sedation")
    admissions.discharge(ctx, _pid(ctx, "RX1"), "home")
    admissions.discharge(ctx, _pid(ctx, "RX2"), "Spinal unit")
    before = database_state(path)
    writes = {
        NURSE: [
            lambda: typed.omit(ctx, "RX1", "08:00", "asleep"),
            lambda: typed.add_observation(ctx, typed.ObsText(mrn="RX1", rr=16)),
            lambda: typed.add_lab(ctx, "RX1", egfr=50),
            lambda: typed.refill_pump(ctx, typed.RefillText(
                mrn="RX2", volume_ml=20, conc_mcg_ml=2000, daily_mcg=400, witness=WITNESS)),
            lambda: typed.record_alarm(ctx, "RX2", "low_reservoir"),
        ],
        CHARGE: [
            lambda: typed.set_patient(ctx, "RX1", set_flags=["npo"]),
            lambda: typed.add_comedication(ctx, "RX1", "Lorazepam"),
            lambda: typed.set_pump(ctx, "RX2", reservoir_ml=40),
            lambda: admissions.transfer(ctx, _pid(ctx, "RX1"), "9"),
        ],
        PHARMACIST: [
            lambda: typed.add_order(ctx, typed.OrderText(mrn="RX1", route="oral", dose_mg=10,
                                                         freq="TDS")),
            lambda: typed.stop_order(ctx, "RX1", "serious_adverse_reaction", "Dr Khan"),
        ],
    }
    for user, attempts in writes.items():
        with acting(ctx, user):
            for attempt in attempts:
                with pytest.raises(Refused, match="was discharged on 25 Nov 2026 at 10:00: their "
                                   "record is read-only") as refused:
                    attempt()
                assert refused.value.rule == "patient.discharged"
    with acting(ctx, NURSE), pytest.raises(WardError):
        acknowledge(ctx, alert.id, "seen")  # the alert no longer stands
    assert database_state(path) == before


def test_no_dose_falls_due_or_is_missed_after_discharge(ctx):
    rx1 = _pid(ctx, "RX1")
    with acting(ctx, NURSE):
        typed.omit(ctx, "RX1", "08:00", "asleep")
    ctx.clock = lambda: NOW + timedelta(hours=3)  # 13:00: discharged before the 14:00 dose
    admissions.discharge(ctx, rx1, "home")
    ctx.clock = lambda: LATER
    _patient, entries = typed.mar_day(ctx, "RX1")
    # the 14:00 and 22:00 doses came after the discharge: not shown, not missed
    assert [e.due.astimezone(ctx.zone).hour for e in entries] == [8]
    assert entries[0].by == NURSE and entries[0].state not in (State.MISSED, State.LATE, State.DUE)
    _patient, tomorrow = typed.mar_day(ctx, "RX1", date(2026, 11, 26))
    assert tomorrow == []


def test_discharge_check_says_what_is_still_open(ctx):
    rx1, rx2 = _pid(ctx, "RX1"), _pid(ctx, "RX2")
    check = admissions.discharge_check(ctx, rx1)
    # yesterday's 14:00 and 22:00 and today's 08:00 doses have no record
    assert check.alerts >= 1 and check.unrecorded_doses == 3
    notes = check.notes()
    assert any("will no longer show once discharged" in n for n in notes)
    assert any("3 doses due in the last 24 hours have no record" in n for n in notes)
    with acting(ctx, NURSE):
        typed.refill_pump(ctx, typed.RefillText(mrn="RX2", volume_ml=20, conc_mcg_ml=2000,
                                                daily_mcg=400, witness=WITNESS))
    pump = admissions.discharge_check(ctx, rx2)
    assert pump.refill_by is not None
    assert any(n.startswith("The intrathecal pump goes with the patient: its next refill is due "
                            f"by {pump.refill_by:%d %b %Y}") for n in pump.notes())
    assert admissions.discharge_check(ctx, _pid(ctx, "RX3")).notes() == []


def test_a_discharged_patients_chart_shows_the_record_as_it_stood_at_discharge(ctx):
    rx1 = _pid(ctx, "RX1")
    ctx.clock = lambda: NOW + timedelta(hours=3)
    admissions.discharge(ctx, rx1, "home")
    ctx.clock = lambda: NOW + timedelta(days=2)
    seen = chart_overview(ctx, rx1)
    assert seen.at == NOW + timedelta(hours=3)
    assert [r.mrn for r in seen.rows] == ["RX1"] and seen.alerts == []
    admitted = chart_overview(ctx, _pid(ctx, "RX3"))
    assert [r.mrn for r in admitted.rows] == ["RX3"] and admitted.at == NOW + timedelta(days=2)


def test_nothing_is_planned_for_a_discharged_patient(ctx):
    rx1 = _pid(ctx, "RX1")
    assert mar_view(ctx, pts.patient_by_id(ctx, rx1)).planned
    gone = admissions.discharge(ctx, rx1, "home")
    view = mar_view(ctx, gone)
    assert view.planned == [] and view.entries  # the record up to the discharge stays


def test_a_discharge_before_the_last_entry_on_the_record_is_refused(ctx, path):
    rx1 = _pid(ctx, "RX1")  # observations at NOW (build_ward)
    ctx.clock = lambda: NOW - timedelta(hours=1)
    before = database_state(path)
    with pytest.raises(InvalidInput, match=r"^The discharge time 25 Nov 2026 09:00 is before the "
                       r"last entry on Oral Patient's record \(25 Nov 2026 10:00\): discharge at "
                       r"or after it\.$") as refused:
        admissions.discharge(ctx, rx1, "home")
    assert refused.value.field == "now"
    assert database_state(path) == before
    ctx.clock = fixed_clock
    assert admissions.discharge(ctx, rx1, "home").discharged_at == NOW
