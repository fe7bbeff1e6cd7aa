"""Print handover from the window, offscreen: built off the GUI thread, previewed with QPdfView,
printed to a PDF file through QPrinter, and audited."""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter

from tests.conftest import act_as
from ward_app.gui.alarm import SilentSound
from ward_app.gui.main_window import MainWindow
from ward_app.storage import audit


@pytest.mark.slow  # prints every page at the printer's high resolution (over a minute)
def test_print_handover_previews_prints_and_audits(qtbot, demo_ward, tmp_path, monkeypatch):
    act_as(demo_ward, "charge.silva")  # the charge nurse prints the handover
    w = MainWindow(demo_ward, sound=SilentSound())
    qtbot.addWidget(w)
    assert w.handover_action.shortcut().toString() == "Ctrl+P"
    dialog = w.print_handover()
    qtbot.addWidget(dialog)
    assert not dialog.print_button.isEnabled()  # until the sheet is ready
    qtbot.waitUntil(lambda: dialog.ready, timeout=20_000)
    assert dialog.print_button.isEnabled() and dialog.preview.page_count() >= 2
    assert "24 patients" in dialog.status.text()
    out = tmp_path / "handover-printed.pdf"

    def fake_dialog(self, parent=None):  # the system print dialog, answered "print to file"
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        self.print_to(printer)
        return True

    monkeypatch.setattr("ward_app.gui.pdf_preview.PdfPreview.print_with_dialog", fake_dialog)
    dialog.print_button.click()
    reader = PdfReader(str(out))
    assert len(reader.pages) == dialog.preview.page_count()
    entry = audit.entries(demo_ward.db, limit=1)[0]
    assert entry["action"] == "handover.print" and entry["user"] == "charge.silva"
    assert entry["detail"]["patients"] == 24


def test_a_nurse_reads_the_handover_on_screen_but_cannot_print_it(qtbot, demo_ward):
    w = MainWindow(demo_ward, sound=SilentSound())  # the demo nurse
    qtbot.addWidget(w)
    assert w.handover_action.isEnabled()  # the on-screen view, for those who don't print
    d = w.print_handover()
    qtbot.addWidget(d)
    qtbot.waitUntil(lambda: d.ready, timeout=60_000)
    assert d.preview.page_count() >= 2 and "unstable" in d.status.text()
    assert not d.print_button.isEnabled() and not d.save_button.isEnabled()
    assert "ask a charge nurse" in d.print_button.toolTip()
