from __future__ import annotations

import io

from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from ward_app.reports.fonts import REGULAR, missing_glyphs, register_fonts
from ward_app.services.demo import PROFILES

NAMES = [p.name for p in PROFILES]


def test_every_demo_name_has_glyphs_in_the_embedded_font():
    assert {name: missing_glyphs(name) for name in NAMES if missing_glyphs(name)} == {}
    assert missing_glyphs("漢") == {"漢"}  # the check itself can fail


def test_names_beyond_latin_1_survive_a_round_trip_through_pdf():
    regular, bold = register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.setFont(regular, 12)
    for i, name in enumerate(NAMES):
        canvas.drawString(72, 780 - 16 * i, name)
    canvas.save()
    reader = PdfReader(io.BytesIO(buffer.getvalue()))
    text = reader.pages[0].extract_text()
    for name in ["Łukasz Żółć", "Nguyễn Thị Hoa", "Oğuz Yılmaz", "Zoë Ní Bhriain"]:
        assert name in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    base_fonts = [str(fonts[key].get_object()["/BaseFont"]) for key in fonts]
    assert any(REGULAR in base for base in base_fonts), base_fonts
