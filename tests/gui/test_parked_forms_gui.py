"""Issue 16 item 4: forms are never lost. Two nurses switch several times at one workstation,
each with forms put away; each gets their own back, as typed, and never the other's; the forms
are kept in the ward database, so a new window (after the last one closed or crashed) opens them
again; Cancel discards one, Save records it, and either way its kept copy goes; Ctrl+L locks
from inside a form; a new lock time is in force at once."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from tests import typed
from tests.conftest import act_as
from tests.gui.test_patient_chart import DUE_0800, entry_at
from tests.gui.test_session_gui import log_in
from ward_app.gui.alarm import SilentSound
from ward_app.gui.login_dialog import LoginDialog
from ward_app.gui.main_window import MainWindow
from ward_app.gui.observation_dialog import ObservationDialog
from ward_app.gui.pump_dialogs import AlarmDialog, PumpDetailsDialog, RefillDialog
from ward_app.gui.record_dialog import RecordDoseDialog
from ward_app.gui.session import IdleWatch
from ward_app.services.board import ward_board
from ward_app.services.demo import DEMO_PASSWORD
from ward_app.services.settings import set_setting

ACCEPTED = QDialog.DialogCode.Accepted


@pytest.fixture
def window_options() -> dict:
    return {"sound": SilentSound(), "lock_after_s": 300}


def when(ready: Callable[[], object], action: Callable[[], None], tries: int = 300) -> None:
    """``action`` once ``ready()`` holds (polled from the event loop, nested ones included)."""
    def attempt(n: int = 0) -> None:
        if ready():
            action()
        elif n < tries:
            QTimer.singleShot(10, lambda: attempt(n + 1))
    QTimer.singleShot(0, attempt)


def pid(ctx, name: str) -> int:
    return next(r.patient_id for r in ward_board(ctx) if r.name.startswith(name))


def idle_lock_then(window, user: str) -> None:
    log_in(user)
    window.idle.last -= 10_000  # ten thousand seconds without a key press
    window.idle.check()


def kept(path: Path) -> list[tuple[str, str, dict]]:
    """(user, kind, state) of every form kept in the database, read through its own connection."""
    conn = sqlite3.connect(str(path))
    try:
        rows = conn.execute("SELECT u.name, p.kind, p.state FROM parked_forms p JOIN users u ON "
                            "u.id = p.user_id ORDER BY p.id").fetchall()
    finally:
        conn.close()
    return [(u, k, json.loads(s)) for u, k, s in rows]


def form_audit(path: Path) -> list[tuple[str, str, dict]]:
    conn = sqlite3.connect(str(path))
    try:
        rows = conn.execute("SELECT u.name, a.action, a.detail FROM audit a JOIN users u ON "
                            "u.id = a.user_id WHERE a.action LIKE 'form.%' ORDER BY a.id").fetchall()
    finally:
        conn.close()
    return [(u, a, json.loads(d)) for u, a, d in rows]


def shown(kind: type) -> list:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def test_two_nurses_switch_several_times_and_each_gets_their_own_forms_back(qtbot, window,
                                                                            demo_ward):
    """The reported case: a nurse's observation form (opened from the chart, in its own modal
    loop) put away by the idle lock, another nurse logs in, opens a chart and a form of her own,
    the idle lock again, and back and forth: each gets hers, as typed, every time."""
    eleni = window.open_chart(pid(demo_ward, "Eleni"))
    seen: dict = {}

    def a_types() -> None:
        form = QApplication.activeModalWidget()
        seen["a"] = form
        form.fields["rr"].setText("21")
        form.note.setText("A's words")
        idle_lock_then(window, "nurse.okafor")

    when(lambda: isinstance(QApplication.activeModalWidget(), ObservationDialog), a_types)
    eleni.record_observations()  # returns when the lock ended the form's loop
    a_form = seen["a"]
    assert demo_ward.actor.name == "nurse.okafor" and a_form.isHidden()
    assert [(u, k, s["fields"]["rr"]) for u, k, s in kept(demo_ward.path)] == \
        [("nurse.jones", "observations", "21")]
    assert "1 form nurse.jones had open is kept for them" in window.statusBar().currentMessage()

    walsh = window.open_chart(pid(demo_ward, "Gráinne"))

    def b_types() -> None:
        form = QApplication.activeModalWidget()
        seen["b"] = form
        form.fields["hr"].setText("88")
        idle_lock_then(window, "nurse.jones")

    when(lambda: isinstance(QApplication.activeModalWidget(), ObservationDialog)
         and QApplication.activeModalWidget() is not a_form, b_types)
    walsh.record_observations()
    b_form = seen["b"]
    window.refresh()  # the minute refresh, too
    assert a_form.isVisible() and a_form.fields["rr"].text() == "21"
    assert a_form.note.text() == "A's words" and b_form.isHidden()
    for _round in range(3):
        log_in("nurse.okafor")
        window.lock(by_hand=True)
        assert b_form.isVisible() and b_form.fields["hr"].text() == "88" and a_form.isHidden()
        log_in("nurse.jones")
        window.lock()
        assert a_form.isVisible() and a_form.fields["rr"].text() == "21" and b_form.isHidden()
    assert sorted((u, s["fields"]["rr"], s["fields"]["hr"]) for u, _k, s in kept(demo_ward.path)) \
        == [("nurse.jones", "21", ""), ("nurse.okafor", "", "88")]
    assert len(shown(ObservationDialog)) == 1  # one form each, never a copy
    a_form.submit()
    assert a_form.result() == ACCEPTED
    assert [u for u, _k, _s in kept(demo_ward.path)] == ["nurse.okafor"]  # saved: no longer kept
    actions = form_audit(demo_ward.path)
    assert {a for _u, a, _d in actions} == {"form.parked", "form.restored"}
    assert all(d == {"kind": "observations"} for _u, _a, d in actions)  # never a value


def _open(qtbot, form: QDialog) -> QDialog:
    qtbot.addWidget(form)
    form.show()
    return form


def test_every_kind_of_form_comes_back_in_a_new_window_after_the_first_closed(qtbot, window,
                                                                              demo_ward):
    eleni = window.open_chart(pid(demo_ward, "Eleni"))
    zoe = window.open_chart(pid(demo_ward, "Zoë"))
    obs = _open(qtbot, ObservationDialog(demo_ward, eleni.patient, eleni, ops=eleni.ops))
    obs.fields["spo2"].setText("93")
    obs.oxygen.setChecked(True)
    obs.signs[next(iter(obs.signs))].setChecked(True)
    dose = _open(qtbot, RecordDoseDialog(demo_ward, eleni.patient,
                                         entry_at(demo_ward, DUE_0800), eleni, ops=eleni.ops))
    dose.not_given.setChecked(True)
    dose.note.setText("refused, spoke to Dr Khan")
    view = zoe.pump_panel.view
    refill = _open(qtbot, RefillDialog(demo_ward, zoe.patient, view.pump, zoe,
                                       last=view.refills[0], ops=zoe.ops))
    refill.volume.setValue(18)
    refill.witness.setCurrentIndex(refill.witness.findData(typed.uid(demo_ward, "nurse.okafor")))
    refill.password.setText(DEMO_PASSWORD)  # typed, never kept
    alarm = _open(qtbot, AlarmDialog(demo_ward, zoe.patient, zoe, ops=zoe.ops))
    alarm.note.setText("beeping twice")
    details = _open(qtbot, PumpDetailsDialog(demo_ward, zoe.patient, view.pump, zoe, ops=zoe.ops))
    details.serial.setText("SN-NEW-1")
    log_in("nurse.okafor")
    window.lock()
    assert sorted(k for u, k, _s in kept(demo_ward.path) if u == "nurse.jones") == \
        ["dose", "observations", "pump_alarm", "pump_details", "refill"]
    conn = sqlite3.connect(str(demo_ward.path))
    try:
        stored = " ".join(r[0] for r in conn.execute("SELECT state FROM parked_forms"))
    finally:
        conn.close()
    assert DEMO_PASSWORD not in stored and "password" not in stored

    window.close()  # the window closes (or crashes) with nurse.okafor logged in
    second = MainWindow(demo_ward, sound=SilentSound(), lock_after_s=300)
    qtbot.addWidget(second)
    second.show()
    qtbot.wait(50)
    assert second.parked.restored == []  # nurse.okafor gets nothing of nurse.jones's
    log_in("nurse.jones")
    second.lock()
    back = {type(f): f for f in second.parked.restored}
    for form in back.values():
        qtbot.addWidget(form)  # closed after the test (open forms are found application-wide)
    assert set(back) == {ObservationDialog, RecordDoseDialog, RefillDialog, AlarmDialog,
                         PumpDetailsDialog}
    assert all(f.isVisible() and f is not old for f, old in zip(
        back.values(), (obs, dose, refill, alarm, details), strict=False))
    o = back[ObservationDialog]
    assert o.patient.id == eleni.patient.id and o.fields["spo2"].text() == "93"
    assert o.oxygen.isChecked() and o.request_id == obs.request_id
    assert o.signs[next(iter(o.signs))].isChecked() and o.checked.isChecked()
    d = back[RecordDoseDialog]
    assert d.entry.due == DUE_0800 and d.not_given.isChecked()
    assert d.note.text() == "refused, spoke to Dr Khan"
    r = back[RefillDialog]
    assert r.volume.value() == 18 and r.witness.currentData() == typed.uid(demo_ward,
                                                                           "nurse.okafor")
    assert r.password.text() == ""  # the witness types it again
    assert back[AlarmDialog].note.text() == "beeping twice"
    assert back[PumpDetailsDialog].serial.text() == "SN-NEW-1"
    assert "5 forms you left open are back" in second.statusBar().currentMessage()

    back[AlarmDialog].reject()  # Cancel: discarded, and its kept copy goes
    back[ObservationDialog].submit()
    assert back[ObservationDialog].result() == ACCEPTED
    assert sorted(k for _u, k, _s in kept(demo_ward.path)) == ["dose", "pump_details", "refill"]
    discarded = [d for u, a, d in form_audit(demo_ward.path) if a == "form.discarded"]
    assert discarded == [{"kind": "pump_alarm"}]
    assert all(set(d) <= {"kind", "why"} for _u, _a, d in form_audit(demo_ward.path))


def test_a_kept_dose_form_recorded_meanwhile_is_not_opened_again_and_says_so(qtbot, window,
                                                                              demo_ward):
    from ward_app.domain.mar import Reason
    from ward_app.services import mar as mar_svc

    eleni = window.open_chart(pid(demo_ward, "Eleni"))
    dose = _open(qtbot, RecordDoseDialog(demo_ward, eleni.patient, entry_at(demo_ward, DUE_0800),
                                         eleni, ops=eleni.ops))
    dose.not_given.setChecked(True)
    log_in("nurse.okafor")
    window.lock()
    mar_svc.omit_dose(demo_ward, eleni.patient.id, DUE_0800, Reason.REFUSED)  # nurse.okafor
    window.close()
    act_as(demo_ward, "nurse.jones")  # the next window opens for nurse.jones
    second = MainWindow(demo_ward, sound=SilentSound(), lock_after_s=300)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitUntil(lambda: "recorded since" in second.statusBar().currentMessage())
    assert second.parked.restored == [] and kept(demo_ward.path) == []
    assert [d for _u, a, d in form_audit(demo_ward.path) if a == "form.discarded"][0]["why"]


def test_ctrl_l_locks_from_a_form_that_came_back(qtbot, window, demo_ward):
    """A form shown again after the lock is a window of its own (the window's shortcut does not
    reach it); Ctrl+L in it locks all the same, and it comes back again."""
    eleni = window.open_chart(pid(demo_ward, "Eleni"))
    form = _open(qtbot, ObservationDialog(demo_ward, eleni.patient, eleni, ops=eleni.ops))
    form.fields["temp"].setText("38.4")
    log_in("nurse.jones")
    window.lock()
    assert form.isVisible()
    seen: dict = {}

    def on_lock_screen() -> None:
        d = QApplication.activeModalWidget()
        seen["hidden"] = form.isHidden()
        d.name.setText("nurse.jones")
        d.password.setText(DEMO_PASSWORD)
        d.submit()

    when(lambda: isinstance(QApplication.activeModalWidget(), LoginDialog), on_lock_screen)
    qtbot.keyClick(form.fields["temp"], Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "hidden" in seen and not window.locked)
    assert seen["hidden"] and form.isVisible() and form.fields["temp"].text() == "38.4"


def test_a_new_lock_time_is_in_force_at_once(qtbot, demo_ward):
    w = MainWindow(demo_ward, sound=SilentSound())  # the lock time from the setting
    qtbot.addWidget(w)
    assert w.idle.seconds == 60 * demo_ward.thresholds().session_lock_minutes
    act_as(demo_ward, "admin")
    set_setting(demo_ward, "session.lock_minutes", 2)
    w.apply_settings()  # what Settings… saved calls
    assert w.idle.seconds == 120
    locked: list[bool] = []
    w.lock = lambda by_hand=False: locked.append(by_hand)  # type: ignore[method-assign]
    w.idle.on_idle = w.lock
    w.idle.last -= 119
    w.idle.check()
    assert locked == []
    w.idle.last -= 2
    w.idle.check()
    assert locked == [False]


def test_the_idle_watch_refuses_a_lock_time_of_nothing(qapp):
    watch = IdleWatch(300, lambda: None)
    try:
        watch.set_minutes(7)
        assert watch.seconds == 420
        with pytest.raises(ValueError):
            watch.set_minutes(0)
    finally:
        watch.stop()
