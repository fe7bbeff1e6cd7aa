"""The patient chart, the record and correction dialogs and the alerts panel, offscreen.

Every test works on a real SQLite file (the ``demo_ward`` fixture) at the fixed clock NOW
(25 Nov 2026 10:00, Europe/London = UTC in November). The demo patient Eleni Papadopoulou (bed 15,
5 mg TDS at 08:00, 14:00, 22:00) has nothing recorded for 24 Nov 22:00 and 25 Nov 08:00: both MISSED.
At NOW the 08:00 dose can no longer be caught up (the 14:00 dose is not more than the 4 h minimum
interval away, clinical-rules §9): a test that gives it gives it at GIVEN_AT (09:50), when it still can.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QApplication, QDialog

from tests import typed
from tests.conftest import NOW, database_state
from ward_app.domain.alerts import alert_title
from ward_app.domain.mar import Outcome, State
from ward_app.gui.alerts_panel import AlertsModel
from ward_app.gui.main_window import MainWindow
from ward_app.gui.mar_panel import OPEN_STATES, MarGridModel, MarHistoryModel
from ward_app.gui.patient_chart import DAYS_SHOWN, PatientChart
from ward_app.gui.record_dialog import CorrectRecordDialog, RecordDoseDialog
from ward_app.gui.ward_board import OVERDUE_COLUMN
from ward_app.services import mar as mar_svc
from ward_app.services.alerts import ward_alerts
from ward_app.services.board import BoardRow, ward_board
from ward_app.services.context import Context
from ward_app.services.demo import MISSED_TWO
from ward_app.services.mar import MarEntry, mar_entries
from ward_app.services.patients import get_patient

DUE_0800 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # today 08:00, MISSED at NOW
DUE_2200 = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # yesterday 22:00, MISSED at NOW
#: Ten minutes before NOW: the missed 08:00 dose can still be given (late) then, the 14:00 dose
#: being more than the 4 h minimum interval away; at NOW it can no longer (dose.catch_up).
GIVEN_AT = NOW - timedelta(minutes=10)
ACCEPTED = QDialog.DialogCode.Accepted

# MainWindow.open_chart calls raise_(), which the offscreen platform cannot do (a desktop can).
# --- helpers ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def clock_at(ctx: Context, moment: datetime) -> Iterator[None]:
    """The act clock at ``moment`` for the block (a dialog opened and recorded then), as it was
    after it."""
    before = ctx.clock
    ctx.clock = lambda: moment
    try:
        yield
    finally:
        ctx.clock = before


def eleni_row(ctx: Context) -> BoardRow:
    return next(r for r in ward_board(ctx) if r.name == MISSED_TWO)


def eleni(ctx: Context):
    return get_patient(ctx, eleni_row(ctx).mrn)


def entry_at(ctx: Context, due: datetime) -> MarEntry:
    """The MAR line (not a struck-out record) for Eleni's dose due at ``due``."""
    entries = mar_entries(ctx, eleni(ctx), due - timedelta(hours=1), due + timedelta(hours=1))
    return next(e for e in entries if e.due == due and not e.corrected)


def stored(path: Path, patient_id: int, due: datetime) -> list[tuple]:
    """(outcome, reason_code, note, corrects_id) of every record for that due, read back from the
    file through a separate connection: what was committed, not what one connection believes."""
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute(
            "SELECT outcome, reason_code, note, corrects_id FROM administrations "
            "WHERE patient_id = ? AND due_at = ? ORDER BY id",
            [patient_id, due.isoformat()]).fetchall()
    finally:
        conn.close()


def missed_alert_dues(ctx: Context, patient_id: int) -> set[str]:
    """The due (UTC ISO) of each dose.missed alert, from its key "dose.missed:<id>:<due>"."""
    return {a.key.split(":", 2)[2]
            for a in ward_alerts(ctx) if a.rule == "dose.missed" and a.patient_id == patient_id}


