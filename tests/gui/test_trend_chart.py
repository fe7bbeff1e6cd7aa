"""The vital-signs trend chart, offscreen: what each curve holds, the NEWS2 bands, the empty state and
the ward's clock on the time axis across the Europe/London clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pyqtgraph as pg
import pytest

from ward_app.domain.news2 import news2, score_hr, score_rr, score_sbp, score_temp
from ward_app.domain.observations import Acvpu, Observation, Poss
from ward_app.gui.trend_chart import DAY, PLOTS, TrendChart
from ward_app.services.observations import ObservationRow

LONDON = ZoneInfo("Europe/London")
END = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
START = END - timedelta(hours=72)


def row(oid: int, at: datetime, *, error: bool = False, **values) -> ObservationRow:
    obs = Observation(id=oid, patient_id=1, taken_at=at, **values)
    return ObservationRow(obs, news2(obs) if obs.has_vitals else None, entered_in_error=error)


def full(oid: int, at: datetime, *, error: bool = False, hr: int = 80, temp: float = 37.0,
         sbp: int = 120, rr: int = 16) -> ObservationRow:
    """A complete set (every NEWS2 parameter)."""
    return row(oid, at, error=error, rr=rr, spo2=97, on_oxygen=False, sbp=sbp, hr=hr,
               acvpu=Acvpu.ALERT, temp=temp)


@pytest.fixture
def chart(qtbot):
    widget = TrendChart(LONDON)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    return widget


def ts(at: datetime) -> float:
    return at.timestamp()


def test_series_are_in_time_order_whatever_order_the_rows_come_in(chart):
    t1, t2, t3 = (START + timedelta(hours=h) for h in (4, 12, 30))
    rows = [full(3, t3, hr=120, temp=38.4, sbp=98, rr=23), full(2, t2, hr=95),
            full(1, t1, hr=72, temp=36.6, sbp=131, rr=14)]  # newest first, as history() gives
    chart.set_rows(rows, START, END)

    xs = [ts(t1), ts(t2), ts(t3)]
    assert chart.series("hr") == (xs, [72.0, 95.0, 120.0])
    assert chart.series("temp") == (xs, [36.6, 37.0, 38.4])
    assert chart.series("sbp") == (xs, [131.0, 120.0, 98.0])
    assert chart.series("rr") == (xs, [14.0, 16.0, 23.0])
    assert chart.series("news2") == (xs, [float(r.score.total) for r in reversed(rows)])
    assert chart.series("news2")[1][-1] == 7  # pulse 2 + temperature 1 + systolic BP 2 + RR 2
    assert not chart.is_empty()


def test_entered_in_error_sets_are_left_out(chart):
    good, wrong = START + timedelta(hours=5), START + timedelta(hours=6)
    chart.set_rows([full(2, wrong, error=True, hr=180), full(1, good, hr=70)], START, END)
    assert chart.series("hr") == ([ts(good)], [70.0])
    assert chart.series("news2")[0] == [ts(good)]


def test_an_incomplete_set_is_a_hollow_floor_point_not_on_the_news2_line(chart):
    t1, t2, t3 = (START + timedelta(hours=h) for h in (2, 4, 6))
    partial = row(2, t2, hr=115, rr=22)  # no SpO2, BP, consciousness, temperature
    assert partial.score is not None and not partial.score.complete
    chart.set_rows([full(3, t3), partial, full(1, t1)], START, END)

    assert chart.series("news2")[0] == [ts(t1), ts(t3)]
    assert chart.series("news2_floor") == ([ts(t2)], [float(partial.score.total)])
    assert [item.toPlainText() for item in chart._floor_labels] == ["≥4"]
    # Its readings still belong on their own plots.
    assert chart.series("hr")[0] == [ts(t1), ts(t2), ts(t3)]
    assert chart.series("temp")[0] == [ts(t1), ts(t3)]


def test_no_vital_signs_shows_a_message_instead_of_empty_plots(chart, qtbot):
    only_poss = row(1, START + timedelta(hours=3), poss=Poss.ASLEEP)
    chart.set_rows([only_poss, full(2, START + timedelta(hours=4), error=True)], START, END)
    chart.show()
    qtbot.waitExposed(chart)
    assert chart.is_empty()
    assert chart.empty_label.isVisible() and not chart.graphics.isVisible()
    assert "No vital signs recorded in the last 72 hours" in chart.empty_label.text()
    assert chart.series("hr") == ([], [])

    chart.set_rows([full(3, START + timedelta(hours=5))], START, END)
    assert not chart.is_empty()
    assert chart.graphics.isVisible()


def test_sets_outside_the_period_are_not_drawn(chart):
    inside = START + timedelta(hours=1)
    chart.set_rows([full(1, START - timedelta(hours=1)), full(2, inside)], START, END)
    assert chart.series("hr")[0] == [ts(inside)]


def ticks(chart: TrendChart, start: datetime, end: datetime) -> dict[str, list[float]]:
    """Label -> positions of the bottom plot's hour ticks over [start, end]."""
    axis = chart.plots["rr"].getAxis("bottom")
    found: dict[str, list[float]] = {}
    for spacing, values in axis.tickValues(ts(start), ts(end), 800):
        for value, text in zip(values, axis.tickStrings(values, 1, spacing), strict=True):
            found.setdefault(text, []).append(value)
    return found


