"""The wristband label (issue 20): one page the size of the label; the name, MRN, date of birth, bed,
ward and printing time on it; a Code 128 and a QR code that encode exactly the MRN, with quiet
zones and bars a scanner reads; a long name shrunk or wrapped, never clipped or run into the
barcode; DRILL on a drill ward's label; no patient data in the PDF's metadata.

What is drawn is read back from the PDF itself (pypdf's operator visitor: every filled rectangle
and every text run, with the transformation in force), so the checks are on the page as printed,
not on the module's helpers."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from ward_app.reports.fonts import BOLD, REGULAR, register_fonts
from ward_app.reports.wristband_label import (
    BAR_WIDTH,
    LABEL_SIZE,
    QR_SIDE,
    WristbandLabel,
    wristband_pdf,
)

LONDON = ZoneInfo("Europe/London")
AT = datetime(2026, 12, 6, 16, 5, tzinfo=LONDON)
MRN = "RX401200"
#: 100 characters (the longest name the app accepts), in words.
LONG_NAME = ("Maria de los Ángeles Fernández-Castellanos Wolfeschlegelsteinhausenberger "
             "y Rodríguez-Zapatero III")
#: One 100-letter word: nowhere to break it at a space.
ONE_WORD = "Ŵ" + "w" * 99


def make_label(**changes: object) -> WristbandLabel:
    label = WristbandLabel(patient_name="Zoë Ní Bhriain", mrn=MRN, bed="12",
                           ward="Ward 7 Neuro-rehabilitation", printed_at=AT, dob=date(1998, 4, 2))
    return replace(label, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def top(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class Run:
    text: str
    face: str
    size: float
    x: float
    y: float  # baseline

    @property
    def box(self) -> Box:
        # ascent and descent of DejaVu Sans (accents included), as the label reckons them
        return Box(self.x, self.y - 0.24 * self.size, stringWidth(self.text, self.face, self.size),
                   1.17 * self.size)


@dataclass
class Page:
    width: float
    height: float
    text: str
    rects: list[Box]  # the filled rectangles, in page coordinates
    runs: list[Run]


def read_page(pdf: bytes) -> Page:
    register_fonts()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    rects: list[Box] = []
    pending: list[Box] = []
    runs: list[Run] = []

    def operator(op, args, cm, _tm) -> None:  # type: ignore[no-untyped-def]
        a, _b, _c, d, e, f = (float(v) for v in cm)
        if op == b"re":
            x, y, w, h = (float(v) for v in args)
            box = Box(a * x + e, d * y + f, a * w, d * h)
            pending.append(Box(min(box.x, box.right), min(box.y, box.top), abs(box.w), abs(box.h)))
        elif op in (b"f", b"f*", b"F", b"B", b"B*", b"b", b"b*"):
            rects.extend(pending)
            pending.clear()
        elif op in (b"n", b"S", b"s"):
            pending.clear()

    def text(t, cm, tm, font, size) -> None:  # type: ignore[no-untyped-def]
        if not t.strip():
            return
        face = BOLD if "Bold" in str((font or {}).get("/BaseFont", "")) else REGULAR
        scale = float(tm[0]) * float(cm[0])
        x = float(cm[0]) * float(tm[4]) + float(cm[4])
        y = float(cm[3]) * float(tm[5]) + float(cm[5])
        runs.append(Run(t.rstrip("\n"), face, round(float(size) * scale, 3), x, y))

    extracted = page.extract_text(visitor_operand_before=operator, visitor_text=text)
    return Page(float(page.mediabox.width), float(page.mediabox.height),
                " ".join(extracted.split()), rects, runs)


def code128_bars(page: Page) -> list[Box]:
    """The Code 128's bars: the filled rectangles as tall as the tallest thin bar, left to right."""
    thin = [r for r in page.rects if r.w < 2 * mm and r.h > 8 * mm]
    assert thin, "no barcode bars drawn"
    tallest = max(r.h for r in thin)
    return sorted((r for r in thin if abs(r.h - tallest) < 0.01), key=lambda r: r.x)


def code128_pattern(text: str) -> str:
    """Code 128 of exactly ``text`` in element widths (bar, space, ...), by reportlab's encoder
    (which spells a bar of width n as the n-th capital letter and a space as the n-th small one)."""
    code = Code128(text, humanReadable=False)
    code.validate()
    code.encode()
    return "".join(str(ord(ch.lower()) - ord("a") + 1) for ch in code.decompose())


def element_widths(bars: list[Box], module: float) -> str:
    """The bars and the spaces between them in modules, bar first: Code 128's own notation."""
    out = []
    for i, bar in enumerate(bars):
        if i:
            out.append(round((bar.x - bars[i - 1].right) / module))
        out.append(round(bar.w / module))
    return "".join(str(n) for n in out)


