"""View → Pump calendar, offscreen: the demo ward's 8 pumps soonest refill-by first, the refill due
within the buffer marked in words, an icon and a colour, the window of days, a refresh through the
window's Ops, and Save as PDF (one page, audited)."""

from __future__ import annotations

from pypdf import PdfReader
from PySide6.QtCore import Qt

from tests import typed
from tests.conftest import acting
from ward_app.gui.ops import Ops
from ward_app.gui.pump_calendar import CalendarModel, PumpCalendarDialog, show_pump_calendar
from ward_app.services.pump_calendar import pump_calendar
from ward_app.storage import audit


def test_the_model_passes_qtmodeltester(qtmodeltester, demo_ward) -> None:
    model = CalendarModel()
    model.set_rows(list(pump_calendar(demo_ward).entries))
    qtmodeltester.check(model, force_py=True)
    model.set_rows([])
    qtmodeltester.check(model, force_py=True)


def test_every_pump_soonest_first_and_the_due_refill_marked(qtbot, demo_ward) -> None:
    d = PumpCalendarDialog(demo_ward)
    qtbot.addWidget(d)
    m = d.model
    assert m.rowCount() == 8
    assert [m.index(r, 0).data() for r in range(3)] == ["2", "17", "8"]
    why = m.index(0, 9).data()  # the last column
    assert "refill due in 2 days (within the 7-day buffer)" in why  # in words, not colour only
    assert m.index(0, 3).data(Qt.ItemDataRole.DecorationRole) is not None  # and an icon
    assert m.index(0, 9).data(Qt.ItemDataRole.FontRole).bold()
    assert m.index(0, 9).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert m.index(1, 9).data(Qt.ItemDataRole.BackgroundRole) is None
    assert "8 pumps; 1 refill due" in d.summary.text()
    assert "not read from the pump" in d.intro.text()
    d.days.setValue(14)
    assert m.rowCount() == 3


def test_a_setting_changed_through_the_window_refreshes_it(qtbot, demo_ward) -> None:
    ops = Ops(demo_ward)
    d = PumpCalendarDialog(demo_ward, ops=ops)
    qtbot.addWidget(d)
    assert "1 refill due" in d.summary.text()
    with acting(demo_ward, "admin"):
        ops.run(lambda: typed.set_setting(demo_ward, "pump.refill_buffer_days", "14"))
    assert "2 refills due" in d.summary.text()


def test_save_as_pdf_writes_one_page_and_is_audited(qtbot, demo_ward, tmp_path) -> None:
    d = PumpCalendarDialog(demo_ward)
    qtbot.addWidget(d)
    out = tmp_path / "pumps.pdf"
    assert d.save_pdf_to(out)
    reader = PdfReader(str(out))
    assert len(reader.pages) == 1 and "Ward pump calendar" in reader.pages[0].extract_text()
    detail = audit.latest_detail(demo_ward.db, "read.print")
    assert detail is not None and detail["sheet"] == "pump_calendar"
    assert f"Saved to {out}" in d.summary.text()


def test_shown_beside_the_window_once_and_refreshed_by_its_writes(window, demo_ward) -> None:
    d = show_pump_calendar(window)
    assert d.isVisible() and d.parent() is window and d.model.rowCount() == 8
    assert show_pump_calendar(window) is d  # one at a time
    with acting(demo_ward, "admin"):
        window.ops.run(lambda: typed.set_setting(demo_ward, "pump.refill_buffer_days", "14"))
    assert "2 refills due" in d.summary.text()


def test_view_menu_opens_the_pump_calendar(qtbot, window) -> None:
    assert window.pump_calendar_action.shortcut().toString() == "Ctrl+Shift+P"  # as the README says
    window.pump_calendar_action.trigger()
    d = window.pump_calendar_dialog
    qtbot.addWidget(d)
    assert d.isVisible() and d.model.rowCount() >= 1
