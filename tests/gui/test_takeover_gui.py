"""File → Take over the ward…: the outstanding list, each unstable patient ticked before Take
over is enabled, and the take-over recorded (issue 17)."""

from __future__ import annotations

from PySide6.QtCore import QTimer

from tests.conftest import act_as
from ward_app.gui.takeover_dialog import TakeOverDialog
from ward_app.services.handover import build_handover


def test_take_over_waits_for_each_unstable_patient_then_records_it(qtbot, demo_ward) -> None:
    act_as(demo_ward, "nurse.okafor")
    d = TakeOverDialog(demo_ward)
    qtbot.addWidget(d)
    d.show()
    assert d.view is not None and d.view.unstable and d.outstanding.count() >= 1
    assert not d.take_button.isEnabled()  # nothing ticked yet
    for box in d.checks[:-1]:
        box.setChecked(True)
    assert not d.take_button.isEnabled()
    d.checks[-1].setChecked(True)
    assert d.take_button.isEnabled()
    d.take_button.click()
    assert d.result() == TakeOverDialog.DialogCode.Accepted and d.taken is not None
    act_as(demo_ward, "charge.silva")
    assert "take-over by nurse.okafor" in build_handover(demo_ward).since_what


def test_some_beds_only(qtbot, demo_ward) -> None:
    act_as(demo_ward, "nurse.okafor")
    d = TakeOverDialog(demo_ward)
    qtbot.addWidget(d)
    d.beds.setText("1, 2")
    d.reload()
    assert d.view is not None and d.view.beds == ("1", "2")
    assert all(d.outstanding.item(i).text().startswith(("Bed 1 ", "Bed 2 ", "Nothing"))
               for i in range(d.outstanding.count()))
    d.beds.setText("99")
    d.reload()
    assert "No patient is in bed 99" in d.error.text()


def test_the_file_menu_opens_it_for_a_nurse(qtbot, window, demo_ward) -> None:
    assert window.take_over_action.isEnabled()
    QTimer.singleShot(0, lambda: next(w for w in window.findChildren(TakeOverDialog)).reject())
    window.take_over()


def test_the_chart_keeps_a_handover_note_and_the_sheet_prints_it(qtbot, window, demo_ward,
                                                                 monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    row = window.board.model.row_at(0) if hasattr(window.board.model, "row_at") else None
    patient_id = row.patient_id if row is not None else window.overview.rows[0].patient_id
    chart = window.open_chart(patient_id)
    assert chart.note_button.isEnabled()  # a nurse writes her own words
    monkeypatch.setattr(QInputDialog, "getMultiLineText",
                        lambda *a, **k: ("Family visiting at 10:00", True))
    chart.note_button.click()
    assert "Handover note (nurse.jones" in chart.heading.text()
    assert "Family visiting at 10:00" in chart.heading.text()
    act_as(demo_ward, "charge.silva")
    block = next(b for b in build_handover(demo_ward).patients if b.mrn == chart.patient.mrn)
    assert block.note is not None and block.note.text == "Family visiting at 10:00"