def drive_next_modal(action: Callable[[QDialog], None]) -> list[QDialog]:
    """Run ``action`` on the next modal dialog once its ``exec()`` loop is running.

    The dialog is rejected if ``action`` leaves it open (or raises), so a test never hangs."""
    seen: list[QDialog] = []
    tries = [0]

    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            tries[0] += 1
            if tries[0] < 500:
                QTimer.singleShot(10, attempt)
            return
        seen.append(dialog)
        try:
            action(dialog)
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, attempt)
    return seen


def press_enter(qtbot, dialog: QDialog) -> None:
    """Enter where the keyboard focus is, as a nurse would (it reaches the default button)."""
    qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)


def grid_cell(chart: PatientChart, due: datetime):
    model = chart.grid_model
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            e = model.entry(r, c)
            if e is not None and e.due == due:
                return model.index(r, c)
    raise AssertionError(f"no grid cell for {due}")


@pytest.fixture
def dialog_for(qtbot, demo_ward):
    """A shown RecordDoseDialog for one of Eleni's doses, built the way the chart builds it."""

    def make(due: datetime, entry: MarEntry | None = None) -> RecordDoseDialog:
        dialog = RecordDoseDialog(demo_ward, eleni(demo_ward), entry or entry_at(demo_ward, due))
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.activateWindow()  # mnemonics (Alt+N ...) only reach the active window
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        return dialog

    return make


# --- 1. board -> chart -------------------------------------------------------------------------------


def test_enter_on_the_board_opens_the_chart_at_the_first_open_dose(window, demo_ward, qtbot):
    view = window.board.table
    proxy = view.model()
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 1).data() == MISSED_TWO)
    view.setFocus()
    view.setCurrentIndex(proxy.index(row, 1))
    qtbot.keyClick(view, Qt.Key.Key_Return)

    pid = eleni_row(demo_ward).patient_id
    assert list(window.charts) == [pid]
    chart = window.charts[pid]
    qtbot.waitUntil(chart.isVisible)
    assert MISSED_TWO in chart.heading.text() and "bed 15" in chart.heading.text()
    assert MISSED_TWO in chart.windowTitle()
    assert chart.grid_model.columnCount() == DAYS_SHOWN

    current = chart.grid.currentIndex()
    assert current.column() == DAYS_SHOWN - 1  # today
    entry = chart.grid_model.entry(current.row(), current.column())
    assert entry is not None and entry.due == DUE_0800 and entry.state is State.MISSED
    assert current.data().startswith("MISSED")

    chart.close()
    window.chart_action.trigger()  # Ctrl+O on the same board row shows the same chart again
    assert window.charts[pid] is chart and chart.isVisible()


# --- 2-5. the record dialog (and its Alt+R mnemonic) -----------------------------------------------


def test_record_dialog_keyboard_only_gives_the_missed_dose_late(dialog_for, demo_ward, qtbot):
    pid = eleni_row(demo_ward).patient_id
    assert missed_alert_dues(demo_ward, pid) == {DUE_2200.isoformat(), DUE_0800.isoformat()}
    with clock_at(demo_ward, GIVEN_AT):  # 09:50: the 14:00 dose is more than 4 h away
        dialog = dialog_for(DUE_0800)
        assert dialog.given.isChecked() and not dialog.reason.isEnabled()
        assert not dialog.finding.isVisibleTo(dialog)  # nothing to check: given late

        with qtbot.waitSignal(dialog.accepted, timeout=2000):
            press_enter(qtbot, dialog)

    assert dialog.result() == ACCEPTED and not dialog.isVisible()
    assert stored(demo_ward.path, pid, DUE_0800) == [("given_late", None, None, None)]
    assert dialog.result_record is not None and dialog.result_record.outcome is Outcome.GIVEN_LATE
    assert missed_alert_dues(demo_ward, pid) == {DUE_2200.isoformat()}
    assert entry_at(demo_ward, DUE_0800).state is State.GIVEN_LATE


