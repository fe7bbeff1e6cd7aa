"""Every setting change takes effect at once, without a restart (issue 16, item 3): Settings…
saved goes through one path (MainWindow.apply_settings); what the window keeps from the settings
(the idle lock's minutes, the ward's time zone) is taken again, and the next refresh uses the new
thresholds. The services read every other setting when they use it
(tests/services/test_settings_in_force.py)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from tests.conftest import ADMIN_PASSWORD, act_as, fixed_clock
from tests.gui.test_patient_chart import drive_next_modal
from ward_app.gui.alarm import SilentSound
from ward_app.gui.login_dialog import LoginDialog
from ward_app.gui.main_window import MainWindow
from ward_app.gui.settings_dialog import SettingsDialog
from ward_app.services.context import open_context
from ward_app.services.settings import set_setting


@pytest.fixture
def window_options() -> dict:
    return {"sound": SilentSound()}  # the lock minutes come from the setting


def _set_in_dialog(qtbot, window, changes: dict[str, str], tz: str | None = None) -> None:
    d = SettingsDialog(window.ctx, window, ops=window.ops)
    qtbot.addWidget(d)
    for row in range(d.table.rowCount()):
        key = d.table.item(row, 0).text()
        if key in changes:
            d.table.item(row, 1).setText(changes[key])
    if tz is not None:
        d.tz.setText(tz)
    d.save()
    assert d.error.isHidden(), d.error.text()
    assert d.result() == SettingsDialog.DialogCode.Accepted


def test_lock_minutes_changed_lock_the_window_after_the_new_time(qtbot, window, demo_ward):
    act_as(demo_ward, "admin")
    assert window.idle.seconds == 5 * 60  # the shipped default
    window.idle.last -= 3 * 60  # three minutes without a key press
    window.idle.check()
    assert not window.locked and window.lock_screen is None
    _set_in_dialog(qtbot, window, {"session.lock_minutes": "2"})
    assert window.idle.seconds == 2 * 60  # at once, no restart
    seen: list = []

    def back(d) -> None:
        assert isinstance(d, LoginDialog)
        seen.append(d.windowTitle())
        d.password.setText(ADMIN_PASSWORD)
        d.submit()

    drive_next_modal(back)
    window.idle.last -= 3 * 60
    window.idle.check()  # the watch's next 5-second check
    assert seen == ["ward_app — locked"]


def test_a_threshold_changed_is_used_by_the_next_refresh_at_once(qtbot, window, demo_ward):
    act_as(demo_ward, "admin")

    def falls() -> int:
        return sum(a.rule == "flag.falls" for a in window.alerts.model.rows)

    before = falls()
    _set_in_dialog(qtbot, window, {"falls.age": "18"})
    assert falls() > before  # every adult on a baclofen order now: no F5, no restart
    _set_in_dialog(qtbot, window, {"falls.age": "65"})
    assert falls() == before


def test_due_now_left_open_is_worked_out_again(qtbot, window, demo_ward, monkeypatch):
    act_as(demo_ward, "admin")
    due = window.show_due_now()
    calls: list = []
    monkeypatch.setattr(due, "refresh", lambda: calls.append("refresh"))
    _set_in_dialog(qtbot, window, {"dose.window_min": "45"})
    assert calls == ["refresh"]


def test_a_setting_saved_on_another_workstation_is_taken_at_the_next_refresh(qtbot, window,
                                                                           demo_ward):
    other = open_context(demo_ward.path, clock=fixed_clock, user="admin")
    try:
        set_setting(other, "session.lock_minutes", 9)
    finally:
        other.close()
    window.refresh()  # the minute timer's
    assert window.idle.seconds == 9 * 60


def test_the_ward_time_zone_changed_is_shown_at_once(qtbot, ward):
    """Only possible before any dose, order or observation is recorded (services refuse it
    after): the board and the alerts show times in the new zone straight away."""
    window = MainWindow(ward, sound=SilentSound())
    qtbot.addWidget(window)
    _set_in_dialog(qtbot, window, {}, tz="Asia/Tokyo")
    assert ward.zone == ZoneInfo("Asia/Tokyo")
    assert window.board.model.zone == ZoneInfo("Asia/Tokyo")
    assert window.alerts.model._zone == ZoneInfo("Asia/Tokyo")


def test_a_window_given_fixed_lock_seconds_keeps_them(qtbot, demo_ward):
    window = MainWindow(demo_ward, sound=SilentSound(), lock_after_s=30)
    qtbot.addWidget(window)
    window.refresh()
    assert window.idle.seconds == 30
