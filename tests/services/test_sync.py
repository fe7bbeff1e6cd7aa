"""services.sync (issue 19): making the ward server, joining it, what a join and a server init
report, and how honestly a workstation says it is in step (status, the handover's offline line)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import acting
from tests.helpers.sync_wards import START, Clock, copy_ward, give_0800, new_workstation, ward_template
from ward_app.domain.clock import to_utc_text
from ward_app.domain.errors import Refused
from ward_app.services import handover
from ward_app.services import sync as svc
from ward_app.services.changes import Kind
from ward_app.storage.sync import local
from ward_app.storage.sync.server import ServerProblem

ROLE_PW = "svc-ward7-pw"


@pytest.fixture(scope="session")
def _ward_template(tmp_path_factory) -> Path:
    return ward_template(tmp_path_factory.mktemp("sync-svc-template"))


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def passfile(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "config" / "pgpass"
    monkeypatch.setenv("WARD_APP_PGPASS", str(path))
    return path


@pytest.fixture
def a(tmp_path, clock, _ward_template, passfile):
    ctx = copy_ward(_ward_template, tmp_path / "a.db", clock)
    yield ctx
    ctx.close()


@pytest.fixture
def role_url(pg_url, pg_server) -> str:
    pg_server.create_role("ward7", ROLE_PW)
    return pg_server.url(pg_url.rsplit("/", 1)[1], user="ward7", password=ROLE_PW)


def test_passfile_is_the_users_unless_named(monkeypatch, tmp_path):
    monkeypatch.delenv("WARD_APP_PGPASS", raising=False)
    assert svc.passfile().name == "pgpass" and "ward-app" in str(svc.passfile())
    monkeypatch.setenv("WARD_APP_PGPASS", str(tmp_path / "x"))
    assert svc.passfile() == tmp_path / "x"


def test_init_server_is_for_admins_and_reports_an_audit_entry(a, pg_url, role_url):
    with pytest.raises(Refused):
        svc.init_server(a, pg_url)
    with acting(a, "admin"):
        a.take_changes()
        assert svc.init_server(a, pg_url, grant="ward7") == ["s001_records"]
    changes = a.take_changes()
    assert Kind.AUDIT in changes.kinds and not changes.ward
    entry = a.db.execute("SELECT action, detail FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    assert entry[0] == "ward_server_init" and "postgres:" not in entry[1]


def test_join_reports_the_whole_ward_changed_and_moves_the_password_out(a, pg_url, role_url,
                                                                       passfile):
    with acting(a, "admin"):
        svc.init_server(a, pg_url, grant="ward7")
        a.take_changes()
        done = svc.join(a, role_url, name="Nurses' station")
    changes = a.take_changes()
    assert changes.ward
    assert done.server == svc.shown(role_url) and ROLE_PW not in done.server
    assert done.sent > 0 and done.received == 0 and done.conflicts == 0
    ws = local.workstation(a.db)
    assert ws["server_url"] == done.server and ws["name"] == "Nurses' station"
    assert ROLE_PW in passfile.read_text()
    assert ROLE_PW.encode() not in Path(a.path).read_bytes()


def test_join_needs_an_admin_unless_the_file_is_new(a, pg_url, role_url, tmp_path, clock):
    with acting(a, "admin"):
        svc.init_server(a, pg_url, grant="ward7")
    with pytest.raises(Refused):
        svc.join(a, role_url)  # nurse.jones
    a.actor = None
    with pytest.raises(Refused, match="admin"):
        svc.join(a, role_url)
    with acting(a, "admin"):
        svc.join(a, role_url)
    b = new_workstation(tmp_path / "b.db", clock)
    try:
        done = svc.join(b, svc.shown(role_url))  # no one to be yet; the password from the file
        assert done.received > 0 and done.sent == 1  # its own audit entry of the join
    finally:
        b.close()


def test_status_before_joining(a):
    st = svc.read_status(a.db)
    assert not st.joined and not st.connected and st.server is None
    assert st.pending_push == local.waiting_count(a.db) > 0
    assert svc.offline_line(a.db, a.zone) is None
    assert set(st.to_json(a.zone)) >= {"server", "connected", "pending_push", "last_pull",
                                       "conflicts"}


def test_status_is_stale_a_minute_after_the_last_contact(a):
    contact = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    local.set_state(a.db, server_url="postgresql://ward7@db/ward7",
                    last_contact_at=to_utc_text(contact))
    assert svc.read_status(a.db, now=contact + timedelta(seconds=30)).connected
    late = svc.read_status(a.db, now=contact + timedelta(seconds=90))
    assert not late.connected and late.offline_since == contact
    line = svc.offline_line(a.db, a.zone, now=contact + timedelta(minutes=5))
    assert line == ("Offline since 09:00: other workstations' records after that are missing.")
    next_day = svc.offline_line(a.db, a.zone, now=contact + timedelta(days=1))
    assert next_day is not None and next_day.startswith("Offline since 09:00 Sat 05 Dec:")


def test_status_says_offline_since_when_the_server_could_not_be_reached(a, pg_server, passfile):
    local.set_state(a.db, server_url=f"postgresql://ward7@127.0.0.1:{pg_server.port + 1}/x")
    with pytest.raises(ServerProblem):
        svc.sync_once(a)
    st = svc.status(a, probe=True)
    assert not st.connected and st.offline_since is not None and "cannot be reached" in \
        st.last_error
    assert st.pending_push > 0
    never = svc.offline_line(a.db, a.zone)
    assert never is not None and never.startswith("Offline")


def test_the_handover_says_offline_when_it_is(a, clock):
    local.set_state(a.db, server_url="postgresql://ward7@db/ward7",
                    last_contact_at=to_utc_text(datetime.now(UTC) - timedelta(hours=2)))
    clock.set("2026-11-25T07:30", a.zone)
    with acting(a, "charge.silva"):
        sheet = handover.build_handover(a)
    assert sheet.offline is not None and "records after that are missing" in sheet.offline
    local.set_state(a.db, server_url=None)
    with acting(a, "charge.silva"):
        assert handover.build_handover(a).offline is None


def test_background_knows_whether_the_file_joined(a, tmp_path):
    bg = svc.Background(a.path, on_round=lambda _r: None, on_state=lambda _c, _e: None)
    assert not bg.joined()
    local.set_state(a.db, server_url="postgresql://ward7@db/ward7")
    assert bg.joined()


def test_sync_once_and_the_loop_need_a_joined_file(a, clock):
    give_0800(a, clock)
    with pytest.raises(ServerProblem, match="not joined"):
        svc.sync_once(a)
    assert local.waiting_count(a.db) > 0
