"""The ward's own values for settings; anything not stored falls back to the shipped default."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database


def stored(db: Database) -> dict[str, Any]:
    return {key: json.loads(value) for key, value in db.execute("SELECT key, value FROM settings")}
