"""What a form can be put away as and opened again from (issue 16: forms are never lost).

A parkable form (observations, a dose, a correction, a pump refill, alarm or details) has a
``form_kind``, a ``patient`` and two methods: ``form_state() -> dict`` (the fields as typed,
JSON-ready, never a password) and ``restore_state(dict)`` (typed back in). ``widget_values`` and
``set_widget_values`` do that for the usual widgets, by name."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from PySide6.QtCore import QDate, QDateTime
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)


@runtime_checkable
class Parkable(Protocol):
    form_kind: str

    def form_state(self) -> dict[str, Any]: ...

    def restore_state(self, state: dict[str, Any]) -> None: ...


def widget_values(widgets: dict[str, QWidget]) -> dict[str, Any]:
    """Each widget's value, JSON-ready: text, the chosen item's data (or its index when it has
    none), checked or not, a number, a date (ISO) or a moment (seconds since the epoch). A
    password box is never read."""
    out: dict[str, Any] = {}
    for name, w in widgets.items():
        if isinstance(w, QLineEdit):
            if w.echoMode() != QLineEdit.EchoMode.Normal:
                continue  # a password: typed again, never kept
            out[name] = w.text()
        elif isinstance(w, QComboBox):
            data = w.currentData()
            out[name] = {"data": data} if isinstance(data, str | int | float) else \
                {"index": w.currentIndex()}
        elif isinstance(w, QAbstractButton):
            out[name] = w.isChecked()
        elif isinstance(w, QSpinBox | QDoubleSpinBox):
            out[name] = w.value()
        elif isinstance(w, QDateEdit):
            out[name] = w.date().toString("yyyy-MM-dd")
        elif isinstance(w, QDateTimeEdit):
            out[name] = w.dateTime().toSecsSinceEpoch()
    return out


def set_widget_values(widgets: dict[str, QWidget], values: dict[str, Any]) -> None:
    """Type ``values`` (as ``widget_values`` gave them) back in; anything unknown or no longer
    offered (an item gone from a list) is left as the form opened it."""
    for name, value in values.items():
        w = widgets.get(name)
        if w is None:
            continue
        if isinstance(w, QLineEdit) and isinstance(value, str):
            if w.echoMode() == QLineEdit.EchoMode.Normal:
                w.setText(value)
        elif isinstance(w, QComboBox) and isinstance(value, dict):
            index = w.findData(value["data"]) if "data" in value else int(value.get("index", -1))
            if 0 <= index < w.count():
                w.setCurrentIndex(index)
        elif isinstance(w, QAbstractButton) and isinstance(value, bool):
            w.setChecked(value)
        elif isinstance(w, QSpinBox) and isinstance(value, int | float):
            w.setValue(int(value))
        elif isinstance(w, QDoubleSpinBox) and isinstance(value, int | float):
            w.setValue(float(value))
        elif isinstance(w, QDateEdit) and isinstance(value, str):
            day = QDate.fromString(value, "yyyy-MM-dd")
            if day.isValid():
                w.setDate(day)
        elif isinstance(w, QDateTimeEdit) and isinstance(value, int):
            w.setDateTime(QDateTime.fromSecsSinceEpoch(value, w.timeZone()))


__all__ = ["Parkable", "set_widget_values", "widget_values"]
