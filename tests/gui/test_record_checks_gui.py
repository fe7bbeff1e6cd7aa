"""The record dialog's recording checks (clinical-rules §9), driven by keyboard and mouse.

On a small ward built for each test (one patient, MRN RX1, on oral baclofen 10 mg TDS at 08:00,
14:00 and 22:00 on 25 Nov 2026, Europe/London = UTC in November; the act clock moves as a nurse's
day does), and for catching up on the demo ward at NOW. The dialog shows what the checks found
before anything is saved and offers the safe choice first: a hard stop disables 'Given now', a
sedation hold preselects 'Not given' + 'Held', a soft stop given anyway asks for the reason (and a
second nurse's password for the minimum interval) and flags the record on the MAR.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QLabel

from tests import typed
from tests.conftest import ADMIN_PASSWORD, act_as, acting, database_state, pw
from tests.gui.test_patient_chart import (
    DUE_0800,
    drive_next_modal,
    eleni,
    eleni_row,
    entry_at,
    press_enter,
)
from tests.gui.test_patient_chart import stored as eleni_stored
from ward_app.domain.alerts import Severity
from ward_app.domain.mar import State
from ward_app.gui.patient_chart import PatientChart
from ward_app.gui.record_dialog import RecordDoseDialog
from ward_app.services.admin import add_user, init_ward
from ward_app.services.alerts import ward_alerts
from ward_app.services.board import ward_board
from ward_app.services.context import Context
from ward_app.services.mar import mar_entries
from ward_app.services.patients import NewPatient, add_patient, get_patient

pytestmark = pytest.mark.gui

ACCEPTED = QDialog.DialogCode.Accepted
NURSE = "nurse.jones"  # records the doses
SECOND = "nurse.okafor"  # the second nurse who confirms an override
CHARGE = "charge.silva"
PHARMACIST = "pharm.chen"
DAY = "2026-11-25"

CATCH_UP_NOTE = ("Not given: missed, and the next dose is too close to catch up (no doubling up); "
                 "next dose on time")


def moment(when: str) -> datetime:
    """'HH:MM[:SS]' on DAY (ward time is UTC in November)."""
    return datetime.fromisoformat(f"{DAY}T{when}").replace(tzinfo=UTC)


class Clock:
    """The ward's act clock, moved as the test's day goes on."""

    def __init__(self) -> None:
        self.now = moment("07:00")

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def rx1(tmp_path, clock):
    """Ward 7 with nurses jones (acting) and okafor, a charge nurse and a pharmacist; MRN RX1 on
    oral baclofen 10 mg TDS (08:00, 14:00, 22:00) from 07:00."""
    ctx = init_ward(tmp_path / "w.db", ward="Ward 7", tz="Europe/London",
                    admin_password=ADMIN_PASSWORD, clock=clock)
    for name, role in ((SECOND, "nurse"), (CHARGE, "charge_nurse"), (PHARMACIST, "pharmacist"),
                       (NURSE, "nurse")):
        add_user(ctx, name, role, pw(name))
    with acting(ctx, CHARGE):
        add_patient(ctx, NewPatient(mrn="RX1", name="Test Patient", dob=date(1970, 1, 1), bed="1"))
    prescribe(ctx, freq="TDS")
    act_as(ctx, NURSE)
    yield ctx
    ctx.close()


def prescribe(ctx: Context, *, freq: str | None = None, times: str | None = None) -> None:
    with acting(ctx, PHARMACIST):
        typed.add_order(ctx, typed.OrderText(mrn="RX1", route="oral", dose_mg=10, freq=freq,
                                             times=times))


def observe(ctx: Context, clock: Clock, when: str, **values: object) -> None:
    clock.now = moment(when)
    typed.add_observation(ctx, typed.ObsText(mrn="RX1", **values))  # type: ignore[arg-type]


def records(ctx: Context) -> list[tuple]:
    """(due HH:MM, outcome, reason, note, flags, override reason, override by, witness) of every
    dose record of RX1, read back from the file through a separate connection."""
    conn = sqlite3.connect(str(ctx.path))
    try:
        rows = conn.execute(
            "SELECT a.due_at, a.outcome, a.reason_code, a.note, a.flags, a.override_reason, "
            "o.name, w.name FROM administrations a LEFT JOIN users o ON o.id = a.override_by "
            "LEFT JOIN users w ON w.id = a.witness_id ORDER BY a.id").fetchall()
    finally:
        conn.close()
    return [(datetime.fromisoformat(due).astimezone(UTC).strftime("%H:%M"), outcome, reason, note,
             json.loads(flags or "[]"), why, by, witness)
            for due, outcome, reason, note, flags, why, by, witness in rows]


def show(qtbot, dialog: RecordDoseDialog) -> RecordDoseDialog:
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()  # mnemonics (Alt+G ...) only reach the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def record_dialog(qtbot, ctx: Context, clock: Clock, due: str, when: str) -> RecordDoseDialog:
    """The record dialog for RX1's dose due at ``due``, opened at ``when``."""
    clock.now = moment(when)
    patient = get_patient(ctx, "RX1")
    at = moment(due)
    entry = next(e for e in mar_entries(ctx, patient, at - timedelta(hours=1),
                                        at + timedelta(hours=1)) if e.due == at and not e.corrected)
    return show(qtbot, RecordDoseDialog(ctx, patient, entry))


