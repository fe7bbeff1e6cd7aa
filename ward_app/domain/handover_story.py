"""The shift's story for one patient (clinical-rules §8): what happened between the start of the
handover period (the last take-over, or ``handover.story_hours`` back) and now, oldest first, so
the sheet never implies that what was not recorded was done and never forgets a night's events
because the patient looks well at 07:00.

Told: every dose not given (with the reason and who decided), missed (nothing recorded), or given
with a flag (early, late, despite a check, entered late); struck-out records; intrathecal boluses;
sedation and NEWS2 peaks even when the latest set is normal; withdrawal signs seen; pump refills
(with the volume drawn out), alarms, their resolutions and pump events (MRI, interrogation);
alerts raised, and every acknowledgement with its note, who and when. Pure: the service hands in
the snapshot and the acknowledgements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from ward_app.domain.alerts import Alert, PatientSnapshot, Severity, alert_title
from ward_app.domain.dose_checks import flag_words
from ward_app.domain.entry import entered_late
from ward_app.domain.handover import StoryLine
from ward_app.domain.mar import (
    NOT_GIVEN,
    REASON_LABELS,
    Outcome,
    Reason,
    Record,
    State,
    dose_state,
    effective_records,
)
from ward_app.domain.news2 import news2
from ward_app.domain.observations import SIGN_LABELS, Observation, Poss, Sign
from ward_app.domain.patient import Flag
from ward_app.domain.pump import ALARM_LABELS, EVENT_LABELS, EventKind
from ward_app.domain.rules import Thresholds
from ward_app.domain.schedule import due_doses

#: Sedation that the story names each time it was seen (clinical-rules §3 and §9).
_OVER_SEDATED = (Poss.FREQUENTLY_DROWSY, Poss.SOMNOLENT)


@dataclass(frozen=True)
class AckSeen:
    """One acknowledgement made during the period (from storage.acks.between)."""

    rule: str
    severity: Severity
    by: str
    note: str | None
    at: datetime


def _reason(rec: Record) -> str:
    if not rec.reason:
        return "no reason recorded"
    try:
        reason = Reason(rec.reason)
    except ValueError:
        return rec.reason + (f" ({rec.note})" if rec.note else "")
    if reason is Reason.OTHER and rec.note:
        return rec.note  # the nurse's own words are the reason
    return REASON_LABELS.get(reason, rec.reason) + (f" ({rec.note})" if rec.note else "")


def _amount(rec: Record) -> str:
    if rec.dose_mcg is not None:
        return f"{rec.dose_mcg:g} mcg"
    return f"{rec.dose_mg:g} mg" if rec.dose_mg is not None else "dose"


def _by(rec: Record) -> str:
    return f"by {rec.by}"


def _dose_lines(s: PatientSnapshot, since: datetime, now: datetime, zone: tzinfo,
                t: Thresholds) -> list[StoryLine]:
    def hm(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%H:%M")

    out: list[StoryLine] = []
    doses = due_doses(s.versions, since - timedelta(hours=12), now + timedelta(hours=12), zone)
    records, corrections = effective_records(s.records)
    on_time: list[datetime] = []
    for i, d in enumerate(doses):
        if not since <= d.due < now:
            continue
        nxt = doses[i + 1].due if i + 1 < len(doses) else None
        rec = records.get(d.due)
        state = dose_state(d.due, rec, now, nxt, t.dose_window_min, t.dose_missed_after_min)
        due = hm(d.due)
        if rec is None:
            if state is State.MISSED:
                out.append(StoryLine(d.due, f"{due} dose {d.dose_mg:g} mg MISSED: nothing "
                                            "recorded", True))
            elif state is State.LATE:
                out.append(StoryLine(d.due, f"{due} dose {d.dose_mg:g} mg LATE: not recorded "
                                            "yet", True))
            continue
        by = f"by {rec.by}"
        if state in NOT_GIVEN:
            word = state.value.replace("_", " ").upper()
            out.append(StoryLine(rec.administered_at, f"{due} dose {word} {by} at "
                                 f"{hm(rec.administered_at)}: {_reason(rec)}", True))
            continue
        notes = []
        if rec.flags:
            confirmed = f", confirmed by {rec.override_by}" if rec.override_by else ""
            notes.append(f"{flag_words(rec.flags)}: {rec.override_reason}{confirmed}")
        if state is State.GIVEN_LATE or rec.outcome is Outcome.GIVEN_LATE:
            notes.append("given late")
        if rec.entered_at is not None and entered_late(rec.administered_at, rec.entered_at,
                                                       t.record_late_entry_minutes):
            notes.append(f"entered late, at {rec.entered_at.astimezone(zone):%H:%M}")
        if notes:
            out.append(StoryLine(rec.administered_at, f"{due} dose given {by} at "
                                 f"{hm(rec.administered_at)} — {'; '.join(notes)}",
                                 bool(rec.flags)))
        else:
            on_time.append(d.due)
    if on_time:
        out.append(StoryLine(on_time[0], "Given on time: " + ", ".join(hm(d) for d in on_time)))
    for rec in s.records:
        at = rec.administered_at
        if not since <= at <= now:
            continue
        if rec.due is None and rec.outcome is not Outcome.ENTERED_IN_ERROR:
            witness = f", witness {rec.witness}" if rec.witness else ""
            out.append(StoryLine(at, f"{hm(at)} intrathecal bolus {_amount(rec)} {_by(rec)}"
                                     f"{witness}", True))
    for wrong_id, fix in corrections.items():
        if since <= fix.recorded_at <= now:
            struck = next((r for r in s.records if r.id == wrong_id), None)
            what = f"{hm(struck.due)} dose record" if struck and struck.due else "a dose record"
            out.append(StoryLine(fix.recorded_at, f"{hm(fix.recorded_at)} {what} marked entered "
                                 f"in error {_by(fix)}: {fix.note or fix.reason or 'no reason'}",
                                 True))
    return out


def _observation_lines(s: PatientSnapshot, since: datetime, now: datetime, zone: tzinfo
                       ) -> list[StoryLine]:
    def hm(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%H:%M")

    struck = {o.corrects_id for o in s.observations if o.corrects_id is not None}
    seen = [o for o in s.observations if since <= o.taken_at <= now and o.id not in struck
            and o.corrects_id is None]
    out: list[StoryLine] = []
    sedation = [o for o in seen if o.poss is not None or o.rass is not None]
    if sedation:
        deep = [o for o in sedation if o.poss in _OVER_SEDATED or (o.rass is not None and
                                                                   o.rass <= -3)]
        last = sedation[-1]
        latest = (f"latest {_sedation(last)} at {hm(last.taken_at)}" if not deep or
                  deep[-1] is not last else "still so at the latest check")
        if deep:
            when = _joined([f"{_sedation(o)} at {hm(o.taken_at)}" for o in deep])
            out.append(StoryLine(deep[0].taken_at, f"Over-sedated: {when}; {latest}", True))
        else:
            out.append(StoryLine(sedation[0].taken_at, f"Sedation acceptable in {len(sedation)} "
                                 f"check{'s' * (len(sedation) != 1)}; {latest}"))
    hyper = Flag.HYPERCAPNIC in s.patient.flags
    scored = [(o, news2(o, hyper)) for o in seen if o.has_vitals]
    complete = [(o, sc) for o, sc in scored if sc.complete]
    if complete:
        peak_o, peak = max(complete, key=lambda p: (p[1].total, p[0].taken_at))
        last_o, last_score = complete[-1]
        threes = [o for o, sc in complete if sc.single_3]
        concern = peak.total >= 5 or bool(threes)
        text = (f"NEWS2 peak {peak.total} at {hm(peak_o.taken_at)}" if peak_o is not last_o
                else f"NEWS2 {peak.total} at {hm(peak_o.taken_at)}")
        if peak_o is not last_o:
            text += f"; latest {last_score.total} at {hm(last_o.taken_at)}"
        text += f" ({len(complete)} complete set{'s' * (len(complete) != 1)})"
        if threes:
            text += "; a 3 in one parameter at " + _joined([hm(o.taken_at) for o in threes])
        out.append(StoryLine(peak_o.taken_at, text, concern))
    elif scored:
        out.append(StoryLine(scored[-1][0].taken_at, f"Vital signs {len(scored)} time"
                             f"{'s' * (len(scored) != 1)}, none a complete NEWS2 set", True))
    else:
        out.append(StoryLine(since, "No vital signs recorded in this period", True))
    order = list(Sign)
    signs = [o for o in seen if o.signs]
    for o in signs:
        words = ", ".join(SIGN_LABELS[x] for x in sorted(o.signs, key=order.index))
        out.append(StoryLine(o.taken_at, f"{hm(o.taken_at)} withdrawal signs: {words} "
                                         f"(by {o.by})", True))
    checked = [o for o in seen if o.signs_checked and not o.signs]
    if checked and not signs:
        out.append(StoryLine(checked[-1].taken_at, f"Withdrawal checked {len(checked)} time"
                             f"{'s' * (len(checked) != 1)}: no signs"))
    return out


def _sedation(o: Observation) -> str:
    parts = []
    if o.poss is not None:
        parts.append(f"POSS {o.poss.value}")
    if o.rass is not None:
        parts.append(f"RASS {o.rass}")
    return " / ".join(parts)


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _pump_lines(s: PatientSnapshot, since: datetime, now: datetime, zone: tzinfo
                ) -> list[StoryLine]:
    if s.pump is None:
        return []
    out: list[StoryLine] = []
    for r in s.pump.refills:
        if since <= r.refilled_at <= now:
            witness = f", witness {r.witness}" if r.witness else ""
            out.append(StoryLine(r.refilled_at, f"{r.refilled_at.astimezone(zone):%H:%M} pump "
                                 f"refilled by {r.by}{witness}: {r.volume_ml:g} mL × "
                                 f"{r.conc_mcg_ml:g} mcg/mL, {r.daily_mcg:g} mcg/day"
                                 + (f"; {r.withdrawn_ml:g} mL drawn out" if r.withdrawn_ml
                                    is not None else "")))
    for a in s.pump.alarms:
        if since <= a.heard_at <= now:
            note = f": {a.note}" if a.note else ""
            out.append(StoryLine(a.heard_at, f"{a.heard_at.astimezone(zone):%H:%M} pump alarm "
                                 f"heard — {ALARM_LABELS.get(a.kind, a.kind)} (by {a.by}){note}",
                                 True))
    for fix in s.pump.resolutions:
        if since <= fix.at <= now:
            told = f", ITB team: {fix.itb_contact}" if fix.itb_contact else ""
            out.append(StoryLine(fix.at, f"{fix.at.astimezone(zone):%H:%M} pump alarm resolved "
                                 f"by {fix.by}: {fix.action}{told}"))
    for e in s.pump.events:
        if since <= e.at <= now:
            note = f": {e.note}" if e.note else ""
            out.append(StoryLine(e.at, f"{e.at.astimezone(zone):%H:%M} "
                                 f"{EVENT_LABELS.get(e.kind, e.kind)} (by {e.by}){note}",
                                 e.kind is not EventKind.INTERROGATION))
    return out


def _alert_lines(alerts: list[Alert], acks: list[AckSeen], since: datetime, now: datetime,
                 zone: tzinfo) -> list[StoryLine]:
    out = []
    for a in alerts:
        if since <= a.since <= now and a.severity >= Severity.URGENT:  # warnings: in the list
            out.append(StoryLine(a.since, f"{a.since.astimezone(zone):%H:%M} alert raised: "
                                 f"{a.severity.label.upper()} {alert_title(a.rule)}", True))
    for k in acks:
        note = f": “{k.note}”" if k.note else " (no note)"
        out.append(StoryLine(k.at, f"{k.at.astimezone(zone):%H:%M} {alert_title(k.rule)} "
                             f"({k.severity.label}) acknowledged by {k.by}{note}",
                             k.severity >= Severity.URGENT))
    return out


def story(s: PatientSnapshot, alerts: list[Alert], acks: list[AckSeen], since: datetime,
          now: datetime, zone: tzinfo, t: Thresholds) -> tuple[StoryLine, ...]:
    """Everything the period holds for this patient, oldest first (a summary line — doses on
    time, a sedation or NEWS2 range — at its first moment)."""
    lines = (_dose_lines(s, since, now, zone, t) + _observation_lines(s, since, now, zone)
             + _pump_lines(s, since, now, zone) + _alert_lines(alerts, acks, since, now, zone))
    return tuple(sorted(lines, key=lambda line: line.at))
