"""The ward board model and the main window, offscreen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer

from ward_app.gui.main_window import MainWindow
from ward_app.gui.ward_board import COLUMNS, SORT_ROLE, WardBoardModel
from ward_app.services.board import ward_board


def test_model_passes_qtmodeltester(qtmodeltester, demo_ward):
    model = WardBoardModel(ward_board(demo_ward))
    qtmodeltester.check(model, force_py=True)
    model.set_rows([])
    qtmodeltester.check(model, force_py=True)


def test_model_shows_the_board_columns(demo_ward):
    model = WardBoardModel(ward_board(demo_ward))
    assert model.rowCount() == 24 and model.columnCount() == len(COLUMNS)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))]
    assert headers == ["Bed", "Name", "MRN", "Age", "Route", "Current dose", "Next due",
                       "Late/missed", "NEWS2", "Refill by", "Flags", "Acuity"]
    first = [model.index(0, c).data() for c in range(len(COLUMNS))]
    assert first[0] == "1" and first[1] == "Łukasz Żółć" and first[4] == "intrathecal"
    assert first[5] == "450 mcg/day" and first[6] == "continuous"
    assert first[10] == "ITB high risk, SCI T4" and first[8].isdigit() and first[9] == "Thu 14 Jan"
    assert model.index(0, 10).data(Qt.ItemDataRole.FontRole).bold()


def test_new_rows_replace_every_remembered_cell(demo_ward):
    """The model remembers cells between Qt's many requests; new rows must forget all of them."""
    from dataclasses import replace

    rows = ward_board(demo_ward)
    model = WardBoardModel(rows)
    before = [model.index(0, c).data(role) for c in range(len(COLUMNS))
              for role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE, Qt.ItemDataRole.FontRole)]
    assert model.index(0, 1).data() == "Łukasz Żółć" and before[1 * 3] == "Łukasz Żółć"
    changed = [replace(rows[0], name="Anna Nowak", bed="99", flags=(), itb_high_risk=False), *rows[1:]]
    model.set_rows(changed)
    assert model.index(0, 0).data() == "99" and model.index(0, 1).data() == "Anna Nowak"
    assert model.index(0, 1).data(Qt.ItemDataRole.AccessibleTextRole) == "Anna Nowak"
    assert model.index(0, 1).data(SORT_ROLE) == "anna nowak"
    assert model.index(0, 10).data() == "" and model.index(0, 10).data(Qt.ItemDataRole.FontRole) is None
    model.set_rows(changed[1:])
    assert model.rowCount() == 23 and model.index(0, 1).data() != "Anna Nowak"
    assert model.index(23, 1).data() is None  # a row that is no longer there


def test_main_window_shows_the_ward_with_path_and_user(window, demo_ward):
    assert window.windowTitle() == "DRILL — Ward 7 — ward_app"  # the demo ward is a drill ward
    assert window.board.table.model().rowCount() == 24
    assert not window.board.showing_empty_state
    assert str(demo_ward.path) in window.db_label.text()
    assert window.user_label.text() == "User: nurse.jones (nurse)"
    assert window.count_label.text() == "24 patients"


def test_sorting_by_bed_is_numeric_and_by_name_alphabetical(window):
    view = window.board.table
    proxy = view.model()
    view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["24", "23", "22"]
    view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    names = [proxy.index(r, 1).data() for r in range(proxy.rowCount())]
    assert names == sorted(names, key=str.casefold)
    view.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    ages = [int(proxy.index(r, 3).data()) for r in range(proxy.rowCount())]
    assert ages == sorted(ages)
    assert proxy.index(0, 0).data(SORT_ROLE) is not None


def test_find_filters_by_any_column(window, qtbot):
    window.find_action.trigger()
    assert window.board.find_box.hasFocus()
    window.board.find_box.setText("żółć")  # QTest cannot type beyond Latin-1; a real keyboard can
    proxy = window.board.table.model()
    assert proxy.rowCount() == 1 and proxy.index(0, 1).data() == "Łukasz Żółć"
    window.board.find_box.clear()
    qtbot.keyClicks(window.board.find_box, "dementia")
    assert {proxy.index(r, 1).data() for r in range(proxy.rowCount())} == {
        "Dorothy Evans", "Mei Lin Chen"}


