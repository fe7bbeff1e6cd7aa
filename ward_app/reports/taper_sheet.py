"""The taper sheet (clinical-rules §7): a printable day-by-day reducing plan with a tick box per dose, the
withdrawal signs to watch for (clinical-rules §4), the driving and machinery caution and whom to call
with the ward's number when it is set (clinical-rules §10), to pin to the drug chart or take home."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from ward_app.domain.observations import EARLY_SIGNS, LATE_SIGNS, SIGN_LABELS, Sign
from ward_app.domain.taper import Form, TaperPlan, amount_text
from ward_app.reports.fonts import register_fonts
from ward_app.reports.pages import PagedCanvas, fit, pdf_date

TITLE = "Baclofen reducing plan (taper)"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_INK = colors.HexColor("#1F2933")
_GREY = colors.HexColor("#5F6B7A")
_RULE = colors.HexColor("#9AA5B1")
_HEAD = colors.HexColor("#2D4A66")
_SHADE = colors.HexColor("#EDF2F7")
_NOTE_BG, _NOTE_LINE = colors.HexColor("#FFF4D6"), colors.HexColor("#C98A00")
_LATE_BG, _LATE_LINE = colors.HexColor("#FCE8E8"), colors.HexColor("#B42318")
_END_BG = colors.HexColor("#E3F1E6")


@dataclass(frozen=True)
class TaperSheet:
    patient_name: str
    mrn: str
    dob: date
    ward: str
    bed: str
    plan: TaperPlan
    order_text: str  # the order being tapered, e.g. "oral 20 mg TDS (60 mg/day)"
    prescriber: str
    printed_by: str
    printed_at: datetime  # aware, already in the ward's time zone
    contact: str  # whom to call
    zone_name: str = "Europe/London"
    drill: bool = False  # a drill (training) ward: the title and every page say DRILL
    phone: str = ""  # the ward's telephone number (setting contact.phone); "" = not set


#: The seed article and the labels (OZOBAX §5.3): drowsiness, above all while the dose changes.
DRIVING = ("<b>Drowsiness:</b> baclofen may cause drowsiness. Do not drive or operate machinery if "
           "you are affected, especially while the dose is changing.")


def whom_to_call(sheet: TaperSheet) -> str:
    """'Whom to call' with the ward's number when one is set (never an empty number)."""
    phone = sheet.phone.strip()
    return f"{sheet.contact}, telephone {phone}" if phone else sheet.contact


def if_doses_missed(sheet: TaperSheet) -> str:
    """What to do when doses are missed: 'the number above' only when a number is printed, else
    call whom the line above names."""
    return "call the number above" if sheet.phone.strip() else "call them (named above) at once"


def day_text(d: date) -> str:
    """'Tue 01 Dec 2026', in English whatever the process locale."""
    return f"{_DAYS[d.weekday()]} {d.day:02d} {_MONTHS[d.month - 1]} {d.year}"


def _date(d: date) -> str:
    return f"{d.day:02d} {_MONTHS[d.month - 1]} {d.year}"


def _mg(mg: float) -> str:
    return f"{mg:g} mg"


class _Dose(Flowable):
    """One dose: the amount with an empty square beside it to tick, how to give it underneath."""

    BOX = 4 * mm

    def __init__(self, amount: Paragraph, how: Paragraph) -> None:
        super().__init__()
        self.amount, self.how = amount, how

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        _w, top = self.amount.wrap(avail_w - self.BOX - 1 * mm, avail_h)
        self.top = max(top, self.BOX + 1)
        _w, below = self.how.wrap(avail_w, avail_h)
        self.width, self.height = avail_w, self.top + below
        return self.width, self.height

    def draw(self) -> None:
        middle = self.height - self.top / 2  # amount and box centred on the same line
        self.amount.drawOn(self.canv, 0, middle - self.amount.height / 2 + 1)
        self.how.drawOn(self.canv, 0, 0)
        self.canv.setStrokeColor(_INK)
        self.canv.setLineWidth(0.9)
        self.canv.rect(self.width - self.BOX, middle - self.BOX / 2, self.BOX, self.BOX)


