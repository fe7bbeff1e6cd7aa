"""The triggers that keep the record tamper-evident, defined in one place: the migrations create
them from here and ``check`` compares what the file holds with them.

- Append-only tables refuse UPDATE and DELETE (since m002) and, since m014, an INSERT whose id
  already exists: ``INSERT OR REPLACE`` / ``REPLACE`` deletes the old row without firing delete
  triggers (SQLite's recursive_triggers is off), so without it a dose could be rewritten in place.
- The tables that say who may do what and what the rules are (wards, users, settings, patients,
  tapers) are changed only through the app: their triggers call ``ward_app_guard()``, an SQL
  function the app registers on every connection it opens. The stock ``sqlite3`` shell has no
  such function, so the same statement typed there fails ("no such function").

Limits (docs/reliability.md): someone who can write the file can drop these triggers; ``check``
then reports the missing or changed trigger.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

#: The SQL function the guarded tables' triggers call; registered on every app connection.
GUARD_FUNCTION = "ward_app_guard"

#: Clinical records: rows are only ever added; corrections are new rows that name what they correct.
APPEND_ONLY_TABLES = (
    "orders",
    "administrations",
    "observations",
    "lab_results",
    "pump_refills",
    "pump_alarms",
    "alert_acks",
    "audit",
)

#: Append-only tables added after m014, by the step that made them: that step creates their
#: refusals (UPDATE, DELETE and a reused id) itself.
LATER_APPEND_ONLY: dict[str, tuple[str, ...]] = {
    "m020_handover_notes_and_takeovers": ("handover_notes", "handover_takeovers"),
    "m021_pump_resolutions_and_events": ("pump_alarm_resolutions", "pump_events"),
    "m022_pump_checklists": ("pump_checklist_steps",),
}

#: Changed only through the app's audited paths (the guard function).
GUARDED_TABLES = ("wards", "users", "settings", "patients", "tapers")

#: The migration that added the id guards, the guarded tables and the audit hash chain.
TAMPER_STEP = "m014_tamper_guards"


def register(conn: sqlite3.Connection) -> None:
    """Let this connection change the guarded tables (every app connection does this)."""
    conn.create_function(GUARD_FUNCTION, 0, _allow, deterministic=True)


def _allow() -> None:
    return None


def append_only(table: str) -> tuple[str, str]:
    """The UPDATE and DELETE refusals, exactly as the migrations m002-m007 created them."""
    message = f"{table} is append-only: record a correction instead of changing or deleting a row"
    return (
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{message}'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{message}'); END""",
    )


def no_replace(table: str) -> str:
    """Refuse an INSERT reusing an existing id (what INSERT OR REPLACE does)."""
    message = f"{table} is append-only: a row with this id exists and cannot be replaced"
    return (f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE rowid = NEW.rowid) "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END")


def app_only(table: str) -> tuple[str, str, str]:
    """INSERT, UPDATE and DELETE on ``table`` need the app's guard function."""
    return tuple(  # type: ignore[return-value]
        f"CREATE TRIGGER {table}_app_only_{what.lower()} BEFORE {what} ON {table} "
        f"BEGIN SELECT {GUARD_FUNCTION}(); END"
        for what in ("INSERT", "UPDATE", "DELETE"))


def tamper_step_triggers() -> list[str]:
    """What m014 creates."""
    return [no_replace(t) for t in APPEND_ONLY_TABLES] + [
        sql for t in GUARDED_TABLES for sql in app_only(t)]


def _name(sql: str) -> str:
    return sql.split()[2]


def expected_triggers(applied: Iterable[str]) -> dict[str, str]:
    """Trigger name -> its CREATE statement, for a database with the ``applied`` schema steps."""
    applied = set(applied)
    sqls = [sql for t in APPEND_ONLY_TABLES for sql in append_only(t)]
    if TAMPER_STEP in applied:
        sqls += tamper_step_triggers()
    for step, tables in LATER_APPEND_ONLY.items():
        if step in applied:
            sqls += [sql for t in tables for sql in (*append_only(t), no_replace(t))]
    from ward_app.storage.sync import tables as sync_tables

    if sync_tables.SYNC_STEP in applied:
        sqls += sync_tables.all_triggers(applied)
    return {_name(sql): sql for sql in sqls}


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def trigger_problems(conn: sqlite3.Connection, applied: Iterable[str]) -> list[str]:
    """One line per trigger that is missing, changed or unexpected ([] when all are as made)."""
    found = {name: sql or "" for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")}
    expected = expected_triggers(applied)
    out = []
    for name, sql in expected.items():
        if name not in found:
            out.append(f"trigger {name} is missing (it was dropped outside the app)")
        elif not _same(found[name], sql):
            out.append(f"trigger {name} was changed outside the app")
    out += [f"trigger {name} was added outside the app" for name in sorted(set(found) - set(expected))]
    return out
