"""Who may do what (the CLI contract's "Who may run what", ward_app.domain.roles): every role
against a representative service call per action, the refusal saying who can, reading open to
everyone, and who may witness."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests import typed
from tests.conftest import ADMIN_PASSWORD, NOW, PASSWORD, acting, database_state, fixed_clock
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.roles import ALLOWED, Action, Role, can, why_not
from ward_app.services import admin, mar, pumps, scanning, settings
from ward_app.services import observations as obs
from ward_app.services import patients as pts
from ward_app.services.alerts import acknowledge, ward_alerts
from ward_app.services.auth import reset_password
from ward_app.services.board import ward_board
from ward_app.services.context import Context, open_context
from ward_app.services.demo import build_demo
from ward_app.services.handover import (
    build_handover,
    record_printed,
    set_note,
    take_over,
    take_over_view,
)
from ward_app.storage import audit

#: One user per role (the admin is the database's first user).
USERS = {"nurse": "nurse.test", "charge_nurse": "charge.test", "pharmacist": "pharm.test",
         "admin": "admin"}
#: A second nurse, to witness for anyone.
WITNESS = "nurse.two"
#: The service account a scheduled backup runs as (backups only; not in USERS, which are people).
SERVICE = "backup.svc"

#: The CLI contract's table (plus who may witness), written out independently of
#: ward_app.domain.roles.ALLOWED.
NURSE_ACTIONS = {Action.READ, Action.RECORD_DOSE, Action.RECORD_OBS, Action.ADD_LAB, Action.REFILL_PUMP,
                 Action.PUMP_ALARM, Action.ACK_ALERT, Action.WITNESS, Action.HANDOVER_NOTE,
                 Action.TAKE_OVER, Action.SYNC}
EXPECTED = {
    "nurse": NURSE_ACTIONS,
    "charge_nurse": NURSE_ACTIONS | {Action.EDIT_PATIENT, Action.SET_PUMP, Action.HANDOVER,
                                     Action.COMED, Action.EXPORT},
    "pharmacist": {Action.READ, Action.COMED, Action.ORDER, Action.TAPER, Action.EXPORT,
                   Action.WITNESS, Action.SYNC, Action.PACKS},
    "admin": {Action.READ, Action.ADMIN, Action.BACKUP, Action.EXPORT, Action.SYNC},
    "service": {Action.BACKUP, Action.SYNC},
}
#: What a refusal tells the user to do instead.
ASK = {
    **{a: "ask a nurse or a charge nurse" for a in NURSE_ACTIONS - {Action.WITNESS}},
    Action.READ: "ask a nurse or a charge nurse or a pharmacist or an administrator",
    Action.BACKUP: "ask an administrator or a service account",
    Action.WITNESS: "ask a nurse or a charge nurse or a pharmacist",
    Action.EDIT_PATIENT: "ask a charge nurse",
    Action.SET_PUMP: "ask a charge nurse",
    Action.HANDOVER: "ask a charge nurse",
    Action.COMED: "ask a charge nurse or a pharmacist",
    Action.ORDER: "ask a pharmacist",
    Action.TAPER: "ask a pharmacist",
    Action.ADMIN: "ask an administrator",
    Action.EXPORT: "ask a charge nurse or a pharmacist or an administrator",
    Action.PACKS: "ask a pharmacist",
}
WHO = {"nurse": "A nurse", "charge_nurse": "A charge nurse", "pharmacist": "A pharmacist",
       "admin": "An administrator", "service": "A service account"}

#: The 08:00 dose is given at 09:50: at 10:00 it could no longer be caught up (clinical-rules §9).
GIVEN_AT = NOW - timedelta(minutes=10)


def build_ward(path: Path) -> None:
    """Ward 7 at NOW: RX1 on oral baclofen 20 mg TDS with a sedation alert (its 08:00 dose not yet
    recorded), RX2 on intrathecal baclofen with a pump, RX3 with no order; each step done by the
    role that does it. Users: USERS and WITNESS, password PASSWORD (the admin has none)."""
    ctx = admin.init_ward(path, ward="Ward 7", tz="Europe/London",
                          admin_password=ADMIN_PASSWORD, clock=fixed_clock)
    try:
        for role, name in [*((r, n) for r, n in USERS.items() if r != "admin"), ("nurse", WITNESS)]:
            admin.add_user(ctx, name, role, PASSWORD)
        admin.add_user(ctx, SERVICE, "service", PASSWORD)
        with acting(ctx, USERS["charge_nurse"]):
            for mrn, name, bed in [("RX1", "Oral Patient", "1"), ("RX2", "Pump Patient", "2"),
                                   ("RX3", "New Patient", "3")]:
                pts.add_patient(ctx, pts.NewPatient(mrn=mrn, name=name, dob=date(1970, 1, 1),
                                                    bed=bed))
        with acting(ctx, USERS["pharmacist"]):
            typed.add_order(ctx, typed.OrderText(mrn="RX1", route="oral", dose_mg=20, freq="TDS",
                                                  start=NOW - timedelta(days=2)))
            typed.add_order(ctx, typed.OrderText(mrn="RX2", route="intrathecal", daily_mcg=400,
                                                  start=NOW - timedelta(days=1), witness=WITNESS))
        with acting(ctx, USERS["charge_nurse"]):
            typed.set_pump(ctx, "RX2", model="SynchroMed II 20 mL", reservoir_ml=20)
        with acting(ctx, USERS["nurse"]):
            typed.add_observation(ctx, typed.ObsText(mrn="RX1", poss="3"))
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def _template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("roles") / "roles.db"
    build_ward(path)
    return path


@pytest.fixture
def ward_path(tmp_path, _template) -> Path:
    path = tmp_path / "roles.db"
    shutil.copyfile(_template, path)
    return path


@pytest.fixture
def open_as(ward_path):
    opened: list[Context] = []

    def open_as(name: str) -> Context:
        ctx = open_context(ward_path, user=name, clock=fixed_clock)
        opened.append(ctx)
        return ctx

    yield open_as
    for ctx in opened:
        ctx.close()


def _ack(ctx: Context) -> object:
    alert = next(a for a in ward_alerts(ctx) if a.rule == "toxicity.sedation")
    return acknowledge(ctx, alert.id, "seen")


def _handover(ctx: Context) -> None:
    record_printed(ctx, build_handover(ctx), "print", 2)


#: A representative call per action; each one writes and audits when allowed. (WITNESS is not a
#: call of its own, see the witness tests; EXPORT has no service yet, see test_the_table...)
CALLS: dict[Action, Callable[[Context], object]] = {
    Action.RECORD_DOSE: lambda ctx: typed.give(ctx, "RX1", "08:00", at=GIVEN_AT),
    Action.RECORD_OBS: lambda ctx: typed.add_observation(ctx, typed.ObsText(mrn="RX1", rr=16)),
    Action.ADD_LAB: lambda ctx: typed.add_lab(ctx, "RX1", egfr=55),
    Action.REFILL_PUMP: lambda ctx: typed.refill_pump(ctx, typed.RefillText(
        mrn="RX2", volume_ml=20, conc_mcg_ml=2000, daily_mcg=400, witness=WITNESS)),
    Action.PUMP_ALARM: lambda ctx: typed.record_alarm(ctx, "RX2", "low_reservoir"),
    Action.ACK_ALERT: _ack,
    Action.EDIT_PATIENT: lambda ctx: pts.add_patient(ctx, pts.NewPatient(
        mrn="RX9", name="Admitted Today", dob=date(1975, 5, 5), bed="9")),
    Action.SET_PUMP: lambda ctx: typed.set_pump(ctx, "RX2", eri_date=date(2029, 5, 1)),
    Action.HANDOVER: _handover,
    Action.HANDOVER_NOTE: lambda ctx: set_note(ctx, typed.pid(ctx, "RX1"), "Family visiting"),
    Action.TAKE_OVER: lambda ctx: take_over(ctx, confirmed=("1", "2", "3")),
    Action.COMED: lambda ctx: typed.add_comedication(ctx, "RX1", "Lorazepam"),
    Action.ORDER: lambda ctx: typed.add_order(ctx, typed.OrderText(mrn="RX3", route="oral",
                                                                    dose_mg=5, freq="TDS")),
    Action.TAPER: lambda ctx: typed.taper_apply(ctx, typed.TaperText(mrn="RX1",
                                                                   start=date(2026, 12, 1)),
                                           "Dr Khan"),
    Action.ADMIN: lambda ctx: admin.add_user(ctx, "new.nurse", "nurse", PASSWORD),
    Action.BACKUP: lambda ctx: admin.make_backup(ctx),
    Action.PACKS: lambda ctx: scanning.save_pack(ctx, gtin="05000000000012",
                                                 product="Baclofen 10 mg tablets",
                                                 ingredient="baclofen", form="tablet", strength=10),
}

#: Every other service entry point that changes the record, by the action it needs. A refused
#: role must be stopped before anything else is looked at.
MORE_CALLS: list[tuple[Action, str, Callable[[Context], object]]] = [
    (Action.RECORD_DOSE, "omit_dose", lambda ctx: typed.omit(ctx, "RX1", "08:00", "refused")),
    (Action.RECORD_DOSE, "correct_record", lambda ctx: mar.correct_record(ctx, 1, "wrong patient")),
    (Action.RECORD_DOSE, "give_bolus", lambda ctx: typed.bolus(ctx, "RX2", 50, WITNESS)),
    (Action.RECORD_OBS, "correct_observation",
     lambda ctx: obs.correct_observation(ctx, 1, "wrong patient")),
    (Action.EDIT_PATIENT, "set_patient", lambda ctx: typed.set_patient(ctx, "RX1", set_flags=["npo"])),
    (Action.COMED, "stop_comedication", lambda ctx: typed.stop_comedication(ctx, "RX1", "Lorazepam")),
    (Action.ORDER, "stop_order",
     lambda ctx: typed.stop_order(ctx, "RX1", "serious_adverse_reaction", "Dr Khan")),
    (Action.TAPER, "preview", lambda ctx: typed.taper_preview(ctx, typed.TaperText(mrn="RX1"))),
    (Action.TAPER, "cancel", lambda ctx: typed.taper_cancel(ctx, "RX1", "spasms returned")),
    (Action.HANDOVER, "build_handover", build_handover),
    (Action.TAKE_OVER, "take_over_view", lambda ctx: take_over_view(ctx)),
    (Action.BACKUP, "make_backup", lambda ctx: admin.make_backup(ctx)),
    (Action.ADMIN, "set_setting",
     lambda ctx: typed.set_setting(ctx, "oral.max_daily_warning_mg", "70")),
    (Action.ADMIN, "build_demo", lambda ctx: build_demo(ctx)),
    (Action.ADMIN, "reset_password",
     lambda ctx: reset_password(ctx, USERS["nurse"], "a new long password")),
]


def test_the_table_is_the_one_in_the_design():
    assert {role.value: set(actions) for role, actions in ALLOWED.items()} == EXPECTED
    for role, actions in EXPECTED.items():
        for action in Action:
            assert can(role, action) is (action in actions), (role, action)


def test_a_charge_nurse_may_do_everything_a_nurse_may():
    assert ALLOWED[Role.NURSE] < ALLOWED[Role.CHARGE_NURSE]


def test_only_the_administrator_administers_and_every_action_has_someone():
    assert [r for r, acts in ALLOWED.items() if Action.ADMIN in acts] == [Role.ADMIN]
    assert all(any(a in acts for acts in ALLOWED.values()) for a in Action)


def test_an_unknown_role_may_do_nothing():
    assert not any(can("surgeon", a) for a in Action)


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.name)
@pytest.mark.parametrize("role", list(EXPECTED))
def test_why_not_names_who_can(role, action):
    reason = why_not(role, action)
    if action in EXPECTED[role]:
        assert reason is None
    else:
        assert reason == f"{WHO[role]} cannot {action.value}: {ASK[action]}."


def test_every_action_but_witness_export_and_read_has_a_representative_call():
    """(READ and SYNC are checked when logging in: see test_auth_settings_audit /
    tests/cli/test_identity_cli; every role may sync)"""
    assert set(CALLS) == set(Action) - {Action.WITNESS, Action.EXPORT, Action.READ, Action.SYNC}


@pytest.mark.parametrize("action", list(CALLS), ids=lambda a: a.name)
@pytest.mark.parametrize("role", list(USERS))
def test_each_role_may_do_what_the_table_allows_and_is_refused_the_rest(open_as, ward_path, role,
                                                                        action):
    ctx = open_as(USERS[role])
    assert ctx.can(action) is (action in EXPECTED[role])
    if action in EXPECTED[role]:
        assert ctx.why_not(action) is None
        CALLS[action](ctx)
        assert audit.entries(ctx.db, limit=1)[0]["user"] == USERS[role]  # attributed to them
        return
    before = database_state(ward_path)
    with pytest.raises(Refused) as info:
        CALLS[action](ctx)
    assert info.value.rule == "role.forbidden"
    assert str(info.value) == f"{WHO[role]} cannot {action.value}: {ASK[action]}."
    assert str(info.value) == ctx.why_not(action)  # the window says the same
    assert database_state(ward_path) == before


@pytest.mark.parametrize("action, _name, call", MORE_CALLS, ids=[n for _a, n, _c in MORE_CALLS])
def test_every_write_is_refused_to_the_roles_that_may_not(open_as, ward_path, action, _name, call):
    refused = [role for role, actions in EXPECTED.items() if action not in actions and role in USERS]
    assert refused
    before = database_state(ward_path)
    for role in refused:
        with pytest.raises(Refused) as info:
            call(open_as(USERS[role]))
        assert info.value.rule == "role.forbidden", role
        assert ASK[action] in str(info.value)
    assert database_state(ward_path) == before


def test_the_refusal_names_the_pharmacist_for_orders(open_as):
    with pytest.raises(Refused, match=r"^A nurse cannot prescribe, change or stop orders: ask a "
                                      r"pharmacist\.$"):
        CALLS[Action.ORDER](open_as(USERS["nurse"]))
    with pytest.raises(Refused, match="An administrator cannot record doses .*: ask a nurse or a "
                                      "charge nurse"):
        CALLS[Action.RECORD_DOSE](open_as("admin"))


def test_no_user_may_do_nothing(open_as):
    ctx = open_as("admin")
    ctx.actor = None
    assert not ctx.can(Action.RECORD_DOSE) and ctx.why_not(Action.RECORD_DOSE) == "No user is logged in."
    with pytest.raises(Refused, match="No user is acting") as info:
        CALLS[Action.RECORD_DOSE](ctx)
    assert info.value.rule == "user.required"  # the command line adds '--user NAME'



@pytest.mark.parametrize("role", list(USERS))
def test_reading_is_open_to_every_role(open_as, ward_path, role):
    ctx = open_as(USERS[role])
    before = database_state(ward_path)
    listed = pts.list_patients(ctx)
    assert [p.mrn for p in listed] == ["RX1", "RX2", "RX3"]
    assert len(ward_board(ctx)) == 3
    assert any(a.rule == "toxicity.sedation" for a in ward_alerts(ctx))
    _patient, entries = typed.mar_day(ctx, "RX1")
    assert [e.due.strftime("%H:%M") for e in entries] == ["08:00", "14:00", "22:00"]
    oral = pts.get_patient(ctx, "RX1")
    assert obs.history(ctx, oral, NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    assert pumps.pump_view(ctx, pts.get_patient(ctx, "RX2")) is not None
    assert typed.comedications(ctx, "RX1") == []
    assert settings.current(ctx)
    assert admin.check_database(ward_path).healthy
    assert database_state(ward_path) == before


# --- witnesses ------------------------------------------------------------------------------

WITNESSES = {"nurse": WITNESS, "charge_nurse": USERS["charge_nurse"],
             "pharmacist": USERS["pharmacist"], "admin": "admin"}


def _witness_id(ctx: Context, name: str) -> int:
    return ctx.db.execute("SELECT id FROM users WHERE name = ?", [name]).fetchone()[0]


@pytest.mark.parametrize("role", list(WITNESSES))
def test_who_may_witness_a_bolus(open_as, ward_path, role):
    ctx = open_as(USERS["nurse"])
    name = WITNESSES[role]
    if can(role, Action.WITNESS):
        done = typed.bolus(ctx, "RX2", 50, name)
        row = ctx.db.execute("SELECT witness_id FROM administrations WHERE id = ?",
                             [done.record_id]).fetchone()
        assert row == (_witness_id(ctx, name),)
        return
    before = database_state(ward_path)
    with pytest.raises(Refused, match="admin cannot witness") as info:
        typed.bolus(ctx, "RX2", 50, name)
    assert info.value.rule == "witness.role"
    assert "nurse, charge nurse or pharmacist" in str(info.value)
    assert database_state(ward_path) == before


@pytest.mark.parametrize("call", [
    lambda ctx, w: typed.refill_pump(ctx, typed.RefillText(mrn="RX2", volume_ml=20,
                                                           conc_mcg_ml=2000, daily_mcg=400,
                                                           witness=w)),
    lambda ctx, w: typed.give(ctx, "RX1", "08:00", witness=w, at=GIVEN_AT),
], ids=["pump refill", "oral dose"])
def test_an_administrator_cannot_witness_a_nurses_record(open_as, ward_path, call):
    ctx = open_as(USERS["nurse"])
    before = database_state(ward_path)
    with pytest.raises(Refused) as info:
        call(ctx, "admin")
    assert info.value.rule == "witness.role"
    assert database_state(ward_path) == before
    call(ctx, USERS["pharmacist"])  # a pharmacist may


def test_an_administrator_cannot_witness_an_intrathecal_order(open_as, ward_path):
    ctx = open_as(USERS["pharmacist"])
    new = typed.OrderText(mrn="RX3", route="intrathecal", daily_mcg=300, witness="admin")
    before = database_state(ward_path)
    with pytest.raises(Refused) as info:
        typed.add_order(ctx, new)
    assert info.value.rule == "witness.role"
    assert database_state(ward_path) == before
    made = typed.add_order(ctx, typed.OrderText(mrn="RX3", route="intrathecal", daily_mcg=300,
                                                 witness=USERS["charge_nurse"]))
    assert made.describe() == "intrathecal 300 mcg/day"


@pytest.mark.parametrize("role", ["nurse", "charge_nurse"])
def test_the_witness_must_differ_from_the_recorder(open_as, ward_path, role):
    ctx = open_as(USERS[role])
    before = database_state(ward_path)
    with pytest.raises(InvalidInput, match="different user") as info:
        typed.bolus(ctx, "RX2", 50, USERS[role])
    assert info.value.field == "witness"
    with pytest.raises(InvalidInput, match="different user"):
        typed.refill_pump(ctx, typed.RefillText(mrn="RX2", volume_ml=20, conc_mcg_ml=2000,
                                               daily_mcg=400, witness=USERS[role]))
    assert database_state(ward_path) == before


def test_a_pharmacist_cannot_witness_their_own_order(open_as, ward_path):
    ctx = open_as(USERS["pharmacist"])
    before = database_state(ward_path)
    with pytest.raises(InvalidInput, match="different user"):
        typed.add_order(ctx, typed.OrderText(mrn="RX3", route="intrathecal", daily_mcg=300,
                                              witness=USERS["pharmacist"]))
    assert database_state(ward_path) == before


def test_a_witness_is_checked_before_anything_is_written_even_when_unknown(open_as, ward_path):
    ctx = open_as(USERS["nurse"])
    before = database_state(ward_path)
    with pytest.raises(InvalidInput, match="no user 'nobody'"):
        typed.bolus(ctx, "RX2", 50, "nobody")
    assert database_state(ward_path) == before
