"""Order entry in the window (issue 16, item 1): the pharmacist prescribes, changes and stops
baclofen on the chart, acknowledging the cautions, with a witness for intrathecal orders; the chart
shows an applied taper before its day 1 with Cancel taper and Reprint sheet; the MAR shows the
planned doses of the coming days, a taper's steps among them."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from tests import typed
from tests.conftest import act_as, database_state, pw
from ward_app.domain.orders import OrderAction, Route
from ward_app.gui.order_dialog import OrderDialog, StopOrderDialog
from ward_app.gui.patient_chart import PatientChart
from ward_app.gui.taper_dialog import TaperDialog, TaperSheetDialog
from ward_app.services import orders as order_svc
from ward_app.services import tapers
from ward_app.services.board import ward_board

TAPER_START = date(2026, 11, 27)  # NOW is 25 Nov 10:00


def _chart(qtbot, ctx, name) -> PatientChart:
    row = next(r for r in ward_board(ctx) if r.name == name)
    chart = PatientChart(ctx, row)
    qtbot.addWidget(chart)
    return chart


@pytest.fixture
def pharmacist(demo_ward):
    act_as(demo_ward, "pharm.chen")  # orders are the pharmacist's
    return demo_ward


def _dialog(qtbot, chart, current=None) -> OrderDialog:
    d = OrderDialog(chart.ctx, chart.patient, current, chart, ops=chart.ops)
    qtbot.addWidget(d)
    return d


def _route(d: OrderDialog, route: Route) -> None:
    d.route.setCurrentIndex(d.route.findData(route.value))


def test_order_buttons_follow_the_role_and_the_order_in_force(qtbot, demo_ward):
    nurse_chart = _chart(qtbot, demo_ward, "Sanjay Patel")  # no baclofen order
    assert nurse_chart.prescribe_button.isVisibleTo(nurse_chart)
    assert not nurse_chart.prescribe_button.isEnabled()  # a nurse does not prescribe
    assert "pharmacist" in nurse_chart.prescribe_button.toolTip()
    act_as(demo_ward, "pharm.chen")
    chart = _chart(qtbot, demo_ward, "Gráinne Walsh")
    assert chart.change_button.isEnabled() and chart.stop_button.isEnabled()
    assert not chart.prescribe_button.isVisibleTo(chart)
    assert not chart.reprint_button.isVisibleTo(chart)


def test_prescribing_oral_through_the_dialog_stores_the_order_version(qtbot, pharmacist):
    chart = _chart(qtbot, pharmacist, "Sanjay Patel")
    d = _dialog(qtbot, chart)
    _route(d, Route.ORAL)
    assert not d.daily_mcg.isVisibleTo(d) and d.dose.isVisibleTo(d)
    d.save_button.click()  # no dose typed: refused, nothing written
    assert d.error.isVisibleTo(d) and "dose in mg" in d.error.text()
    assert order_svc.order_in_force(pharmacist, chart.patient.id) is None
    d.dose.setValue(5)
    d.freq.setCurrentIndex(d.freq.findData("TDS"))
    assert "None apply" in d.cautions.text() and not d.ack.isVisibleTo(d)
    d.save_button.click()
    assert d.result() == OrderDialog.DialogCode.Accepted and d.made is not None
    made = order_svc.order_in_force(pharmacist, chart.patient.id)
    assert made is not None and made.describe() == "oral 5 mg TDS (15 mg/day)"
    assert made.action is OrderAction.START
    assert "oral 5 mg TDS" in chart.heading.text()  # the chart took the change
    assert chart.change_button.isVisibleTo(chart) and not chart.prescribe_button.isVisibleTo(chart)


def test_the_cautions_are_shown_and_must_be_acknowledged(qtbot, pharmacist):
    chart = _chart(qtbot, pharmacist, "Margaret Thompson")  # eGFR 30–60: renal.reduce
    current = order_svc.order_in_force(pharmacist, chart.patient.id)
    d = _dialog(qtbot, chart, current)
    assert d.dose.value() == 10 and d.freq.currentData() == "TDS"  # the form starts from it
    d.dose.setValue(15)
    assert "Reduced renal function" in d.cautions.text() and d.ack.isVisibleTo(d)
    before = database_state(pharmacist.path)
    d.save_button.click()
    assert "acknowledges" in d.error.text() and database_state(pharmacist.path) == before
    assert d.dose.value() == 15  # nothing typed is lost
    d.ack.setChecked(True)
    d.save_button.click()
    assert d.made is not None and [c.rule for c in d.made.cautions] == ["renal.reduce"]
    assert d.made.action is OrderAction.CHANGE and d.made.supersedes_id == current.id
    assert order_svc.order_in_force(pharmacist, chart.patient.id).dose_mg == 15


def test_a_change_starts_at_the_chosen_time(qtbot, pharmacist):
    from PySide6.QtCore import QDateTime

    chart = _chart(qtbot, pharmacist, "Gráinne Walsh")  # 20 mg TDS
    d = _dialog(qtbot, chart, order_svc.order_in_force(pharmacist, chart.patient.id))
    d.dose.setValue(15)
    d.start.setDateTime(QDateTime.fromString("2026-11-26 12:00", "yyyy-MM-dd HH:mm"))
    d.save_button.click()
    assert d.made is not None
    assert d.made.starts_at.astimezone(pharmacist.zone).strftime("%d %H:%M") == "26 12:00"
    assert order_svc.order_in_force(pharmacist, chart.patient.id).dose_mg == 20  # still, now
    assert "From Thu 26 Nov 12:00:</b> oral 15 mg TDS (45 mg/day)" in chart.heading.text()
    planned = chart.planned_model
    tomorrow = [planned.dose(r, 0) for r in range(planned.rowCount())]
    assert [p.dose_mg for p in tomorrow if p] == [20, 15, 15]  # 08:00 as before; 14:00, 22:00 new


def test_an_intrathecal_order_needs_a_witness_who_types_their_password(qtbot, pharmacist):
    chart = _chart(qtbot, pharmacist, "Zoë Ní Bhriain")  # 300 mcg/day
    current = order_svc.order_in_force(pharmacist, chart.patient.id)
    d = _dialog(qtbot, chart, current)
    assert d.route.currentData() == "intrathecal" and d.daily_mcg.value() == 300
    assert d.witness.isVisibleTo(d) and not d.dose.isVisibleTo(d)
    d.daily_mcg.setValue(330)
    before = database_state(pharmacist.path)
    d.save_button.click()
    assert "needs a witness" in d.error.text()
    d.witness.setCurrentIndex(d.witness.findText("nurse.jones", flags=_contains()))
    d.password.setText("not-their-password")
    d.save_button.click()
    assert d.error.isVisibleTo(d) and d.password.text() == "" and d.daily_mcg.value() == 330
    assert order_svc.order_in_force(pharmacist, chart.patient.id).daily_mcg == 300
    assert d.result() != OrderDialog.DialogCode.Accepted
    d.password.setText(pw("nurse.jones"))
    d.save_button.click()
    assert d.made is not None and d.made.daily_mcg == 330
    assert order_svc.order_in_force(pharmacist, chart.patient.id).daily_mcg == 330
    assert database_state(pharmacist.path) != before


def test_prescribing_intrathecal_for_a_patient_without_an_order(qtbot, pharmacist):
    chart = _chart(qtbot, pharmacist, "Robert Ashworth")
    d = _dialog(qtbot, chart)
    _route(d, Route.INTRATHECAL)
    d.daily_mcg.setValue(2000)
    assert "outside the label" in d.cautions.text()
    d.ack.setChecked(True)
    d.witness.setCurrentIndex(d.witness.findText("nurse.jones", flags=_contains()))
    d.password.setText(pw("nurse.jones"))
    d.save_button.click()
    assert d.made is not None, d.error.text() + str([d.witness.itemText(i) for i in range(d.witness.count())])
    assert d.made.route is Route.INTRATHECAL
    assert [c.rule for c in d.made.cautions] == ["itb.dose_range"]


def _contains():
    from PySide6.QtCore import Qt

    return Qt.MatchFlag.MatchContains


def test_stop_is_only_for_a_serious_adverse_reaction(qtbot, pharmacist, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    chart = _chart(qtbot, pharmacist, "Gráinne Walsh")
    d = StopOrderDialog(pharmacist, chart.patient,
                        order_svc.order_in_force(pharmacist, chart.patient.id), chart,
                        ops=chart.ops)
    qtbot.addWidget(d)
    assert "serious adverse reaction" in d.intro.text() and "Taper plan" in d.intro.text()
    assert not d.stop_button.isEnabled()  # only once the reason is ticked
    d.sar.setChecked(True)
    d.stop_button.click()
    assert "prescriber" in d.error.text().lower()
    assert order_svc.order_in_force(pharmacist, chart.patient.id) is not None
    d.prescriber.setText("Dr Khan")
    d.stop_button.click()
    assert d.made is not None and d.made.stop_reason == "serious_adverse_reaction"
    assert order_svc.order_in_force(pharmacist, chart.patient.id) is None
    assert chart.prescribe_button.isVisibleTo(chart)


def test_the_chart_shows_an_applied_taper_before_day_1_and_cancels_it(qtbot, pharmacist,
                                                                      monkeypatch):
    chart = _chart(qtbot, pharmacist, "Gráinne Walsh")  # 20 mg TDS
    chart.ops.run(lambda: typed.taper_apply(
        pharmacist, typed.TaperText(mrn=chart.row.mrn, start=TAPER_START), "Dr Khan"))
    heading = chart.heading.text()
    assert "Taper from Fri 27 Nov 2026" in heading and "Dr Khan" in heading
    assert "step 1: 55 mg/day from Fri 27 Nov" in heading and "no baclofen from" in heading
    assert chart.cancel_taper_button.isVisibleTo(chart) and chart.reprint_button.isVisibleTo(chart)
    assert not chart.taper_button.isVisibleTo(chart)
    # the MAR's planned days: tomorrow as ordered, then the taper's first step, marked
    planned = chart.planned_model
    assert planned.columnCount() == 3 and planned.headerData(1, _horizontal()) == "Fri 27 Nov"
    day2 = [planned.index(r, 1).data() for r in range(planned.rowCount())]
    assert day2 == ["Planned  20 mg\ntaper step", "Planned  15 mg\ntaper step",
                    "Planned  20 mg\ntaper step"]
    assert planned.index(0, 0).data() == "Planned  20 mg"
    assert not any(("Due" in t or "Missed" in t) for t in day2)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("spasms returned", True))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    assert chart.cancel_taper()
    assert tapers.live_taper(pharmacist, chart.patient.id) is None
    assert "Taper" not in chart.heading.text() and chart.taper_button.isVisibleTo(chart)
    assert not chart.cancel_taper_button.isVisibleTo(chart)
    day2 = [planned.index(r, 1).data() for r in range(planned.rowCount())]
    assert day2 == ["Planned  20 mg"] * 3


def _horizontal():
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal


def test_a_declined_confirmation_keeps_the_taper(qtbot, pharmacist, monkeypatch):
    chart = _chart(qtbot, pharmacist, "Gráinne Walsh")
    chart.ops.run(lambda: typed.taper_apply(
        pharmacist, typed.TaperText(mrn=chart.row.mrn, start=TAPER_START), "Dr Khan"))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("spasms returned", True))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    assert not chart.cancel_taper()
    assert tapers.live_taper(pharmacist, chart.patient.id) is not None


def test_the_taper_dialog_offers_the_charts_cancel_taper(qtbot, pharmacist):
    chart = _chart(qtbot, pharmacist, "Gráinne Walsh")
    typed.taper_apply(pharmacist, typed.TaperText(mrn=chart.row.mrn, start=TAPER_START), "Dr Khan")
    asked: list[bool] = []
    d = TaperDialog(pharmacist, chart.patient, chart, cancel_taper=lambda: asked.append(True) or False)
    qtbot.addWidget(d)
    assert "already planned" in d.error.text() and "ward-app" not in d.error.text()
    assert d.cancel_taper_button.isVisibleTo(d)
    d.cancel_taper_button.click()
    assert asked == [True]


def test_reprint_sheet_shows_the_applied_plan(qtbot, pharmacist):
    chart = _chart(qtbot, pharmacist, "Gráinne Walsh")
    typed.taper_apply(pharmacist, typed.TaperText(mrn=chart.row.mrn, start=TAPER_START), "Dr Khan")
    live = tapers.live_taper(pharmacist, chart.patient.id)
    d = TaperSheetDialog(pharmacist, live, chart)
    qtbot.addWidget(d)
    qtbot.waitUntil(lambda: d.pdf.page_count() >= 1, timeout=10_000)
    assert d.print_button.isEnabled() and d.save_button.isEnabled()
    assert b"%PDF" in d.pdf.pdf[:8]


def test_the_dialogs_fit_the_screen_with_their_buttons_in_sight(qtbot, pharmacist):
    free = QApplication.primaryScreen().availableGeometry()
    chart = _chart(qtbot, pharmacist, "Gráinne Walsh")
    order = _dialog(qtbot, chart, order_svc.order_in_force(pharmacist, chart.patient.id))
    taper = TaperDialog(pharmacist, chart.patient, chart)
    qtbot.addWidget(taper)
    for dialog, button in ((order, order.save_button), (taper, taper.apply_button)):
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.height() <= free.height() and dialog.width() <= free.width()
        corner = button.mapTo(dialog, button.rect().bottomRight())
        assert dialog.rect().contains(corner), type(dialog).__name__
        dialog.close()
