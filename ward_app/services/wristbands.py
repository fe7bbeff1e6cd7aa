"""The patient's wristband label (issue 20): the MRN as a Code 128 and a QR code that a keyboard-wedge
scanner reads back, with the name, date of birth, bed and ward, for ``ward-app patient wristband``
and the chart's "Print wristband". Nurses and charge nurses print it (the people who give doses,
who check the band first); every label made is audited as a printed sheet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ward_app.domain.errors import Refused
from ward_app.domain.roles import ROLE_LABELS, WHO_CAN, Action, Role, can
from ward_app.services.context import Context
from ward_app.services.entry_time import is_drill
from ward_app.services.patients import find_by_mrn
from ward_app.services.reads import record_read

if TYPE_CHECKING:
    from ward_app.reports.wristband_label import WristbandLabel

#: Who may print a wristband: the roles that record doses (nurses and charge nurses).
PRINTS_WRISTBANDS = Action.RECORD_DOSE


def _a(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def why_not(ctx: Context) -> str | None:
    """None when the acting user may print wristbands; else one sentence saying who can (for the
    window's tooltip and the refusal)."""
    actor = ctx.actor
    if actor is None:
        return "No user is acting: sign in, or name who is acting."
    if can(actor.role, PRINTS_WRISTBANDS):
        return None
    label = ROLE_LABELS[Role(actor.role)] if actor.role in set(Role) else actor.role
    who = " or ".join(f"{_a(w)} {w}" for w in WHO_CAN[PRINTS_WRISTBANDS])
    return f"{_a(label).capitalize()} {label} cannot print wristbands: ask {who}."


def _label(ctx: Context, mrn: str) -> tuple[int, WristbandLabel]:
    """The label's snapshot for the admitted patient with this MRN (refusals: see
    ``wristband_label``)."""
    from ward_app.reports.wristband_label import WristbandLabel  # reportlab: only when printing

    reason = why_not(ctx)
    if reason is not None:
        raise Refused("user.required" if ctx.actor is None else "role.forbidden", reason)
    patient = find_by_mrn(ctx, mrn)
    if patient.discharged_at is not None:
        raise Refused("patient.discharged",
                      f"{patient.name} (MRN {patient.mrn}) was discharged on "
                      f"{patient.discharged_at.astimezone(ctx.zone):%d %b %Y at %H:%M}: a "
                      "wristband is printed only for a patient on the ward.")
    return patient.id, WristbandLabel(
        patient_name=patient.name, mrn=patient.mrn, bed=patient.bed, ward=patient.ward,
        printed_at=ctx.now().astimezone(ctx.zone), dob=patient.dob, zone_name=str(ctx.zone),
        drill=is_drill(ctx))


def wristband_label(ctx: Context, mrn: str) -> bytes:
    """The wristband label of the admitted patient with MRN ``mrn`` as PDF bytes (one strip-sized
    page; no file is written here), audited as a printed sheet (``read.print``, sheet
    ``wristband``). Refused with one sentence: a role that does not record doses (Refused, saying
    who can), an MRN that is malformed or on no patient (InvalidInput), a discharged patient
    (Refused)."""
    from ward_app.reports.wristband_label import wristband_pdf  # reportlab: only when printing

    patient_id, label = _label(ctx, mrn)
    data = wristband_pdf(label)
    record_read(ctx, "print", patient_id, {"sheet": "wristband", "at": label.printed_at.isoformat()})
    return data


__all__ = ["PRINTS_WRISTBANDS", "why_not", "wristband_label"]
