"""richtext.Rich lays out and draws the sheets' markup exactly as reportlab's Paragraph does: the
same lines, broken at the same words, at the same places on the page."""

from __future__ import annotations

import io
from collections import defaultdict

import pytest
from pypdf import PdfReader
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph
from reportlab.platypus.flowables import Flowable

from ward_app.reports.fonts import BOLD, register_fonts
from ward_app.reports.richtext import Rich

GREY, RED = "0x5f6b7a", "0xb42318"
FACE = f" face='{BOLD}'"
SAMPLES = [
    "plain text, nothing else",
    "a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39;  and   runs   of  spaces ",
    "<b>Bold</b> and <b>bold</b>, then\nplain on what was a new line",
    f"<font color='{GREY}'>Vitals</font> RR 18 · SpO2 95 air · BP 117/72 · HR 86 · A · 36.8\u00a0°C<br/>"
    f"<font color='{GREY}'>Sedation</font> POSS 2 (slightly drowsy) at 05:50",
    f"<font color='{RED}'{FACE}>⚠\u00a0URGENT</font>\u00a01 · <font color='0x8a5300'>△\u00a0Warning</font>"
    "\u00a02 · then a long tail of words to wrap onto the next lines of the paragraph",
    "<font size=14><b>1A</b>\u2002</font> <font size=11.5" + FACE + ">Zoë Ní Bhriain</font>  34 y  ·  "
    "MRN <b>RX401200</b>",
    f"<font color='{RED}'{FACE}>‼\u00a0EMERGENCY</font> NEWS2 7 (RR 3, SpO2 2, consciousness 3): call the "
    f"team now. <font size=6.3 color='{GREY}'>(news2.emergency · since 06:12)</font><br/>"
    f"<font color='0x8a5300'>△\u00a0Warning</font> eGFR 38: consider a lower dose with the prescriber. "
    f"<font size=6.3 color='{GREY}'>(renal.reduce · since Tue 07:05 · ✓ acknowledged by RN Ada Brown)"
    "</font>",
    "<b>NEWS2: no vital signs recorded</b><br/><font color='0x5f6b7a'>No complete NEWS2 sets in 72\u00a0h"
    "</font>",
    "Łukasz Żółć and Nguyễn Thị Hoa, <b>5\u00a0mg TDS</b>;<b>10\u00a0mg</b>.<b>x</b>",
    "words<font size=12> </font>after a big space<font size=5> </font>and a small one",
    "  \n spaces around, and a no-break\u00a0space at the end \n ",
    "<font color='0x8a5300'>△\u00a0Warning</font> a no-break\u00a0space then <b>bold </b>",
]
#: read by a real Paragraph: other markup, a word too long for its line, nothing at all
FALLBACKS = ["<i>italic</i>", "a&nbsp;b", "<font name='Courier'>x</font>", "<u>underlined</u>",
             "Konstantinopoulou-Vanderbilt-de-la-Cruz-y-Montenegro-Ashworth-Smythe", "",
             "one<br/><br/>empty line", "zero\u200bwidth space"]
WIDTHS = [60.0, 97.3, 150.0, 233.33, 600.0]


def _style() -> ParagraphStyle:
    regular, _bold = register_fonts()
    return ParagraphStyle("item", fontName=regular, fontSize=7.8, leading=9.4, spaceShrinkage=0)


def _lines(flowables: list[Flowable], width: float) -> list[list[tuple[float, float, str]]]:
    """Each flowable drawn on a page of its own: its text lines as (x, y, text), top down."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(700, 400), invariant=True)
    heights = []
    for f in flowables:
        _w, h = f.wrapOn(canvas, width, 400)
        heights.append(round(h, 6))
        f.drawOn(canvas, 20, 380 - h)
        canvas.showPage()
    canvas.save()
    pages = []
    for page in PdfReader(io.BytesIO(buffer.getvalue())).pages:
        found: dict[float, list[tuple[float, str]]] = defaultdict(list)

        def visit(text, cm, tm, _font, _size, found=found):
            if text.strip():
                x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
                found[round(y, 3)].append((round(x, 3), text))

        page.extract_text(visitor_text=visit)
        pages.append([(min(x for x, _t in parts), y, "".join(t for _x, t in sorted(parts)))
                      for y, parts in sorted(found.items(), reverse=True)])
    return [*pages, [(0.0, 0.0, str(heights))]]


@pytest.mark.parametrize("width", WIDTHS)
def test_rich_lays_out_and_draws_as_paragraph_does(width):
    style = _style()
    rich = [Rich(text, style) for text in SAMPLES]
    assert _lines(rich, width) == _lines([Paragraph(text, style) for text in SAMPLES], width)
    if width >= 150:  # narrower, a word may be too long for a line: then a Paragraph splits it
        assert all(r.paragraph is None for r in rich), "laid out by Rich itself, not handed over"


@pytest.mark.parametrize("width", WIDTHS[:2])
def test_what_rich_does_not_read_is_left_to_a_paragraph(width):
    style = _style()
    rich = [Rich(text, style) for text in FALLBACKS]
    assert _lines(rich, width) == _lines([Paragraph(text, style) for text in FALLBACKS], width)
    assert all(r.paragraph is not None for r in rich)


def test_a_style_rich_cannot_match_is_left_to_a_paragraph():
    for changed in ({"alignment": 1}, {"leftIndent": 4}, {"firstLineIndent": 3},
                    {"spaceShrinkage": 0.05}, {"bulletText": "•"}):
        style = ParagraphStyle("odd", _style(), **changed)
        rich = Rich("two words", style)
        rich.wrap(200, 100)
        assert rich.paragraph is not None, changed
