"""The window's side of the ward server sync (issue 19): the background sync on a worker thread,
what a round received turned into the window's ``Changes``, and how in step this workstation is
said in the status bar, in an offline strip across the window and in the *Ward server* dialog.

A ward file that has not joined a server shows none of it. The sync itself is
``services.sync.Background``: it opens its own connection to the ward file on its thread and calls
back there; ``WardSync`` hands the callbacks to the GUI thread with Qt signals and works out the
state there, on the window's connection (``services.sync.read_status``: a few counts).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, tzinfo
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ward_app.domain.errors import WardError
from ward_app.services.changes import Changes, Kind
from ward_app.services.context import Context
from ward_app.services.sync import STALE_AFTER, Background, SyncStatus, read_status

#: What a received record of each table may change in the window. A table whose rows do not
#: name their patient (or one not listed) makes the window refresh everything.
TABLE_KINDS: dict[str, Kind] = {
    "administrations": Kind.DOSES,
    "observations": Kind.OBSERVATIONS,
    "orders": Kind.ORDERS, "tapers": Kind.ORDERS,
    "pumps": Kind.PUMP, "pump_refills": Kind.PUMP, "pump_alarms": Kind.PUMP,
    "pump_events": Kind.PUMP, "pump_checklist_steps": Kind.PUMP,
    "patients": Kind.PATIENT, "patient_flags": Kind.PATIENT, "comedications": Kind.PATIENT,
    "lab_results": Kind.PATIENT,
    "alert_acks": Kind.ACKS,
    "users": Kind.USERS,
    "audit": Kind.AUDIT, "handover_notes": Kind.AUDIT, "handover_takeovers": Kind.AUDIT,
    "medicine_packs": Kind.AUDIT,  # read when a pack is scanned: nothing on screen to redo
}
#: Received, these reach the whole ward (thresholds, dose times, the ward's time zone).
WARD_TABLES = frozenset({"settings", "wards"})
#: Kinds the window shows only through other things (nothing on the board or a chart).
UNSHOWN = frozenset({Kind.USERS, Kind.AUDIT})

#: How often the shown state is worked out again without news from the worker (it goes stale
#: when the worker has said nothing for ``STALE_AFTER``).
RECHECK_MS = 15_000
#: How long closing waits for the worker (a server that does not answer: the 3 s connect timeout).
STOP_WAIT_S = 4.0

AMBER = "#f5a623"
INK = "#111111"


def round_changes(tables: set[str], patient_ids: set[int], conflicts: int = 0) -> Changes:
    """What the window must show again after a round received records of ``tables`` for
    ``patient_ids`` (``Changes.everything()`` when it cannot tell whose)."""
    if tables & WARD_TABLES:
        return Changes.of(Kind.SETTINGS, ward=True)
    kinds = {TABLE_KINDS.get(t) for t in tables}
    if None in kinds:  # rows that do not name their patient (pump alarm resolutions)
        return Changes.everything()
    shown = {k for k in kinds if k is not None and k not in UNSHOWN}
    if (shown or conflicts) and not patient_ids:
        return Changes.everything()
    if conflicts:
        shown.add(Kind.DOSES)
    return Changes.of(*(k for k in kinds if k is not None), *shown, patients=patient_ids)


def _clock(t: datetime, zone: tzinfo, now: datetime) -> str:
    local = t.astimezone(zone)
    return f"{local:%H:%M}" if local.date() == now.astimezone(zone).date() else \
        f"{local:%a %d %b %H:%M}"


def _records(n: int) -> str:
    return f"{n} record{'s' if n != 1 else ''}"


def status_text(st: SyncStatus, zone: tzinfo, now: datetime | None = None, *,
                full: bool = False) -> str:
    """The status bar's words (empty when this workstation has not joined a ward server). Short
    enough for the status bar beside the user and the file: what is missing while offline is
    said by the offline strip (and, with ``full``, here: the tooltip)."""
    if not st.joined:
        return ""
    now = now or datetime.now(UTC)
    if st.connected:
        parts = ["Ward server: connected"]
        if st.last_pull is not None:
            parts.append(f"in step {_clock(st.last_pull, zone, now)}")
    else:
        since = _clock(st.offline_since, zone, now) if st.offline_since else None
        parts = [f"OFFLINE since {since}" if since else "OFFLINE: the ward server not reached yet"]
        if st.pending_push:
            parts.append(f"{_records(st.pending_push)} waiting to be sent")
        if full:
            parts.append(f"other workstations' records after {since} are not here" if since else
                         "other workstations' records are not here")
    if st.open_conflicts:
        n = st.open_conflicts
        parts.append(f"{n} conflict{'s' if n != 1 else ''} to check")
    return " · ".join(parts)


def strip_text(st: SyncStatus, zone: tzinfo, now: datetime | None = None) -> str | None:
    """The offline strip across the window (None when in step or not joined)."""
    if not st.joined or st.connected:
        return None
    now = now or datetime.now(UTC)
    if st.offline_since is None:
        return ("OFFLINE — the ward server has not been reached yet: records from other "
                "workstations are missing")
    since = _clock(st.offline_since, zone, now)
    return f"OFFLINE since {since} — records from other workstations after {since} are missing"


class _Bridge(QObject):
    """Carries the worker's callbacks to the GUI thread (queued: emitted on the worker)."""

    state = Signal(int, bool, object)  # generation, connected, problem
    round_done = Signal(int, object)  # generation, engine Round


