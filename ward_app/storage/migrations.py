"""The schema, as sqlite-utils migrations: one numbered function per step, append-only.

Never edit a step that has shipped; add a new one. Each runs in one transaction with its record.
"""

from __future__ import annotations

from ward_app.storage import guards, quiet_sqlite_utils
from ward_app.storage.guards import APPEND_ONLY_TABLES as APPEND_ONLY_TABLES  # re-exported
from ward_app.storage.steps import MIGRATION_SET, STEPS

quiet_sqlite_utils()
from sqlite_utils import Database, Migrations  # noqa: E402 - after numpy is kept out of it

migrations = Migrations(MIGRATION_SET)

def _run(db: Database, *statements: str) -> None:
    # Not executescript(): it would COMMIT and break the migration's transaction.
    for sql in statements:
        db.execute(sql)


_append_only = guards.append_only


@migrations()
def m001_create_wards_and_users(db: Database) -> None:
    _run(
        db,
        """CREATE TABLE wards (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
            tz TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
            full_name TEXT,
            role TEXT NOT NULL CHECK (role IN ('nurse','charge_nurse','pharmacist','admin')),
            password_hash TEXT,
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            created_at TEXT NOT NULL
        )""",
    )


@migrations()
def m002_create_audit_and_settings(db: Database) -> None:
    _run(
        db,
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id),
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id INTEGER,
            patient_id INTEGER,
            detail TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE INDEX audit_patient ON audit(patient_id, at)",
        "CREATE INDEX audit_at ON audit(at)",
        """CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by INTEGER REFERENCES users(id)
        )""",
        *_append_only("audit"),
    )


