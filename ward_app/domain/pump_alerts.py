"""Alert rules for intrathecal pumps and doses (clinical-rules §1, §6): refill due, empty reservoir, alarms
heard, end of battery life, daily dose out of range or changed by too much at once, and the
observations due after a refill or dose change."""

from __future__ import annotations

from datetime import datetime, timedelta

from ward_app.domain.alerts import Alert, PatientSnapshot, Severity
from ward_app.domain.dose_alerts import STOP_ADVICE, in_force, stopped_for_sar
from ward_app.domain.news2 import news2
from ward_app.domain.orders import Order, OrderAction, Route
from ward_app.domain.patient import Flag
from ward_app.domain.pump import (
    ALARM_LABELS,
    AlarmKind,
    active_alarms,
    dose_step_pct,
    pump_dates,
    start_of_day,
)
from ward_app.domain.rules import Thresholds

SRC_PUMP = ("clinical-rules §6: days to alarm = (volume − alarm volume) × concentration ÷ daily dose; "
            "refill-by = alarm date − buffer (a calculation from the last refill, not a pump "
            "reading)")
SRC_ALARM = "clinical-rules §6: single tone (low reservoir, ERI) urgent; two-tone (critical) emergency"
SRC_ERI = "clinical-rules §6: pump stops about 90 days after ERI; plan replacement about 6 months ahead"
SRC_ITB = "clinical-rules §1: ITB 22-1400 mcg/day; change over +40 % or -20 % at once (label)"
SRC_MONITOR = "clinical-rules §6: observe after an intrathecal refill or dose change"


def _fmt(moment: datetime, s: PatientSnapshot) -> str:
    return moment.astimezone(s.zone).strftime("%d %b %Y %H:%M")


def refill_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """pump.refill_due (warning near the refill-by date, urgent near the alarm date) and
    pump.empty once the reservoir is calculated to be empty."""
    state = s.pump
    if state is None or state.last_refill is None:
        return []
    refill = state.last_refill
    _eri, end = state.pump.eri_and_end(t)
    d = pump_dates(refill, t, s.zone, end)
    values = {"refilled_at": refill.refilled_at.astimezone(s.zone).isoformat(timespec="minutes"),
              "volume_ml": refill.volume_ml, "conc_mcg_ml": refill.conc_mcg_ml,
              "daily_mcg": refill.daily_mcg, "alarm_ml": refill.alarm_ml,
              "days_to_alarm": round(d.days_to_alarm, 1),
              "alarm_date": d.alarm_at.astimezone(s.zone).date().isoformat(),
              "empty_date": d.empty_at.astimezone(s.zone).date().isoformat(),
              "refill_by": d.refill_by.isoformat(), "refill_by_reason": d.refill_by_reason}
    key = str(refill.id)
    if now >= d.empty_at:
        # after a stop for a serious adverse reaction no message offers baclofen (clinical-rules §10)
        bridge = (f"withdrawal signs; {STOP_ADVICE}" if stopped_for_sar(s.versions, now) else
                  "withdrawal signs; oral baclofen or benzodiazepine bridge per prescriber.")
        return [s.alert("pump.empty", Severity.EMERGENCY,
                        f"Pump reservoir calculated EMPTY since {_fmt(d.empty_at, s)}: intrathecal "
                        f"baclofen has stopped. Call the ITB team / on-call doctor now; check for "
                        f"{bridge}", d.empty_at, SRC_PUMP, key, **values)]
    urgent_from = d.alarm_at - timedelta(days=float(t.pump_alarm_urgent_days))
    if now >= urgent_from:
        passed = now >= d.alarm_at
        return [s.alert("pump.refill_due", Severity.URGENT,
                        f"Pump low-reservoir alarm date {'passed' if passed else 'is'} "
                        f"{_fmt(d.alarm_at, s)}; empty {_fmt(d.empty_at, s)}. Refill TODAY: "
                        "contact the ITB team.", urgent_from if not passed else d.alarm_at,
                        SRC_PUMP, key, **values)]
    refill_by_start = start_of_day(d.refill_by, s.zone)
    hard_limit = not d.refill_by_reason.startswith("alarm date")
    if hard_limit and now >= refill_by_start + timedelta(days=1):
        # past the drug-stability limit or the end of service: no buffer is left (cautious: urgent)
        return [s.alert("pump.refill_due", Severity.URGENT,
                        f"Pump refill OVERDUE: the refill-by date {d.refill_by:%a %d %b} "
                        f"({d.refill_by_reason}) has passed; alarm date {_fmt(d.alarm_at, s)}. "
                        "Refill today: contact the ITB team.", refill_by_start + timedelta(days=1),
                        SRC_PUMP, key, **values)]
    warn_from = refill_by_start - timedelta(days=int(t.pump_refill_due_warning_days))
    if now >= warn_from:
        return [s.alert("pump.refill_due", Severity.WARNING,
                        f"Pump refill due by {d.refill_by:%a %d %b} ({d.refill_by_reason}; alarm "
                        f"date {_fmt(d.alarm_at, s)}). Book the refill with the ITB team.",
                        warn_from, SRC_PUMP, key, **values)]
    return []


