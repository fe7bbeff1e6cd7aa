"""What is synced between workstations, and the SQLite triggers that note each local change.

Every synced row has a global id (a UUID v7, time-ordered) and its origin workstation in
``sync_rows``, keyed by (table, local rowid): the clinical tables keep their integer ids and their
append-only guards untouched. A trigger on each synced table adds the row's entry when this
workstation inserts it, and (for the tables whose rows change) marks the entry waiting again, with
a new hybrid-logical-clock time, when it is changed or deleted. Rows applied from the ward server
are entered by the applier itself (``sync_workstation.applying`` = 1 turns the triggers off), so
they are never sent back.

The hybrid logical clock (HLC) of a change is ``<ms, 13 digits>.<counter, 9 digits>.<origin>``:
text order is time order, ties broken by a counter and then by the workstation id, so every
workstation orders two versions of a row the same way. The triggers compute it in SQL from the
wall clock and the last time this workstation issued or saw (``hlc_ms``, ``hlc_c``).
"""

from __future__ import annotations

from collections.abc import Iterable

#: Clinical records: rows are only added, so workstations merge them by union.
APPEND_ONLY = (
    "orders", "administrations", "observations", "lab_results", "pump_refills", "pump_alarms",
    "alert_acks", "handover_notes", "handover_takeovers", "pump_alarm_resolutions",
    "pump_events", "pump_checklist_steps", "audit",
)

#: Rows that change: each change is a new version; the latest HLC is in force everywhere.
VERSIONED = (
    "wards", "users", "settings", "patients", "patient_flags", "comedications", "pumps", "tapers",
    "medicine_packs",
)

#: Every synced table, parents before children (the order a first upload sends them in).
SYNCED = (
    "wards", "users", "settings", "medicine_packs", "patients", "patient_flags", "lab_results",
    "comedications", "tapers", "orders", "administrations", "observations", "pumps",
    "pump_refills", "pump_alarms", "alert_acks", "handover_notes", "handover_takeovers",
    "pump_alarm_resolutions", "pump_events", "pump_checklist_steps", "audit",
)

#: Given their global id at the next sync round (storage/sync/stamp.py), not by a trigger.
STAMPED = tuple(t for t in SYNCED if t in APPEND_ONLY)

#: Not synced: a parked form belongs to the workstation it was parked on.
LOCAL_ONLY = ("parked_forms",)

#: The same thing made at two workstations before they met is one row (its natural key): a
#: workstation that receives another's version of it adopts that global id as an alias.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "wards": ("name",), "users": ("name",), "settings": ("key",), "patients": ("mrn",),
    "patient_flags": ("patient_id", "flag"), "pumps": ("patient_id",), "medicine_packs": ("gtin",),
}

#: Columns that stay with the workstation (a failed log-in count locks this screen, not the ward's).
LOCAL_COLUMNS: dict[str, tuple[str, ...]] = {"users": ("failed_logins", "locked_until")}

#: For the tables with local columns: the columns whose change is a new version (fixed here so
#: the trigger ``check`` expects does not depend on columns added later).
WATCHED_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("name", "full_name", "role", "password_hash", "active", "created_at"),
}

#: Columns that are not sent: the audit chain's hashes are each workstation's own.
NOT_SENT: dict[str, tuple[str, ...]] = {"audit": ("prev_hash", "hash")}

#: References that are not foreign keys in the schema: (table, column) -> referenced table.
EXTRA_REFS: dict[tuple[str, str], str] = {("audit", "patient_id"): "patients"}

#: The audit's ``entity`` names and the table each names a row of.
AUDIT_ENTITIES: dict[str, str] = {
    "administration": "administrations", "observation": "observations", "order": "orders",
    "patient": "patients", "user": "users", "ward": "wards", "pump": "pumps",
    "pump_refill": "pump_refills", "pump_alarm": "pump_alarms", "lab_result": "lab_results",
    "comedication": "comedications", "taper": "tapers", "handover": "handover_notes",
    "pump_event": "pump_events", "pump_alarm_resolution": "pump_alarm_resolutions",
    "pump_checklist_step": "pump_checklist_steps", "medicine_pack": "medicine_packs",
}