def test_record_dialog_not_given_with_a_reason(dialog_for, demo_ward, qtbot):
    # at the 22:00 round (at NOW the dialog opens on 'Not given' already: too late to catch up)
    with clock_at(demo_ward, DUE_2200 + timedelta(minutes=5)):
        dialog = dialog_for(DUE_2200)
        assert dialog.given.isChecked()
        qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(dialog.not_given.isChecked)  # a mnemonic clicks the button after a delay
        assert not dialog.given.isChecked() and QApplication.focusWidget() is dialog.not_given
        assert dialog.reason.isEnabled() and dialog.held.isEnabled()
        vomiting = dialog.reason.findData("vomiting")
        assert vomiting >= 0
        dialog.reason.setCurrentIndex(vomiting)
        assert dialog.reason.currentText() == "Vomiting"

        qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)

    assert dialog.result() == ACCEPTED
    pid = eleni_row(demo_ward).patient_id
    assert stored(demo_ward.path, pid, DUE_2200) == [("omitted", "vomiting", None, None)]
    assert entry_at(demo_ward, DUE_2200).state is State.OMITTED


def test_reason_other_needs_a_note_and_nothing_is_written_until_then(dialog_for, demo_ward, qtbot):
    pid = eleni_row(demo_ward).patient_id
    # at 09:50 no check prefills a note (at NOW the catch-up finding does)
    with clock_at(demo_ward, GIVEN_AT):
        dialog = dialog_for(DUE_0800)
    assert dialog.note.text() == ""
    dialog.not_given.setChecked(True)
    dialog.reason.setCurrentIndex(dialog.reason.findData("other"))
    before = database_state(demo_ward.path)

    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible() and dialog.result() != ACCEPTED
    assert dialog.error.isVisible() and "The note is needed" in dialog.error.text()
    # the window names the note box, never a command-line option: the box is marked and focused
    assert "--" not in dialog.error.text()
    assert dialog.note.property("problem") is True and dialog.note.hasFocus()
    assert "The note is needed" in dialog.note.accessibleDescription()
    assert not dialog.reason.property("problem")
    assert database_state(demo_ward.path) == before
    assert stored(demo_ward.path, pid, DUE_0800) == []
    # nothing typed is lost: the choice is still there, the nurse adds the note and records
    assert dialog.not_given.isChecked() and dialog.reason.currentData() == "other"

    qtbot.keyClicks(dialog.note, "Patient in theatre")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        press_enter(qtbot, dialog)

    assert stored(demo_ward.path, pid, DUE_0800) == [("omitted", "other", "Patient in theatre", None)]


def test_a_second_record_for_the_same_dose_is_refused(dialog_for, demo_ward, qtbot):
    pid = eleni_row(demo_ward).patient_id
    stale = entry_at(demo_ward, DUE_0800)  # what a second, already open chart still shows
    with clock_at(demo_ward, GIVEN_AT):  # both workstations give it at 09:50
        first = dialog_for(DUE_0800, stale)
        first.submit()
        assert first.result() == ACCEPTED
        before = database_state(demo_ward.path)

        second = dialog_for(DUE_0800, stale)
        assert second.given.isChecked()
        qtbot.mouseClick(second.record_button, Qt.MouseButton.LeftButton)

    assert second.isVisible() and second.result() != ACCEPTED and second.result_record is None
    assert second.error.isVisible() and "already recorded" in second.error.text()
    assert database_state(demo_ward.path) == before
    assert stored(demo_ward.path, pid, DUE_0800) == [("given_late", None, None, None)]


def test_alt_r_records_the_dose(dialog_for, demo_ward, qtbot):
    """The Record button shows an underlined R, so Alt+R must record (as Enter does)."""
    with clock_at(demo_ward, GIVEN_AT):
        dialog = dialog_for(DUE_0800)
        assert dialog.given.isChecked()
        qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: dialog.result() == ACCEPTED, timeout=1000)
    assert stored(demo_ward.path, eleni_row(demo_ward).patient_id, DUE_0800) == [
        ("given_late", None, None, None)]


# --- 6. correction ---------------------------------------------------------------------------------


