"""The window's side of the ward server sync (issue 19), against a real PostgreSQL (tests/helpers/
postgres.py): two ward files joined to one server, the window open on one; a dose given at the
other shows in it within seconds; the server stopped, the window says OFFLINE (strip and status
bar) with what waits; back, the same dose given at both raises the recorded-twice alert, with the
chime. The waits are generous (10 s): they are not timing assertions."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD, NOW
from ward_app.gui.sync_status import STOP_WAIT_S
from ward_app.services import sync
from ward_app.services.admin import init_ward
from ward_app.services.changes import Changes, Kind
from ward_app.services.context import open_context, resolve_actor
from ward_app.services.mar import give_dose

WAIT_MS = 10_000


@pytest.fixture(scope="module")
def _small_ward(tmp_path_factory) -> Path:
    """A small demo ward (3 patients, 2 days: one oral), built once for the module."""
    from ward_app.services.demo import build_demo

    path = tmp_path_factory.mktemp("sync-template") / "station.db"
    ctx = init_ward(path, ward="Ward 7", tz="Europe/London", admin_password=ADMIN_PASSWORD,
                    clock=lambda: NOW, drill=True)
    try:
        build_demo(ctx, patients=3, days=2, seed=1)
    finally:
        ctx.close()
    return path


class Ward:
    """Two workstations of one ward on one server: ``station`` (the window's file, the ward
    built there) and ``bay`` (a new workstation that joined and received everything), both
    acting as the demo nurse at the oral patient's next due dose."""

    def __init__(self, tmp_path: Path, template: Path, url: str):
        station_path, bay_path = tmp_path / "station.db", tmp_path / "bay.db"
        shutil.copyfile(template, station_path)
        self.station = open_context(station_path, clock=lambda: NOW, user="admin")
        sync.init_server(self.station, url)
        sync.join(self.station, url, name="Nurses' station")
        self.bay = open_context(bay_path, clock=lambda: NOW, create=True)
        sync.join(self.bay, url, name="Bay 2 COW")
        from ward_app.services.board import ward_board

        oral = next(r for r in ward_board(self.station) if r.route == "oral")
        assert oral.next_due is not None
        self.patient_id, self.due = oral.patient_id, oral.next_due
        for ctx in (self.station, self.bay):
            ctx.clock = lambda: self.due  # on time
            ctx.actor = resolve_actor(ctx, "nurse.jones")

    def close(self) -> None:
        self.station.close()
        self.bay.close()


@pytest.fixture
def two(tmp_path, _small_ward, pg_url, monkeypatch):
    monkeypatch.setenv("WARD_APP_PGPASS", str(tmp_path / "pgpass"))
    ward = Ward(tmp_path, _small_ward, pg_url)
    yield ward
    ward.close()


@pytest.fixture
def station_window(qtbot, two):
    from ward_app.gui.main_window import MainWindow

    w = MainWindow(two.station)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.sync.running and w.sync.live_connected() is True, timeout=WAIT_MS)
    yield w
    w.close()
    assert w.sync.wait(), "the sync worker did not end"


def _given_at_station_window(w, two) -> bool:
    row = w.row_for(two.patient_id)
    return row is not None and row.next_due != two.due


def test_a_dose_given_at_another_workstation_shows_in_the_window(qtbot, two, station_window):
    w = station_window
    assert w.sync_button.isVisible()
    assert w.sync_button.text().startswith("Ward server: connected · in step ")
    assert not w.offline_strip.isVisible()
    assert w.ward_server_action.isVisible()
    assert not _given_at_station_window(w, two)
    chart = w.open_chart(two.patient_id)
    assert chart is not None

    give_dose(two.bay, two.patient_id, two.due)
    sync.sync_once(two.bay)  # the bay's sync sends it; the server tells the station

    qtbot.waitUntil(lambda: _given_at_station_window(w, two), timeout=WAIT_MS)
    assert w.sync.rounds >= 1
    assert chart.row.next_due != two.due  # the open chart was told too

    dialog = w.show_ward_server()
    fields = {k: v.text() for k, v in dialog.fields.items()}
    assert fields["server"].startswith("postgresql://postgres@127.0.0.1:")
    assert "@" in fields["server"] and fields["server"].count(":") == 2  # no password in it
    assert fields["workstation"] == "Nurses' station"
    assert fields["state"].startswith("Connected")
    assert fields["conflicts"] == "none"
    dialog.close()