def test_keyboard_moves_through_the_board(window, qtbot):
    view = window.board.table
    view.setFocus()
    assert view.currentIndex().row() == 0
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() == 2
    qtbot.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert view.currentIndex().row() == 23


def test_actions_have_shortcuts(window):
    assert not window.refresh_action.shortcut().isEmpty()
    assert not window.find_action.shortcut().isEmpty()


def test_refresh_shows_a_newly_admitted_patient(window, demo_ward):
    from datetime import date

    from tests.conftest import acting
    from ward_app.services.patients import NewPatient, add_patient

    with acting(demo_ward, "charge.silva"):
        add_patient(demo_ward, NewPatient(mrn="RX777777", name="New Arrival",
                                          dob=date(1970, 5, 5), bed="25"))
    window.refresh_action.trigger()
    assert window.board.table.model().rowCount() == 25


def test_empty_ward_shows_a_clear_empty_state(qtbot, ward):
    w = MainWindow(ward)
    qtbot.addWidget(w)
    w.show()
    assert w.board.showing_empty_state
    assert "No patients on this ward yet" in w.board.empty.text()
    # what to do, in the window's words: no command line for a nurse to type
    assert "ask the charge nurse or IT" in w.board.empty.text()
    assert "demo ward" in w.board.empty.text() and "ward-app" not in w.board.empty.text()
    assert w.count_label.text() == "no patients"


def test_drill_time_is_shown(qtbot, demo_ward):
    w = MainWindow(demo_ward, drill=True)
    qtbot.addWidget(w)
    labels = [c.text() for c in w.statusBar().findChildren(type(w.count_label))]
    assert "DRILL TIME 25 Nov 2026 10:00" in labels


def test_open_ward_resolves_user_and_now(demo_ward):
    from ward_app.gui.app import open_ward

    ctx = open_ward(demo_ward.path, "nurse.jones", "2026-07-01T09:00")
    try:
        assert ctx.actor.name == "nurse.jones"
        assert ctx.now().isoformat() == "2026-07-01T08:00:00+00:00"
    finally:
        ctx.close()


@pytest.mark.parametrize("typed, name", [("zoe", "Zoë Ní Bhriain"), ("nguyen", "Nguyễn Thị Hoa"),
                                         ("lukasz zolc", "Łukasz Żółć"), ("WEISS", "Jürgen Weiß"),
                                         ("alvarez", "José Álvarez")])
def test_find_ignores_case_and_accents(window, qtbot, typed, name):
    qtbot.keyClicks(window.board.find_box, typed)
    proxy = window.board.table.model()
    assert [proxy.index(r, 1).data() for r in range(proxy.rowCount())] == [name]


def test_enter_in_the_find_box_opens_the_first_patient_found(window, qtbot):
    qtbot.keyClicks(window.board.find_box, "zoe")
    qtbot.keyClick(window.board.find_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(window.charts), timeout=5000)
    (chart,) = window.charts.values()
    assert chart.patient.name == "Zoë Ní Bhriain"
    chart.close()


