"""Settings in force (shipped defaults from docs/clinical-rules.md overlaid with the ward's own
values), changed by an administrator; every change audited with the old and new value."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from ward_app.domain.clock import to_utc_text, ward_zone
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.roles import Action
from ward_app.domain.rules import SETTINGS, Setting
from ward_app.domain.scanning import clean_substitute
from ward_app.domain.text import clean_text
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.services.entry_time import act_detail
from ward_app.storage import audit, people
from ward_app.storage import settings as repo
from ward_app.storage.connection import Database
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
    return [SettingValue(s, t.value(s.key), t.value(s.key) != s.default) for s in SETTINGS.values()]


#: Allowed range of a setting, by its unit: sensible for a ward, and small enough that no date or
#: schedule computed from it can overflow.
BOUNDS: dict[str, tuple[float, float]] = {
    "mg/day": (1, 1000), "mcg/day": (1, 5000), "%": (1, 100), "min": (0, 1440),
    "h": (1, 720), "mL/min/1.73m2": (1, 200), "breaths/min": (0, 80), "beats/min": (20, 250),
    "mmHg": (40, 300), "°C": (30, 44), "RASS": (-5, 4), "years": (0, 130), "mL": (0, 20),
    "days": (1, 3650), "mcg/mL": (1, 100_000), "attempts": (1, 100), "mg": (1, 100), "x": (1, 10),
}
_COUNT = {"times.OD": 1, "times.BD": 2, "times.TDS": 3, "times.QDS": 4}
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _check_times(setting: Setting, value: list[str]) -> list[str]:
    wanted = _COUNT[setting.key]
    if len(value) != wanted or not all(_HHMM.match(v) for v in value):
        raise InvalidInput(setting.key, f"{setting.key}: give {wanted} clock time"
                           f"{'s' if wanted > 1 else ''} as HH:MM, separated by commas.")
    if len(set(value)) != len(value):
        raise InvalidInput(setting.key, f"{setting.key}: a clock time is repeated.")
    return sorted(value)


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
    return check_value(setting, value)


def check_value(setting: Setting, value: Any) -> Any:
    """``value`` as the setting keeps it (times sorted, text cleaned), or InvalidInput naming the
    setting when it is of the wrong type or out of range."""
    default = setting.default
    kind = type(default)
    if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (isinstance(value, list) and not value) or (
            isinstance(value, float) and not math.isfinite(value)) or (
            isinstance(default, int) and not isinstance(default, bool) and isinstance(value, bool)):
        raise InvalidInput(setting.key, f"{setting.key}: {value!r} is not a valid value; the "
                           f"default is {format_value(default)} ({setting.unit}).")
    if isinstance(value, list) and default:
        sample = type(default[0])
        if not all(isinstance(v, sample) for v in value):
            raise InvalidInput(setting.key, f"{setting.key}: {value!r} is not a valid value; the "
                               f"default is {format_value(default)} ({setting.unit}).")
    if setting.key.startswith("times."):
        return _check_times(setting, value)
    if setting.key == "print.paper" and value not in ("A4", "Letter"):
        raise InvalidInput(setting.key, "print.paper: use A4 or Letter.")
    if setting.key == "scan.gs_substitute" and isinstance(value, str):
        return clean_substitute(value)  # one character, or none
    if isinstance(value, str):
        return clean_text(value, setting.key, label=setting.key, longest=200, required=True)
    low, high = BOUNDS.get(setting.unit, (0, 10_000))
    for v in value if isinstance(value, list) else [value]:
        if not low <= v <= high:
            raise InvalidInput(setting.key, f"{setting.key}: {format_value(v)} is out of range: "
                               f"use {low:g} to {high:g} {setting.unit}.")
    if setting.key in ("session.lock_minutes", "login.max_attempts", "backup.keep_days") and \
            value < 1:
        raise InvalidInput(setting.key, f"{setting.key}: use at least 1.")
    if setting.key == "handover.story_hours" and not 1 <= value <= 24:
        raise InvalidInput(setting.key, "handover.story_hours: use 1 to 24 hours (the handover "
                           "reads at most a day back).")
    return value


def stored_problems(db: Database) -> list[str]:
    """One line per stored setting that is unknown, unreadable or out of its allowed range, and
    for a ward time zone that is not one: what ``check`` reports (the app never stores such)."""
    out = []
    with actionable_errors():
        rows = repo.stored_text(db)
        wards = people.wards(db)
    for key, text in rows:
        setting = SETTINGS.get(key)
        if setting is None:
            out.append(f"setting {key} is not a setting of this version")
            continue
        try:
            check_value(setting, json.loads(text))
        except (ValueError, InvalidInput) as exc:
            why = str(exc) if isinstance(exc, InvalidInput) else "it is not readable"
            out.append(f"setting {key} = {text} is not allowed ({why})")
    for ward in wards:
        try:
            ward_zone(ward.tz)
        except InvalidInput:
            out.append(f"ward {ward.name} has time zone {ward.tz!r}, which is not one")
    return out


def find_setting(key: str) -> Setting:
    """The setting called ``key``, or InvalidInput('key')."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise InvalidInput("key", f"There is no setting '{key}': see the list of settings.")
    return setting


def set_setting(ctx: Context, key: str, value: Any) -> SettingValue:
    """Change a setting to ``value`` (typed as its default: number, text, yes/no, list), checked
    against its range; ``parse_value`` turns what a person typed into that value."""
    actor = ctx.require(Action.ADMIN)
    setting = find_setting(key)
    value = check_value(setting, value)
    old = ctx.thresholds().value(key)
    now = ctx.now()
    with ctx.write(Kind.SETTINGS, ward=True) as db:
        if value == setting.default:
            repo.forget(db, key)
        else:
            repo.store(db, key, value, user_id=actor.id, at=to_utc_text(now))
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="setting.change", entity="setting",
                     detail=act_detail(ctx, now, {"key": key, "old": json.dumps(old),
                                                  "new": json.dumps(value)}))
    return SettingValue(setting, value, value != setting.default)


def set_ward_timezone(ctx: Context, tz: str) -> str:
    """Change the ward's time zone (dose times stay at their clock times in the new zone)."""
    actor = ctx.require(Action.ADMIN)
    zone = ward_zone(tz.strip())
    with actionable_errors():
        wards = people.wards(ctx.db)
        clinical = repo.has_clinical_records(ctx.db)
    if not wards:
        raise InvalidInput("tz", "This database has no ward yet.")
    if clinical and str(zone) != wards[0].tz:
        # doses are due at ward clock times: another zone would move every recorded dose away
        # from its due time (false missed-dose alerts, a dose given twice)
        raise Refused("ward.tz_in_use", f"The ward's time zone stays {wards[0].tz}: it cannot be "
                      "changed once doses, orders or observations are recorded, as it would move "
                      "every recorded time; create a new ward database for another time zone.")
    now = ctx.now()
    with ctx.write(Kind.SETTINGS, ward=True) as db:
        people.set_ward_tz(db, wards[0].id, str(zone))
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="setting.change", entity="ward",
                     entity_id=wards[0].id,
                     detail=act_detail(ctx, now, {"key": "ward.tz", "old": wards[0].tz,
                                                  "new": str(zone)}))
    ctx._zone = None  # read again
    return str(zone)
