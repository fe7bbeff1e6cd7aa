from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import letter

from ward_app.domain.observations import SIGN_LABELS
from ward_app.domain.orders import Frequency, Order, OrderAction, Route
from ward_app.domain.rules import Thresholds
from ward_app.domain.taper import Form, TaperPlan, TaperRequest, plan_taper
from ward_app.reports.fonts import REGULAR
from ward_app.reports.taper_sheet import TaperSheet, day_text, taper_sheet_pdf

LONDON = ZoneInfo("Europe/London")
CONTACT = "Ward 7 nurse in charge (ext 4471) or the on-call doctor"
ORDER = Order(id=1, patient_id=1, action=OrderAction.START, route=Route.ORAL,
              starts_at=datetime(2026, 11, 2, 8, 0, tzinfo=LONDON), dose_mg=20,
              times=("08:00", "14:00", "22:00"), frequency=Frequency.TDS)


def make_plan(**request: object) -> TaperPlan:
    return plan_taper(ORDER, TaperRequest(start=date(2026, 12, 1), **request),  # type: ignore[arg-type]
                      Thresholds.defaults())


def make_sheet(plan: TaperPlan, name: str = "Łukasz Żółć") -> TaperSheet:
    return TaperSheet(patient_name=name, mrn="MRN-0042", dob=date(1961, 3, 14), ward="Ward 7",
                      bed="12B", plan=plan, order_text="oral 20 mg TDS (60 mg/day)",
                      prescriber="Dr Nguyễn Thị Hoa", printed_by="RN Ada Brown",
                      printed_at=datetime(2026, 11, 30, 16, 5, tzinfo=LONDON), contact=CONTACT)


def read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"\s+", " ", text)  # wrapped lines and no-break spaces as one space


@pytest.fixture(scope="module")
def tablet_pdf() -> tuple[TaperPlan, PdfReader, str]:
    plan = make_plan(pregnant=True)
    reader, text = read(taper_sheet_pdf(make_sheet(plan)))
    return plan, reader, text


def test_the_example_plan_is_the_one_the_sheet_is_checked_against(tablet_pdf):
    plan, _reader, _text = tablet_pdf
    assert plan.days[0].daily_mg == 55 and plan.days[30].daily_mg == 5
    assert plan.end_date == date(2027, 1, 3) and plan.days[-1].day == 34


def test_patient_names_beyond_latin_1_and_the_mrn_print(tablet_pdf):
    _plan, reader, text = tablet_pdf
    assert "Łukasz Żółć" in text and "Dr Nguyễn Thị Hoa" in text
    assert "MRN-0042" in text and "14 Mar 1961" in text and "12B" in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert any(REGULAR in str(fonts[key].get_object()["/BaseFont"]) for key in fonts)


def test_every_day_with_its_date_and_total_prints(tablet_pdf):
    plan, _reader, text = tablet_pdf
    for day in plan.days:
        assert day_text(day.date) in text, day
    for total in (55, 50, 45, 40, 35, 30, 25, 20, 15, 10, 5, 0):
        assert f"{total} mg" in text
    assert text.count("↓ reduced") == 12  # day 1 (from 60 mg) and every step after
    assert "No more baclofen from today" in text
    assert "—" in text  # a dose time with nothing to give
    assert "1 × 10 mg + 1 × 5 mg tablets" in text and "1 × 20 mg tablet" in text
    assert "Tue 01 Dec 2026" in text and "Sun 03 Jan 2027" in text


def test_every_page_is_numbered_page_x_of_y_with_the_patient_in_the_footer(tablet_pdf):
    plan, reader, _text = tablet_pdf
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = re.sub(r"\s+", " ", page.extract_text())
        assert f"Page {number} of {pages}" in text
        assert "Printed by RN Ada Brown on 30 Nov 2026 16:05 · Łukasz Żółć · MRN MRN-0042" in text
        if any(day_text(day.date) in text for day in plan.days):
            assert "Day total" in text  # the table's header row repeats on every page it spans


