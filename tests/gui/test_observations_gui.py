"""The observation form, the observation history and trends in the chart, flags and medicines,
the alerts panel's explanation and acknowledgement, and the alarm banner and chime, offscreen, on a
copy of the demo ward at NOW (25 Nov 2026 10:00, Europe/London)."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDialog

from tests import typed
from tests.conftest import act_as, database_state
from tests.gui.test_patient_chart import drive_next_modal
from ward_app.domain.alerts import Severity
from ward_app.domain.observations import Sign
from ward_app.gui.alarm import SilentSound
from ward_app.gui.alerts_panel import ALERT_COLUMNS, AlertsPanel
from ward_app.gui.observation_dialog import ObservationDialog
from ward_app.gui.observations_panel import ObservationHistoryModel
from ward_app.gui.patient_details_dialog import PatientDetailsDialog
from ward_app.services.alerts import ward_alerts
from ward_app.services.board import ward_board
from ward_app.services.demo_obs import EARLY_WITHDRAWAL, OVER_SEDATED
from ward_app.services.patients import get_patient

ACCEPTED = QDialog.DialogCode.Accepted


def patient_named(ctx, name):
    row = next(r for r in ward_board(ctx) if r.name == name)
    return get_patient(ctx, row.mrn)


@pytest.fixture
def window_options() -> dict:
    return {"sound": SilentSound()}


def type_vitals(qtbot, dialog, values):
    """Type into the form as a nurse would: focus starts on RR, Tab moves down the chart."""
    for key in ("rr", "spo2", "sbp", "hr", "temp"):
        if key in values:
            dialog.fields[key].setFocus()
            qtbot.keyClicks(dialog.fields[key], values[key])


def count_obs(path, patient_id):
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("SELECT count(*) FROM observations WHERE patient_id = ?",
                            [patient_id]).fetchone()[0]
    finally:
        conn.close()


def test_scores_update_live_as_the_nurse_types(qtbot, demo_ward):
    p = patient_named(demo_ward, "Eleni Papadopoulou")
    d = ObservationDialog(demo_ward, p)
    qtbot.addWidget(d)
    assert d.focusWidget() in (None, d.fields["rr"]) or d.fields["rr"].hasFocus() is False
    assert "no vital signs" in d.total.text()
    type_vitals(qtbot, d, {"rr": "25"})
    assert d.score_labels["rr"].text() == "scores 3"
    assert "incomplete" in d.total.text() and "hourly" in d.total.text().lower()
    type_vitals(qtbot, d, {"spo2": "95", "sbp": "100", "hr": "95", "temp": "37"})
    d.acvpu.setCurrentIndex(1)  # A
    assert [d.score_labels[k].text() for k in ("spo2", "oxygen", "sbp", "hr", "acvpu", "temp")] == [
        "scores 1", "scores 0", "scores 2", "scores 1", "scores 0", "scores 0"]
    assert "NEWS2 7" in d.total.text() and "EMERGENCY" in d.total.text()
    assert "#f59a9a" in d.total.styleSheet()  # red band, as well as the words
    d.oxygen.setChecked(True)
    assert d.score_labels["oxygen"].text() == "scores 2" and "NEWS2 9" in d.total.text()
    d.fields["rr"].clear()
    qtbot.keyClicks(d.fields["rr"], "300")
    assert "out of range" in d.score_labels["rr"].text()
    assert "Check the values" in d.total.text()
    d.fields["hr"].setFocus()
    qtbot.keyClicks(d.fields["hr"], "x")  # letters cannot be typed into a number field
    assert d.fields["hr"].text() == "95"


def test_saving_vitals_scoring_7_raises_news2_emergency_in_the_window(qtbot, window, demo_ward):
    p = patient_named(demo_ward, "Eleni Papadopoulou")
    chart = window.open_chart(p.id)
    before = count_obs(demo_ward.path, p.id)

    def fill(d: QDialog) -> None:
        assert isinstance(d, ObservationDialog)
        type_vitals(qtbot, d, {"rr": "25", "spo2": "95", "sbp": "100", "hr": "95", "temp": "37"})
        d.acvpu.setCurrentIndex(1)
        d.checked.setChecked(True)
        qtbot.keyClick(d.fields["temp"], Qt.Key.Key_Return)

    seen = drive_next_modal(fill)
    chart.record_observations()
    assert seen and seen[0].result() == ACCEPTED
    assert count_obs(demo_ward.path, p.id) == before + 1
    assert chart.tabs.currentIndex() == 1
    top = chart.obs_model.row_at(0)
    assert top.score is not None and top.score.total == 7 and top.observation.signs_checked
    assert "NEWS2 7" in chart.heading.text()
    assert "NEWS2 emergency" in chart.alerts_label.text()  # named in words
    rules = [(a.rule, a.patient_id) for a in window.overview.alerts]
    assert ("news2.emergency", p.id) in rules
    assert window.alerts.model.alert_at(0).severity is Severity.EMERGENCY
    assert window.banner.isVisible() and "EMERGENCY" in window.banner.text.text()


def test_a_refused_value_keeps_everything_typed_and_stores_nothing(qtbot, demo_ward):
    p = patient_named(demo_ward, "Eleni Papadopoulou")
    d = ObservationDialog(demo_ward, p)
    qtbot.addWidget(d)
    type_vitals(qtbot, d, {"rr": "18", "spo2": "97", "hr": "300"})
    d.signs[Sign.PRURITUS].setChecked(True)
    d.note.setText("itchy arms")
    before = database_state(demo_ward.path)
    d.submit()
    assert d.result() != ACCEPTED and d.error.isVisibleTo(d)
    assert "Pulse 300 is out of range" in d.error.text() and "250" in d.error.text()
    assert "--" not in d.error.text()
    assert d.fields["hr"].property("problem") is True and d.focusWidget() is d.fields["hr"]
    assert database_state(demo_ward.path) == before
    assert (d.fields["rr"].text(), d.fields["hr"].text(), d.note.text()) == ("18", "300", "itchy arms")
    assert d.signs[Sign.PRURITUS].isChecked() and d.checked.isChecked()


def test_a_late_sign_on_the_intrathecal_story_patient_is_an_emergency(qtbot, demo_ward):
    p = patient_named(demo_ward, EARLY_WITHDRAWAL)
    before = {a.rule: a.severity for a in ward_alerts(demo_ward, patient_id=p.id)}
    assert before["withdrawal.early"] is Severity.URGENT
    assert before["withdrawal.rebound_spasticity"] is Severity.URGENT
    d = ObservationDialog(demo_ward, p)
    qtbot.addWidget(d)
    d.signs[Sign.FEVER].setChecked(True)
    assert d.checked.isChecked()  # ticking a sign means the checklist was done
    d.submit()
    assert d.result() == ACCEPTED
    after = {a.rule: a for a in ward_alerts(demo_ward, patient_id=p.id)}
    assert after["withdrawal.late"].severity is Severity.EMERGENCY


def test_history_model_strikes_out_corrected_sets(qtbot, qtmodeltester, demo_ward):
    from datetime import timedelta

    from ward_app.services import observations as obs_svc

    p = patient_named(demo_ward, OVER_SEDATED)
    now = demo_ward.now()
    rows = obs_svc.history(demo_ward, p, now - timedelta(hours=72), now)
    obs_svc.correct_observation(demo_ward, rows[0].observation.id, "wrong patient")
    rows = obs_svc.history(demo_ward, p, now - timedelta(hours=72), now)
    model = ObservationHistoryModel(demo_ward.zone)
    model.set_rows(rows)
    qtmodeltester.check(model)
    font = model.index(0, 0).data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.strikeOut()
    assert "ENTERED IN ERROR: wrong patient" in model.index(0, 14).data()
    assert model.index(1, 0).data(Qt.ItemDataRole.FontRole) is None
    assert model.index(1, 9).data() == "3"  # POSS 3 in the set before


def test_chart_shows_observations_and_trends(qtbot, window, demo_ward):
    p = patient_named(demo_ward, EARLY_WITHDRAWAL)
    chart = window.open_chart(p.id)
    assert chart.obs_model.rowCount() > 10
    assert "Itching without a rash" in chart.obs_model.index(0, 12).data()
    xs, ys = chart.trends.series("hr")
    assert len(xs) == len([r for r in chart.obs_model.rows if r.observation.hr is not None])
    assert ys[-1] == chart.obs_model.row_at(0).observation.hr
    assert "next set due" in chart.heading.text()


def test_flags_and_medicines_from_the_chart(qtbot, window, demo_ward):
    act_as(demo_ward, "charge.silva")  # flags and co-medications: the charge nurse
    p = patient_named(demo_ward, "Eleni Papadopoulou")
    chart = window.open_chart(p.id)

    def edit(d: QDialog) -> None:
        assert isinstance(d, PatientDetailsDialog)
        d.new_drug.setText("OxyContin")
        d.add_drug()
        assert "CNS depressant" in d.meds.item(0).text()
        d.new_drug.setText("oxycontin")
        d.add_drug()  # already recorded: refused, shown
        assert d.error.isVisibleTo(d) and "already recorded" in d.error.text()
        d.flag_boxes[next(f for f in d.flag_boxes if f.value == "dementia")].setChecked(True)
        d.egfr.setValue(25)  # a charge nurse may record lab results too
        d.save()

    seen = drive_next_modal(edit)
    chart.edit_details()
    assert seen and seen[0].result() == ACCEPTED
    rules = {a.rule for a in ward_alerts(demo_ward, patient_id=p.id)}
    assert {"interaction.cns", "flag.dementia", "renal.avoid"} <= rules
    assert "Dementia" in chart.heading.text()


def test_alerts_panel_explains_and_acknowledges(qtbot, demo_ward, monkeypatch):
    panel = AlertsPanel(demo_ward.zone, ctx=demo_ward)
    qtbot.addWidget(panel)
    panel.show()
    panel.activateWindow()
    qtbot.waitActive(panel)
    alerts = ward_alerts(demo_ward)
    panel.set_alerts(alerts)
    assert not panel.ack_button.isEnabled()
    sedation = next(r for r in range(len(alerts)) if alerts[r].rule == "toxicity.sedation")
    panel.table.setCurrentIndex(panel.model.index(sedation, 0))
    html = panel.detail.toHtml()
    assert "What to do" in html and "Why it fired" in html and "POSS" in html
    assert "Not acknowledged yet" in html and panel.ack_button.isEnabled()
    assert panel.model.index(sedation, ALERT_COLUMNS.index("Seen")).data() == "NEW"
    monkeypatch.setattr("ward_app.gui.alerts_panel.QInputDialog.getText",
                        lambda *a, **k: ("Dose held, Dr Khan told", True))
    assert panel.ack_action.shortcut().toString() == "Ctrl+K"  # in the main window's View menu
    with qtbot.waitSignal(panel.acknowledged, timeout=2000):
        panel.ack_action.trigger()
    panel.set_alerts(ward_alerts(demo_ward))
    current = panel.current_alert()
    assert current is not None and current.rule == "toxicity.sedation" and current.acknowledged
    seen = ALERT_COLUMNS.index("Seen")
    assert panel.model.index(panel.table.currentIndex().row(), seen).data() == "✓ nurse.jones"
    assert "Dose held, Dr Khan told" in panel.detail.toHtml()


def test_banner_and_chime_for_new_urgent_alerts_and_mute(qtbot, window, demo_ward, monkeypatch):
    sound = window.sound
    assert sound.played == 1  # the demo ward opens with unacknowledged urgent alerts
    assert window.banner.isVisible() and window.banner.current is not None
    assert window.banner.current.severity is Severity.EMERGENCY
    assert window.banner.flash.isActive()
    window.refresh()
    assert sound.played == 1  # nothing new: no second chime
    p = patient_named(demo_ward, "Eleni Papadopoulou")
    typed.add_observation(demo_ward, typed.ObsText(mrn=p.mrn, poss="4"))
    window.refresh()
    assert sound.played == 2
    window.mute_action.trigger()
    assert sound.muted
    typed.add_observation(demo_ward, typed.ObsText(mrn=p.mrn, signs=("seizure",)))
    window.refresh()
    assert sound.played == 2 and window.banner.isVisible()  # muted: no chime, banner stays
    monkeypatch.setattr("ward_app.gui.alerts_panel.QInputDialog.getText",
                        lambda *a, **k: ("seen", True))
    for _ in range(40):
        if not window.banner.isVisible():
            break
        window.banner.ack_button.click()
    assert not window.banner.isVisible()
    assert all(a.acknowledged for a in window.overview.alerts if a.severity >= Severity.URGENT)