def plain(label: QLabel) -> str:
    """A rich-text label's words as the nurse reads them."""
    return QTextDocumentFragment.fromHtml(label.text()).toPlainText()


def alt(qtbot, dialog: RecordDoseDialog, key: Qt.Key) -> None:
    qtbot.keyClick(dialog.focusWidget() or dialog, key, Qt.KeyboardModifier.AltModifier)


def open_chart(qtbot, ctx: Context) -> PatientChart:
    row = next(r for r in ward_board(ctx) if r.mrn == "RX1")
    chart = PatientChart(ctx, row)
    qtbot.addWidget(chart)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


def cell(chart: PatientChart, due: str):  # type: ignore[no-untyped-def]
    """The MAR grid's index of RX1's dose due at ``due`` today."""
    model, at = chart.grid_model, moment(due)
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            e = model.entry(r, c)
            if e is not None and e.due == at:
                return model.index(r, c)
    raise AssertionError(f"no grid cell for {due}")


def grid_text(chart: PatientChart, due: str) -> str:
    return cell(chart, due).data()


def history_texts(chart: PatientChart, due: str) -> list[str]:
    model, at = chart.history_model, moment(due)
    return [" | ".join(str(model.index(r, c).data()) for c in range(model.columnCount()))
            for r in range(model.rowCount()) if model.entry(r).due == at]


# --- (a) a sedated patient: 'Held' is the first choice --------------------------------------------


def test_a_drowsy_patients_dose_opens_on_held_and_enter_records_held(qtbot, rx1, clock):
    observe(rx1, clock, "12:00", poss="3")
    dialog = record_dialog(qtbot, rx1, clock, "14:00", "14:00")

    assert dialog.finding.isVisible()
    text = plain(dialog.finding)
    assert "Check before giving" in text and "Over-sedated within the last 4 h" in text
    assert "POSS 3 at 12:00" in text
    assert dialog.not_given.isChecked() and not dialog.given.isChecked()
    assert dialog.held.isChecked() and dialog.held.isEnabled()
    assert dialog.given.isEnabled()  # a soft stop: giving stays possible, with a reason
    assert dialog.note.text() == "Held: over-sedated (see the recording check)"
    assert not dialog.override_reason.isVisible() and dialog.record_button.text() == "&Record"

    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        press_enter(qtbot, dialog)

    assert records(rx1) == [("14:00", "held", "other", "Held: over-sedated (see the recording check)",
                             [], None, None, None)]


# --- (b) given despite the hold: a reason, a flag on the MAR ---------------------------------------


