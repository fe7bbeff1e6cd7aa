"""The ward pump calendar sheet (clinical-rules §6): one landscape page, every pump's refill-by,
low-reservoir alarm, empty, drug-stability and ERI dates, soonest refill-by first; refills due within
the buffer marked with a sign and in words (colour only a third signal). Also the last page of the
handover sheet when a refill is due (``calendar_pages``). Confidential; printed by whom and when."""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table

from ward_app.domain.pump_calendar import CALCULATED, CalendarEntry, PumpCalendar, day_text
from ward_app.reports.fonts import register_fonts
from ward_app.reports.pages import pdf_date, ward_sheet_canvas

TITLE = "Ward pump calendar"
CONFIDENTIAL = "Confidential — patient information"
_INK, _GREY = colors.HexColor("#1F2933"), colors.HexColor("#5F6B7A")
_RULE, _HEAD = colors.HexColor("#9AA5B1"), colors.HexColor("#2D4A66")
_RED, _RED_BG = colors.HexColor("#B42318"), colors.HexColor("#FCE8E8")
_AMBER, _AMBER_BG = colors.HexColor("#8A5300"), colors.HexColor("#FFF1CC")
#: Body text and table cells at least 8.5 pt; nothing on the sheet under 7 pt.
BODY_PT, SMALLEST_PT = 8.6, 7.0
#: The marks beside a highlighted row (the words say why; the colour is a third signal).
OVERDUE_MARK, DUE_MARK = "‼", "⚠"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def moment_text(at: datetime) -> str:
    """'Sat 05 Dec 2026 07:00', in English whatever the process locale."""
    return f"{day_text(at.date())} {at.year} {at:%H:%M}"


@cache
def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=regular, fontSize=BODY_PT, leading=10.6, textColor=_INK,
                          spaceShrinkage=0)
    return {
        "base": base,
        "h1": ParagraphStyle("h1", base, fontName=bold, fontSize=12, leading=15, textColor=_HEAD,
                             spaceAfter=2),
        "lead": ParagraphStyle("lead", base, fontSize=9, leading=11.5),
        "cell": base,
        "th": ParagraphStyle("th", base, fontName=bold, fontSize=7.5, leading=9,
                             textColor=colors.white),
    }


def _date(d: date | None, cal: PumpCalendar) -> str:
    if d is None:
        return "—"
    return day_text(d) + (f" {d.year}" if d.year != cal.at.year else "")


def _moment(m: datetime | None, cal: PumpCalendar) -> str:
    return "—" if m is None else f"{_date(m.date(), cal)}<br/>{m:%H:%M}"


def _eri(e: CalendarEntry) -> str:
    if e.eri_date is None:
        return "not recorded"
    end = e.end_of_service
    return f"ERI {_long(e.eri_date)}" + (f"<br/>ends about {_long(end)}" if end else "")


def _long(d: date) -> str:
    """'15 Nov 2026' (battery dates are years away: the weekday would only crowd them)."""
    return f"{d.day:02d} {_MONTHS[d.month - 1]} {d.year}"


def _reason(reason: str | None) -> str:
    """Which limit set the refill-by date, short enough for its column."""
    if not reason:
        return ""
    short = reason.replace("alarm date − ", "alarm − ").replace("drug stability limit",
                                                                 "stability limit")
    return f"<br/><font color='{_GREY.hexval()}'>{escape(short)}</font>"


def _look(e: CalendarEntry) -> tuple[str, colors.Color, colors.Color] | None:
    """Mark, text colour and fill of a highlighted row; None for an ordinary one."""
    if e.days_left is not None and e.days_left < 0:
        return OVERDUE_MARK, _RED, _RED_BG
    if e.within_buffer:
        return DUE_MARK, _AMBER, _AMBER_BG
    return None


def intro(cal: PumpCalendar) -> str:
    """What the page shows and why rows are marked, in words."""
    due = len(cal.due)
    pumps = f"{len(cal.entries)} pump{'s' * (len(cal.entries) != 1)}"
    return (f"{pumps} with a date in the next {cal.days} days (to {_date(cal.until, cal)}), "
            f"soonest refill-by first. <b>{due} refill{'s' * (due != 1)} due within the "
            f"{cal.buffer_days}-day refill buffer or overdue</b> ({DUE_MARK} due, {OVERDUE_MARK} "
            f"overdue; setting pump.refill_buffer_days). {escape(CALCULATED)}")


