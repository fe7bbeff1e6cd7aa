"""A patient's vital-sign trends: NEWS2 total, pulse, temperature, systolic BP and respiration rate
as five stacked plots on one time axis in the ward's clock, each shaded by its NEWS2 scoring bands."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPen
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from ward_app.domain.news2 import score_hr, score_rr, score_sbp, score_temp
from ward_app.domain.observations import RANGES
from ward_app.services.observations import ObservationRow

DAY = 86400
#: Light fills by score (0 green, 1 yellow, 2 orange, 3 red), as on the NEWS2 chart.
BAND_FILL = ("#e2f3df", "#fff3bf", "#ffd9a8", "#f6bcbc")
INK = "#111111"
TITLE_HEIGHT = 20
LINE = "#1a3d7c"


def _bands(score: Callable[[float], int], name: str, step: float) -> list[tuple[float, float, int]]:
    """(low, high, score) runs of one parameter, edges half-way between recordable values: the
    edges come from the scoring function itself, so the shading cannot drift from the score."""
    low, high, _ = RANGES[name]
    values = [round(low + i * step, 1) for i in range(round((high - low) / step) + 1)]
    runs: list[tuple[float, float, int]] = []
    start, current = -1e6, score(values[0])
    for before, after in zip(values, values[1:], strict=False):
        if score(after) != current:
            edge = round((before + after) / 2, 2)
            runs.append((start, edge, current))
            start, current = edge, score(after)
    runs.append((start, 1e6, current))
    return runs


#: key -> (title, unit, fixed y-range, symbol, bands); in the order the plots are stacked.
PLOTS: dict[str, tuple[str, str, tuple[float, float], str, list[tuple[float, float, int]]]] = {
    "news2": ("NEWS2 total", "", (-0.5, 12.5), "o",
              [(-1e6, 0.5, 0), (0.5, 4.5, 1), (4.5, 6.5, 2), (6.5, 1e6, 3)]),
    "hr": ("Pulse", "beats/min", (30, 160), "o", _bands(lambda v: score_hr(int(v)), "hr", 1)),
    "temp": ("Temperature", "°C", (34, 40.5), "t", _bands(score_temp, "temp", 0.1)),
    "sbp": ("Systolic BP", "mmHg", (70, 230), "d", _bands(lambda v: score_sbp(int(v)), "sbp", 1)),
    "rr": ("Respiration rate", "breaths/min", (4, 32), "s",
           _bands(lambda v: score_rr(int(v)), "rr", 1)),
}
NEWS2_BAND_WORDS = {1: "low", 2: "medium", 3: "high"}


@contextmanager
def _house_style() -> Iterator[None]:
    """pyqtgraph's options are global: set ours while our items are made, then put them back."""
    keys = ("antialias", "background", "foreground")
    saved = {k: pg.getConfigOption(k) for k in keys}
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    try:
        yield
    finally:
        pg.setConfigOptions(**saved)


class WardTimeAxis(pg.DateAxisItem):
    """Ticks at whole hours and midnights of the ward's clock, whatever the computer's zone: the
    plot's x is true epoch seconds, so a set taken across a clock change keeps its real spacing."""

    def __init__(self, zone: tzinfo, **kwargs):
        super().__init__(orientation="bottom", utcOffset=0, **kwargs)
        self.zone = zone
        self.setStyle(textFillLimits=[(0, 0.9)])  # the steps below already leave room for text

    def tickValues(self, minVal, maxVal, size):
        if size <= 0 or not maxVal > minVal or maxVal - minVal > 62 * DAY:
            return []
        px_per_hour = size * 3600 / (maxVal - minVal)
        step = next((h for h in (1, 2, 3, 6, 12) if h * px_per_hour >= 60), 24)
        days: list[float] = []
        hours: list[float] = []
        t = math.floor(minVal / 900) * 900  # quarter hours: every zone's whole hours fall on one
        while t <= maxVal:
            local = datetime.fromtimestamp(t, self.zone)
            if t >= minVal and local.minute == 0:
                if local.hour == 0:
                    days.append(t)
                elif local.hour % step == 0:
                    hours.append(t)
            t += 900
        return [(DAY, days), (step * 3600, hours)]

    def tickStrings(self, values, scale, spacing):
        fmt = "%a %d %b" if spacing == DAY else "%H:%M"
        return [datetime.fromtimestamp(v, self.zone).strftime(fmt) for v in values]


