"""Every write use-case says what it changed (kinds, patients, or the whole ward), and only what
a committed transaction wrote is reported."""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests import typed
from tests.conftest import ADMIN_PASSWORD, NOW, PASSWORD, acting, fixed_clock
from ward_app.domain.errors import InvalidInput
from ward_app.services import (
    admin,
    admissions,
    alerts,
    auth,
    backups,
    fhir_export,
    handover,
    mar,
    observations,
    orders,
    parked_forms,
    reads,
    scanning,
    settings,
)
from ward_app.services import patients as patient_svc
from ward_app.services.board import ward_board
from ward_app.services.changes import Changes, Kind
from ward_app.services.context import Context
from ward_app.services.demo import MISSED_TWO, build_demo

SERVICES = Path(admin.__file__).parent
DUE_0800 = datetime(2026, 11, 25, 8, 0, tzinfo=NOW.tzinfo)
#: Ten minutes before NOW: at 10:00 the missed 08:00 dose can no longer be caught up (the 14:00
#: dose is not more than the 4 h minimum interval away, clinical-rules §9).
GIVEN_AT = NOW - timedelta(minutes=10)
ITB = "Zoë Ní Bhriain"  # intrathecal, 300 mcg/day at 500 mcg/mL, 20 mL pump
ORAL = "Gráinne Walsh"  # oral 20 mg TDS, no taper


def _write_use_cases() -> set[str]:
    """module.function of every function in ward_app/services that opens ``ctx.write(...)``."""
    found = set()
    for path in SERVICES.glob("*.py"):
        if path.name == "context.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                    and n.func.attr == "write" and isinstance(n.func.value, ast.Name)
                    and n.func.value.id == "ctx" for n in ast.walk(node)):
                found.add(f"{path.stem}.{node.name}")
    return found


def test_every_write_names_what_it_changes():
    """No bare ``ctx.write()``: each transaction names its kinds (and patient, or the ward)."""
    bare = []
    for path in SERVICES.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "write" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "ctx" and not node.args):
                bare.append(f"{path.name}:{node.lineno}")
    assert bare == []


def _mrn(ctx: Context, name: str) -> tuple[str, int]:
    row = next(r for r in ward_board(ctx) if r.name == name)
    return row.mrn, row.patient_id


def _scan_wristband(ctx):
    mrn, _pid = _mrn(ctx, MISSED_TWO)
    assert scanning.read_scan(ctx, mrn).patient is not None
    # an audited read: nothing on screen changes


def _save_pack(ctx):
    with acting(ctx, "pharm.chen"):
        scanning.save_pack(ctx, gtin="02000000000886", product="Baclofen 20 mg tablets",
                           ingredient="baclofen", form="tablet", strength=20)


def _export_fhir(ctx):
    import tempfile
    from pathlib import Path

    mrn, _pid = _mrn(ctx, MISSED_TWO)
    with acting(ctx, "pharm.chen"), tempfile.TemporaryDirectory() as folder:
        fhir_export.export_fhir(ctx, Path(folder) / "b.json", mrn=mrn)
    # an audited read, like reads.record_read: nothing on screen changes


# Each use-case, run on the demo ward: it returns the patient it should name (None: ward-level).
def _give(ctx):
    mrn, pid = _mrn(ctx, MISSED_TWO)
    typed.give(ctx, mrn, DUE_0800.isoformat(), at=GIVEN_AT)
    return pid


def _omit(ctx):
    mrn, pid = _mrn(ctx, MISSED_TWO)
    typed.omit(ctx, mrn, DUE_0800.isoformat(), "refused")
    return pid


def _correct(ctx):
    mrn, pid = _mrn(ctx, MISSED_TWO)
    rec = typed.give(ctx, mrn, DUE_0800.isoformat(), at=GIVEN_AT)
    ctx.take_changes()
    mar.correct_record(ctx, rec.record_id, "wrong patient")
    return pid


def _bolus(ctx):
    mrn, pid = _mrn(ctx, ITB)
    typed.bolus(ctx, mrn, 50, "nurse.okafor")
    return pid


def _obs(ctx):
    mrn, pid = _mrn(ctx, MISSED_TWO)
    typed.add_observation(ctx, typed.ObsText(mrn=mrn, rr=16))
    return pid


