"""The pump panel on a patient's chart: the countdown a nurse reads at a glance (days to alarm,
refill-by date, empty date, battery), active alarms, each alarm with its resolution, pump events,
the refill history, and the buttons to record a refill, an alarm heard, an alarm resolved, a pump
event, or the pump's details."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ward_app.domain.pump import ALARM_LABELS, EVENT_LABELS, Refill
from ward_app.gui.looks import INK
from ward_app.gui.ops import Ops, runner
from ward_app.gui.pump_dialogs import AlarmDialog, PumpDetailsDialog, RefillDialog
from ward_app.gui.pump_event_dialogs import PumpEventDialog, ResolveAlarmDialog, resolvable
from ward_app.gui.rows_model import Column, RowsModel
from ward_app.gui.tables import table_view
from ward_app.services import pumps as svc
from ward_app.services.context import Context


def refill_columns(zone: tzinfo) -> list[Column[Refill]]:
    return [
        Column("Refilled", lambda r: r.refilled_at.astimezone(zone).strftime("%a %d %b %Y %H:%M")),
        Column("Volume", lambda r: f"{r.volume_ml:g} mL"),
        Column("Concentration", lambda r: f"{r.conc_mcg_ml:g} mcg/mL"),
        Column("Daily dose", lambda r: f"{r.daily_mcg:g} mcg/day"),
        Column("Alarm at", lambda r: f"{r.alarm_ml:g} mL"),
        Column("By", lambda r: r.by),
        Column("Witness", lambda r: r.witness),
        Column("Next booked", lambda r: (r.next_refill_booked.strftime("%d %b %Y")
                                         if r.next_refill_booked else "")),
        Column("Drawn out", lambda r: "" if r.withdrawn_ml is None else f"{r.withdrawn_ml:g} mL"),
        Column("Ampoule", lambda r: r.ampoule),
    ]


REFILL_COLUMNS = tuple(c.title for c in refill_columns(UTC))


class RefillHistoryModel(RowsModel[Refill]):
    def __init__(self, zone: tzinfo, parent=None):
        super().__init__(refill_columns(zone), (), parent, key=lambda r: r.id)


def alarm_columns(zone: tzinfo) -> list[Column[svc.AlarmLine]]:
    return [
        Column("Heard", lambda a: a.alarm.heard_at.astimezone(zone).strftime("%a %d %b %Y %H:%M")),
        Column("Alarm", lambda a: ALARM_LABELS[a.alarm.kind]),
        Column("Heard by", lambda a: a.alarm.by),
        Column("Resolved", lambda a: (a.resolved_at.astimezone(zone).strftime("%a %d %b %H:%M")
                                      if a.resolved_at else "NOT YET")),
        Column("How (action, ITB contact, who)", lambda a: a.resolution or ""),
    ]


class AlarmHistoryModel(RowsModel[svc.AlarmLine]):
    def __init__(self, zone: tzinfo, parent=None):
        super().__init__(alarm_columns(zone), (), parent, key=lambda a: a.alarm.id)


def _tile(parent: QWidget, title: str) -> tuple[QFrame, QLabel]:
    frame = QFrame(parent)
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    frame.setObjectName("pumpTile")
    box = QVBoxLayout(frame)
    caption = QLabel(title, frame)
    value = QLabel(frame)
    value.setTextFormat(Qt.TextFormat.RichText)
    value.setAccessibleName(title)
    box.addWidget(caption)
    box.addWidget(value)
    return frame, value


class PumpPanel(QWidget):
    """``changed`` is emitted after a refill, an alarm or a pump change is recorded."""

    changed = Signal()

    def __init__(self, ctx: Context, parent=None, *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.patient = None
        self.view: svc.PumpView | None = None
        self.summary = QLabel(self)
        self.summary.setObjectName("pumpSummary")
        self.summary.setWordWrap(True)
        tiles = QGridLayout()
        self.tiles: dict[str, QLabel] = {}
        for i, (key, title) in enumerate((("alarm", "Days to low-reservoir alarm"),
                                          ("refill_by", "Refill by"), ("empty", "Empty on"),
                                          ("eri", "Battery (ERI / end of service)"))):
            frame, value = _tile(self, title)
            self.tiles[key] = value
            tiles.addWidget(frame, 0, i)
        self.alarms = QLabel(self)
        self.alarms.setObjectName("pumpAlarms")
        self.alarms.setWordWrap(True)
        self.alarm_model = AlarmHistoryModel(ctx.zone, self)
        self.alarm_history = table_view(self, self.alarm_model, name="alarmHistory",
                                        accessible_name="Alarm history")
        self.events = QLabel(self)
        self.events.setObjectName("pumpEvents")
        self.events.setWordWrap(True)
        self.history_model = RefillHistoryModel(ctx.zone, self)
        self.history = table_view(self, self.history_model, name="refillHistory",
                                  accessible_name="Refill history")
        self.refill_button = QPushButton("Record re&fill…", self)
        self.refill_button.clicked.connect(self.record_refill)
        self.alarm_button = QPushButton("Pump &alarm heard…", self)
        self.alarm_button.clicked.connect(self.record_alarm)
        self.resolve_button = QPushButton("Re&solve alarm…", self)
        self.resolve_button.setToolTip("A critical or ERI alarm: record the action taken and the "
                                       "ITB team's contact")
        self.resolve_button.clicked.connect(self.resolve_alarm)
        self.event_button = QPushButton("Pump e&vent…", self)
        self.event_button.setToolTip("An MRI scan, hyperbaric treatment, or a pump interrogation")
        self.event_button.clicked.connect(self.record_event)
        self.details_button = QPushButton("Pump detai&ls…", self)
        self.details_button.clicked.connect(self.edit_details)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refill_button)
        buttons.addWidget(self.alarm_button)
        buttons.addWidget(self.resolve_button)
        buttons.addWidget(self.event_button)
        buttons.addStretch(1)
        buttons.addWidget(self.details_button)
        note = QLabel("Dates are calculated from the last refill (volume, concentration, daily "
                      "dose): they are not read from the pump. Check the pump with its programmer "
                      "if in doubt.", self)
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(tiles)
        layout.addWidget(self.alarms)
        layout.addLayout(buttons)
        layout.addWidget(self.events)
        layout.addWidget(QLabel("<b>Alarms and how each was resolved</b> (newest first)", self))
        layout.addWidget(self.alarm_history, 1)
        layout.addWidget(QLabel("<b>Refill history</b> (newest first)", self))
        layout.addWidget(self.history, 2)
        layout.addWidget(note)

    def refresh(self, patient, now: datetime) -> None:
        self.patient = patient
        self.view = view = svc.pump_view(self.ctx, patient, now)
        zone = self.ctx.zone
        self.refill_button.setEnabled(view is not None)
        self.alarm_button.setEnabled(view is not None)
        self.resolve_button.setEnabled(view is not None and bool(resolvable(view.alarms)))
        self.event_button.setEnabled(view is not None)
        if view is None:
            self.summary.setText("No pump is recorded for this patient. Use Pump details to record "
                                 "it (model, reservoir, ERI).")
            for label in self.tiles.values():
                label.setText("—")
            self.alarms.setText("")
            self.events.setText("")
            self.alarm_model.set_rows([])
            self.history_model.set_rows([])
            return
        p = view.pump
        self.summary.setText(f"<b>{p.model or 'Pump'}</b> {p.serial or ''} · reservoir "
                             f"{p.reservoir_ml or '?'} mL · alarm at {p.alarm_ml:g} mL"
                             + (f" · implanted {p.implant_date:%d %b %Y}" if p.implant_date else ""))
        d = view.dates
        if d is None or view.alarm_in_days is None or view.refill_in_days is None:
            for key in ("alarm", "refill_by", "empty"):
                self.tiles[key].setText("no refill recorded")
        else:
            left, to_refill = view.alarm_in_days, view.refill_in_days
            self._paint("alarm", f"{max(left, 0):.0f} days" if left > 0 else "ALARM DATE PASSED",
                        f"{d.alarm_at.astimezone(zone):%a %d %b %Y}", 3 if view.alarm_soon else 0)
            self._paint("refill_by", f"{d.refill_by:%a %d %b}",
                        f"{'in ' + str(to_refill) + ' days' if to_refill >= 0 else 'OVERDUE'} · "
                        f"{d.refill_by_reason}", 2 if view.refill_soon else 0)
            self._paint("empty", "EMPTY" if view.empty else f"{d.empty_at.astimezone(zone):%a %d %b}",
                        f"{d.empty_at.astimezone(zone):%d %b %Y %H:%M}", 3 if view.empty else 0)
        if view.eri is None:
            self._paint("eri", "not recorded", "record ERI in Pump details", 0)
        else:
            self._paint("eri", "PAST ERI" if view.past_eri else f"ERI {view.eri:%d %b %Y}",
                        f"end of service about {view.end_of_service:%d %b %Y}",
                        2 if view.past_eri else 0)
        if view.alarms:
            items = "".join(f"<li><b>{ALARM_LABELS[a.kind]}</b> heard "
                            f"{a.heard_at.astimezone(zone):%d %b %H:%M} by {a.by}"
                            f"{': ' + a.note if a.note else ''}</li>" for a in view.alarms)
            self.alarms.setText(f"<span style='color:#9b1c1c'><b>⚠ Alarm not yet dealt with:</b>"
                                f"</span><ul style='margin:0'>{items}</ul>")
        else:
            self.alarms.setText("No pump alarm outstanding.")
        self.events.setText("<b>Pump events:</b> " + "; ".join(
            f"{EVENT_LABELS[e.kind]} {e.at.astimezone(zone):%d %b %H:%M} ({e.by}"
            f"{': ' + e.note if e.note else ''})" for e in view.events[:5])
            if view.events else "")
        self.alarm_model.set_rows(view.alarm_history)
        self.history_model.set_rows(view.refills)

    def _paint(self, key: str, big: str, small: str, level: int) -> None:
        colour = {0: "", 2: "background:#fdc98a;", 3: "background:#f59a9a;"}[level]
        self.tiles[key].setText(f"<div style='{colour} color:{INK.name()}; padding:4px'>"
                                f"<span style='font-size:15pt'><b>{big}</b></span><br>{small}</div>")

    def _run(self, dialog) -> None:
        if dialog.exec() == dialog.DialogCode.Accepted:
            self.changed.emit()

    def record_refill(self) -> None:
        if self.view is not None and self.patient is not None:
            last = self.view.refills[0] if self.view.refills else None
            self._run(RefillDialog(self.ctx, self.patient, self.view.pump, self, last=last,
                                   ops=self.ops))

    def record_alarm(self) -> None:
        if self.patient is not None:
            self._run(AlarmDialog(self.ctx, self.patient, self, ops=self.ops))

    def resolve_alarm(self) -> None:
        if self.view is not None and self.patient is not None:
            alarms = resolvable(self.view.alarms)
            if alarms:
                self._run(ResolveAlarmDialog(self.ctx, self.patient, alarms, self, ops=self.ops))

    def record_event(self) -> None:
        if self.patient is not None:
            self._run(PumpEventDialog(self.ctx, self.patient, self, ops=self.ops))

    def edit_details(self) -> None:
        if self.patient is not None:
            self._run(PumpDetailsDialog(self.ctx, self.patient,
                                        self.view.pump if self.view else None, self, ops=self.ops))
