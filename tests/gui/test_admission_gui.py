"""Admit, move bed and discharge in the window (issue 16, item 2; clinical-rules §11): the
*Patient* menu and the chart's buttons, for the charge nurse only; a discharged patient leaves
the board and their chart, opened from *Discharged patients…*, is read-only. Every dialog fits a
1280×800 screen. On the demo ward (real SQLite file) at NOW."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QDialog, QPushButton

from tests.conftest import act_as, database_state
from tests.gui.test_patient_chart import MISSED_TWO, drive_next_modal
from ward_app.domain.patient import Flag
from ward_app.gui.admission_dialogs import (
    AdmitDialog,
    DischargedDialog,
    DischargeDialog,
    TransferDialog,
)
from ward_app.services import admissions
from ward_app.services.patients import find_by_mrn, patient_by_id
from ward_app.storage import audit

pytestmark = pytest.mark.gui

CHARGE = "charge.silva"
SCREEN_W, SCREEN_H = 1280, 800 - 40  # less a task bar


def _as_charge_nurse(window) -> None:
    act_as(window.ctx, CHARGE)
    window.apply_permissions()


def _eleni(window):
    return next(r for r in window.overview.rows if r.name == MISSED_TWO)


def _select(window, patient_id: int) -> None:
    board = window.board
    for row in range(board.proxy.rowCount()):
        index = board.proxy.index(row, 0)
        if board.model.row_at(board.proxy.mapToSource(index).row()).patient_id == patient_id:
            board.table.setCurrentIndex(index)
            return
    raise AssertionError(f"patient {patient_id} is not on the board")


def _fits(dialog: QDialog) -> None:
    dialog.adjustSize()
    hint = dialog.sizeHint()
    assert hint.width() <= SCREEN_W and hint.height() <= SCREEN_H, (type(dialog).__name__, hint)
    for button in dialog.findChildren(QPushButton):
        if button.isVisible():
            corner = button.mapTo(dialog, button.rect().bottomRight())
            assert corner.x() <= dialog.width() and corner.y() <= dialog.height()


def test_the_patient_menu_is_for_the_charge_nurse(window):
    menu = window.patient_menu
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles.index("&Patient") == titles.index("&Help") - 1
    moves = (menu.admit_action, menu.transfer_action, menu.discharge_action)
    assert not any(a.isEnabled() for a in moves)  # the demo nurse
    assert "ask a charge nurse" in menu.discharge_action.toolTip()
    assert menu.discharged_action.isEnabled()  # reading is open to every role
    _as_charge_nurse(window)
    assert all(a.isEnabled() for a in moves)
    assert [a.shortcut().toString() for a in moves] == ["Ctrl+Shift+N", "Ctrl+Shift+B",
                                                        "Ctrl+Shift+D"]


def test_admit_puts_the_patient_on_the_board(window, qtbot):
    _as_charge_nurse(window)
    before = len(window.overview.rows)
    dialog = AdmitDialog(window.ctx, window, ops=window.ops)
    qtbot.addWidget(dialog)
    dialog.show()
    _fits(dialog)
    dialog.mrn.setText("RX777001")
    dialog.name.setText("Zoë Ní Bhriain")
    dialog.dob.setText("02/04/1998")
    dialog.bed.setText("SR 9")
    dialog.sci.setText("t4")
    dialog.flag_boxes[Flag.FALL_RISK].setChecked(True)
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.error.text()
    assert dialog.admitted is not None and dialog.admitted.flags == {Flag.FALL_RISK}
    assert dialog.admitted.dob == date(1998, 4, 2)
    rows = window.overview.rows
    assert len(rows) == before + 1
    assert next(r for r in rows if r.mrn == "RX777001").bed == "SR 9"


def test_a_refused_admission_says_why_marks_the_field_and_keeps_what_was_typed(window, qtbot):
    _as_charge_nurse(window)
    taken = _eleni(window)
    path = window.ctx.path
    before = database_state(path)
    dialog = AdmitDialog(window.ctx, window, ops=window.ops)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.mrn.setText("RX777002")
    dialog.name.setText("Second Patient")
    dialog.bed.setText(taken.bed)
    dialog.save()  # no date of birth yet: no made-up age
    assert dialog.isVisible() and "Give the date of birth" in dialog.error.text()
    assert dialog.dob.property("problem") is True
    dialog.dob.setText("31/02/1980")
    dialog.save()
    assert "'31/02/1980' is not a date" in dialog.error.text()
    dialog.dob.setText("1980-05-05")
    dialog.save()
    assert dialog.isVisible() and dialog.admitted is None
    assert f"Bed {taken.bed} is taken by MRN {taken.mrn}" in dialog.error.text()
    assert dialog.bed.property("problem") is True
    assert dialog.name.text() == "Second Patient"
    assert database_state(path) == before


def test_move_bed_from_the_patient_menu(window, qtbot):
    _as_charge_nurse(window)
    eleni = _eleni(window)
    _select(window, eleni.patient_id)

    def move(dialog) -> None:
        assert isinstance(dialog, TransferDialog)
        _fits(dialog)
        dialog.bed.setText("SR 3")
        dialog.save_button.click()

    seen = drive_next_modal(move)
    window.patient_menu.transfer()
    assert seen and seen[0].moved is not None
    assert window.row_for(eleni.patient_id).bed == "SR 3"
    entry = audit.entries(window.ctx.db, patient_id=eleni.patient_id)[0]
    assert entry["action"] == "transfer" and entry["detail"]["from_bed"] == eleni.bed


def test_discharge_from_the_chart_leaves_the_board_and_the_chart_is_read_only(window, qtbot):
    _as_charge_nurse(window)
    eleni = _eleni(window)
    chart = window.open_chart(eleni.patient_id)
    assert chart.moves.discharge_button.isEnabled() and not chart.moves.banner.isVisible()

    def discharge(dialog) -> None:
        assert isinstance(dialog, DischargeDialog)
        _fits(dialog)
        assert "2 doses due in the last 24 hours have no record" in dialog.notes.text()
        dialog.to.setEditText("Ward 9, St Mary's")
        dialog.save_button.click()

    seen = drive_next_modal(discharge)
    chart.moves.discharge_button.click()
    assert seen and seen[0].discharged is not None
    assert window.row_for(eleni.patient_id) is None
    assert eleni.patient_id not in {a.patient_id for a in window.overview.alerts}
    assert chart.moves.banner.isVisible()
    assert chart.moves.banner.text() == ("Discharged 25 Nov 2026 10:00 to Ward 9, St Mary's (by "
                                         "charge.silva). This record is read-only.")
    for button in (chart.record_button, chart.obs_button, chart.details_button,
                   chart.moves.transfer_button, chart.moves.discharge_button):
        assert not button.isEnabled()
        assert "their record is read-only" in button.toolTip()
    assert chart.grid_model.rowCount() > 0  # the record is still there to read


def test_a_discharged_patients_record_opens_read_only_from_the_list(window, qtbot):
    eleni = _eleni(window)
    with_charge = window.ctx.actor
    act_as(window.ctx, CHARGE)
    window.ops.run(lambda: admissions.discharge(window.ctx, eleni.patient_id, "home"))
    window.ctx.actor = with_charge  # back to the demo nurse
    assert window.row_for(eleni.patient_id) is None
    opened: list[int] = []
    dialog = DischargedDialog(window.ctx, opened.append, window)
    qtbot.addWidget(dialog)
    dialog.show()
    _fits(dialog)
    assert dialog.list.count() == 1 and eleni.name in dialog.list.item(0).text()
    read = audit.entries(window.ctx.db)[0]  # the list of discharged patients was read
    assert (read["action"], read["detail"]) == ("read.patients", {"discharged": 1})
    dialog.open_button.click()
    assert opened == [eleni.patient_id]
    chart = window.open_chart(eleni.patient_id)
    assert chart is not None and chart.moves.banner.isVisible()
    assert "Discharged 25 Nov 2026 10:00 to home" in chart.moves.banner.text()
    assert not chart.record_button.isEnabled() and not chart.obs_button.isEnabled()
    assert patient_by_id(window.ctx, eleni.patient_id).discharged


def test_every_admission_dialog_fits_a_small_screen(window, qtbot):
    _as_charge_nurse(window)
    patient = find_by_mrn(window.ctx, _eleni(window).mrn)
    for dialog in (AdmitDialog(window.ctx, window), TransferDialog(window.ctx, patient, window),
                   DischargeDialog(window.ctx, patient, window),
                   DischargedDialog(window.ctx, lambda _pid: None, window)):
        qtbot.addWidget(dialog)
        dialog.show()
        _fits(dialog)
        dialog.reject()


def test_move_bed_from_the_chart_names_the_new_bed(window, qtbot):
    _as_charge_nurse(window)
    eleni = _eleni(window)
    chart = window.open_chart(eleni.patient_id)

    def move(dialog) -> None:
        dialog.bed.setText("SR 4")
        dialog.save_button.click()

    seen = drive_next_modal(move)
    chart.moves.transfer_button.click()
    assert seen and seen[0].moved is not None
    assert chart.row.bed == "SR 4" and "bed SR 4" in chart.windowTitle()
    assert "bed SR 4" in chart.heading.text()
    assert window.row_for(eleni.patient_id).bed == "SR 4"


def test_a_discharged_patients_dose_cannot_be_opened_for_recording(window, qtbot, monkeypatch):
    eleni = _eleni(window)
    act_as(window.ctx, CHARGE)
    window.ops.run(lambda: admissions.discharge(window.ctx, eleni.patient_id, "home"))
    act_as(window.ctx, "nurse.jones")
    window.apply_permissions()
    chart = window.open_chart(eleni.patient_id)
    said: list[str] = []
    monkeypatch.setattr("ward_app.gui.patient_chart.QMessageBox.information",
                        lambda _parent, _title, text: said.append(text))
    opened: list[object] = []
    monkeypatch.setattr("ward_app.gui.patient_chart.RecordDoseDialog",
                        lambda *a, **k: opened.append(a))
    model = chart.grid_model
    cell = next(model.index(r, c) for r in range(model.rowCount())
                for c in range(model.columnCount()) if model.entry(r, c) is not None)
    chart._open_cell(cell)
    assert opened == [] and len(said) == 1 and "their record is read-only" in said[0]
