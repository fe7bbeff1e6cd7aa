"""After the window is shown: the full integrity check on a worker thread, then today's backup;
a damaged or unreadable database is said out loud, never shown as an empty or stale board."""

from __future__ import annotations

import shutil

import pytest

from ward_app.gui.main_window import MainWindow
from ward_app.services.backups import daily_name
from ward_app.storage.backup import backups_dir
from ward_app.storage.errors import StorageProblem


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
    assert "20261124T070000Z.db" in text and "restore --from" in text  # the latest backup, named
    qtbot.wait(500)
    assert not _today_backup(demo_ward).exists()  # a damaged file is not copied over the backups
    assert len(boxes) == 1


def test_a_refresh_that_cannot_read_the_database_says_so_once(qtbot, demo_ward, boxes, monkeypatch):
    w = _window(qtbot, demo_ward)
    assert w.board.model.rowCount() == 24
    busy = StorageProblem("The ward database is busy: another workstation is saving. Nothing was "
                          "saved; try again in a moment.")

    def fail(ctx):
        raise busy

    monkeypatch.setattr("ward_app.gui.main_window.ward_overview", fail)
    w.refresh()
    w.refresh()  # the next minute: the same problem is not shown again
    assert boxes == [("warning", "The ward database cannot be read", str(busy))]
    assert w.updated_label.text() == "NOT UPDATED"
    assert "Not refreshed" in w.statusBar().currentMessage()
    assert w.board.model.rowCount() == 24  # the last board stays, marked as not updated
    monkeypatch.undo()
    w.refresh()
    assert w.updated_label.text().startswith("Updated ")


def test_damage_found_by_the_refresh_and_then_by_the_check_is_said_once(qtbot, demo_ward, boxes,
                                                                        monkeypatch):
    w = _window(qtbot, demo_ward)

    def damaged(ctx):
        raise StorageProblem("The ward database file is damaged. Nothing was changed; ask IT to "
                             "restore the latest backup.")

    monkeypatch.setattr("ward_app.gui.main_window.ward_overview", damaged)
    w.refresh()
    w._integrity_done(["*** in database main *** Page 176: btreeInitPage() returns error code 11"])
    assert [(kind, title) for kind, title, _ in boxes] == [("critical", "The ward database is damaged")]
    assert boxes[0][2].startswith("The ward database file is damaged. Stop recording here")
    assert "No backup of it was found beside it" in boxes[0][2]


def test_a_window_opened_while_the_database_cannot_be_read_shows_the_message_cleanly(
        qtbot, demo_ward, boxes, monkeypatch):
    def busy(ctx):
        raise StorageProblem("The ward database is busy: another workstation is saving. Nothing "
                             "was saved; try again in a moment.")

    monkeypatch.setattr("ward_app.gui.main_window.ward_overview", busy)
    w = _window(qtbot, demo_ward)  # the first refresh runs before the window is shown
    qtbot.waitUntil(lambda: w.statusBar().currentMessage().startswith("Not refreshed"), timeout=5000)
    assert not w.user_label.isVisible()  # hidden under the message, not drawn through it
    assert w.updated_label.text() == "NOT UPDATED" and [b[0] for b in boxes] == ["warning"]
