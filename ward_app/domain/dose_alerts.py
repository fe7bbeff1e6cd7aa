"""Alert rules about doses and orders (clinical-rules §1, §2, §4, §5, §10): late, missed (with when
the next dose is due and the no-doubling rule), daily maximum, withdrawal watch after missed doses
or an abrupt stop, and nil by mouth on oral baclofen (the flag, or a dose not given for it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from ward_app.domain.alerts import Alert, PatientSnapshot, Severity
from ward_app.domain.bridging import SRC_BRIDGE, bridging_advice, iv_daily_mg
from ward_app.domain.mar import NOT_GIVEN, Reason, Record, State, dose_state, effective_records, missed_at
from ward_app.domain.orders import Order, OrderAction, Route
from ward_app.domain.patient import Flag
from ward_app.domain.pump import AlarmKind
from ward_app.domain.rules import Thresholds
from ward_app.domain.schedule import DueDose, due_doses

SRC_WINDOW = "clinical-rules §2: on time within ±30 min (ISMP 2011); missed after 2 h or at the next dose"
SRC_MAX = "clinical-rules §1: 80 mg/day US label maximum; 100 mg/day BNF maximum"
SRC_WATCH = ("clinical-rules §2, §4: two missed/omitted doses, an abrupt stop, an intrathecal dose "
             "reduction or a pump problem start a withdrawal watch")
SRC_TAPER = "clinical-rules §7 and issue 6: a taper starts a withdrawal watch with a daily check"
SRC_NPO = f"clinical-rules §5: nil by mouth on oral baclofen; {SRC_BRIDGE}"
SRC_STOP = "clinical-rules §7: abrupt discontinuation only for a serious adverse reaction"

STOPPED_SAR = "serious_adverse_reaction"
#: After a stop for a serious adverse reaction: never "restore baclofen" (clinical-rules §10).
STOP_ADVICE = "do not restart without the prescriber."


def history_hours(t: Thresholds) -> float:
    """How far back the dose rules look: the longer of the alert look-back and a watch."""
    return max(float(t.dose_alert_lookback_hours), float(t.withdrawal_watch_hours)) + 24


@lru_cache(maxsize=4096)
def latest_version(versions: tuple[Order, ...], at: datetime) -> Order | None:
    """The order version that had started last by ``at`` (a stop included)."""
    started = [v for v in versions if v.starts_at <= at]
    return max(started, key=lambda v: (v.starts_at, v.id)) if started else None


def in_force(versions: tuple[Order, ...], at: datetime) -> Order | None:
    latest = latest_version(versions, at)
    return None if latest is None or latest.action is OrderAction.STOP else latest


def stopped_for_sar(versions: tuple[Order, ...], at: datetime) -> Order | None:
    """The stop in force at ``at`` when baclofen was stopped for a serious adverse reaction (then
    no message says "restore baclofen": clinical-rules §10)."""
    latest = latest_version(versions, at)
    if latest is not None and latest.action is OrderAction.STOP and latest.stop_reason == STOPPED_SAR:
        return latest
    return None


def _effective(s: PatientSnapshot) -> dict:  # type: ignore[type-arg]
    """The record in force per due dose, worked out once per snapshot."""
    if "effective" not in s.memo:
        s.memo["effective"] = effective_records(s.records)[0]
    return s.memo["effective"]


def _schedule(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[DueDose]:
    """The patient's due doses around ``now``. A loaded snapshot holds data for one window only,
    so its schedule is worked out once for that window and reused by every rule."""
    anchor = s.loaded_for or now
    key = ("schedule", anchor)
    if key not in s.memo:
        start = anchor - timedelta(hours=history_hours(t))
        s.memo[key] = due_doses(s.versions, start, anchor + timedelta(days=1), s.zone)
    return s.memo[key]


def _when(s: PatientSnapshot, due: datetime, now: datetime) -> str:
    """'08:00' for today's doses, '24 Nov 22:00' for earlier days."""
    local = due.astimezone(s.zone)
    same_day = local.date() == now.astimezone(s.zone).date()
    return local.strftime("%H:%M") if same_day else local.strftime("%d %b %H:%M")


