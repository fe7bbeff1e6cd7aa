"""The names of the schema steps, in order: what opening a database compares with what it has
applied, without importing the migrations (and sqlite-utils with them). storage/migrations.py
checks, when it is imported, that its registry has exactly these steps."""

from __future__ import annotations

MIGRATION_SET = "ward_app"

STEPS: tuple[str, ...] = (
    "m001_create_wards_and_users",
    "m002_create_audit_and_settings",
    "m003_create_patients",
    "m004_create_orders_and_administrations",
    "m005_create_observations",
    "m006_create_pumps",
    "m007_create_alert_acks",
    "m008_index_administrations_by_due",
    "m009_withdrawal_checks_and_ack_severity",
    "m010_tapers_and_uneven_doses",
    "m011_login_lockout",
    "m012_partial_indexes_for_observations",
    "m013_entry_times",
    "m014_tamper_guards",
    "m015_client_ids",
    "m016_identity",
    "m017_recording_checks",
    "m018_discharge",
    "m019_parked_forms",
    "m020_handover_notes_and_takeovers",
    "m021_pump_resolutions_and_events",
    "m022_pump_checklists",
    "m023_sync_ids",
    "m024_scanning",
)
