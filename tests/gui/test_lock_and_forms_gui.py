"""Issue 14 in the window: the lock covers every screen and hides (not fades) every open form,
which comes back as typed for the same user and never for the next one; the dose dialog's witness
types their password; one request id per form; a chart opened, a sheet saved, audited reads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog
from shiboken6 import isValid

from tests import typed
from tests.conftest import database_state
from tests.gui.test_patient_chart import (
    DUE_0800,
    GIVEN_AT,
    drive_next_modal,
    eleni,
    entry_at,
    stored,
)
from tests.gui.test_session_gui import log_in
from ward_app.gui.alarm import SilentSound
from ward_app.gui.form_parts import PROBLEM
from ward_app.gui.observation_dialog import ObservationDialog
from ward_app.gui.record_dialog import RecordDoseDialog
from ward_app.gui.session import ScreenCovers, cover_for
from ward_app.services.demo import DEMO_PASSWORD
from ward_app.storage import audit

ACCEPTED = QDialog.DialogCode.Accepted


@pytest.fixture
def window_options() -> dict:
    return {"sound": SilentSound(), "lock_after_s": 300}


class FakeScreen:
    """A second (third...) monitor: the offscreen platform has one screen, so the function that
    makes one cover per screen is given these too (it needs only ``geometry()``)."""

    def __init__(self, x: int, y: int, w: int, h: int) -> None:
        self.rect = QRect(x, y, w, h)

    def geometry(self) -> QRect:
        return self.rect


def _rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# --- the lock screen ---------------------------------------------------------------------------


def test_one_opaque_cover_per_screen_but_the_log_ins_following_screens_in_and_out(qapp):
    real = QGuiApplication.primaryScreen()
    left, right, extra = FakeScreen(-1920, 0, 1920, 1080), FakeScreen(1280, 0, 1024, 768), \
        FakeScreen(2304, 0, 800, 600)
    moved: list = []
    covers = ScreenCovers(real, moved.append)
    try:
        made = covers.cover([real, left, right])
        assert len(made) == 2  # the log-in fills the real screen itself
        assert sorted(map(QRect.x, covers.covered())) == [-1920, 1280]
        assert {r.size().toTuple() for r in covers.covered()} == {(1920, 1080), (1024, 768)}
        for cover in made:
            assert cover.isVisible() and cover.windowOpacity() == 1.0  # opaque, not faded
            assert cover.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
            assert cover.windowFlags() & Qt.WindowType.FramelessWindowHint
            assert cover.autoFillBackground()
            assert cover.palette().color(cover.backgroundRole()).alpha() == 255
        covers.add(extra)  # a monitor plugged in while locked (screenAdded)
        assert len(covers.covered()) == 3
        covers.remove(left)  # one unplugged (screenRemoved)
        assert sorted(map(QRect.x, covers.covered())) == [1280, 2304]
        covers.remove(real)  # the log-in's own screen unplugged: it moves to one still there
        assert moved and moved[0] in (right, extra) and covers.login_screen is moved[0]
        assert len(covers.covered()) == 1
    finally:
        covers.uncover()
    assert covers.covered() == [] and covers.covers == {}


def test_a_cover_on_a_real_screen_fills_it(qapp):
    screen = QGuiApplication.primaryScreen()
    cover = cover_for(screen)
    try:
        assert cover.screen() is screen and cover.geometry() == screen.geometry()
    finally:
        cover.deleteLater()


def test_while_locked_every_screen_is_covered_and_every_form_is_hidden(qtbot, window, demo_ward):
    form = ObservationDialog(demo_ward, eleni(demo_ward), window)
    qtbot.addWidget(form)  # closed after the test (open forms are found application-wide)
    form.show()
    qtbot.keyClicks(form.fields["rr"], "18")
    chart = window.open_chart(eleni(demo_ward).id)
    second = FakeScreen(1280, 0, 1024, 768)
    seen: dict = {}

    def while_locked(d: QDialog) -> None:
        seen["form_hidden"] = form.isHidden() and form.windowOpacity() == 1.0
        seen["chart_hidden"] = chart.isHidden() and window.centralWidget().isHidden()
        screens = len(QGuiApplication.screens())
        seen["covers"] = len(window.screen_covers.covered()) == screens - 1
        seen["login_fills"] = d.geometry() == d.screen().geometry()
        window.screen_covers.add(second)  # plugged in while locked
        seen["second"] = [r.x() for r in window.screen_covers.covered()] == [1280]
        seen["cover"] = window.screen_covers.covers[id(second)][1]
        d.name.setText("nurse.jones")
        d.password.setText(DEMO_PASSWORD)
        d.submit()

    drive_next_modal(while_locked)
    window.lock()
    cover = seen.pop("cover")
    assert not isValid(cover) or cover.isHidden()  # closed with the lock (and deleted later)
    assert seen == {"form_hidden": True, "chart_hidden": True, "covers": True,
                    "login_fills": True, "second": True}
    assert window.screen_covers.covers == {}  # every cover gone after the log-in
    assert form.isVisible() and form.fields["rr"].text() == "18"  # back as typed
    assert chart.isVisible() and window.centralWidget().isVisible()


def test_the_next_user_never_sees_the_first_users_form_and_is_told(qtbot, window, demo_ward):
    form = ObservationDialog(demo_ward, eleni(demo_ward), window)
    qtbot.addWidget(form)  # closed after the test (open forms are found application-wide)
    form.show()
    qtbot.keyClicks(form.fields["hr"], "72")
    log_in("nurse.okafor")
    window.lock()
    assert demo_ward.actor.name == "nurse.okafor"
    assert form.isHidden()
    assert "1 form nurse.jones had open is kept for them" in window.statusBar().currentMessage()
    log_in("nurse.okafor")  # locked again, the same (second) user: still not theirs to see
    window.lock()
    assert form.isHidden()
    log_in("nurse.jones")
    window.lock()
    assert form.isVisible() and form.fields["hr"].text() == "72"


# --- the dose dialog's witness password --------------------------------------------------------------


def test_the_dose_witness_types_their_password(qtbot, demo_ward):
    patient = eleni(demo_ward)
    # at 09:50 the missed 08:00 dose can still be given (at NOW: too late to catch up)
    demo_ward.clock = lambda: GIVEN_AT
    d = RecordDoseDialog(demo_ward, patient, entry_at(demo_ward, DUE_0800))
    qtbot.addWidget(d)
    d.show()
    assert not d.password.isEnabled()  # no witness chosen
    d.witness.setCurrentIndex(d.witness.findData(typed.uid(demo_ward, "nurse.okafor")))
    assert d.password.isEnabled() and d.password.echoMode() == d.password.EchoMode.Password
    before = database_state(demo_ward.path, but_logins=True)  # a wrong witness password is audited
    d.submit()  # no password typed: asked for before anything is tried
    assert d.result() != ACCEPTED and d.password.property(PROBLEM)
    assert "password" in d.error.text() and d.focusWidget() is d.password
    qtbot.keyClicks(d.password, "not-the-password")
    d.submit()
    assert d.result() != ACCEPTED and "password" in d.error.text()
    assert d.password.property(PROBLEM) and d.password.text() == ""
    assert database_state(demo_ward.path, but_logins=True) == before
    assert audit.entries(demo_ward.db, limit=1)[0]["action"] == "witness.failed"
    qtbot.keyClicks(d.password, DEMO_PASSWORD)
    d.submit()
    assert d.result() == ACCEPTED and d.password.text() == ""
    assert stored(demo_ward.path, patient.id, DUE_0800)[0][0] == "given_late"
    assert d.result_record is not None
    witness = _rows(demo_ward.path, "SELECT u.name FROM administrations a JOIN users u ON "
                                    "u.id = a.witness_id ORDER BY a.id DESC LIMIT 1")
    assert witness == [("nurse.okafor",)]


# --- one request id per form ----------------------------------------------------------------------


def test_saving_the_same_observation_form_again_stores_it_once(qtbot, demo_ward):
    patient = eleni(demo_ward)
    form = ObservationDialog(demo_ward, patient)
    qtbot.addWidget(form)
    qtbot.keyClicks(form.fields["rr"], "19")
    form.submit()
    first = form.recorded
    form.submit()  # e.g. Save pressed again after an error that came after the commit
    assert first is not None and form.recorded is not None
    assert form.recorded.observation.id == first.observation.id
    assert _rows(demo_ward.path, "SELECT count(*) FROM observations WHERE client_id = "
                                 f"'{form.request_id}'") == [(1,)]
    other = ObservationDialog(demo_ward, patient)
    qtbot.addWidget(other)
    assert other.request_id != form.request_id  # a new form is a new record


# --- audited reads -----------------------------------------------------------------------------------


def test_opening_a_chart_is_an_audited_read_raising_it_is_not(window, demo_ward):
    def reads() -> list[tuple]:
        return _rows(demo_ward.path, "SELECT u.name, a.action, a.patient_id FROM audit a JOIN "
                                     "users u ON u.id = a.user_id WHERE a.action LIKE 'read.%'")

    pid = eleni(demo_ward).id
    chart = window.open_chart(pid)
    assert reads() == [("nurse.jones", "read.chart", pid)]
    window.open_chart(pid)  # already open: raised, not read again
    assert len(reads()) == 1
    chart.hide()
    window.open_chart(pid)
    assert reads() == [("nurse.jones", "read.chart", pid)] * 2


def test_printing_and_saving_the_taper_sheet_are_audited_reads(qtbot, demo_ward, tmp_path,
                                                               monkeypatch):
    from PySide6.QtCore import QDate

    from tests.conftest import act_as
    from ward_app.gui.taper_dialog import TaperDialog
    from ward_app.services.patients import get_patient

    act_as(demo_ward, "pharm.chen")
    patient = get_patient(demo_ward, next(r.mrn for r in window_rows(demo_ward)
                                          if r.name == "Gráinne Walsh"))
    d = TaperDialog(demo_ward, patient)
    qtbot.addWidget(d)
    d.start.setDate(QDate(2026, 12, 1))
    qtbot.waitUntil(lambda: d.pdf.page_count() >= 2, timeout=10_000)
    monkeypatch.setattr(d.pdf, "save_with_dialog", lambda parent, name: tmp_path / "taper.pdf")
    d.save_pdf()
    monkeypatch.setattr(d.pdf, "print_with_dialog", lambda parent=None: True)
    d.print_pdf()
    monkeypatch.setattr(d.pdf, "print_with_dialog", lambda parent=None: False)
    d.print_pdf()  # cancelled in the print dialog: nothing read out, nothing audited
    got = _rows(demo_ward.path, "SELECT u.name, a.action, a.patient_id FROM audit a JOIN users u "
                                "ON u.id = a.user_id WHERE a.action LIKE 'read.%' ORDER BY a.id")
    assert got == [("pharm.chen", "read.print", patient.id)] * 2


def window_rows(ctx):
    from ward_app.services.board import ward_board

    return ward_board(ctx)


def test_a_form_in_its_own_modal_loop_comes_back_after_the_lock_and_saves(qtbot, window,
                                                                          demo_ward):
    """The chart opens forms with exec(): hiding one ends its loop as if cancelled (nothing is
    saved); it is shown again, as typed, for the same user, and saving it then works."""
    patient = eleni(demo_ward)
    chart = window.open_chart(patient.id)
    state: dict = {}

    def in_form() -> None:
        form = QApplication.activeModalWidget()
        if not isinstance(form, ObservationDialog):
            QTimer.singleShot(10, in_form)
            return
        state["form"] = form
        form.fields["rr"].setText("21")
        log_in("nurse.jones")
        window.lock()  # the idle lock fires while the form's own loop runs

    QTimer.singleShot(0, in_form)
    chart.record_observations()  # returns once the lock ended the form's loop
    form = state["form"]
    assert form.isVisible() and form.fields["rr"].text() == "21"
    before = _rows(demo_ward.path, "SELECT count(*) FROM observations")[0][0]
    form.submit()
    assert form.result() == ACCEPTED
    assert _rows(demo_ward.path, "SELECT count(*) FROM observations")[0][0] == before + 1


def test_the_lock_screen_counts_the_active_alerts_without_naming_anyone(qtbot, window, demo_ward):
    """Issue 16: locking must not hide emergencies: the lock screen says how many emergency and
    urgent alerts are active (in the banner's colour), never whose; a refresh keeps it current."""
    from ward_app.domain.alerts import Severity

    alerts = window.overview.alerts
    emergency = sum(a.severity is Severity.EMERGENCY for a in alerts)
    urgent = sum(a.severity is Severity.URGENT for a in alerts)
    assert urgent  # the demo ward at NOW has urgent alerts
    seen: dict = {}

    def while_locked(d: QDialog) -> None:
        label = d.alert_counts
        seen["shown"] = label.isVisible()
        seen["text"] = label.text()
        window.refresh()  # the minute timer goes on while locked
        seen["after"] = label.text()
        d.name.setText("nurse.jones")
        d.password.setText(DEMO_PASSWORD)
        d.submit()

    drive_next_modal(while_locked)
    window.lock()
    assert seen["shown"] and "Log in to see them" in seen["text"]
    assert f"{urgent} URGENT" in seen["text"]
    assert (f"{emergency} EMERGENCY" in seen["text"]) == bool(emergency)
    assert seen["after"] == seen["text"]
    assert not any(a.name in seen["text"] or a.mrn in seen["text"] for a in alerts)


@pytest.mark.parametrize("how, words", [("idle", "after a time without use"),
                                        ("by hand", "by its user")])
def test_the_lock_screen_says_why_it_locked(qtbot, window, how, words):
    from PySide6.QtWidgets import QLabel

    seen: list[str] = []

    def while_locked(d: QDialog) -> None:
        seen.extend(label.text() for label in d.findChildren(QLabel))
        d.name.setText("nurse.jones")
        d.password.setText(DEMO_PASSWORD)
        d.submit()

    drive_next_modal(while_locked)
    if how == "idle":
        window.lock()
    else:
        window.lock_action.trigger()
    assert any(words in text for text in seen)
