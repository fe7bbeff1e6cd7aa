"""The ward pump calendar on the demo ward (8 pumps): every pump, soonest refill-by first, the refill
buffer marked, the window of days, the audit of a read, and the handover's last page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests import typed
from tests.conftest import NOW, acting
from ward_app.domain.errors import InvalidInput
from ward_app.services import pumps as pump_svc
from ward_app.services.board import ward_overview
from ward_app.services.handover import build_handover
from ward_app.services.pump_calendar import pump_calendar, record_calendar_read
from ward_app.storage import audit


def test_every_pump_soonest_refill_by_first(demo_ward) -> None:
    cal = pump_calendar(demo_ward)
    entries = cal.entries
    assert len(entries) == 8 and cal.days == 90 and cal.buffer_days == 7
    assert [e.refill_by for e in entries] == sorted(e.refill_by for e in entries)  # type: ignore
    assert cal.drill and cal.printed_by  # the demo ward is a drill ward
    # the same dates as the pump panel shows for each patient
    for e in entries:
        patient = next(s.patient for s in ward_overview(demo_ward).snapshots if s.patient.mrn == e.mrn)
        view = pump_svc.pump_view(demo_ward, patient)
        assert view is not None and view.dates is not None
        assert e.refill_by == view.dates.refill_by
        assert e.alarm_at == view.dates.alarm_at.astimezone(demo_ward.zone)
        assert e.eri_date == view.eri
    due = cal.due
    assert [e.bed for e in due] == ["2"] and due[0].days_left == 2
    assert "within the 7-day buffer" in due[0].why
    assert all(not e.within_buffer for e in entries[1:])


def test_the_window_leaves_out_pumps_with_nothing_in_it(demo_ward) -> None:
    short = pump_calendar(demo_ward, days=14)
    # beds 2 and 17 are due for a refill within 14 days; bed 14's battery is past its ERI
    assert [e.bed for e in short.entries] == ["2", "17", "14"]
    assert "battery past ERI" in short.entries[2].why
    assert all(min(e.dates()) <= (NOW + timedelta(days=14)).date() for e in short.entries)
    with pytest.raises(InvalidInput) as err:
        pump_calendar(demo_ward, days=0)
    assert err.value.field == "days"


def test_the_buffer_setting_changes_what_is_marked(demo_ward) -> None:
    with acting(demo_ward, "admin"):
        typed.set_setting(demo_ward, "pump.refill_buffer_days", "14")
    cal = pump_calendar(demo_ward)
    assert cal.buffer_days == 14
    assert {e.bed for e in cal.due} >= {"2", "17"}
    assert all("14-day buffer" in e.why or "OVERDUE" in e.why for e in cal.due)


def test_a_read_is_audited(demo_ward) -> None:
    cal = pump_calendar(demo_ward)
    record_calendar_read(demo_ward, cal, printed=True)
    detail = audit.latest_detail(demo_ward.db, "read.print")
    assert detail is not None and detail["sheet"] == "pump_calendar" and detail["pumps"] == 8


def test_the_handover_carries_the_calendar_only_when_a_refill_is_due(demo_ward) -> None:
    with acting(demo_ward, "charge.silva"):
        sheet = build_handover(demo_ward)
        assert sheet.pump_calendar is not None
        assert sheet.pump_calendar.ward == sheet.ward and len(sheet.pump_calendar.entries) == 8
    # a one-day buffer: no refill is due within it, so the handover has no calendar page
    with acting(demo_ward, "admin"):
        typed.set_setting(demo_ward, "pump.refill_buffer_days", "1")
    with acting(demo_ward, "charge.silva"):
        assert build_handover(demo_ward).pump_calendar is None
