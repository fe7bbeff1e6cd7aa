"""The shift handover sheet (clinical-rules §8): the ward summary first (who is unstable, what is due, what
was not given, pump refills due), then one SBAR block per patient with its I-PASS illness severity
and timed actions. Landscape A4 or Letter; confidential; printed by whom and when; page x of y."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table
from reportlab.platypus.flowables import CondPageBreak, Flowable, KeepTogether, Spacer

from ward_app.domain.alerts import alert_title
from ward_app.domain.handover import Acuity, AlertLine, Handover, PatientBlock
from ward_app.reports.fonts import BOLD, register_fonts
from ward_app.reports.pages import pdf_date, ward_sheet_canvas
from ward_app.reports.pump_calendar_sheet import calendar_pages
from ward_app.reports.pump_checklist_part import checklist_flowables
from ward_app.reports.richtext import Rich

TITLE = "Shift handover"
CONFIDENTIAL = "Confidential — patient information"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_INK, _GREY = colors.HexColor("#1F2933"), colors.HexColor("#5F6B7A")
_RULE, _HEAD = colors.HexColor("#9AA5B1"), colors.HexColor("#2D4A66")
_SHADE = colors.HexColor("#EDF2F7")
_RED, _RED_BG = colors.HexColor("#B42318"), colors.HexColor("#FCE8E8")
_AMBER, _AMBER_BG = colors.HexColor("#8A5300"), colors.HexColor("#FFF1CC")
_GREEN = colors.HexColor("#2E7D32")
#: severity → mark, word, colour, bold: read in words and marks, colour only a third signal
_SEVERITY = {"emergency": ("‼", "EMERGENCY", _RED, True), "urgent": ("⚠", "URGENT", _RED, True),
             "warning": ("△", "Warning", _AMBER, False), "info": ("○", "Info", _GREY, False)}
_RANK = {"emergency": 3, "urgent": 2, "warning": 1, "info": 0}
#: acuity → mark, word, text colour, label text colour, label fill, box line colour and width
_ACUITY = {Acuity.UNSTABLE: ("▲", "UNSTABLE", _RED, colors.white, _RED, _RED, 2.0),
           Acuity.WATCHER: ("◆", "WATCHER", _AMBER, _INK, colors.HexColor("#F5C451"),
                            colors.HexColor("#D99A00"), 1.4),
           Acuity.STABLE: ("●", "STABLE", _GREEN, _GREEN, colors.white, _INK, 0.8)}
_HEAD_BG = {Acuity.UNSTABLE: _RED_BG, Acuity.WATCHER: _AMBER_BG, Acuity.STABLE: _SHADE}
_UNIT = re.compile(r"(\d) (mg|mcg|mL|g|°C|h|y|min|mmHg)\b")
_ROUTES = ("oral", "enteral", "intrathecal", "none")
_NO_PAD = [(k, (0, 0), (-1, -1), 0) for k in ("LEFTPADDING", "RIGHTPADDING", "TOPPADDING",
                                              "BOTTOMPADDING")]
_BANDS = ((-0.5, 0.5, "#F2F6F2", "0"), (0.5, 4.5, "#E2EFE2", "1–4"),
          (4.5, 6.5, "#FCE9C2", "5–6"), (6.5, 99.0, "#F8D3CF", "7+"))
_BOLD_FACE = f" face='{BOLD}'"  # the same font as <b> (its family's bold)
_BAND_FILL = {fill: colors.HexColor(fill) for _low, _high, fill, _text in _BANDS}

#: Body text and table cells (issue 17: at least 8.5 pt) and the smallest text anywhere (7 pt).
BODY_PT, CELL_PT, SMALLEST_PT = 8.6, 8.6, 7.0
#: On every page: the record is what was written, nothing else.
NOT_RECORDED = "Not recorded is not done: check the chart for anything not listed."

#: Doses given despite a recording check (clinical-rules §9), in the Assessment box.
FLAGGED = "GIVEN DESPITE A CHECK: "


class _Once:
    """Measured once per width: nested tables wrap each cell many times."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        # a table's draw asks again at its column width computed another way (…0477 vs …048)
        if abs(getattr(self, "_wrapped_at", -1.0) - availWidth) > 1e-6:
            self._wrapped_at, self._size = availWidth, super().wrap(availWidth, availHeight)  # type: ignore[misc]
        return self._size


class _P(_Once, Paragraph):
    """A Paragraph measured once per width (tables ask each cell's size many times)."""


