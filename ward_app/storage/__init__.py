"""SQLite storage: the one connection, migrations, repositories, backup and the audit trail."""

import sys as _sys

# sqlite-utils imports numpy at start-up if it is installed (pyqtgraph needs it), only to map numpy
# types in its insert helpers, which the app does not use. Keeping numpy out of that import saves a
# noticeable part of the window's start-up; numpy still loads normally when a trend chart needs it.
if "numpy" not in _sys.modules:
    _sys.modules["numpy"] = None  # type: ignore[assignment]
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del _sys.modules["numpy"]