def _correct_obs(ctx):
    mrn, pid = _mrn(ctx, MISSED_TWO)
    done = typed.add_observation(ctx, typed.ObsText(mrn=mrn, rr=16))
    ctx.take_changes()
    observations.correct_observation(ctx, done.observation.id, "wrong patient")
    return pid


def _ack(ctx):
    _, pid = _mrn(ctx, MISSED_TWO)
    alert = next(a for a in alerts.ward_alerts(ctx) if a.patient_id == pid)
    alerts.acknowledge(ctx, alert.id, "seen")
    return pid


def _add_patient(ctx):
    with acting(ctx, "charge.silva"):
        p = patient_svc.add_patient(ctx, patient_svc.NewPatient(
            mrn="RX1", name="New Patient", dob=date(1970, 1, 1), bed="40"))
    return p.id


def _set_patient(ctx):
    mrn, pid = _mrn(ctx, MISSED_TWO)
    with acting(ctx, "charge.silva"):
        typed.set_patient(ctx, mrn, set_flags=["fall_risk"])
    return pid


def _transfer(ctx):
    _, pid = _mrn(ctx, MISSED_TWO)
    with acting(ctx, "charge.silva"):
        admissions.transfer(ctx, pid, "SR 9")
    return pid


def _discharge(ctx):
    _, pid = _mrn(ctx, MISSED_TWO)
    with acting(ctx, "charge.silva"):
        admissions.discharge(ctx, pid, "home")
    return pid


def _lab(ctx):
    mrn, pid = _mrn(ctx, MISSED_TWO)
    typed.add_lab(ctx, mrn, egfr=40)
    return pid


def _comed(ctx):
    mrn, pid = _mrn(ctx, MISSED_TWO)
    with acting(ctx, "pharm.chen"):
        typed.add_comedication(ctx, mrn, "Oxycodone")
    return pid


def _stop_comed(ctx):
    mrn, pid = _mrn(ctx, MISSED_TWO)
    with acting(ctx, "pharm.chen"):
        typed.add_comedication(ctx, mrn, "Oxycodone")
        ctx.take_changes()
        typed.stop_comedication(ctx, mrn, "Oxycodone")
    return pid


def _order(ctx):
    mrn, pid = _mrn(ctx, ORAL)
    with acting(ctx, "pharm.chen"):
        typed.add_order(ctx, typed.OrderText(mrn=mrn, route="oral", dose_mg=15, freq="TDS"))
    return pid


def _stop_order(ctx):
    mrn, pid = _mrn(ctx, ORAL)
    with acting(ctx, "pharm.chen"):
        typed.stop_order(ctx, mrn, orders.STOP_SAR, "Dr Who")
    return pid


def _taper(ctx):
    mrn, pid = _mrn(ctx, ORAL)
    with acting(ctx, "pharm.chen"):
        typed.taper_apply(ctx, typed.TaperText(mrn=mrn, step_mg=5, every_days=3), "Dr Who")
    return pid


def _cancel_taper(ctx):
    mrn, pid = _mrn(ctx, ORAL)
    with acting(ctx, "pharm.chen"):
        typed.taper_apply(ctx, typed.TaperText(mrn=mrn, step_mg=5, every_days=3,
                                             start=NOW.date()), "Dr Who")
        ctx.take_changes()
        typed.taper_cancel(ctx, mrn, "plan changed", NOW + timedelta(hours=1))
    return pid


def _set_pump(ctx):
    mrn, pid = _mrn(ctx, ITB)
    with acting(ctx, "charge.silva"):
        typed.set_pump(ctx, mrn, serial="NEW-1")
    return pid


def _refill(ctx):
    mrn, pid = _mrn(ctx, ITB)
    typed.refill_pump(ctx, typed.RefillText(mrn=mrn, volume_ml=20, conc_mcg_ml=500, daily_mcg=300,
                                           witness="nurse.okafor"))
    return pid


def _alarm(ctx):
    mrn, pid = _mrn(ctx, ITB)
    typed.record_alarm(ctx, mrn, "low_reservoir")
    return pid