@migrations()
def m003_create_patients(db: Database) -> None:
    _run(
        db,
        """CREATE TABLE patients (
            id INTEGER PRIMARY KEY,
            mrn TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            dob TEXT NOT NULL,
            bed TEXT NOT NULL,
            ward_id INTEGER NOT NULL REFERENCES wards(id),
            weight_kg REAL,
            sci_level TEXT,
            surgery_date TEXT,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX patients_ward ON patients(ward_id, bed)",
        """CREATE TABLE patient_flags (
            patient_id INTEGER NOT NULL REFERENCES patients(id),
            flag TEXT NOT NULL,
            set_at TEXT NOT NULL,
            PRIMARY KEY (patient_id, flag)
        )""",
        """CREATE TABLE lab_results (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients(id),
            taken_at TEXT NOT NULL,
            egfr REAL CHECK (egfr IS NULL OR (egfr >= 0 AND egfr <= 200)),
            dialysis INTEGER NOT NULL DEFAULT 0 CHECK (dialysis IN (0, 1)),
            recorded_by INTEGER NOT NULL REFERENCES users(id),
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX lab_results_patient ON lab_results(patient_id, taken_at)",
        """CREATE TABLE comedications (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients(id),
            drug TEXT NOT NULL,
            started_at TEXT NOT NULL,
            stopped_at TEXT,
            recorded_by INTEGER NOT NULL REFERENCES users(id)
        )""",
        "CREATE INDEX comedications_patient ON comedications(patient_id)",
        *_append_only("lab_results"),
    )


@migrations()
def m004_create_orders_and_administrations(db: Database) -> None:
    _run(
        db,
        """CREATE TABLE orders (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients(id),
            supersedes_id INTEGER REFERENCES orders(id),
            action TEXT NOT NULL CHECK (action IN ('start','change','stop')),
            route TEXT NOT NULL CHECK (route IN ('oral','enteral','intrathecal')),
            dose_mg REAL CHECK (dose_mg IS NULL OR dose_mg > 0),
            frequency TEXT,
            times TEXT NOT NULL DEFAULT '[]',
            daily_mcg REAL CHECK (daily_mcg IS NULL OR daily_mcg > 0),
            indication TEXT,
            override_reason TEXT,
            stop_reason TEXT,
            prescriber TEXT,
            starts_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by INTEGER NOT NULL REFERENCES users(id),
            CHECK ((route = 'intrathecal') = (daily_mcg IS NOT NULL) OR action = 'stop'),
            CHECK ((route = 'intrathecal') = (dose_mg IS NULL) OR action = 'stop')
        )""",
        "CREATE INDEX orders_patient ON orders(patient_id, starts_at)",
        """CREATE TABLE administrations (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients(id),
            order_id INTEGER REFERENCES orders(id),
            due_at TEXT,
            outcome TEXT NOT NULL CHECK (outcome IN ('given','given_late','held','refused',
                'not_available','omitted','entered_in_error')),
            dose_mg REAL,
            dose_mcg REAL,
            reason_code TEXT,
            note TEXT,
            corrects_id INTEGER REFERENCES administrations(id),
            administered_at TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_by INTEGER NOT NULL REFERENCES users(id),
            witness_id INTEGER REFERENCES users(id),
            CHECK (witness_id IS NULL OR witness_id != recorded_by)
        )""",
        "CREATE INDEX administrations_patient ON administrations(patient_id, due_at)",
        *_append_only("orders"),
        *_append_only("administrations"),
    )


@migrations()
def m005_create_observations(db: Database) -> None:
    _run(
        db,
        """CREATE TABLE observations (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients(id),
            taken_at TEXT NOT NULL,
            rr INTEGER, spo2 INTEGER, on_oxygen INTEGER, sbp INTEGER, hr INTEGER,
            acvpu TEXT, temp REAL, poss TEXT, rass INTEGER, mas TEXT, penn INTEGER,
            signs TEXT NOT NULL DEFAULT '[]',
            note TEXT,
            corrects_id INTEGER REFERENCES observations(id),
            recorded_at TEXT NOT NULL,
            recorded_by INTEGER NOT NULL REFERENCES users(id)
        )""",
        "CREATE INDEX observations_patient ON observations(patient_id, taken_at)",
        *_append_only("observations"),
    )


@migrations()
def m006_create_pumps(db: Database) -> None:
    _run(
        db,
        """CREATE TABLE pumps (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL UNIQUE REFERENCES patients(id),
            model TEXT,
            serial TEXT,
            reservoir_ml REAL CHECK (reservoir_ml IS NULL OR reservoir_ml > 0),
            implant_date TEXT,
            eri_date TEXT,
            end_of_service TEXT,
            alarm_ml REAL NOT NULL DEFAULT 2 CHECK (alarm_ml >= 0),
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE pump_refills (
            id INTEGER PRIMARY KEY,
            pump_id INTEGER NOT NULL REFERENCES pumps(id),
            refilled_at TEXT NOT NULL,
            volume_ml REAL NOT NULL CHECK (volume_ml > 0),
            conc_mcg_ml REAL NOT NULL CHECK (conc_mcg_ml > 0),
            daily_mcg REAL NOT NULL CHECK (daily_mcg > 0),
            alarm_ml REAL NOT NULL CHECK (alarm_ml >= 0),
            next_refill_booked TEXT,
            corrects_id INTEGER REFERENCES pump_refills(id),
            recorded_at TEXT NOT NULL,
            recorded_by INTEGER NOT NULL REFERENCES users(id),
            witness_id INTEGER NOT NULL REFERENCES users(id),
            CHECK (witness_id != recorded_by)
        )""",
        "CREATE INDEX pump_refills_pump ON pump_refills(pump_id, refilled_at)",
        """CREATE TABLE pump_alarms (
            id INTEGER PRIMARY KEY,
            pump_id INTEGER NOT NULL REFERENCES pumps(id),
            kind TEXT NOT NULL CHECK (kind IN ('low_reservoir','eri','critical')),
            heard_at TEXT NOT NULL,
            note TEXT,
            recorded_at TEXT NOT NULL,
            recorded_by INTEGER NOT NULL REFERENCES users(id)
        )""",
        "CREATE INDEX pump_alarms_pump ON pump_alarms(pump_id, heard_at)",
        *_append_only("pump_refills"),
        *_append_only("pump_alarms"),
    )


@migrations()
def m007_create_alert_acks(db: Database) -> None:
    _run(
        db,
        """CREATE TABLE alert_acks (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER REFERENCES patients(id),
            rule TEXT NOT NULL,
            alert_key TEXT NOT NULL,
            note TEXT,
            acked_at TEXT NOT NULL,
            acked_by INTEGER NOT NULL REFERENCES users(id)
        )""",
        "CREATE INDEX alert_acks_key ON alert_acks(alert_key)",
        *_append_only("alert_acks"),
    )


@migrations()
def m008_index_administrations_by_due(db: Database) -> None:
    """Ward-wide alert queries look up recent due doses across all patients."""
    _run(
        db,
        "CREATE INDEX administrations_due ON administrations(due_at)",
        "CREATE INDEX administrations_corrects ON administrations(corrects_id)",
        "CREATE INDEX orders_starts ON orders(starts_at)",
    )


@migrations()
def m009_withdrawal_checks_and_ack_severity(db: Database) -> None:
    """Record whether the withdrawal checklist was gone through (no signs is an answer), and the
    severity an alert had when acknowledged (a worse one is raised again); find corrections fast."""
    _run(
        db,
        "ALTER TABLE observations ADD COLUMN signs_checked INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE alert_acks ADD COLUMN severity INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX observations_taken ON observations(taken_at)",
        "CREATE INDEX observations_corrects ON observations(corrects_id)",
        "CREATE INDEX comedications_active ON comedications(patient_id, stopped_at)",
    )


@migrations()
def m010_tapers_and_uneven_doses(db: Database) -> None:
    """Taper plans (a cancelled taper's later versions stop counting from its cancellation), doses
    that differ by clock time, and per patient the expected delivery date and the oral form."""
    _run(
        db,
        """CREATE TABLE tapers (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients(id),
            start_date TEXT NOT NULL,
            step_mg REAL NOT NULL CHECK (step_mg > 0),
            every_days INTEGER NOT NULL CHECK (every_days > 0),
            form TEXT NOT NULL CHECK (form IN ('tablet', 'solution')),
            plan TEXT NOT NULL,
            prescriber TEXT NOT NULL,
            restore_order_id INTEGER NOT NULL REFERENCES orders(id),
            created_at TEXT NOT NULL,
            created_by INTEGER NOT NULL REFERENCES users(id),
            cancelled_from TEXT,
            cancelled_at TEXT,
            cancelled_by INTEGER REFERENCES users(id),
            cancel_reason TEXT
        )""",
        "CREATE INDEX tapers_patient ON tapers(patient_id, start_date)",
        "ALTER TABLE orders ADD COLUMN doses TEXT",
        "ALTER TABLE orders ADD COLUMN taper_id INTEGER REFERENCES tapers(id)",
        "ALTER TABLE patients ADD COLUMN delivery_date TEXT",
        "ALTER TABLE patients ADD COLUMN oral_form TEXT NOT NULL DEFAULT 'tablet' "
        "CHECK (oral_form IN ('tablet', 'solution'))",
        # The order versions that count: a cancelled taper's versions stop counting from the
        # moment it was cancelled (the rows stay, as every order row does).
        """CREATE VIEW live_orders AS SELECT o.* FROM orders o
           WHERE o.taper_id IS NULL OR NOT EXISTS (
               SELECT 1 FROM tapers t WHERE t.id = o.taper_id AND t.cancelled_from IS NOT NULL
               AND o.starts_at >= t.cancelled_from)""",
    )


@migrations()
def m011_login_lockout(db: Database) -> None:
    """Failed log-in attempts and the lockout they lead to."""
    _run(
        db,
        "ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE users ADD COLUMN locked_until TEXT",
    )


@migrations()
def m012_partial_indexes_for_observations(db: Database) -> None:
    """Keep the planner off whole-history scans: the corrections index only holds corrections (so
    'corrects_id IS NULL' never picks it), and Modified Ashworth scores get their own index (the
    patient's baseline is found without reading their history)."""
    _run(
        db,
        "DROP INDEX observations_corrects",
        "CREATE INDEX observations_corrects ON observations(corrects_id) "
        "WHERE corrects_id IS NOT NULL",
        "CREATE INDEX observations_mas ON observations(patient_id, taken_at) WHERE mas IS NOT NULL",
    )


#: Clinical record tables: each row stores when it was entered (the system clock), beside its act time.
ENTRY_TIME_TABLES = (
    "orders",
    "administrations",
    "observations",
    "lab_results",
    "comedications",
    "pump_refills",
    "pump_alarms",
    "alert_acks",
    "tapers",
)


@migrations()
def m013_entry_times(db: Database) -> None:
    """When each clinical record was entered, from the system clock (the act time may be given:
    back-charting, drills); rows from before this step keep NULL (entry time not known). A drill
    (training) ward may be run ahead of the clock and says DRILL everywhere."""
    _run(
        db,
        *(f"ALTER TABLE {table} ADD COLUMN entered_at TEXT" for table in ENTRY_TIME_TABLES),
        "ALTER TABLE wards ADD COLUMN drill INTEGER NOT NULL DEFAULT 0 CHECK (drill IN (0, 1))",
    )


@migrations()
def m014_tamper_guards(db: Database) -> None:
    """Tamper-evidence (storage/guards.py): append-only rows cannot be replaced by reusing their
    id; wards, users, settings, patients and tapers change only through the app; every audit row
    carries a hash of its content and of the row before it (computed here for the rows there)."""
    from ward_app.storage.audit import compute_chain
    from ward_app.storage.connection import Database as Plain

    _run(
        db,
        "ALTER TABLE audit ADD COLUMN prev_hash TEXT",
        "ALTER TABLE audit ADD COLUMN hash TEXT",
        "DROP TRIGGER audit_no_update",
    )
    for prev, digest, audit_id in list(compute_chain(Plain(db.conn))):
        db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [prev, digest, audit_id])
    _run(db, guards.append_only("audit")[0], *guards.tamper_step_triggers())