def alarm_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """pump.alarm for each alarm heard and not yet dealt with (refill or pump replaced)."""
    state = s.pump
    if state is None:
        return []
    out = []
    for a in active_alarms(state.alarms, state.refills, state.pump):
        if a.heard_at > now:
            continue
        critical = a.kind is AlarmKind.CRITICAL
        what = ("Check the pump with the programmer now; call the ITB team / on-call doctor; watch "
                "for withdrawal (itching, spasticity, low BP, fever, confusion)." if critical else
                "Check the reservoir and the refill date; contact the ITB team today.")
        out.append(s.alert("pump.alarm", Severity.EMERGENCY if critical else Severity.URGENT,
                           f"Pump alarm heard {_fmt(a.heard_at, s)}: {ALARM_LABELS[a.kind]}. {what}",
                           a.heard_at, SRC_ALARM, str(a.id), kind=a.kind.value, note=a.note,
                           heard_by=a.by))
    return out


def eri_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """pump.eri: warning from 180 days before the expected end of service, urgent from ERI."""
    state = s.pump
    if state is None:
        return []
    eri, end = state.pump.eri_and_end(t)
    if end is None or eri is None:
        return []
    today = now.astimezone(s.zone).date()
    values = {"eri_date": eri.isoformat(), "end_of_service": end.isoformat(),
              "model": state.pump.model, "serial": state.pump.serial}
    if today >= eri:
        return [s.alert("pump.eri", Severity.URGENT,
                        f"Pump past its elective replacement indicator ({eri:%d %b %Y}); expected "
                        f"to stop about {end:%d %b %Y}. Make sure replacement surgery is booked "
                        "with the ITB team.", start_of_day(eri, s.zone), SRC_ERI, eri.isoformat(),
                        **values)]
    warn_from = end - timedelta(days=int(t.pump_eri_warning_days))
    if today >= warn_from:
        return [s.alert("pump.eri", Severity.WARNING,
                        f"Pump battery: elective replacement indicator due {eri:%d %b %Y}, end of "
                        f"service about {end:%d %b %Y}. Plan the replacement with the ITB team.",
                        start_of_day(warn_from, s.zone), SRC_ERI, warn_from.isoformat(), **values)]
    return []


def _previous_itb(s: PatientSnapshot, order: Order) -> Order | None:
    earlier = [v for v in s.versions if (v.starts_at, v.id) < (order.starts_at, order.id)
               and v.route is Route.INTRATHECAL and v.action is not OrderAction.STOP]
    return max(earlier, key=lambda v: (v.starts_at, v.id)) if earlier else None


