"""The window's one runner for writes and the refresh it drives: one announcement per use-case,
the board and alerts refreshed for the changed patients only, an open chart reloading only the
tabs a change reaches, and nothing for another patient's chart."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests import typed
from tests.gui.test_patient_chart import DUE_0800, GIVEN_AT, _board_overdue, eleni_row
from ward_app.domain.errors import InvalidInput
from ward_app.gui.ops import Ops
from ward_app.services.board import WardOverview, ward_board
from ward_app.services.changes import Changes, Kind
from ward_app.services.demo import MISSED_TWO

pytestmark = pytest.mark.gui


def _chart(qtbot, window, name):
    pid = next(r.patient_id for r in ward_board(window.ctx) if r.name == name)
    chart = window.open_chart(pid)
    assert chart is not None
    qtbot.waitExposed(chart)
    return chart


def test_the_runner_announces_what_a_use_case_wrote_once(qtbot, demo_ward):
    ops = Ops(demo_ward)
    seen: list[Changes] = []
    ops.changed.connect(seen.append)
    row = eleni_row(demo_ward)
    recorded = ops.run(lambda: typed.give(demo_ward, row.mrn, DUE_0800.isoformat(), at=GIVEN_AT))
    assert recorded.patient.id == row.patient_id
    assert seen == [Changes.of(Kind.DOSES, patients=[row.patient_id])]
    with pytest.raises(InvalidInput):  # refused: nothing written, nothing announced
        ops.run(lambda: typed.give(demo_ward, row.mrn, DUE_0800.isoformat(), at=GIVEN_AT))
    assert len(seen) == 1


def test_a_write_refreshes_only_that_patients_row_and_alerts(qtbot, window, demo_ward,
                                                              monkeypatch):
    row = eleni_row(demo_ward)
    others = [r for r in window.overview.rows if r.patient_id != row.patient_id]
    asked: list[object] = []
    real = __import__("ward_app.gui.main_window", fromlist=["x"]).ward_overview

    def counting(ctx, at=None, **kw):
        asked.append(kw.get("patient_ids"))
        return real(ctx, at, **kw)

    monkeypatch.setattr("ward_app.gui.main_window.ward_overview", counting)
    window.ops.run(lambda: typed.give(demo_ward, row.mrn, DUE_0800.isoformat(), at=GIVEN_AT))
    assert asked == [frozenset({row.patient_id})]
    assert _board_overdue(window) == "1 missed"
    assert [r for r in window.overview.rows if r.patient_id != row.patient_id] == others
    # what the merged board shows is what a full refresh shows
    full = real(demo_ward)
    assert window.overview.rows == full.rows and window.overview.alerts == full.alerts


def test_a_change_to_another_patient_leaves_an_open_chart_alone(qtbot, window, demo_ward):
    chart = _chart(qtbot, window, "Gráinne Walsh")
    shown: list[object] = []
    chart.changed.connect(shown.append)
    heading = chart.heading.text()
    row = eleni_row(demo_ward)
    window.ops.run(lambda: typed.give(demo_ward, row.mrn, DUE_0800.isoformat(), at=GIVEN_AT))
    assert shown == [] and chart.heading.text() == heading


def test_observations_reload_the_observations_tab_not_the_mar(qtbot, window, demo_ward,
                                                             monkeypatch):
    chart = _chart(qtbot, window, MISSED_TWO)
    loaded: list[str] = []
    import ward_app.gui.patient_chart as chart_module

    for name in ("mar_view", "observations_view"):
        real = getattr(chart_module, name)
        monkeypatch.setattr(chart_module, name,
                            lambda *a, _real=real, _name=name, **k: loaded.append(_name) or _real(*a, **k))
    rows_before = chart.obs_model.rowCount()
    window.ops.run(lambda: typed.add_observation(demo_ward, typed.ObsText(
        mrn=chart.row.mrn, rr=18, spo2=97, on_oxygen=False, sbp=120, hr=80, acvpu="A", temp=37.0)))
    assert loaded == ["observations_view"]
    assert chart.obs_model.rowCount() == rows_before + 1
    assert "NEWS2 0 at 25 Nov 10:00" in chart.heading.text()
    loaded.clear()
    row = chart.row
    window.ops.run(lambda: typed.give(demo_ward, row.mrn, DUE_0800.isoformat(), at=GIVEN_AT))
    assert loaded == ["mar_view"]


def test_taper_buttons_follow_the_rows_taper_field(qtbot, window, demo_ward):
    chart = _chart(qtbot, window, "Gráinne Walsh")
    assert chart.taper_button.isVisibleTo(chart) and not chart.cancel_taper_button.isVisibleTo(chart)
    # the typed field decides, whatever the dose text says
    tapering = replace(chart.row, taper_active=True)
    overview = WardOverview(window.overview.at, [tapering], [])
    chart.apply_changes(Changes.of(Kind.ACKS, patients=[tapering.patient_id]), overview)
    assert "taper" not in tapering.dose
    assert chart.cancel_taper_button.isVisibleTo(chart) and not chart.taper_button.isVisibleTo(chart)


def test_a_setting_refreshes_everything(qtbot, window, demo_ward, monkeypatch):
    asked: list[object] = []
    real = __import__("ward_app.gui.main_window", fromlist=["x"]).ward_overview
    monkeypatch.setattr("ward_app.gui.main_window.ward_overview",
                        lambda ctx, at=None, **kw: asked.append(kw.get("patient_ids")) or real(
                            ctx, at, **kw))
    from tests.conftest import acting

    with acting(demo_ward, "admin"):
        window.ops.run(lambda: typed.set_setting(demo_ward, "dose.window_min", "45"))
    assert asked == [None]


def test_a_slow_use_case_runs_on_a_worker_and_its_changes_refresh_the_window(qtbot, window,
                                                                            demo_ward):
    row = eleni_row(demo_ward)
    results: list[object] = []
    with qtbot.waitSignal(window.ops.changed, timeout=10_000) as announced:
        job = window.ops.start(lambda ctx: typed.give(ctx, row.mrn, DUE_0800.isoformat(), at=GIVEN_AT),
                               results.append, results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    assert job is not None and announced.args == [Changes.of(Kind.DOSES, patients=[row.patient_id])]
    assert results[0].patient.id == row.patient_id  # type: ignore[attr-defined]
    assert _board_overdue(window) == "1 missed"  # read back on the window's own connection
    failures: list[object] = []
    window.ops.start(lambda ctx: typed.give(ctx, row.mrn, DUE_0800.isoformat(), at=GIVEN_AT),
                     failures.append, failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    assert isinstance(failures[0], InvalidInput) and "already recorded" in str(failures[0])
