"""The Due now worklist (issue 16): doses and checks due or overdue within the hour, most urgent
first, on the demo ward at 10:00 and at chosen moments."""

from __future__ import annotations

from datetime import timedelta

from tests import typed
from tests.conftest import NOW
from ward_app.services.board import ward_board
from ward_app.services.demo import MISSED_TWO
from ward_app.services.worklist import URGENCY, due_now


def test_most_urgent_first_then_earliest(demo_ward):
    items = due_now(demo_ward)
    assert items
    keys = [(i.urgency, i.due) for i in items]
    assert keys == sorted(keys)
    assert all(i.due <= NOW + timedelta(hours=1) for i in items)
    assert {i.state for i in items} <= set(URGENCY)
    eleni = [i for i in items if i.name == MISSED_TWO and i.kind == "dose"]
    assert [(i.state, i.due.strftime("%H:%M")) for i in eleni] == [("missed", "22:00"),
                                                                   ("missed", "08:00")]
    assert items[0].state == "missed"


def test_a_dose_leaves_the_list_once_recorded_and_a_due_one_comes_in(demo_ward):
    eleni = [i for i in due_now(demo_ward) if i.name == MISSED_TWO and i.kind == "dose"]
    mrn = next(r.mrn for r in ward_board(demo_ward) if r.patient_id == eleni[0].patient_id)
    for item in eleni:
        typed.omit(demo_ward, mrn, item.due.isoformat(), "asleep")
    assert not [i for i in due_now(demo_ward) if i.name == MISSED_TWO and i.kind == "dose"]
    later = due_now(demo_ward, NOW + timedelta(hours=3, minutes=20))  # 13:20: 14:00 due soon
    soon = [i for i in later if i.name == MISSED_TWO and i.kind == "dose"]
    assert [(i.state, i.due.strftime("%H:%M")) for i in soon] == [("due soon", "14:00")]
    at_14 = due_now(demo_ward, NOW + timedelta(hours=4, minutes=10))
    assert [(i.state) for i in at_14 if i.name == MISSED_TWO and i.kind == "dose"] == ["due now"]
    at_1330 = due_now(demo_ward, NOW + timedelta(hours=3, minutes=30))  # on time from 13:30
    assert [i.state for i in at_1330 if i.name == MISSED_TWO and i.kind == "dose"] == ["due now"]
