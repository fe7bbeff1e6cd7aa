"""Reads of patient data are audited (who looked at what, when): a chart opened, a medication
record, the alerts, the patient list, an export, a printed sheet. One audit row per read, one
INSERT; every role may read, so no permission is asked for."""

from __future__ import annotations

import re
from typing import Any

from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.storage import audit

#: What was read, as the audit's action ``read.<what>``.
WHAT = frozenset({"chart", "mar", "alerts", "patients", "export", "print", "handover",
                  "taper_plan", "audit", "observations", "pump"})
_NAME = re.compile(r"^[a-z_]+$")


def record_read(ctx: Context, what: str, patient_id: int | None = None,
                detail: dict[str, Any] | None = None) -> int:
    """Audit one read of patient data by the acting user (``read.<what>``); returns the row id."""
    if what not in WHAT or not _NAME.match(what):
        raise ValueError(f"unknown read {what!r}: one of {sorted(WHAT)}")
    actor = ctx.actor
    with ctx.write(Kind.AUDIT) as db:
        return audit.record(db, at=ctx.entered(), user_id=actor.id if actor else None,
                            action=f"read.{what}", entity="patient" if patient_id else "ward",
                            entity_id=patient_id, patient_id=patient_id, detail=detail)


__all__ = ["WHAT", "record_read"]
