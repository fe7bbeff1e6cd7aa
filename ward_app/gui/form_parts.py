"""Pieces every form dialog has: the problem line and the Save/Cancel buttons."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QWidget


def problem_label(parent: QWidget, name: str) -> QLabel:
    """The line that says why a form was refused, in dark red; hidden until there is one."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet("color: #9b1c1c; font-weight: bold;")
    label.setAccessibleName("Problem")
    label.hide()
    return label


def show_problem(label: QLabel, message: str) -> None:
    label.setText(f"⚠ {message}")
    label.show()


def accept_cancel(dialog: QDialog, text: str, on_accept: Callable[[], object]
                  ) -> tuple[QDialogButtonBox, QPushButton]:
    """``text`` (the default button, Enter) runs ``on_accept``; Cancel (Esc) closes the dialog."""
    buttons = QDialogButtonBox(dialog)
    ok = buttons.addButton(text, QDialogButtonBox.ButtonRole.AcceptRole)
    ok.setDefault(True)
    buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(on_accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok
