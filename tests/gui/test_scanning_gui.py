"""Scanning in the window (issue 20), on the demo ward: a scanner's burst (keys with window-system
times a few ms apart, then Enter) anywhere in the main window opens the patient's chart; in the
record dialog a scanned pack is checked against the dose (expired: not allowed; unknown or the
wrong strength: a reason; right: how much to give) and kept on the record, or the skip's reason
is; a wristband of another patient stops the recording; the pharmacy's pack table; the share of
doses scanned in the status bar; the wristband label."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from tests.conftest import acting, database_state
from tests.gui.test_patient_chart import (  # noqa: F401 - fixtures
    DUE_0800,
    GIVEN_AT,
    clock_at,
    dialog_for,
    eleni,
    eleni_row,
    press_enter,
)
from ward_app.domain.errors import Refused
from ward_app.services import wristbands
from ward_app.services.board import ward_board

pytestmark = [pytest.mark.gui, pytest.mark.scanning]

LIQUID = "0102000000000220"  # demo: baclofen 5 mg/5 mL oral solution (1 mg/mL)
TABLETS_10 = "0102000000000114"  # demo: baclofen 10 mg tablets (Eleni's dose is 5 mg)


def scanner_types(widget, text: str, gap_ms: int = 5) -> None:
    """What a USB scanner does: each key with its window-system time, ``gap_ms`` apart, then
    Enter; sent through the application as the window system's keys are."""
    stamp = 10_000
    for ch in [*text, "\r"]:
        stamp += gap_ms
        if ch == "\r":
            event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return,
                              Qt.KeyboardModifier.NoModifier, "\r")
        else:
            mods = Qt.KeyboardModifier.ShiftModifier if ch.isupper() else \
                Qt.KeyboardModifier.NoModifier
            event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key(ord(ch.upper())), mods, ch)
        event.setTimestamp(stamp)
        QApplication.sendEvent(widget, event)


@pytest.fixture
def scanned_into(qtbot):
    """A scanner's codes handed to ``dialog.handle_scan`` (what the main window does for a form
    that takes scans) through a real ScanDetector on the application."""
    from ward_app.gui.scanner import ScanDetector

    app = QApplication.instance()
    detectors = []

    def connect(dialog):
        detector = ScanDetector(dialog)
        detector.scanned.connect(lambda text, _w: dialog.handle_scan(text))
        app.installEventFilter(detector)
        detectors.append(detector)
        return dialog

    yield connect
    for detector in detectors:
        app.removeEventFilter(detector)


def records(path, pid: int) -> list[tuple]:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("SELECT outcome, scan, scan_skipped, flags FROM administrations "
                            "WHERE patient_id = ? AND due_at = ?",
                            [pid, DUE_0800.isoformat()]).fetchall()
    finally:
        conn.close()


def test_a_scanned_wristband_opens_the_chart_wherever_the_focus_is(window, demo_ward, qtbot):
    row = eleni_row(demo_ward)
    window.board.find_box.setFocus()
    scanner_types(window.board.find_box, row.mrn.lower())
    qtbot.waitUntil(lambda: row.patient_id in window.charts, timeout=3000)
    assert window.charts[row.patient_id].isVisible()
    assert window.board.find_box.text() == ""  # the scan never landed in the find box
    # typed by a person (a key every 150 ms), the same text is only text
    scanner_types(window.board.find_box, "RX1", gap_ms=150)
    qtbot.waitUntil(lambda: window.board.find_box.text() == "RX1", timeout=2000)


def test_an_unknown_wristband_says_so(window, qtbot, monkeypatch):
    said = []
    monkeypatch.setattr("ward_app.gui.main_window.QMessageBox.warning",
                        lambda _p, title, text: said.append((title, text)))
    window.handle_scan("RX000000")
    assert said and said[0][0] == "Wristband not on this ward" and "RX000000" in said[0][1]


def test_the_dialog_asks_for_a_scan_or_a_reason(dialog_for, demo_ward, qtbot):  # noqa: F811
    pid = eleni_row(demo_ward).patient_id
    with clock_at(demo_ward, GIVEN_AT):
        dialog = dialog_for(DUE_0800)
        assert dialog.given.isChecked() and dialog.pack_code.isVisible()
        press_enter(qtbot, dialog)
        assert dialog.isVisible() and "Scan the medicine pack" in dialog.error.text()
        assert records(demo_ward.path, pid) == []
        dialog.skip_scan.setCurrentIndex(dialog.skip_scan.findData("barcode_unreadable"))
        with qtbot.waitSignal(dialog.accepted, timeout=2000):
            press_enter(qtbot, dialog)
    assert records(demo_ward.path, pid) == [("given_late", None, "barcode_unreadable", "[]")]


