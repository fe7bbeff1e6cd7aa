"""gui/rows_model.py (one table model for every list) and gui/tables.py (one table view set-up).

The second half shows every list unchanged by the move to columns: for real demo data, each cell
and header answers every role exactly as the hand-written model it replaces (tests/gui/
legacy_models.py) did, and each model passes Qt's model tester.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QAbstractItemModel, QItemSelectionModel, Qt
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QWidget

from tests import typed
from tests.conftest import NOW, act_as
from tests.gui import legacy_models as legacy
from ward_app.domain.alerts import Severity
from ward_app.gui import (
    alerts_panel,
    audit_dialog,
    mar_panel,
    observations_panel,
    pump_panel,
    taper_dialog,
    ward_board,
)
from ward_app.gui.rows_model import SORT_ROLE, Column, RowsFilter, RowsModel, bold, for_all
from ward_app.gui.tables import table_view
from ward_app.services import audit_log, pumps
from ward_app.services import mar as mar_svc
from ward_app.services import observations as obs_svc
from ward_app.services.alerts import acknowledge, ward_alerts
from ward_app.services.board import ward_board as board_rows
from ward_app.services.board import ward_overview
from ward_app.services.demo import MISSED_TWO
from ward_app.services.mar import mar_entries
from ward_app.services.patients import get_patient

pytestmark = pytest.mark.gui

Role = Qt.ItemDataRole


@dataclass(frozen=True)
class Bed:
    id: int
    name: str
    score: int


def columns(calls: list | None = None) -> list[Column[Bed]]:
    def name(b: Bed) -> str:
        if calls is not None:
            calls.append(b.id)
        return b.name

    return [Column("Name", name, tooltip=lambda b: f"patient {b.id}"),
            Column("Score", lambda b: str(b.score), sort_key=lambda b: b.score,
                   align=Qt.AlignmentFlag.AlignRight,
                   background=lambda b: QColor("red") if b.score >= 5 else None,
                   accessible=lambda b: f"score {b.score}")]


BEDS = [Bed(1, "Ann", 3), Bed(2, "bob", 12), Bed(3, "Cy", 5)]


# --- the model -------------------------------------------------------------------------------------


def test_a_rows_model_passes_the_model_tester(qtmodeltester):
    model = RowsModel(columns(), BEDS, key=lambda b: b.id, row_title=lambda b: f"bed {b.id}")
    qtmodeltester.check(model)
    model.set_rows(BEDS[:1])
    qtmodeltester.check(model)
    model.set_rows([])
    qtmodeltester.check(model)
    assert RowsModel([]).columnCount() == 0


def test_columns_say_what_each_role_shows():
    model = RowsModel(columns(), BEDS)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(2)] == ["Name", "Score"]
    assert model.headerData(0, Qt.Orientation.Horizontal, Role.ToolTipRole) is None
    assert model.headerData(0, Qt.Orientation.Vertical) is None  # no row titles unless asked
    assert model.index(1, 0).data() == "bob" and model.index(1, 1).data() == "12"
    assert model.index(1, 0).data(Role.ToolTipRole) == "patient 2"
    assert model.index(1, 1).data(Role.ToolTipRole) is None
    assert model.index(1, 0).data(Role.AccessibleTextRole) == "bob"  # the text by default
    assert model.index(1, 1).data(Role.AccessibleTextRole) == "score 12"
    assert model.index(1, 1).data(Role.TextAlignmentRole) == int(Qt.AlignmentFlag.AlignRight)
    assert model.index(1, 0).data(Role.TextAlignmentRole) is None
    assert model.index(1, 1).data(Role.BackgroundRole) == QColor("red")
    assert model.index(0, 1).data(Role.BackgroundRole) is None
    assert model.index(1, 1).data(SORT_ROLE) == 12 and model.index(1, 0).data(SORT_ROLE) == "bob"
    assert model.index(1, 0).data(Role.EditRole) is None
    assert model.row_at(2) == BEDS[2] and model.rows == tuple(BEDS)
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable


def test_each_cell_is_worked_out_once_per_refresh():
    calls: list[int] = []
    model = RowsModel(columns(calls), BEDS, key=lambda b: b.id)
    for _ in range(5):
        assert model.index(0, 0).data() == "Ann"
        model.index(0, 0).data(Role.AccessibleTextRole)
    assert calls == [1, 1]  # display and accessible text, once each
    model.set_rows([Bed(1, "Anna", 3), *BEDS[1:]])  # same patients: the cells are still forgotten
    assert model.index(0, 0).data() == "Anna" and calls == [1, 1, 1]
    model.set_rows(BEDS[1:])
    assert model.index(0, 0).data() == "bob" and model.index(2, 0).data() is None


def test_same_rows_update_in_place_and_the_selection_stays(qtbot):
    model = RowsModel(columns(), BEDS, key=lambda b: b.id)
    parent = QWidget()
    qtbot.addWidget(parent)
    view = table_view(parent, model, name="t", accessible_name="Beds")
    view.setCurrentIndex(model.index(2, 1))
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.dataChanged) as changed:
        model.set_rows([Bed(1, "Ann", 3), Bed(2, "Bob", 1), Bed(3, "Cy", 6)])
    top, bottom = changed.args[:2]
    assert (top.row(), top.column(), bottom.row(), bottom.column()) == (0, 0, 2, 1)
    assert view.currentIndex().row() == 2 and view.selectionModel().isRowSelected(2)
    assert view.currentIndex().data() == "6"
    # other patients, or another order: reset (the selection must not land on someone else)
    for rows in ([BEDS[1], BEDS[0], BEDS[2]], BEDS[:2], [Bed(4, "Di", 0), *BEDS[1:]]):
        with qtbot.waitSignal(model.modelReset):
            model.set_rows(rows)
        assert not view.currentIndex().isValid()
        view.setCurrentIndex(model.index(0, 0))
    # without a key the model cannot tell who is who: always a reset
    keyless = RowsModel(columns(), BEDS)
    with qtbot.waitSignal(keyless.modelReset):
        keyless.set_rows(BEDS)


def test_columns_built_per_refresh(qtbot):
    model = RowsModel(columns(), BEDS, key=lambda b: b.id, row_title=lambda b: f"bed {b.id}")
    renamed = [Column("Patient", lambda b: b.name.upper()), *columns()[1:]]
    with qtbot.waitSignal(model.modelReset):  # new titles: a reset
        model.set_rows(BEDS, renamed)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Patient"
    assert model.index(1, 0).data() == "BOB"
    same_titles = [Column("Patient", lambda b: b.name), *columns()[1:]]
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.headerDataChanged):
        model.set_rows(BEDS, same_titles)
    assert model.index(1, 0).data() == "bob"
    assert model.headerData(2, Qt.Orientation.Vertical) == "bed 3"
    with qtbot.waitSignal(model.modelReset):
        model.set_rows(BEDS, columns()[:1])
    assert model.columnCount() == 1


def test_for_all_fills_in_what_a_column_leaves_out():
    cols = for_all(columns(), tooltip=lambda b: "row tip", font=bold)
    model = RowsModel(cols, BEDS)
    assert model.index(0, 0).data(Role.ToolTipRole) == "patient 1"  # the column's own wins
    assert model.index(0, 1).data(Role.ToolTipRole) == "row tip"
    assert all(model.index(0, c).data(Role.FontRole).bold() for c in range(2))
    with pytest.raises(TypeError, match="title"):
        for_all(columns(), title=lambda b: "x")


def test_the_filter_sorts_on_sort_keys_and_finds_any_column(qtbot):
    model = RowsModel(columns(), BEDS)
    proxy = RowsFilter()
    proxy.setSourceModel(model)
    proxy.sort(1, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 1).data() for r in range(3)] == ["3", "5", "12"]  # numbers, not text
    proxy.sort(0, Qt.SortOrder.AscendingOrder)  # no sort key: the text, as Qt compares strings
    assert [proxy.index(r, 0).data() for r in range(3)] == ["Ann", "Cy", "bob"]
    proxy.find("BO")
    assert proxy.rowCount() == 1 and proxy.index(0, 0).data() == "bob"


# --- the view --------------------------------------------------------------------------------------


def test_table_view_set_up(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    view = table_view(parent, RowsModel(columns(), BEDS), name="beds", accessible_name="Beds")
    assert view.objectName() == "beds" and view.accessibleName() == "Beds"
    assert view.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectRows
    assert view.selectionMode() == QAbstractItemView.SelectionMode.SingleSelection
    assert view.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    assert not view.tabKeyNavigation() and view.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert view.wordWrap() and not view.alternatingRowColors() and not view.isSortingEnabled()
    header = view.horizontalHeader()
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.ResizeToContents
    assert header.stretchLastSection() and not view.verticalHeader().isVisibleTo(parent)

    proxy = RowsFilter(parent)
    proxy.setSourceModel(RowsModel(columns(), BEDS))
    grid = table_view(parent, proxy, name="g", accessible_name="G", cells=True, sortable=True,
                      sizing="stretch", stretch_last=False, row_titles=True, alternating=True)
    assert grid.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectItems
    assert grid.isSortingEnabled() and grid.alternatingRowColors()
    assert grid.horizontalHeader().sortIndicatorSection() == 0
    assert grid.horizontalHeader().sectionResizeMode(1) == QHeaderView.ResizeMode.Stretch
    assert grid.verticalHeader().isVisibleTo(parent)
    once = table_view(parent, proxy, name="o", accessible_name="O", sizing="once")
    assert once.horizontalHeader().sectionResizeMode(0) == QHeaderView.ResizeMode.Interactive


def test_every_list_in_the_window_uses_the_same_set_up(qtbot, demo_ward):
    from ward_app.gui.main_window import MainWindow
    from ward_app.gui.patient_chart import PatientChart

    window = MainWindow(demo_ward)
    qtbot.addWidget(window)
    chart = PatientChart(demo_ward, board_rows(demo_ward)[0])
    qtbot.addWidget(chart)
    audit = audit_dialog.AuditDialog(demo_ward)
    qtbot.addWidget(audit)
    act_as(demo_ward, "pharm.chen")
    taper = taper_dialog.TaperDialog(demo_ward, get_patient(demo_ward, _oral_patient(demo_ward)))
    qtbot.addWidget(taper)
    views = [window.board.table, window.alerts.table, chart.grid, chart.history, chart.obs_table,
             chart.pump_panel.history, audit.table, taper.table]
    for view in views:
        assert view.accessibleName(), view.objectName()
        assert view.selectionMode() == QAbstractItemView.SelectionMode.SingleSelection
        assert view.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
        assert not view.tabKeyNavigation()
    taper.done(0)


# --- every list shows what it showed before ------------------------------------------------------

ROLES = [*range(int(Role.SizeHintRole) + 2), int(Role.UserRole)]


def _comparable(value):
    if isinstance(value, QIcon):
        return ("icon", value.cacheKey())
    return value


def assert_same_display(old: QAbstractItemModel, new: QAbstractItemModel, roles=ROLES, *,
                        added: int = 0, changed: frozenset[tuple[int, int]] = frozenset()
                        ) -> None:
    """``new`` shows what ``old`` showed, cell by cell; ``added`` columns at the end are new, and
    the (column, role) pairs in ``changed`` were changed on purpose."""
    assert (new.rowCount(), new.columnCount()) == (old.rowCount(), old.columnCount() + added)
    assert old.rowCount() > 0 and old.columnCount() > 0
    for orientation, count in ((Qt.Orientation.Horizontal, old.columnCount()),
                               (Qt.Orientation.Vertical, old.rowCount())):
        for section in range(count):
            for role in roles:
                assert new.headerData(section, orientation, role) == \
                    old.headerData(section, orientation, role), (orientation, section, role)
    for r in range(old.rowCount()):
        for c in range(old.columnCount()):
            for role in roles:
                if (c, role) in changed:
                    continue
                was = _comparable(old.index(r, c).data(role))
                assert _comparable(new.index(r, c).data(role)) == was, (r, c, role, was)


def _oral_patient(ctx) -> str:
    return next(r.mrn for r in board_rows(ctx) if r.route == "oral")


def test_the_board_shows_what_it_showed(demo_ward, qtmodeltester):
    rows = ward_overview(demo_ward).rows  # with each patient's most severe alert, as the window
    # and what the demo ward at NOW lacks: a late dose, no vital signs, no order, a warning refill
    rows = [*rows, replace(rows[0], patient_id=-1, bed="2B", news2=None, missed=0, late=1, route="",
                           top_severity=None, refill_severity=Severity.WARNING, next_due=None),
            replace(rows[1], patient_id=-2, next_due=NOW + timedelta(days=2), refill_by=None)]
    old = legacy.WardBoardModel(zone=demo_ward.zone)
    old.set_rows(rows, NOW)
    new = ward_board.WardBoardModel(zone=demo_ward.zone)
    new.set_rows(rows, NOW)
    # issue 16 added the Acuity column and a tooltip on the Name column's alert icon
    board_changes = {"added": 1, "changed": frozenset({(1, int(Qt.ItemDataRole.ToolTipRole))})}
    assert_same_display(old, new, [*ROLES, int(SORT_ROLE)], **board_changes)
    assert any(r.missed for r in rows) and any(r.top_severity is not None for r in rows)
    assert any(r.refill_severity is not None for r in rows)
    qtmodeltester.check(new)
    # a day later every "Next due" shows its weekday: the columns follow the moment given
    old.set_rows(rows, NOW + timedelta(days=1))
    new.set_rows(rows, NOW + timedelta(days=1))
    # ...and a dose whose time has passed by then says so ("Wed 08:00 LATE"): issue 16
    nxt = 6
    shown = {(nxt, int(Qt.ItemDataRole.DisplayRole)), (nxt, int(Qt.ItemDataRole.AccessibleTextRole))}
    assert_same_display(old, new, [*ROLES, int(SORT_ROLE)], added=1,
                        changed=board_changes["changed"] | shown)
    for r in range(new.rowCount()):
        was, now = old.index(r, nxt).data(), new.index(r, nxt).data()
        assert now == was or (now.startswith(was) and now[len(was):] in (" LATE", " due now"))


def test_the_alerts_show_what_they_showed(demo_ward, qtmodeltester):
    act_as(demo_ward, "charge.silva")
    alerts = ward_alerts(demo_ward)
    acknowledge(demo_ward, next(a.id for a in alerts if a.severity >= Severity.URGENT), "seen")
    alerts = ward_alerts(demo_ward)
    assert any(a.acknowledged for a in alerts) and not all(a.acknowledged for a in alerts)
    new = alerts_panel.AlertsModel(demo_ward.zone, alerts)
    # issue 16: an acknowledged alert's text is greyed (its place and colour unchanged)
    greyed = frozenset((c, int(Qt.ItemDataRole.ForegroundRole)) for c in range(new.columnCount()))
    assert_same_display(legacy.AlertsModel(demo_ward.zone, alerts), new, changed=greyed)
    for r, a in enumerate(alerts):
        ink = new.index(r, 0).data(Qt.ItemDataRole.ForegroundRole)
        assert ink == (alerts_panel.ACKNOWLEDGED_INK if a.acknowledged else alerts_panel.INK)
    qtmodeltester.check(new)


def _mar(ctx):
    """Every patient's MAR for the week shown, one record of Eleni's marked entered in error."""
    eleni = next(r for r in board_rows(ctx) if r.name == MISSED_TWO)
    # at 09:50, when the missed 08:00 dose can still be caught up (at NOW it no longer can)
    rec = typed.give(ctx, eleni.mrn, datetime(2026, 11, 25, 8, 0).isoformat() + "+00:00",
                     at=NOW - timedelta(minutes=10))
    mar_svc.correct_record(ctx, rec.record_id, "wrong patient")
    today = NOW.astimezone(ctx.zone).date()
    days = [today - timedelta(days=i) for i in range(6, -1, -1)]
    start = datetime.combine(days[0], datetime.min.time()).replace(tzinfo=ctx.zone)
    for row in board_rows(ctx):
        entries = mar_entries(ctx, get_patient(ctx, row.mrn), start, start + timedelta(days=7))
        if entries:
            yield row, entries, days


def test_the_mar_grid_and_history_show_what_they_showed(demo_ward, qtmodeltester):
    seen_error = False
    for _row, entries, days in _mar(demo_ward):
        seen_error = seen_error or any(e.corrected for e in entries)
        old_grid, new_grid = legacy.MarGridModel(demo_ward.zone), mar_panel.MarGridModel(demo_ward.zone)
        old_grid.set_entries(entries, days)
        new_grid.set_entries(entries, days)
        assert_same_display(old_grid, new_grid)
        for r in range(old_grid.rowCount()):
            for c in range(-1, old_grid.columnCount() + 1):
                assert new_grid.entry(r, c) == old_grid.entry(r, c)
        old_history = legacy.MarHistoryModel(demo_ward.zone)
        new_history = mar_panel.MarHistoryModel(demo_ward.zone)
        old_history.set_entries(entries)
        new_history.set_entries(entries)
        if old_history.rowCount():
            assert_same_display(old_history, new_history)
            assert new_history.entry(0) == old_history.entry(0)
    assert seen_error
    qtmodeltester.check(new_grid)
    qtmodeltester.check(new_history)
    # a week that starts elsewhere: the day columns are built again
    later = [d + timedelta(days=1) for d in days]
    old_grid.set_entries(entries, later)
    new_grid.set_entries(entries, later)
    assert_same_display(old_grid, new_grid)


def test_the_observations_show_what_they_showed(demo_ward, qtmodeltester):
    now = demo_ward.now()
    checked = 0
    for i, row in enumerate(board_rows(demo_ward)):
        p = get_patient(demo_ward, row.mrn)
        rows = obs_svc.history(demo_ward, p, now - timedelta(hours=72), now)
        if not rows:
            continue
        if i % 3 == 0:
            obs_svc.correct_observation(demo_ward, rows[0].observation.id, "wrong patient")
            rows = obs_svc.history(demo_ward, p, now - timedelta(hours=72), now)
        old = legacy.ObservationHistoryModel(demo_ward.zone)
        new = observations_panel.ObservationHistoryModel(demo_ward.zone)
        old.set_rows(rows)
        new.set_rows(rows)
        assert_same_display(old, new)
        assert new.row_at(0) == old.row_at(0)
        checked += 1
    assert checked > 5
    qtmodeltester.check(new)


def test_the_refill_history_shows_what_it_showed(demo_ward, qtmodeltester):
    views = [v for r in board_rows(demo_ward) if r.route == "intrathecal"
             if (v := pumps.pump_view(demo_ward, get_patient(demo_ward, r.mrn))) is not None]
    assert any(v.refills for v in views)
    for view in views:
        old, new = legacy.RefillHistoryModel(demo_ward.zone), pump_panel.RefillHistoryModel(demo_ward.zone)
        old.set_rows(view.refills)
        new.set_rows(view.refills)
        if view.refills:  # issue 18 added the volume drawn out, issue 20 the ampoule, at the end
            assert_same_display(old, new, added=2)
    qtmodeltester.check(new)


def test_the_audit_trail_shows_what_it_showed(demo_ward, qtmodeltester):
    next(_mar(demo_ward))  # a record marked entered in error: its audit entry has a tooltip
    entries = audit_log.search(demo_ward)
    assert any(e.corrects for e in entries)
    old, new = legacy.AuditModel(), audit_dialog.AuditModel()
    old.set_entries(entries)
    new.set_entries(entries)
    detail = audit_dialog.COLUMNS.index("Details")  # in words since issue 16 (below)
    words = {(detail, int(Qt.ItemDataRole.DisplayRole)),
             (detail, int(Qt.ItemDataRole.AccessibleTextRole))}
    assert_same_display(old, new, changed=frozenset(words))
    fix = next(r for r, e in enumerate(new.entries) if e.corrects)
    assert "was recorded as: given late" in new.index(fix, detail).data()
    assert "original_outcome" not in new.index(fix, detail).data()
    assert new.entries == tuple(old.entries)
    qtmodeltester.check(new)


def test_the_taper_plan_shows_what_it_showed(demo_ward, qtmodeltester):
    act_as(demo_ward, "pharm.chen")
    mrn = next(r.mrn for r in board_rows(demo_ward) if r.name == "Gráinne Walsh")  # 20 mg TDS
    old, new = legacy.PlanModel(), taper_dialog.PlanModel()
    for step, every, form in ((5, 3, "tablet"), (10, 7, "tablet"), (5, 4, "solution")):
        plan = typed.taper_preview(demo_ward, typed.TaperText(
            mrn=mrn, step_mg=step, every_days=every, start=date(2026, 12, 1), form=form)).plan
        old.set_plan(plan)
        new.set_plan(plan)
        assert_same_display(old, new)
        assert new.plan is plan
        qtmodeltester.check(new)
    old.set_plan(None)
    new.set_plan(None)
    assert (new.rowCount(), new.columnCount()) == (0, 0)
    assert new.headerData(0, Qt.Orientation.Horizontal) is None
    qtmodeltester.check(new)


def test_the_alerts_panel_keeps_the_selected_alert_across_a_refresh(qtbot, demo_ward):
    panel = alerts_panel.AlertsPanel(demo_ward.zone, ctx=demo_ward)
    qtbot.addWidget(panel)
    alerts = ward_alerts(demo_ward)
    panel.set_alerts(alerts)
    panel.table.setCurrentIndex(panel.model.index(2, 0))
    panel.table.selectionModel().select(panel.model.index(2, 0),
                                        QItemSelectionModel.SelectionFlag.ClearAndSelect
                                        | QItemSelectionModel.SelectionFlag.Rows)
    with qtbot.assertNotEmitted(panel.model.modelReset):
        panel.set_alerts(ward_alerts(demo_ward))
    assert panel.current_alert() == alerts[2]
    assert panel.table.selectionModel().isRowSelected(2)
