"""The pump failure checklist on a real SQLite file: opened by a critical alarm (not a single tone),
its steps recorded append-only with who and when, the ITB step needing whom was called, the stock
setting's words, refused when none is open, and printed in the patient's handover block."""

from __future__ import annotations

import io
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from tests import typed
from tests.conftest import ADMIN_PASSWORD, acting, pw
from tests.services.test_orders_and_mar import Clock
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.pump_checklist import Step
from ward_app.reports.handover_sheet import handover_pdf
from ward_app.services.admin import add_user, init_ward
from ward_app.services.context import Actor
from ward_app.services.handover import build_handover
from ward_app.services.patients import NewPatient, add_patient
from ward_app.services.pump_checklists import checklist_for, record_step
from ward_app.storage import audit

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CHARGE, PHARMACIST = "charge.silva", "pharm.chen"


@pytest.fixture
def clock():
    return Clock(NOW)


@pytest.fixture
def ward7(tmp_path, clock):
    ctx = init_ward(tmp_path / "w.db", ward="Ward 7", tz="Europe/London",
                    admin_password=ADMIN_PASSWORD, clock=clock)
    nurse = add_user(ctx, "nurse.okafor", "nurse", pw("nurse.okafor"))
    add_user(ctx, "nurse.jones", "nurse", pw("nurse.jones"))
    add_user(ctx, CHARGE, "charge_nurse", pw(CHARGE))
    add_user(ctx, PHARMACIST, "pharmacist", pw(PHARMACIST))
    with acting(ctx, CHARGE):
        add_patient(ctx, NewPatient(mrn="RX2", name="Pump Patient", dob=date(1980, 1, 1), bed="2"))
    with acting(ctx, PHARMACIST):
        typed.add_order(ctx, typed.OrderText(mrn="RX2", route="intrathecal", daily_mcg=400,
                                              witness="nurse.jones"))
    with acting(ctx, CHARGE):
        typed.set_pump(ctx, "RX2", model="SynchroMed II 20 mL", reservoir_ml=20,
                       implant_date=date(2023, 1, 10), eri_date=date(2029, 5, 1))
    ctx.actor = Actor(nurse, "nurse.okafor", "nurse")
    yield ctx
    ctx.close()


def patient_id(ctx) -> int:
    return typed.pid(ctx, "RX2")


def test_a_single_tone_alarm_opens_no_checklist_a_critical_one_does(ward7, clock) -> None:
    typed.record_alarm(ward7, "RX2", "low_reservoir")
    assert checklist_for(ward7, patient_id(ward7)) is None
    clock.moment = NOW + timedelta(minutes=10)
    typed.record_alarm(ward7, "RX2", "critical", "two-tone")
    c = checklist_for(ward7, patient_id(ward7))
    assert c is not None and c.triggers == ("pump.alarm",) and not c.complete
    assert [i.step for i in c.outstanding] == list(Step)
    oral = next(i for i in c.items if i.step is Step.ORAL_AVAILABLE)
    assert "not recorded as kept on this ward" in oral.hint and "pharmacy" in oral.hint
    assert not any(ch.isdigit() for ch in oral.hint.replace("stock.oral_baclofen", ""))  # no dose


def test_steps_are_recorded_with_who_and_when_and_printed_on_the_handover(ward7, clock) -> None:
    typed.record_alarm(ward7, "RX2", "critical")
    pid = patient_id(ward7)
    clock.moment = NOW + timedelta(minutes=15)
    with pytest.raises(InvalidInput) as err:
        record_step(ward7, pid, Step.ITB_CALLED)  # whom was called is needed
    assert err.value.field == "who-called"
    c = record_step(ward7, pid, Step.ITB_CALLED, who_called="Dr Patel (ITB team)",
                    done_at=NOW + timedelta(minutes=5))
    done = next(i for i in c.items if i.step is Step.ITB_CALLED).done
    assert done is not None and done.by == "nurse.okafor" and done.who_called == "Dr Patel (ITB team)"
    assert done.at == NOW + timedelta(minutes=5)
    c = record_step(ward7, pid, Step.HOURLY_CHECKS, note="first check 10:20")
    assert [i.step for i in c.outstanding] == [Step.ORAL_AVAILABLE, Step.BRIDGING_ORDER]
    assert audit.entries(ward7.db, limit=1)[0]["action"] == "pump.checklist"
    with acting(ward7, CHARGE):
        sheet = build_handover(ward7)
    block = next(b for b in sheet.patients if b.mrn == "RX2")
    assert any(line.startswith("✓ Call the ITB team") and "called Dr Patel (ITB team)" in line
               and "10:05" in line for line in block.checklist)
    assert "☐ NOT DONE: The prescriber's bridging order entered (the app suggests no dose)" in \
        block.checklist
    text = " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(io.BytesIO(handover_pdf(sheet))).pages)
    assert "Pump failure checklist" in text and "NOT DONE: Oral baclofen available" in text


def test_the_stock_setting_changes_the_words(ward7) -> None:
    with acting(ward7, "admin"):
        typed.set_setting(ward7, "stock.oral_baclofen", "yes")
    typed.record_alarm(ward7, "RX2", "critical")
    c = checklist_for(ward7, patient_id(ward7))
    assert c is not None
    oral = next(i for i in c.items if i.step is Step.ORAL_AVAILABLE)
    assert oral.hint.startswith("Oral baclofen is kept on this ward")


def test_no_checklist_open_refuses_a_step_and_writes_nothing(ward7) -> None:
    from tests.conftest import database_state

    before = database_state(ward7.path)
    with pytest.raises(Refused, match="No pump failure checklist is open"):
        record_step(ward7, patient_id(ward7), Step.HOURLY_CHECKS)
    assert database_state(ward7.path) == before


def test_the_steps_are_append_only(ward7) -> None:
    typed.record_alarm(ward7, "RX2", "critical")
    record_step(ward7, patient_id(ward7), Step.BRIDGING_ORDER, note="Dr Khan ordered it")
    with pytest.raises(sqlite3.DatabaseError):
        ward7.db.execute("UPDATE pump_checklist_steps SET note = 'changed'")
    with pytest.raises(sqlite3.DatabaseError):
        ward7.db.execute("DELETE FROM pump_checklist_steps")
