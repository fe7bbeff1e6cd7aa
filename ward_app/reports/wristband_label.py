"""The patient's wristband label (issue 20): one strip-shaped page with the name large, the MRN, date
of birth, bed and ward, a Code 128 and a QR code of the MRN (both encode the MRN text and nothing
else: a keyboard-wedge scanner types it back followed by Enter and the window opens that chart),
and when it was printed in ward time. A drill ward's label says DRILL in a black block and on its
printed line.

The page is ``LABEL_SIZE``: 280 mm × 25 mm, landscape. That is a default, not a standard: it is
about the size of the common adult insert of thermal wristband printers (1 in × 11 in, 25.4 mm ×
279.4 mm) and of laser-sheet adult wristband strips (25 mm wide). A printer driver set to that
media prints it 1:1; on another size of band, print it "actual size" or change ``LABEL_SIZE``.
Everything is drawn in the first ``used`` part of the strip from the left: the tail of an adult
band overlaps itself round the wrist (and is often cut), so nothing that must be read is put there.

The Code 128 bars are ``BAR_WIDTH`` = 0.254 mm (1/100 in) wide: at least the 0.25 mm a ward
scanner reads reliably, and a whole number of printer dots at 203, 300 and 600 dpi (2, 3, 6), so
the driver does not round some bars thicker than others. Quiet zones: reportlab's default, 10 bar
widths or 1/4 in each side, whichever is wider. The QR code keeps its 4-module quiet zone and uses
error correction level M (a band gets rubbed and curved)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ward_app.reports.fonts import register_fonts
from ward_app.reports.pages import fit, pdf_date

TITLE = "Wristband label"
#: The label page, width × height in points: a 280 mm × 25 mm landscape strip (see the module
#: docstring: a default about the size of an adult wristband insert).
LABEL_SIZE: tuple[float, float] = (280 * mm, 25 * mm)
#: The leading margin, the margin at the tail end of the strip, top and bottom margins.
LEAD, TAIL, EDGE = 8 * mm, 8 * mm, 1.5 * mm
#: Code 128: the narrowest bar (X dimension) and the bars' height.
BAR_WIDTH, BAR_HEIGHT = 0.254 * mm, 13 * mm
#: The QR code's side, its 4-module quiet zone included.
QR_SIDE = 22 * mm
#: The widest the text block gets (name, MRN, DOB, bed, ward, printed), and the gap after it.
TEXT_WIDEST, GAP = 105 * mm, 4 * mm
#: The DRILL block of a drill ward's label.
DRILL_WIDTH = 30 * mm
#: The name's font size: the largest, the smallest on one line, the smallest at all (wrapped).
NAME_PT, NAME_ONE_LINE_PT, NAME_SMALLEST_PT = 16.0, 10.0, 5.0
#: The smallest text anywhere else on the label.
SMALLEST_PT = 7.0
_INK, _GREY = colors.HexColor("#000000"), colors.HexColor("#3E4A57")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: Of the font size: above the baseline (accented capitals: Ł, Ž, Å), below it, line spacing.
_ASCENT, _DESCENT, _LEADING = 0.93, 0.24, 1.2


@dataclass(frozen=True)
class WristbandLabel:
    """What the label prints, read once (the label is the same bytes for the same snapshot)."""

    patient_name: str
    mrn: str  # exactly what the barcodes encode
    bed: str
    ward: str
    printed_at: datetime  # aware, already in the ward's time zone
    dob: date | None = None  # None: the line leaves it out
    zone_name: str = "Europe/London"
    drill: bool = False  # a drill (training) ward: the label says DRILL


def date_text(d: date) -> str:
    """'02 Apr 1998', in English whatever the process locale."""
    return f"{d.day:02d} {_MONTHS[d.month - 1]} {d.year}"


def _words_in(text: str, face: str, size: float, room: float) -> list[str]:
    """``text`` in lines no wider than ``room``, broken at spaces; a word wider than ``room`` on
    its own (a long hyphenless name) is broken between letters rather than run past the edge."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if stringWidth(trial, face, size) <= room:
            line = trial
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:
            if line and stringWidth(line + ch, face, size) > room:
                lines.append(line)
                line = ""
            line += ch
    if line:
        lines.append(line)
    return lines


def _block_height(lines: int, size: float) -> float:
    return (_ASCENT + _DESCENT) * size + (lines - 1) * _LEADING * size


def name_lines(name: str, face: str, width: float, height: float) -> tuple[float, list[str]]:
    """The font size and lines the name is drawn in, inside ``width`` × ``height``: one line at
    the largest size that fits (down to NAME_ONE_LINE_PT); else wrapped at the largest size whose
    lines fit the box; never clipped (sizes go down to NAME_SMALLEST_PT, then lower if it must)."""
    size = NAME_PT
    while size >= NAME_ONE_LINE_PT:
        if stringWidth(name, face, size) <= width and _block_height(1, size) <= height:
            return size, [name]
        size -= 0.25
    while True:
        lines = _words_in(name, face, size, width)
        if _block_height(len(lines), size) <= height or size <= 1:
            return size, lines
        size -= 0.25 if size > NAME_SMALLEST_PT else 0.1


def barcode(mrn: str) -> Code128:
    """The Code 128 of the MRN: the MRN's characters only, no prefix and no suffix (the scanner
    adds the Enter), with its quiet zones; the human-readable line is drawn by the label."""
    return Code128(mrn, barWidth=BAR_WIDTH, barHeight=BAR_HEIGHT, humanReadable=False, quiet=1)


