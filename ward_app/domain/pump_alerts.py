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
    EVENT_LABELS,
    AlarmKind,
    EventKind,
    PumpState,
    active_alarms,
    dose_step_pct,
    pump_dates,
    reconcile,
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
SRC_OVERDUE = ("clinical-rules §10: once the refill-by date passes with no refill, "
               "pump.refill_overdue is urgent")
SRC_RECONCILE = ("clinical-rules §10: expected residual = last volume − elapsed days × daily dose ÷ "
                 "concentration; a difference over 14.5 % of the volume due (labelled accuracy, "
                 "Medtronic FA596) or over 2 mL is urgent")
SRC_CHECK = ("clinical-rules §10: after MRI or hyperbaric treatment the pump is interrogated (it "
             "stops in the scanner and may not restart if it was alarming)")
SRC_POST_REFILL = ("clinical-rules §10: after every refill, sedation, respiratory rate and NEWS2 "
                   "hourly for 4 h (a pocket fill can overdose)")


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
    refill_by_start = start_of_day(d.refill_by, s.zone)
    overdue_from = refill_by_start + timedelta(days=1)
    if now >= overdue_from:
        # the refill-by date has passed with no refill (clinical-rules §10); from the alarm date a
        # withdrawal watch runs as well (domain/dose_alerts.py)
        passed = now >= d.alarm_at
        alarm = (f"the low-reservoir alarm date {'passed' if passed else 'is'} "
                 f"{_fmt(d.alarm_at, s)}" + ("; watch for withdrawal signs" if passed else ""))
        return [s.alert("pump.refill_overdue", Severity.URGENT,
                        f"Pump refill OVERDUE since {overdue_from.astimezone(s.zone):%a %d %b} "
                        f"(refill by {d.refill_by:%a %d %b}, {d.refill_by_reason}); {alarm}; empty "
                        f"{_fmt(d.empty_at, s)}. Refill TODAY: contact the ITB team.",
                        overdue_from, SRC_OVERDUE, key,
                        overdue_since=overdue_from.astimezone(s.zone).date().isoformat(), **values)]
    urgent_from = d.alarm_at - timedelta(days=float(t.pump_alarm_urgent_days))
    if now >= urgent_from:
        passed = now >= d.alarm_at
        return [s.alert("pump.refill_due", Severity.URGENT,
                        f"Pump low-reservoir alarm date {'passed' if passed else 'is'} "
                        f"{_fmt(d.alarm_at, s)}; empty "
                        f"{_fmt(d.empty_at, s)}. Refill TODAY: contact the ITB team.", urgent_from,
                        SRC_PUMP, key, **values)]
    warn_from = refill_by_start - timedelta(days=int(t.pump_refill_due_warning_days))
    if now >= warn_from:
        return [s.alert("pump.refill_due", Severity.WARNING,
                        f"Pump refill due by {d.refill_by:%a %d %b} ({d.refill_by_reason}; alarm "
                        f"date {_fmt(d.alarm_at, s)}). Book the refill with the ITB team.",
                        warn_from, SRC_PUMP, key, **values)]
    return []


def alarm_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """pump.alarm for each alarm heard and not yet dealt with: a low-reservoir alarm until a refill
    (or a recorded action), a critical or ERI alarm until an action naming the ITB team's contact
    is recorded (clinical-rules §10)."""
    state = s.pump
    if state is None:
        return []
    out = []
    for a in active_alarms(state.alarms, state.refills, state.resolutions):
        if a.heard_at > now:
            continue
        critical = a.kind is AlarmKind.CRITICAL
        what = ("Check the pump with the programmer now; call the ITB team / on-call doctor; watch "
                "for withdrawal (itching, spasticity, low BP, fever, confusion). It stays until "
                "the action taken and the ITB team's contact are recorded." if critical else
                "Check the reservoir and the refill date; contact the ITB team today."
                if a.kind is AlarmKind.LOW_RESERVOIR else
                "Tell the ITB team today (replacement); it stays until the action taken and the "
                "ITB team's contact are recorded.")
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


def _interrogated_after(state: PumpState, moment: datetime, now: datetime) -> bool:
    return any(e.kind is EventKind.INTERROGATION and moment <= e.at <= now for e in state.events)