def test_a_set_across_the_spring_clock_change_sits_at_its_local_hour(chart):
    # 29 Mar 2026: at 01:00 UTC London goes from 01:00 GMT to 02:00 BST.
    start, end = datetime(2026, 3, 28, 20, tzinfo=UTC), datetime(2026, 3, 29, 8, tzinfo=UTC)
    before, after = datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    chart.set_rows([full(2, after), full(1, before)], start, end)

    xs = chart.series("hr")[0]
    assert xs == [ts(before), ts(after)]  # true elapsed time: one hour apart
    axis = chart.plots["rr"].getAxis("bottom")
    assert axis.tickStrings(xs, 1, 3600) == ["00:30", "02:30"]
    found = ticks(chart, start, end)
    assert "01:00" not in found  # that hour does not exist on the ward's clock
    assert xs[0] - found["Sun 29 Mar"][0] == 1800
    assert xs[1] - found["02:00"][0] == 1800


def test_a_set_across_the_autumn_clock_change_sits_at_its_local_hour(chart):
    # 25 Oct 2026: at 01:00 UTC London goes back from 02:00 BST to 01:00 GMT: 01:xx happens twice.
    start, end = datetime(2026, 10, 24, 20, tzinfo=UTC), datetime(2026, 10, 25, 8, tzinfo=UTC)
    first, second = datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    chart.set_rows([full(2, second), full(1, first)], start, end)

    xs = chart.series("hr")[0]
    assert xs == [ts(first), ts(second)]
    axis = chart.plots["rr"].getAxis("bottom")
    assert axis.tickStrings(xs, 1, 3600) == ["01:30", "01:30"]
    found = ticks(chart, start, end)
    assert [xs[0] - found["01:00"][0], xs[1] - found["01:00"][1]] == [1800, 1800]


def test_the_axis_follows_the_ward_clock_not_utc(qtbot):
    chart = TrendChart(ZoneInfo("Asia/Kolkata"))  # UTC+05:30: ward hours are UTC half-hours
    qtbot.addWidget(chart)
    axis = chart.plots["rr"].getAxis("bottom")
    start = datetime(2026, 11, 24, 0, tzinfo=UTC)
    levels = dict(axis.tickValues(ts(start), ts(start + timedelta(hours=24)), 800))
    assert [datetime.fromtimestamp(v, UTC).strftime("%H:%M") for v in levels[DAY]] == ["18:30"]
    assert axis.tickStrings(levels[DAY], 1, DAY) == ["Wed 25 Nov"]


