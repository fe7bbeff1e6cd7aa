"""What one recorded dose costs the window in SQL: the write, then one targeted refresh.

Baseline, measured with this test on the code before writes reported their changes (commit
e46220f): recording one dose through the record dialog on the 24-bed demo ward, from Enter on the
MAR cell to the window settled, issued 112 SQL statements: 12 for the dialog and the write, then
the chart refreshed itself (about 25), the whole board and every alert were worked out again
(about 50, one acknowledgement look-up per patient), and the chart refreshed a second time.
Now the window refreshes once and only what changed: that patient's row and alerts, and the
chart's MAR tab (26 statements when this was written).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.gui.test_patient_chart import (
    DUE_0800,
    _board_overdue,
    _panel_rules,
    drive_next_modal,
    eleni_row,
    grid_cell,
    press_enter,
    stored,
)
from ward_app.domain.mar import State
from ward_app.gui.main_window import MainWindow
from ward_app.gui.record_dialog import RecordDoseDialog

pytestmark = pytest.mark.gui

BASELINE = 112  # statements, measured on the unchanged code (see the module docstring)


def test_recording_a_dose_in_the_window_costs_a_third_of_the_sql(qtbot, demo_ward):
    window = MainWindow(demo_ward)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    pid = eleni_row(demo_ward).patient_id
    chart = window.open_chart(pid)
    assert chart is not None
    qtbot.waitExposed(chart)
    chart.grid.setFocus()

    shown: list[object] = []
    chart.changed.connect(shown.append)
    assert _board_overdue(window) == "2 missed"
    statements: list[str] = []
    demo_ward.db.conn.set_trace_callback(statements.append)
    try:
        seen = drive_next_modal(lambda dialog: press_enter(qtbot, dialog))
        qtbot.keyClick(chart.grid, Qt.Key.Key_Return)  # Enter on 08:00 opens the record dialog
        qtbot.waitUntil(lambda: bool(seen) and not seen[0].isVisible(), timeout=5000)
        QApplication.processEvents()
    finally:
        demo_ward.db.conn.set_trace_callback(None)

    assert isinstance(seen[0], RecordDoseDialog)
    assert stored(demo_ward.path, pid, DUE_0800) == [("given_late", None, None, None)]
    assert len(statements) <= BASELINE // 3, "\n".join(" ".join(s.split())[:100] for s in statements)
    # ... and everything shows it, the chart refreshed once
    assert len(shown) == 1
    assert _board_overdue(window) == "1 missed"
    assert _panel_rules(window, pid) == ["dose.missed"]
    cell = grid_cell(chart, DUE_0800)
    assert chart.grid_model.entry(cell.row(), cell.column()).state is State.GIVEN_LATE