def qr_modules(page: Page) -> tuple[set[tuple[int, int]], float, Box]:
    """The QR code's dark modules as (row, column), its module size and its outline, read back
    from the drawn rectangles: rows of runs one module high, all within QR_SIDE."""
    bars = code128_bars(page)
    right_of_code = [r for r in page.rects if r.x > bars[-1].right and r.h < 2 * mm]
    assert right_of_code, "no QR code drawn"
    module = min(r.h for r in right_of_code)
    cells = [r for r in right_of_code if abs(r.h - module) < 1e-3]
    left, top = min(r.x for r in cells), max(r.top for r in cells)
    dark: set[tuple[int, int]] = set()
    for r in cells:
        row, col = round((top - r.top) / module), round((r.x - left) / module)
        dark.update((row, col + k) for k in range(round(r.w / module)))
    outline = Box(left, min(r.y for r in cells), max(r.right for r in cells) - left,
                  top - min(r.y for r in cells))
    return dark, module, outline


def expected_qr(text: str) -> set[tuple[int, int]]:
    """The dark modules of a QR code of exactly ``text`` (level M, as the label's docstring says)."""
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(text)
    qr.make()
    return {(r, c) for r, row in enumerate(qr.modules) for c, dark in enumerate(row) if dark}


def test_the_page_is_one_label_of_the_label_size() -> None:
    page = read_page(wristband_pdf(make_label()))
    assert (round(page.width, 2), round(page.height, 2)) == (round(LABEL_SIZE[0], 2),
                                                             round(LABEL_SIZE[1], 2))
    assert (round(page.width / mm), round(page.height / mm)) == (280, 25)  # a landscape strip


def test_the_label_says_who_the_patient_is_where_and_when_it_was_printed() -> None:
    text = read_page(wristband_pdf(make_label())).text
    for wanted in ("Zoë Ní Bhriain", "MRN RX401200", "DOB 02 Apr 1998", "Bed 12",
                   "Ward 7 Neuro-rehabilitation", "Printed 06 Dec 2026 16:05 (Europe/London)"):
        assert wanted in text, wanted
    assert "DRILL" not in text
    assert text.count(MRN) == 2  # beside MRN and as the barcode's human-readable line


def test_no_date_of_birth_on_record_leaves_it_out() -> None:
    text = read_page(wristband_pdf(make_label(dob=None))).text
    assert "MRN RX401200" in text and "DOB" not in text


def test_the_code_128_bars_are_exactly_the_mrn_with_quiet_zones_and_wide_enough_bars() -> None:
    page = read_page(wristband_pdf(make_label()))
    bars = code128_bars(page)
    module = min(b.w for b in bars)
    assert module >= 0.25 * mm and module == pytest.approx(BAR_WIDTH, abs=1e-3)
    # what is drawn is Code 128 of the MRN's text and nothing else (no prefix, no suffix)
    assert element_widths(bars, module) == code128_pattern(MRN)
    assert element_widths(bars, module) != code128_pattern(f"MRN {MRN}")
    # quiet zones: nothing else within 10 modules (and 1/4 in) of the bars at their height
    quiet = max(10 * module, 0.25 * 72)
    first, last = bars[0].x, bars[-1].right
    others = [r for r in page.rects if r not in bars] + [run.box for run in page.runs]
    beside = [o for o in others if o.top > bars[0].y and o.y < bars[0].top]
    assert all(o.right <= first - quiet or o.x >= last + quiet for o in beside)
    # the human-readable MRN under the bars
    under = [run for run in page.runs if run.text == MRN and run.y < bars[0].y]
    assert len(under) == 1 and first <= under[0].box.x and under[0].box.right <= last


def test_the_qr_code_is_exactly_the_mrn_with_its_quiet_zone() -> None:
    page = read_page(wristband_pdf(make_label()))
    dark, module, outline = qr_modules(page)
    want = expected_qr(MRN)
    assert dark == want
    assert dark != expected_qr(f"MRN {MRN}")
    side = max(c for _r, c in want) + 1
    assert module * (side + 8) == pytest.approx(QR_SIDE, abs=1e-3)  # 4-module border each side
    assert module >= 0.5 * mm
    # the border is empty: nothing else drawn within 4 modules of the code
    quiet = Box(outline.x - 4 * module, outline.y - 4 * module, outline.w + 8 * module,
                outline.h + 8 * module)
    qr_rects = [r for r in page.rects if abs(r.h - module) < 1e-3 and r.x >= outline.x - 1e-3]
    others = [r for r in page.rects if r not in qr_rects] + [run.box for run in page.runs]
    assert not [o for o in others if o.x < quiet.right and o.right > quiet.x
                and o.y < quiet.top and o.top > quiet.y]
    assert 0 <= quiet.y and quiet.top <= page.height