def volume_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """pump.volume_discrepancy: the volume drawn out at the last refill differs from what the
    previous refill should have left by more than the limit (clinical-rules §10). It stays until
    the pump is interrogated (checked with the ITB team) after that refill, or the next refill."""
    state = s.pump
    if state is None or len(state.refills) < 2:
        return []
    before, last = state.refills[-2], state.refills[-1]
    if last.withdrawn_ml is None or last.refilled_at > now:
        return []
    r = reconcile(before, last.withdrawn_ml, last.refilled_at, t)
    if not r.discrepant or _interrogated_after(state, last.refilled_at, now):
        return []
    return [s.alert("pump.volume_discrepancy", Severity.URGENT,
                    f"Pump volume does not add up at the refill of {_fmt(last.refilled_at, s)}: "
                    f"{r.withdrawn_ml:g} mL drawn out, {r.expected_ml:.1f} mL expected "
                    f"(difference {r.difference_ml:+.1f} mL; limit {r.limit_ml:.2f} mL): "
                    f"{r.suggests}. Check the pump with the ITB team (record the interrogation).",
                    last.refilled_at, SRC_RECONCILE, str(last.id),
                    withdrawn_ml=r.withdrawn_ml, expected_ml=r.expected_ml,
                    difference_ml=r.difference_ml, limit_ml=r.limit_ml,
                    delivered_ml=r.delivered_ml)]


def check_due_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """pump.check_due after an MRI or hyperbaric treatment, until a pump interrogation is recorded
    at or after it (clinical-rules §10)."""
    state = s.pump
    if state is None:
        return []
    out = []
    for e in state.events:
        if e.kind is EventKind.INTERROGATION or e.at > now:
            continue
        if _interrogated_after(state, e.at, now):
            continue
        out.append(s.alert("pump.check_due", Severity.URGENT,
                           f"{EVENT_LABELS[e.kind]} recorded {_fmt(e.at, s)}: the pump may have "
                           "stopped and may not restart (especially if it was alarming). Have the "
                           "ITB team interrogate the pump now and record it (Pump event: "
                           "interrogation); watch for withdrawal signs.", e.at, SRC_CHECK,
                           str(e.id), event=e.kind.value, note=e.note, recorded_by=e.by))
    return out


def _post_refill_check(s: PatientSnapshot) -> list[datetime]:
    """When a post-refill check was done: a full NEWS2 set (respiratory rate in it) with a
    sedation score."""
    hyper = Flag.HYPERCAPNIC in s.patient.flags
    return [o.taken_at for o in s.observations
            if o.has_vitals and (o.poss is not None or o.rass is not None)
            and news2(o, hyper).complete]


def post_refill_due(s: PatientSnapshot, now: datetime, t: Thresholds
                    ) -> tuple[datetime, datetime] | None:
    """(next check due, end of the watch) during the post-refill watch after the last refill
    (clinical-rules §10: sedation, respiratory rate and NEWS2 hourly for 4 h); None outside it."""
    if s.pump is None or s.pump.last_refill is None:
        return None
    began = s.pump.last_refill.refilled_at
    end = began + timedelta(hours=float(t.pump_post_refill_hours))
    if not began <= now < end:
        return None
    every = timedelta(hours=float(t.pump_post_refill_every_hours))
    done = [at for at in _post_refill_check(s) if began <= at <= now]
    due = (max(done) if done else began) + every
    return (due, end) if due <= end else None


def post_refill_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """monitoring.overdue when a post-refill check is overdue during the watch."""
    found = post_refill_due(s, now, t)
    if found is None or now <= found[0] or s.pump is None or s.pump.last_refill is None:
        return []
    due, end = found
    r = s.pump.last_refill
    return [s.alert("monitoring.overdue", Severity.WARNING,
                    f"Post-refill check overdue since {due.astimezone(s.zone):%d %b %H:%M}: after "
                    f"the refill at {_fmt(r.refilled_at, s)}, sedation, respiratory rate and NEWS2 "
                    f"are due every {float(t.pump_post_refill_every_hours):g} h until "
                    f"{end.astimezone(s.zone):%H:%M} (a pocket fill can overdose).", due,
                    SRC_POST_REFILL, f"postrefill{r.id}",
                    due=due.astimezone(s.zone).isoformat(timespec="minutes"), after="refill")]


RULES = [refill_alerts, alarm_alerts, eri_alerts, itb_dose_alerts, itb_monitoring_alerts,
         volume_alerts, check_due_alerts, post_refill_alerts]