def calendar_table(cal: PumpCalendar, width: float, regular: str, bold: str) -> Flowable:
    s = _styles(regular, bold)
    heads = ("Bed", "Patient", "Refill by", "Why it is marked / status", "Low-reservoir alarm",
             "Empty", "Drug stability limit", "Battery: ERI and end of service")
    widths = [11 * mm, 40 * mm, 31 * mm, 0.0, 30 * mm, 30 * mm, 30 * mm, 42 * mm]
    widths[3] = width - sum(widths)
    rows: list[list[Any]] = [[Paragraph(h, s["th"]) for h in heads]]
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, _RULE), ("BOX", (0, 0), (-1, -1), 0.8, _INK),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    for e in cal.entries:
        look = _look(e)
        why = escape(e.why)
        refill = _date(e.refill_by, cal)
        if look is not None:
            mark, ink, fill = look
            why = f"<font color='{ink.hexval()}'><b>{mark}\u00a0{why}</b></font>"
            refill = f"<b>{refill}</b>"
            style.append(("BACKGROUND", (0, len(rows)), (-1, len(rows)), fill))
        rows.append([Paragraph(f"<b>{escape(e.bed)}</b>", s["cell"]),
                     Paragraph(f"<b>{escape(e.name)}</b><br/>MRN {escape(e.mrn)}", s["cell"]),
                     Paragraph(refill + _reason(e.refill_by_reason), s["cell"]), Paragraph(why, s["cell"]),
                     Paragraph(_moment(e.alarm_at, cal), s["cell"]),
                     Paragraph(_moment(e.empty_at, cal), s["cell"]),
                     Paragraph(_date(e.stability_date, cal), s["cell"]),
                     Paragraph(_eri(e), s["cell"])])
    return Table(rows, colWidths=widths, repeatRows=1, style=style)


def calendar_body(cal: PumpCalendar, width: float, regular: str, bold: str) -> list[Flowable]:
    """The heading, what it shows and the table (or a line saying there are no pumps)."""
    s = _styles(regular, bold)
    title = f"{TITLE}{' · ' + escape(cal.ward) if cal.ward else ''}"
    out: list[Flowable] = [Paragraph(title, s["h1"]), Paragraph(intro(cal), s["lead"]),
                           Spacer(1, 2 * mm)]
    if not cal.entries:
        return [*out, Paragraph(f"No pump has a date in the next {cal.days} days.", s["lead"])]
    return [*out, calendar_table(cal, width, regular, bold)]


def calendar_pages(cal: PumpCalendar | None, width: float) -> list[Flowable]:
    """The handover's last page: the calendar when it is given (the handover gives it only when a
    refill is due within the buffer), else nothing. ``width``: the handover's frame width."""
    if cal is None:
        return []
    regular, bold = register_fonts()
    return [PageBreak(), *calendar_body(cal, width, regular, bold)]


def _canvas_maker(cal: PumpCalendar, font: str, bold: str) -> type:
    """Header (ward, title, when), confidential footer, printed by whom and when, page x of y;
    DRILL on every page of a drill ward's sheet."""
    moment = f"{moment_text(cal.at)} ({cal.zone_name})"
    printed = f"Printed by {cal.printed_by or 'the ward'} on {moment_text(cal.at)}"
    ward = cal.ward or "All wards"

    return ward_sheet_canvas(title=f"{ward} · {TITLE}", moment=moment, printed=printed,
                             stamp=pdf_date(cal.at), drill=cal.drill, font=font, bold=bold)


def pump_calendar_pdf(cal: PumpCalendar) -> bytes:
    """The calendar as PDF bytes: same snapshot, same bytes (no clock, no database)."""
    regular, bold = register_fonts()
    buffer = io.BytesIO()
    size = landscape(letter if cal.paper.lower() == "letter" else A4)
    doc = SimpleDocTemplate(buffer, pagesize=size, leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=16 * mm, bottomMargin=13 * mm,
                            title=f"DRILL {TITLE}" if cal.drill else TITLE, author="ward_app",
                            creator="ward_app", subject="", invariant=True)
    doc.build(calendar_body(cal, doc.width, regular, bold),
              canvasmaker=_canvas_maker(cal, regular, bold))
    return buffer.getvalue()


__all__ = ["TITLE", "calendar_pages", "pump_calendar_pdf"]
