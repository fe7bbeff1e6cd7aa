"""Entry time: every record stores when it was entered (the system clock, which no option sets)
beside its act time; the audit trail is timed by the system clock; a live ward refuses act times
ahead of the clock; a record entered more than record.late_entry_minutes after its act is marked."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import typed
from tests.conftest import NOW, ROLE_USERS, acting, database_state
from ward_app.domain.entry import entered_late
from ward_app.domain.errors import InvalidInput
from ward_app.domain.mar import State
from ward_app.services import mar
from ward_app.services.entry_time import check_act_time, is_drill
from ward_app.services.patients import NewPatient, add_patient

NURSE, CHARGE, PHARMACIST = ROLE_USERS["nurse"], ROLE_USERS["charge_nurse"], ROLE_USERS["pharmacist"]


class Clock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def clocks(ward):
    """The ward (acting as its nurse) with an act clock and an entry clock set apart; RX1 on
    oral baclofen TDS (08:00, 14:00, 22:00) since 07:00."""
    act, entry = Clock(NOW.replace(hour=7)), Clock(NOW.replace(hour=7))
    ward.clock, ward.entry_clock = act, entry
    with acting(ward, CHARGE):
        add_patient(ward, NewPatient(mrn="RX1", name="Test Patient", dob=date(1970, 1, 1), bed="1"))
    with acting(ward, PHARMACIST):
        typed.add_order(ward, typed.OrderText(mrn="RX1", route="oral", dose_mg=10, freq="TDS"))
    with acting(ward, NURSE):
        yield ward, act, entry


def _row(ctx, sql: str) -> tuple:
    return ctx.db.execute(sql).fetchone()


def test_a_back_charted_dose_keeps_its_act_time_and_stores_the_real_entry_time(clocks):
    ctx, act, entry = clocks
    act.moment, entry.moment = NOW.replace(hour=8, minute=5), NOW.replace(hour=10, minute=5)
    typed.give(ctx, "RX1", "08:00")
    administered, entered = _row(ctx, "SELECT administered_at, entered_at FROM administrations")
    assert (administered, entered) == ("2026-11-25T08:05:00+00:00", "2026-11-25T10:05:00+00:00")
    _patient, entries = typed.mar_day(ctx, "RX1")
    first = entries[0]
    assert first.state is State.GIVEN and first.entered_late
    assert first.entered_at == NOW.replace(hour=10, minute=5)
    shown = first.to_json(ctx.zone)
    assert (shown["entered_at"], shown["entered_late"]) == ("2026-11-25T10:05:00+00:00", True)
    assert not entries[1].entered_late and entries[1].to_json(ctx.zone)["entered_at"] is None


def test_the_audit_row_is_timed_by_the_system_clock_and_keeps_the_act_time(clocks):
    ctx, act, entry = clocks
    act.moment, entry.moment = NOW.replace(hour=8, minute=5), NOW.replace(hour=10, minute=5)
    typed.give(ctx, "RX1", "08:00")
    at, detail = _row(ctx, "SELECT at, detail FROM audit WHERE action LIKE 'dose.%'")
    assert at == "2026-11-25T10:05:00+00:00"
    assert json.loads(detail)["act_at"] == "2026-11-25T08:05:00+00:00"


def test_an_audit_row_written_at_its_act_time_has_no_act_time_in_its_detail(clocks):
    ctx, act, entry = clocks
    act.moment = entry.moment = NOW.replace(hour=8, minute=5)
    typed.give(ctx, "RX1", "08:00")
    at, detail = _row(ctx, "SELECT at, detail FROM audit WHERE action LIKE 'dose.%'")
    assert at == "2026-11-25T08:05:00+00:00" and "act_at" not in json.loads(detail)


@pytest.mark.parametrize(("minutes", "late"), [(0, False), (15, False), (16, True)])
def test_a_record_entered_within_the_setting_is_not_late(clocks, minutes, late):
    ctx, act, entry = clocks
    act.moment = NOW.replace(hour=8, minute=5)
    entry.moment = act.moment + timedelta(minutes=minutes)
    typed.give(ctx, "RX1", "08:00")
    assert typed.mar_day(ctx, "RX1")[1][0].entered_late is late


def test_the_late_entry_setting_is_honoured(clocks):
    ctx, act, entry = clocks
    with acting(ctx, "admin"):
        typed.set_setting(ctx, "record.late_entry_minutes", "60")
    act.moment, entry.moment = NOW.replace(hour=8, minute=5), NOW.replace(hour=8, minute=50)
    typed.give(ctx, "RX1", "08:00")
    assert not typed.mar_day(ctx, "RX1")[1][0].entered_late


def test_entry_and_act_times_in_different_zones_compare_as_moments():
    london = ZoneInfo("Europe/London")  # BST in July: 11:00 London is 10:00 UTC
    act = datetime(2026, 7, 1, 11, 0, tzinfo=london)
    assert not entered_late(act, datetime(2026, 7, 1, 10, 10, tzinfo=UTC), 15)
    assert entered_late(act, datetime(2026, 7, 1, 10, 16, tzinfo=UTC), 15)
    assert not entered_late(act, None, 15)  # entered before entry times were kept: not late


def test_every_clinical_record_stores_its_entry_time(clocks):
    ctx, act, entry = clocks
    act.moment, entry.moment = NOW.replace(hour=8, minute=5), NOW.replace(hour=8, minute=7)
    typed.give(ctx, "RX1", "08:00")
    typed.add_observation(ctx, typed.ObsText(mrn="RX1", rr=16))
    with acting(ctx, CHARGE):
        typed.add_lab(ctx, "RX1", egfr=80)
        typed.add_comedication(ctx, "RX1", "Lorazepam")
    for table in ("orders", "administrations", "observations", "lab_results", "comedications"):
        stored = {r[0] for r in ctx.db.execute(f"SELECT entered_at FROM {table}")}  # noqa: S608
        assert None not in stored, table
    entered = {r[0] for r in ctx.db.execute(
        "SELECT entered_at FROM administrations UNION SELECT entered_at FROM observations "
        "UNION SELECT entered_at FROM lab_results UNION SELECT entered_at FROM comedications")}
    assert entered == {"2026-11-25T08:07:00+00:00"}


def test_a_live_ward_refuses_an_act_time_ahead_of_the_system_clock(clocks, db_path):
    ctx, act, entry = clocks
    assert not is_drill(ctx)
    # the act clock (--now) 6 minutes ahead of the system clock: a time taken "now" is refused
    with acting(ctx, CHARGE):
        typed.set_pump(ctx, "RX1", model="SynchroMed II")
    act.moment, entry.moment = NOW.replace(hour=10), NOW.replace(hour=9, minute=54)
    before = database_state(db_path)
    with pytest.raises(InvalidInput, match="ahead of this computer's clock") as refused:
        typed.add_observation(ctx, typed.ObsText(mrn="RX1", rr=16))
    assert refused.value.field == "taken" and refused.value.exit_code == 2
    with pytest.raises(InvalidInput, match="ahead of this computer's clock"):
        typed.record_alarm(ctx, "RX1", "low_reservoir")
    assert database_state(db_path) == before
    check_act_time(ctx, NOW.replace(hour=9, minute=5), "now")  # 5 minutes ahead: clocks drift


def test_a_drill_ward_may_run_ahead_of_the_clock(demo_ward):
    assert is_drill(demo_ward)
    demo_ward.entry_clock = lambda: NOW - timedelta(days=3)
    assert check_act_time(demo_ward, NOW, "now") == NOW
    mrn = demo_ward.db.execute("SELECT mrn FROM patients ORDER BY id LIMIT 1").fetchone()[0]
    done = typed.add_observation(demo_ward, typed.ObsText(mrn=mrn, rr=16))
    assert done.observation.taken_at == NOW


def test_mar_entries_carry_entry_time_typed(clocks):
    ctx, act, entry = clocks
    act.moment, entry.moment = NOW.replace(hour=8, minute=5), NOW.replace(hour=8, minute=5)
    typed.give(ctx, "RX1", "08:00")
    first = mar.mar_day(ctx, typed.pid(ctx, "RX1"))[1][0]
    assert isinstance(first.entered_at, datetime) and first.entered_late is False


def test_rows_from_before_entry_times_keep_none_and_are_not_late(tmp_path):
    """An older database upgraded by m013_entry_times: its rows have no entry time (NULL), and its
    ward is not a drill ward."""
    import shutil
    from pathlib import Path

    from ward_app.services.context import open_context

    path = tmp_path / "old.db"
    shutil.copyfile(Path(__file__).parent.parent / "data" / "schema-0.1.0.db", path)
    ctx = open_context(path)
    try:
        orders = ctx.db.execute("SELECT count(*), count(entered_at) FROM orders").fetchone()
        assert orders[0] > 0 and orders[1] == 0
        assert not is_drill(ctx)
    finally:
        ctx.close()


def test_the_audit_trail_shows_entry_and_act_time(clocks):
    from ward_app.services import audit_log

    ctx, act, entry = clocks
    act.moment, entry.moment = NOW.replace(hour=8, minute=5), NOW.replace(hour=10, minute=5)
    typed.give(ctx, "RX1", "08:00")
    with acting(ctx, "admin"):
        found = [e for e in audit_log.search(ctx) if e.action.startswith("dose.")]
    (e,) = found
    assert e.at == NOW.replace(hour=10, minute=5) and e.act_at == NOW.replace(hour=8, minute=5)
    assert e.entered_late and "act_at" not in e.detail_text()
    header, row = audit_log.to_csv(found).splitlines()[:2]
    assert header.startswith("Entered,Act time,")
    assert row.startswith("2026-11-25T10:05:00+00:00,2026-11-25T08:05:00+00:00 (entered late),")