def _canvas_maker(footer: str, font: str, printed_at: datetime, drill: bool = False) -> type:
    """A canvas that holds its pages until the end, so each footer can say 'Page x of y' (and
    each page of a drill ward's sheet says DRILL at its top)."""
    class NumberedCanvas(PagedCanvas):
        stamp = pdf_date(printed_at)  # the PDF's date is the printing time

        def frame(self, number: int) -> None:
            width, height = self.page_size
            self.saveState()
            if drill:
                self.setFont(font, 9)
                self.setFillColor(_INK)
                self.drawCentredString(width / 2, height - 8 * mm,
                                       "DRILL — training ward: not a real patient's plan")
            self.setStrokeColor(_RULE)
            self.setLineWidth(0.5)
            self.line(15 * mm, 12 * mm, width - 15 * mm, 12 * mm)
            self.place_numbered()
            self.restoreState()

        def numbered(self, number: int, total: int) -> None:
            text = f"{footer} · Page {number} of {total}"
            width, _height = self.page_size
            self.setFont(font, fit(text, font, 7.5, width - 30 * mm))
            self.setFillColor(_GREY)
            self.drawCentredString(width / 2, 8 * mm, text)

    return NumberedCanvas


def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=regular, fontSize=9, leading=11.5, textColor=_INK)
    return {
        "base": base,
        "title": ParagraphStyle("title", base, fontName=bold, fontSize=17, leading=21),
        "lead": ParagraphStyle("lead", base, fontSize=10, leading=13),
        "h": ParagraphStyle("h", base, fontName=bold, fontSize=10.5, leading=13),
        "label": ParagraphStyle("label", base, fontSize=7.5, leading=9.5, textColor=_GREY),
        "value": ParagraphStyle("value", base, fontName=bold, fontSize=10.5, leading=13),
        "bullet": ParagraphStyle("bullet", base, fontSize=8.5, leading=11,
                                 leftIndent=8, bulletIndent=0),
        "how": ParagraphStyle("how", base, fontSize=7.5, leading=9),
        "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=10),
        "th": ParagraphStyle("th", base, fontName=bold, fontSize=8.5, leading=10,
                             textColor=colors.white),
    }


def _form_text(form: Form) -> str:
    if form is Form.SOLUTION:
        return "Oral solution 5 mg in 5 mL (1 mL = 1 mg): measure with an oral syringe"
    return "Tablets of 5 mg, 10 mg and 20 mg (half a 10 mg tablet = 5 mg)"