def test_withdrawal_signs_whom_to_call_and_the_notes_print(tablet_pdf):
    plan, _reader, text = tablet_pdf
    for label in SIGN_LABELS.values():
        assert label in text
    assert "Late signs are an emergency: get medical help at once" in text
    assert f"Whom to call: {CONTACT}" in text
    assert "Do not stop baclofen suddenly" in text
    assert plan.notes and all(note in text for note in plan.notes)
    assert "Please note" in text


def test_metadata_carries_no_patient_data_and_output_is_reproducible():
    sheet = make_sheet(make_plan(), name="Nguyễn Thị Hoa")
    pdf = taper_sheet_pdf(sheet)
    assert pdf == taper_sheet_pdf(sheet)  # no clock, no randomness
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta is not None and meta.title == "Baclofen reducing plan"
    assert all("Nguy" not in str(v) and "MRN" not in str(v) for v in meta.values())
    assert meta.creation_date == sheet.printed_at  # the printing time, not the wall clock
    _reader, text = read(pdf)
    assert "Nguyễn Thị Hoa · MRN MRN-0042" in text


def test_a_solution_plan_gives_amounts_in_ml():
    plan = make_plan(form=Form.SOLUTION, step_mg=2)
    assert any(mg % 5 for day in plan.days for _t, mg in day.doses)  # 1 mg steps really used
    _reader, text = read(taper_sheet_pdf(make_sheet(plan)))
    assert "Oral solution 5 mg in 5 mL" in text
    assert "18 mg" in text and "18 mL" in text
    assert "tablet" not in text.replace("Tablets", "")


def test_names_are_escaped_not_read_as_markup():
    sheet = replace(make_sheet(make_plan()), patient_name="O'Brien <Jr> & Sons", contact="A & E")
    _reader, text = read(taper_sheet_pdf(sheet))
    assert "O'Brien <Jr> & Sons" in text and "Whom to call: A & E" in text


def test_other_page_sizes_are_honoured():
    reader = PdfReader(io.BytesIO(taper_sheet_pdf(make_sheet(make_plan()), pagesize=letter)))
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [612, 792]


def test_a_drill_wards_taper_sheet_says_drill_on_every_page_and_in_its_title():
    sheet = replace(make_sheet(make_plan(pregnant=True)), drill=True)
    reader = PdfReader(io.BytesIO(taper_sheet_pdf(sheet)))
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
    assert len(pages) >= 2
    assert all("DRILL" in page for page in pages)
    assert "DRILL — Baclofen reducing plan (taper)" in pages[0]
    assert reader.metadata is not None and reader.metadata.title == "DRILL Baclofen reducing plan"
    live = PdfReader(io.BytesIO(taper_sheet_pdf(make_sheet(make_plan(pregnant=True)))))
    assert not any("DRILL" in page.extract_text() for page in live.pages)


# --- Driving caution and the ward's number (clinical-rules §10) -----------------------------------


def test_the_driving_and_machinery_caution_prints(tablet_pdf):
    _plan, _reader, text = tablet_pdf
    assert ("Drowsiness: baclofen may cause drowsiness. Do not drive or operate machinery if you "
            "are affected, especially while the dose is changing.") in text


def test_the_wards_number_prints_where_the_sheet_says_whom_to_call():
    sheet = replace(make_sheet(make_plan()), phone="020 7946 0471")
    _reader, text = read(taper_sheet_pdf(sheet))
    assert f"Whom to call: {CONTACT}, telephone 020 7946 0471" in text
    assert "If doses are missed, vomited or run out, call the number above." in text


@pytest.mark.parametrize("phone", ["", "   "])
def test_without_a_number_the_sheet_names_whom_to_call_and_no_empty_number(phone):
    sheet = replace(make_sheet(make_plan()), phone=phone)
    _reader, text = read(taper_sheet_pdf(sheet))
    assert f"Whom to call: {CONTACT} Do not stop" in text  # nothing after whom
    assert "number above" not in text and "telephone" not in text.lower()
    assert "If doses are missed, vomited or run out, call them (named above) at once." in text
