"""Logging in, lockout, the idle lock keeping a half-filled form, another user logging in while a
form is open, and what each role sees disabled — offscreen, on a copy of the demo ward."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from tests.conftest import act_as
from tests.gui.test_patient_chart import drive_next_modal
from ward_app.gui.alarm import SilentSound
from ward_app.gui.login_dialog import LoginDialog
from ward_app.gui.main_window import MainWindow
from ward_app.gui.observation_dialog import ObservationDialog
from ward_app.services.board import ward_board
from ward_app.services.demo import DEMO_PASSWORD
from ward_app.services.patients import get_patient
from ward_app.storage import audit


@pytest.fixture
def window_options() -> dict:
    return {"sound": SilentSound(), "lock_after_s": 300}


def log_in(name: str, password: str = DEMO_PASSWORD):
    def action(d: QDialog) -> None:
        assert isinstance(d, LoginDialog)
        d.name.setText(name)
        d.password.setText(password)
        d.submit()
    return drive_next_modal(action)


def test_login_checks_the_password_and_locks_after_five_failures(qtbot, demo_ward):
    demo_ward.actor = None
    d = LoginDialog(demo_ward, ward="Ward 7", demo_hint="demo users …")
    qtbot.addWidget(d)
    assert d.findChild(type(d.error), "demoHint") is not None
    d.name.setText("nurse.okafor")
    for _attempt in range(5):
        d.password.setText("wrong password")
        d.submit()
        assert d.actor is None and d.password.text() == ""
    assert "locked" in d.error.text()
    d.password.setText(DEMO_PASSWORD)  # right password, but the account is locked now
    d.submit()
    assert d.actor is None and "locked" in d.error.text()
    entries = audit.entries(demo_ward.db, limit=6)
    assert [e["action"] for e in entries].count("login.failed") == 6  # the locked try too
    assert any(e["detail"].get("why") == "locked" for e in entries)
    assert all("wrong" not in str(e["detail"]) for e in audit.entries(demo_ward.db, limit=6))
    d.name.setText("nurse.jones")
    d.password.setText(DEMO_PASSWORD)
    d.submit()
    assert d.actor is not None and d.actor.name == "nurse.jones" and d.result() == 1


def test_the_idle_lock_keeps_a_half_filled_form_for_the_same_nurse(qtbot, window, demo_ward):
    p = get_patient(demo_ward, next(r.mrn for r in ward_board(demo_ward)
                                   if r.name == "Eleni Papadopoulou"))
    form = ObservationDialog(demo_ward, p, window)
    form.show()
    qtbot.keyClicks(form.fields["rr"], "18")
    qtbot.keyClicks(form.fields["hr"], "72")
    seen = log_in("nurse.jones")
    window.idle.last -= 10_000  # ten thousand seconds without a key press
    window.idle.check()
    assert seen and seen[0].windowTitle().endswith("locked")
    assert form.isVisible() and form.windowOpacity() == 1.0
    assert (form.fields["rr"].text(), form.fields["hr"].text()) == ("18", "72")
    assert demo_ward.actor.name == "nurse.jones" and window.centralWidget().isVisible()


def _eleni_chart(window, demo_ward):
    return window.open_chart(next(r.patient_id for r in ward_board(demo_ward)
                                  if r.name == "Eleni Papadopoulou"))


def _open_observation_forms() -> list[ObservationDialog]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, ObservationDialog) and w.isVisible()]


def test_a_form_opened_from_the_chart_is_still_there_after_the_idle_lock(qtbot, window, demo_ward):
    """The chart opens its forms with exec(); the lock hides the form, which ends that loop, so
    nothing but the lock keeps the form alive afterwards (found by hand: it vanished)."""
    chart = _eleni_chart(window, demo_ward)
    seen: dict = {}

    def while_open() -> None:
        form = _open_observation_forms()[0]
        form.fields["rr"].setText("18")
        log_in("nurse.jones")
        window.idle.last -= 10_000
        window.idle.check()

    def afterwards() -> None:
        seen["open"] = [w.fields["rr"].text() for w in _open_observation_forms()]

    QTimer.singleShot(100, while_open)
    QTimer.singleShot(1500, afterwards)
    chart.record_observations()  # returns when the lock hides the form
    qtbot.waitUntil(lambda: "open" in seen, timeout=5000)
    assert seen["open"] == ["18"]


def test_ctrl_l_in_a_modal_form_locks_and_the_form_comes_back(qtbot, window, demo_ward):
    """The window's Ctrl+L is blocked behind a modal form; the key still locks from the form."""
    chart = _eleni_chart(window, demo_ward)
    seen: dict = {}

    def while_open() -> None:
        form = _open_observation_forms()[0]
        form.activateWindow()
        form.fields["rr"].setFocus()
        qtbot.keyClicks(form.fields["rr"], "18")

        def on_lock_screen(tries: int = 0) -> None:
            d = QApplication.activeModalWidget()
            if not isinstance(d, LoginDialog):  # not locked yet
                if tries < 300:
                    QTimer.singleShot(10, lambda: on_lock_screen(tries + 1))
                return
            seen["locked"] = (window.locked, form.isVisible())
            d.name.setText("nurse.jones")
            d.password.setText(DEMO_PASSWORD)
            d.submit()

        QTimer.singleShot(10, on_lock_screen)
        qtbot.keyClick(form.fields["rr"], Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    def afterwards() -> None:
        seen["open"] = [w.fields["rr"].text() for w in _open_observation_forms()]

    QTimer.singleShot(100, while_open)
    QTimer.singleShot(1500, afterwards)
    chart.record_observations()
    qtbot.waitUntil(lambda: "open" in seen, timeout=5000)
    assert seen["locked"] == (True, False)  # locked, the form hidden behind it
    assert seen["open"] == ["18"]


def test_another_user_cannot_submit_the_first_users_form(qtbot, window, demo_ward):
    p = get_patient(demo_ward, next(r.mrn for r in ward_board(demo_ward)
                                   if r.name == "Eleni Papadopoulou"))
    form = ObservationDialog(demo_ward, p, window)
    form.show()
    qtbot.keyClicks(form.fields["rr"], "18")
    log_in("nurse.okafor")
    window.lock()
    assert demo_ward.actor.name == "nurse.okafor"
    assert not form.isVisible()  # put away for nurse.jones, not submitted
    assert "nurse.okafor" in window.user_label.text()
    log_in("nurse.jones")
    window.lock()
    assert form.isVisible() and form.fields["rr"].text() == "18"
    qtbot.keyClicks(form.fields["spo2"], "97")
    form.submit()
    conn = sqlite3.connect(str(demo_ward.path))
    try:
        by = conn.execute("SELECT u.name FROM observations o JOIN users u ON u.id = o.recorded_by "
                          "ORDER BY o.id DESC LIMIT 1").fetchone()[0]
    finally:
        conn.close()
    assert by == "nurse.jones"


def test_what_each_role_sees_disabled(qtbot, demo_ward):
    act_as(demo_ward, "nurse.jones")
    w = MainWindow(demo_ward, sound=SilentSound())
    qtbot.addWidget(w)
    chart = w.open_chart(next(r.patient_id for r in w.overview.rows if r.name == "Gráinne Walsh"))
    assert chart.record_button.isEnabled() and chart.obs_button.isEnabled()
    assert not chart.taper_button.isEnabled()
    assert "ask a pharmacist" in chart.taper_button.toolTip()
    assert not w.settings_action.isEnabled()
    act_as(demo_ward, "pharm.chen")
    chart.refresh()
    assert chart.taper_button.isEnabled()
    assert not chart.record_button.isEnabled() and "ask a nurse" in chart.record_button.toolTip()
    assert not chart.obs_button.isEnabled()
