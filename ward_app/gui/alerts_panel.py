"""The alerts panel: every active alert on the ward, most severe first, with what to do."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import QAbstractTableModel, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from ward_app.domain.alerts import Alert
from ward_app.gui.looks import INK, SEVERITY_BACKGROUND, SEVERITY_TEXT, severity_icon

ALERT_COLUMNS = ("Severity", "Bed", "Patient", "Alert", "Since", "What to do")


class AlertsModel(QAbstractTableModel):
    def __init__(self, zone: tzinfo, alerts: list[Alert] | None = None, parent=None):
        super().__init__(parent)
        self._zone = zone
        self._alerts: list[Alert] = list(alerts or [])

    def set_alerts(self, alerts: list[Alert]) -> None:
        self.beginResetModel()
        self._alerts = list(alerts)
        self.endResetModel()

    def alert_at(self, row: int) -> Alert:
        return self._alerts[row]

    def rowCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(self._alerts)

    def columnCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(ALERT_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(ALERT_COLUMNS):
                return ALERT_COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._alerts)):
            return None
        a = self._alerts[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            since = a.since.astimezone(self._zone).strftime("%d %b %H:%M")
            return (SEVERITY_TEXT[a.severity], a.bed, f"{a.name} ({a.mrn})", a.rule, since,
                    a.message)[col]
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return severity_icon(a.severity)
        if role == Qt.ItemDataRole.BackgroundRole:
            return SEVERITY_BACKGROUND[a.severity]
        if role == Qt.ItemDataRole.ForegroundRole:
            return INK
        if role == Qt.ItemDataRole.ToolTipRole:
            values = "\n".join(f"{k}: {v}" for k, v in a.values.items())
            return f"{a.message}\n\nWhy: {values}\nSource: {a.source}"
        return None


class AlertsPanel(QWidget):
    """A table of alerts; activating one asks to open that patient's chart."""

    patient_requested = Signal(int)

    def __init__(self, zone: tzinfo, parent=None):
        super().__init__(parent)
        self.model = AlertsModel(zone, parent=self)
        self.summary = QLabel(self)
        self.summary.setAccessibleName("Alert summary")
        self.table = QTableView(self)
        self.table.setObjectName("alertsTable")
        self.table.setAccessibleName("Active alerts")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    def set_alerts(self, alerts: list[Alert]) -> None:
        self.model.set_alerts(alerts)
        if not alerts:
            self.summary.setText("No active alerts.")
        else:
            counts: dict[str, int] = {}
            for a in alerts:
                counts[SEVERITY_TEXT[a.severity]] = counts.get(SEVERITY_TEXT[a.severity], 0) + 1
            self.summary.setText("Active alerts: " + ", ".join(f"{n} {k}" for k, n in counts.items()))

    def _activated(self, index) -> None:
        if index.isValid():
            self.patient_requested.emit(self.model.alert_at(index.row()).patient_id)