def _checklist_step(ctx):
    from ward_app.domain.pump_checklist import Step
    from ward_app.services.pump_checklists import record_step

    mrn, pid = _mrn(ctx, ITB)
    typed.record_alarm(ctx, mrn, "critical")  # opens the pump failure checklist
    ctx.take_changes()
    record_step(ctx, pid, Step.ITB_CALLED, who_called="Dr Rao, ITB team")
    return pid


def _resolve_alarm(ctx):
    from ward_app.services import pumps

    mrn, pid = _mrn(ctx, ITB)
    alarm = typed.record_alarm(ctx, mrn, "critical")
    ctx.take_changes()
    pumps.resolve_alarm(ctx, pid, alarm.id, "pump restarted", "Dr Rao, ITB team")
    return pid


def _pump_event(ctx):
    from ward_app.domain.pump import EventKind
    from ward_app.services import pumps

    _mrn_text, pid = _mrn(ctx, ITB)
    pumps.record_event(ctx, pid, EventKind.MRI, "1.5 T")
    return pid


def _setting(ctx):
    with acting(ctx, "admin"):
        typed.set_setting(ctx, "dose.window_min", "45")


def _tz(ctx):
    with acting(ctx, "admin"):
        # the demo ward has records: only its own zone may be set again (issue 14)
        settings.set_ward_timezone(ctx, "Europe/London")


def _add_user(ctx):
    with acting(ctx, "admin"):
        admin.add_user(ctx, "nurse.new", "nurse", PASSWORD)


def _reset_password(ctx):
    with acting(ctx, "admin"):
        auth.reset_password(ctx, "nurse.okafor", PASSWORD)


def _wrong_witness_password(ctx):
    from ward_app.domain.errors import Refused
    from ward_app.storage import people

    with pytest.raises(Refused, match="witness password"):  # refused, yet audited and counted
        auth.prove_witness(ctx, people.user_by_name(ctx.db, "nurse.jones"), "not the password")


def _deactivate(ctx):
    with acting(ctx, "admin"):
        admin.deactivate_user(ctx, "nurse.jones", "left the ward")


def _reactivate(ctx):
    with acting(ctx, "admin"):
        admin.deactivate_user(ctx, "nurse.jones", "left the ward")
        ctx.take_changes()
        admin.reactivate_user(ctx, "nurse.jones")


def _login(ctx):
    auth.login(ctx, "nurse.okafor", "ward-demo")


def _backup(ctx):
    with acting(ctx, "admin"):
        admin.make_backup(ctx)


def _daily(ctx):
    backups.daily_backup(ctx)


def _handover(ctx):
    with acting(ctx, "charge.silva"):
        sheet = handover.build_handover(ctx)
        ctx.take_changes()
        handover.record_printed(ctx, sheet, "printed", 2)


def _handover_note(ctx):
    pid = _mrn(ctx, ORAL)[1]
    handover.set_note(ctx, pid, "Family visiting at 10:00")
    return pid


def _take_over(ctx):
    view = handover.take_over_view(ctx)
    handover.take_over(ctx, confirmed=tuple(u.bed for u in view.unstable))


def _park(ctx):
    parked_forms.park(ctx, "observations", _mrn(ctx, ORAL)[1], {"rr": "18"})


def _parked_then(what):
    def run(ctx):
        form_id = parked_forms.park(ctx, "observations", _mrn(ctx, ORAL)[1], {"rr": "18"})
        ctx.take_changes()
        what(ctx, form_id)
    return run


def _read(ctx):
    with acting(ctx, "pharm.chen"):  # any role may read
        reads.record_read(ctx, "chart", _mrn(ctx, ORAL)[1])