def test_marking_a_record_entered_in_error_strikes_it_and_reopens_the_dose(qtbot, demo_ward):
    rec = typed.give(demo_ward, eleni_row(demo_ward).mrn, DUE_0800.isoformat(), at=GIVEN_AT)
    chart = PatientChart(demo_ward, eleni_row(demo_ward))
    qtbot.addWidget(chart)
    chart.show()
    qtbot.waitExposed(chart)
    given = grid_cell(chart, DUE_0800)
    assert chart.grid_model.entry(given.row(), given.column()).state is State.GIVEN_LATE
    # 08:00 is recorded, so the chart now opens on the next open dose today: 14:00, due
    current = chart.grid.currentIndex()
    first_open = chart.grid_model.entry(current.row(), current.column())
    assert first_open is not None and first_open.state is State.DUE
    assert first_open.due == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    history = chart.history_model
    row = next(r for r in range(history.rowCount()) if history.entry(r).id == rec.record_id)
    chart.history.setCurrentIndex(history.index(row, 0))

    def correct(dialog: QDialog) -> None:
        assert isinstance(dialog, CorrectRecordDialog) and dialog.entry.id == rec.record_id
        qtbot.keyClicks(dialog.reason, "Recorded against the wrong patient")
        press_enter(qtbot, dialog)

    with qtbot.waitSignal(chart.changed, timeout=5000):
        seen = drive_next_modal(correct)
        qtbot.mouseClick(chart.correct_button, Qt.MouseButton.LeftButton)
    assert len(seen) == 1 and seen[0].result() == ACCEPTED

    pid = eleni_row(demo_ward).patient_id
    assert stored(demo_ward.path, pid, DUE_0800) == [
        ("given_late", None, None, None),
        ("entered_in_error", None, "Recorded against the wrong patient", rec.record_id)]

    row = next(r for r in range(history.rowCount()) if history.entry(r).id == rec.record_id)
    font = history.index(row, 0).data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.strikeOut()
    assert history.index(row, 2).data() == "Given late — ENTERED IN ERROR"
    assert "[corrected: Recorded against the wrong patient" in history.index(row, 5).data()
    others = [r for r in range(history.rowCount()) if r != row]
    assert all(history.index(r, 0).data(Qt.ItemDataRole.FontRole) is None for r in others)

    cell = grid_cell(chart, DUE_0800)
    reopened = chart.grid_model.entry(cell.row(), cell.column())
    assert reopened is not None and reopened.id is None and reopened.state in OPEN_STATES
    assert reopened.state is State.MISSED
    assert DUE_0800.isoformat() in missed_alert_dues(demo_ward, pid)


# --- 7. the chart refreshes the main window --------------------------------------------------------


def _board_overdue(window: MainWindow) -> str:
    proxy = window.board.table.model()
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 1).data() == MISSED_TWO)
    return proxy.index(row, OVERDUE_COLUMN).data()


def _panel_rules(window: MainWindow, patient_id: int) -> list[str]:
    model = window.alerts.model
    return [model.alert_at(r).rule for r in range(model.rowCount())
            if model.alert_at(r).patient_id == patient_id]


def test_recording_in_the_chart_refreshes_the_board_and_alerts(window, demo_ward, qtbot):
    pid = eleni_row(demo_ward).patient_id
    assert _board_overdue(window) == "2 missed"
    assert _panel_rules(window, pid) == ["dose.missed", "dose.missed", "withdrawal.watch"]
    chart = window.open_chart(pid)
    assert chart is not None
    qtbot.waitExposed(chart)
    chart.grid.setFocus()
    assert chart.grid_model.entry(chart.grid.currentIndex().row(),
                                  chart.grid.currentIndex().column()).due == DUE_0800

    with clock_at(demo_ward, GIVEN_AT), qtbot.waitSignal(chart.changed, timeout=5000):
        seen = drive_next_modal(lambda dialog: press_enter(qtbot, dialog))
        qtbot.keyClick(chart.grid, Qt.Key.Key_Return)  # Enter on the selected cell records it
    assert len(seen) == 1 and isinstance(seen[0], RecordDoseDialog)

    assert stored(demo_ward.path, pid, DUE_0800) == [("given_late", None, None, None)]
    assert _board_overdue(window) == "1 missed"
    # 22:00 is still missed; with 08:00 given there are no longer two doses in a row not given
    assert _panel_rules(window, pid) == ["dose.missed"]
    model = window.alerts.model
    eleni = [model.alert_at(r) for r in range(model.rowCount()) if model.alert_at(r).patient_id == pid]
    assert eleni[0].key == f"dose.missed:{pid}:{DUE_2200.isoformat()}"
    cell = grid_cell(chart, DUE_0800)
    assert chart.grid_model.entry(cell.row(), cell.column()).state is State.GIVEN_LATE


