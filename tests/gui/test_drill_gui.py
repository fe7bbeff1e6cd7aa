"""A drill ward says DRILL in the window's title and in a banner; a live ward does not. The MAR
marks a record entered late, with a tooltip saying when it was done and when it was entered."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import Qt

from ward_app.domain.mar import State
from ward_app.gui.mar_panel import MarGridModel, MarHistoryModel
from ward_app.services.mar import MarEntry


def test_a_drill_ward_says_drill_in_the_title_and_a_banner(window):
    assert window.windowTitle().startswith("DRILL")
    assert window.drill_banner is not None and window.drill_banner.isVisible()
    assert "DRILL" in window.drill_banner.text()


def test_a_live_ward_does_not_say_drill(qtbot, ward):
    from ward_app.gui.main_window import MainWindow

    w = MainWindow(ward)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.windowTitle() == "Ward 7 — ward_app" and w.drill_banner is None


def _entry(late: bool) -> MarEntry:
    due = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    return MarEntry(id=1, due=due, dose_mg=10, state=State.GIVEN, recorded_at=due, by="nurse.test",
                    reason=None, given_at=due.replace(minute=5),
                    entered_at=datetime(2026, 11, 25, 14, 35, tzinfo=UTC), entered_late=late)


def test_the_mar_marks_a_record_entered_late(qtbot):
    grid = MarGridModel(UTC)
    grid.set_entries([_entry(True)], [date(2026, 11, 25)])
    cell = grid.index(0, 0)
    assert "entered late 14:35" in cell.data()
    tip = cell.data(Qt.ItemDataRole.ToolTipRole)
    assert "Entered late" in tip and "25 Nov 08:05" in tip and "25 Nov 14:35" in tip
    history = MarHistoryModel(UTC)
    history.set_entries([_entry(True)])
    recorded = history.index(0, 4)
    assert recorded.data() == "25 Nov 08:00 (entered late 14:35)"
    assert "Entered late" in recorded.data(Qt.ItemDataRole.ToolTipRole)
    grid.set_entries([_entry(False)], [date(2026, 11, 25)])
    assert "entered late" not in grid.index(0, 0).data()


def test_the_observations_table_marks_a_set_entered_late():
    from zoneinfo import ZoneInfo

    from ward_app.domain.observations import Observation
    from ward_app.gui.observations_panel import observation_columns
    from ward_app.services.observations import ObservationRow

    zone = ZoneInfo("Europe/London")
    taken = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    entered = datetime(2026, 11, 25, 14, 35, tzinfo=UTC)
    late = ObservationRow(Observation(1, 1, taken, rr=18, entered_at=entered), None,
                          entered_late=True)
    on_time = ObservationRow(Observation(2, 1, taken, rr=18, entered_at=taken), None)
    taken_column = observation_columns(zone)[0]
    assert taken_column.text(late) == "Wed 25 Nov 10:00 (entered late 14:35)"
    assert taken_column.text(on_time) == "Wed 25 Nov 10:00"
