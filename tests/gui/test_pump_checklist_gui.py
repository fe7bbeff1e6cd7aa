"""The pump failure checklist dialog, offscreen: nothing to record before a critical alarm; the ITB
step refused (the field marked) without whom was called; a step recorded through Ops shows who and
when; the stock setting's words."""

from __future__ import annotations

from tests import typed
from tests.conftest import acting
from tests.services.test_pump_checklists import NOW, clock, ward7  # noqa: F401 - fixtures
from ward_app.domain.pump_checklist import Step
from ward_app.gui.ops import Ops
from ward_app.gui.pump_checklist import PumpChecklistDialog, opens_checklist
from ward_app.services.alerts import ward_alerts


def test_the_checklist_dialog(qtbot, ward7, clock) -> None:  # noqa: F811
    pid = typed.pid(ward7, "RX2")
    ops = Ops(ward7)
    d = PumpChecklistDialog(ward7, pid, ops=ops)
    qtbot.addWidget(d)
    assert "No pump failure checklist is open" in d.steps.text()
    assert not d.record_button.isEnabled()
    with acting(ward7, "charge.silva"):
        ops.run(lambda: typed.record_alarm(ward7, "RX2", "critical"))
    assert any(opens_checklist(a) for a in ward_alerts(ward7) if a.patient_id == pid)
    assert d.record_button.isEnabled() and "☐ NOT DONE: Call the ITB team" in d.steps.text()
    assert "ask pharmacy" in d.steps.text()
    assert d.step.currentData() == Step.ITB_CALLED.value
    d.record_button.click()  # no name given
    assert d.who.property("problem") and "Whom you called" in d.status.text()
    d.who.setText("Dr Patel (ITB team)")
    d.record_button.click()
    assert "✓ Call the ITB team" in d.steps.text() and "called Dr Patel (ITB team)" in d.steps.text()
    assert d.step.currentData() == Step.ORAL_AVAILABLE.value  # the next step offered
    assert NOW.strftime("%d %b") in d.steps.text()


def test_activating_a_critical_pump_alarm_opens_its_checklist(qtbot, window, demo_ward) -> None:
    from tests import typed
    from ward_app.gui.pump_checklist import PumpChecklistDialog
    from ward_app.services.board import ward_board

    mrn = next(r.mrn for r in ward_board(demo_ward) if r.route == "intrathecal")
    window.ops.run(lambda: typed.record_alarm(demo_ward, mrn, "critical", "two-tone"))
    panel = window.alerts
    row = next(r for r in range(panel.model.rowCount())
               if panel.model.alert_at(r).rule == "pump.alarm" and panel.model.alert_at(r).mrn == mrn)
    panel._activated(panel.model.index(row, 0))
    dialogs = window.findChildren(PumpChecklistDialog)
    assert dialogs and dialogs[-1].isVisible()
    for d in dialogs:
        qtbot.addWidget(d)