def test_given_despite_the_hold_needs_a_reason_and_is_flagged_on_the_mar(qtbot, rx1, clock):
    observe(rx1, clock, "12:00", poss="3")
    dialog = record_dialog(qtbot, rx1, clock, "14:00", "14:00")
    alt(qtbot, dialog, Qt.Key.Key_G)
    qtbot.waitUntil(dialog.given.isChecked)  # a mnemonic clicks the button after a short delay

    assert dialog.override_reason.isVisible()
    assert dialog.form.labelForField(dialog.override_reason).isVisible()
    assert not dialog.second.isVisible() and not dialog.second_password.isVisible()  # no 2nd nurse
    assert dialog.record_button.text() == "Record &anyway"
    assert not dialog.reason.isEnabled() and not dialog.held.isEnabled()

    # Enter without a reason: refused in the dialog, nothing written
    before = database_state(rx1.path)
    press_enter(qtbot, dialog)
    assert dialog.isVisible() and dialog.result() != ACCEPTED and dialog.result_record is None
    assert dialog.error.isVisible()
    assert "Over-sedated within the last 4 h" in plain(dialog.finding)  # the check says why
    assert "To give it anyway, type why; or choose Not given" in dialog.error.text()
    assert dialog.override_reason.property("problem") is True and dialog.override_reason.hasFocus()
    assert database_state(rx1.path) == before and records(rx1) == []

    # with a reason: given, flagged
    qtbot.keyClicks(dialog.override_reason, "severe spasms, Dr Khan reviewed at 13:50")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        press_enter(qtbot, dialog)
    ((due, outcome, reason, _note, flags, why, by, witness),) = records(rx1)
    assert (due, outcome, reason, flags, why, by, witness) == (
        "14:00", "given", None, ["given_despite_hold"], "severe spasms, Dr Khan reviewed at 13:50",
        None, None)
    assert dialog.result_record is not None and dialog.result_record.flags == ("given_despite_hold",)

    # the chart shows the flag on the MAR grid cell and in the history
    chart = open_chart(qtbot, rx1)
    flag = "⚑ GIVEN DESPITE A SEDATION HOLD: severe spasms, Dr Khan reviewed at 13:50"
    cell = grid_text(chart, "14:00")
    assert cell.startswith("Given") and "⚑ despite hold" in cell  # the reason: tooltip, history
    (history,) = history_texts(chart, "14:00")
    assert flag in history


def test_a_dose_given_despite_the_hold_never_carries_the_held_note(qtbot, rx1, clock):
    observe(rx1, clock, "12:00", poss="3")
    dialog = record_dialog(qtbot, rx1, clock, "14:00", "14:00")
    alt(qtbot, dialog, Qt.Key.Key_G)
    qtbot.waitUntil(dialog.given.isChecked)
    qtbot.keyClicks(dialog.override_reason, "severe spasms")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        press_enter(qtbot, dialog)
    ((_due, outcome, _reason, note, *_rest),) = records(rx1)
    assert outcome == "given"
    assert not (note or "").startswith("Held")


# --- (c) POSS 4: only 'held' ----------------------------------------------------------------------


def test_a_somnolent_patient_cannot_be_given_the_dose(qtbot, rx1, clock):
    observe(rx1, clock, "12:00", poss="4")
    dialog = record_dialog(qtbot, rx1, clock, "14:00", "14:00")

    assert dialog.finding.isVisible()
    assert "Cannot be recorded as given" in plain(dialog.finding)
    assert "Somnolent within the last 4 h (POSS 4 at 12:00): only 'held' can be recorded" in \
        plain(dialog.finding)
    assert not dialog.given.isEnabled() and "not allowed" in dialog.given.text()
    assert dialog.not_given.isChecked() and dialog.held.isChecked()
    alt(qtbot, dialog, Qt.Key.Key_G)  # the mnemonic of a disabled button does nothing
    qtbot.wait(100)
    assert not dialog.given.isChecked() and dialog.not_given.isChecked()
    assert not dialog.override_reason.isVisible() and dialog.record_button.text() == "&Record"


# --- (d) catching up: never two doses to make up for one -------------------------------------------


def test_a_missed_dose_too_close_to_the_next_opens_on_not_given(qtbot, demo_ward):
    """Eleni's 08:00 dose at NOW (10:00): the 14:00 dose is 4 h away, not more."""
    dialog = show(qtbot, RecordDoseDialog(demo_ward, eleni(demo_ward), entry_at(demo_ward, DUE_0800)))

    assert dialog.finding.isVisible()
    text = plain(dialog.finding)
    assert "Cannot be recorded as given" in text and "never two doses to make up for one" in text
    assert "the next dose is due at 14:00, in 4 h" in text
    assert dialog.not_given.isChecked() and not dialog.given.isEnabled()
    assert not dialog.held.isChecked() and dialog.reason.currentData() == "other"
    assert dialog.note.text() == CATCH_UP_NOTE

    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        press_enter(qtbot, dialog)
    assert eleni_stored(demo_ward.path, eleni_row(demo_ward).patient_id, DUE_0800) == [
        ("omitted", "other", CATCH_UP_NOTE, None)]


