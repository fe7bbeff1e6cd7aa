"""The ward pump calendar sheet: one landscape page with every pump, marked rows saying why in
words, the header, the confidential footer and DRILL on a drill ward; nothing under 7 pt and the
body at least 8.5 pt; and the handover's last page when a refill is due."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from tests.reports.test_handover_sheet import make_handover
from ward_app.domain.pump import Pump, PumpState, Refill
from ward_app.domain.pump_calendar import CALCULATED, PumpCalendar, calendar_entry, soonest_first
from ward_app.domain.rules import Thresholds
from ward_app.reports.handover_sheet import handover_pdf
from ward_app.reports.pump_calendar_sheet import CONFIDENTIAL, pump_calendar_pdf

LONDON = ZoneInfo("Europe/London")
AT = datetime(2026, 12, 5, 7, 0, tzinfo=LONDON)
T = Thresholds.defaults()
NAMES = ("Zoë Ní Bhriain", "Łukasz Żółć", "Nguyễn Thị Hoa", "Kwame Mensah", "Oğuz Yılmaz",
         "Fatima Zahra Benali", "Priya Raghunathan", "Björn Åkesson")


def calendar(pumps: int = 8, *, drill: bool = False, ward: str = "Ward 7") -> PumpCalendar:
    """``pumps`` pumps refilled 90, 80, 70... days before AT (the first overdue, the second due
    within the buffer), the last with no refill recorded."""
    entries = []
    for i in range(pumps):
        state = PumpState(Pump(i, i, reservoir_ml=20, eri_date=date(2029, 5, 1)))
        if i < pumps - 1:
            refilled = AT - timedelta(days=(90, 80, 70, 60, 50, 40, 30, 20, 10)[i % 9])
            state = replace(state, refills=(Refill(i, i, refilled, 20, 2000, 400, 2),))
        entries.append(calendar_entry(f"RX{i:06d}", str(i + 1), NAMES[i % len(NAMES)], ward, state,
                                      T, LONDON, AT))
    return PumpCalendar(at=AT, days=90, buffer_days=7, entries=tuple(soonest_first(entries)),
                        ward=ward, printed_by="Rhian Jones, RN", drill=drill)


def text_of(data: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]


def sizes_of(data: bytes) -> list[tuple[float, str]]:
    sizes: list[tuple[float, str]] = []

    def seen(text, cm, tm, font, size) -> None:  # type: ignore[no-untyped-def]
        if text.strip():
            scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            sizes.append((round(size * scale, 2), text.strip()))

    for page in PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=seen)
    return sizes


def test_one_landscape_page_with_every_pump_and_why_each_is_marked() -> None:
    cal = calendar()
    data = pump_calendar_pdf(cal)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert box.width > box.height  # landscape
    page = text_of(data)[0]
    for e in cal.entries:
        assert e.name in page and e.mrn in page
    assert "Ward 7 · Ward pump calendar" in page and "Sat 05 Dec 2026 07:00" in page
    assert CONFIDENTIAL in page and "Printed by Rhian Jones, RN" in page and "Page 1 of 1" in page
    assert " ".join(CALCULATED.split()) in page
    assert "‼ refill OVERDUE since" in page and "⚠ refill due in" in page
    assert "within the 7-day buffer" in page and "no refill recorded" in page
    assert "2 refills due within the 7-day refill buffer or overdue" in page
    assert "DRILL" not in page


def test_a_drill_ward_says_drill_in_the_header_and_the_footer() -> None:
    page = text_of(pump_calendar_pdf(calendar(drill=True)))[0]
    assert "DRILL · Ward 7 · Ward pump calendar · DRILL" in page
    assert f"DRILL · {CONFIDENTIAL}" in page


def test_nothing_under_7_pt_and_the_body_at_least_8_5() -> None:
    sizes = sizes_of(pump_calendar_pdf(calendar()))
    assert sizes and min(s for s, _t in sizes) >= 7, sorted(sizes)[:5]
    body = [s for s, t in sizes if "RX000" in t or "refill in" in t or "OVERDUE" in t]
    assert body and min(body) >= 8.5


def test_a_full_ward_of_pumps_still_fits_one_page() -> None:
    # 16 pumps (twice the demo ward's) fit one page; more continue with the header row repeated
    assert len(PdfReader(io.BytesIO(pump_calendar_pdf(calendar(16)))).pages) == 1


def test_no_pumps_says_so() -> None:
    page = text_of(pump_calendar_pdf(replace(calendar(), entries=())))[0]
    assert "No pump has a date in the next 90 days." in page


def test_the_same_calendar_gives_the_same_bytes() -> None:
    assert pump_calendar_pdf(calendar()) == pump_calendar_pdf(calendar())


def test_the_handover_prints_the_calendar_as_its_last_page_when_given() -> None:
    sheet = make_handover(3)
    plain = text_of(handover_pdf(sheet))
    assert not any("Ward pump calendar" in p for p in plain)
    pages = text_of(handover_pdf(replace(sheet, pump_calendar=calendar())))
    assert len(pages) == len(plain) + 1
    last = pages[-1]
    assert "Ward pump calendar · Ward 7" in last and "⚠ refill due in" in last
    assert f"Page {len(pages)} of {len(pages)}" in last and "Shift handover" in last
    sizes = sizes_of(handover_pdf(replace(sheet, pump_calendar=calendar())))
    assert min(s for s, _t in sizes) >= 7