def itb_dose_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """itb.dose_range for a daily dose outside the label range; itb.dose_step for a change bigger
    than the label's refill adjustments (shown through the monitoring period after it)."""
    order = in_force(s.versions, now)
    if order is None or order.route is not Route.INTRATHECAL or order.daily_mcg is None:
        return []
    out = []
    low, high = float(t.itb_range_low_mcg), float(t.itb_range_high_mcg)
    if not low <= order.daily_mcg <= high:
        out.append(s.alert("itb.dose_range", Severity.WARNING,
                           f"Intrathecal dose {order.daily_mcg:g} mcg/day is outside the usual "
                           f"range ({low:g}-{high:g} mcg/day): confirm it with the ITB team and "
                           "the pump programme.", order.starts_at, SRC_ITB, str(order.id),
                           daily_mcg=order.daily_mcg, low=low, high=high))
    before = _previous_itb(s, order)
    period = timedelta(hours=float(t.itb_monitor_after_change_hours))
    if before is not None and before.daily_mcg and now < order.starts_at + period:
        pct = dose_step_pct(before.daily_mcg, order.daily_mcg)
        up, down = float(t.itb_step_up_pct), float(t.itb_step_down_pct)
        if pct > up or pct < -down:
            direction = "increase" if pct > 0 else "reduction"
            watch = (" Watch for withdrawal signs." if pct < 0 else
                     " Watch for drowsiness and slow breathing.")
            out.append(s.alert("itb.dose_step", Severity.WARNING,
                               f"Intrathecal dose {direction} of {abs(pct):.0f} % at once "
                               f"({before.daily_mcg:g} to {order.daily_mcg:g} mcg/day; usual steps "
                               f"+10 to +{up:g} % or -10 to -{down:g} %): confirm it with the ITB "
                               f"team.{watch}", order.starts_at, SRC_ITB, str(order.id),
                               previous_mcg=before.daily_mcg, daily_mcg=order.daily_mcg,
                               change_pct=round(pct, 1)))
    return out


def itb_monitoring_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """monitoring.overdue during the period after a refill or an intrathecal dose change: a set of
    observations every ``itb.monitor_every_hours``."""
    starts: list[tuple[datetime, str, str]] = []
    if s.pump is not None and s.pump.last_refill is not None:
        r = s.pump.last_refill
        starts.append((r.refilled_at, "refill", f"itbrefill{r.id}"))
    for v in s.versions:
        if v.route is Route.INTRATHECAL and v.action is OrderAction.CHANGE:
            starts.append((v.starts_at, "dose change", f"itbchange{v.id}"))
    period = timedelta(hours=float(t.itb_monitor_after_change_hours))
    every = timedelta(hours=float(t.itb_monitor_every_hours))
    live = [(at, what, key) for at, what, key in starts if at <= now < at + period]
    if not live:
        return []
    began, what, key = max(live)
    # a full set: every NEWS2 parameter (one reading alone does not reset the clock)
    hyper = Flag.HYPERCAPNIC in s.patient.flags
    taken = [o.taken_at for o in s.observations
             if o.has_vitals and o.taken_at >= began and news2(o, hyper).complete]
    due = (max(taken) if taken else began) + every
    if now <= due or due >= began + period:
        return []
    return [s.alert("monitoring.overdue", Severity.WARNING,
                    f"Observations overdue since {due.astimezone(s.zone):%d %b %H:%M}: after the "
                    f"intrathecal {what} at {_fmt(began, s)} a full set is due every "
                    f"{every.total_seconds() / 3600:g} h until "
                    f"{(began + period).astimezone(s.zone):%d %b %H:%M}.", due, SRC_MONITOR, key,
                    due=due.astimezone(s.zone).isoformat(timespec="minutes"), after=what)]


RULES = [refill_alerts, alarm_alerts, eri_alerts, itb_dose_alerts, itb_monitoring_alerts]