@migrations()
def m015_client_ids(db: Database) -> None:
    """Idempotent writes: a form submission carries a client-generated id (a UUID), so a save
    retried after a crash finds the row the first attempt stored instead of storing it twice."""
    _run(db, *(stmt for table in ("observations", "pump_refills", "pump_alarms", "alert_acks")
                for stmt in (f"ALTER TABLE {table} ADD COLUMN client_id TEXT",
                             f"CREATE UNIQUE INDEX {table}_client_id ON {table}(client_id) "
                             "WHERE client_id IS NOT NULL")))


_OLD_ROLES = "CHECK (role IN ('nurse','charge_nurse','pharmacist','admin'))"
_NEW_ROLES = "CHECK (role IN ('nurse','charge_nurse','pharmacist','admin','service'))"


@migrations()
def m016_identity(db: Database) -> None:
    """The ``service`` role (the account a scheduled backup runs as). Widening a CHECK constraint
    changes nothing stored, so it is done the way SQLite documents for that ("ALTER TABLE",
    section 'making other kinds of table schema changes': the simpler procedure): the table's
    text in sqlite_schema is edited and the schema version bumped, in the migration's
    transaction. The table is not rebuilt, so its rows, indexes, foreign keys and triggers stay."""
    (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'"
                        ).fetchone()
    if _OLD_ROLES not in sql:  # pragma: no cover - a database whose users table was changed
        raise AssertionError("users.role has an unexpected CHECK constraint")
    (version,) = db.execute("PRAGMA schema_version").fetchone()
    db.execute("PRAGMA writable_schema = ON")
    db.execute("UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND "
               "name = 'users'", [_OLD_ROLES, _NEW_ROLES])
    db.execute(f"PRAGMA schema_version = {int(version) + 1}")
    db.execute("PRAGMA writable_schema = OFF")


