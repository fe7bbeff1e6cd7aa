"""Run in its own process on an offscreen 1280×800 screen (test_fits_small_screen.py): open the
main window and every dialog a ward uses on the demo ward, and print, as JSON, each window's
buttons and status bar that fall outside the screen's free area."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QStatusBar, QWidget


def outside(widget: QWidget, screen: QRect) -> list[str]:
    """The visible buttons (and status bar) of ``widget`` not wholly on ``screen``."""
    found = []
    for child in widget.findChildren(QWidget):
        if not isinstance(child, (QAbstractButton, QStatusBar)) or not child.isVisibleTo(widget):
            continue
        if type(child).__name__ == "QToolButton" or not child.isVisible():
            continue  # a scroll bar's or tab bar's own arrows; hidden behind a tab
        top_left = child.mapToGlobal(child.rect().topLeft())
        rect = QRect(top_left, child.size())
        if not screen.contains(rect):
            label = child.text() if isinstance(child, QAbstractButton) else "status bar"
            found.append(f"{label or type(child).__name__} at {rect.x()},{rect.y()} "
                         f"{rect.width()}×{rect.height()}")
    return found


def main(db: str, now_iso: str) -> None:
    from ward_app.gui.app import application
    from ward_app.services.context import open_context

    app = application()
    fixed = datetime.fromisoformat(now_iso)
    ctx = open_context(Path(db), clock=lambda: fixed, user="nurse.jones")
    screen = app.primaryScreen().availableGeometry()

    from ward_app.gui.admission_dialogs import (
        AdmitDialog,
        DischargedDialog,
        DischargeDialog,
        TransferDialog,
    )
    from ward_app.gui.audit_dialog import AuditDialog
    from ward_app.gui.due_now import DueNowDialog
    from ward_app.gui.first_start_dialog import FirstStartDialog
    from ward_app.gui.handover_dialog import HandoverDialog
    from ward_app.gui.legend import LegendDialog
    from ward_app.gui.main_window import MainWindow
    from ward_app.gui.observation_dialog import ObservationDialog
    from ward_app.gui.order_dialog import OrderDialog, StopOrderDialog
    from ward_app.gui.patient_details_dialog import PatientDetailsDialog
    from ward_app.gui.pump_dialogs import AlarmDialog, PumpDetailsDialog, RefillDialog
    from ward_app.gui.pump_event_dialogs import PumpEventDialog, ResolveAlarmDialog
    from ward_app.gui.record_dialog import RecordDoseDialog
    from ward_app.gui.settings_dialog import SettingsDialog
    from ward_app.gui.sync_status import WardServerDialog
    from ward_app.gui.takeover_dialog import TakeOverDialog
    from ward_app.gui.taper_dialog import TaperDialog
    from ward_app.gui.users_dialog import UsersDialog
    from ward_app.services.board import ward_board
    from ward_app.services.mar import mar_entries
    from ward_app.services.orders import order_in_force
    from ward_app.services.patients import find_by_mrn

    window = MainWindow(ctx)
    window.fit_to_screen()
    window.show()
    rows = ward_board(ctx)
    oral = next(r for r in rows if r.route == "oral")
    pumped = next(r for r in rows if r.route == "intrathecal")
    chart = window.open_chart(pumped.patient_id)
    oral_patient = find_by_mrn(ctx, oral.mrn)
    pump_patient = find_by_mrn(ctx, pumped.mrn)
    entry = next(e for e in mar_entries(ctx, oral_patient, fixed - timedelta(hours=12), fixed)
                 if not e.corrected)
    pump = chart.pump_panel.view.pump
    last = chart.pump_panel.view.refills[0] if chart.pump_panel.view.refills else None
    current = order_in_force(ctx, oral_patient.id)
    windows = {
        "main window": lambda: window,
        "patient chart": lambda: chart,
        "handover": lambda: HandoverDialog(ctx, window),
        "audit trail": lambda: AuditDialog(ctx, window),
        "settings": lambda: SettingsDialog(ctx, window),
        "due now": lambda: DueNowDialog(ctx, lambda item: None, window),
        "legend": lambda: LegendDialog(window, ctx.thresholds()),
        "taper": lambda: TaperDialog(ctx, oral_patient, window),
        "record dose": lambda: RecordDoseDialog(ctx, oral_patient, entry, window),
        "observations": lambda: ObservationDialog(ctx, oral_patient, window),
        "patient details": lambda: PatientDetailsDialog(ctx, oral_patient, window),
        "pump refill": lambda: RefillDialog(ctx, pump_patient, pump, window, last=last),
        "pump alarm": lambda: AlarmDialog(ctx, pump_patient, window),
        "pump details": lambda: PumpDetailsDialog(ctx, pump_patient, pump, window),
        "pump event": lambda: PumpEventDialog(ctx, pump_patient, window),
        "resolve pump alarm": lambda: ResolveAlarmDialog(ctx, pump_patient, [], window),
        "prescribe": lambda: OrderDialog(ctx, oral_patient, None, window),
        "change order": lambda: OrderDialog(ctx, oral_patient, current, window),
        "stop order": lambda: StopOrderDialog(ctx, oral_patient, current, window),
        "users": lambda: UsersDialog(ctx, window),
        "admit": lambda: AdmitDialog(ctx, window),
        "move bed": lambda: TransferDialog(ctx, oral_patient, window),
        "discharge": lambda: DischargeDialog(ctx, oral_patient, window),
        "discharged patients": lambda: DischargedDialog(ctx, lambda pid: None, window),
        "take over": lambda: TakeOverDialog(ctx, window),
        "ward server": lambda: WardServerDialog(window.sync, ctx.zone, window),
        "first start": lambda: FirstStartDialog(Path(db).with_name("new-ward.db"), window),
    }
    report: dict[str, list[str]] = {}
    for name, make in windows.items():
        widget = make()
        widget.show()
        for _ in range(5):
            app.processEvents()
        report[name] = outside(widget, screen)
        if widget is not window and widget is not chart:
            widget.close()
    print(json.dumps({"screen": [screen.width(), screen.height()], "outside": report}))
    ctx.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