def test_offline_then_back_the_same_dose_given_twice_raises_the_alert(qtbot, two, pg_server,
                                                                       station_window):
    w = station_window
    pg_server.stop()
    qtbot.waitUntil(lambda: w.offline_strip.isVisible(), timeout=WAIT_MS)
    assert w.offline_strip.text().startswith("OFFLINE since ")
    assert "records from other workstations after" in w.offline_strip.text()
    assert w.sync_button.text().startswith("OFFLINE since ")
    assert "other workstations' records after" in w.sync_button.toolTip()
    w.sync.stop()  # closing with the server down: the worker ends at once
    assert w.sync.wait(STOP_WAIT_S)
    assert w.sync.start()

    # both record the same due dose while the server is down
    assert "waiting to be sent" not in w.sync_button.text()
    w.ops.run(lambda: give_dose(two.station, two.patient_id, two.due))
    assert re.search(r"· \d+ records? waiting to be sent", w.sync_button.text())
    give_dose(two.bay, two.patient_id, two.due)
    played = w.sound.played

    pg_server.start()
    sync.sync_once(two.bay)
    w.sync.sync_now()  # no waiting out the back-off
    qtbot.waitUntil(lambda: any(a.rule == "dose.recorded_twice" for a in w.overview.alerts),
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not w.offline_strip.isVisible(), timeout=WAIT_MS)
    assert w.sound.played > played  # the chime, as for an urgent alert raised here
    assert w.banner.isVisible()
    assert "1 conflict to check" in w.sync_button.text()
    assert w.sync_button.text().startswith("Ward server: connected")


def test_a_ward_file_not_joined_shows_nothing_of_it(window):
    assert not window.sync.joined and not window.sync.running
    assert not window.sync_button.isVisible()
    assert not window.offline_strip.isVisible()
    assert not window.ward_server_action.isVisible()


def test_what_a_round_changes_in_the_window():
    from ward_app.gui.sync_status import round_changes

    doses = round_changes({"administrations", "audit"}, {3})
    assert doses.patient_ids == {3} and doses.any_of(Kind.DOSES) and not doses.ward
    assert round_changes({"settings"}, set()).any_of(Kind.SETTINGS)
    assert round_changes({"pump_alarm_resolutions"}, {2}) == Changes.everything()
    assert round_changes({"alert_acks"}, set()) == Changes.everything()  # whose: unknown
    assert not round_changes({"users", "audit"}, set()).any_of(Kind.DOSES)
    assert round_changes({"administrations"}, {3}, conflicts=1).any_of(Kind.DOSES)


def test_the_words_for_each_state():
    from zoneinfo import ZoneInfo

    from ward_app.gui.sync_status import status_text, strip_text

    london = ZoneInfo("Europe/London")
    now = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
    base = sync.SyncStatus(joined=True, server="postgresql://ward7@db/ward7", workstation="x",
                           workstation_name="Bay", connected=True, pending_push=0, waiting_in=0,
                           last_pull=datetime(2026, 11, 25, 10, 29, tzinfo=UTC),
                           offline_since=None, conflicts=0, open_conflicts=0, last_error=None)
    assert status_text(base, london, now) == "Ward server: connected · in step 10:29"
    assert strip_text(base, london, now) is None
    from dataclasses import replace

    off = replace(base, connected=False, pending_push=3,
                  offline_since=datetime(2026, 11, 25, 9, 5, tzinfo=UTC), open_conflicts=2)
    assert status_text(off, london, now) == (
        "OFFLINE since 09:05 · 3 records waiting to be sent · 2 conflicts to check")
    assert status_text(off, london, now, full=True) == (
        "OFFLINE since 09:05 · 3 records waiting to be sent · other workstations' records after "
        "09:05 are not here · 2 conflicts to check")
    assert strip_text(off, london, now) == ("OFFLINE since 09:05 — records from other "
                                            "workstations after 09:05 are missing")
    never = replace(off, offline_since=None, pending_push=0, open_conflicts=0)
    assert "not reached yet" in status_text(never, london, now)
    assert status_text(replace(base, joined=False), london, now) == ""
