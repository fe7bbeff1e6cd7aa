"""First start in the window (issue 16, item 3): a new ward file asks for the ward, its time zone,
drill or not and the administrator's password twice, then the log-in as that administrator;
Cancel writes nothing. And the demo ward's log-in shows the demo password, which works for its
administrator too."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from tests.conftest import fixed_clock
from tests.gui.test_patient_chart import drive_next_modal
from ward_app.gui.app import start_session
from ward_app.gui.first_start_dialog import FirstStartDialog, machine_time_zone
from ward_app.gui.login_dialog import LoginDialog
from ward_app.services import people
from ward_app.services.auth import login
from ward_app.services.context import open_context
from ward_app.storage import audit

GOOD = "first-admin-pw"


def _fill(d: FirstStartDialog, *, ward="Ward 9", tz="Europe/Dublin", admin="admin",
          password=GOOD, again=GOOD, drill=False) -> None:
    d.ward.setText(ward)
    d.tz.setCurrentText(tz)
    d.admin.setText(admin)
    d.password.setText(password)
    d.again.setText(again)
    d.drill.setChecked(drill)


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_the_dialog_makes_the_ward_and_its_admin_who_can_log_in(qtbot, tmp_path):
    path = tmp_path / "new" / "ward.db"
    d = FirstStartDialog(path)
    qtbot.addWidget(d)
    assert d.tz.currentText() == machine_time_zone()  # the computer's zone by default
    _fill(d, drill=True)
    d.submit()
    assert d.result() == FirstStartDialog.DialogCode.Accepted and d.created == "Ward 9"
    assert d.password.text() == "" and d.again.text() == ""  # not kept in the dialog
    ctx = open_context(path, clock=fixed_clock)
    try:
        ward = people.wards(ctx.db)[0]
        assert (ward.name, ward.tz, ward.drill) == ("Ward 9", "Europe/Dublin", True)
        assert ctx.zone == ZoneInfo("Europe/Dublin")
        assert login(ctx, "admin", GOOD).role == "admin"
        assert audit.entries(ctx.db)[-1]["action"] == "init"
    finally:
        ctx.close()
    assert _files(path.parent) == ["ward.db"]  # nothing half-made beside it


@pytest.mark.parametrize(("change", "words", "marked"), [
    ({"again": "first-admin-px"}, "not the same", "password_again"),
    ({"password": "short", "again": "short"}, "too short", "password"),
    ({"password": "", "again": ""}, "needs a password", "password"),
    ({"ward": "  "}, "Ward name", "ward"),
    ({"tz": "Mars/Olympus"}, "not a time zone", "tz"),
    ({"admin": "1admin"}, "not valid", "name"),
])
def test_a_bad_answer_is_said_in_one_sentence_and_nothing_is_written(qtbot, tmp_path, change,
                                                                     words, marked):
    path = tmp_path / "ward.db"
    d = FirstStartDialog(path)
    qtbot.addWidget(d)
    _fill(d, **change)
    d.submit()
    assert d.result() != FirstStartDialog.DialogCode.Accepted and d.created is None
    assert words in d.error.text() and d.error.text().count(". ") <= 1
    assert d.fields[marked].property("problem")
    assert not path.exists() and _files(tmp_path) == []


def test_cancel_leaves_no_file(qtbot, tmp_path):
    path = tmp_path / "ward.db"
    seen = drive_next_modal(lambda d: (_fill(d), d.reject()))
    ctx, code = start_session(path)
    assert seen and isinstance(seen[0], FirstStartDialog)
    assert (ctx, code) == (None, 0)
    assert _files(tmp_path) == []


def _then_log_in(password: str, seen: list):
    def action(d) -> None:
        assert isinstance(d, LoginDialog)
        seen.append((d.name.text(), d.findChild(type(d.error), "demoHint").text()))
        d.password.setText(password)
        d.submit()
    return action


def test_starting_the_window_on_a_new_file_makes_the_ward_then_logs_in_its_admin(qtbot, tmp_path):
    """``ward-app --db NEW.db gui``: the first-start dialog, then the log-in with the
    administrator's name filled in, then the window's session as that administrator."""
    path = tmp_path / "ward.db"
    logins: list = []

    def first(d) -> None:
        assert isinstance(d, FirstStartDialog)
        _fill(d, admin="ward.admin")
        drive_next_modal(_then_log_in(GOOD, logins))  # the log-in comes next
        d.submit()

    drive_next_modal(first)
    ctx, code = start_session(path)
    try:
        assert code == 0 and ctx is not None
        assert ctx.actor is not None and (ctx.actor.name, ctx.actor.role) == ("ward.admin", "admin")
        name, note = logins[0]
        assert name == "ward.admin" and "password you just chose" in note
        assert [e["action"] for e in audit.entries(ctx.db, limit=2)] == ["login", "init"]
    finally:
        if ctx is not None:
            ctx.close()


def test_a_database_file_without_a_ward_gets_the_first_start_too(qtbot, tmp_path):
    path = tmp_path / "ward.db"
    open_context(path, create=True).close()  # an interrupted set-up: the schema, no ward
    logins: list = []

    def first(d) -> None:
        assert isinstance(d, FirstStartDialog)
        _fill(d)
        drive_next_modal(_then_log_in(GOOD, logins))
        d.submit()

    drive_next_modal(first)
    ctx, _code = start_session(path)
    try:
        assert ctx is not None and ctx.actor.name == "admin"
        assert people.wards(ctx.db)[0].name == "Ward 9"
    finally:
        if ctx is not None:
            ctx.close()


def test_the_demo_log_in_shows_the_demo_password_and_the_admin_logs_in_with_it(qtbot, tmp_path):
    """What ``ward-app gui --demo`` does: the hint names the administrator and the password,
    which lets the administrator in (Settings and Users reachable)."""
    from ward_app.services.demo import DEMO_PASSWORD, create_demo_database, demo_hint

    path = tmp_path / "demo.db"
    create_demo_database(path, clock=fixed_clock, patients=2, days=2, seed=1)
    logins: list = []

    def as_admin(d) -> None:
        d.name.setText("admin")
        _then_log_in(DEMO_PASSWORD, logins)(d)

    drive_next_modal(as_admin)
    ctx, _code = start_session(path, user="nurse.jones", demo_hint=demo_hint())
    try:
        assert ctx is not None and ctx.actor.role == "admin"
        _name, hint = logins[0]
        assert "admin (administrator" in hint and DEMO_PASSWORD in hint
    finally:
        if ctx is not None:
            ctx.close()


def test_the_first_start_by_keyboard(qtbot, tmp_path):
    d = FirstStartDialog(tmp_path / "ward.db")
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    qtbot.keyClicks(d.ward, "Ward 3")
    for box in (d.password, d.again):
        qtbot.keyClicks(box, GOOD)
    qtbot.keyClick(d.again, Qt.Key.Key_Return)  # Create ward is the default button
    assert d.created == "Ward 3" and (tmp_path / "ward.db").exists()
