"""Forms put away at the lock or a user switch, kept per user in the ward database until that
user comes back: parked (the fields as typed, never a password), restored, then deleted once
saved or discarded. The audit says a form was parked, restored or discarded, with its kind and
patient, never what was typed in it.

Kept in plain text in the ward database, beside the records themselves: see
docs/architecture.md ("Parked forms") for why not encrypted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ward_app.domain.errors import InvalidInput
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.storage import audit
from ward_app.storage import parked_forms as store

#: The forms that can be put away and opened again: observations, a dose (given / not given), a
#: pump refill, a pump alarm, the pump's details.
KINDS = frozenset({"observations", "dose", "refill", "pump_alarm", "pump_details"})
#: Never kept, whatever a form hands over (a form leaves them out; this is the belt).
SECRET_KEYS = frozenset({"password", "witness_password", "second_password"})


@dataclass(frozen=True)
class ParkedForm:
    id: int
    kind: str
    patient_id: int | None
    state: dict[str, Any]
    parked_at: datetime


def _parked(row: store.StoredForm) -> ParkedForm:
    return ParkedForm(row.id, row.kind, row.patient_id, row.state, row.parked_at)


def _clean(state: dict[str, Any]) -> dict[str, Any]:
    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k not in SECRET_KEYS}
        return value
    return clean(dict(state))


def park(ctx: Context, kind: str, patient_id: int | None, state: dict[str, Any],
         form_id: int | None = None) -> int:
    """Keep the acting user's form as typed (``form_id``: the row it was kept in before, now
    replaced); the row's id. Audited ``form.parked`` (kind and patient only)."""
    actor = ctx.require_actor()
    if kind not in KINDS:
        raise InvalidInput("kind", f"Unknown form {kind!r}: one of {', '.join(sorted(KINDS))}.")
    state = _clean(state)
    with ctx.write(Kind.AUDIT) as db:  # no patient named: a draft is kept even if discharged
        at = ctx.entered()
        if form_id is None or not store.replace_state(db, form_id, user_id=actor.id, state=state,
                                                      at=at):
            form_id = store.insert(db, user_id=actor.id, patient_id=patient_id, kind=kind,
                                   state=state, at=at)
        audit.record(db, at=at, user_id=actor.id, action="form.parked", entity="parked_form",
                     entity_id=form_id, patient_id=patient_id, detail={"kind": kind})
    return form_id


def waiting(ctx: Context) -> list[ParkedForm]:
    """The acting user's parked forms, oldest first (none when nobody is acting)."""
    if ctx.actor is None:
        return []
    return [_parked(r) for r in store.of_user(ctx.db, ctx.actor.id)]


def kept_for_others(ctx: Context) -> dict[int, int]:
    """How many forms each other user has parked here (user id -> count)."""
    mine = ctx.actor.id if ctx.actor else None
    return {uid: n for uid, n in store.counts(ctx.db).items() if uid != mine}


def restored(ctx: Context, form_id: int) -> None:
    """The acting user's parked form is shown again (audited ``form.restored``); it stays kept
    until it is saved or discarded."""
    actor = ctx.require_actor()
    with ctx.write(Kind.AUDIT) as db:
        row = store.get(db, form_id)
        if row is None or row.user_id != actor.id:
            return
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="form.restored",
                     entity="parked_form", entity_id=form_id, patient_id=row.patient_id,
                     detail={"kind": row.kind})


def discard(ctx: Context, form_id: int, why: str | None = None) -> bool:
    """The acting user's parked form thrown away (audited ``form.discarded``; ``why``: a few
    words when the window did it, e.g. the dose was recorded meanwhile); False if not theirs or
    gone already."""
    actor = ctx.require_actor()
    with ctx.write(Kind.AUDIT) as db:
        row = store.get(db, form_id)
        if row is None or row.user_id != actor.id:
            return False
        store.delete(db, form_id, user_id=actor.id)
        detail: dict[str, Any] = {"kind": row.kind}
        if why:
            detail["why"] = why
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="form.discarded",
                     entity="parked_form", entity_id=form_id, patient_id=row.patient_id,
                     detail=detail)
    return True


def saved(ctx: Context, form_id: int) -> bool:
    """The parked form was saved (its record is the audit's): the draft goes, quietly."""
    actor = ctx.require_actor()
    with ctx.write(Kind.AUDIT) as db:
        return store.delete(db, form_id, user_id=actor.id)


__all__ = ["KINDS", "ParkedForm", "discard", "kept_for_others", "park", "restored", "saved",
           "waiting"]
