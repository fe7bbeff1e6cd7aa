"""The alert engine on real SQLite (clinical-rules §5, §10): withdrawal-sign alerts stay until
acknowledged with a note, for one withdrawal episode at most; the new rules reach ``alerts --json``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests import typed
from tests.conftest import acting, database_state
from tests.services import test_observations as shared
from ward_app.domain.alerts import Severity
from ward_app.domain.errors import InvalidInput
from ward_app.services.alerts import acknowledge, ward_alerts
from ward_app.services.board import ward_overview

#: The observation tests' ward: RX1 on oral baclofen 10 mg TDS, RX2 on intrathecal 450 mcg/day,
#: clock at 09:00 on 25 Nov 2026, acting as nurse.okafor.
clock, ward7 = shared.clock, shared.ward7


def found(ctx, rule: str, mrn: str = "RX2"):
    """The alerts of ``rule`` for ``mrn`` now."""
    from ward_app.services.patients import get_patient

    pid = get_patient(ctx, mrn).id
    return [a for a in ward_alerts(ctx, patient_id=pid) if a.rule == rule]


def fever_then_clean(ctx, clock, clean_after: timedelta = timedelta(hours=1)):
    typed.add_observation(ctx, typed.ObsText(mrn="RX2", signs=("fever",), signs_checked=True))
    clock.moment += clean_after
    typed.add_observation(ctx, typed.ObsText(mrn="RX2", signs_checked=True, rr=16, spo2=97,
                                             on_oxygen=False, sbp=120, hr=72, acvpu="A",
                                             temp=36.8))


@pytest.mark.parametrize("note", [None, "", "   "])
def test_a_withdrawal_sign_alert_is_not_acknowledged_without_a_note(ward7, note):
    typed.add_observation(ward7, typed.ObsText(mrn="RX2", signs=("pruritus",)))
    (alert,) = found(ward7, "withdrawal.early")
    before = database_state(ward7.path)
    with pytest.raises(InvalidInput) as info:
        acknowledge(ward7, alert.id, note)
    assert info.value.field == "note"
    assert str(info.value) == ("A withdrawal-sign alert is acknowledged with a note: say what you "
                               "checked and whom you told.")
    assert database_state(ward7.path) == before


def test_other_alerts_are_still_acknowledged_without_a_note(ward7):
    typed.add_observation(ward7, typed.ObsText(mrn="RX1", poss="3"))
    (alert,) = found(ward7, "toxicity.sedation", "RX1")
    assert acknowledge(ward7, alert.id).acknowledged_by == "nurse.okafor"


def test_a_sign_alert_stays_after_a_clean_check_until_acknowledged_with_a_note(ward7, clock):
    fever_then_clean(ward7, clock)
    (alert,) = found(ward7, "withdrawal.late")
    assert alert.values["clean_check_at"] == "2026-11-25T10:00+00:00" and not alert.acknowledged
    clock.moment += timedelta(hours=5)
    assert found(ward7, "withdrawal.late")  # still there, unacknowledged
    acknowledge(ward7, alert.id, "Reviewed by Dr Khan; pump interrogated, reservoir as expected")
    assert found(ward7, "withdrawal.late") == []
    board = ward_overview(ward7)
    assert all(a.rule != "withdrawal.late" for a in board.alerts)


def test_an_acknowledged_sign_alert_stays_listed_until_a_clean_check(ward7, clock):
    typed.add_observation(ward7, typed.ObsText(mrn="RX2", signs=("fever",), signs_checked=True))
    (alert,) = found(ward7, "withdrawal.late")
    acknowledge(ward7, alert.id, "Dr Khan called; ITB team on the way")
    clock.moment += timedelta(hours=1)
    (still,) = found(ward7, "withdrawal.late")
    assert still.acknowledged and still.ack_note == "Dr Khan called; ITB team on the way"
    assert still.severity is Severity.EMERGENCY
    typed.add_observation(ward7, typed.ObsText(mrn="RX2", signs_checked=True))
    assert found(ward7, "withdrawal.late") == []


def test_a_later_check_with_signs_is_not_clean(ward7, clock):
    typed.add_observation(ward7, typed.ObsText(mrn="RX2", signs=("fever",), signs_checked=True))
    (alert,) = found(ward7, "withdrawal.late")
    acknowledge(ward7, alert.id, "Dr Khan called")
    clock.moment += timedelta(hours=1)
    typed.add_observation(ward7, typed.ObsText(mrn="RX2", signs=("sweating",), signs_checked=True))
    assert found(ward7, "withdrawal.late") and found(ward7, "withdrawal.early")


@pytest.mark.parametrize("hours, listed", [(71, True), (72, False)])
def test_the_episode_is_shown_for_72_hours_at_most(ward7, clock, hours, listed):
    typed.add_observation(ward7, typed.ObsText(mrn="RX2", signs=("fever",), signs_checked=True))
    clock.moment += timedelta(hours=hours)
    assert bool(found(ward7, "withdrawal.late")) is listed


def test_a_longer_episode_setting_loads_observations_far_enough_back(ward7, clock):
    with acting(ward7, "admin"):
        typed.set_setting(ward7, "withdrawal.episode_hours", "120")
    typed.add_observation(ward7, typed.ObsText(mrn="RX2", signs=("fever",), signs_checked=True))
    clock.moment += timedelta(hours=100)
    (alert,) = found(ward7, "withdrawal.late")
    assert alert.since == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    clock.moment += timedelta(hours=20)
    assert found(ward7, "withdrawal.late") == []


def test_fever_on_the_pump_patient_raises_possible_withdrawal_without_a_checklist(ward7):
    typed.add_observation(ward7, typed.ObsText(mrn="RX2", temp=38.0, hr=88))
    (alert,) = found(ward7, "withdrawal.possible")
    assert alert.severity is Severity.URGENT and alert.values == {"temp": 38.0, "hr": 88}
    typed.add_observation(ward7, typed.ObsText(mrn="RX1", temp=38.5, hr=120))
    assert found(ward7, "withdrawal.possible", "RX1") == []  # oral: not this rule


# --- Through the command line: alerts --json ------------------------------------------------------


@pytest.fixture
def cli_ward(tmp_path, run_cli):
    db = str(tmp_path / "w.db")

    def cli(*args, now="2026-11-25T09:00", user="nurse.okafor"):
        who = ("--user", user) if user else ()
        r = run_cli("--db", db, "--now", now, *who, *args)
        return r

    assert cli("init", "--admin-password-stdin", "--ward", "Ward 7", "--tz", "Europe/London",
               user=None).code == 0
    for name, role in (("nurse.okafor", "nurse"), ("nurse.jones", "nurse"),
                       ("charge.silva", "charge_nurse"), ("pharm.chen", "pharmacist")):
        assert cli("user", "add", name, "--role", role, "--password-stdin", user="admin").code == 0
    for mrn, name, bed in (("RX1", "Oral Patient", "1"), ("RX2", "Pump Patient", "2")):
        assert cli("patient", "add", "--mrn", mrn, "--name", name, "--dob", "1970-01-01",
                   "--bed", bed, user="charge.silva").code == 0
    r = cli("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "10", "--freq", "TDS",
            "--start", "2026-11-25T07:00", user="pharm.chen")
    assert r.code == 0, r.err
    r = cli("order", "add", "--mrn", "RX2", "--route", "intrathecal", "--daily-mcg", "300",
            "--start", "2026-11-25T07:00", "--witness", "nurse.jones", user="pharm.chen")
    assert r.code == 0, r.err
    return cli


def rules_json(cli, now: str = "2026-11-25T09:00", mrn: str | None = None) -> dict[str, dict]:
    """The alerts of one patient (or the ward) by rule, from ``alerts --json``."""
    r = cli("alerts", "--json", *(("--mrn", mrn) if mrn else ()), now=now)
    assert r.code == 0, r.err
    return {a["rule"]: a for a in json.loads(r.out)}


def test_the_new_rules_through_alerts_json(cli_ward):
    cli = cli_ward
    assert cli("obs", "add", "--mrn", "RX2", "--rr", "16", "--spo2", "97", "--sbp", "120", "--hr",
               "101", "--acvpu", "A", "--temp", "37.9", "--air").code == 0
    assert cli("obs", "add", "--mrn", "RX1", "--rr", "21", "--spo2", "97", "--sbp", "120",
               "--hr", "72", "--acvpu", "A", "--temp", "37.0", "--air").code == 0
    assert cli("comed", "add", "--mrn", "RX1", "--drug", "Frisium 10 mg", user="pharm.chen").code == 0
    assert cli("comed", "add", "--mrn", "RX1", "--drug", "Xyzzyl", user="pharm.chen").code == 0
    r = cli("dose", "omit", "--mrn", "RX1", "--due", "08:00", "--reason", "nil_by_mouth")
    assert r.code == 0, r.err
    possible = rules_json(cli, mrn="RX2")["withdrawal.possible"]
    assert possible["severity"] == "urgent" and possible["values"] == {"temp": 37.9, "hr": 101}
    found = rules_json(cli, mrn="RX1")
    low = found["news2.low"]
    assert (low["severity"], low["values"]["news2"]) == ("info", 2)
    assert "withdrawal.possible" not in found  # oral: not this rule
    cns = found["interaction.cns"]
    assert cns["values"] == {"drug": "Frisium 10 mg", "drug_class": "CNS depressant: benzodiazepine",
                             "atc": "N05BA09"}
    unknown = found["interaction.unknown"]
    assert unknown["message"] == ("Xyzzyl: not recognised: check interactions with the "
                                  "pharmacist.") and unknown["severity"] == "info"
    npo = found["route.npo"]
    assert npo["severity"] == "urgent" and npo["values"]["oral_daily_mg"] == 30
    assert "iv_daily_mg" not in npo["values"] and "not licensed" in npo["message"]


def test_withdrawal_sign_ack_needs_a_note_on_the_command_line(cli_ward):
    cli = cli_ward
    assert cli("obs", "add", "--mrn", "RX2", "--sign", "fever").code == 0
    late = rules_json(cli)["withdrawal.late"]
    r = cli("alerts", "ack", "--id", str(late["id"]))
    assert r.code == 2 and "acknowledged with a note" in r.err
    assert cli("obs", "add", "--mrn", "RX2", "--no-signs", now="2026-11-25T10:00").code == 0
    still = rules_json(cli, "2026-11-25T10:00")["withdrawal.late"]
    assert still["values"]["clean_check_at"] == "2026-11-25T10:00+00:00"
    r = cli("alerts", "ack", "--id", str(late["id"]), "--note", "Dr Khan reviewed",
            now="2026-11-25T10:05")
    assert r.code == 0, r.err
    assert "withdrawal.late" not in rules_json(cli, "2026-11-25T10:05")


def test_the_missed_dose_boundary_and_wording_through_alerts_json(cli_ward):
    cli = cli_ward
    assert rules_json(cli, "2026-11-25T08:30").get("dose.late") is None  # exactly 30 min: on time
    late = rules_json(cli, "2026-11-25T08:31")["dose.late"]
    assert late["since"] == "2026-11-25T08:30:00+00:00"
    missed = rules_json(cli, "2026-11-25T10:50")["dose.missed"]
    assert "Next dose due 14:00 (in 3 h 10 min)" in missed["message"]
    assert "never two doses to make up for one" in missed["message"]
    assert missed["values"]["next_due"] == "2026-11-25T14:00+00:00"


def test_every_acknowledgement_is_kept_and_an_acknowledged_emergency_stays_above_warnings(
        ward7, clock):
    """clinical-rules §10: a second acknowledgement never replaces the first; acknowledging never
    lowers an alert's place."""
    typed.add_observation(ward7, typed.ObsText(mrn="RX1", poss="4"))
    typed.add_observation(ward7, typed.ObsText(mrn="RX1", signs=("pruritus",)))  # a warning
    (alert,) = found(ward7, "toxicity.sedation", "RX1")
    assert alert.severity is Severity.EMERGENCY
    acknowledge(ward7, alert.id, "MET called 07:39")
    clock.moment += timedelta(minutes=5)
    with acting(ward7, "nurse.jones"):
        acknowledge(ward7, alert.id, "Dr Khan at the bedside")
    (seen,) = found(ward7, "toxicity.sedation", "RX1")
    assert [(k.by, k.note) for k in seen.acknowledgements] == [
        ("nurse.okafor", "MET called 07:39"), ("nurse.jones", "Dr Khan at the bedside")]
    assert seen.acknowledged_by == "nurse.jones"
    shown = seen.to_json(ward7.zone)["acknowledgements"]
    assert [(k["by"], k["note"], k["severity"]) for k in shown] == [
        ("nurse.okafor", "MET called 07:39", "emergency"),
        ("nurse.jones", "Dr Khan at the bedside", "emergency")]
    assert shown[1]["at"] > shown[0]["at"]
    ordered = ward_alerts(ward7)
    first_warning = next(i for i, a in enumerate(ordered) if a.severity <= Severity.WARNING
                         and not a.acknowledged)
    assert ordered.index(seen) < first_warning
