"""The alerts panel: every active alert on the ward, most severe first, with what to do."""

from __future__ import annotations

from datetime import UTC, tzinfo
from html import escape

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ward_app.domain.alerts import Alert, Severity, alert_title
from ward_app.domain.clinical_alerts import SIGN_RULES
from ward_app.domain.errors import WardError
from ward_app.domain.text import readable
from ward_app.gui.looks import INK, SEVERITY_BACKGROUND, SEVERITY_TEXT, severity_icon
from ward_app.gui.ops import Ops, runner
from ward_app.gui.pump_checklist import opens_checklist
from ward_app.gui.rows_model import Column, RowsModel, bold, for_all
from ward_app.gui.tables import table_view
from ward_app.services.alerts import acknowledge
from ward_app.services.requests import new_request_id

#: An acknowledged alert's text: greyed, on its severity's colour (its place does not change).
ACKNOWLEDGED_INK = QColor("#5a5a5a")


#: The advice column: before "Since" and "Seen" so a narrow screen shows it, wrapped.
WHAT_TO_DO = "What to do"


def alert_columns(zone: tzinfo) -> list[Column[Alert]]:
    """Severity in words and icon, the row coloured by severity, unseen urgent ones in bold, and
    the whole explanation as every cell's tooltip."""

    def since(a: Alert) -> str:
        return a.since.astimezone(zone).strftime("%d %b %H:%M")

    columns: list[Column[Alert]] = [
        Column("Severity", lambda a: SEVERITY_TEXT[a.severity], icon=lambda a: severity_icon(a.severity)),
        Column("Bed", lambda a: a.bed),
        Column("Patient", lambda a: a.name),  # the MRN is in the details and the tooltip
        Column("Alert", lambda a: alert_title(a.rule)),
        Column(WHAT_TO_DO, lambda a: a.message),
        Column("Since", since),
        Column("Seen", lambda a: f"✓ {a.acknowledged_by}" if a.acknowledged else "NEW"),
    ]
    return for_all(
        columns, background=lambda a: SEVERITY_BACKGROUND[a.severity],
        foreground=lambda a: ACKNOWLEDGED_INK if a.acknowledged else INK,  # seen: greyed
        font=lambda a: bold() if not a.acknowledged and a.severity >= Severity.URGENT else None,
        tooltip=lambda a: explain(a, zone, html=False))


ALERT_COLUMNS = tuple(c.title for c in alert_columns(UTC))


class AlertsModel(RowsModel[Alert]):
    def __init__(self, zone: tzinfo, alerts: list[Alert] | None = None, parent=None):
        super().__init__(alert_columns(zone), alerts or [], parent, key=lambda a: a.key)
        self._zone = zone

    def set_alerts(self, alerts: list[Alert]) -> None:
        self.set_rows(alerts)

    def alert_at(self, row: int) -> Alert:
        return self.row_at(row)


#: What each value an alert carries is called, in words (unknown keys: the key in words).
VALUE_LABELS = {
    "news2": "NEWS2 score", "complete": "Complete set", "scores": "Score per parameter",
    "missing": "Not recorded", "taken_at": "Taken", "due": "Due", "dose_mg": "Dose (mg)",
    "minutes_overdue": "Minutes overdue", "poss": "Sedation (POSS)", "rass": "RASS",
    "rr": "Respiratory rate (/min)", "hr": "Pulse (/min)", "sbp": "Systolic BP (mmHg)",
    "temp": "Temperature (°C)", "acvpu": "Consciousness (ACVPU)", "egfr": "eGFR",
    "dialysis": "On dialysis", "renal_impairment": "Renal impairment", "signs": "Signs",
    "drug": "Medicine", "drug_class": "Class", "atc": "ATC code", "daily_mg": "Daily dose (mg)",
    "limit_mg": "Maximum (mg/day)", "override_reason": "Prescriber's reason", "age": "Age",
    "baseline": "Baseline (Ashworth)", "mas": "Now (Ashworth)", "steps": "Steps up",
    "raised": "Raised one step", "route": "Route", "last_news2": "Last NEWS2",
}


def _label(key: str) -> str:
    return VALUE_LABELS.get(key, key.replace("_", " ").capitalize())


