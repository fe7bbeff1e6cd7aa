"""The alert engine's entry point: every active alert on the ward at a moment, most severe first."""

from __future__ import annotations

from datetime import datetime

from ward_app.domain.alerts import Alert, Rule, most_severe_first
from ward_app.domain.dose_alerts import RULES as DOSE_RULES
from ward_app.services.context import Context
from ward_app.services.snapshots import load_snapshots

#: Every rule the engine runs; later features add theirs here.
RULES: list[Rule] = [*DOSE_RULES]


def ward_alerts(ctx: Context, now: datetime | None = None, *,
                patient_id: int | None = None) -> list[Alert]:
    moment = now or ctx.now()
    t = ctx.thresholds()
    alerts: list[Alert] = []
    for snapshot in load_snapshots(ctx, moment, t, patient_id):
        for rule in RULES:
            alerts.extend(rule(snapshot, moment, t))
    return most_severe_first(alerts)
