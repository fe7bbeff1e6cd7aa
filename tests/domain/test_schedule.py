"""Due times across daylight-saving changes, with property tests over zones and dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ward_app.domain.orders import Frequency, Order, OrderAction, Route
from ward_app.domain.schedule import due_doses, local_due

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
ZONES = [LONDON, NEW_YORK, ZoneInfo("Australia/Sydney"), ZoneInfo("Asia/Kolkata"),
         ZoneInfo("Europe/Dublin"), ZoneInfo("Australia/Lord_Howe"), ZoneInfo("UTC")]


def tds(start: datetime, times=("08:00", "14:00", "22:00"), oid=1) -> Order:
    return Order(oid, 1, OrderAction.START, Route.ORAL, start, dose_mg=10, times=times,
                 frequency=Frequency.TDS)


def local(moment: datetime, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def test_22_00_stays_22_00_on_both_change_days_in_london_and_new_york():
    for zone, days in [(LONDON, [date(2026, 3, 29), date(2026, 10, 25)]),
                       (NEW_YORK, [date(2026, 3, 8), date(2026, 11, 1)])]:
        for day in days:
            due = local_due(day, time(22, 0), zone)
            assert local(due, zone) == f"{day} 22:00"


def test_a_time_in_the_spring_gap_is_due_when_the_clocks_jump():
    # London 29 Mar 2026: 01:00 GMT -> 02:00 BST. 01:30 does not exist: due at 02:00 BST.
    due = local_due(date(2026, 3, 29), time(1, 30), LONDON)
    assert due == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert local(due, LONDON) == "2026-03-29 02:00"
    # New York 8 Mar 2026: 02:00 EST -> 03:00 EDT. 02:15 is due at 03:00 EDT.
    due = local_due(date(2026, 3, 8), time(2, 15), NEW_YORK)
    assert local(due, NEW_YORK) == "2026-03-08 03:00"


def test_a_time_that_happens_twice_in_autumn_is_due_once_at_its_first_occurrence():
    start = datetime(2026, 10, 24, 12, tzinfo=UTC)
    order = tds(start, times=("01:30", "08:00"))
    doses = due_doses([order], start, start + timedelta(days=2), LONDON)
    on_change_day = [d for d in doses if d.due.astimezone(LONDON).date() == date(2026, 10, 25)]
    assert [local(d.due, LONDON) for d in on_change_day] == ["2026-10-25 01:30", "2026-10-25 08:00"]
    assert on_change_day[0].due == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # BST reading


def test_versions_rule_from_their_start_until_the_next():
    t0 = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    first = tds(t0, oid=1)
    second = Order(2, 1, OrderAction.CHANGE, Route.ORAL, datetime(2026, 11, 2, 12, tzinfo=UTC),
                   dose_mg=15, times=("08:00", "14:00", "22:00"), frequency=Frequency.TDS)
    stop = Order(3, 1, OrderAction.STOP, Route.ORAL, datetime(2026, 11, 3, 9, tzinfo=UTC))
    doses = due_doses([second, stop, first], t0, t0 + timedelta(days=5), LONDON)
    assert [(local(d.due, LONDON), d.dose_mg, d.order_id) for d in doses] == [
        ("2026-11-01 08:00", 10, 1), ("2026-11-01 14:00", 10, 1), ("2026-11-01 22:00", 10, 1),
        ("2026-11-02 08:00", 10, 1), ("2026-11-02 14:00", 15, 2), ("2026-11-02 22:00", 15, 2),
        ("2026-11-03 08:00", 15, 2),
    ]


def test_intrathecal_orders_have_no_discrete_doses():
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    itb = Order(1, 1, OrderAction.START, Route.INTRATHECAL, t0, daily_mcg=400)
    assert due_doses([itb], t0, t0 + timedelta(days=2), LONDON) == []


clock_times = st.lists(
    st.times().map(lambda t: f"{t.hour:02d}:{t.minute:02d}"), min_size=1, max_size=6, unique=True)


@settings(max_examples=150, deadline=None)
@given(zone=st.sampled_from(ZONES), day=st.dates(date(2000, 1, 1), date(2060, 12, 31)),
       times=clock_times)
def test_every_clock_time_is_due_once_a_day_at_that_reading_or_just_after_a_gap(zone, day, times):
    times = tuple(sorted(times))
    start = datetime.combine(day, time(0, 0)).replace(tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0, 0)).replace(tzinfo=zone)
    end = end.astimezone(UTC)
    order = tds(start - timedelta(days=1), times=times)
    doses = due_doses([order], start, end, zone)
    walls = [d.due.astimezone(zone) for d in doses]
    assert len({d.due for d in doses}) == len(doses)  # never twice
    assert [d.due for d in doses] == sorted(d.due for d in doses)
    for clock in times:
        hh, mm = map(int, clock.split(":"))
        wanted = time(hh, mm)
        hits = [w for w in walls if w.time() == wanted and w.date() == day]
        if hits:
            assert len(hits) == 1
        else:
            # Only a time in a spring-forward gap may be missing; it is due just after the gap.
            due = local_due(day, wanted, zone)
            wall = due.astimezone(zone)
            assert wall.time() > wanted and wall.date() == day
            before = (due - timedelta(seconds=1)).astimezone(zone)
            assert before.time() < wanted  # the reading one second earlier is before the gap


@settings(max_examples=100, deadline=None)
@given(zone=st.sampled_from(ZONES), day=st.dates(date(2000, 1, 1), date(2060, 12, 31)),
       hour=st.integers(0, 23), minute=st.sampled_from([0, 15, 30, 45]))
def test_due_instants_read_as_the_clock_time_whenever_it_exists(zone, day, hour, minute):
    due = local_due(day, time(hour, minute), zone)
    wall = due.astimezone(zone)
    naive = datetime.combine(day, time(hour, minute))
    if naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive:
        assert (wall.date(), wall.time()) == (day, time(hour, minute))
        assert wall.fold == 0  # a repeated autumn reading is due at its first occurrence