@pytest.mark.parametrize(("key", "score", "expected"), [
    ("rr", lambda v: score_rr(int(v)),
     [(8.5, 3), (11.5, 1), (20.5, 0), (24.5, 2), (None, 3)]),
    ("hr", lambda v: score_hr(int(v)),
     [(40.5, 3), (50.5, 1), (90.5, 0), (110.5, 1), (130.5, 2), (None, 3)]),
    ("sbp", lambda v: score_sbp(int(v)),
     [(90.5, 3), (100.5, 2), (110.5, 1), (219.5, 0), (None, 3)]),
    ("temp", score_temp, [(35.05, 3), (36.05, 1), (38.05, 0), (39.05, 1), (None, 2)]),
])
def test_the_shading_follows_the_news2_chart(key, score, expected):
    bands = PLOTS[key][4]
    assert [(None if high > 1000 else high, s) for _, high, s in bands] == expected
    for low, high, s in bands:
        for value in (low + 0.5, high - 0.5) if key != "temp" else (low + 0.05, high - 0.05):
            if abs(value) < 1000:
                assert score(value) == s


def test_each_plot_is_shaded_titled_and_labelled_in_words(chart):
    chart.set_rows([full(1, START + timedelta(hours=1))], START, END)
    news2_regions = sorted(item.getRegion() for item in chart.plots["news2"].items
                           if isinstance(item, pg.LinearRegionItem))
    assert news2_regions[1:3] == [(0.5, 4.5), (4.5, 6.5)]
    assert all(not item.movable for item in chart.plots["hr"].items
               if isinstance(item, pg.LinearRegionItem))
    assert "beats/min" in chart.plots["hr"].titleLabel.text
    assert "incomplete" in chart.plots["news2"].titleLabel.text
    words = [w for _, w in chart._band_ticks("hr", *PLOTS["hr"][2])]
    assert "scores 3" in words and "scores 0" in words
    assert [w for _, w in chart._band_ticks("news2", -0.5, 12.5)] == ["low", "medium", "high"]
    (x0, x1), (y0, y1) = chart.plots["temp"].viewRange()
    assert (x0, x1) == (ts(START), ts(END))
    assert (y0, y1) == PLOTS["temp"][2]


def test_a_reading_beyond_the_usual_range_is_not_cut_off(chart):
    chart.set_rows([full(1, START + timedelta(hours=1), hr=190)], START, END)
    _, (low, high) = chart.plots["hr"].viewRange()
    assert low <= PLOTS["hr"][2][0] and high > 190


def test_a_plot_with_no_readings_says_so(chart):
    chart.set_rows([row(1, START + timedelta(hours=1), hr=80, rr=16)], START, END)
    assert "none recorded" in chart.plots["temp"].titleLabel.text
    assert "none recorded" not in chart.plots["hr"].titleLabel.text


def test_accessible_names_and_a_spoken_summary_of_the_latest_set(chart):
    chart.set_rows([full(2, END - timedelta(hours=1), hr=101), full(1, START + timedelta(hours=1))],
                   START, END)
    assert chart.accessibleName() and chart.graphics.accessibleName()
    assert chart.empty_label.accessibleName()
    description = chart.graphics.accessibleDescription()
    assert description.startswith("Latest set 25 Nov 09:00: NEWS2")
    assert "pulse 101 beats/min" in description and "systolic BP 120 mmHg" in description


def test_pyqtgraph_options_are_put_back_for_other_code(qtbot):
    pg.setConfigOptions(background="k", foreground="d", antialias=False)
    try:
        chart = TrendChart(LONDON)
        qtbot.addWidget(chart)
        chart.set_rows([full(1, START + timedelta(hours=1))], START, END)
        assert (pg.getConfigOption("background"), pg.getConfigOption("foreground"),
                pg.getConfigOption("antialias")) == ("k", "d", False)
    finally:
        pg.setConfigOptions(background="k", foreground="d", antialias=False)


def test_it_renders(chart, qtbot):
    rows = [full(i, START + timedelta(hours=4 * i), hr=70 + 2 * i) for i in range(1, 18)]
    chart.set_rows(rows, START, END)
    chart.show()
    qtbot.waitExposed(chart)
    image = chart.grab().toImage()
    assert not image.isNull() and image.width() == 900
