"""Starting the window: the QApplication, opening the database, and refusing clearly when it can't."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from ward_app.domain.clock import parse_moment
from ward_app.domain.errors import WardError
from ward_app.resources import resource_path
from ward_app.services.context import Context, open_context
from ward_app.services.entry_time import check_act_time


def application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("ward_app")
    app.setOrganizationName("ward_app")
    app.setDesktopFileName("org.wardapp.ward_app")  # = the .desktop file (Wayland)
    app.setWindowIcon(QIcon(str(resource_path("icons/ward-app.svg"))))
    return app


def open_ward(path: Path, user: str | None, now_text: str | None) -> Context:
    """Open without the integrity check (seconds on years of data): the window runs the full check
    in the background once it is shown (MainWindow.check_in_background)."""
    ctx = open_context(path, user=user, check_integrity="none")
    if now_text:
        fixed = parse_moment(now_text, ctx.zone, "now")
        try:
            check_act_time(ctx, fixed, "now")  # a live ward is not run ahead of the clock
        except BaseException:
            ctx.close()
            raise
        ctx.clock = lambda: fixed
    return ctx


def offer_restore(path: Path, exc: WardError) -> bool:
    """Say why the database cannot be opened; when it is damaged and a backup exists, offer to
    put the latest backup back (the damaged file is kept aside). True when it was restored."""
    from ward_app.services.backups import latest_backup, restore

    latest = latest_backup(path) if getattr(exc, "damaged", False) else None
    box = QMessageBox(QMessageBox.Icon.Critical, "The ward database cannot be opened", str(exc))
    restore_button = None
    if latest is not None:
        box.setInformativeText("Restore only when the app is closed on every other workstation. "
                               "The damaged file is kept, not deleted.")
        restore_button = box.addButton(f"Restore the latest backup ({latest.made:%d %b %H:%M} "
                                       "UTC)", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.exec()
    if restore_button is None or box.clickedButton() is not restore_button:
        return False
    try:
        aside = restore(path, latest.path)  # type: ignore[union-attr]
    except WardError as failed:
        QMessageBox.critical(None, "Not restored", str(failed))
        return False
    QMessageBox.information(None, "Backup restored", f"The backup is back in place. The damaged "
                            f"file is kept at {aside}. Anything recorded after the backup was made "
                            "must be entered again.")
    return True


def first_start(path: Path, now_text: str | None) -> str | None:
    """A new ward's first start: ask for the ward and its administrator and make them (see
    ``FirstStartDialog``); the administrator's name once made, None when cancelled (nothing
    written)."""
    from ward_app.gui.first_start_dialog import FirstStartDialog

    dialog = FirstStartDialog(path, now_text=now_text)
    if dialog.exec() != FirstStartDialog.DialogCode.Accepted or dialog.created is None:
        return None
    return dialog.admin_name


def ready_note(admin: str) -> str:
    """What the log-in says right after a first start."""
    return (f"The ward is ready. Log in as {admin} with the password you just chose; then add "
            "the ward's users (File → Users…).")


def start_session(path: Path, *, user: str | None = None, now_text: str | None = None,
                  demo_hint: str | None = None) -> tuple[Context | None, int]:
    """Open the ward (on a new file, or one that holds no ward yet, make it first: ``first_start``)
    and log someone in: (the context with its acting user, 0), or (None, the exit code) when the
    database cannot be opened or the log-in (or the first start) was cancelled."""
    from ward_app.gui.login_dialog import LoginDialog
    from ward_app.services import people
    from ward_app.services.admin import new_ward_file

    note = demo_hint
    if new_ward_file(path):
        admin = first_start(path, now_text)
        if admin is None:
            return None, 0
        user, note = admin, ready_note(admin)
    try:
        ctx = open_ward(path, None, now_text)
    except WardError as exc:
        if not offer_restore(path, exc):
            return None, exc.exit_code
        try:
            ctx = open_ward(path, None, now_text)
        except WardError as again:
            QMessageBox.critical(None, "The ward database cannot be opened", str(again))
            return None, again.exit_code
    wards = people.wards(ctx.db)
    if not wards:  # a database file that holds no ward (an interrupted set-up): make it now
        ctx.close()
        admin = first_start(path, now_text)
        if admin is None:
            return None, 0
        return start_session(path, user=admin, now_text=now_text, demo_hint=ready_note(admin))
    login = LoginDialog(ctx, ward=wards[0].name, demo_hint=note)
    if user:
        login.name.setText(user)
        login.password.setFocus()
    if login.exec() != LoginDialog.DialogCode.Accepted or login.actor is None:
        ctx.close()
        return None, 0
    return ctx, 0


def run_gui(path: Path, *, user: str | None = None, now_text: str | None = None,
            demo_hint: str | None = None) -> int:
    """Open the ward (a new one's first start asks for the ward and its administrator), ask who
    is logging in, then show the window (0 when closed normally)."""
    import os

    os.umask(0o077)  # a belt: whatever the window writes is its user's alone
    from ward_app.gui.main_window import MainWindow

    app = application()
    ctx, code = start_session(path, user=user, now_text=now_text, demo_hint=demo_hint)
    if ctx is None:
        return code
    window = MainWindow(ctx, drill=now_text is not None)
    window.show()
    QTimer.singleShot(2_000, window.start_background_work)
    try:
        return app.exec()
    finally:
        ctx.close()
