"""When the window makes today's copy (services.backups.DailyBackups), without Qt: after the
integrity check, never of a damaged file, once a ward day, a failed copy retried 10 minutes
later; the copy audited and the old ones rotated."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import NOW
from ward_app.services.audit_log import search
from ward_app.services.backups import RETRY_AFTER_S, DailyBackups, backup_file, daily_name
from ward_app.services.errors import StorageProblem
from ward_app.storage.backup import backups_dir


def _make(plan: DailyBackups, now, ticks: float = 0.0):
    copy = plan.due(now, ticks)
    assert copy is not None
    written = backup_file(copy.db_path, copy.folder, copy.name)
    plan.saved(written)
    return written


def test_nothing_is_copied_before_the_integrity_check(ward):
    plan = DailyBackups(ward)
    assert plan.due(NOW, 0.0) is None
    plan.check_done([])
    copy = plan.due(NOW, 0.0)
    assert copy is not None and copy.name == daily_name(ward.path, "20261125")
    assert copy.folder == backups_dir(ward.path) and copy.db_path == ward.path


def test_a_damaged_file_is_never_copied(ward):
    plan = DailyBackups(ward)
    plan.check_done(["row 12 missing from index observations_taken"])
    assert plan.due(NOW, 0.0) is None
    assert plan.due(NOW + timedelta(days=1), 10_000.0) is None
    damaged = StorageProblem("The ward database file is damaged.", damaged=True)
    plan.check_failed(damaged)
    assert plan.due(NOW, 0.0) is None


def test_a_check_that_could_not_run_lets_the_copy_go_ahead(ward):
    plan = DailyBackups(ward)
    plan.check_failed(StorageProblem("The ward database is busy.", transient=True))
    assert plan.due(NOW, 0.0) is not None


def test_once_a_ward_day_then_again_the_next_day(ward):
    plan = DailyBackups(ward)
    plan.check_done([])
    written = _make(plan, NOW)
    assert written.exists()
    assert plan.due(NOW + timedelta(minutes=1), 60.0) is None  # same day: asked, not due
    # the ward day changes at local midnight (Europe/London, UTC+0 in November)
    late = NOW.replace(hour=23, minute=59)
    assert plan.due(late, 100.0) is None
    tomorrow = plan.due(late + timedelta(minutes=2), 200.0)
    assert tomorrow is not None and tomorrow.name == daily_name(ward.path, "20261126")


def test_a_copy_already_there_is_not_made_again(ward):
    first = DailyBackups(ward)
    first.check_done([])
    _make(first, NOW)
    second = DailyBackups(ward)  # a second window on the same file: today's copy exists already
    second.check_done([])
    assert second.due(NOW, 0.0) is None


def test_a_failed_copy_is_tried_again_ten_minutes_later(ward):
    assert RETRY_AFTER_S == 600
    plan = DailyBackups(ward)
    plan.check_done([])
    assert plan.due(NOW, 1000.0) is not None
    plan.failed(1000.0)
    assert plan.due(NOW, 1000.0 + 599) is None  # too soon
    again = plan.due(NOW, 1000.0 + 600)
    assert again is not None and again.name == daily_name(ward.path, "20261125")
    assert plan.due(NOW, 1000.0 + 601) is None  # once it is under way, not again


def test_a_saved_copy_is_audited_and_only_the_newest_kept(ward):
    plan = DailyBackups(ward)
    plan.check_done([])
    folder = backups_dir(ward.path)
    folder.mkdir(exist_ok=True)
    for n in range(1, 21):
        day = (NOW - timedelta(days=n)).strftime("%Y%m%d")
        (folder / daily_name(ward.path, day)).write_bytes(b"")
    written = _make(plan, NOW)
    kept = sorted(folder.glob(f"{ward.path.stem}-daily-*.db"))
    assert len(kept) == 14 and kept[-1] == written
    entries = [e for e in search(ward) if e.action == "backup.daily"]
    assert len(entries) == 1 and entries[0].detail == {"file": str(written)}