class _R(_Once, Rich):
    """A paragraph of this module's markup (see richtext), measured once per width."""


class _T(Table):
    """A Table of fixed column widths, never split: measured once, whatever the width offered
    (a frame offers 12 pt less than the block was measured at), moved whole to the next page."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if not hasattr(self, "_size"):
            self._size = super().wrap(availWidth, availHeight)
        return self._size

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        return []


class _Barcode(Flowable):
    """An MRN's Code 128 (reportlab's own barcode flowable), measured once: reportlab encodes the
    value again each time its size is asked, and a table asks many times. Its bars stay a
    rectangle each: a viewer snaps those to pixels, and a path of them blurs."""

    def __init__(self, value: str, bar_width: float, bar_height: float) -> None:
        super().__init__()
        self.code = Code128(value, barWidth=bar_width, barHeight=bar_height, humanReadable=False)
        self.width, self.height = self.code.wrap(0, 0)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.code.drawOn(self.canv, 0, 0)


def moment_text(at: datetime) -> str:
    """'Wed 25 Nov 2026 07:00', in English whatever the process locale."""
    return f"{_DAYS[at.weekday()]} {at.day:02d} {_MONTHS[at.month - 1]} {at.year} {at:%H:%M}"


def _day(d: date) -> str:
    return f"{_DAYS[d.weekday()]} {d.day:02d} {_MONTHS[d.month - 1]}"


def _font(text: str, colour: colors.Color, bold: bool = False) -> str:
    # bold as the font's face, not a <b> inside it: one tag fewer for reportlab's parser to read
    return f"<font color='{colour.hexval()}'{_BOLD_FACE if bold else ''}>{text}</font>"


def _sev(severity: str) -> str:
    mark, word, colour, bold = _SEVERITY.get(severity, ("•", escape(severity), _GREY, False))
    return _font(f"{mark}\u00a0{word}", colour, bold)


def _acuity(a: Acuity) -> str:
    mark, word, colour, *_rest = _ACUITY[a]
    return _font(f"{mark}\u00a0{word}", colour, True)


def _e(text: str) -> str:
    """Escaped for Paragraph markup, a number kept on the line of its unit ('5 mg', '36.8 °C')."""
    return _UNIT.sub("\\1\u00a0\\2", escape(text))


def _regimen(p: PatientBlock, short: bool = False) -> str:
    """'Oral baclofen <b>10 mg TDS</b>' ('Oral' alone in a heading); the dose alone with no route."""
    if not p.route:
        return f"<b>{_e(p.dose or 'No baclofen order')}</b>"
    route = _e(p.route).capitalize() + ("" if short else " baclofen")
    return f"{route} <b>{_e(p.dose)}</b>"


def _first_sentence(text: str, limit: int = 100) -> str:
    cut = text.split(". ")[0].rstrip(".")
    return cut if len(cut) <= limit else cut[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def _sorted_alerts(alerts: Sequence[AlertLine]) -> list[AlertLine]:
    return sorted(alerts, key=lambda a: (a.acknowledged_by is not None, -_RANK.get(a.severity, 0)))


def _canvas_maker(h: Handover, font: str, bold: str) -> type:
    """A canvas that holds its pages to the end, so each can say 'Page x of y' in its footer."""
    moment = f"{moment_text(h.at)} ({h.zone_name})"
    printed = f"Printed by {h.printed_by} on {moment_text(h.at)}"
    as_of = f"Data as of {moment_text(h.at)}"
    if h.since is not None:
        as_of += f"; the shift's story {h.since_what or 'since ' + moment_text(h.since)}"
    fitted_line = f"{as_of}. {NOT_RECORDED}"
    if h.offline:  # on every page: this sheet may lack what other workstations recorded
        fitted_line = f"{h.offline.upper()} {fitted_line}"

    return ward_sheet_canvas(title=f"{h.ward} · {TITLE}", moment=moment, printed=printed,
                             stamp=pdf_date(h.at), drill=h.drill, font=font, bold=bold,
                             top_line=fitted_line)


@cache
def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    """Made once (never changed): the fragments parsed for a style are kept with it."""
    # spaceShrinkage 0: a line never squeezes its spaces to fit (and reportlab's wrapping then
    # skips re-measuring every space of the line for each word: a tenth of its time here)
    # at least 8.5 pt for what is read, nothing under 7 pt anywhere (issue 17)
    base = ParagraphStyle("base", fontName=regular, fontSize=BODY_PT, leading=10.6, textColor=_INK,
                          spaceShrinkage=0)
    return {
        "base": base,
        "h1": ParagraphStyle("h1", base, fontName=bold, fontSize=10.5, leading=13, spaceBefore=6,
                             spaceAfter=2.5, textColor=_HEAD),
        "lead": ParagraphStyle("lead", base, fontSize=9, leading=11.5),
        "cell": ParagraphStyle("cell", base, fontSize=CELL_PT, leading=10.6),
        "th": ParagraphStyle("th", base, fontName=bold, fontSize=7.5, leading=9, textColor=colors.white),
        "tile": ParagraphStyle("tile", base, fontSize=9.5, leading=12),
        "big": ParagraphStyle("big", base, fontName=bold, fontSize=20, leading=22),
        "sec": ParagraphStyle("sec", base, fontName=bold, fontSize=7.5, leading=9, textColor=_HEAD),
        "name": ParagraphStyle("name", base, fontSize=8.5, leading=13),
        "item": ParagraphStyle("item", base, spaceBefore=0.8),
    }


@cache
def _action_style(regular: str, bold: str, indent: float) -> ParagraphStyle:
    """An action with its time hanging in the margin: a few indents (the widest time a block has)."""
    return ParagraphStyle("action", _styles(regular, bold)["item"], leftIndent=indent, bulletIndent=0,
                          bulletFontName=bold, bulletFontSize=BODY_PT)


class _Beside(Flowable):
    """Two flowables side by side, tops aligned, the second ``at`` points in: a two-cell Table
    without padding, for a tenth of its cost."""

    def __init__(self, left: Flowable, right: Flowable, at: float) -> None:
        super().__init__()
        self.left, self.right, self.at = left, right, at

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        canv = getattr(self, "canv", None)
        self.lh = self.left.wrapOn(canv, self.at, availHeight)[1]
        self.rh = self.right.wrapOn(canv, availWidth - self.at, availHeight)[1]
        self.width, self.height = availWidth, max(self.lh, self.rh)
        return self.width, self.height

    def draw(self) -> None:
        self.left.drawOn(self.canv, 0, self.height - self.lh)
        self.right.drawOn(self.canv, self.at, self.height - self.rh)


class _Trend(Flowable):
    """NEWS2 over the last 72 h: a sparkline over faint bands 0 / 1-4 / 5-6 / 7+, drawn straight
    on the canvas (a graphics Drawing costs a dozen shape objects and their renderer per patient)."""

    def __init__(self, points: Sequence[tuple[datetime, int]], at: datetime, w: float,
                 font: str) -> None:
        super().__init__()
        self.width, self.height, self.font = w, 12 * mm, font
        self.plot_w = w - 9 * mm
        self.top = max(9.5, max((v for _t, v in points), default=0) + 0.5)
        start = at - timedelta(hours=72)
        self.xy = [(self.plot_w * (t - start).total_seconds() / (72 * 3600), self.y(v), v)
                   for t, v in sorted(points) if start <= t <= at]

    def y(self, v: float) -> float:
        return 0.5 + (self.height - 1) * (min(v, self.top) + 0.5) / (self.top + 0.5)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c, font = self.canv, self.font
        # the bands and their labels are the same in every sparkline of this height: one form
        name = f"news2bands{round(self.width * 100)}x{round(self.top * 10)}"
        if not c.hasForm(name):
            c.beginForm(name, 0, 0, self.width, self.height)
            self._bands()
            c.endForm()
        c.saveState()
        c.doForm(name)
        c.setFillColor(_INK)
        if len(self.xy) > 1:
            c.setStrokeColor(_INK)
            c.setLineWidth(0.8)
            path = c.beginPath()
            path.moveTo(*self.xy[0][:2])
            for x, yy, _v in self.xy[1:]:
                path.lineTo(x, yy)
            c.drawPath(path, stroke=1, fill=0)
        if self.xy:
            x, yy, v = self.xy[-1]
            c.circle(x, yy, 1.3, stroke=0, fill=1)
            c.setFont(font, SMALLEST_PT)
            c.drawRightString(max(x - 2.5, 0), min(yy + 2, self.height - 5), str(v))
        c.restoreState()

    def _bands(self) -> None:
        c = self.canv
        c.setFont(self.font, SMALLEST_PT)
        for low, high, fill, text in _BANDS:
            y0, y1 = self.y(low), self.y(min(high, self.top))
            c.setFillColor(_BAND_FILL[fill])
            c.rect(0, y0, self.plot_w, y1 - y0, stroke=0, fill=1)
            c.setFillColor(_GREY)
            c.drawString(self.plot_w + 1.5, (y0 + y1) / 2 - 1.7, text)
        c.setFont(self.font, SMALLEST_PT)
        c.drawString(1, self.height - SMALLEST_PT, "NEWS2, 72 h")


class _Sheet:
    def __init__(self, h: Handover, doc: SimpleDocTemplate, regular: str, bold: str) -> None:
        self.h, self.width, self.max_h = h, doc.width, doc.height - 14
        self.font, self.bold, self.s = regular, bold, _styles(regular, bold)
        self.tz = h.at.tzinfo

    def p(self, text: str, style: str = "base") -> Flowable:
        return _R(text, self.s[style])

    def local(self, dt: datetime) -> datetime:
        return dt.astimezone(self.tz) if dt.tzinfo is not None and self.tz is not None else dt

    def hm(self, dt: datetime) -> str:  # '08:00' on the handover's date, 'Thu 08:00' another day
        t = self.local(dt)
        return f"{t:%H:%M}" if t.date() == self.h.at.date() else f"{_DAYS[t.weekday()]} {t:%H:%M}"

    def table(self, rows: list[list[Any]], widths: Sequence[float],
              extra: Sequence[tuple[Any, ...]] = ()) -> Table:
        """A summary table: a dark heading row, repeated when the table runs onto the next page."""
        return Table(rows, colWidths=list(widths), repeatRows=1, style=[
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 1.6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8), ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3), ("LINEBELOW", (0, 0), (-1, -1), 0.25, _RULE),
            ("FONT", (0, 0), (-1, -1), self.font, CELL_PT, 10.6), ("TEXTCOLOR", (0, 0), (-1, -1), _INK),
            ("BACKGROUND", (0, 0), (-1, 0), _HEAD),
            *[("BACKGROUND", (0, r), (-1, r), _SHADE) for r in range(2, len(rows), 2)], *extra])

    def head(self, *titles: str) -> list[Flowable]:
        return [self.p(t, "th") for t in titles]

    def cell(self, text: str, width: float, bold: bool = False, markup: str | None = None) -> Any:
        """A plain string cell (nothing to lay out) where the text fits its column on one line, in
        the font the table's style gives that cell; else a Paragraph of ``markup``, which wraps."""
        if "\n" not in text and stringWidth(text, self.bold if bold else self.font, CELL_PT) <= \
                width - 6:
            return text
        return self.p(markup or (f"<b>{escape(text)}</b>" if bold else escape(text)), "cell")

    def marked(self, severity: str, width: float, row: int, col: int,
               style: list[tuple[Any, ...]]) -> Any:
        """A severity ('⚠ URGENT') in its colour and weight: plain where it fits, like cell()."""
        mark, word, colour, bold = _SEVERITY.get(severity, ("•", severity, _GREY, False))
        style += [("TEXTCOLOR", (col, row), (col, row), colour),
                  ("FONT", (col, row), (col, row), self.bold if bold else self.font, CELL_PT, 10.6)]
        return self.cell(f"{mark}\u00a0{word}", width, bold, _sev(severity))

    def section(self, title: str) -> list[Flowable]:
        return [CondPageBreak(30 * mm), self.p(title, "h1")]  # a title never ends a page

    # ---- the ward summary -------------------------------------------------------------------
    def summary(self) -> list[Flowable]:
        sm, e, w = self.h.summary, escape, self.width
        routes = [r for r in _ROUTES if r in sm.by_route] + sorted(set(sm.by_route) - set(_ROUTES))
        by_route = " · ".join(f"{e(r)} <b>{sm.by_route[r]}</b>" for r in routes) or "—"
        by_acuity = " · ".join(f"{_acuity(a)} <b>{sm.by_acuity.get(a.value, 0)}</b>" for a in
                               (Acuity.UNSTABLE, Acuity.WATCHER, Acuity.STABLE))
        tiles = Table([[self.p("Patients", "sec"), self.p("By route", "sec"),
                        self.p("By illness severity (I-PASS)", "sec")],
                       [self.p(str(sm.patients), "big"), self.p(by_route, "tile"),
                        self.p(by_acuity, "tile")]], colWidths=[w * 0.14, w * 0.40, w * 0.46])
        tiles.setStyle([("BOX", (0, 0), (-1, -1), 0.9, _INK), ("BACKGROUND", (0, 0), (-1, -1), _SHADE),
                        ("LINEBEFORE", (1, 0), (-1, -1), 0.4, _RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("BOTTOMPADDING", (0, 0), (-1, 0), 0)])
        out: list[Flowable] = [self.p(f"Ward summary — {e(self.h.ward)}", "h1"), tiles]
        # what is still to do before what was done (issue 17)
        out += self._outstanding() + self._watch_list() + self._due() + self._not_given() \
            + self._refills()
        counts = " · ".join(f"{_sev(sev)} <b>{sm.alerts_by_severity[sev]}</b>" for sev in _SEVERITY
                            if sm.alerts_by_severity.get(sev))
        out += self.section("Active alerts by severity") + [
            self.p(counts or "No active alerts.", "lead")]
        if sm.scanned:  # skipping a scan is made visible, never impossible (issue 20)
            out += self.section(f"Medicines scanned at the bedside {_e(self.h.since_what)}") + [
                self.p(_e(sm.scanned), "lead")]
        return out

    def _outstanding(self) -> list[Flowable]:
        items = self.h.outstanding
        title = self.section(f"Still to do now ({len(items)}): unacknowledged alerts, overdue and "
                             "due-within-the-hour doses and checks, pump refills")
        if not items:
            return [*title, self.p("Nothing outstanding at the time of printing.", "lead")]
        lines = [self.p(f"☐ {_e(text)}", "cell") for text in items]
        half = (len(lines) + 1) // 2
        # two columns, read down the left then the right; one row per pair of items, so a long
        # list runs on to the next page instead of moving whole and leaving this one blank
        rows = [[lines[i], lines[i + half] if i + half < len(lines) else ""] for i in range(half)]
        return [*title, Table(rows, colWidths=[self.width / 2] * 2, style=[
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5)])]

    def _watch_list(self) -> list[Flowable]:
        title = self.section("Unstable and watcher patients")
        who = [p for a in (Acuity.UNSTABLE, Acuity.WATCHER) for p in self.h.patients if p.acuity is a]
        if not who:
            return [*title, self.p("None: every patient is stable.", "lead")]
        rows: list[list[Any]] = [self.head("Severity", "Bed", "Name", "Why (top alerts)")]
        widths = [27 * mm, 13 * mm, 48 * mm, self.width - 88 * mm]
        style: list[tuple[Any, ...]] = [("FONT", (0, 1), (2, -1), self.bold, CELL_PT, 10.6)]
        for p in who:
            alerts = _sorted_alerts(p.alerts)
            why = [f"{_sev(a.severity)} {escape(_first_sentence(a.message))}" for a in alerts[:2]]
            if len(alerts) > 2:
                why[-1] += _font(f" (+ {len(alerts) - 2} more)", _GREY)
            if p.news2 and not alerts:
                why.append(escape(p.news2))
            mark, word, colour, *_rest = _ACUITY[p.acuity]
            style.append(("TEXTCOLOR", (0, len(rows)), (0, len(rows)), colour))
            rows.append([self.cell(f"{mark}\u00a0{word}", widths[0], True, _acuity(p.acuity)),
                         self.cell(p.bed, widths[1], True), self.cell(p.name, widths[2], True),
                         self.p("<br/>".join(why) or "—", "cell")])
        return [*title, self.table(rows, widths, extra=style)]

    def _due(self) -> list[Flowable]:
        """By dose time (as the round is walked), three doses to a row in bed order."""
        doses = self.h.summary.due_next_12h
        title = self.section(f"Doses due in the next 12 hours ({len(doses)})")
        if not doses:
            return [*title, self.p("No doses due.", "lead")]
        by_time: dict[str, list[Any]] = {}
        for d in doses:
            by_time.setdefault(self.hm(d.due), []).append(d)
        gap, n = 4 * mm, 3
        gw = (self.width - (n - 1) * gap) / n
        widths = ([13 * mm, gw - 35 * mm, 22 * mm, gap] * n)[:-1]
        style: list[tuple[Any, ...]] = [("SPAN", (0, 0), (-1, 0)),
                                        ("FONT", (0, 1), (-1, -1), self.bold, CELL_PT, 10.6)]
        style += [("LINEBELOW", (c, 0), (c, -1), 0, colors.white) for c in range(3, 4 * n - 1, 4)]
        style += [("FONT", (c, 1), (c, -1), self.font, CELL_PT, 10.6) for c in range(1, 4 * n, 4)]  # names
        out = title
        for time, group in by_time.items():  # one table a time: its band repeats if it splits
            rows: list[list[Any]] = [[self.p(f"{time} · {len(group)} dose{'s' * (len(group) != 1)}",
                                             "th")] + [""] * (len(widths) - 1)]
            for i in range(0, len(group), n):
                row: list[Any] = []
                for d in group[i:i + n]:
                    row += [d.bed, self.cell(d.name, widths[1]), d.dose, ""]  # plain: no markup
                rows.append((row + [""] * len(widths))[:len(widths)])
            out += [self.table(rows, widths, extra=style), Spacer(1, 1.5 * mm)]
        return out

    def _not_given(self) -> list[Flowable]:
        doses = self.h.summary.not_given_24h
        title = self.section(f"Doses missed, omitted or refused in the last 24 hours ({len(doses)})")
        if not doses:
            return [*title, self.p("None: every dose was given or recorded.", "lead")]
        rows: list[list[Any]] = [self.head("Due", "Bed", "Name", "Dose", "State", "Reason")]
        widths = [22 * mm, 13 * mm, 55 * mm, 22 * mm, 30 * mm, self.width - 142 * mm]
        style: list[tuple[Any, ...]] = [("FONT", (4, 1), (4, -1), self.bold, CELL_PT, 10.6)]
        for d in doses:
            state = d.state.replace("_", " ").upper()
            if d.state == "missed":
                state = f"✗ {state}"
                style.append(("TEXTCOLOR", (4, len(rows)), (4, len(rows)), _RED))
            markup = _font(escape(state), _RED if d.state == "missed" else _INK, True)
            rows.append([self.hm(d.due), d.bed, self.cell(d.name, widths[2]), d.dose,
                         self.cell(state, widths[4], True, markup),
                         self.cell(d.reason or "no reason recorded", widths[5])])
        return [*title, self.table(rows, widths, extra=style)]

    def _refills(self) -> list[Flowable]:
        refills = self.h.summary.refills_due
        title = self.section(f"Pump refills due within 7 days ({len(refills)})")
        if not refills:
            return [*title, self.p("No pump refills due.", "lead")]
        rows: list[list[Any]] = [self.head("Bed", "Name", "Refill by", "Low-reservoir alarm",
                                           "Alert")]
        widths = [13 * mm, 48 * mm, 56 * mm, 40 * mm, self.width - 157 * mm]
        style: list[tuple[Any, ...]] = [("FONT", (1, 1), (2, -1), self.bold, CELL_PT, 10.6)]
        for r in refills:
            alarm = self.local(r.alarm_at)
            alert = (self.marked(r.severity, widths[4], len(rows), 4, style) if r.severity else
                     "not raised yet")
            refill_by = (f"{_day(r.refill_by)} — OVERDUE since {_day(r.overdue_since)}"
                         if r.overdue_since is not None else _day(r.refill_by))
            rows.append([r.bed, self.cell(r.name, widths[1], True),
                         self.cell(refill_by, widths[2], r.overdue_since is not None),
                         f"{_day(alarm.date())} {alarm:%H:%M}", alert])
        return [*title, self.table(rows, widths, extra=style)]

    # ---- one SBAR block per patient ---------------------------------------------------------
    def block(self, p: PatientBlock) -> Flowable:
        """A bordered box, heading over S+B | A | R, kept on one page (nested tables, no spans:
        a spanned cell is wrapped twice)."""
        w = self.width
        cols = [w * 0.25, w * 0.31, w * 0.44]
        line_colour, line = _ACUITY[p.acuity][5:]
        heading = self._heading(p, w)
        sb, a, r = self._sb(p), self._assessment(p, cols[1] - 8), self._recommendation(p)
        pad = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 4),
               ("RIGHTPADDING", (0, 0), (-1, -1), 4), ("TOPPADDING", (0, 0), (-1, -1), 2),
               ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]
        body = _T([[sb, a, r]], colWidths=cols, style=[*pad, ("LINEBEFORE", (1, 0), (-1, 0), 0.4, _RULE)])
        told = _T([[self._story(p, w - 8)]], colWidths=[w], style=[*pad, ("BOTTOMPADDING", (0, 0),
                                                                          (-1, -1), 2)])
        frame = [("BOX", (0, 0), (-1, -1), line, line_colour), ("LINEBELOW", (0, 0), (-1, 1), 0.6, _RULE),
                 ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG[p.acuity]), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        box = _T([[heading], [told], [body]], colWidths=[w], style=[*frame, *_NO_PAD],
                 spaceAfter=3 * mm)
        if box.wrap(w, self.max_h)[1] <= self.max_h:
            return box  # on the next page if not on this one: _T never splits
        # taller than a page (a very long action list): the sections stacked, so it can split
        tall = Table([[heading], [self._story(p, w - 8)], [sb], [a], *[[item] for item in r]],
                     colWidths=[w], repeatRows=1)
        tall.setStyle([*pad, *frame, ("LINEBELOW", (0, 1), (-1, 3), 0.4, _RULE),
                       *[(k, (0, 0), (-1, 0), 0) for k, *_rest in _NO_PAD],
                       ("TOPPADDING", (0, 4), (-1, -1), 0), ("BOTTOMPADDING", (0, 4), (-1, -1), 0)])
        return KeepTogether([tall, Spacer(1, 3 * mm)])

    def _heading(self, p: PatientBlock, w: float) -> Table:
        mark, word, _colour, fg, fill, *_line = _ACUITY[p.acuity]
        code = _Barcode(p.mrn, 0.62, 6.5 * mm)
        code_w = code.width + 6
        cells = [self.p(f"<font size=14><b>{_e(p.bed)}</b>\u2002</font> <font size=11.5{_BOLD_FACE}>"
                        f"{_e(p.name)}</font>  {p.age} y  ·  MRN <b>{_e(p.mrn)}</b>", "name"),
                 self.p(f"<font size=11>{_regimen(p, short=True)}</font>", "name"), f"{mark} {word}", code]
        label_w = 30 * mm
        widths = [w * 0.5, w * 0.5 - label_w - code_w, label_w, code_w]
        t = _T([cells], colWidths=widths)
        t.setStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BACKGROUND", (2, 0), (2, 0), fill),
                    ("BOX", (2, 0), (2, 0), 0.8, fill if fill != colors.white else _GREEN),
                    ("FONT", (2, 0), (2, 0), self.bold, 8.5), ("TEXTCOLOR", (2, 0), (2, 0), fg),
                    ("ALIGN", (2, 0), (2, 0), "CENTER"),
                    ("BACKGROUND", (3, 0), (3, 0), colors.white), ("ALIGN", (3, 0), (3, 0), "CENTER"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                    ("TOPPADDING", (1, 0), (1, 0), 7.6)])  # its baseline on the name's (14 pt bed)
        return t

    def _lines(self, pairs: Sequence[tuple[str, str | None]]) -> str:
        return "<br/>".join(f"{_font(label, _GREY)} {value}" for label, value in pairs if value)

    def _title(self, text: str) -> str:
        return _font(text, _HEAD, True)

    def _sb(self, p: PatientBlock) -> Flowable:
        open_alerts = [a.severity for a in p.alerts if a.acknowledged_by is None]
        counts = " · ".join(f"{_sev(s)}\u00a0{open_alerts.count(s)}" for s in _SEVERITY if s in open_alerts)
        situation = [_regimen(p),
                     _acuity(p.acuity) + (f" · {_font('open alerts', _GREY)} {counts}" if counts else "")]
        background = self._lines([
            ("Indication", _e(p.indication or "")), ("Flags", _e(", ".join(p.flags)) or "none"),
            ("Renal", _e(p.renal or "")), ("Co-meds", _e("; ".join(p.comeds))), ("Pump", _e(p.pump or ""))])
        return self.p("<br/>".join([self._title("S · Situation"), *situation,
                                    self._title("B · Background"), background]), "item")

    def _story(self, p: PatientBlock, w: float) -> Flowable:
        """The shift's story across the block, oldest first, in two columns when it is long:
        what happened, even if the patient looks well now (issue 17)."""
        told = [_font(_e(line.text), _RED, True) if line.concern else _e(line.text)
                for line in p.story] or [_font("Nothing recorded for this patient in this period.",
                                               _RED, True)]
        title = self._title(f"This shift, {_e(self.h.since_what or 'since the last handover')}")
        if len(told) <= 3:
            return self.p(f"{title}<br/>" + "<br/>".join(told), "item")
        half = (len(told) + 1) // 2
        return _T([[self.p(f"{title}<br/>" + "<br/>".join(told[:half]), "item"),
                    self.p("<br/>" + "<br/>".join(told[half:]), "item")]],
                  colWidths=[w / 2, w / 2], style=[*_NO_PAD, ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                                   ("RIGHTPADDING", (0, 0), (0, 0), 6)])

    def _assessment(self, p: PatientBlock, w: float) -> list[Flowable]:
        points = [(self.local(t), v) for t, v in p.news2_trend]
        news2 = f"<b>{_e(p.news2 or 'NEWS2: no vital signs recorded')}</b>"
        if not points:
            news2 += "<br/>" + _font("No complete NEWS2 sets in 72 h", _GREY)
        not_given = _font(_e(", ".join(p.not_given_24h)), _RED, True) if p.not_given_24h else "none"
        rest = self._lines([("Vitals", _e(p.vitals or "")), ("Sedation", _e(p.sedation or "")),
                            ("Spasticity", _e(p.spasticity or "")), ("Withdrawal", _e(p.withdrawal or "")),
                            ("Given 24 h:", f"<b>{p.given_24h}</b>; not given: {not_given}"
                             + (f"; {_font('entered late: ' + _e(', '.join(p.entered_late_24h)), _RED, True)}"
                                if p.entered_late_24h else "")
                             + (f"; {_font(FLAGGED + _e('; '.join(p.flagged_24h)), _RED, True)}"
                                if p.flagged_24h else ""))])
        top: Flowable = self.p(f"{self._title('A · Assessment')}<br/>{news2}", "item")
        if points:  # the trend beside the score, not under it: a block stays four to a page
            top = _Beside(top, _Trend(points, self.h.at, w * 0.52, self.font), w * 0.48)
        return [top, self.p(rest, "item")]

    def _recommendation(self, p: PatientBlock) -> list[Flowable]:
        out: list[Flowable] = [self.p(self._title("R · Recommendation"), "item")]
        times = ["now" if a.when is None else self.hm(a.when) for a in p.actions]
        indent = max((stringWidth(t, self.bold, BODY_PT) for t in times), default=0) + 5
        style = _action_style(self.font, self.bold, indent)
        for a, t in zip(p.actions, times, strict=True):
            text = _e(a.what)
            out.append(_P(_font(f"⚠ {text}", _RED, True) if a.urgent else text, style, bulletText=t))
        if not p.actions:
            out.append(self.p("No actions listed: continue the current plan.", "item"))
        if p.note is not None:
            out.append(self.p(f"{self._title('Nurse’s note')} {_e(p.note.text)} "
                              + _font(f"({_e(p.note.by)}, {self.hm(p.note.at)})", _GREY), "item"))
        alerts, said = [], " ".join(a.what for a in p.actions)  # said: not printed twice
        for al in _sorted_alerts(p.alerts):
            tail = f"{escape(alert_title(al.rule))} · since {self.hm(al.since)}"
            if al.acknowledged_by is not None:
                tail += f" · ✓ acknowledged by {escape(al.acknowledged_by)}"
            text = _font("as in the actions above", _GREY) if al.message in said else _e(al.message)
            alerts.append(f"{_sev(al.severity)} {text} "
                          f"<font size={SMALLEST_PT} color='{_GREY.hexval()}'>({tail})</font>")
        out += checklist_flowables(p.checklist, self.s["item"])  # pump failure checklist
        return out + ([self.p("<br/>".join(alerts), "item")] if alerts else [])