@migrations()
def m017_recording_checks(db: Database) -> None:
    """The checks made when a dose is recorded (clinical-rules §9): a record given despite a soft
    stop carries its flags (JSON list, e.g. ["given_early"]), the reason, and the second user who
    confirmed it where the rule asks for one; an order version keeps the cautions the prescriber
    acknowledged (JSON list of {"rule", "message"}). Older rows read as no flags, no cautions."""
    _run(
        db,
        "ALTER TABLE administrations ADD COLUMN flags TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE administrations ADD COLUMN override_reason TEXT",
        "ALTER TABLE administrations ADD COLUMN override_by INTEGER REFERENCES users(id)",
        "ALTER TABLE orders ADD COLUMN acknowledged_cautions TEXT NOT NULL DEFAULT '[]'",
    )


@migrations()
def m018_discharge(db: Database) -> None:
    """Discharge (clinical-rules §12): when a patient left the ward (the act time), when that was
    entered (the system clock), who discharged them and where to (free text, e.g. "home",
    "Ward 7"). A discharged patient leaves the board; their row and records stay, read-only.
    Admitted patients (never discharged) keep NULL. Transfers (a bed change) are audited."""
    _run(
        db,
        "ALTER TABLE patients ADD COLUMN discharged_at TEXT",
        "ALTER TABLE patients ADD COLUMN discharge_entered_at TEXT",
        "ALTER TABLE patients ADD COLUMN discharged_by INTEGER REFERENCES users(id)",
        "ALTER TABLE patients ADD COLUMN discharged_to TEXT",
        "CREATE INDEX patients_admitted ON patients(ward_id, bed) WHERE discharged_at IS NULL",
    )


@migrations()
def m019_parked_forms(db: Database) -> None:
    """Forms put away at the lock or a user switch (issue 16): what was typed, kept per user in
    this database until that user comes back and saves or discards it. A draft, not a clinical
    record: it is replaced while parked and deleted once saved or discarded (the audit keeps that
    it was parked, restored, discarded; never the values). No passwords are ever kept in it."""
    _run(
        db,
        """CREATE TABLE parked_forms (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            patient_id INTEGER REFERENCES patients(id),
            kind TEXT NOT NULL CHECK (length(kind) > 0),
            state TEXT NOT NULL DEFAULT '{}',
            parked_at TEXT NOT NULL
        )""",
        "CREATE INDEX parked_forms_user ON parked_forms(user_id, id)",
    )


