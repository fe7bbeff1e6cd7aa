"""The settings dialog (admin only, validated, audited) and the audit trail viewer, offscreen."""

from __future__ import annotations

from tests.conftest import act_as, database_state
from ward_app.gui.audit_dialog import AuditDialog
from ward_app.gui.settings_dialog import SettingsDialog
from ward_app.services.board import ward_board
from ward_app.storage import audit


def _row(dialog, key):
    return next(r for r in range(dialog.table.rowCount()) if dialog.table.item(r, 0).text() == key)


def test_settings_dialog_saves_valid_changes_and_refuses_bad_ones(qtbot, demo_ward):
    act_as(demo_ward, "admin")
    d = SettingsDialog(demo_ward)
    qtbot.addWidget(d)
    row = _row(d, "pump.refill_buffer_days")
    assert d.table.item(row, 1).text() == "7" and "Gillette" in d.table.item(row, 4).text()
    before = database_state(demo_ward.path)
    d.table.item(row, 1).setText("ten")
    d.table.item(_row(d, "withdrawal.watch_hours"), 1).setText("72")
    d.save()
    assert "not a valid value" in d.error.text() and database_state(demo_ward.path) == before
    d.table.item(row, 1).setText("10")
    d.save()
    assert d.result() == 1 and d.changed
    t = demo_ward.thresholds()
    assert t.pump_refill_buffer_days == 10 and t.withdrawal_watch_hours == 72
    assert [e["action"] for e in audit.entries(demo_ward.db, limit=2)] == ["setting.change"] * 2


def test_a_nurse_sees_settings_but_cannot_change_them(qtbot, demo_ward):
    d = SettingsDialog(demo_ward)
    qtbot.addWidget(d)
    assert not d.save_button.isEnabled() and not d.tz.isEnabled()


def test_audit_viewer_filters_by_patient(qtbot, demo_ward):
    mrn = next(r.mrn for r in ward_board(demo_ward) if r.name == "Zoë Ní Bhriain")
    d = AuditDialog(demo_ward)
    qtbot.addWidget(d)
    everything = d.model.rowCount()
    d.mrn.setText(mrn)
    d.search()
    assert 0 < d.model.rowCount() < everything
    assert all(e.mrn == mrn for e in d.model.entries)
    assert "entries" in d.status.text()
