"""SQLite storage: the one connection, migrations, repositories, backup and the audit trail."""
