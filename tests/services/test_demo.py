from __future__ import annotations

import json

import pytest

from tests.conftest import ADMIN_PASSWORD, acting, database_state, fixed_clock
from ward_app.domain.errors import Refused
from ward_app.services.admin import init_ward
from ward_app.services.board import ward_board
from ward_app.services.demo import DEMO_USERS, build_demo


def test_demo_ward_has_a_realistic_mix(demo_ward):
    rows = ward_board(demo_ward)
    assert len(rows) == 24 and [r.bed for r in rows] == [str(i) for i in range(1, 25)]
    routes = [r.route for r in rows]
    assert routes.count("intrathecal") == 8
    assert routes.count("oral") + routes.count("enteral") == 14
    assert routes.count("") == 2
    names = {r.name for r in rows}
    assert {"Łukasz Żółć", "Zoë Ní Bhriain"} <= names
    assert any(any(ord(ch) > 255 for ch in n) for n in names)  # beyond Latin-1
    db = demo_ward.db
    over = db.execute("SELECT override_reason FROM orders WHERE dose_mg * json_array_length(times)"
                      " > 80 AND action != 'stop'").fetchall()
    assert over and all(reason for (reason,) in over)
    egfrs = [e for (e,) in db.execute("SELECT egfr FROM lab_results WHERE egfr IS NOT NULL")]
    assert any(30 <= e < 60 for e in egfrs) and any(e < 30 for e in egfrs)
    flags = {f for (f,) in db.execute("SELECT flag FROM patient_flags")}
    assert {"dementia", "pregnancy", "epilepsy"} <= flags
    drugs = {d for (d,) in db.execute("SELECT drug FROM comedications")}
    assert {"Oxycodone", "Lorazepam"} <= drugs
    concs = {c for (c,) in db.execute("SELECT conc_mcg_ml FROM pump_refills")}
    assert len(concs) >= 3
    users = {u for (u,) in db.execute("SELECT name FROM users")}
    assert {u for u, _, _ in DEMO_USERS} <= users


def test_one_pump_is_close_to_its_refill_date(demo_ward):
    """days to alarm = (volume - alarm) x concentration / daily dose (clinical-rules §6, derived), from
    each pump's last refill: exactly one pump must be refilled within the week, none is past its
    alarm date."""
    from tests.conftest import NOW
    from ward_app.domain.pump import pump_dates
    from ward_app.services.pumps import pump_states

    t = demo_ward.thresholds()
    dates = [pump_dates(s.last_refill, t, demo_ward.zone) for s in pump_states(demo_ward, NOW).values()
             if s.last_refill is not None]
    assert len(dates) == 8
    within_week = [d for d in dates if (d.refill_by - NOW.date()).days <= 7]
    assert len(within_week) == 1 and all(d.alarm_at > NOW for d in dates)


def test_same_seed_same_ward_other_seed_other_mrns(tmp_path):
    def make(name, seed):
        ctx = init_ward(tmp_path / name, ward="Ward 7", tz="Europe/London",
                        admin_password=ADMIN_PASSWORD, clock=fixed_clock, drill=True)
        build_demo(ctx, seed=seed)
        mrns = [r.mrn for r in ward_board(ctx)]
        ctx.close()
        return mrns

    first = make("a.db", 1)
    assert make("b.db", 1) == first
    assert make("c.db", 2) != first


def test_demo_refuses_a_ward_that_already_has_patients(demo_ward, db_path):
    before = database_state(db_path)
    with acting(demo_ward, "admin"), pytest.raises(Refused, match="already has patients"):
        build_demo(demo_ward)
    assert database_state(db_path) == before


def test_demo_is_all_or_nothing(db_path, monkeypatch):
    from ward_app.services import demo

    def broken(_ward):
        raise RuntimeError("history builder failed")

    monkeypatch.setattr(demo, "HISTORY", [*demo.HISTORY, broken])
    ctx = init_ward(db_path, ward="Ward 7", tz="Europe/London", admin_password=ADMIN_PASSWORD,
                    clock=fixed_clock, drill=True)
    try:
        before = database_state(db_path)
        with pytest.raises(RuntimeError):
            build_demo(ctx)
        assert database_state(db_path) == before
    finally:
        ctx.close()