def qr_code(mrn: str) -> Drawing:
    """The QR code of the MRN, QR_SIDE square with its quiet zone; level M error correction."""
    widget = QrCodeWidget(mrn, barWidth=QR_SIDE, barHeight=QR_SIDE, barBorder=4, barLevel="M")
    drawing = Drawing(QR_SIDE, QR_SIDE)
    drawing.add(widget)
    return drawing


def _draw_line(c: Canvas, x: float, y: float, room: float,
               parts: list[tuple[str, str, float]]) -> None:
    """Pieces of text one after another on a baseline, all scaled down alike to fit ``room``."""
    width = sum(stringWidth(t, f, s) for t, f, s in parts)
    scale = 1.0 if width <= room else room / width
    for text, face, size in parts:
        c.setFont(face, size * scale)
        c.drawString(x, y, text)
        x += stringWidth(text, face, size * scale)


def _layout(code_width: float, drill: bool) -> tuple[float, float, float, float]:
    """x of the text block's left, its width, x of the barcode and of the QR code."""
    fixed = GAP + code_width + GAP + QR_SIDE + (GAP + DRILL_WIDTH if drill else 0.0)
    text_width = min(TEXT_WIDEST, LABEL_SIZE[0] - LEAD - TAIL - fixed)
    code_x = LEAD + text_width + GAP
    return LEAD, text_width, code_x, code_x + code_width + GAP


def wristband_pdf(label: WristbandLabel) -> bytes:
    """The wristband label as PDF bytes, one LABEL_SIZE page: same snapshot, same bytes (no clock,
    no database). The PDF's metadata names no patient."""
    regular, bold = register_fonts()
    width, height = LABEL_SIZE
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=LABEL_SIZE, invariant=1)
    c.setDateFormatter(lambda *_ymdhms: pdf_date(label.printed_at))
    c.setTitle(f"DRILL {TITLE}" if label.drill else TITLE)
    c.setAuthor("ward_app")
    c.setCreator("ward_app")
    c.setSubject("")

    code = barcode(label.mrn)
    code_width, _code_height = code.wrap(0, 0)
    left, text_width, code_x, qr_x = _layout(code_width, label.drill)
    c.setFillColor(_INK)

    # the text block, bottom up: printed line, bed and ward, MRN and date of birth; the name above
    at = label.printed_at
    printed = (f"{'DRILL · ' if label.drill else ''}Printed {date_text(at.date())} {at:%H:%M} "
               f"({label.zone_name})")
    c.setFillColor(_GREY)
    c.setFont(regular, fit(printed, regular, SMALLEST_PT, text_width))
    c.drawString(left, EDGE + 1.0 * mm, printed)
    c.setFillColor(_INK)
    where = f"Bed {label.bed} · {label.ward}"
    c.setFont(regular, fit(where, regular, 9.5, text_width))
    bed_y = EDGE + 1.0 * mm + 11
    c.drawString(left, bed_y, where)
    ids: list[tuple[str, str, float]] = [("MRN ", regular, 9.5), (label.mrn, bold, 11.0)]
    if label.dob is not None:
        ids += [("   DOB ", regular, 9.5), (date_text(label.dob), bold, 11.0)]
    mrn_y = bed_y + 13
    _draw_line(c, left, mrn_y, text_width, ids)
    box_bottom = mrn_y + 11.0 * _ASCENT + 2.5
    size, lines = name_lines(label.patient_name, bold, text_width, height - EDGE - box_bottom)
    c.setFont(bold, size)
    y = height - EDGE - _ASCENT * size
    for line in lines:
        c.drawString(left, y, line)
        y -= _LEADING * size

    # Code 128 with the human-readable MRN under its bars
    hri_pt = fit(label.mrn, bold, 9.0, code_width)
    code_y = EDGE + 1.0 * mm + hri_pt + 1.5
    code.drawOn(c, code_x, code_y)
    c.setFont(bold, hri_pt)
    c.drawCentredString(code_x + code_width / 2, EDGE + 1.0 * mm, label.mrn)

    qr_code(label.mrn).drawOn(c, qr_x, (height - QR_SIDE) / 2)

    if label.drill:
        x = qr_x + QR_SIDE + GAP
        c.rect(x, EDGE, DRILL_WIDTH, height - 2 * EDGE, stroke=0, fill=1)
        c.setFillColor(colors.white)
        c.setFont(bold, fit("DRILL", bold, 18, DRILL_WIDTH - 3 * mm))
        c.drawCentredString(x + DRILL_WIDTH / 2, height / 2 - 0.5 * mm, "DRILL")
        c.setFont(regular, fit("not a real patient", regular, SMALLEST_PT, DRILL_WIDTH - 2 * mm))
        c.drawCentredString(x + DRILL_WIDTH / 2, EDGE + 2 * mm, "not a real patient")
        c.drawCentredString(x + DRILL_WIDTH / 2, height - EDGE - 4 * mm, "training ward")
    c.showPage()
    c.save()
    return buffer.getvalue()


__all__ = ["BAR_WIDTH", "LABEL_SIZE", "QR_SIDE", "TITLE", "WristbandLabel", "barcode", "name_lines",
           "qr_code", "wristband_pdf"]
