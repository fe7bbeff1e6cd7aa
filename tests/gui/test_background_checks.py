"""After the window is shown: the full integrity check on a worker thread, then today's backup;
a damaged or unreadable database is said out loud, never shown as an empty or stale board."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from ward_app.gui.main_window import MainWindow
from ward_app.services.backups import daily_name
from ward_app.storage.backup import backups_dir
from ward_app.storage.errors import StorageProblem, translate


@pytest.fixture
def boxes(monkeypatch):
    """Every message box the window raises, as (kind, title, text), instead of showing it."""
    shown: list[tuple[str, str, str]] = []
    for kind in ("critical", "warning"):
        monkeypatch.setattr(
            "ward_app.gui.main_window.QMessageBox." + kind,
            lambda parent, title, text, *rest, _kind=kind: shown.append((_kind, title, text)))
    return shown


def _window(qtbot, ctx) -> MainWindow:
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _today_backup(ctx):
    day = ctx.now().astimezone(ctx.zone).strftime("%Y%m%d")
    return backups_dir(ctx.path) / daily_name(ctx.path, day)


def test_a_sound_database_gets_its_daily_backup_after_the_check(qtbot, demo_ward, boxes):
    w = _window(qtbot, demo_ward)
    target = _today_backup(demo_ward)
    assert not target.exists()
    w.start_background_work()
    qtbot.waitUntil(target.exists, timeout=20_000)
    qtbot.waitUntil(lambda: "Today's backup saved" in w.statusBar().currentMessage(), timeout=10_000)
    assert boxes == []


def test_a_database_damaged_under_the_window_is_said_at_once_and_not_backed_up(
        qtbot, demo_ward, boxes, tmp_path):
    manual = backups_dir(demo_ward.path)
    manual.mkdir(exist_ok=True)
    shutil.copyfile(demo_ward.path, manual / f"{demo_ward.path.stem}-20261124T070000Z.db")
    w = _window(qtbot, demo_ward)
    demo_ward.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = demo_ward.path.stat().st_size
    with demo_ward.path.open("r+b") as f:  # junk over the middle: what a failing disk leaves
        f.seek(size // 3)
        f.write(b"\x5a" * 8192)
    w.start_background_work()
    qtbot.waitUntil(lambda: bool(boxes), timeout=20_000)
    kind, title, text = boxes[0]
    assert kind == "critical" and title == "The ward database is damaged"
    assert "Stop recording here and tell IT now" in text
    assert "20261124T070000Z.db" in text  # the latest backup, named
    assert "Restore the latest backup" in text and "--" not in text  # in the window's words
    qtbot.wait(500)
    assert not _today_backup(demo_ward).exists()  # a damaged file is not copied over the backups
    assert len(boxes) == 1


BUSY = StorageProblem("The ward database is busy: another workstation is saving. Nothing was "
                      "saved; try again in a moment.", transient=True)
READ_ONLY = StorageProblem("The ward database at /x/ward.db is read-only on this workstation (the "
                           "file or its folder cannot be written). Nothing was changed; ask IT to "
                           "give this workstation write access to it.")


def test_a_busy_database_marks_the_board_not_updated_without_a_box(qtbot, demo_ward, boxes,
                                                                    monkeypatch):
    w = _window(qtbot, demo_ward)
    assert w.board.model.rowCount() == 24

    def busy(ctx):
        raise BUSY

    for _ in range(3):  # busy every other minute: no box each time, the board says so
        monkeypatch.setattr("ward_app.gui.main_window.ward_overview", busy)
        w.refresh()
        assert w.updated_label.text() == "NOT UPDATED"
        assert "Not refreshed" in w.statusBar().currentMessage()
        assert w.board.model.rowCount() == 24  # the last board stays, marked as not updated
        monkeypatch.undo()
        w.refresh()
        assert w.updated_label.text().startswith("Updated ")
    assert boxes == []


def test_a_database_that_cannot_be_read_is_said_in_a_box_once(qtbot, demo_ward, boxes, monkeypatch):
    w = _window(qtbot, demo_ward)

    def read_only(ctx):
        raise READ_ONLY

    monkeypatch.setattr("ward_app.gui.main_window.ward_overview", read_only)
    w.refresh()
    w.refresh()  # the next minute: the same problem is not shown again
    assert boxes == [("warning", "The ward database cannot be read", str(READ_ONLY))]
    assert w.updated_label.text() == "NOT UPDATED"


def test_the_backup_waits_for_the_integrity_check(qtbot, demo_ward, boxes, monkeypatch):
    monkeypatch.setattr("ward_app.gui.main_window.file_integrity_problems",
                        lambda path: ["row 12 missing from index observations_taken"])
    w = _window(qtbot, demo_ward)
    w.start_background_work()
    qtbot.waitUntil(lambda: bool(boxes), timeout=20_000)
    assert boxes[0][1] == "The ward database is damaged" and "observations_taken" in boxes[0][2]
    w.refresh()
    qtbot.wait(300)
    assert not _today_backup(demo_ward).exists()


def test_a_check_that_cannot_run_still_lets_the_backup_happen(qtbot, demo_ward, boxes, monkeypatch):
    def busy(path):
        raise BUSY

    monkeypatch.setattr("ward_app.gui.main_window.file_integrity_problems", busy)
    w = _window(qtbot, demo_ward)
    w.start_background_work()
    qtbot.waitUntil(_today_backup(demo_ward).exists, timeout=20_000)
    # the copy's callback has run on the GUI thread (the worker is done before the window goes)
    qtbot.waitUntil(lambda: "backup saved" in w.statusBar().currentMessage(), timeout=20_000)
    assert boxes == []


def test_a_failed_backup_is_tried_again_later(qtbot, demo_ward, boxes, monkeypatch):
    from ward_app.gui import main_window
    from ward_app.storage.backup import backup_file

    tries: list[int] = []

    def flaky(*args):
        tries.append(1)
        if len(tries) == 1:
            raise StorageProblem("The disk holding the ward database is full. Nothing was saved; "
                                 "ask IT to free space, then try again.")
        return backup_file(*args)

    monkeypatch.setattr(main_window, "backup_file", flaky)
    w = _window(qtbot, demo_ward)
    w.start_background_work()
    qtbot.waitUntil(lambda: "backup failed" in w.statusBar().currentMessage(), timeout=20_000)
    w.refresh()  # too soon: not tried again yet
    qtbot.wait(200)
    assert len(tries) == 1
    w.backups.retry_at = 0.0  # as if the retry time had passed
    w.refresh()
    qtbot.waitUntil(_today_backup(demo_ward).exists, timeout=20_000)
    assert len(tries) == 2 and boxes == []


def test_damage_found_by_the_refresh_and_then_by_the_check_is_said_once(qtbot, demo_ward, boxes,
                                                                        monkeypatch):
    w = _window(qtbot, demo_ward)

    def damaged(ctx):
        raise translate(sqlite3.DatabaseError("database disk image is malformed"))

    monkeypatch.setattr("ward_app.gui.main_window.ward_overview", damaged)
    w.refresh()
    w._integrity_done(["*** in database main *** Page 176: btreeInitPage() returns error code 11"])
    assert [(kind, title) for kind, title, _ in boxes] == [("critical", "The ward database is damaged")]
    assert boxes[0][2].startswith("The ward database file is damaged. Stop recording here")
    assert "No backup of it was found beside it" in boxes[0][2]


def test_a_window_opened_while_the_database_cannot_be_read_shows_the_message_cleanly(
        qtbot, demo_ward, boxes, monkeypatch):
    def busy(ctx):
        raise BUSY

    monkeypatch.setattr("ward_app.gui.main_window.ward_overview", busy)
    w = _window(qtbot, demo_ward)  # the first refresh runs before the window is shown
    qtbot.waitUntil(lambda: w.statusBar().currentMessage().startswith("Not refreshed"), timeout=5000)
    assert not w.user_label.isVisible()  # hidden under the message, not drawn through it
    assert w.updated_label.text() == "NOT UPDATED" and boxes == []