#: Alert keys are ``rule:patient id[:suffix]``; for these rules (by prefix) the suffix is the id
#: of a row of the table named, so it is sent as that row's global id.
ALERT_SUFFIX_TABLES: tuple[tuple[str, str], ...] = (
    ("news2.", "observations"), ("toxicity.", "observations"), ("withdrawal.", "observations"),
    ("review.", "observations"), ("renal.", "lab_results"), ("dose.max_daily", "orders"),
    ("route.npo", "orders"), ("itb.", "orders"), ("aud.", "orders"),
    ("pump.empty", "pump_refills"), ("pump.refill_", "pump_refills"),
    ("pump.volume_discrepancy", "pump_refills"), ("pump.alarm", "pump_alarms"),
    ("pump.check_due", "pump_events"),
)


def suffix_table(rule: str) -> str | None:
    return next((table for prefix, table in ALERT_SUFFIX_TABLES if rule.startswith(prefix)), None)


#: The wall clock in whole milliseconds since 1970, in SQL ('now' is fixed within a statement).
NOW_MS = "CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER)"

#: A UUID v7 in SQL: 48 bits of milliseconds, version 7, 74 random bits, RFC 4122 variant.
UUID7 = (
    f"lower(substr(printf('%012x', {NOW_MS}), 1, 8) || '-' || "
    f"substr(printf('%012x', {NOW_MS}), 9, 4) || '-7' || substr(hex(randomblob(2)), 2, 3) || '-' "
    "|| substr('89ab', 1 + abs(random() % 4), 1) || substr(hex(randomblob(2)), 2, 3) || '-' || "
    "hex(randomblob(6)))"
)

_OFF = "(SELECT applying FROM sync_workstation) = 0"
_TICK = (f"UPDATE sync_workstation SET hlc_c = CASE WHEN {NOW_MS} > hlc_ms THEN 0 "
         f"ELSE hlc_c + 1 END, hlc_ms = max(hlc_ms, {NOW_MS});")
_HLC = "printf('%013d.%09d.%s', hlc_ms, hlc_c, id)"


def _watched_columns(table: str) -> str:
    watched = WATCHED_COLUMNS.get(table)
    return " OF " + ", ".join(watched) if watched else ""


def triggers(table: str) -> list[str]:
    """The CREATE TRIGGER statements that note this workstation's changes to ``table``."""
    out = [
        f"""CREATE TRIGGER {table}_sync_insert AFTER INSERT ON {table} WHEN {_OFF} BEGIN
            {_TICK}
            INSERT INTO sync_rows (gid, tbl, row_id, origin, hlc, pushed)
                SELECT {UUID7}, '{table}', NEW.rowid, id, {_HLC}, 0 FROM sync_workstation;
            END"""
    ]
    if table in VERSIONED:
        out.append(
            f"""CREATE TRIGGER {table}_sync_update AFTER UPDATE{_watched_columns(table)}
            ON {table} WHEN {_OFF} BEGIN
            {_TICK}
            UPDATE sync_rows SET base = CASE WHEN pushed = 1 THEN hlc ELSE base END, pushed = 0,
                origin = (SELECT id FROM sync_workstation),
                hlc = (SELECT {_HLC} FROM sync_workstation)
                WHERE tbl = '{table}' AND row_id = NEW.rowid;
            END""")
        out.append(
            f"""CREATE TRIGGER {table}_sync_delete AFTER DELETE ON {table} WHEN {_OFF} BEGIN
            {_TICK}
            DELETE FROM sync_alias WHERE tbl = '{table}' AND row_id = OLD.rowid;
            UPDATE sync_rows SET base = CASE WHEN pushed = 1 THEN hlc ELSE base END, pushed = 0,
                deleted = 1, row_id = NULL,
                origin = (SELECT id FROM sync_workstation),
                hlc = (SELECT {_HLC} FROM sync_workstation)
                WHERE tbl = '{table}' AND row_id = OLD.rowid;
            END""")
    return out


