"""SQLite storage: the one connection, migrations, repositories, backup and the audit trail."""

from __future__ import annotations

import sys as _sys
from types import ModuleType


def quiet_sqlite_utils() -> ModuleType:
    """sqlite-utils, imported (once) without numpy: it imports numpy if it is installed
    (pyqtgraph needs it) only to map numpy types in insert helpers the app does not use. numpy
    still loads normally when a trend chart needs it. Only the migrations import sqlite-utils."""
    if "sqlite_utils" not in _sys.modules and "numpy" not in _sys.modules:
        _sys.modules["numpy"] = None  # type: ignore[assignment]
        try:
            import sqlite_utils
        finally:
            del _sys.modules["numpy"]
        return sqlite_utils
    import sqlite_utils

    return sqlite_utils