@migrations()
def m020_handover_notes_and_takeovers(db: Database) -> None:
    """The handover (clinical-rules §8): a nurse's own words about a patient, kept until changed
    (append-only: a change or a clearing is a new row, the latest is in force); and take-overs at
    a shift change (who took the ward or which beds, when, and the unstable patients they
    confirmed), where the next handover's story starts. Acknowledgements are read by patient and
    time for the story, hence their index."""
    _run(
        db,
        """CREATE TABLE handover_notes (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients(id),
            text TEXT NOT NULL,
            written_by INTEGER NOT NULL REFERENCES users(id),
            written_at TEXT NOT NULL,
            entered_at TEXT NOT NULL
        )""",
        "CREATE INDEX handover_notes_patient ON handover_notes(patient_id, id)",
        *_append_only("handover_notes"), guards.no_replace("handover_notes"),
        """CREATE TABLE handover_takeovers (
            id INTEGER PRIMARY KEY,
            ward_id INTEGER NOT NULL REFERENCES wards(id),
            taken_by INTEGER NOT NULL REFERENCES users(id),
            taken_at TEXT NOT NULL,
            entered_at TEXT NOT NULL,
            beds TEXT NOT NULL DEFAULT '[]',
            confirmed TEXT NOT NULL DEFAULT '[]'
        )""",
        "CREATE INDEX handover_takeovers_ward ON handover_takeovers(ward_id, taken_at)",
        *_append_only("handover_takeovers"), guards.no_replace("handover_takeovers"),
        "CREATE INDEX alert_acks_patient ON alert_acks(patient_id, acked_at)",
    )


@migrations()
def m021_pump_resolutions_and_events(db: Database) -> None:
    """Pump safety (clinical-rules §10): the volume drawn out of the reservoir at a refill (for the
    reconciliation; NULL when not measured); how each pump alarm was resolved (the action and the
    ITB team's contact named: a critical or ERI alarm is resolved by nothing else); and pump
    events (an MRI, hyperbaric treatment, or an interrogation of the pump with its programmer).
    Both new tables are clinical records: append-only."""
    _run(
        db,
        "ALTER TABLE pump_refills ADD COLUMN withdrawn_ml REAL CHECK (withdrawn_ml IS NULL OR "
        "withdrawn_ml >= 0)",
        """CREATE TABLE pump_alarm_resolutions (
            id INTEGER PRIMARY KEY,
            alarm_id INTEGER NOT NULL UNIQUE REFERENCES pump_alarms(id),
            resolved_at TEXT NOT NULL,
            action TEXT NOT NULL CHECK (length(action) > 0),
            itb_contact TEXT,
            recorded_by INTEGER NOT NULL REFERENCES users(id),
            recorded_at TEXT NOT NULL,
            entered_at TEXT NOT NULL
        )""",
        *_append_only("pump_alarm_resolutions"), guards.no_replace("pump_alarm_resolutions"),
        """CREATE TABLE pump_events (
            id INTEGER PRIMARY KEY,
            pump_id INTEGER NOT NULL REFERENCES pumps(id),
            kind TEXT NOT NULL CHECK (kind IN ('mri','hyperbaric','interrogation')),
            happened_at TEXT NOT NULL,
            note TEXT,
            recorded_by INTEGER NOT NULL REFERENCES users(id),
            recorded_at TEXT NOT NULL,
            entered_at TEXT NOT NULL
        )""",
        "CREATE INDEX pump_events_pump ON pump_events(pump_id, happened_at)",
        *_append_only("pump_events"), guards.no_replace("pump_events"),
    )


@migrations()
def m022_pump_checklists(db: Database) -> None:
    """The pump failure checklist (clinical-rules §6): each step done for a pump patient after a
    critical alarm, an empty reservoir or late withdrawal signs (the ITB team called, and whom;
    oral baclofen on the ward; the prescriber's bridging order; hourly withdrawal checks). A
    clinical record: append-only."""
    _run(
        db,
        """CREATE TABLE pump_checklist_steps (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients(id),
            step TEXT NOT NULL CHECK (step IN ('itb_called','oral_available','bridging_order',
                                               'hourly_checks')),
            done_at TEXT NOT NULL,
            who_called TEXT,
            note TEXT,
            recorded_by INTEGER NOT NULL REFERENCES users(id),
            recorded_at TEXT NOT NULL,
            entered_at TEXT NOT NULL
        )""",
        "CREATE INDEX pump_checklist_steps_patient ON pump_checklist_steps(patient_id, done_at)",
        *_append_only("pump_checklist_steps"), guards.no_replace("pump_checklist_steps"),
    )