def explain(a: Alert, zone: tzinfo, *, html: bool = True) -> str:
    """Why an alert fired, what to do, who has seen it; the rule id and source in small print."""
    since = a.since.astimezone(zone).strftime("%d %b %Y %H:%M")
    why = [(_label(k), readable(v, zone)) for k, v in a.values.items()
           if v not in (None, "", [])]
    seen = "; ".join(
        f"Acknowledged by {k.by} at {k.at.astimezone(zone):%d %b %H:%M} ({k.severity.label})"
        + (f": {k.note}" if k.note else "") for k in a.acknowledgements) or (
        f"Acknowledged by {a.acknowledged_by}" + (f": {a.ack_note}" if a.ack_note else "")
        if a.acknowledged else "Not acknowledged yet")
    if a.acknowledgements and not a.acknowledged:
        seen += "; not acknowledged at its current severity"
    if not html:
        lines = "\n".join(f"  {k}: {v}" for k, v in why)
        return (f"{a.message}\n\nWhy:\n{lines}\nSince: {since}\n{seen}\n"
                f"Details: rule {a.rule}; {a.source}")
    rows = "".join(f"<tr><td><i>{escape(k)}</i></td><td>{escape(v)}</td></tr>" for k, v in why)
    return (f"<p><b>{SEVERITY_TEXT[a.severity]}</b> · bed {escape(a.bed)} · "
            f"{escape(a.name)} ({escape(a.mrn)}) · since {since}</p>"
            f"<p><b>What to do:</b> {escape(a.message)}</p>"
            f"<p><b>Why it fired:</b></p><table cellspacing='6'>{rows}</table>"
            f"<p><b>{escape(seen)}</b></p>"
            f"<p style='color:#555; font-size:small'>Details: rule {escape(a.rule)} · "
            f"{escape(a.source)}</p>")