class TrendChart(QWidget):
    """The trends of one patient over [start, end]; entered-in-error sets are left out, and a
    NEWS2 from an incomplete set is a hollow point marked "≥n", never joined to the line."""

    def __init__(self, zone: tzinfo, parent=None):
        super().__init__(parent)
        self.zone = zone
        self.setObjectName("trendChart")
        self.setAccessibleName("Vital signs trend chart")
        self._series: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in PLOTS}
        self._floor_labels: list[pg.TextItem] = []
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("trendEmpty")
        self.empty_label.setAccessibleName("No vital signs to chart")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        with _house_style():
            self.graphics = pg.GraphicsLayoutWidget(self)
            self.graphics.setBackground("w")
            self.graphics.setObjectName("trendPlots")
            self.graphics.setAccessibleName(
                "Trend plots: NEWS2, pulse, temperature, systolic BP, respiration rate")
            self.graphics.ci.setSpacing(2)
            self.plots: dict[str, pg.PlotItem] = {}
            self.curves: dict[str, pg.PlotDataItem] = {}
            for row, key in enumerate(PLOTS):
                self._add_plot(row, key, last=row == len(PLOTS) - 1)
            self.floors = pg.ScatterPlotItem(symbol="o", size=10, pen=pg.mkPen(INK, width=1.6),
                                             brush=pg.mkBrush("w"))
            self.plots["news2"].addItem(self.floors)
        self.stack = QStackedLayout(self)
        self.stack.addWidget(self.graphics)
        self.stack.addWidget(self.empty_label)

    def _add_plot(self, row: int, key: str, last: bool) -> None:
        title, unit, (low, high), symbol, bands = PLOTS[key]
        plot = self.graphics.addPlot(row=row, col=0, axisItems={"bottom": WardTimeAxis(self.zone)})
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.showAxis("right")
        font = QFont()
        font.setPointSize(8)
        for name in ("left", "bottom", "right"):
            axis = plot.getAxis(name)
            axis.setPen(INK)
            axis.setTextPen(INK)
            axis.setStyle(tickFont=font)
        plot.getAxis("left").setWidth(44)
        plot.getAxis("right").setWidth(62)
        if not last:
            plot.getAxis("bottom").setStyle(showValues=False)
        plot.showGrid(x=True, alpha=0.25)
        for y0, y1, score in bands:
            region = pg.LinearRegionItem((y0, y1), orientation="horizontal", movable=False,
                                         brush=BAND_FILL[score], pen=QPen(Qt.PenStyle.NoPen))
            region.setZValue(-10)
            plot.addItem(region, ignoreBounds=True)
        plot.getAxis("right").setTicks([self._band_ticks(key, low, high)])
        pen = pg.mkPen(INK if key == "news2" else LINE, width=2)
        self.curves[key] = plot.plot([], [], pen=pen, symbol=symbol, symbolSize=7,
                                     symbolPen=pen, symbolBrush=pen.color(), name=title)
        self.plots[key] = plot
        self._set_title(key, present=True)
        plot.setYRange(low, high, padding=0)

    @staticmethod
    def _band_ticks(key: str, low: float, high: float) -> list[tuple[float, str]]:
        """Words on the right axis, so the shading is never the only sign of the band."""
        ticks: list[tuple[float, str]] = []
        span = high - low
        # Highest scores first: when two narrow bands are too close to label both, the label
        # kept is the one that matters more.
        for y0, y1, score in sorted(PLOTS[key][4], key=lambda band: -band[2]):
            a, b = max(y0, low), min(y1, high)
            middle = (a + b) / 2
            if b - a < span * 0.04 or (key == "news2" and score == 0):
                continue
            if any(abs(middle - y) < span * 0.1 for y, _ in ticks):
                continue
            ticks.append((middle, NEWS2_BAND_WORDS[score] if key == "news2" else f"scores {score}"))
        return sorted(ticks)

    def _set_title(self, key: str, present: bool) -> None:
        title, unit = PLOTS[key][0], PLOTS[key][1]
        text = f"<b>{title}</b>" + (f" ({unit})" if unit else "")
        if key == "news2":
            text += " &nbsp;● complete set &nbsp;○ ≥n: incomplete set, at least n"
        if not present:
            text += " — none recorded in this period"
        plot = self.plots[key]
        with _house_style():
            plot.setTitle(text, size="9pt", justify="left", color=INK)
        plot.titleLabel.setMaximumHeight(TITLE_HEIGHT)  # pyqtgraph reserves 30 px: too much x5
        plot.layout.setRowFixedHeight(0, TITLE_HEIGHT)

    def set_rows(self, rows: list[ObservationRow], start: datetime, end: datetime) -> None:
        """Show the sets taken in [start, end] (any order; entered-in-error ones are skipped)."""
        shown = sorted((r for r in rows if not r.entered_in_error and r.score is not None
                        and start <= r.observation.taken_at <= end),
                       key=lambda r: (r.observation.taken_at, r.observation.id))
        for item in self._floor_labels:
            self.plots["news2"].removeItem(item)
        self._floor_labels = []
        floors: tuple[list[float], list[float]] = ([], [])
        self._series = {k: ([], []) for k in PLOTS}
        for r in shown:
            x = r.observation.taken_at.timestamp()
            assert r.score is not None
            target = self._series["news2"] if r.score.complete else floors
            target[0].append(x)
            target[1].append(float(r.score.total))
            for key in ("hr", "temp", "sbp", "rr"):
                value = getattr(r.observation, key)
                if value is not None:
                    self._series[key][0].append(x)
                    self._series[key][1].append(float(value))
        with _house_style():
            self.floors.setData(*floors)
            for x, y in zip(*floors, strict=True):
                label = pg.TextItem(f"≥{y:g}", color=INK, anchor=(0, 1))
                label.setPos(x, y)
                self.plots["news2"].addItem(label)
                self._floor_labels.append(label)
        for key, (xs, ys) in self._series.items():
            self.curves[key].setData(xs, ys)
            low, high = PLOTS[key][2]
            values = ys + (floors[1] if key == "news2" else [])
            if values:  # never hide a reading outside the usual range
                margin = (high - low) * 0.05
                low, high = min(low, min(values) - margin), max(high, max(values) + margin)
            plot = self.plots[key]
            plot.setYRange(low, high, padding=0)
            plot.getAxis("right").setTicks([self._band_ticks(key, low, high)])
            # The same range on each plot, not setXLink: linked views align by pixels and drifted
            # by an hour or so while the layout settled.
            plot.setXRange(start.timestamp(), end.timestamp(), padding=0)
            self._set_title(key, present=bool(values))
        if shown:
            self.stack.setCurrentWidget(self.graphics)
            self.graphics.setAccessibleDescription(self._describe(shown[-1]))
        else:
            hours = round((end - start).total_seconds() / 3600)
            self.empty_label.setText(f"No vital signs recorded in the last {hours} hours.\n"
                                     "Record a set of observations to see the trends here.")
            self.stack.setCurrentWidget(self.empty_label)

    def _describe(self, row: ObservationRow) -> str:
        """The latest set in words, for a screen reader."""
        o, score = row.observation, row.score
        parts = [score.text()] if score else []
        for key in ("hr", "temp", "sbp", "rr"):
            value = getattr(o, key)
            if value is not None:
                title = PLOTS[key][0]
                parts.append(f"{title[0].lower()}{title[1:]} {value:g} {PLOTS[key][1]}")
        when = o.taken_at.astimezone(self.zone).strftime("%d %b %H:%M")
        return f"Latest set {when}: " + ", ".join(parts)

    def is_empty(self) -> bool:
        """True while the 'no vital signs' message is shown instead of the plots."""
        return self.stack.currentWidget() is self.empty_label

    def series(self, name: str) -> tuple[list[float], list[float]]:
        """x (epoch seconds, as plotted) and y of one curve: news2 (complete sets only), hr, temp,
        sbp, rr; 'news2_floor' gives the incomplete sets' hollow points."""
        if name == "news2_floor":
            xs, ys = self.floors.getData()
            return [float(v) for v in xs], [float(v) for v in ys]
        xs, ys = self._series[name]
        return list(xs), list(ys)