# --- (e) the minimum interval: a second nurse proves it with their password -------------------------


@pytest.fixture
def close_doses(rx1, clock):
    """RX1 on 10 mg at 08:00, 11:00 and 20:00 (from 07:30); the 08:00 dose given on time."""
    clock.now = moment("07:30")
    prescribe(rx1, times="08:00,11:00,20:00")
    typed.give(rx1, "RX1", f"{DAY}T08:00+00:00", at=moment("08:00"))
    return rx1


def test_the_minimum_interval_needs_the_second_nurses_password(qtbot, close_doses, clock):
    ctx = close_doses
    dialog = record_dialog(qtbot, ctx, clock, "11:00", "11:00")
    text = plain(dialog.finding)
    assert "(a second nurse confirms)" in text and "A dose of 10 mg was given at 08:00, 3 h ago" in text
    assert dialog.given.isChecked()
    for box in (dialog.override_reason, dialog.second, dialog.second_password):
        assert box.isVisible() and dialog.form.labelForField(box).isVisible()
    assert dialog.second.objectName() == "overrideWitness"
    assert dialog.second_password.objectName() == "overrideWitnessPassword"
    assert dialog.second_password.echoMode() == dialog.second_password.EchoMode.Password
    assert dialog.record_button.text() == "Record &anyway"

    # a dose witness too, so both password boxes hold something
    dialog.witness.setCurrentIndex(dialog.witness.findData(typed.uid(ctx, CHARGE)))
    qtbot.keyClicks(dialog.password, pw(CHARGE))
    qtbot.keyClicks(dialog.override_reason, "severe spasms, Dr Khan agreed")
    dialog.second.setCurrentIndex(dialog.second.findData(typed.uid(ctx, SECOND)))
    qtbot.keyClicks(dialog.second_password, "not-their-password")
    before = database_state(ctx.path, but_logins=True)  # the failed password is audited
    press_enter(qtbot, dialog)

    assert dialog.isVisible() and dialog.result() != ACCEPTED
    assert dialog.error.isVisible() and "password" in dialog.error.text()
    assert dialog.password.text() == "" and dialog.second_password.text() == ""
    assert database_state(ctx.path, but_logins=True) == before
    assert [r[0] for r in records(ctx)] == ["08:00"]
    # nothing else typed is lost
    assert dialog.override_reason.text() == "severe spasms, Dr Khan agreed"
    assert dialog.second.currentData() == typed.uid(ctx, SECOND)

    qtbot.keyClicks(dialog.password, pw(CHARGE))
    qtbot.keyClicks(dialog.second_password, pw(SECOND))
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        press_enter(qtbot, dialog)
    assert records(ctx)[1] == ("11:00", "given", None, None, ["given_too_soon"],
                               "severe spasms, Dr Khan agreed", SECOND, CHARGE)
    assert dialog.password.text() == "" and dialog.second_password.text() == ""


def test_a_wrong_second_nurse_password_marks_the_second_nurses_password_box(qtbot, close_doses,
                                                                           clock):
    ctx = close_doses
    dialog = record_dialog(qtbot, ctx, clock, "11:00", "11:00")
    qtbot.keyClicks(dialog.override_reason, "severe spasms")
    dialog.second.setCurrentIndex(dialog.second.findData(typed.uid(ctx, SECOND)))
    qtbot.keyClicks(dialog.second_password, "not-their-password")
    press_enter(qtbot, dialog)
    assert dialog.result() != ACCEPTED and "password" in dialog.error.text()
    assert not dialog.password.property("problem")  # no dose witness was chosen
    assert dialog.second_password.property("problem") is True
    assert dialog.focusWidget() is dialog.second_password