def test_alert_details_are_written_for_people():
    """Issue 16: local times, words not keys, yes/no not True/False; the rule id and source in a
    small details line at the end."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from ward_app.domain.alerts import Alert, Severity
    from ward_app.gui.alerts_panel import explain

    a = Alert(rule="news2.urgent", severity=Severity.URGENT, message="Urgent review.",
              since=datetime(2026, 6, 1, 9, 0, tzinfo=UTC), source="clinical-rules §3",
              patient_id=1, mrn="RX1", bed="3", name="A B", key="k",
              values={"news2": 5, "complete": True, "taken_at": "2026-06-01T09:00+00:00",
                      "missing": [], "dialysis": False})
    text = explain(a, ZoneInfo("Europe/London"), html=False)
    assert "NEWS2 score: 5" in text and "Complete set: yes" in text and "On dialysis: no" in text
    assert "Taken: 01 Jun 10:00" in text  # British Summer Time, not the stored UTC
    assert "True" not in text and "taken_at" not in text and "Not recorded" not in text
    assert text.rstrip().endswith("Details: rule news2.urgent; clinical-rules §3")


def test_the_legend_explains_every_icon_and_colour(window, qtbot):
    from PySide6.QtWidgets import QApplication, QLabel

    from ward_app.domain.alerts import Severity
    from ward_app.domain.mar import State
    from ward_app.gui.legend import LegendDialog
    from ward_app.gui.looks import STATE_LOOK

    dialog = LegendDialog(window)
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert all(s.label.upper() in texts for s in Severity)
    assert all(STATE_LOOK[s][1] in texts for s in State)
    assert "⚑" in texts and "NEWS2 7 or more" not in texts and "7 or more (high)" in texts
    shown: list = []
    QTimer.singleShot(50, lambda: (shown.append(QApplication.activeModalWidget()),
                                   shown[-1] and shown[-1].reject()))
    window.legend_action.trigger()
    assert isinstance(shown[0], LegendDialog)
    # the board's alert icon says what it is
    model = window.board.table.model()
    tips = [model.index(r, 1).data(Qt.ItemDataRole.ToolTipRole) for r in range(model.rowCount())]
    assert any(t and t.startswith("Most severe active alert: ") for t in tips)


def test_sort_by_acuity_puts_the_worst_alert_first_and_is_remembered(window, qtbot, demo_ward):
    from PySide6.QtCore import QSettings

    from ward_app.gui.main_window import ACUITY_KEY, MainWindow
    from ward_app.gui.ward_board import acuity_key

    window.acuity_action.trigger()
    proxy = window.board.table.model()
    rows = [window.board.model.row_at(proxy.mapToSource(proxy.index(r, 0)).row())
            for r in range(proxy.rowCount())]
    assert [acuity_key(r) for r in rows] == sorted(acuity_key(r) for r in rows)
    worst = max(r.top_severity for r in rows if r.top_severity is not None)
    assert rows[0].top_severity == worst
    assert QSettings().value(ACUITY_KEY, type=bool) is True
    again = MainWindow(demo_ward)  # this workstation's default from now on
    qtbot.addWidget(again)
    assert again.acuity_action.isChecked()

    def first():
        return again.board.model.row_at(again.board.proxy.mapToSource(
            again.board.proxy.index(0, 0)).row())

    qtbot.waitUntil(lambda: first().top_severity == worst, timeout=5000)  # alerts come after
    again.acuity_action.trigger()  # back to bed order
    assert again.board.proxy.index(0, 0).data() == "1"


def test_due_now_lists_the_next_hour_and_enter_opens_the_record_dialog(window, qtbot):
    from tests.gui.test_patient_chart import drive_next_modal
    from ward_app.gui.record_dialog import RecordDoseDialog
    from ward_app.services.demo import MISSED_TWO

    dialog = window.show_due_now()
    qtbot.addWidget(dialog)
    model = dialog.model
    assert model.rowCount() > 0 and "missed" in dialog.summary.text()
    states = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert states[0] == "MISSED"
    row = next(r for r in range(model.rowCount())
               if model.index(r, 3).data() == MISSED_TWO and model.index(r, 1).data() == "08:00")
    dialog.table.setCurrentIndex(model.index(row, 0))
    seen = drive_next_modal(lambda d: d.reject())
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert isinstance(seen[0], RecordDoseDialog)
    assert seen[0].entry.due.strftime("%H:%M") == "08:00" and seen[0].patient.name == MISSED_TWO
    assert any(c.patient.name == MISSED_TWO for c in window.charts.values())
    for chart in window.charts.values():
        chart.close()


def test_the_main_window_fits_the_screen_with_its_status_bar(window):
    free = window.screen().availableGeometry()
    assert window.width() <= free.width() and window.height() <= free.height()
    assert window.statusBar().isVisible()


def test_the_route_column_shows_intrathecal_whole(window):
    """Issue 16 saw "intrath…": the column is as wide as its longest route."""
    table = window.board.table
    route = COLUMNS.index("Route")
    needed = table.fontMetrics().horizontalAdvance("intrathecal")
    assert table.horizontalHeader().sectionSize(route) > needed