def handover_pdf(h: Handover) -> bytes:
    """The handover sheet as PDF bytes: same snapshot, same bytes (no clock, no database)."""
    regular, bold = register_fonts()
    buffer = io.BytesIO()
    size = landscape(letter if h.paper.lower() == "letter" else A4)
    doc = SimpleDocTemplate(buffer, pagesize=size, leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=18 * mm, bottomMargin=12 * mm,
                            title=f"DRILL {TITLE}" if h.drill else TITLE, author="ward_app",
                            creator="ward_app", subject="", invariant=True)
    sheet = _Sheet(h, doc, regular, bold)
    story: list[Flowable] = sheet.summary()
    if h.offline:
        story.insert(0, sheet.p(f"<font color='{_AMBER.hexval()}'><b>⚠ {_e(h.offline)}</b></font> "
                                "Check the other workstations or the paper record before relying "
                                "on this sheet.", "lead"))
    if h.patients:
        # no forced page break: the blocks start where the summary ends (issue 17 saw page 2
        # mostly blank); a block that does not fit moves whole to the next page
        blocks = [sheet.block(p) for p in h.patients]
        # the heading goes with the first block: never alone at the foot of a page
        story += [KeepTogether([*sheet.section("Patients, bed by bed"), blocks[0]]), *blocks[1:]]
    story += calendar_pages(h.pump_calendar, doc.width)  # last page when a refill is due
    doc.build(story, canvasmaker=_canvas_maker(h, regular, bold))
    return buffer.getvalue()