def test_the_minimum_interval_without_a_second_nurse_is_refused(qtbot, close_doses, clock):
    ctx = close_doses
    dialog = record_dialog(qtbot, ctx, clock, "11:00", "11:00")
    qtbot.keyClicks(dialog.override_reason, "severe spasms")
    before = database_state(ctx.path)
    press_enter(qtbot, dialog)
    assert dialog.isVisible() and dialog.result() != ACCEPTED
    assert "second nurse must confirm" in dialog.error.text()
    assert dialog.second.property("problem") is True
    assert database_state(ctx.path) == before


# --- (f) nil by mouth: the bridging prompt ----------------------------------------------------------


def test_nil_by_mouth_shows_the_bridging_prompt(qtbot, rx1, clock):
    dialog = record_dialog(qtbot, rx1, clock, "14:00", "14:00")
    assert dialog.given.isChecked() and not dialog.finding.isVisible()
    assert not dialog.bridging.isVisible()
    alt(qtbot, dialog, Qt.Key.Key_N)
    qtbot.waitUntil(dialog.not_given.isChecked)
    assert not dialog.bridging.isVisible()  # 'Patient refused' is the first reason

    dialog.reason.setFocus()
    dialog.reason.setCurrentIndex(dialog.reason.findData("nil_by_mouth"))
    assert dialog.reason.currentText() == "Nil by mouth"
    assert dialog.bridging.objectName() == "bridgingPrompt" and dialog.bridging.isVisible()
    prompt = dialog.bridging.text()
    assert "enteral tube" in prompt
    assert "IV baclofen is not licensed in many countries; ask the prescriber" in prompt
    assert "mg/day" not in prompt  # bridge.iv_available is off: no IV figure

    dialog.reason.setCurrentIndex(dialog.reason.findData("vomiting"))
    assert not dialog.bridging.isVisible()


def test_the_bridging_prompt_gives_the_iv_dose_where_iv_baclofen_is_available(qtbot, rx1, clock):
    with acting(rx1, "admin"):
        typed.set_setting(rx1, "bridge.iv_available", "yes")
    dialog = record_dialog(qtbot, rx1, clock, "14:00", "14:00")
    dialog.not_given.setChecked(True)
    dialog.reason.setCurrentIndex(dialog.reason.findData("nil_by_mouth"))
    prompt = dialog.bridging.text()
    assert dialog.bridging.isVisible() and "enteral tube" in prompt
    assert "intravenous baclofen at 80 % of the oral daily dose = 24 mg/day" in prompt


# --- (g) the three situations of the issue ----------------------------------------------------------


def _enter_on_cell(qtbot, chart: PatientChart, due: str) -> list[QDialog]:
    """Enter on the grid cell of ``due``, then Enter in the record dialog it opens (left open
    after a refusal, it is closed)."""
    chart.grid.setCurrentIndex(cell(chart, due))
    chart.grid.setFocus()
    seen = drive_next_modal(lambda dialog: press_enter(qtbot, dialog))
    qtbot.keyClick(chart.grid, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(seen) and not seen[0].isVisible(), timeout=5000)
    return seen


def test_three_doses_of_the_day_recorded_within_a_minute_only_the_first_is_given(qtbot, rx1,
                                                                                 clock):
    clock.now = moment("08:00")
    chart = open_chart(qtbot, rx1)
    findings: dict[str, str] = {}
    for due, when in (("08:00", "08:00:00"), ("14:00", "08:00:20"), ("22:00", "08:00:40")):
        clock.now = moment(when)
        (dialog,) = _enter_on_cell(qtbot, chart, due)
        assert isinstance(dialog, RecordDoseDialog)
        findings[due] = plain(dialog.finding) if dialog.findings else ""
        if due != "08:00":  # stopped: 'Given now' disabled; not due yet, so Enter cancels
            assert not dialog.given.isEnabled() and dialog.not_given.isChecked()
            assert dialog.result() != ACCEPTED and not dialog.isVisible()
    assert findings["08:00"] == ""
    assert "The 14:00 dose is not due for 5 h 59 min" in findings["14:00"]
    assert "The 22:00 dose is not due for 13 h 59 min" in findings["22:00"]
    assert all("cannot be recorded as given" in findings[d] for d in ("14:00", "22:00"))
    assert [(r[0], r[1]) for r in records(rx1)] == [("08:00", "given")]


