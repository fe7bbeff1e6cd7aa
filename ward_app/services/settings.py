"""Settings in force (shipped defaults from shared/clinical/RULES.md overlaid with the ward's own
values), changed by an administrator; every change audited with the old and new value."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from ward_app.domain.clock import to_utc_text, ward_zone
from ward_app.domain.errors import InvalidInput
from ward_app.domain.roles import Action
from ward_app.domain.rules import SETTINGS, Setting
from ward_app.services.context import Context
from ward_app.storage import audit, people
from ward_app.storage import settings as repo
from ward_app.storage.errors import actionable_errors


@dataclass(frozen=True)
class SettingValue:
    setting: Setting
    value: Any
    changed: bool  # differs from the shipped default

    def text(self) -> str:
        return format_value(self.value)


def format_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(format_value(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)


def current(ctx: Context) -> list[SettingValue]:
    t = ctx.thresholds()
    return [SettingValue(s, t[s.key], t[s.key] != s.default) for s in SETTINGS.values()]


def parse_value(setting: Setting, text: str) -> Any:
    """The typed value for a setting from what an administrator typed (same type as its default)."""
    raw = (text or "").strip()
    default = setting.default
    if not raw:
        raise InvalidInput(setting.key, f"{setting.key}: give a value ({setting.unit}).")
    try:
        if isinstance(default, bool):
            value: Any = {"yes": True, "true": True, "no": False, "false": False}[raw.lower()]
        elif isinstance(default, int):
            value = int(raw)
        elif isinstance(default, float):
            value = float(raw.replace(",", "."))
            if not math.isfinite(value):
                raise ValueError
        elif isinstance(default, list):
            items = [x.strip() for x in raw.split(",") if x.strip()]
            sample = default[0] if default else ""
            value = [type(sample)(x) for x in items]
            if not value:
                raise ValueError
        else:
            value = raw
    except (ValueError, KeyError):
        raise InvalidInput(setting.key, f"{setting.key}: '{text}' is not a valid value; the default "
                           f"is {format_value(default)} ({setting.unit}).") from None
    numbers = value if isinstance(value, list) else [value]
    if any(isinstance(v, int | float) and not isinstance(v, bool) and v < 0 for v in numbers):
        raise InvalidInput(setting.key, f"{setting.key}: a negative value is not allowed.")
    if setting.key == "print.paper" and value not in ("A4", "Letter"):
        raise InvalidInput(setting.key, "print.paper: use A4 or Letter.")
    return value


def set_setting(ctx: Context, key: str, text: str) -> SettingValue:
    actor = ctx.require(Action.ADMIN)
    setting = SETTINGS.get(key)
    if setting is None:
        raise InvalidInput("key", f"There is no setting '{key}': list them with 'ward-app "
                           "settings list'.")
    value = parse_value(setting, text)
    old = ctx.thresholds()[key]
    now = ctx.now()
    with ctx.write() as db:
        if value == setting.default:
            repo.forget(db, key)
        else:
            repo.store(db, key, value, user_id=actor.id, at=to_utc_text(now))
        audit.record(db, at=now, user_id=actor.id, action="setting.change", entity="setting",
                     detail={"key": key, "old": json.dumps(old), "new": json.dumps(value)})
    return SettingValue(setting, value, value != setting.default)


def set_ward_timezone(ctx: Context, tz: str) -> str:
    """Change the ward's time zone (dose times stay at their clock times in the new zone)."""
    actor = ctx.require(Action.ADMIN)
    zone = ward_zone(tz.strip())
    with actionable_errors():
        wards = people.wards(ctx.db)
    if not wards:
        raise InvalidInput("tz", "This database has no ward yet.")
    now = ctx.now()
    with ctx.write() as db:
        db.execute("UPDATE wards SET tz = ? WHERE id = ?", [str(zone), wards[0].id])
        audit.record(db, at=now, user_id=actor.id, action="setting.change", entity="ward",
                     entity_id=wards[0].id, detail={"key": "ward.tz", "old": wards[0].tz,
                                                    "new": str(zone)})
    ctx._zone = None  # read again
    return str(zone)