def _header(sheet: TaperSheet, s: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    plan = sheet.plan
    e = escape
    patient = Table(
        [[Paragraph(t, s["label"]) for t in ("Patient", "MRN", "Date of birth", "Ward", "Bed")],
         [Paragraph(e(t), s["value"]) for t in (sheet.patient_name, sheet.mrn, _date(sheet.dob),
                                                sheet.ward, sheet.bed)]],
        colWidths=[width * f for f in (0.38, 0.17, 0.17, 0.18, 0.10)])
    patient.setStyle([("BOX", (0, 0), (-1, -1), 0.9, _INK), ("BACKGROUND", (0, 0), (-1, -1), _SHADE),
                      ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, 0), 0),
                      ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 1), (-1, 1), 5)])
    step = f"{_mg(plan.step_mg)} less per day every {plan.every_days} days, one dose at a time"
    pairs = [("Order being tapered", e(sheet.order_text)), ("Form", _form_text(plan.form)),
             ("Start (day 1)", f"<b>{day_text(plan.start)}</b>"), ("Step", step),
             ("End: no baclofen from", f"<b>{day_text(plan.end_date)}</b>"),
             ("Length", f"{plan.length_days} days of reducing doses, from "
                        f"{_mg(plan.start_daily_mg)} a day"),
             ("Prescriber", e(sheet.prescriber)),
             ("Dose times", f"{', '.join(plan.times)} (ward clock, {e(sheet.zone_name)})")]
    rows = [[Paragraph(label, s["label"]), Paragraph(value, s["base"])] for label, value in pairs]
    summary = Table([rows[i] + rows[i + 1] for i in range(0, len(rows), 2)],
                    colWidths=[width * f for f in (0.19, 0.30, 0.11, 0.40)])
    summary.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                      ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                      ("LINEBELOW", (0, 0), (-1, -2), 0.25, _RULE)])
    out: list[Flowable] = [
        Paragraph(f"DRILL — {TITLE}" if sheet.drill else TITLE, s["title"]),
        Paragraph("Follow this plan day by day. <b>Do not stop baclofen suddenly.</b> Tick each dose "
                  "when it is given.", s["lead"]),
        Spacer(1, 3 * mm), patient, Spacer(1, 3 * mm), summary, Spacer(1, 3 * mm)]
    if plan.notes:
        note = Table([[Paragraph("⚠ Please note", s["h"])]]
                     + [[Paragraph(e(n), s["base"])] for n in plan.notes], colWidths=[width])
        note.setStyle([("BACKGROUND", (0, 0), (-1, -1), _NOTE_BG),
                       ("BOX", (0, 0), (-1, -1), 1.2, _NOTE_LINE),
                       ("LEFTPADDING", (0, 0), (-1, -1), 6), ("TOPPADDING", (0, 0), (-1, -1), 2)])
        out += [note, Spacer(1, 3 * mm)]
    return out


def _table(plan: TaperPlan, s: dict[str, ParagraphStyle], width: float) -> Table:
    n = len(plan.times)
    fixed = [11 * mm, 32 * mm, 21 * mm]
    dose_w = (width - sum(fixed)) / n
    head = [Paragraph("Day", s["th"]), Paragraph("Date", s["th"])]
    head += [Paragraph(f"{t}<br/><font size=7>tick when given</font>", s["th"])
             for t in plan.times]
    head.append(Paragraph("Day total", s["th"]))
    rows: list[list[Any]] = [head]
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("GRID", (0, 0), (-1, -1), 0.4, _RULE), ("BOX", (0, 0), (-1, -1), 0.9, _INK),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    before, block = plan.start_daily_mg, 0
    last = len(plan.days)
    for r, day in enumerate(plan.days, start=1):
        reduced = day.daily_mg < before - 1e-9
        before = day.daily_mg
        block += reduced
        row: list[Any] = [Paragraph(f"<b>{day.day}</b>", s["cell"]),
                          Paragraph(day_text(day.date), s["cell"])]
        if r == last:
            row.append(Paragraph("<b>No more baclofen from today</b>", s["cell"]))
            row += [""] * (n - 1)
            style += [("SPAN", (2, r), (1 + n, r)), ("BACKGROUND", (0, r), (-1, r), _END_BG),
                      ("LINEABOVE", (0, r), (-1, r), 1.4, _INK)]
        else:
            for _t, mg in day.doses:
                if mg > 0:
                    # no-break spaces keep "1 × 5 mg" on one line when the text wraps
                    how = amount_text(mg, plan.form).replace(" × ", "\u00a0×\u00a0")
                    how = how.replace(" mg", "\u00a0mg").replace(" tablet", "\u00a0tablet")
                    row.append(_Dose(Paragraph(f"<b>{_mg(mg)}</b>", s["cell"]),
                                     Paragraph(escape(how), s["how"])))
                else:
                    row.append(Paragraph("—", s["cell"]))
            if block % 2:
                style.append(("BACKGROUND", (0, r), (-1, r), _SHADE))
            if reduced:
                style.append(("LINEABOVE", (0, r), (-1, r), 1.4, _INK))
        total = f"<b>{_mg(day.daily_mg)}</b>"
        if reduced:
            total += "<br/><font size=7.5>↓ reduced</font>"
        row.append(Paragraph(total, s["cell"]))
        rows.append(row)
    table = Table(rows, colWidths=[fixed[0], fixed[1], *([dose_w] * n), fixed[2]], repeatRows=1)
    table.setStyle(style)
    return table