CASES: dict[str, tuple[Callable[[Context], int | None], set[Kind]]] = {
    "mar.give_dose": (_give, {Kind.DOSES}),
    "mar.omit_dose": (_omit, {Kind.DOSES}),
    "mar.correct_record": (_correct, {Kind.DOSES}),
    "mar.give_bolus": (_bolus, {Kind.DOSES}),
    "observations.add_observation": (_obs, {Kind.OBSERVATIONS}),
    "observations.correct_observation": (_correct_obs, {Kind.OBSERVATIONS}),
    "alerts.acknowledge": (_ack, {Kind.ACKS}),
    "patients.add_patient": (_add_patient, {Kind.PATIENT}),
    "patients.set_patient": (_set_patient, {Kind.PATIENT}),
    "patients.add_lab": (_lab, {Kind.PATIENT}),
    "admissions.transfer": (_transfer, {Kind.PATIENT}),
    "admissions.discharge": (_discharge, {Kind.PATIENT}),
    "patients.add_comedication": (_comed, {Kind.PATIENT}),
    "patients.stop_comedication": (_stop_comed, {Kind.PATIENT}),
    "orders.add_order": (_order, {Kind.ORDERS}),
    "orders.stop_order": (_stop_order, {Kind.ORDERS}),
    "tapers.apply": (_taper, {Kind.ORDERS}),
    "tapers.cancel": (_cancel_taper, {Kind.ORDERS}),
    "pumps.set_pump": (_set_pump, {Kind.PUMP}),
    "pumps.refill_pump": (_refill, {Kind.PUMP}),
    "pumps.record_alarm": (_alarm, {Kind.PUMP}),
    "pump_checklists.record_step": (_checklist_step, {Kind.PUMP}),
    "pumps.resolve_alarm": (_resolve_alarm, {Kind.PUMP}),
    "pumps.record_event": (_pump_event, {Kind.PUMP}),
    "settings.set_setting": (_setting, {Kind.SETTINGS}),
    "settings.set_ward_timezone": (_tz, {Kind.SETTINGS}),
    "admin.add_user": (_add_user, {Kind.USERS}),
    "auth.reset_password": (_reset_password, {Kind.USERS}),
    "auth.login": (_login, {Kind.USERS}),
    "auth._prove": (_wrong_witness_password, {Kind.USERS}),
    "admin.deactivate_user": (_deactivate, {Kind.USERS}),
    "admin.reactivate_user": (_reactivate, {Kind.USERS}),
    "admin.make_backup": (_backup, {Kind.AUDIT}),
    "backups.after_daily": (_daily, {Kind.AUDIT}),
    "handover.record_printed": (_handover, {Kind.AUDIT}),
    "handover.set_note": (_handover_note, {Kind.PATIENT}),
    "handover.take_over": (_take_over, {Kind.AUDIT}),
    "parked_forms.park": (_park, {Kind.AUDIT}),
    "parked_forms.restored": (_parked_then(parked_forms.restored), {Kind.AUDIT}),
    "parked_forms.discard": (_parked_then(parked_forms.discard), {Kind.AUDIT}),
    "parked_forms.saved": (_parked_then(parked_forms.saved), {Kind.AUDIT}),
    "reads.record_read": (_read, {Kind.AUDIT}),
    "scanning.read_scan": (_scan_wristband, {Kind.AUDIT}),
    "scanning.save_pack": (_save_pack, {Kind.AUDIT}),
    "fhir_export.export_fhir": (_export_fhir, {Kind.AUDIT}),
}
WARD_WIDE = {"settings.set_setting", "settings.set_ward_timezone"}
# built on an empty database, so tested on their own below; the ward server's need a PostgreSQL
# server (tests/services/test_sync.py checks what they report)
ELSEWHERE = {"admin.init_ward", "demo.build_demo", "sync.init_server", "sync.join"}


def test_the_cases_cover_every_write_use_case():
    assert _write_use_cases() == set(CASES) | ELSEWHERE


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_write_use_case_reports_its_changes(demo_ward, name):
    run, kinds = CASES[name]
    demo_ward.take_changes()
    pid = run(demo_ward)
    changes = demo_ward.take_changes()
    assert changes, f"{name} reported no changes"
    assert kinds <= changes.kinds
    if pid is not None:
        assert pid in changes.patient_ids and changes.touches(pid)
    assert changes.ward == (name in WARD_WIDE)
    assert not demo_ward.take_changes()  # taken once


def test_init_and_the_demo_ward_change_the_whole_ward(tmp_path):
    ctx = admin.init_ward(tmp_path / "w.db", ward="Ward 7", tz="Europe/London",
                          admin_password=ADMIN_PASSWORD, clock=fixed_clock, drill=True)
    try:
        assert ctx.take_changes().ward
        build_demo(ctx, patients=2, days=2)
        changes = ctx.take_changes()
        assert changes.ward and Kind.DOSES in changes.kinds and changes.touches(12345)
    finally:
        ctx.close()