def test_a_scanned_pack_is_checked_and_kept_on_the_record(
        dialog_for, demo_ward, qtbot, scanned_into):  # noqa: F811
    pid = eleni_row(demo_ward).patient_id
    with clock_at(demo_ward, GIVEN_AT):
        dialog = scanned_into(dialog_for(DUE_0800))
        # a misread code (a letter O for the batch's 0): said, and shown as read
        scanner_types(dialog.focusWidget(), f"{LIQUID}172812001OLOT42")
        qtbot.waitUntil(lambda: "could not be read" in dialog.error.text(), timeout=2000)
        assert dialog.error.isVisible() and dialog.pack_code.text().endswith("1OLOT42")
        # expired (30 Apr 2026): not allowed, whatever else
        scanner_types(dialog.focusWidget(), f"{LIQUID}17260400")
        qtbot.waitUntil(lambda: "Do not give" in dialog.pack_status.text(), timeout=2000)
        assert "expired on 30 Apr 2026" in dialog.pack_status.text()
        assert not dialog.record_button.isEnabled()
        assert not dialog.error.isVisible()  # the misread's problem went with it
        # 10 mg tablets for a 5 mg dose: a reason (a soft stop)
        scanner_types(dialog.focusWidget(), TABLETS_10 + "17281200")
        qtbot.waitUntil(lambda: "Check the pack" in dialog.pack_status.text(), timeout=2000)
        assert dialog.record_button.isEnabled() and dialog.override_reason.isVisible()
        assert dialog.record_button.text() == "Record &anyway"
        # the right pack: how much to give
        scanner_types(dialog.focusWidget(), LIQUID + "17281200" + "10LOT42")
        qtbot.waitUntil(lambda: "Pack checked" in dialog.pack_status.text(), timeout=2000)
        assert "give <b>5 mL</b>" in dialog.pack_status.text() and "batch LOT42" in \
            dialog.pack_status.text()
        assert not dialog.override_reason.isVisible() and not dialog.skip_scan.isEnabled()
        with qtbot.waitSignal(dialog.accepted, timeout=2000):
            dialog.record_button.click()
    [(outcome, scan, skipped, flags)] = records(demo_ward.path, pid)
    assert outcome == "given_late" and skipped is None and flags == "[]"
    assert json.loads(scan) == {"gtin": "02000000000220", "expiry": "2028-12-31",
                                "batch": "LOT42",
                                "product": "Baclofen 5 mg/5 mL oral solution (300 mL)"}


def test_a_wristband_of_another_patient_stops_the_recording(
        dialog_for, demo_ward, qtbot):  # noqa: F811
    other = next(r for r in ward_board(demo_ward) if r.patient_id != eleni_row(demo_ward).patient_id)
    with clock_at(demo_ward, GIVEN_AT):
        dialog = dialog_for(DUE_0800)
        dialog.handle_scan(other.mrn)
        assert "Wrong patient" in dialog.patient_check.text() and \
            not dialog.record_button.isEnabled()
        dialog.handle_scan(eleni(demo_ward).mrn)
        assert "the right patient" in dialog.patient_check.text()
        assert dialog.record_button.isEnabled()


def test_the_pharmacy_keeps_the_pack_table_in_the_window(window, demo_ward, qtbot):
    dialog = window.show_medicine_packs()
    qtbot.waitExposed(dialog)
    assert not dialog.editing.isEnabled()  # a nurse reads it
    assert any(p.demo for p in dialog.model.rows)
    dialog.close()
    with acting(demo_ward, "pharm.chen"):
        dialog = window.show_medicine_packs()
        assert dialog.editing.isEnabled()
        assert dialog.handle_scan("0105000000000012172812001012")  # a pack not in the table
        assert dialog.gtin.text() == "05000000000012"
        qtbot.keyClicks(dialog.product, "Baclofen 10 mg tablets (28)")
        assert dialog.strength.value() == 0  # never the last pack's strength by accident
        dialog.save_button.click()
        assert dialog.error.isVisible() and "strength" in dialog.error.text().lower()
        dialog.strength.setValue(10)
        dialog.save_button.click()
        assert "Saved: 05000000000012" in dialog.status.text()
        assert "05000000000012" in [p.gtin for p in dialog.model.rows]
        dialog.gtin.setText("123")
        dialog.save_button.click()
        assert dialog.error.isVisible() and "GTIN '123' is not valid" in dialog.error.text()
        dialog.close()


def test_the_status_bar_shows_the_share_of_doses_scanned(window, demo_ward, qtbot):
    # the demo's nurses scan most doses and skip about one in eight, each with a reason
    m = re.fullmatch(r"Scanned: (\d+) % of doses \(24 h\)", window.scan_label.text())
    assert m and 60 <= int(m.group(1)) < 100, window.scan_label.text()
    tip = window.scan_label.toolTip()
    assert "doses given were scanned" in tip and "skipped (" in tip
    assert "bold" in window.scan_label.styleSheet()  # skips are made visible