@migrations()
def m023_sync_ids(db: Database) -> None:
    """Sync-ready records (docs/ward-server.md): this workstation's id, a global id (UUID v7) and
    origin for every synced row, the triggers that note each local change with a hybrid-logical-
    clock time, and the conflicts found when records from other workstations arrive. Every row
    already in the file is entered as this workstation's and waiting to be sent, so a file made
    before this step joins a ward server without losing anything."""
    import socket
    import uuid

    from ward_app.storage.sync import tables as sync_tables

    _run(db, *sync_tables.TABLES_SQL)
    name = (socket.gethostname() or "workstation")[:60]
    db.execute("INSERT INTO sync_workstation (one, id, name) VALUES (1, ?, ?)",
               [str(uuid.uuid4()), name])
    present = sync_tables.tables_at(STEPS[:STEPS.index(sync_tables.SYNC_STEP) + 1])
    for table in present:
        # One statement per table: every row gets its own UUID v7 and an HLC in rowid order.
        db.execute(
            f"INSERT INTO sync_rows (gid, tbl, row_id, origin, hlc, pushed) "
            f"SELECT {sync_tables.UUID7}, '{table}', t.rowid, w.id, '', 0 "
            f"FROM {table} t, sync_workstation w ORDER BY t.rowid")
    # One clock time for all of them, the counter in the order they were entered above.
    now_ms = db.execute(f"SELECT {sync_tables.NOW_MS}").fetchone()[0]
    db.execute("UPDATE sync_rows SET hlc = printf('%013d.%09d.%s', ?, rowid, origin)", [now_ms])
    db.execute("UPDATE sync_workstation SET hlc_ms = ?, "
               "hlc_c = (SELECT coalesce(max(rowid), 0) + 1 FROM sync_rows)", [now_ms])
    for table in (t for t in sync_tables.STAMPED if t in present):
        db.execute(f"INSERT INTO sync_marks (tbl, upto) SELECT '{table}', coalesce(max(rowid), 0) "
                   f"FROM {table}")
    _run(db, *sync_tables.all_triggers(STEPS[:STEPS.index(sync_tables.SYNC_STEP) + 1]))


@migrations()
def m024_scanning(db: Database) -> None:
    """Bedside scanning (docs/scanning.md): the medicine packs the pharmacy knows by GTIN (the
    product, its form and strength: mg per tablet, mg/mL for an oral liquid, mcg/mL for an
    intrathecal ampoule; ``demo`` marks the demo ward's made-up GTINs), versioned and synced like
    the other rows that change; and on each dose and refill record, the pack scanned (JSON:
    gtin, expiry, batch, serial, product) or why scanning was skipped. Older records have
    neither (they were made before scanning)."""
    from ward_app.storage.sync import tables as sync_tables

    _run(
        db,
        """CREATE TABLE medicine_packs (
            id INTEGER PRIMARY KEY,
            gtin TEXT NOT NULL UNIQUE CHECK (length(gtin) = 14 AND gtin NOT GLOB '*[^0-9]*'),
            product TEXT NOT NULL,
            ingredient TEXT NOT NULL,
            form TEXT NOT NULL CHECK (form IN ('tablet', 'oral_liquid', 'intrathecal')),
            strength REAL NOT NULL CHECK (strength > 0),
            demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            changed_by INTEGER REFERENCES users(id),
            changed_at TEXT NOT NULL
        )""",
        "ALTER TABLE administrations ADD COLUMN scan TEXT",
        "ALTER TABLE administrations ADD COLUMN scan_skipped TEXT",
        "ALTER TABLE pump_refills ADD COLUMN scan TEXT",
        "ALTER TABLE pump_refills ADD COLUMN scan_skipped TEXT",
        *sync_tables.triggers("medicine_packs"),
    )


def known_names() -> list[str]:
    return [m.name for m in migrations.pending(Database(memory=True))]


if tuple(known_names()) != STEPS:  # pragma: no cover - caught by every test at import
    raise AssertionError("storage/steps.py STEPS must list the migrations above, in order")
