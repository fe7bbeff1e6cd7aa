"""The pump panel, the witnessed refill dialog, the alarm dialog and the board's refill-by column,
offscreen, on a copy of the demo ward at NOW."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from tests import typed
from tests.conftest import acting, database_state
from tests.gui.test_patient_chart import drive_next_modal
from ward_app.domain.alerts import Severity
from ward_app.domain.pump import AlarmKind
from ward_app.gui.alarm import SilentSound
from ward_app.gui.pump_dialogs import AlarmDialog, RefillDialog
from ward_app.gui.pump_panel import REFILL_COLUMNS
from ward_app.gui.ward_board import REFILL_COLUMN
from ward_app.services.alerts import ward_alerts
from ward_app.services.demo import DEMO_PASSWORD
from ward_app.storage import audit

ACCEPTED = QDialog.DialogCode.Accepted


@pytest.fixture
def window_options() -> dict:
    return {"sound": SilentSound()}


def row_named(window, start):
    return next(r for r in window.overview.rows if r.name.startswith(start))


def test_board_shows_refill_by_highlighted_when_due(window):
    model = window.board.model
    rows = [model.row_at(i) for i in range(model.rowCount())]
    zoe = next(i for i, r in enumerate(rows) if r.name.startswith("Zoë"))
    text = model.index(zoe, REFILL_COLUMN).data()
    assert "REFILL NOW" in text  # ITB high risk: due within the week is raised to urgent
    assert model.index(zoe, REFILL_COLUMN).data(Qt.ItemDataRole.DecorationRole) is not None
    oral = next(i for i, r in enumerate(rows) if r.route == "oral")
    assert model.index(oral, REFILL_COLUMN).data() == ""


def test_pump_panel_countdown(window):
    chart = window.open_chart(row_named(window, "Zoë").patient_id)
    panel = chart.pump_panel
    assert chart.tabs.isTabVisible(chart.tabs.indexOf(panel))
    assert "9 days" in panel.tiles["alarm"].text() and "Fri 27 Nov" in panel.tiles["refill_by"].text()
    assert "alarm date − 7 days" in panel.tiles["refill_by"].text()
    assert panel.history_model.rowCount() >= 10
    oral = window.open_chart(row_named(window, "Margaret").patient_id)
    assert not oral.tabs.isTabVisible(oral.tabs.indexOf(oral.pump_panel))


def test_refill_dialog_needs_the_witness_password_and_keeps_what_was_typed(qtbot, window,
                                                                           demo_ward):
    chart = window.open_chart(row_named(window, "Zoë").patient_id)
    panel = chart.pump_panel
    d = RefillDialog(demo_ward, chart.patient, panel.view.pump, chart, last=panel.view.refills[0])
    qtbot.addWidget(d)
    assert d.daily.value() == 300 and d.volume.value() == 20 and d.conc.currentData() == 500
    assert "refill by" in d.preview.text() and "not read from the pump" in d.preview.text()
    before = database_state(demo_ward.path, but_logins=True)  # a wrong witness password is audited
    d.submit()  # no witness chosen
    assert d.result() != ACCEPTED and "witness" in d.error.text()
    d.witness.setCurrentIndex(d.witness.findData(typed.uid(demo_ward, "nurse.okafor")))
    qtbot.keyClicks(d.password, "not-the-password")
    d.submit()
    assert d.result() != ACCEPTED and "password" in d.error.text()
    assert d.password.text() == "" and d.volume.value() == 20
    assert database_state(demo_ward.path, but_logins=True) == before
    assert audit.entries(demo_ward.db, limit=1)[0]["action"] == "witness.failed"
    d.daily.setValue(400)
    assert "differs from the order" in d.preview.text()
    qtbot.keyClicks(d.password, DEMO_PASSWORD)
    d.submit()
    assert d.result() != ACCEPTED and "tick 'change the order too'" in d.error.text()
    assert "--" not in d.error.text()
    d.daily.setValue(300)
    qtbot.keyClicks(d.password, DEMO_PASSWORD)
    d.submit()
    assert d.result() == ACCEPTED and d.recorded is not None
    assert d.recorded.refill.witness == "nurse.okafor"
    assert not [a for a in ward_alerts(demo_ward) if a.rule == "pump.refill_due"
                and a.name.startswith("Zoë")]


def test_alarm_heard_from_the_panel_raises_an_emergency(qtbot, window, demo_ward):
    chart = window.open_chart(row_named(window, "Björn").patient_id)

    def pick(d: QDialog) -> None:
        assert isinstance(d, AlarmDialog)
        d.kinds[AlarmKind.CRITICAL].setChecked(True)
        d.note.setText("two-tone alarm at the bedside")
        qtbot.keyClick(d.note, Qt.Key.Key_Return)

    seen = drive_next_modal(pick)
    chart.pump_panel.record_alarm()
    assert seen and seen[0].result() == ACCEPTED
    assert "Alarm not yet dealt with" in chart.pump_panel.alarms.text()
    alarm = next(a for a in window.overview.alerts if a.rule == "pump.alarm")
    assert alarm.severity is Severity.EMERGENCY and alarm.name.startswith("Björn")
    assert window.banner.isVisible()


# --- issue 18 -------------------------------------------------------------------------------------


def test_refill_dialog_shows_the_expected_residual_and_a_discrepancy_before_saving(
        qtbot, window, demo_ward):
    """Zoë: 20 mL of 500 mcg/mL at 300 mcg/day, refilled 21 days ago: 12.6 mL due, 7.4 mL left;
    the limit is 14.5 % of 12.6 mL = 1.83 mL (clinical-rules §10)."""
    from ward_app.services.worklist import due_now

    chart = window.open_chart(row_named(window, "Zoë").patient_id)
    panel = chart.pump_panel
    d = RefillDialog(demo_ward, chart.patient, panel.view.pump, chart, last=panel.view.refills[0])
    qtbot.addWidget(d)
    assert "Expected left: 7.4 mL" in d.reconciliation.text()
    assert not d.withdrawn_known.isChecked() and not d.withdrawn.isEnabled()
    d.withdrawn_known.setChecked(True)
    d.withdrawn.setValue(7.4 + 1.8)
    assert "within" in d.reconciliation.text() and "⚠" not in d.reconciliation.text()
    d.withdrawn.setValue(5.0)
    assert "over-infusing" in d.reconciliation.text() and "URGENT" in d.reconciliation.text()
    assert "hourly" in d.preview.text() or "every 1 h" in d.preview.text()
    d.witness.setCurrentIndex(d.witness.findData(typed.uid(demo_ward, "nurse.okafor")))
    qtbot.keyClicks(d.password, DEMO_PASSWORD)
    d.submit()
    assert d.result() == ACCEPTED and d.recorded is not None
    assert d.recorded.refill.withdrawn_ml == 5.0 and d.recorded.reconciliation.discrepant
    found = [a for a in ward_alerts(demo_ward) if a.rule == "pump.volume_discrepancy"]
    # urgent, raised one level for an ITB high-risk patient
    assert found and found[0].name.startswith("Zoë") and found[0].severity >= Severity.URGENT
    due = [i for i in due_now(demo_ward) if i.kind == "post-refill check"]
    assert due and due[0].name.startswith("Zoë")
    panel.refresh(chart.patient, demo_ward.now())
    assert panel.history_model.index(0, REFILL_COLUMNS.index("Drawn out")).data() == "5 mL"


def _critical_alarm(qtbot, chart):
    def pick(d: QDialog) -> None:
        d.kinds[AlarmKind.CRITICAL].setChecked(True)
        qtbot.keyClick(d.note, Qt.Key.Key_Return)

    drive_next_modal(pick)
    chart.pump_panel.record_alarm()


def test_pump_details_edit_leaves_the_critical_alarm_and_resolve_needs_the_itb_contact(
        qtbot, window, demo_ward):
    from ward_app.gui.pump_dialogs import PumpDetailsDialog
    from ward_app.gui.pump_event_dialogs import ResolveAlarmDialog

    chart = window.open_chart(row_named(window, "Björn").patient_id)
    panel = chart.pump_panel
    assert not panel.resolve_button.isEnabled()
    _critical_alarm(qtbot, chart)
    assert panel.resolve_button.isEnabled()
    with acting(demo_ward, "charge.silva"):  # who may change the pump's details
        d = PumpDetailsDialog(demo_ward, chart.patient, panel.view.pump, chart)
        qtbot.addWidget(d)
        d.model.setText("SynchroMed II (typo fixed)")
        d.submit()
        assert d.result() == ACCEPTED, d.error.text()
    alarm = [a for a in ward_alerts(demo_ward) if a.rule == "pump.alarm"]
    assert alarm and alarm[0].severity is Severity.EMERGENCY  # still active

    seen = []

    def resolve(r: QDialog) -> None:
        assert isinstance(r, ResolveAlarmDialog)
        seen.append(r)
        r.action.setText("pump interrogated, motor restarted")
        r.submit()  # no ITB contact: refused, nothing written
        assert r.result() != ACCEPTED and "ITB team" in r.error.text()
        assert "--" not in r.error.text()
        r.itb_contact.setText("Dr Rao, ITB team")
        r.submit()

    drive_next_modal(resolve)
    panel.refresh(chart.patient, demo_ward.now())
    panel.resolve_alarm()
    assert seen and seen[0].result() == ACCEPTED
    assert not [a for a in ward_alerts(demo_ward) if a.rule == "pump.alarm"]
    model = panel.alarm_model
    assert model.rowCount() == 1 and "Dr Rao, ITB team" in model.index(0, 4).data()
    assert model.index(0, 3).data() != "NOT YET"
    assert not panel.resolve_button.isEnabled()


def test_pump_event_button_records_an_mri_and_an_interrogation(qtbot, window, demo_ward):
    from ward_app.domain.pump import EventKind
    from ward_app.gui.pump_event_dialogs import PumpEventDialog

    chart = window.open_chart(row_named(window, "Björn").patient_id)
    panel = chart.pump_panel

    def record(kind):
        def fill(d: QDialog) -> None:
            assert isinstance(d, PumpEventDialog)
            d.kinds[kind].setChecked(True)
            d.note.setText("by the ITB team")
            qtbot.keyClick(d.note, Qt.Key.Key_Return)
        drive_next_modal(fill)
        panel.record_event()

    record(EventKind.MRI)
    check = [a for a in window.overview.alerts if a.rule == "pump.check_due"]
    assert check and check[0].severity is Severity.URGENT
    panel.refresh(chart.patient, demo_ward.now())
    assert "MRI scan" in panel.events.text()
    record(EventKind.INTERROGATION)
    assert not [a for a in window.overview.alerts if a.rule == "pump.check_due"]


def test_the_refill_by_column_says_overdue_since(window):
    """Issue 18: once the refill-by date has passed, the board says since when it is overdue."""
    from dataclasses import replace
    from datetime import timedelta

    from ward_app.gui.ward_board import board_columns

    zoe = row_named(window, "Zoë")
    column = board_columns()[REFILL_COLUMN]
    assert "OVERDUE" not in column.text(zoe)
    late = replace(zoe, refill_overdue_since=zoe.refill_by + timedelta(days=1),
                   refill_severity=Severity.URGENT)
    assert column.text(late) == (f"{zoe.refill_by:%a %d %b} — OVERDUE since "
                                 f"{zoe.refill_by + timedelta(days=1):%a %d %b}")
