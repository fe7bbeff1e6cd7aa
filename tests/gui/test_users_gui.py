"""File → Users… (issue 16, item 3): an administrator lists, adds, gives a new password to,
deactivates and reactivates users in the window; each refusal is one sentence and writes nothing
but what the services audit; the dialog fits a 1280×800 screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt

from tests.conftest import ADMIN_PASSWORD, PASSWORD, ROLE_USERS, act_as, database_state
from ward_app.domain.errors import Refused
from ward_app.gui.users_dialog import NEVER, UsersDialog
from ward_app.services.auth import login
from ward_app.storage import audit

NEW_PW = "new-user-pw-1"


@pytest.fixture
def dialog(qtbot, ward):
    d = UsersDialog(ward)
    qtbot.addWidget(d)
    return d


def _cells(d: UsersDialog, name: str) -> list[str]:
    row = [u.name for u in d.model.rows].index(name)
    return [d.model.index(row, c).data() for c in range(d.model.columnCount())]


def test_the_list_shows_every_user_with_role_active_and_last_log_in(qtbot, ward):
    login(ward, ROLE_USERS["nurse"], PASSWORD)
    login(ward, "admin", ADMIN_PASSWORD)
    d = UsersDialog(ward)
    qtbot.addWidget(d)
    assert [d.model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)] == [
        "User name", "Full name", "Role", "Active", "Last log-in"]
    assert len(d.model.rows) == 1 + len(ROLE_USERS)
    name, _full, role, active, last = _cells(d, ROLE_USERS["charge_nurse"])
    assert (role, active, last) == ("charge nurse", "yes", NEVER)
    assert _cells(d, ROLE_USERS["nurse"])[4] == "01 Jun 2027 13:00"  # 12:00 UTC, in the ward's BST


def test_add_a_user_with_the_password_twice(qtbot, dialog, ward):
    d = dialog
    d.new_name.setText("nurse.new")
    d.full_name.setText("Ana Nova, RN")
    d.role.setCurrentIndex(d.role.findData("nurse"))
    d.new_password.setText(NEW_PW)
    d.new_again.setText(NEW_PW + "x")
    before = database_state(ward.path)
    d.add()
    assert "not the same" in d.error.text() and database_state(ward.path) == before
    assert d.new_password.text() == "" and d.new_again.property("problem")
    d.new_password.setText(NEW_PW)
    d.new_again.setText(NEW_PW)
    d.add()
    assert d.error.isHidden() and "Added nurse.new (nurse)" in d.status.text()
    assert _cells(d, "nurse.new")[:4] == ["nurse.new", "Ana Nova, RN", "nurse", "yes"]
    assert d.current().name == "nurse.new" and d.new_name.text() == ""
    entry = audit.entries(ward.db, limit=1)[0]
    assert (entry["action"], entry["detail"]["name"], entry["user"]) == ("add", "nurse.new", "admin")
    assert login(ward, "nurse.new", NEW_PW).role == "nurse"


def test_a_taken_name_or_a_weak_password_is_one_sentence(qtbot, dialog, ward):
    d = dialog
    d.new_name.setText(ROLE_USERS["nurse"])
    d.new_password.setText(NEW_PW)
    d.new_again.setText(NEW_PW)
    d.add()
    assert "already a user" in d.error.text() and d.new_name.property("problem")
    d.new_name.setText("nurse.two")
    d.new_password.setText("short")
    d.new_again.setText("short")
    d.add()
    assert "too short" in d.error.text() and d.new_password.property("problem")
    assert "nurse.two" not in [u.name for u in d.model.rows]


def test_reset_a_password_unlocks_the_account(qtbot, ward):
    pharmacist = ROLE_USERS["pharmacist"]
    for _ in range(5):
        with pytest.raises(Refused):
            login(ward, pharmacist, "wrong password")
    act_as(ward, "admin")
    d = UsersDialog(ward)
    qtbot.addWidget(d)
    assert "locked" in _cells(d, pharmacist)[3]
    d.select(pharmacist)
    assert d.selected.title().endswith(pharmacist) and d.reset_button.isEnabled()
    d.reset_password.setText(NEW_PW)
    d.reset_again.setText(NEW_PW)
    d.reset()
    assert "New password set for pharm.test" in d.status.text()
    assert _cells(d, pharmacist)[3] == "yes" and d.reset_password.text() == ""
    assert audit.entries(ward.db, limit=1)[0]["action"] == "user.reset_password"
    assert login(ward, pharmacist, NEW_PW).name == pharmacist


def test_deactivate_needs_a_reason_then_reactivate(qtbot, dialog, ward):
    d = dialog
    nurse = ROLE_USERS["nurse"]
    d.select(nurse)
    assert d.deactivate_button.isEnabled() and not d.reactivate_button.isEnabled()
    before = database_state(ward.path)
    d.deactivate()
    assert "Say why" in d.error.text() and d.reason.property("problem")
    assert database_state(ward.path) == before
    d.reason.setText("left the ward")
    d.deactivate()
    assert _cells(d, nurse)[3] == "no (deactivated)" and "is deactivated" in d.status.text()
    assert not d.deactivate_button.isEnabled() and d.reactivate_button.isEnabled()
    entry = audit.entries(ward.db, limit=1)[0]
    assert (entry["action"], entry["detail"]["reason"]) == ("user.deactivate", "left the ward")
    with pytest.raises(Refused):
        login(ward, nurse, PASSWORD)
    act_as(ward, "admin")
    d.reactivate()
    assert _cells(d, nurse)[3] == "yes" and "active again" in d.status.text()
    assert audit.entries(ward.db, limit=1)[0]["action"] == "user.reactivate"


def test_an_administrator_cannot_deactivate_themselves(qtbot, dialog, ward):
    d = dialog
    d.select("admin")
    d.reason.setText("testing")
    d.deactivate()
    assert "your own account" in d.error.text() and _cells(d, "admin")[3] == "yes"


def test_a_charge_nurse_sees_why_not_and_cannot_change_anything(qtbot, ward):
    act_as(ward, ROLE_USERS["charge_nurse"])
    d = UsersDialog(ward)
    qtbot.addWidget(d)
    assert d.model.rowCount() == 0 and not d.add_button.isEnabled()
    assert not d.deactivate_button.isEnabled() and not d.reset_button.isEnabled()


def test_the_dialog_fits_1280_by_800(qtbot, dialog):
    d = dialog
    d.show()
    qtbot.waitExposed(d)
    screen = QRect(0, 0, 1280, 800)
    assert d.width() <= 1280 and d.height() <= 760
    assert d.minimumSizeHint().height() <= 760
    for button in (d.add_button, d.reset_button, d.deactivate_button, d.reactivate_button):
        corner = button.mapTo(d, button.rect().bottomRight())
        assert screen.contains(corner) and d.rect().contains(corner)


def test_the_main_window_offers_users_to_an_administrator_only(qtbot, window, demo_ward):
    assert not window.users_action.isEnabled()  # the demo nurse
    act_as(demo_ward, "admin")
    window.apply_permissions()
    assert window.users_action.isEnabled()
    assert window.users_action in window.menuBar().actions()[0].menu().actions()


def test_enter_in_a_box_runs_that_box_s_button_by_keyboard(qtbot, dialog, ward):
    d = dialog
    d.show()
    qtbot.waitExposed(d)
    d.select(ROLE_USERS["pharmacist"])
    d.reason.setFocus()
    qtbot.keyClicks(d.reason, "moved to another ward")
    qtbot.keyClick(d.reason, Qt.Key.Key_Return)
    assert _cells(d, ROLE_USERS["pharmacist"])[3] == "no (deactivated)" and d.isVisible()
    d.new_name.setFocus()
    qtbot.keyClicks(d.new_name, "nurse.kb")
    for box in (d.new_password, d.new_again):
        qtbot.keyClicks(box, NEW_PW)
    qtbot.keyClick(d.new_again, Qt.Key.Key_Return)
    assert "nurse.kb" in [u.name for u in d.model.rows] and d.isVisible()
