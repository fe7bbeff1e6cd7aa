"""The chart's views, worked out in services: the MAR grid's days, the observations tab, the
heading's observations line and the pump tab's countdown states."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests import typed
from tests.conftest import NOW
from ward_app.services import pumps
from ward_app.services.board import ward_board
from ward_app.services.chart import (
    DAYS_SHOWN,
    OBS_HOURS,
    mar_view,
    observations_line,
    observations_view,
)
from ward_app.services.demo import MISSED_TWO
from ward_app.services.patients import get_patient


def _patient(ctx, name):
    row = next(r for r in ward_board(ctx) if r.name == name)
    return row, get_patient(ctx, row.mrn)


def test_mar_view_covers_the_days_shown_ending_today(demo_ward):
    _row, p = _patient(demo_ward, MISSED_TWO)
    view = mar_view(demo_ward, p, NOW)
    assert len(view.days) == DAYS_SHOWN and view.days[-1] == NOW.date()
    assert all(view.days[0] <= e.due.astimezone(demo_ward.zone).date() <= view.days[-1]
               for e in view.entries)
    assert sum(not e.corrected for e in view.entries) == 3 * DAYS_SHOWN  # 5 mg TDS


def test_observations_view_is_the_last_72_hours_newest_first(demo_ward):
    _row, p = _patient(demo_ward, MISSED_TWO)
    view = observations_view(demo_ward, p, NOW)
    assert view.end == NOW and view.start == NOW - timedelta(hours=OBS_HOURS)
    taken = [r.observation.taken_at for r in view.rows]
    assert taken == sorted(taken, reverse=True) and all(t >= view.start for t in taken)


def test_the_observations_line_comes_from_the_board_row(demo_ward):
    row, _p = _patient(demo_ward, MISSED_TWO)
    assert row.news2_at is not None and row.next_obs_due is not None
    line = observations_line(row, demo_ward.zone, NOW)
    assert line.startswith(f"{row.news2_summary} at ") and "next set due" in line
    overdue = observations_line(row, demo_ward.zone, row.next_obs_due + timedelta(minutes=1))
    assert overdue.endswith("— OVERDUE")
    none = replace(row, news2=None, news2_at=None, news2_summary="", next_obs_due=None)
    assert observations_line(none, demo_ward.zone, NOW) == "no vital signs recorded"


def test_the_pump_view_says_how_near_each_date_is(demo_ward):
    _row, p = _patient(demo_ward, "Zoë Ní Bhriain")
    view = pumps.pump_view(demo_ward, p, NOW)
    assert view is not None and view.dates is not None and view.at == NOW
    assert view.alarm_in_days == view.dates.days_left(NOW)
    assert view.refill_in_days == (view.dates.refill_by - NOW.date()).days
    assert view.refill_soon == (view.refill_in_days <= 7)  # type: ignore[operator]
    later = pumps.pump_view(demo_ward, p, view.dates.empty_at + timedelta(hours=1))
    assert later is not None and later.empty and later.alarm_soon and later.refill_soon


def test_the_mar_view_plans_the_coming_days_with_an_applied_tapers_steps(demo_ward):
    """Issue 16: the doses of the next days, a taper's reduced ones included, before they are due."""
    from datetime import date

    from tests.conftest import act_as
    from ward_app.services.chart import PLANNED_DAYS

    row, p = _patient(demo_ward, "Gráinne Walsh")  # 20 mg TDS
    view = mar_view(demo_ward, p, NOW)
    assert view.planned_days == [NOW.date() + timedelta(days=i) for i in range(1, PLANNED_DAYS + 1)]
    assert [d.dose_mg for d in view.planned] == [20] * 3 * PLANNED_DAYS
    assert not any(d.taper for d in view.planned)
    act_as(demo_ward, "pharm.chen")
    typed.taper_apply(demo_ward, typed.TaperText(mrn=row.mrn, start=date(2026, 11, 27)), "Dr Khan")
    view = mar_view(demo_ward, p, NOW)
    by_day = [[d.dose_mg for d in view.planned if d.due.astimezone(demo_ward.zone).date() == day]
              for day in view.planned_days]
    assert by_day[0] == [20, 20, 20]  # 26 Nov: as ordered
    assert sum(by_day[1]) == 55 and all(d.taper for d in view.planned[3:])  # 27 Nov: step 1
    assert "taper" in view.planned[3].order_text
