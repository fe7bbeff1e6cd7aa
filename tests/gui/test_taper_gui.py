"""The taper dialog, offscreen: the example in the live preview, refusals shown in the dialog, the
sheet in the preview (rendered off the GUI thread), printing to a PDF file through QPrinter, and
applying the plan."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QMessageBox

from tests import typed
from tests.conftest import act_as, database_state
from ward_app.gui.taper_dialog import TaperDialog
from ward_app.services.board import ward_board
from ward_app.services.patients import get_patient


def patient(ctx, name):
    return get_patient(ctx, next(r.mrn for r in ward_board(ctx) if r.name == name))


@pytest.fixture
def dialog(qtbot, demo_ward):
    act_as(demo_ward, "pharm.chen")  # tapers are the pharmacist's
    d = TaperDialog(demo_ward, patient(demo_ward, "Gráinne Walsh"))  # 20 mg TDS
    qtbot.addWidget(d)
    d.start.setDate(QDate(2026, 12, 1))
    qtbot.waitUntil(lambda: d.pdf.page_count() >= 2, timeout=10_000)
    return d


def test_the_example_in_the_live_preview(dialog):
    model = dialog.model
    assert model.rowCount() == 34
    assert model.index(0, 1).data() == "Tue 01 Dec 2026" and model.index(0, 5).data() == "55 mg"
    assert [model.index(r, 5).data() for r in (30, 31, 32)] == ["5 mg"] * 3
    assert model.index(33, 5).data() == "No more baclofen"
    assert "no baclofen from" in dialog.summary.text() and "Sun 03 Jan 2027" in dialog.summary.text()


def test_a_refusal_is_shown_and_the_sheet_disappears(qtbot, dialog):
    dialog.every.setValue(1)
    dialog.step.setValue(20)
    assert dialog.error.isVisibleTo(dialog) and "never faster than 7 days" in dialog.error.text()
    assert not dialog.apply_button.isEnabled() and dialog.pdf.page_count() == 0
    dialog.step.setValue(5)
    dialog.every.setValue(3)
    assert not dialog.error.isVisibleTo(dialog) and dialog.apply_button.isEnabled()


@pytest.mark.slow  # prints every page at 300 dpi
def test_the_sheet_prints_to_a_pdf_file_through_qprinter(qtbot, dialog, tmp_path):
    dialog.prescriber.setText("Dr Aoife Byrne")
    qtbot.waitUntil(lambda: b"Aoife" in dialog.pdf.pdf or _text(dialog.pdf.pdf).find("Aoife") >= 0,
                    timeout=10_000)
    out = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    pages = dialog.pdf.print_to(printer)
    assert pages == dialog.pdf.page_count() >= 2
    assert out.exists() and len(PdfReader(str(out)).pages) == pages
    text = _text(dialog.pdf.pdf)
    assert "Gráinne Walsh" in text and "Dr Aoife Byrne" in text and "Tue 01 Dec 2026" in text


def _text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages) if data else ""


def test_apply_needs_a_prescriber_then_changes_the_mar(qtbot, dialog, demo_ward, monkeypatch):
    before = database_state(demo_ward.path)
    dialog.apply()
    assert "Name the prescriber" in dialog.error.text()
    assert database_state(demo_ward.path) == before
    dialog.prescriber.setText("Dr Aoife Byrne")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog.apply()
    assert dialog.applied_id is not None and not dialog.apply_button.isEnabled()
    _p, day1 = typed.mar_day(demo_ward, dialog.patient.mrn, date(2026, 12, 1))
    assert sum(e.dose_mg for e in day1) == 55