class AlertsPanel(QWidget):
    """A table of alerts with the selected one explained; activating one asks to open that
    patient's chart; Acknowledge records that the acting user has seen it, with a note."""

    patient_requested = Signal(int)
    checklist_requested = Signal(int)  # a pump failure alert: open its checklist
    acknowledged = Signal()

    def __init__(self, zone: tzinfo, parent=None, *, ctx=None, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self) if ctx is not None else None
        self._ack_requests: dict[str, str] = {}  # alert key -> request id, until saved
        self.model = AlertsModel(zone, parent=self)
        self.summary = QLabel(self)
        self.summary.setAccessibleName("Alert summary")
        # one line per alert (more of them in sight); a long text ends in "…", the whole of it
        # is in the details beside the table and in the tooltip
        self.table = table_view(self, self.model, name="alertsTable", accessible_name="Active alerts",
                                sizing="once", word_wrap=False, stretch_last=False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.viewport().installEventFilter(self)
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)
        self.table.selectionModel().currentRowChanged.connect(self._show_current)

        self.detail = QTextBrowser(self)
        self.detail.setObjectName("alertDetail")
        self.detail.setAccessibleName("Why this alert fired")
        self.detail.setOpenLinks(False)
        self.ack_button = QPushButton("Ac&knowledge…", self)
        self.ack_button.setObjectName("ackButton")
        self.ack_button.setToolTip("Record that you have seen this alert, with a note (Ctrl+K)")
        self.ack_button.clicked.connect(self.acknowledge_current)
        self.ack_action = QAction("Ac&knowledge selected alert…", self)
        self.ack_action.setShortcut(QKeySequence("Ctrl+K"))
        self.ack_action.triggered.connect(self.acknowledge_current)
        self.addAction(self.ack_action)
        self.open_button = QPushButton("Open &chart", self)
        self.open_button.clicked.connect(lambda: self._activated(self.table.currentIndex()))
        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.detail, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.ack_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        side_layout.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(side)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 1)
        split.setSizes([800, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        self._show_current()

    def set_alerts(self, alerts: list[Alert]) -> None:
        keep = self.current_alert()
        self.model.set_alerts(alerts)
        self.table.resizeColumnsToContents()
        self.fit_what_to_do()
        if not alerts:
            self.summary.setText("No active alerts.")
        else:
            counts: dict[str, int] = {}
            for a in alerts:
                counts[SEVERITY_TEXT[a.severity]] = counts.get(SEVERITY_TEXT[a.severity], 0) + 1
            new = sum(not a.acknowledged for a in alerts)
            self.summary.setText("Active alerts: " + ", ".join(f"{n} {k}" for k, n in counts.items())
                                 + f" ({new} not yet acknowledged)")
        if keep is not None:
            for row, a in enumerate(alerts):
                if a.key == keep.key:
                    self.table.setCurrentIndex(self.model.index(row, 0))
                    break
        self._show_current()

    def fit_what_to_do(self) -> None:
        """"What to do" takes the width the columns before it leave, never under 300 px, and ends
        at the table's right edge when there is room ("Since" and "Seen" then follow, in sight on
        a wide screen, a scroll away on a narrow one); the patient and alert names give way first
        (to 150 and 180 px, ending in "…"): on a 1280×800 screen the advice is in sight."""
        header = self.table.horizontalHeader()
        advice = ALERT_COLUMNS.index(WHAT_TO_DO)
        room = self.table.viewport().width()
        after = sum(header.sectionSize(c) for c in range(advice + 1, self.model.columnCount()))
        if room - sum(header.sectionSize(c) for c in range(advice)) - after >= 300:
            room -= after  # everything fits: "Since" and "Seen" in sight too
        for title, narrowest in (("Patient", 150), ("Alert", 180)):
            before = sum(header.sectionSize(c) for c in range(advice))
            if room - before >= 300:
                break
            column = ALERT_COLUMNS.index(title)
            header.resizeSection(column, max(narrowest, header.sectionSize(column)
                                             - (300 - (room - before))))
        before = sum(header.sectionSize(c) for c in range(advice))
        header.resizeSection(advice, max(room - before, 200))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_what_to_do()  # the window or the splitter changed the table's width
        return super().eventFilter(watched, event)

    def current_alert(self) -> Alert | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        return self.model.alert_at(index.row())

    def select_key(self, key: str) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.alert_at(row).key == key:
                self.table.setCurrentIndex(self.model.index(row, 0))
                return True
        return False

    def _show_current(self, *args) -> None:
        a = self.current_alert()
        if a is None:
            self.detail.setHtml("<p>Select an alert to see why it fired and what to do.</p>")
            self.ack_button.setEnabled(False)
            self.open_button.setEnabled(False)
            return
        self.detail.setHtml(explain(a, self.model._zone))
        self.ack_button.setEnabled(self.ctx is not None)
        self.open_button.setEnabled(True)

    def acknowledge_current(self) -> bool:
        a = self.current_alert()
        if a is None or self.ctx is None:
            return False
        needed = ("a note is needed: what you checked and whom you told" if a.rule in SIGN_RULES
                  else "note, optional")
        note, ok = QInputDialog.getText(
            self, "Acknowledge alert",
            f"{SEVERITY_TEXT[a.severity]} {alert_title(a.rule)} — bed {a.bed} {a.name}\n\n{a.message}\n\n"
            f"What have you done about it? ({needed})")
        if not ok:
            return False
        return self.acknowledge(a, note)

    def forget_requests(self) -> None:
        """Another user logged in: their acknowledgements are new requests, not retries."""
        self._ack_requests.clear()

    def acknowledge(self, a: Alert, note: str | None) -> bool:
        """Acknowledge ``a``; one request id per alert until it is saved, so trying again after a
        failure that had in fact saved it is recognised, not stored twice."""
        request = self._ack_requests.setdefault(a.key, new_request_id())
        try:
            assert self.ops is not None
            self.ops.run(lambda: acknowledge(self.ctx, a.id, note, client_id=request))
        except WardError as exc:
            QMessageBox.warning(self, "Not acknowledged", str(exc))
            return False
        self._ack_requests.pop(a.key, None)
        self.acknowledged.emit()
        return True

    def _activated(self, index) -> None:
        if index.isValid():
            alert = self.model.alert_at(index.row())
            self.patient_requested.emit(alert.patient_id)
            if opens_checklist(alert):
                self.checklist_requested.emit(alert.patient_id)