def test_an_emergency_over_sedation_alert_and_enter_enter_never_gives_the_dose(qtbot, rx1,
                                                                               clock):
    observe(rx1, clock, "12:30", poss="4")
    clock.now = moment("14:00")
    sedation = [a for a in ward_alerts(rx1) if a.rule == "toxicity.sedation"]
    assert sedation and sedation[0].severity is Severity.EMERGENCY
    chart = open_chart(qtbot, rx1)
    (dialog,) = _enter_on_cell(qtbot, chart, "14:00")
    assert isinstance(dialog, RecordDoseDialog) and not dialog.given.isEnabled()
    assert [(r[0], r[1]) for r in records(rx1)] == [("14:00", "held")]
    assert "Held" in grid_text(chart, "14:00")


def test_a_dose_given_40_min_early_is_given_and_flagged_early_not_late(qtbot, rx1, clock):
    dialog = record_dialog(qtbot, rx1, clock, "14:00", "13:20")
    assert "The 14:00 dose is 40 min early" in plain(dialog.finding)
    assert dialog.given.isChecked() and dialog.override_reason.isVisible()
    assert not dialog.second.isVisible()
    qtbot.keyClicks(dialog.override_reason, "going to theatre at 13:45")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        press_enter(qtbot, dialog)
    assert records(rx1) == [("14:00", "given", None, None, ["given_early"],
                             "going to theatre at 13:45", None, None)]
    clock.now = moment("14:30")
    (e,) = [e for e in typed.mar_day(rx1, "RX1")[1] if e.due == moment("14:00")]
    assert e.state is State.GIVEN and e.flags == ("given_early",)


# --- mnemonics ---------------------------------------------------------------------------------------


def _mnemonics(dialog: QDialog) -> list[str]:
    """The Alt+letter of every shown label and button of the dialog."""
    letters = []
    for widget in [*dialog.findChildren(QLabel), *dialog.findChildren(QAbstractButton)]:
        text = widget.text().replace("&&", "")
        if widget.isVisible() and "&" in text and text.index("&") + 1 < len(text):
            letters.append(text[text.index("&") + 1].lower())
    return letters


def test_every_shown_mnemonic_is_one_of_a_kind(qtbot, close_doses, clock):
    dialog = record_dialog(qtbot, close_doses, clock, "11:00", "11:00")
    assert dialog.second_password.isVisible()
    letters = _mnemonics(dialog)
    assert {"g", "n", "o", "u", "p"} <= set(letters)  # the letters are read at all
    assert sorted({x for x in letters if letters.count(x) > 1}) == []


def test_alt_a_records_anyway(qtbot, rx1, clock):
    observe(rx1, clock, "12:00", poss="3")
    dialog = record_dialog(qtbot, rx1, clock, "14:00", "14:00")
    alt(qtbot, dialog, Qt.Key.Key_G)
    qtbot.waitUntil(dialog.given.isChecked)
    qtbot.keyClicks(dialog.override_reason, "severe spasms")
    dialog.note.setFocus()
    assert dialog.record_button.text() == "Record &anyway"
    alt(qtbot, dialog, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: dialog.result() == ACCEPTED, timeout=1000)
    assert [(r[1], r[4]) for r in records(rx1)] == [("given", ["given_despite_hold"])]


def test_a_double_click_on_a_dose_opens_one_dialog(qtbot, rx1, clock):
    """A double-click is an activation: the chart opened the record dialog twice (activated and
    doubleClicked), so after recording, a second dialog for the same dose came up."""
    clock.now = moment("08:00")
    chart = open_chart(qtbot, rx1)
    index = cell(chart, "08:00")
    chart.grid.setCurrentIndex(index)
    opened: list[QDialog] = []

    def close_each() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is not None and dialog not in opened:
            opened.append(dialog)
            dialog.reject()
        if len(opened) < 3 and tries.append(1) is None and len(tries) < 60:
            QTimer.singleShot(10, close_each)

    tries: list[int] = []
    QTimer.singleShot(10, close_each)
    # what a double-click on X11 or Windows emits (the offscreen platform delivers no real one)
    chart.grid.doubleClicked.emit(index)
    chart.grid.activated.emit(index)
    qtbot.waitUntil(lambda: len(tries) >= 60 or len(opened) >= 2, timeout=3000)
    assert len(opened) == 1
