"""The audit trail as people read it: who did what and when, filtered by patient, user and date,
exported to CSV; a correction is shown with the record it corrects."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from ward_app.domain.clock import from_utc_text
from ward_app.domain.entry import entered_late
from ward_app.domain.errors import InvalidInput
from ward_app.domain.text import readable
from ward_app.services.context import Context
from ward_app.storage import audit
from ward_app.storage.errors import actionable_errors

#: How the audit window names what an entry's detail holds (other keys: the key in words).
DETAIL_LABELS = {
    "due": "dose due", "dose_mg": "dose (mg)", "dose_mcg": "dose (mcg)", "witness_id": "witness",
    "override_by": "second user", "override_reason": "reason given anyway",
    "checks": "recording checks", "flags": "flagged", "cautions_acknowledged":
    "cautions acknowledged", "start": "from", "original_outcome": "was recorded as",
    "corrects": "corrects record", "severity": "at severity",
}


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime  # when it was entered: the system clock
    user: str
    action: str
    entity: str
    entity_id: int | None
    mrn: str | None
    patient: str | None
    detail: dict[str, Any]
    corrects: str | None = None  # for a correction: what the original entry was
    #: When the act happened, if it differs from the entry time (back-charting, a drill).
    act_at: datetime | None = None
    entered_late: bool = False  # entered more than record.late_entry_minutes after the act

    def detail_text(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in sorted(self.detail.items())
                         if v not in (None, "") and k != "act_at")

    def detail_words(self, zone: tzinfo) -> str:
        """The detail for people (the audit window): words not keys, times in ward time; the
        alert key and the act time (shown in its own column) left out."""
        return "; ".join(f"{DETAIL_LABELS.get(k, k.replace('_', ' '))}: {readable(v, zone)}"
                         for k, v in sorted(self.detail.items())
                         if v not in (None, "", []) and k not in ("act_at", "key"))

    def act_text(self, fmt: str = "%d %b %Y %H:%M:%S") -> str:
        """The act time (the entry time when no other was given), and whether it was entered
        late."""
        act = (self.act_at or self.at).strftime(fmt)
        return f"{act} (entered late)" if self.entered_late else act


def search(ctx: Context, *, patient_id: int | None = None, user_id: int | None = None,
           start: date | None = None, end: date | None = None, limit: int = 2000
           ) -> list[AuditEntry]:
    """Newest first, only about ``patient_id`` / by ``user_id`` when given. ``start``/``end``
    are ward days (inclusive)."""
    if start and end and end < start:
        raise InvalidInput("to", "The end date is before the start date.")
    since = datetime.combine(start, time(0), tzinfo=ctx.zone) if start else None
    before = datetime.combine(end + timedelta(days=1), time(0), tzinfo=ctx.zone) if end else None
    with actionable_errors():
        rows = audit.search(ctx.db, patient_id=patient_id, user_id=user_id, since=since,
                            before=before, limit=limit)
        late_after = float(ctx.thresholds().record_late_entry_minutes)
        out = []
        for r in rows:
            detail = json.loads(r[8])
            corrects = None
            if r[3].endswith("entered_in_error"):
                corrects = _original(ctx, r[4], r[5], detail)
            at = from_utc_text(r[1]).astimezone(ctx.zone)
            act_at = _act_time(detail.get("act_at"), ctx)
            out.append(AuditEntry(r[0], at, r[2], r[3], r[4], r[5], r[6], r[7], detail, corrects,
                                  act_at, entered_late(act_at, at, late_after)))
    return out


def _act_time(text: Any, ctx: Context) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(ctx.zone) if moment.tzinfo else None


def _original(ctx: Context, entity: str, entity_id: int | None, detail: dict[str, Any]) -> str | None:
    """The audit entry that recorded the original of a correction, as one line."""
    if entity == "administration":
        original_id = detail.get("corrects")
    else:  # observations: the audit entry names the original itself
        original_id = entity_id
    if original_id is None:
        return None
    row = audit.first_entry(ctx.db, entity, original_id)
    if row is None:
        return f"{entity} {original_id}"
    at = from_utc_text(row[0]).astimezone(ctx.zone)
    return f"{row[2]} by {row[1]} at {at:%d %b %Y %H:%M} ({entity} {original_id})"


COLUMNS = ("Entered", "Act time", "User", "Action", "MRN", "Patient", "Record", "Details", "Corrects")


#: A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet shows as text: a leading ' before a formula start."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(entries: list[AuditEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow([csv_cell(cell) for cell in (
            e.at.isoformat(timespec="seconds"),
            (e.act_at or e.at).isoformat(timespec="seconds") + (" (entered late)" if e.entered_late else ""),
            e.user, e.action, e.mrn or "", e.patient or "",
            f"{e.entity} {e.entity_id or ''}".strip(), e.detail_text(), e.corrects or "")])
    return buffer.getvalue()
