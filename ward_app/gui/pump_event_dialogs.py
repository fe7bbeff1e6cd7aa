"""Pump dialogs for issue 18 (clinical-rules §10): resolving a critical or ERI alarm (the action
taken and the ITB team's contact), and recording a pump event (an MRI scan, hyperbaric treatment or
an interrogation of the pump with its programmer)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
)

from ward_app.domain.errors import WardError
from ward_app.domain.patient import Patient
from ward_app.domain.pump import ALARM_LABELS, EVENT_LABELS, NEEDS_ITB_ACTION, EventKind, PumpAlarm
from ward_app.gui.form_parts import accept_cancel, problem_label, show_error
from ward_app.gui.ops import Ops, runner
from ward_app.services import pumps as svc
from ward_app.services.context import Context


def resolvable(alarms: Sequence[PumpAlarm]) -> list[PumpAlarm]:
    """The active alarms a recorded action resolves (a low-reservoir one is resolved by the refill)."""
    return [a for a in alarms if a.kind in NEEDS_ITB_ACTION]


class ResolveAlarmDialog(QDialog):
    """Record how a critical or ERI alarm was dealt with, naming the ITB team's contact."""

    def __init__(self, ctx: Context, patient: Patient, alarms: Sequence[PumpAlarm], parent=None, *,
                 ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.patient = patient
        self.setWindowTitle(f"Resolve pump alarm — {patient.name}")
        self.setAccessibleName("Resolve pump alarm")
        self.alarm = QComboBox(self)
        self.alarm.setAccessibleName("Alarm")
        for a in alarms:
            self.alarm.addItem(f"{ALARM_LABELS[a.kind]} — heard "
                               f"{a.heard_at.astimezone(ctx.zone):%d %b %H:%M} by {a.by}", a.id)
        self.action = QLineEdit(self)
        self.action.setAccessibleName("Action taken")
        self.action.setPlaceholderText("e.g. pump interrogated, motor restarted; replacement booked")
        self.itb_contact = QLineEdit(self)
        self.itb_contact.setAccessibleName("ITB team contact")
        self.itb_contact.setPlaceholderText("who in the ITB team was told or acted")
        form = QFormLayout()
        form.addRow("A&larm:", self.alarm)
        form.addRow("&Action taken:", self.action)
        form.addRow("&ITB team contact:", self.itb_contact)
        self.error = problem_label(self, "dialogError")
        buttons, _ok = accept_cancel(self, "&Record resolution", self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>Bed {patient.bed} · {patient.name}</b>: a critical or ERI "
                                "alarm stays an alert until the action and the ITB team's "
                                "contact are recorded here.", self))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def submit(self) -> None:
        try:
            alarm_id, action, contact = (self.alarm.currentData(), self.action.text(),
                                         self.itb_contact.text())
            if alarm_id is None:
                return
            self.ops.run(lambda: svc.resolve_alarm(self.ctx, self.patient.id, alarm_id, action,
                                                   contact))
        except WardError as exc:
            show_error(self.error, exc, {"alarm": self.alarm, "action": self.action,
                                         "itb-team": self.itb_contact})
            return
        self.accept()


class PumpEventDialog(QDialog):
    """Record an MRI scan, hyperbaric treatment or pump interrogation."""

    def __init__(self, ctx: Context, patient: Patient, parent=None, *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.patient = patient
        self.setWindowTitle(f"Pump event — {patient.name}")
        self.setAccessibleName("Pump event")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>Bed {patient.bed} · {patient.name}</b>: what happened?", self))
        group = QButtonGroup(self)
        self.kinds: dict[EventKind, QRadioButton] = {}
        for kind, label in EVENT_LABELS.items():
            button = QRadioButton(label, self)
            group.addButton(button)
            self.kinds[kind] = button
            layout.addWidget(button)
        self.kinds[EventKind.MRI].setChecked(True)
        explain = QLabel("After an MRI scan or hyperbaric treatment the pump may have stopped and "
                         "not restarted: an URGENT pump check stays until an interrogation is "
                         "recorded.", self)
        explain.setWordWrap(True)
        layout.addWidget(explain)
        self.note = QLineEdit(self)
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("What was done, by whom")
        layout.addWidget(self.note)
        self.error = problem_label(self, "dialogError")
        layout.addWidget(self.error)
        buttons, _ok = accept_cancel(self, "&Record event", self.submit)
        layout.addWidget(buttons)

    def kind(self) -> EventKind:
        return next(k for k, b in self.kinds.items() if b.isChecked())

    def submit(self) -> None:
        try:
            kind, note = self.kind(), self.note.text()
            self.ops.run(lambda: svc.record_event(self.ctx, self.patient.id, kind, note))
        except WardError as exc:
            show_error(self.error, exc, {"note": self.note})
            return
        self.accept()