@pytest.mark.parametrize("mrn", ["RX1", "00012345", "ABCDEFGHIJ-KLMNOP/QR"])
def test_every_mrn_shape_is_encoded_as_given_and_fits(mrn: str) -> None:
    """The shortest, all digits (Code 128 set C) and the longest the app accepts (20 characters
    with '-' and '/')."""
    page = read_page(wristband_pdf(make_label(mrn=mrn, drill=True)))
    bars = code128_bars(page)
    module = min(b.w for b in bars)
    assert element_widths(bars, module) == code128_pattern(mrn)
    assert qr_modules(page)[0] == expected_qr(mrn)
    assert all(0 <= r.x and r.right <= page.width and 0 <= r.y and r.top <= page.height
               for r in page.rects)
    assert all(run.box.right <= page.width for run in page.runs)


def _text_block(page: Page) -> list[Run]:
    """The runs left of the barcode: name, MRN and date of birth, bed and ward, printed."""
    first_bar = code128_bars(page)[0].x
    return [run for run in page.runs if run.x < first_bar]


@pytest.mark.parametrize("name", [LONG_NAME, ONE_WORD, "Zoë Ní Bhriain"])
def test_a_name_of_any_length_fits_whole_beside_the_barcode(name: str) -> None:
    label = make_label(patient_name=name, drill=True)
    page = read_page(wristband_pdf(label))
    bars = code128_bars(page)
    quiet_start = bars[0].x - max(10 * BAR_WIDTH, 0.25 * 72)
    block = _text_block(page)
    for run in block:  # drawn width, by reportlab's own metrics of what was drawn
        assert run.box.right <= quiet_start, (run.text, run.size)
        assert 0 <= run.box.y and run.box.top <= page.height, (run.text, run.size)
    for i, a in enumerate(block):  # no line runs into another
        for b in block[i + 1:]:
            assert not (a.box.y < b.box.top and b.box.y < a.box.top
                        and a.box.x < b.box.right - 0.01 and b.box.x < a.box.right - 0.01), (a.text, b.text)
    mrn_line = next(run.y for run in block if run.text.strip() == "MRN")
    name_runs = [run for run in block if run.y > mrn_line]
    assert "".join(run.text for run in name_runs).replace(" ", "") == name.replace(" ", "")
    assert min(run.size for run in name_runs) >= 5.0
    if name == "Zoë Ní Bhriain":
        assert [run.size for run in name_runs] == [16.0]  # a short name stays large
    else:
        assert len(name_runs) >= 2  # wrapped rather than shrunk to nothing


def test_nothing_but_an_extreme_name_is_under_7_pt() -> None:
    page = read_page(wristband_pdf(make_label()))
    assert min(run.size for run in page.runs) >= 7.0
    name = [run for run in page.runs if run.text == "Zoë Ní Bhriain"]
    assert name and name[0].size >= 14  # the name is the largest thing on the label


def test_a_drill_wards_label_says_drill_and_its_title_too() -> None:
    pdf = wristband_pdf(make_label(drill=True))
    page = read_page(pdf)
    assert "DRILL · Printed 06 Dec 2026 16:05" in page.text
    assert any(run.text == "DRILL" and run.size >= 14 for run in page.runs)
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta is not None and meta.title == "DRILL Wristband label"


def test_same_snapshot_same_bytes_and_no_patient_data_in_the_metadata() -> None:
    label = make_label(patient_name="O'Brien <Jr> & Sons")
    pdf = wristband_pdf(label)
    assert pdf == wristband_pdf(label)
    assert "O'Brien <Jr> & Sons" in read_page(pdf).text
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta is not None and meta.title == "Wristband label" and meta.creation_date == AT
    assert all("O'Brien" not in str(v) and MRN not in str(v) for v in meta.values())


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg"))
                    and not os.environ.get("CI"),  # CI installs them (packaging/quickstart.sh)
                    reason="needs pdftoppm (poppler-utils) and zbarimg (zbar-tools)")
@pytest.mark.parametrize("dpi", [150, 203, 300])
def test_a_scanner_decoder_reads_both_codes_as_the_mrn(tmp_path, dpi: int) -> None:
    """Rendered as a printer would (203 dpi: a thermal wristband printer), zbar reads both
    symbols back as exactly the MRN. Optional: the suite does not need zbar."""
    mrn = "ABCDEFGHIJ-KLMNOP/QR"
    (tmp_path / "label.pdf").write_bytes(wristband_pdf(make_label(mrn=mrn, patient_name=LONG_NAME,
                                                                  drill=True)))
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(tmp_path / "label.pdf"),
                    str(tmp_path / "label")], check=True, timeout=60)
    found = subprocess.run(["zbarimg", "-q", str(tmp_path / "label.png")], capture_output=True,
                           text=True, timeout=60)
    assert sorted(found.stdout.split()) == sorted([f"CODE-128:{mrn}", f"QR-Code:{mrn}"])
