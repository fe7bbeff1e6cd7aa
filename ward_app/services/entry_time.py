"""When a record was entered, beside when the act happened; drill wards.

The act time is what the user says (``--now``, a back-charted time in the window); the entry time
is the system clock (``Context.entered``), which no option sets. On a ward that is not a drill ward
an act time more than 5 minutes after the system clock is refused: tomorrow's dose cannot be
charted today. A drill (training) ward, and the demo ward, may be run ahead of the clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from ward_app.domain.entry import FUTURE_SLACK, entered_late, too_far_ahead
from ward_app.domain.errors import InvalidInput
from ward_app.services.context import Context
from ward_app.storage import people
from ward_app.storage.errors import actionable_errors

#: Act and entry times closer than this are the same moment (two reads of the system clock).
SAME_MOMENT = timedelta(seconds=1)


def is_drill(ctx: Context) -> bool:
    """Whether the ward in this database is a drill (training) ward (False before any ward)."""
    with actionable_errors():
        wards = people.wards(ctx.db)
    return bool(wards) and wards[0].drill


def check_act_time(ctx: Context, act_at: datetime, field: str) -> datetime:
    """``act_at``, or InvalidInput(field) when it is more than 5 minutes after the system clock on
    a ward that is not a drill ward."""
    entered = ctx.entered()
    if too_far_ahead(act_at, entered) and not is_drill(ctx):
        refuse_ahead(act_at, entered, ctx.zone, field)
    return act_at


def refuse_ahead(act_at: datetime, entered: datetime, zone: tzinfo, field: str) -> None:
    """InvalidInput(field) if ``act_at`` is more than 5 minutes after ``entered`` (the system
    clock); for a ward that is not a drill ward."""
    if not too_far_ahead(act_at, entered):
        return
    local = act_at.astimezone(zone)
    ahead = (act_at - entered).total_seconds() / 60
    slack = int(FUTURE_SLACK.total_seconds() // 60)
    how_far = f"{ahead:.0f} minutes" if ahead < 120 else f"{ahead / 60:.0f} hours"
    raise InvalidInput(field, f"{local:%d %b %Y %H:%M} is {how_far} ahead of this computer's "
                       f"clock: give the time it happened (at most {slack} minutes ahead). Only "
                       "a drill ward may be run ahead of the clock.")


def with_act_time(entered: datetime, act_at: datetime,
                  detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """An audit row's detail: the audit row's own time is the entry time; the act time is kept
    in the detail as ``act_at`` when it differs."""
    out = dict(detail or {})
    if abs(act_at - entered) >= SAME_MOMENT:
        out["act_at"] = act_at.isoformat()
    return out


def is_entered_late(ctx: Context, act_at: datetime | None, entered_at: datetime | None) -> bool:
    """Whether a record was entered more than ``record.late_entry_minutes`` after its act time."""
    return entered_late(act_at, entered_at, float(ctx.thresholds().record_late_entry_minutes))


def act_detail(ctx: Context, act_at: datetime, detail: dict[str, Any] | None = None
               ) -> dict[str, Any]:
    """``with_act_time`` for an audit row written at ``ctx.entered()``."""
    return with_act_time(ctx.entered(), act_at, detail)


__all__ = ["act_detail", "check_act_time", "is_drill", "is_entered_late", "refuse_ahead",
           "with_act_time"]
