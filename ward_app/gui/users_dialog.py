"""Users, managed by an administrator in the window (File → Users…): the list (name, full name,
role, active, last log-in), adding a user with a password typed twice, a new password for a user
(which unlocks the account), and deactivating a leaver (a reason is required) or reactivating
them. The services check and audit every change, as ``ward-app user …`` does."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from ward_app.domain.errors import WardError
from ward_app.domain.roles import Action
from ward_app.gui.form_parts import clear_marks, problem_label, show_error
from ward_app.gui.ops import Ops, runner
from ward_app.gui.rows_model import Column, RowsModel
from ward_app.gui.tables import table_view
from ward_app.services.admin import (
    ROLES,
    UserSummary,
    add_user,
    confirmed_password,
    deactivate_user,
    reactivate_user,
    user_summaries,
)
from ward_app.services.auth import reset_password
from ward_app.services.context import Context

ROLE_WORDS = {"nurse": "nurse", "charge_nurse": "charge nurse", "pharmacist": "pharmacist",
              "admin": "administrator", "service": "service (backups and checks only)"}
NEVER = "—"


def user_columns(ctx: Context) -> list[Column[UserSummary]]:
    zone = ctx.zone

    def last(u: UserSummary) -> str:
        return u.last_login.astimezone(zone).strftime("%d %b %Y %H:%M") if u.last_login else NEVER

    def active(u: UserSummary) -> str:
        if not u.active:
            return "no (deactivated)"
        return "yes, locked (too many failed log-ins)" if u.locked else "yes"

    return [
        Column("User name", lambda u: u.name),
        Column("Full name", lambda u: u.full_name or ""),
        Column("Role", lambda u: ROLE_WORDS.get(u.role, u.role)),
        Column("Active", active, tooltip=lambda u: (
            "A new password unlocks the account." if u.locked else None)),
        Column("Last log-in", last, tooltip=lambda u: None if u.last_login else
               "No log-in to the window recorded (the command line's are not kept)."),
    ]


def _password_box(parent, name: str) -> QLineEdit:
    box = QLineEdit(parent)
    box.setEchoMode(QLineEdit.EchoMode.Password)
    box.setAccessibleName(name)
    return box


class UsersDialog(QDialog):
    def __init__(self, ctx: Context, parent=None, *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.setWindowTitle("Users")
        self.setAccessibleName("Users")
        self.setObjectName("usersDialog")
        may = ctx.can(Action.ADMIN)
        note = QLabel("Everyone who records or witnesses logs in with their own name and "
                      "password. A leaver is deactivated, never deleted: their records keep their "
                      "name. Every change is audited." if may else
                      (ctx.why_not(Action.ADMIN) or ""), self)
        note.setWordWrap(True)
        self.model: RowsModel[UserSummary] = RowsModel(user_columns(ctx), [], self,
                                                       key=lambda u: u.name)
        self.table = table_view(self, self.model, name="usersTable", accessible_name="Users")
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._show_selected())

        # adding a user
        adding = QGroupBox("Add a user", self)
        self.new_name = QLineEdit(adding)
        self.new_name.setAccessibleName("New user's name")
        self.new_name.setPlaceholderText("e.g. nurse.jones")
        self.full_name = QLineEdit(adding)
        self.full_name.setAccessibleName("Full name")
        self.full_name.setPlaceholderText("as it prints on sheets, e.g. Rhian Jones, RN")
        self.role = QComboBox(adding)
        self.role.setAccessibleName("Role")
        for role in ROLES:
            self.role.addItem(ROLE_WORDS.get(role, role), role)
        self.new_password = _password_box(adding, "New user's password")
        self.new_again = _password_box(adding, "New user's password again")
        self.add_button = QPushButton("&Add user", adding)
        self.add_button.clicked.connect(self.add)
        add_form = QFormLayout(adding)
        add_form.addRow("&Name:", self.new_name)
        add_form.addRow("F&ull name:", self.full_name)
        add_form.addRow("R&ole:", self.role)
        add_form.addRow("Pass&word:", self.new_password)
        add_form.addRow("Password a&gain:", self.new_again)
        add_form.addRow("", self.add_button)

        # the user selected in the list
        self.selected = QGroupBox("Selected user", self)
        self.reset_password = _password_box(self.selected, "New password for the selected user")
        self.reset_again = _password_box(self.selected, "New password again")
        self.reset_button = QPushButton("&Set new password", self.selected)
        self.reset_button.setToolTip("Sets the password and unlocks the account")
        self.reset_button.clicked.connect(self.reset)
        self.reason = QLineEdit(self.selected)
        self.reason.setAccessibleName("Why the account is deactivated")
        self.reason.setPlaceholderText("e.g. left the ward")
        self.deactivate_button = QPushButton("&Deactivate", self.selected)
        self.deactivate_button.clicked.connect(self.deactivate)
        self.reactivate_button = QPushButton("&Reactivate", self.selected)
        self.reactivate_button.clicked.connect(self.reactivate)
        pick_form = QFormLayout(self.selected)
        pick_form.addRow("New &password:", self.reset_password)
        pick_form.addRow("New password ag&ain:", self.reset_again)
        pick_form.addRow("", self.reset_button)
        pick_form.addRow("Rea&son to deactivate:", self.reason)
        active_row = QHBoxLayout()
        active_row.addWidget(self.deactivate_button)
        active_row.addWidget(self.reactivate_button)
        active_row.addStretch(1)
        pick_form.addRow("", active_row)

        forms = QHBoxLayout()
        forms.addWidget(adding, 1)
        forms.addWidget(self.selected, 1)
        self.error = problem_label(self, "usersError")
        self.status = QLabel(self)
        self.status.setObjectName("usersStatus")
        self.status.setAccessibleName("Result")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(forms)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.fields = {"name": self.new_name, "full-name": self.full_name, "role": self.role,
                       "password": self.new_password, "password_again": self.new_again}
        for widget in (adding, self.selected):
            widget.setEnabled(may)
        self.resize(960, 640)  # fits 1280×800 with room for the window manager's frame
        if may:
            self.load()
        self._show_selected()

    # --- the list ---------------------------------------------------------------------------

    def load(self, select: str | None = None) -> None:
        """The users again (after a change), keeping ``select`` (or the current user) selected."""
        current = self.current()
        keep = select or (current.name if current else None)
        try:
            users = user_summaries(self.ctx)
        except WardError as exc:
            show_error(self.error, exc, {})
            return
        self.model.set_rows(users)
        self.table.resizeColumnsToContents()
        names = [u.name for u in users]
        if keep in names:
            self.table.selectRow(names.index(keep))
        self._show_selected()

    def current(self) -> UserSummary | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def select(self, name: str) -> None:
        names = [u.name for u in self.model.rows]
        self.table.selectRow(names.index(name))

    def _show_selected(self) -> None:
        u = self.current()
        self.selected.setTitle(f"Selected user: {u.name}" if u else "Selected user: none (pick "
                               "one in the list)")
        may = self.ctx.can(Action.ADMIN) and u is not None
        for w in (self.reset_password, self.reset_again, self.reset_button):
            w.setEnabled(may)
        self.reason.setEnabled(may and bool(u and u.active))
        self.deactivate_button.setEnabled(may and bool(u and u.active))
        self.reactivate_button.setEnabled(may and bool(u and not u.active))

    # --- the changes ------------------------------------------------------------------------

    def _done(self, message: str, select: str) -> None:
        self.error.hide()
        clear_marks({**self.fields, "reset": self.reset_password, "reason": self.reason})
        self.status.setText(message)
        self.load(select)

    def _failed(self, exc: WardError, fields: dict) -> None:
        self.status.clear()
        show_error(self.error, exc, fields)

    def add(self) -> None:
        name, role = self.new_name.text().strip(), str(self.role.currentData())
        full = self.full_name.text().strip() or None
        try:
            password = confirmed_password(self.new_password.text(), self.new_again.text())
            self.ops.run(lambda: add_user(self.ctx, name, role, password, full_name=full))
        except WardError as exc:
            if getattr(exc, "field", None) in ("password", "password_again"):
                self.new_password.clear()
                self.new_again.clear()
            self._failed(exc, self.fields)
            return
        for box in (self.new_name, self.full_name, self.new_password, self.new_again):
            box.clear()
        self._done(f"Added {name} ({ROLE_WORDS.get(role, role)}). They log in with the password "
                   "you gave them.", name)

    def reset(self) -> None:
        u = self.current()
        if u is None:
            return
        fields = {"password": self.reset_password, "password_again": self.reset_again}
        try:
            password = confirmed_password(self.reset_password.text(), self.reset_again.text())
            self.ops.run(lambda: reset_password(self.ctx, u.name, password))
        except WardError as exc:
            self.reset_password.clear()
            self.reset_again.clear()
            self._failed(exc, fields)
            return
        self.reset_password.clear()
        self.reset_again.clear()
        self._done(f"New password set for {u.name}; the account is unlocked.", u.name)

    def deactivate(self) -> None:
        u = self.current()
        if u is None:
            return
        reason = self.reason.text()
        try:
            self.ops.run(lambda: deactivate_user(self.ctx, u.name, reason))
        except WardError as exc:
            self._failed(exc, {"reason": self.reason})
            return
        self.reason.clear()
        self._done(f"{u.name} is deactivated: they can no longer log in or witness.", u.name)

    def reactivate(self) -> None:
        u = self.current()
        if u is None:
            return
        try:
            self.ops.run(lambda: reactivate_user(self.ctx, u.name))
        except WardError as exc:
            self._failed(exc, {})
            return
        self._done(f"{u.name} is active again.", u.name)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # Enter in a box runs that box's own button, never the Close button
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focus = self.focusWidget()
            if focus in (self.new_name, self.full_name, self.new_password, self.new_again):
                self.add()
                return
            if focus in (self.reset_password, self.reset_again):
                self.reset()
                return
            if focus is self.reason:
                self.deactivate()
                return
        super().keyPressEvent(event)