def test_the_chart_prints_the_wristband_label(window, demo_ward, qtbot):
    chart = window.open_chart(eleni_row(demo_ward).patient_id)
    assert chart.wristband_button.isEnabled()
    dialog = chart.print_wristband()
    assert dialog.problem is None and dialog.pdf.pdf.startswith(b"%PDF")
    qtbot.waitUntil(lambda: dialog.pdf.page_count() == 1, timeout=3000)
    dialog.close()
    with acting(demo_ward, "pharm.chen"):
        chart.apply_permissions()
        assert not chart.wristband_button.isEnabled()
        with pytest.raises(Refused):
            wristbands.wristband_label(demo_ward, eleni(demo_ward).mrn)


def test_the_refill_dialog_checks_the_ampoule_against_the_concentration(window, demo_ward, qtbot):
    from ward_app.gui.pump_dialogs import RefillDialog
    from ward_app.services.demo import DEMO_PASSWORD
    from ward_app.services.people import find_user

    zoe = next(r for r in ward_board(demo_ward) if r.name == "Zoë Ní Bhriain")  # 500 mcg/mL
    chart = window.open_chart(zoe.patient_id)
    panel = chart.pump_panel
    d = RefillDialog(demo_ward, chart.patient, panel.view.pump, chart,
                     last=panel.view.refills[0])
    qtbot.addWidget(d)
    d.show()
    assert d.conc.currentData() == 500
    d.witness.setCurrentIndex(d.witness.findData(find_user(demo_ward, "nurse.okafor", "w").id))
    qtbot.keyClicks(d.password, DEMO_PASSWORD)
    before = database_state(demo_ward.path, but_logins=True)
    d.submit()  # nothing scanned, no reason
    assert d.result() != 1 and "Scan the ampoule" in d.error.text()
    # a 2000 mcg/mL ampoule for a 500 mcg/mL refill: not allowed
    d.handle_scan("0102000000000558172812001012AB")
    assert "Do not fill" in d.pack_status.text() and not d.save_button.isEnabled()
    assert database_state(demo_ward.path, but_logins=True) == before
    # choosing 2000 mcg/mL makes that ampoule right (and the dose check is the pump's own)
    d.conc.setCurrentIndex(d.conc.findData(2000.0))
    assert "Ampoule checked" in d.pack_status.text() and d.save_button.isEnabled()
    d.conc.setCurrentIndex(d.conc.findData(500.0))
    # an ampoule the table does not know: a reason
    d.handle_scan("0102000000000992172812001012AB")
    assert "Check the ampoule" in d.pack_status.text() and d.pack_reason.isVisible()
    other = next(r for r in ward_board(demo_ward) if r.patient_id != zoe.patient_id)
    d.handle_scan(other.mrn)  # another patient's wristband: stop
    assert "Wrong patient" in d.error.text() and not d.save_button.isEnabled()
    d.handle_scan(zoe.mrn)
    assert d.save_button.isEnabled()
    d.handle_scan("0102000000000442172812001012AB")  # the right one
    assert "Ampoule checked" in d.pack_status.text() and not d.pack_reason.isVisible()
    assert not d.skip_scan.isEnabled()
    qtbot.keyClicks(d.password, DEMO_PASSWORD)  # cleared after the refusal
    d.submit()
    assert d.result() == 1, d.error.text()
    conn = sqlite3.connect(str(demo_ward.path))
    try:
        (scan,) = conn.execute("SELECT scan FROM pump_refills ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    assert json.loads(scan)["gtin"] == "02000000000442"


@pytest.mark.qt_log_ignore("does not support grabbing the keyboard")  # the offscreen popup
def test_a_wristband_scanned_while_a_drop_down_is_open_still_reaches_the_dialog(
        window, dialog_for, demo_ward, qtbot):  # noqa: F811
    other = next(r for r in ward_board(demo_ward) if r.patient_id != eleni_row(demo_ward).patient_id)
    with clock_at(demo_ward, GIVEN_AT):
        dialog = dialog_for(DUE_0800)
        dialog.skip_scan.showPopup()  # the focus is in the popup list, a window of its own
        qtbot.waitUntil(lambda: dialog.skip_scan.view().isVisible(), timeout=2000)
        window.handle_scan(other.mrn, dialog.skip_scan.view())
        dialog.skip_scan.hidePopup()
        assert dialog.wrong_patient == other.mrn and not dialog.record_button.isEnabled()
        assert other.patient_id not in window.charts  # not opened behind the dialog
        # "Not given" cannot be recorded against the wrong wristband either
        dialog.not_given.setChecked(True)
        assert not dialog.record_button.isEnabled()


def test_a_pack_box_typed_over_no_longer_carries_the_pack(dialog_for, demo_ward, qtbot):  # noqa: F811
    with clock_at(demo_ward, GIVEN_AT):
        dialog = dialog_for(DUE_0800)
        dialog.handle_scan(LIQUID + "17281200" + "10LOT42")
        assert dialog.pack is not None and "Pack checked" in dialog.pack_status.text()
        dialog.pack_code.setFocus()
        qtbot.keyClick(dialog.pack_code, Qt.Key.Key_Backspace)
        assert dialog.pack is None and "Scan the medicine pack" in dialog.pack_status.text()
