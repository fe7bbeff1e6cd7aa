"""What a person typed on the command line, turned into the values the services take: an MRN
into a patient, 'HH:MM' into the due dose, a user name into a user id."""

from __future__ import annotations

import re
from datetime import datetime, time

from ward_app.domain.clock import parse_moment
from ward_app.domain.errors import InvalidInput
from ward_app.domain.observations import Acvpu, Poss, Sign, parse_enum
from ward_app.domain.orders import Frequency, Indication, parse_route, parse_times
from ward_app.domain.patient import Flag, Patient, parse_flag
from ward_app.domain.pump import AlarmKind
from ward_app.domain.taper import Form
from ward_app.services import mar as mar_svc
from ward_app.services.context import Context
from ward_app.services.orders import NewOrder
from ward_app.services.patients import find_by_mrn
from ward_app.services.people import find_user
from ward_app.services.requests import request_id as _request_id

_HHMM = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


def patient(ctx: Context, mrn: str) -> Patient:
    return find_by_mrn(ctx, mrn)


def due(ctx: Context, who: Patient, text: str) -> datetime:
    """The due time meant by ``--due``: an ISO moment, or HH:MM for the dose at that clock time
    nearest to now (at 00:30, '22:00' is last night's; at 08:10, '14:00' is today's)."""
    match = _HHMM.match(text.strip())
    if match:
        clock = time(int(match.group(1)), int(match.group(2)))
        return mar_svc.due_dose_at(ctx, who.id, clock).due
    return parse_moment(text, ctx.zone, field="due")


def user_id(ctx: Context, name: str | None, field: str) -> int | None:
    """The id of the user named by ``--<field>``, None when it was not given."""
    return find_user(ctx, name, field).id if name is not None else None


def request_id(text: str | None) -> str | None:
    """``--request-id``: a UUID the caller makes once per record and gives again on every retry
    of it (a retried save is then recognised, not stored twice); InvalidInput (exit 2) otherwise."""
    return _request_id(text)


def frequency(text: str | None) -> Frequency | None:
    if not text:
        return None
    try:
        return Frequency(text.strip().upper() if text.strip().lower() != "custom" else "custom")
    except ValueError:
        raise InvalidInput("freq", f"'{text}' is not a frequency: use OD, BD, TDS or QDS, or give "
                           "--times.") from None


def clock_times(text: str | None) -> tuple[time, ...] | None:
    """``--times HH:MM,HH:MM`` as clock times (checked, sorted, each once)."""
    return tuple(time.fromisoformat(t) for t in parse_times(text)) if text else None


def indication(text: str | None) -> Indication | None:
    if text is None:
        return None
    try:
        return Indication(text.strip().lower())
    except ValueError:
        raise InvalidInput("indication", f"'{text}' is not an indication: use spasticity, "
                           "alcohol_use_disorder or other.") from None


def new_order(ctx: Context, *, mrn: str, route: str, dose_mg: float | None = None,
              daily_mcg: float | None = None, freq: str | None = None, times: str | None = None,
              indication_text: str | None = None, start: str | None = None,
              override_reason: str | None = None, witness: str | None = None,
              ack_cautions: bool = False) -> NewOrder:
    """``order add``'s options as the order the service takes."""
    who = patient(ctx, mrn)
    return NewOrder(
        patient_id=who.id, route=parse_route(route), dose_mg=dose_mg, daily_mcg=daily_mcg,
        freq=frequency(freq), times=clock_times(times), indication=indication(indication_text),
        start=parse_moment(start, ctx.zone, "start") if start else None,
        override_reason=override_reason, witness_id=user_id(ctx, witness or None, "witness"),
        ack_cautions=ack_cautions)


def alarm_kind(text: str) -> AlarmKind:
    try:
        return AlarmKind(text.strip().lower())
    except ValueError:
        raise InvalidInput("kind", f"'{text}' is not a pump alarm: use low_reservoir, eri or "
                           "critical.") from None


def acvpu(text: str | None) -> Acvpu | None:
    return parse_enum(Acvpu, text, "acvpu")  # type: ignore[return-value]


def poss(text: str | None) -> Poss | None:
    return parse_enum(Poss, text, "poss")  # type: ignore[return-value]


def signs(texts: tuple[str, ...]) -> frozenset[Sign]:
    return frozenset(parse_enum(Sign, t, "sign") for t in texts)  # type: ignore[misc]


def flags(texts: tuple[str, ...] | list[str], field: str = "flag") -> tuple[Flag, ...]:
    """``--flag``/``--clear-flag`` values as patient flags (a wrong one names its own option)."""
    try:
        return tuple(dict.fromkeys(parse_flag(t) for t in texts))
    except InvalidInput as exc:
        raise InvalidInput(field, str(exc)) from None


def oral_form(text: str | None, field: str = "oral-form") -> Form | None:
    if text is None:
        return None
    try:
        return Form(text.strip().lower())
    except ValueError:
        raise InvalidInput(field, f"'{text}' is not a form: use tablet or solution.") from None
