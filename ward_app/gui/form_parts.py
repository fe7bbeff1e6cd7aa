"""Pieces every form dialog has: the problem line and the Save/Cancel buttons.

A refusal names the field it is about (``InvalidInput.field``); each dialog says which of its
widgets shows that field, and ``show_error`` marks and focuses that widget."""

from __future__ import annotations

from collections.abc import Callable, Mapping

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


#: the dynamic property a widget with a refused value has (the style sheet draws it red)
PROBLEM = "problem"
_MARKED = "QWidget[problem=\"true\"] { border: 2px solid #9b1c1c; }"


def clear_marks(widgets: Mapping[str, QWidget]) -> None:
    for widget in widgets.values():
        if widget.property(PROBLEM):
            widget.setProperty(PROBLEM, False)
            widget.setStyleSheet("")


def show_error(label: QLabel, error: Exception, widgets: Mapping[str, QWidget], *,
               focus: bool = True) -> QWidget | None:
    """Show ``error`` on the problem line; when it names a field one of ``widgets`` shows, mark
    that widget (a red border, its accessible description says why) and put the focus on it
    (not with ``focus=False``: a live preview must not move the focus while the nurse types)."""
    clear_marks(widgets)
    show_problem(label, str(error))
    field = getattr(error, "field", None)
    widget = widgets.get(field) if isinstance(field, str) else None
    if widget is None:
        return None
    widget.setProperty(PROBLEM, True)
    widget.setStyleSheet(_MARKED)
    widget.setAccessibleDescription(str(error))
    if focus:
        widget.setFocus()
    return widget


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
