"""Entry time: when a record was entered, beside when the act happened (pure: no clock)."""

from __future__ import annotations

from datetime import datetime, timedelta

#: An act time may be this far ahead of the system clock (workstation clocks drift a little).
FUTURE_SLACK = timedelta(minutes=5)


def entered_late(act_at: datetime | None, entered_at: datetime | None, late_after_min: float) -> bool:
    """Whether a record was entered more than ``late_after_min`` minutes after its act time. A
    record whose entry time is not known (entered before entry times were kept) is not late."""
    if act_at is None or entered_at is None:
        return False
    return entered_at - act_at > timedelta(minutes=late_after_min)


def too_far_ahead(act_at: datetime, entered_at: datetime) -> bool:
    """Whether an act time is more than FUTURE_SLACK after the moment it is entered."""
    return act_at > entered_at + FUTURE_SLACK