# --- 8. alerts panel -------------------------------------------------------------------------------


def test_alerts_dock_lists_most_severe_first_and_opens_the_patient(window, demo_ward, qtbot):
    model = window.alerts.model
    n = model.rowCount()
    assert n == len(ward_alerts(demo_ward)) > 2
    severities = [model.alert_at(r).severity for r in range(n)]
    assert severities == sorted(severities, reverse=True)
    missed = [r for r in range(n) if model.index(r, 3).data() == alert_title("dose.missed")]
    assert len(missed) == 2
    for r in missed:
        assert [model.index(r, c).data() for c in (0, 1)] == ["URGENT", "15"]
        assert MISSED_TWO in model.index(r, 2).data()
    first = missed[0]
    for r in range(n):
        icon = model.index(r, 0).data(Qt.ItemDataRole.DecorationRole)
        assert isinstance(icon, QIcon) and not icon.isNull()
        assert "Details: rule " in model.index(r, 3).data(Qt.ItemDataRole.ToolTipRole)
    assert window.alerts_dock.windowTitle().startswith(f"Alerts ({n}, ")

    table = window.alerts.table
    table.setFocus()
    table.setCurrentIndex(model.index(first, 2))
    with qtbot.waitSignal(window.alerts.patient_requested, timeout=2000) as requested:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    pid = eleni_row(demo_ward).patient_id
    assert requested.args == [pid]
    assert pid in window.charts and window.charts[pid].isVisible()
    assert MISSED_TWO in window.charts[pid].heading.text()


# --- 9. model tester -------------------------------------------------------------------------------


def test_chart_and_alert_models_pass_qtmodeltester(qtmodeltester, demo_ward):
    # a record marked in error first, so the struck-out (FontRole) path is exercised too
    rec = typed.give(demo_ward, eleni_row(demo_ward).mrn, DUE_0800.isoformat(), at=GIVEN_AT)
    mar_svc.correct_record(demo_ward, rec.record_id, "wrong patient")
    zone = demo_ward.zone
    today = NOW.astimezone(zone).date()
    days = [today - timedelta(days=i) for i in range(DAYS_SHOWN - 1, -1, -1)]
    start = datetime.combine(days[0], datetime.min.time()).replace(tzinfo=zone)
    entries = mar_entries(demo_ward, eleni(demo_ward), start, start + timedelta(days=DAYS_SHOWN))
    assert any(e.corrected for e in entries) and len(entries) >= 3 * DAYS_SHOWN

    grid = MarGridModel(zone)
    grid.set_entries(entries, days)
    assert (grid.rowCount(), grid.columnCount()) == (3, DAYS_SHOWN)
    qtmodeltester.check(grid, force_py=True)

    history = MarHistoryModel(zone)
    history.set_entries(entries)
    assert history.rowCount() == sum(e.id is not None for e in entries)
    qtmodeltester.check(history, force_py=True)

    alerts = AlertsModel(zone, ward_alerts(demo_ward))
    assert alerts.rowCount() > 0
    qtmodeltester.check(alerts, force_py=True)

    for model, empty in ((grid, lambda: grid.set_entries([], [])),
                         (history, lambda: history.set_entries([])),
                         (alerts, lambda: alerts.set_alerts([]))):
        empty()
        assert model.rowCount() == 0
        qtmodeltester.check(model, force_py=True)