def dose_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """dose.late (warning) and dose.missed (urgent) for due doses with no record."""
    doses = _schedule(s, now, t)
    records = _effective(s)
    lookback = now - timedelta(hours=float(t.dose_alert_lookback_hours))
    window, missed_after = t.dose_window_min, t.dose_missed_after_min
    out: list[Alert] = []
    for i, dose in enumerate(doses):
        if dose.due > now or dose.due < lookback or dose.due in records:
            continue
        nxt = doses[i + 1].due if i + 1 < len(doses) else None
        state = dose_state(dose.due, None, now, nxt, window, missed_after)
        local = dose.due.astimezone(s.zone)
        values = {"due": local.isoformat(timespec="minutes"), "dose_mg": dose.dose_mg,
                  "minutes_overdue": int((now - dose.due).total_seconds() // 60)}
        suffix = dose.due.isoformat()
        if state not in (State.MISSED, State.LATE):
            continue
        values["next_due"] = nxt.astimezone(s.zone).isoformat(timespec="minutes") if nxt else None
        catch_up = catch_up_advice(s, nxt, now, t)
        if state is State.MISSED:
            out.append(s.alert(
                "dose.missed", Severity.URGENT,
                f"Baclofen {dose.dose_mg:g} mg due {_when(s, dose.due, now)} was missed: nothing "
                f"recorded. {catch_up} Tell the nurse in charge and the prescriber (abrupt loss "
                "risks withdrawal).", missed_at(dose.due, nxt, missed_after), SRC_WINDOW, suffix,
                **values))
        else:  # late: the window after due has passed (exactly the window after is on time)
            out.append(s.alert(
                "dose.late", Severity.WARNING,
                f"Baclofen {dose.dose_mg:g} mg due {_when(s, dose.due, now)} is late: nothing "
                f"recorded after {window:g} min. {catch_up}",
                dose.due + timedelta(minutes=window), SRC_WINDOW, suffix, **values))
    return out


def _span(delta: timedelta) -> str:
    """'3 h 10 min', '45 min', '4 h'."""
    hours, mins = divmod(int(delta.total_seconds() // 60), 60)
    return " ".join(p for p in (f"{hours} h" if hours else "", f"{mins} min" if mins else "")
                    if p) or "0 min"


def catch_up_advice(s: PatientSnapshot, nxt: datetime | None, now: datetime,
                    t: Thresholds) -> str:
    """When the next dose is due, and the rule for giving a late or missed dose (clinical-rules
    §9): only when the next is more than the minimum interval away; never two doses for one."""
    interval = f"{float(t.dose_min_interval_hours):g} h"
    never = "never two doses to make up for one."
    if nxt is None:
        return ("No next dose is scheduled (the order ends or stops): ask the prescriber before "
                f"giving this one late, or record why not — {never}")
    if nxt <= now:
        return (f"The next dose ({_when(s, nxt, now)}) is already due: record this one as omitted "
                f"and give the next on time — {never}")
    return (f"Next dose due {_when(s, nxt, now)} (in {_span(nxt - now)}). Give this one now only "
            f"if the next is more than {interval} away; otherwise record it as omitted and give "
            f"the next on time — {never}")


def max_daily_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    order = in_force(s.versions, now)
    if order is None or order.route is Route.INTRATHECAL or order.daily_mg is None:
        return []
    warn, urgent = float(t.oral_max_daily_warning_mg), float(t.oral_max_daily_urgent_mg)
    daily = order.daily_mg
    if daily <= warn:
        return []
    severity = Severity.URGENT if daily > urgent else Severity.WARNING
    limit = urgent if daily > urgent else warn
    override = f" Prescriber override on record: {order.override_reason}." if order.override_reason else ""
    return [s.alert(
        "dose.max_daily", severity,
        f"Daily dose {daily:g} mg is above the {limit:g} mg/day maximum.{override} Check the order "
        "with the prescriber or pharmacist; watch for sedation and slow breathing.",
        order.starts_at, SRC_MAX, str(order.id), daily_mg=daily, limit_mg=limit,
        override_reason=order.override_reason)]


@dataclass(frozen=True)
class Watch:
    """A withdrawal watch: since when, why, and what triggered it."""

    started: datetime
    reason: str
    key: str
    values: dict[str, object]
    kind: str = "doses"  # doses (not given), stop, pump (empty or critical alarm), reduction, taper
    until: datetime | None = None  # default: started + the watch length

    def ends(self, length: timedelta) -> datetime:
        return self.until or self.started + length

    def check_every(self, t: Thresholds) -> timedelta:
        """How often a withdrawal check is due during this watch (daily during a taper)."""
        hours = t.taper_check_every_hours if self.kind == "taper" else t.withdrawal_check_every_hours
        return timedelta(hours=float(hours))


def withdrawal_watches(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Watch]:
    """Watches in force at ``now``: after two consecutive missed/omitted oral or enteral doses
    (the latest such pair), and after a stop for a serious adverse reaction (clinical-rules §2, §4, §7)."""
    watch = timedelta(hours=float(t.withdrawal_watch_hours))
    window, missed_after = t.dose_window_min, t.dose_missed_after_min
    doses = [d for d in _schedule(s, now, t) if d.route in (Route.ORAL, Route.ENTERAL)]
    records = _effective(s)
    found: Watch | None = None
    previous: tuple[DueDose, State] | None = None
    for i, dose in enumerate(doses):
        if dose.due > now:
            break
        nxt = doses[i + 1].due if i + 1 < len(doses) else None
        state = dose_state(dose.due, records.get(dose.due), now, nxt, window, missed_after)
        if state in NOT_GIVEN and previous is not None and previous[1] in NOT_GIVEN:
            became = missed_at(dose.due, nxt, missed_after) if state is State.MISSED else dose.due
            if became <= now and now - became <= watch:
                found = Watch(became, "two doses in a row not given", became.isoformat(), {
                    "doses": [previous[0].due.astimezone(s.zone).isoformat(timespec="minutes"),
                              dose.due.astimezone(s.zone).isoformat(timespec="minutes")],
                    "states": [previous[1].value, state.value]})
        previous = (dose, state)
    out = [found] if found else []
    for v in s.versions:
        if v.action is OrderAction.STOP and v.stop_reason == STOPPED_SAR and (
                v.starts_at <= now < v.starts_at + watch):
            out.append(Watch(v.starts_at, f"stopped for a serious adverse reaction (prescriber "
                             f"{v.prescriber})", f"stop{v.id}",
                             {"prescriber": v.prescriber, "stop_reason": v.stop_reason}, "stop"))
    out.extend(_itb_watches(s, now, watch))
    out.extend(_taper_watch(s, now, watch))
    return out


def _taper_watch(s: PatientSnapshot, now: datetime, watch: timedelta) -> list[Watch]:
    """During an oral taper and for the watch length after its last dose: a daily check."""
    tapering = sorted((v for v in s.versions if v.taper_id is not None),
                      key=lambda v: (v.starts_at, v.id))
    current = in_force(s.versions, now)
    started = [v for v in tapering if v.starts_at <= now]
    if not started:
        return []
    latest = max((v for v in s.versions if v.starts_at <= now), key=lambda v: (v.starts_at, v.id))
    if latest.taper_id is None:
        return []  # cancelled, or a new order since
    stop = next((v for v in tapering if v.action is OrderAction.STOP
                 and v.taper_id == latest.taper_id), None)
    until = stop.starts_at + watch if stop is not None else None
    if until is not None and now >= until:
        return []
    first = min(v.starts_at for v in started if v.taper_id == latest.taper_id)
    reason = ("oral taper in progress" if current is not None else
              f"oral taper finished {stop.starts_at.astimezone(s.zone):%d %b}" if stop else
              "oral taper")
    return [Watch(first, reason, f"taper{latest.taper_id}", {"taper_id": latest.taper_id},
                  "taper", until)]


def _itb_watches(s: PatientSnapshot, now: datetime, watch: timedelta) -> list[Watch]:
    """Watches after an intrathecal dose reduction or a pump problem (clinical-rules §4): a critical alarm
    heard and not dealt with, or a reservoir calculated empty."""
    out = []
    itb = sorted((v for v in s.versions if v.route is Route.INTRATHECAL
                  and v.action is not OrderAction.STOP), key=lambda v: (v.starts_at, v.id))
    for before, after in zip(itb, itb[1:], strict=False):
        if (before.daily_mcg and after.daily_mcg and after.daily_mcg < before.daily_mcg
                and after.starts_at <= now < after.starts_at + watch):
            out.append(Watch(after.starts_at, f"intrathecal dose reduced from {before.daily_mcg:g} "
                             f"to {after.daily_mcg:g} mcg/day", f"itbdown{after.id}",
                             {"previous_mcg": before.daily_mcg, "daily_mcg": after.daily_mcg},
                             "reduction"))
    state = s.pump
    if state is None:
        return out
    # A pump problem starts 48 h of checks whether or not it has been fixed since.
    for alarm in state.alarms:
        if alarm.kind is AlarmKind.CRITICAL and alarm.heard_at <= now < alarm.heard_at + watch:
            out.append(Watch(alarm.heard_at, "critical pump alarm heard", f"alarm{alarm.id}",
                             {"alarm": alarm.kind.value}, "pump"))
    for refill, following in zip(state.refills, (*state.refills[1:], None), strict=False):
        empty_at = refill.refilled_at + timedelta(
            days=refill.volume_ml * refill.conc_mcg_ml / refill.daily_mcg)
        ran_dry = following is None or following.refilled_at > empty_at
        # a missed ITB action (clinical-rules §10): the refill is overdue and the low-reservoir
        # alarm date has passed with no refill: watched from the alarm date until the reservoir is
        # calculated empty (then the watch below) or 48 h after the refill that came in time
        alarm_at = refill.refilled_at + timedelta(days=max(0.0, (
            refill.volume_ml - refill.alarm_ml) * refill.conc_mcg_ml / refill.daily_mcg))
        if following is None or following.refilled_at > alarm_at:
            end = empty_at if ran_dry else following.refilled_at + watch  # type: ignore[union-attr]
            if alarm_at <= now < end:
                out.append(Watch(alarm_at, "pump refill overdue: low-reservoir alarm date passed "
                                 "with no refill", f"alarmdate{refill.id}",
                                 {"refill_id": refill.id}, "pump", end))
        if ran_dry and empty_at <= now < empty_at + watch:
            out.append(Watch(empty_at, "pump reservoir calculated empty", f"empty{refill.id}",
                             {"refill_id": refill.id}, "pump"))
    return out


def withdrawal_watch_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    watch = timedelta(hours=float(t.withdrawal_watch_hours))
    sar = stopped_for_sar(s.versions, now)
    out: list[Alert] = []
    for w in withdrawal_watches(s, now, t):
        until = w.ends(watch).astimezone(s.zone).strftime("%d %b %H:%M")
        every = w.check_every(t).total_seconds() / 3600
        source = SRC_STOP if w.kind == "stop" else SRC_TAPER if w.kind == "taper" else SRC_WATCH
        advice = ("tell the prescriber if any appear (the taper may need to slow down)."
                  if w.kind == "taper" else STOP_ADVICE if w.kind == "stop" or sar is not None
                  else "ask the prescriber how to restore baclofen.")
        out.append(s.alert(
            "withdrawal.watch", Severity.INFO if w.kind == "taper" else Severity.WARNING,
            f"Withdrawal watch until {until} ({w.reason}): check for withdrawal signs (itching, "
            f"returning spasticity, low blood pressure, fever, confusion) every {every:g} h; "
            f"{advice}", w.started, source, w.key, **w.values))
    return out


def _nil_by_mouth_omissions(s: PatientSnapshot, order: Order, now: datetime,
                            t: Thresholds) -> list[Record]:
    """Oral doses recorded as not given with the reason nil by mouth (not marked in error), due
    within the dose look-back, oldest first."""
    lookback = now - timedelta(hours=float(t.dose_alert_lookback_hours))
    routes = {v.id: v.route for v in s.versions}
    return sorted((r for r in _effective(s).values()
                   if r.reason == Reason.NIL_BY_MOUTH.value and State(r.outcome.value) in NOT_GIVEN
                   and r.due is not None and lookback <= r.due <= now
                   and routes.get(r.order_id or order.id, order.route) is Route.ORAL),
                  key=lambda r: r.due or now)


def npo_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """route.npo on an oral order in force: the nil-by-mouth flag, or a dose not given for nil by
    mouth (clinical-rules §5, §10), with the bridging prompt."""
    order = in_force(s.versions, now)
    if order is None or order.route is not Route.ORAL:
        return []
    flagged = Flag.NPO in s.patient.flags
    omitted = _nil_by_mouth_omissions(s, order, now, t)
    if not flagged and not omitted:
        return []
    if flagged:
        since = max(s.flag_since.get(Flag.NPO, order.starts_at), order.starts_at)
        why = "Nil by mouth on oral baclofen"
    else:
        since = max(omitted[0].due or now, order.starts_at)
        why = (f"Oral baclofen not given: nil by mouth "
               f"({', '.join(_when(s, r.due or now, now) for r in omitted)})")
    values: dict[str, object] = {
        "order_id": order.id, "oral_daily_mg": order.daily_mg,
        "nil_by_mouth_doses": [(r.due or now).astimezone(s.zone).isoformat(timespec="minutes")
                               for r in omitted]}
    iv = iv_daily_mg(order, t)
    if t.bridge_iv_available is True and iv is not None:
        values["iv_daily_mg"] = iv
    return [s.alert("route.npo", Severity.URGENT, f"{why}. {bridging_advice(order, t)}", since,
                    SRC_NPO, str(order.id), **values)]


RULES = [dose_alerts, max_daily_alerts, withdrawal_watch_alerts, npo_alerts]
