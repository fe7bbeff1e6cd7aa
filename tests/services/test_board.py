from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tests import typed
from tests.conftest import NOW, act_as
from ward_app.domain.orders import Frequency, OrderAction, Route
from ward_app.domain.patient import Flag
from ward_app.services.board import bed_key, ward_board
from ward_app.services.patients import NewPatient, add_patient
from ward_app.storage import orders


def test_beds_sort_naturally():
    assert sorted(["10", "2", "SR 1", "1", "SR 10", "SR 2"], key=bed_key) == [
        "1", "2", "10", "SR 1", "SR 2", "SR 10"]


@given(st.lists(st.from_regex(r"[A-Z]{0,2} ?[0-9]{1,3}", fullmatch=True), max_size=20))
def test_bed_key_is_a_total_order(beds):
    ordered = sorted(beds, key=bed_key)
    assert all(bed_key(a) <= bed_key(b) for a, b in zip(ordered, ordered[1:], strict=False))


def test_board_shows_the_order_version_in_force(ward):
    act_as(ward, "charge.test")
    p = add_patient(ward, NewPatient(mrn="RX1001", name="Anna Kowalczyk", dob=date(1960, 1, 1),
                                     bed="2", flags=(Flag.DEMENTIA,)))
    add_patient(ward, NewPatient(mrn="RX1002", name="Sanjay Patel", dob=date(1966, 11, 26),
                                 bed="10"))
    times = ("08:00", "14:00", "22:00")
    first = orders.insert_order(ward.db, patient_id=p.id, action=OrderAction.START,
                                route=Route.ORAL, dose_mg=5, times=times, frequency=Frequency.TDS,
                                starts_at=NOW - timedelta(days=5), user_id=1, at=NOW, entered_at=NOW)
    orders.insert_order(ward.db, patient_id=p.id, action=OrderAction.CHANGE, route=Route.ORAL,
                        dose_mg=10, times=times, frequency=Frequency.TDS,
                        starts_at=NOW + timedelta(days=1), user_id=1, at=NOW, entered_at=NOW,
                        supersedes_id=first)
    rows = ward_board(ward)
    assert [(r.bed, r.name, r.age, r.route, r.dose) for r in rows] == [
        ("2", "Anna Kowalczyk", 66, "oral", "5 mg TDS (15 mg/day)"),
        ("10", "Sanjay Patel", 59, "", "no baclofen order"),
    ]
    assert rows[0].flags == ("Dementia",)

    act_as(ward, "nurse.test")
    typed.add_lab(ward, "RX1001", egfr=72)
    assert ward_board(ward)[0].flags == ("Dementia",)  # normal renal function is not a flag
    typed.add_lab(ward, "RX1001", egfr=28, dialysis=True)
    assert ward_board(ward)[0].flags == ("Dementia", "Dialysis", "eGFR 28")
    later = ward_board(ward, at=NOW + timedelta(days=2))
    assert later[0].dose == "10 mg TDS (30 mg/day)"
    orders.insert_order(ward.db, patient_id=p.id, action=OrderAction.STOP, route=Route.ORAL,
                        starts_at=NOW + timedelta(days=3), user_id=1, at=NOW, entered_at=NOW,
                        stop_reason="serious_adverse_reaction")
    assert ward_board(ward, at=NOW + timedelta(days=4))[0].dose == "no baclofen order"


def test_itb_high_risk_is_said_in_words(demo_ward):
    row = next(r for r in ward_board(demo_ward) if r.name == "Łukasz Żółć")
    assert row.itb_high_risk and row.flags[:2] == ("ITB high risk", "SCI T4")


def test_board_shows_the_latest_news2_and_overdue_observations(demo_ward):
    from ward_app.services.demo_obs import OVER_SEDATED

    rows = {r.name: r for r in ward_board(demo_ward)}
    dorothy = rows[OVER_SEDATED]
    assert dorothy.news2 is not None and dorothy.news2_complete
    assert dorothy.news2_text.startswith(str(dorothy.news2))
    assert rows["Robert Ashworth"].news2 is not None  # no baclofen, observations still shown
    later = ward_board(demo_ward, demo_ward.now() + timedelta(hours=13))
    assert all(r.obs_overdue for r in later if r.route), "13 h on, every set is overdue"
    assert "obs overdue" in next(r for r in later if r.name == OVER_SEDATED).news2_text


def test_next_due_shows_a_dose_due_now_or_late_before_the_one_after(ward):
    """Issue 16: at 08:45 with the 08:00 dose not recorded, 'Next due' is 08:00 (late), not
    14:00; once it is missed the next dose comes first again."""
    from datetime import datetime

    from ward_app.gui.ward_board import board_columns

    act_as(ward, "charge.test")
    p = add_patient(ward, NewPatient(mrn="RX1001", name="Anna Kowalczyk", dob=date(1960, 1, 1),
                                     bed="2"))
    orders.insert_order(ward.db, patient_id=p.id, action=OrderAction.START, route=Route.ORAL,
                        dose_mg=5, times=("08:00", "14:00", "22:00"), frequency=Frequency.TDS,
                        starts_at=NOW - timedelta(days=1), user_id=1, at=NOW, entered_at=NOW)
    day = NOW.replace(hour=0, minute=0)
    column = next(c for c in board_columns(NOW.tzinfo) if c.title == "Next due")
    for hhmm, due, text in (("07:50", "08:00", "08:00"), ("08:10", "08:00", "08:00 due now"),
                            ("08:45", "08:00", "08:00 LATE"), ("10:05", "14:00", "14:00")):
        h, m = map(int, hhmm.split(":"))
        at = day.replace(hour=h, minute=m)
        (row,) = ward_board(ward, at=at)
        assert row.next_due == datetime.fromisoformat(f"{day:%Y-%m-%d}T{due}+00:00"), hhmm
        column = next(c for c in board_columns(NOW.tzinfo, at) if c.title == "Next due")
        assert column.text(row) == text, hhmm