def _footer_block(sheet: TaperSheet, s: dict[str, ParagraphStyle], width: float) -> Flowable:
    def signs(group: frozenset[Sign], inner: float, split: float) -> Table:
        items = [Paragraph(SIGN_LABELS[sign], s["bullet"], bulletText="•") for sign in Sign
                 if sign in group]
        half = (len(items) + 1) // 2
        table = Table([[items[:half], items[half:]]], colWidths=[inner * split, inner * (1 - split)])
        table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 2), ("TOPPADDING", (0, 0), (-1, -1), 2),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 0)])
        return table

    # widths fitted to the longest labels so no sign wraps ("Exaggerated rebound spasticity")
    early_w, late_w = width * 0.47, width * 0.53
    watch = Table(
        [[Paragraph("Watch for withdrawal signs", s["h"]), ""],
         [[Paragraph("<b>Early signs:</b> get advice the same day", s["base"]),
           signs(EARLY_SIGNS, early_w - 12, 0.55)],
          [Paragraph("<b>Late signs are an emergency: get medical help at once</b>", s["base"]),
           signs(LATE_SIGNS, late_w - 12, 0.4)]]],
        colWidths=[early_w, late_w])
    watch.setStyle([("SPAN", (0, 0), (1, 0)), ("BOX", (0, 0), (-1, -1), 0.9, _INK),
                    ("BACKGROUND", (0, 0), (-1, 0), _SHADE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (1, 1), (1, 1), _LATE_BG), ("BOX", (1, 1), (1, 1), 1.2, _LATE_LINE),
                    ("BOTTOMPADDING", (0, 1), (-1, 1), 5)])
    sign = Table([[Paragraph(f"Prescriber: <b>{escape(sheet.prescriber)}</b>", s["base"]),
                   Paragraph("Signature", s["label"]), "", Paragraph("Date", s["label"]), ""]],
                 colWidths=[width * f for f in (0.38, 0.12, 0.28, 0.07, 0.15)], rowHeights=[9 * mm])
    sign.setStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LINEBELOW", (2, 0), (2, 0), 0.6, _INK),
                   ("LINEBELOW", (4, 0), (4, 0), 0.6, _INK), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                   ("ALIGN", (3, 0), (3, 0), "RIGHT")])
    return KeepTogether([
        Spacer(1, 3 * mm), watch, Spacer(1, 2 * mm),
        Paragraph(f"<b>Whom to call:</b> {escape(whom_to_call(sheet))}", s["lead"]),
        Spacer(1, 1.5 * mm),
        Paragraph("<b>Do not stop baclofen suddenly.</b> Stopping at once can cause hallucinations "
                  "and seizures. If doses are missed, vomited or run out, "
                  f"{escape(if_doses_missed(sheet))}.", s["lead"]),
        Spacer(1, 1 * mm), Paragraph(DRIVING, s["lead"]),
        Spacer(1, 1 * mm), sign])


def taper_sheet_pdf(sheet: TaperSheet, *, pagesize: tuple[float, float] = A4) -> bytes:
    """The taper sheet as PDF bytes: same snapshot, same bytes (no clock is read)."""
    regular, bold = register_fonts()
    s = _styles(regular, bold)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=13 * mm, bottomMargin=17 * mm,
                            title="DRILL Baclofen reducing plan" if sheet.drill else
                            "Baclofen reducing plan",
                            author="ward_app", creator="ward_app", subject="", invariant=True)
    width = doc.width
    at = sheet.printed_at
    footer = (f"{'DRILL · ' if sheet.drill else ''}Printed by {sheet.printed_by} on {_date(at)} "
              f"{at:%H:%M} · {sheet.patient_name} · MRN {sheet.mrn}")
    story = [*_header(sheet, s, width), _table(sheet.plan, s, width), _footer_block(sheet, s, width)]
    doc.build(story, canvasmaker=_canvas_maker(footer, regular, at, sheet.drill))
    return buffer.getvalue()