def test_a_refused_write_reports_nothing(demo_ward):
    mrn, _pid = _mrn(demo_ward, MISSED_TWO)
    typed.give(demo_ward, mrn, DUE_0800.isoformat(), at=GIVEN_AT)
    demo_ward.take_changes()
    with pytest.raises(InvalidInput):
        typed.give(demo_ward, mrn, DUE_0800.isoformat(), at=GIVEN_AT)
    assert not demo_ward.take_changes()


def test_a_rolled_back_transaction_reports_nothing(demo_ward):
    with pytest.raises(RuntimeError), demo_ward.write(Kind.DOSES, 1):
        raise RuntimeError("boom")
    assert not demo_ward.take_changes()
    with demo_ward.write(Kind.DOSES, 1), demo_ward.write(Kind.ACKS, 2):  # nested: savepoint
        pass
    assert demo_ward.take_changes() == Changes.of(Kind.DOSES, Kind.ACKS, patients=[1, 2])


def test_changes_combine():
    a = Changes.of(Kind.DOSES, patients=[1])
    b = Changes.of(Kind.ACKS, patients=[2], ward=True)
    assert (a | b) == Changes(frozenset({1, 2}), frozenset({Kind.DOSES, Kind.ACKS}), True)
    assert a.touches(1) and not a.touches(2) and (a | b).touches(99)
    assert a.any_of(Kind.DOSES, Kind.PUMP) and not a.any_of(Kind.PUMP)
    assert not Changes() and Changes.everything().ward and Changes(ward=True)


def test_a_targeted_refresh_gives_the_same_rows_and_alerts_as_the_whole_ward(demo_ward):
    """What the window shows after a write (only the changed patients worked out again) is what
    a full refresh would show for them."""
    from ward_app.services.board import board_rows, ward_overview

    whole = ward_overview(demo_ward)
    assert len(whole.rows) == 24
    for row in whole.rows:
        part = ward_overview(demo_ward, patient_ids=[row.patient_id])
        assert part.rows == [row]
        assert part.alerts == whole.alerts_for(row.patient_id)
        assert alerts.ward_alerts(demo_ward, patient_ids=[row.patient_id]) == part.alerts
    some = [r.patient_id for r in whole.rows[:3]]
    assert board_rows(demo_ward, some) == whole.rows[:3]


def test_board_counts_late_and_missed_from_the_record(demo_ward):
    """Late/missed on the board are the MAR states, and agree with the dose alerts."""
    whole = ward_overview_at(demo_ward)
    for row in whole.rows:
        found = whole.alerts_for(row.patient_id)
        rules = [a.rule for a in found]
        assert (row.late, row.missed) == (rules.count("dose.late"), rules.count("dose.missed"))
        assert row.obs_overdue == any(a.rule == "monitoring.overdue" and ":obs" in a.key
                                      for a in found)
    from ward_app.services.board import ward_overview

    later = ward_overview(demo_ward, NOW + timedelta(hours=8))  # some sets fall due meanwhile
    for row in later.rows:
        assert row.obs_overdue == any(a.rule == "monitoring.overdue" and ":obs" in a.key
                                      for a in later.alerts_for(row.patient_id))
    assert any(r.obs_overdue for r in later.rows)
    eleni = whole.row_for(_mrn(demo_ward, MISSED_TWO)[1])
    assert eleni is not None and (eleni.late, eleni.missed) == (0, 2)
    typed.give(demo_ward, eleni.mrn, DUE_0800.isoformat(), at=GIVEN_AT)
    assert ward_overview_at(demo_ward).row_for(eleni.patient_id).missed == 1  # type: ignore[union-attr]


def ward_overview_at(ctx):
    from ward_app.services.board import ward_overview

    return ward_overview(ctx)


def test_the_board_says_when_a_taper_is_running(demo_ward):
    mrn, pid = _mrn(demo_ward, ORAL)
    row = next(r for r in ward_board(demo_ward) if r.patient_id == pid)
    assert not row.taper_active
    with acting(demo_ward, "pharm.chen"):
        typed.taper_apply(demo_ward, typed.TaperText(mrn=mrn, step_mg=5, every_days=3,
                                                   start=NOW.date()), "Dr Who")
    row = next(r for r in ward_board(demo_ward) if r.patient_id == pid)
    assert row.taper_active and "taper" in row.dose
