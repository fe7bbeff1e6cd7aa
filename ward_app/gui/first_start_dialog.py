"""A new ward's first start in the window: the ward's name, its time zone (the computer's by
default), drill or not, and the first administrator with a password typed twice (the same rules
as ``ward-app init``: no account is ever passwordless). Nothing is written until *Create ward*
succeeds, and then all of it at once (``services.admin.init_ward`` builds the file aside and
renames it into place): *Cancel* leaves no file behind."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import available_timezones

from PySide6.QtCore import Qt, QTimeZone
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from ward_app.domain.clock import parse_moment, ward_zone
from ward_app.domain.errors import InvalidInput, WardError
from ward_app.gui.form_parts import accept_cancel, problem_label, show_error
from ward_app.services.admin import confirmed_password, init_ward
from ward_app.services.context import default_entry_clock, system_clock
from ward_app.services.entry_time import refuse_ahead


def machine_time_zone() -> str:
    """This computer's IANA time zone, when it is one the app knows (else UTC)."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode(errors="replace")
    try:
        ward_zone(name)
    except InvalidInput:
        return "UTC"
    return name


class FirstStartDialog(QDialog):
    """``created`` is the ward's name and ``admin`` its administrator's once the ward is made."""

    def __init__(self, path: Path, parent=None, *, now_text: str | None = None):
        super().__init__(parent)
        self.path = Path(path)
        self.now_text = now_text
        self.created: str | None = None
        self.admin_name = "admin"
        self.setWindowTitle("ward_app — a new ward")
        self.setAccessibleName("New ward")
        self.setObjectName("firstStartDialog")
        intro = QLabel(f"<b>There is no ward in {self.path} yet.</b><br>Create it here: name the "
                       "ward, check its time zone, and choose the administrator's password "
                       "(at least 8 characters). The administrator then adds the ward's users "
                       "(File → Users…).", self)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.ward = QLineEdit(self)
        self.ward.setAccessibleName("Ward name")
        self.ward.setPlaceholderText("e.g. Ward 7")
        self.tz = QComboBox(self)
        self.tz.setEditable(True)
        self.tz.setAccessibleName("Ward time zone")
        self.tz.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.tz.addItems(sorted(available_timezones() | {"UTC"}))
        self.tz.setCurrentText(machine_time_zone())
        completer = QCompleter(self.tz.model(), self.tz)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.tz.setCompleter(completer)
        self.tz.setToolTip("Dose times are the ward's clock times in this zone. It cannot be "
                           "changed once doses, orders or observations are recorded.")
        self.drill = QCheckBox("A &drill (training) ward", self)
        self.drill.setAccessibleName("Drill ward")
        why = "Not real patients: the window and every sheet say DRILL, and it may be run ahead " \
            "of the clock."
        self.drill.setToolTip(why)
        drill_note = QLabel(why, self)
        drill_note.setWordWrap(True)
        drill_note.setEnabled(False)  # drawn as a quiet note
        self.admin = QLineEdit("admin", self)
        self.admin.setAccessibleName("Administrator's user name")
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Administrator's password")
        self.again = QLineEdit(self)
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setAccessibleName("Administrator's password again")
        form = QFormLayout()
        form.addRow("&Ward name:", self.ward)
        form.addRow("&Time zone:", self.tz)
        form.addRow("", self.drill)
        form.addRow("", drill_note)
        form.addRow("&Administrator:", self.admin)
        form.addRow("&Password:", self.password)
        form.addRow("Password a&gain:", self.again)
        self.error = problem_label(self, "firstStartError")
        buttons, self.create_button = accept_cancel(self, "&Create ward", self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.fields = {"ward": self.ward, "tz": self.tz, "name": self.admin,
                       "password": self.password, "password_again": self.again}
        self.setMinimumWidth(560)
        self.ward.setFocus()

    def submit(self) -> None:
        """Make the ward and its administrator, or say in one sentence what to change."""
        ward, tz, admin = self.ward.text(), self.tz.currentText().strip(), self.admin.text().strip()
        drill = self.drill.isChecked()
        try:
            password = confirmed_password(self.password.text(), self.again.text())
            clock = system_clock
            if self.now_text:  # ward-app --now … gui: the ward is made at that moment
                zone = ward_zone(tz)
                fixed = parse_moment(self.now_text, zone, "now")
                if not drill:  # a live ward is not run ahead of the clock
                    refuse_ahead(fixed, default_entry_clock(), zone, "now")
                clock = lambda: fixed  # noqa: E731
            ctx = init_ward(self.path, ward=ward, tz=tz, admin=admin, admin_password=password,
                            clock=clock, drill=drill)
        except WardError as exc:
            if getattr(exc, "field", None) in ("password", "password_again"):
                self.password.clear()
                self.again.clear()
            show_error(self.error, exc, self.fields)
            return
        ctx.close()
        self.password.clear()
        self.again.clear()
        self.created = " ".join(ward.split())
        self.admin_name = admin
        self.accept()