class WardSync(QObject):
    """The window's background sync: ``start()`` after the window opens (nothing happens for a
    ward file that has not joined a server), ``stop()`` and ``wait()`` when it closes,
    ``sync_now()`` to try at once (the worker starts again: no waiting out the back-off).

    ``status_changed(SyncStatus)`` whenever the state may read differently; ``received(
    Changes)`` after a round that brought other workstations' records."""

    status_changed = Signal(object)
    received = Signal(object)

    def __init__(self, ctx: Context, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._bridge = _Bridge()  # no parent: lives as long as a worker may still emit
        self._bridge.state.connect(self._on_state)
        self._bridge.round_done.connect(self._on_round)
        self._generation = 0
        self._current: Background | None = None
        self._threads: list[threading.Thread] = []
        self._connected: bool | None = None  # what the worker last said; None: not yet
        self._heard = 0.0  # time.monotonic() of that
        self.problem: str | None = None
        self.status: SyncStatus | None = None
        self.rounds = 0  # rounds that received something (tests wait on it)
        self._recheck = QTimer(self)
        self._recheck.setInterval(RECHECK_MS)
        self._recheck.timeout.connect(self.update_status)
        self.update_status()

    @property
    def joined(self) -> bool:
        return self.status is not None and self.status.joined

    @property
    def running(self) -> bool:
        return self._current is not None

    def start(self) -> bool:
        """Start syncing in the background (False: not joined to a ward server, or running)."""
        self.update_status()
        if not self.joined or self._current is not None:
            return False
        self._generation += 1
        gen = self._generation

        def on_state(connected: bool, problem: str | None) -> None:
            if gen == self._generation:
                self._bridge.state.emit(gen, connected, problem)

        def on_round(done: Any) -> None:
            if gen == self._generation:
                self._bridge.round_done.emit(gen, done)

        bg = Background(self.ctx.path, on_round=on_round, on_state=on_state)
        self._current = bg

        def work() -> None:
            try:
                bg.run()
            except Exception as exc:  # noqa: BLE001 - said in the window, not raised on a thread
                if gen == self._generation:
                    self._bridge.state.emit(gen, False, f"The sync stopped: {exc}")

        thread = threading.Thread(target=work, name="ward-server-sync", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        self._recheck.start()
        return True

    def stop(self) -> None:
        """Tell the worker to stop (it ends within a fraction of a second, or when its
        connection attempt times out); its late callbacks are ignored."""
        self._generation += 1
        if self._current is not None:
            self._current.stop()
            self._current = None
        self._recheck.stop()

    def wait(self, timeout: float = STOP_WAIT_S) -> bool:
        """Stop, and wait up to ``timeout`` seconds for every worker to end (True when they
        have: a daemon thread left behind does not keep the app from exiting)."""
        self.stop()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]
        return not self._threads

    def sync_now(self) -> None:
        """Try the server now: the worker is started again (a fresh connection, a round at
        once), without waiting for the old one to end."""
        if not self.joined:
            return
        self.stop()
        self.start()

    def _on_state(self, gen: int, connected: bool, problem: object) -> None:
        if gen != self._generation:
            return
        self._connected = connected
        self._heard = time.monotonic()
        self.problem = None if connected else str(problem) if problem else None
        self.update_status()  # after every round: a few counts over partial indexes

    def _on_round(self, gen: int, done: Any) -> None:
        if gen != self._generation:
            return
        self._connected, self._heard = True, time.monotonic()
        if done.received or done.conflicts:
            self.rounds += 1
            self.received.emit(round_changes(set(done.tables), set(done.patient_ids),
                                             len(done.conflicts)))
        self.update_status()

    def live_connected(self) -> bool | None:
        """What the worker last said, while it is recent; else None (the stored state decides)."""
        if self._connected is None or time.monotonic() - self._heard > STALE_AFTER.total_seconds():
            return None
        return self._connected

    def update_status(self) -> None:
        """Work the state out again (a few counts on the window's connection) and announce it."""
        try:
            st = read_status(self.ctx.db, now=datetime.now(UTC), connected=self.live_connected())
        except WardError:
            return  # the database is busy: the next round or recheck says it
        self.status = st
        self.status_changed.emit(st)


class SyncStatusButton(QPushButton):
    """The status bar's permanent word on the ward server (hidden when not joined): clicked, it
    opens the *Ward server* dialog."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.setFlat(True)
        self.setAccessibleName("Ward server")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.hide()

    def show_status(self, st: SyncStatus, zone: tzinfo) -> None:
        text = status_text(st, zone)
        if self.isHidden() == bool(text):  # only on a change: the status bar lays out again
            self.setVisible(bool(text))
        self.setText(text)
        whole = status_text(st, zone, full=True)
        self.setAccessibleDescription(whole)
        self.setToolTip(f"{whole}. Click for the details and Sync now." if whole else "")
        self.setMinimumWidth(self.sizeHint().width())  # never cut short by a long file name
        offline = st.joined and not st.connected
        warn = offline or st.open_conflicts > 0
        self.setStyleSheet(
            f"QPushButton#syncStatus {{ background: {AMBER}; color: {INK}; font-weight: bold; "
            "border: none; padding: 1px 6px; }" if warn else
            "QPushButton#syncStatus { border: none; padding: 1px 6px; }")


class OfflineStrip(QLabel):
    """Across the top of the window while this workstation is not in step with the ward server:
    since when, and what it cannot know."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("offlineStrip")
        self.setAccessibleName("Offline")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet(f"QLabel#offlineStrip {{ background: {AMBER}; color: {INK}; "
                           "font-weight: bold; padding: 4px; border-bottom: 2px solid #7a4f00; }")
        self.hide()

    def show_status(self, st: SyncStatus, zone: tzinfo) -> None:
        text = strip_text(st, zone)
        self.setText(text or "")
        self.setAccessibleDescription(text or "")
        if self.isHidden() == (text is not None):
            self.setVisible(text is not None)


class WardServerDialog(QDialog):
    """*Ward server*: where this workstation syncs to, whether it is in step, what waits, and
    Sync now. Follows ``sync.status_changed`` while open."""

    def __init__(self, sync: WardSync, zone: tzinfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Ward server")
        self.sync = sync
        self.zone = zone
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        for key, label in (("server", "Server"), ("workstation", "This workstation"),
                           ("state", "State"), ("pending", "Waiting to be sent"),
                           ("waiting_in", "Received, not yet in place"),
                           ("last_pull", "Last in step with the server"),
                           ("conflicts", "Conflicts to check"), ("problem", "Last problem")):
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            value.setAccessibleName(label)
            form.addRow(label + ":", value)
            self.fields[key] = value
        layout.addLayout(form)
        self.note = QLabel("Records are sent and received on their own while the server answers; "
                           "Sync now tries at once (after the network comes back, say).")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.sync_button = buttons.addButton("&Sync now", QDialogButtonBox.ButtonRole.ActionRole)
        self.sync_button.clicked.connect(self._sync_now)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.fields["server"].setWordWrap(False)  # an address reads as one line
        self.fields["waiting_in"].setToolTip("Records from other workstations that name a row "
                                             "not received yet (they go in when it arrives)")
        self.setMinimumWidth(620)
        sync.status_changed.connect(self.show_status)
        if sync.status is not None:
            self.show_status(sync.status)

    def _sync_now(self) -> None:
        self.fields["state"].setText("Trying the server now…")
        self.sync.sync_now()

    def show_status(self, st: SyncStatus) -> None:
        now = datetime.now(UTC)

        def when(t: datetime | None) -> str:
            return _clock(t, self.zone, now) if t else "never"

        f = self.fields
        f["server"].setText(st.server or "not joined")
        f["workstation"].setText(st.workstation_name)
        if st.connected:
            f["state"].setText("Connected: records go both ways within seconds")
        elif st.offline_since is not None:
            f["state"].setText(f"OFFLINE since {when(st.offline_since)}: other workstations' "
                               f"records after {when(st.offline_since)} are not here")
        else:
            f["state"].setText("OFFLINE: the ward server has not been reached yet")
        f["pending"].setText(_records(st.pending_push))
        f["waiting_in"].setText(_records(st.waiting_in))
        f["last_pull"].setText(when(st.last_pull))
        f["conflicts"].setText(f"{st.open_conflicts} (of {st.conflicts} found)" if st.conflicts
                               else "none")
        problem = self.sync.problem or st.last_error
        f["problem"].setText(problem or "none")
        self.sync_button.setEnabled(st.joined)


__all__ = ["OfflineStrip", "SyncStatusButton", "WardServerDialog", "WardSync", "round_changes",
           "status_text", "strip_text"]
