"""A form kept in the database (the window was closed or crashed since it was put away) opened
again against its patient: the chart opened, the form made as the chart makes it, then typed back
in (``restore_state``). Or, in words, why it cannot be: the patient left the ward, or the dose
was recorded meanwhile."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from PySide6.QtWidgets import QDialog

from ward_app.gui.mar_panel import OPEN_STATES
from ward_app.services.context import Context
from ward_app.services.mar import mar_entries
from ward_app.services.parked_forms import ParkedForm


class ChartOpener(Protocol):
    """The main window, as far as opening a form again needs it."""

    ctx: Context

    def open_chart(self, patient_id: int) -> Any: ...

NAMES = {"observations": "observations", "dose": "dose record", "refill": "pump refill",
         "pump_alarm": "pump alarm", "pump_details": "pump details"}


def reopen_form(window: ChartOpener, kept: ParkedForm) -> QDialog | str:
    """The dialog, filled in as it was left (not shown yet); or why not, in a sentence."""
    what = f"Your {NAMES.get(kept.kind, kept.kind)} form kept at " \
           f"{kept.parked_at.astimezone(window.ctx.zone):%H:%M}"
    chart = window.open_chart(kept.patient_id) if kept.patient_id is not None else None
    if chart is None:
        return f"{what} could not be opened again: the patient is no longer on the board."
    ctx, patient, ops = chart.ctx, chart.patient, chart.ops
    form: QDialog
    if kept.kind == "observations":
        from ward_app.gui.observation_dialog import ObservationDialog

        form = ObservationDialog(ctx, patient, chart, ops=ops)
    elif kept.kind == "dose":
        from ward_app.gui.record_dialog import RecordDoseDialog

        try:
            due = datetime.fromisoformat(str(kept.state.get("due")))
        except ValueError:
            return f"{what} could not be opened again: it does not say which dose."
        entry = next((e for e in mar_entries(ctx, patient, due - timedelta(hours=1),
                                             due + timedelta(hours=1))
                      if e.due == due and not e.corrected and e.state in OPEN_STATES), None)
        if entry is None:
            return f"{what} was not opened again: that dose has been recorded since."
        form = RecordDoseDialog(ctx, patient, entry, chart, ops=ops)
    elif kept.kind in ("refill", "pump_alarm", "pump_details"):
        from ward_app.gui.pump_dialogs import AlarmDialog, PumpDetailsDialog, RefillDialog

        view = chart.pump_panel.view
        if kept.kind == "pump_details":
            form = PumpDetailsDialog(ctx, patient, view.pump if view else None, chart, ops=ops)
        elif view is None:
            return f"{what} could not be opened again: the patient has no pump recorded now."
        elif kept.kind == "refill":
            last = view.refills[0] if view.refills else None
            form = RefillDialog(ctx, patient, view.pump, chart, last=last, ops=ops)
        else:
            form = AlarmDialog(ctx, patient, chart, ops=ops)
    else:
        return f"{what} could not be opened again: this version does not know that form."
    form.restore_state(kept.state)  # type: ignore[attr-defined]
    return form


__all__ = ["reopen_form"]