TABLES_SQL = (
    """CREATE TABLE sync_workstation (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        applying INTEGER NOT NULL DEFAULT 0 CHECK (applying IN (0, 1)),
        hlc_ms INTEGER NOT NULL DEFAULT 0,
        hlc_c INTEGER NOT NULL DEFAULT 0,
        server_url TEXT,
        joined_at TEXT,
        last_pull_seq INTEGER NOT NULL DEFAULT 0,
        last_contact_at TEXT,
        offline_since TEXT,
        last_error TEXT
    )""",
    """CREATE TABLE sync_rows (
        gid TEXT PRIMARY KEY,
        tbl TEXT NOT NULL,
        row_id INTEGER,
        origin TEXT NOT NULL,
        hlc TEXT NOT NULL,
        base TEXT,
        pushed INTEGER NOT NULL DEFAULT 0 CHECK (pushed IN (0, 1)),
        deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
        UNIQUE (tbl, row_id)
    )""",
    """CREATE TABLE sync_versions (
        gid TEXT NOT NULL,
        hlc TEXT NOT NULL,
        tbl TEXT NOT NULL,
        origin TEXT NOT NULL,
        base TEXT,
        payload TEXT NOT NULL,
        pushed INTEGER NOT NULL DEFAULT 1 CHECK (pushed IN (0, 1)),
        PRIMARY KEY (gid, hlc)
    )""",
    "CREATE INDEX sync_versions_waiting ON sync_versions(hlc) WHERE pushed = 0",
    """CREATE TABLE sync_marks (
        tbl TEXT PRIMARY KEY,
        upto INTEGER NOT NULL
    )""",
    """CREATE TABLE sync_peers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL
    )""",
    """CREATE TABLE sync_inbox (
        seq INTEGER PRIMARY KEY,
        payload TEXT NOT NULL,
        why TEXT NOT NULL
    )""",
    "CREATE INDEX sync_rows_waiting ON sync_rows(hlc) WHERE pushed = 0",
    """CREATE TABLE sync_alias (
        gid TEXT PRIMARY KEY,
        tbl TEXT NOT NULL,
        row_id INTEGER NOT NULL
    )""",
    "CREATE INDEX sync_alias_row ON sync_alias(tbl, row_id)",
    """CREATE TABLE sync_conflicts (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('recorded_twice', 'changed_twice')),
        key TEXT NOT NULL UNIQUE,
        patient_id INTEGER REFERENCES patients(id),
        tbl TEXT NOT NULL,
        row_ids TEXT NOT NULL DEFAULT '[]',
        detail TEXT NOT NULL DEFAULT '{}',
        detected_at TEXT NOT NULL
    )""",
    "CREATE INDEX sync_conflicts_patient ON sync_conflicts(patient_id, kind)",
)

#: The step that made the sync tables and triggers.
SYNC_STEP = "m023_sync_ids"


#: Synced tables made by a later schema step than SYNC_STEP (that step creates their triggers).
LATER_TABLES: dict[str, tuple[str, ...]] = {"m024_scanning": ("medicine_packs",)}


def tables_at(applied: Iterable[str] | None = None) -> tuple[str, ...]:
    """The synced tables a file with the ``applied`` schema steps has (None: every step)."""
    steps = None if applied is None else set(applied)
    later = {t for step, tables in LATER_TABLES.items() if steps is not None and step not in steps
             for t in tables}
    return tuple(t for t in SYNCED if t not in later)


def all_triggers(applied: Iterable[str] | None = None) -> list[str]:
    """The sync triggers of a file with the ``applied`` schema steps (None: every step)."""
    present = tables_at(applied)
    return [sql for table in VERSIONED if table in present for sql in triggers(table)]