def test_demo_refuses_a_live_ward(ward, db_path):
    """The demo's made-up patients never go into a live ward, even an empty one."""
    before = database_state(db_path)
    with pytest.raises(Refused, match="live ward, not a drill ward") as refused:
        build_demo(ward)
    assert refused.value.exit_code == 1 and database_state(db_path) == before


def test_the_demo_ward_is_a_drill_ward(demo_ward):
    from ward_app.services.entry_time import is_drill

    assert is_drill(demo_ward)


def test_demo_mar_history_is_realistic(demo_ward):
    from ward_app.services.alerts import ward_alerts

    db = demo_ward.db
    counts = dict(db.execute("SELECT outcome, count(*) FROM administrations GROUP BY outcome"))
    total = sum(counts.values())
    assert total > 1000  # 14 oral/enteral patients x 3-4 doses x 30 days
    assert counts["given"] / total > 0.85
    assert counts.get("given_late", 0) > 10
    not_given = sum(counts.get(k, 0) for k in ("omitted", "refused", "held", "not_available"))
    assert not_given > 10
    assert counts.get("entered_in_error") == 1
    reasons = {r for (r,) in db.execute("SELECT DISTINCT reason_code FROM administrations "
                                        "WHERE reason_code IS NOT NULL")}
    assert {"refused", "asleep", "vomiting"} <= reasons
    missed = [a for a in ward_alerts(demo_ward) if a.rule == "dose.missed"]
    assert {a.name for a in missed} == {"Eleni Papadopoulou"} and len(missed) == 2
    assert any(a.rule == "withdrawal.watch" and a.name == "Eleni Papadopoulou"
               for a in ward_alerts(demo_ward))


def _at(text):
    """``now_in`` for a moment given as --now would give it (ward time without an offset)."""
    from ward_app.domain.clock import parse_moment

    return lambda zone: parse_moment(text, zone, "now")


def test_gui_demo_database_is_remade_on_a_new_day_only(tmp_path):
    from ward_app.services.demo import ensure_demo_database
    from ward_app.storage.database import open_database

    path = tmp_path / "demo-ward.db"

    def built():
        db, _ = open_database(path)
        try:
            # the act time the demo was made for (the audit row's own time is the system clock)
            return [json.loads(d)["act_at"] for (d,) in
                    db.execute("SELECT detail FROM audit WHERE action = 'demo'")]
        finally:
            db.close()

    assert ensure_demo_database(path, _at("2026-11-20T09:00"), patients=4, days=2) == "nurse.jones"
    assert built() == ["2026-11-20T09:00:00+00:00"]
    ensure_demo_database(path, _at("2026-11-20T18:00"), patients=4, days=2)
    assert built() == ["2026-11-20T09:00:00+00:00"]  # same day: kept, with anything recorded
    ensure_demo_database(path, _at("2026-11-21T08:00"), patients=4, days=2)
    assert built() == ["2026-11-21T08:00:00+00:00"]


def test_gui_demo_refuses_to_replace_a_real_ward(ward, db_path):
    from ward_app.services.context import system_clock
    from ward_app.services.demo import ensure_demo_database

    before = database_state(db_path)
    with pytest.raises(Refused, match="not a demo ward"):
        ensure_demo_database(db_path, lambda zone: system_clock())
    assert database_state(db_path) == before


def test_the_log_in_hint_names_the_demo_admin_and_the_password_works_for_them(tmp_path):
    """Issue 16: on the demo ward the admin can log in (Settings, users) with the demo password."""
    from ward_app.services.auth import login
    from ward_app.services.context import open_context
    from ward_app.services.demo import DEMO_PASSWORD, create_demo_database, demo_hint

    assert "admin (administrator" in demo_hint() and DEMO_PASSWORD in demo_hint()
    path = tmp_path / "demo.db"
    create_demo_database(path, clock=fixed_clock, patients=2, days=2, seed=1)
    ctx = open_context(path, clock=fixed_clock)
    try:
        login(ctx, "admin", DEMO_PASSWORD)
        assert ctx.actor is not None and ctx.actor.role == "admin"
    finally:
        ctx.close()
