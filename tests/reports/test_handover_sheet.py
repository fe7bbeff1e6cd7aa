"""The shift handover sheet: checked by its extracted text, page by page, and by its page sizes."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from ward_app.domain.alerts import alert_title
from ward_app.domain.handover import (
    Action,
    Acuity,
    AlertLine,
    DoseLine,
    Handover,
    PatientBlock,
    RefillLine,
    WardSummary,
)
from ward_app.reports.fonts import REGULAR
from ward_app.reports.handover_sheet import CONFIDENTIAL, handover_pdf, moment_text

LONDON = ZoneInfo("Europe/London")
AT = datetime(2026, 11, 25, 7, 0, tzinfo=LONDON)
NAMES = ("Łukasz Żółć", "Nguyễn Thị Hoa", "Zoë Ní Bhriain", "Margaret O'Neill", "Adebayo Okafor",
         "Siobhán Murphy", "Rajesh Venkataraman", "Émilie Dubois", "Tomasz Wiśniewski", "Aisha Rahman",
         "Jürgen Müller", "Ana María Rodríguez-García", "Kwame Mensah", "Ingrid Sørensen",
         "Dmitri Ivanov", "Fatima Al-Sayed", "Chen Wei", "Oluwaseun Adeyemi", "Björn Håkansson",
         "Priya Natarajan", "Seán Ó Briain", "Yuki Tanaka", "Grace Whitfield", "Mateo Fernández",
         "Eleanor Ashworth-Smythe", "Hamza Qureshi", "Lucía Moreno", "Agnieszka Kowalczyk",
         "Thabo Nkosi", "Isabella Rossi", "Wiremu Ngata", "Henrietta Blackwood", "Arjun Mehta",
         "Saoirse Kavanagh", "Kofi Boateng", "Astrid Lindqvist", "Nikolai Petrov", "Leila Haddad",
         "Declan McAllister", "Maryam Farouk")
EMERGENCY = ("NEWS2 7 (RR 3, SpO2 2, consciousness 3): emergency response. Call the critical care / "
             "medical emergency team now; continuous monitoring; consider level 2/3 care.")
SEDATION = ("Too drowsy (POSS 3 / RASS -3): ask the prescriber to reduce the dose before the next one; "
            "watch respiratory rate and sedation closely.")
REFILL = ("Pump low-reservoir alarm date is Fri 27 Nov 14:00; empty Sun 29 Nov 02:00. Refill TODAY: "
          "contact the ITB team.")
MISSED = ("Baclofen 20 mg due 22:00 yesterday was missed: nothing recorded. Give it now if still "
          "appropriate, or record why not; tell the nurse in charge and the prescriber (abrupt loss "
          "risks withdrawal).")
RENAL = "eGFR 38 (16 Nov): consider a lower baclofen dose with the prescriber; watch for drowsiness."
ITB_PUMP = "SynchroMed II · 20 mL reservoir, 9.8 mL left · 500 mcg/mL · refilled 30 Oct · ERI Mar 2029"


def _at(hours: float) -> datetime:
    return AT + timedelta(hours=hours)


def make_patient(i: int, name: str | None = None) -> PatientBlock:
    """A realistic patient: every 8th unstable, every 4th a watcher, every 5th on a pump."""
    name = name or NAMES[i % len(NAMES)]
    bed = f"{i // 6 + 1}{'ABCDEF'[i % 6]}"
    itb, enteral = i % 5 == 2, i % 7 == 4
    route = "intrathecal" if itb else "enteral" if enteral else "oral"
    dose = "180 mcg/day" if itb else f"{(i % 4 + 1) * 5} mg TDS"
    trend = tuple((_at(-70 + 6 * k), (i + k) % 4) for k in range(12))
    acuity, alerts, actions = Acuity.STABLE, (), [
        Action(_at(1), f"Give baclofen {dose}" if not itb else "Check pump site and reservoir"),
        Action(_at(5), "Observations and sedation score (POSS)"),
        Action(_at(11), "Withdrawal check: itching, spasticity, fever, confusion")]
    if i % 8 == 0:
        acuity = Acuity.UNSTABLE
        alerts = (AlertLine("emergency", "news2.emergency", EMERGENCY, _at(-0.8)),
                  AlertLine("urgent", "toxicity.sedation", SEDATION, _at(-1.5), "RN Ada Brown"))
        trend = trend[:-3] + ((_at(-8), 4), (_at(-3), 6), (_at(-0.8), 7))
        actions = [Action(None, "Medical emergency team called 06:40: stay with the patient", True),
                   Action(None, "Hold the 08:00 baclofen dose until reviewed", True), *actions[1:]]
    elif i % 4 == 0 or itb and i % 3 == 1:
        acuity = Acuity.WATCHER
        alerts = ((AlertLine("urgent", "pump.refill_due", REFILL, _at(-20)),) if itb else
                  (AlertLine("urgent", "dose.missed", MISSED, _at(-8)),
                   AlertLine("warning", "renal.reduce", RENAL, _at(-30))))
        actions.insert(0, Action(None, "Book the pump refill with the ITB team (ext 4410)", True)
                       if itb else Action(None, "Tell the prescriber about the missed 22:00 dose", True))
    return PatientBlock(
        bed=bed, name=name, mrn=f"RX{401200 + 37 * i}", age=28 + (i * 7) % 60, route=route, dose=dose,
        acuity=acuity, indication=("Spasticity after spinal cord injury (T6)" if i % 3 else
                                   "Multiple sclerosis spasticity"),
        flags=(("falls risk", "dementia") if i % 6 == 1 else ()),
        renal="eGFR 38 (16 Nov)" if i % 4 == 0 else None,
        comeds=("gabapentin 300 mg TDS", "oxybutynin 5 mg BD") if i % 2 else ("paracetamol 1 g QDS",),
        pump=ITB_PUMP if itb else None,
        news2=f"NEWS2 {trend[-1][1]} at {trend[-1][0]:%H:%M}", news2_trend=trend,
        vitals="RR 18 · SpO2 95 air · BP 117/72 · HR 86 · A · 36.8 °C",
        sedation="POSS 2 (slightly drowsy) at 05:50", spasticity="MAS 1+ (baseline 1+)",
        withdrawal="checked 05:50: none", given_24h=3 if not itb else 0,
        not_given_24h=("22:00 missed",) if acuity is Acuity.WATCHER and not itb else (),
        actions=tuple(actions), alerts=alerts)


def make_handover(n: int = 24, paper: str = "A4", extra: tuple[PatientBlock, ...] = ()) -> Handover:
    patients = tuple(make_patient(i) for i in range(n)) + extra
    due = tuple(DoseLine(_at(h), p.bed, p.name, p.dose.split(" TDS")[0]) for h in (1, 7)
                for p in patients if p.route != "intrathecal")
    missed = tuple(DoseLine(_at(-9), p.bed, p.name, "20 mg", "missed") for p in patients
                   if p.not_given_24h) + tuple(DoseLine(_at(-17), p.bed, p.name, "10 mg", "refused",
                                                        "vomiting") for p in patients[1:2])
    refills = tuple(RefillLine(p.bed, p.name, date(2026, 11, 26), _at(55), "urgent")
                    for p in patients if any(a.rule == "pump.refill_due" for a in p.alerts))
    alerts = [a.severity for p in patients for a in p.alerts]
    summary = WardSummary(
        patients=len(patients),
        by_route={r: sum(p.route == r for p in patients) for r in ("oral", "enteral", "intrathecal")},
        by_acuity={a.value: sum(p.acuity is a for p in patients) for a in Acuity},
        alerts_by_severity={s: alerts.count(s) for s in set(alerts)},
        due_next_12h=due, not_given_24h=missed, refills_due=refills)
    return Handover(ward="Ward 7 (Neuro-rehab)", at=AT, zone_name="Europe/London",
                    printed_by="RN Ada Brown", summary=summary, patients=patients, paper=paper)


LONG = replace(make_patient(30, "Henrietta Blackwood"), bed="5F", actions=tuple(
    Action(_at(k), f"Action number {k}: re-check the sedation score and respiratory rate", k % 3 == 0)
    for k in range(14)))


def read(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


@pytest.fixture(scope="module")
def ward() -> tuple[Handover, PdfReader, list[str]]:
    h = make_handover(8, extra=(LONG,))
    reader, pages = read(handover_pdf(h))
    return h, reader, pages


def test_every_name_the_ward_and_the_moment_print(ward):
    h, reader, pages = ward
    text = " ".join(pages)
    for name in ("Łukasz Żółć", "Nguyễn Thị Hoa", "Zoë Ní Bhriain", *(p.name for p in h.patients)):
        assert name in text, name
    assert moment_text(AT) == "Wed 25 Nov 2026 07:00"
    for page in pages:
        assert "Ward 7 (Neuro-rehab) · Shift handover" in page
        assert "Wed 25 Nov 2026 07:00 (Europe/London)" in page
        assert "Printed by RN Ada Brown on Wed 25 Nov 2026 07:00" in page
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert any(REGULAR in str(fonts[key].get_object()["/BaseFont"]) for key in fonts)


def test_every_page_is_confidential_and_numbered_page_x_of_n(ward):
    _h, reader, pages = ward
    total = len(reader.pages)
    assert total >= 3
    for number, page in enumerate(pages, start=1):
        assert CONFIDENTIAL in page and f"Page {number} of {total}" in page


def test_urgent_and_emergency_alerts_print_in_full_with_their_severity_in_words(ward):
    h, _reader, pages = ward
    text = " ".join(pages)
    urgent = [a for p in h.patients for a in p.alerts if a.severity in ("urgent", "emergency")]
    assert {a.rule for a in urgent} >= {"news2.emergency", "pump.refill_due", "dose.missed"}
    for a in urgent:
        assert a.message in text and alert_title(a.rule) in text  # named in words
    assert "‼ EMERGENCY" in text and "⚠ URGENT" in text and "▲ UNSTABLE" in text
    assert "◆ WATCHER" in text and "● STABLE" in text
    assert "acknowledged by RN Ada Brown" in text


def test_the_summary_comes_first_with_who_is_unstable_what_is_due_and_refills(ward):
    h, _reader, pages = ward
    # the summary runs until the patients' blocks begin (on the same page when they fit)
    first = " ".join(pages).split("Patients, bed by bed", 1)[0]
    for heading in ("Ward summary", "Unstable and watcher patients", "Doses due in the next 12 hours",
                    "Doses missed, omitted or refused in the last 24 hours",
                    "Pump refills due within 7 days", "Active alerts by severity"):
        assert heading in first, heading
    assert first.index("Unstable and watcher") < first.index("Doses due") < first.index("Pump refills")
    unstable = [p for p in h.patients if p.acuity is Acuity.UNSTABLE]
    watchers = [p for p in h.patients if p.acuity is Acuity.WATCHER]
    assert unstable and watchers
    assert first.index(unstable[-1].name) < first.index(watchers[0].name)  # unstable first
    assert h.summary.refills_due
    refills = first[first.index("Pump refills due"):]
    for r in h.summary.refills_due:
        assert r.name in refills and "Thu 26 Nov" in refills and "Fri 27 Nov 14:00" in refills
    assert "REFUSED" in first and "vomiting" in first and "✗ MISSED" in first
    assert "Situation" not in first  # the patient blocks start on a page of their own


def test_no_patient_block_is_split_across_pages(ward):
    h, _reader, pages = ward
    found = {}
    for number, page in enumerate(pages):
        starts = [(page.index(f"MRN {p.mrn}"), p.mrn) for p in h.patients if f"MRN {p.mrn}" in page]
        starts.sort()
        for k, (pos, mrn) in enumerate(starts):
            end = starts[k + 1][0] if k + 1 < len(starts) else len(page)
            assert "R · Recommendation" in page[pos:end], mrn  # heading and actions on one page
            found.setdefault(mrn, []).append(number)
    assert set(found) == {p.mrn for p in h.patients} and all(len(v) == 1 for v in found.values())
    long_page = pages[found[LONG.mrn][0]]
    assert all(a.what in long_page for a in LONG.actions)


def test_a_block_taller_than_a_page_splits_with_its_heading_repeated():
    huge = replace(LONG, actions=tuple(Action(_at(k / 4), f"Step {k}: check the pump site and the "
                                              "reservoir volume") for k in range(90)))
    _reader, pages = read(handover_pdf(make_handover(0, extra=(huge,))))
    blocks = [page for page in pages if f"MRN {huge.mrn}" in page]
    assert len(blocks) >= 2  # the heading (bed, name, MRN) again on each page the block runs onto
    text = " ".join(blocks)
    assert all(f"Step {k}: check" in text for k in range(90))


def test_actions_show_now_or_their_time_and_urgent_ones_are_marked(ward):
    _h, _reader, pages = ward
    text = " ".join(pages)
    assert "now ⚠ Medical emergency team called 06:40" in text
    assert "08:00 Give baclofen" in text and "12:00 Observations and sedation score" in text
    assert "⚠ Action number 3:" in text and "Action number 4:" in text


def test_an_alert_already_given_as_an_action_is_not_printed_twice():
    p = make_patient(0)
    assert p.alerts[0].message == EMERGENCY
    p = replace(p, actions=(Action(None, f"news2.emergency: {EMERGENCY}", True), *p.actions))
    _reader, pages = read(handover_pdf(make_handover(0, extra=(p,))))
    text = " ".join(pages)
    assert text.count(EMERGENCY) == 1 and "as in the actions above (NEWS2 emergency" in text
    assert SEDATION in text  # the other alert still prints in full


def test_a_barcode_of_the_mrn_is_drawn_in_each_heading():
    h = make_handover(1)
    reader = PdfReader(io.BytesIO(handover_pdf(h)))
    block_page = reader.pages[-1].get_contents()
    assert block_page is not None
    rects = len(re.findall(rb"\sre\s", block_page.get_data()))
    # Code 128 of 'RX401200': start, 8 symbols (or fewer in set C), check, stop: over 20 bars
    assert rects >= 25 + 6  # the bars, beside the few table and trend-band rectangles


def test_a_ward_of_24_fits_in_4_to_16_pages():
    reader, _pages = read(handover_pdf(make_handover(24)))
    assert 4 <= len(reader.pages) <= 16


def test_paper_is_landscape_a4_or_letter():
    a4 = PdfReader(io.BytesIO(handover_pdf(make_handover(2))))
    assert [round(float(v)) for v in a4.pages[0].mediabox[2:]] == [842, 595]
    us = PdfReader(io.BytesIO(handover_pdf(make_handover(2, paper="Letter"))))
    assert all([round(float(v)) for v in page.mediabox[2:]] == [792, 612] for page in us.pages)


def test_user_text_is_escaped_and_metadata_carries_no_patient_data():
    odd = replace(make_patient(3), name="O'Brien <Jr> & Sons", bed="S&R <1>",
                  actions=(Action(None, "Call A&E <now>"),))
    h = make_handover(2, extra=(odd,))
    pdf = handover_pdf(h)
    assert pdf == handover_pdf(h)  # no clock, no randomness
    reader, pages = read(pdf)
    text = " ".join(pages)
    assert "O'Brien <Jr> & Sons" in text and "Call A&E <now>" in text
    assert text.count("S&R <1>") >= 3 and "&amp;" not in text and "&lt;" not in text  # summary too
    meta = reader.metadata
    assert meta is not None and meta.title == "Shift handover"
    assert meta.creation_date == AT
    assert all(p.name not in str(v) and "RX4" not in str(v) for p in h.patients for v in meta.values())


def test_an_empty_ward_still_prints_a_summary():
    h = replace(make_handover(0), summary=WardSummary(patients=0))
    _reader, pages = read(handover_pdf(h))
    assert len(pages) == 1 and "None: every patient is stable." in pages[0]
    assert "No doses due." in pages[0] and "No active alerts." in pages[0]


def test_a_name_too_long_for_its_summary_column_wraps_and_prints_in_full():
    name = "Anna-Maria Konstantinopoulou-Vanderbilt de la Cruz y Montenegro"
    long = replace(make_patient(0, name), bed="9Z")  # unstable: on the watch list, a dose due too
    reader = PdfReader(io.BytesIO(handover_pdf(make_handover(2, extra=(long,)))))
    summary = reader.pages[0].extract_text().split("Patients, bed by bed", 1)[0]
    assert "Situation" not in summary and "Doses due" in summary
    assert name not in summary  # not one line running over the next column: wrapped
    assert re.sub(r"\s+", " ", summary).count(name) >= 2  # in full, on the watch list and due


def test_a_drill_wards_sheet_says_drill_on_every_page_and_in_its_title():
    h = replace(make_handover(8, extra=(LONG,)), drill=True)
    reader, pages = read(handover_pdf(h))
    assert len(pages) > 2
    assert all("DRILL" in page for page in pages), [i for i, p in enumerate(pages) if "DRILL" not in p]
    assert reader.metadata is not None and reader.metadata.title == "DRILL Shift handover"
    _reader, live = read(handover_pdf(make_handover(8, extra=(LONG,))))
    assert not any("DRILL" in page for page in live)


def test_doses_entered_late_are_marked_in_the_patients_block():
    late = replace(make_patient(1), entered_late_24h=("08:00 dose, entered 14:35",))
    h = replace(make_handover(2), patients=(late,))
    _reader, pages = read(handover_pdf(h))
    assert any("entered late: 08:00 dose, entered 14:35" in page for page in pages)


def test_an_overdue_refill_prints_overdue_since_in_the_refill_table():
    """Issue 18: the handover names overdue refills (clinical-rules §10, pump.refill_overdue)."""
    h = make_handover(2)
    overdue = RefillLine("9", "Olu Overdue", date(2026, 11, 20), _at(30), "urgent",
                         date(2026, 11, 21))
    due = RefillLine("10", "Dee Due", date(2026, 11, 27), _at(70), "warning")
    h = replace(h, summary=replace(h.summary, refills_due=(overdue, due)))
    _reader, pages = read(handover_pdf(h))
    text = " ".join(pages)
    assert "Fri 20 Nov — OVERDUE since Sat 21 Nov" in text
    assert "Fri 27 Nov" in text and "Fri 27 Nov — OVERDUE" not in text
