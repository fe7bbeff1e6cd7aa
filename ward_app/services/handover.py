"""The shift handover at a moment: the ward summary and one SBAR block per patient, as plain data
for ``reports.handover_sheet``. Built from the same single load as the ward board and its alerts,
so the sheet and the window agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from ward_app.domain.alerts import Alert, PatientSnapshot, Severity, alert_title
from ward_app.domain.dose_alerts import in_force, withdrawal_watches
from ward_app.domain.dose_checks import flag_words
from ward_app.domain.entry import entered_late
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.handover import (
    UNSTABLE_RULES,
    Action,
    AlertLine,
    DoseLine,
    Handover,
    HandoverNote,
    PatientBlock,
    RefillLine,
    WardSummary,
    acuity,
)
from ward_app.domain.handover_story import AckSeen, story
from ward_app.domain.mar import (
    NOT_GIVEN,
    REASON_LABELS,
    Reason,
    State,
    dose_state,
    effective_records,
)
from ward_app.domain.news2 import news2
from ward_app.domain.observations import MAS_STEPS, SIGN_LABELS, Observation, Sign
from ward_app.domain.patient import Flag
from ward_app.domain.pump import pump_dates
from ward_app.domain.roles import Action as Permission
from ward_app.domain.rules import Thresholds
from ward_app.domain.schedule import due_doses
from ward_app.services.board import REFILL_RULES, BoardRow, bed_key, ward_overview
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.services.entry_time import act_detail, is_drill
from ward_app.services.pump_calendar import handover_calendar
from ward_app.services.pump_checklists import checklists
from ward_app.services.scanning import scan_share
from ward_app.services.sync import offline_line
from ward_app.services.tapers import printed_by_name
from ward_app.services.vitals import latest_news2
from ward_app.storage import acks as ack_store
from ward_app.storage import audit, people
from ward_app.storage import handovers as handover_store

AHEAD = timedelta(hours=12)
BEHIND = timedelta(hours=24)
TREND = timedelta(hours=72)


def _hm(moment: datetime, ctx: Context) -> str:
    return moment.astimezone(ctx.zone).strftime("%H:%M")


def _vitals(o: Observation) -> str:
    parts = []
    if o.rr is not None:
        parts.append(f"RR {o.rr}")
    if o.spo2 is not None:
        parts.append(f"SpO2 {o.spo2}{' O2' if o.on_oxygen else ''}")
    if o.sbp is not None:
        parts.append(f"BP {o.sbp}")
    if o.hr is not None:
        parts.append(f"HR {o.hr}")
    if o.acvpu is not None:
        parts.append(o.acvpu.value)
    if o.temp is not None:
        parts.append(f"{o.temp:.1f} °C")
    return " · ".join(parts)


def _assessment(ctx: Context, s: PatientSnapshot, now: datetime, t: Thresholds) -> dict[str, object]:
    hyper = Flag.HYPERCAPNIC in s.patient.flags
    recent = [o for o in s.observations if o.taken_at <= now]
    vitals = [o for o in recent if o.has_vitals]
    out: dict[str, object] = {}
    latest = latest_news2(vitals, hyper, t, now)
    if latest is not None:
        last, score = latest.observation, latest.score
        out["news2"] = f"{score.text()} at {last.taken_at.astimezone(ctx.zone):%d %b %H:%M}"
        out["vitals"] = _vitals(last)
        out["news2_trend"] = tuple((o.taken_at, news2(o, hyper).total) for o in vitals
                                   if o.taken_at >= now - TREND and news2(o, hyper).complete)
        out["_score"] = score
        out["_last"] = last
        out["_next"] = latest.next_due
    else:
        out["news2"] = "no vital signs in the last 72 h"
    sedated = next((o for o in reversed(recent) if o.poss is not None or o.rass is not None), None)
    if sedated is not None:
        poss = f"POSS {sedated.poss.value}" if sedated.poss else ""
        rass = f"RASS {sedated.rass}" if sedated.rass is not None else ""
        out["sedation"] = " ".join(x for x in (poss, rass) if x) + \
            f" ({_hm(sedated.taken_at, ctx)})"
    mas = next((o for o in reversed(recent) if o.mas is not None), None)
    if mas is not None:
        base = f", baseline {s.baseline_mas}" if s.baseline_mas else ""
        penn = f", Penn {mas.penn}" if mas.penn is not None else ""
        rise = (MAS_STEPS.index(mas.mas) - MAS_STEPS.index(s.baseline_mas)
                if s.baseline_mas and mas.mas else 0)
        out["spasticity"] = f"MAS {mas.mas}{base}{penn}" + (f" (up {rise} steps)" if rise > 0 else "")
    day = [o for o in recent if o.taken_at >= now - BEHIND]
    signs = {sign for o in day for sign in o.signs}
    if signs:
        order = list(Sign)
        out["withdrawal"] = "SIGNS: " + ", ".join(SIGN_LABELS[x] for x in sorted(signs, key=order.index))
    elif any(o.signs_checked for o in day):
        out["withdrawal"] = "checked in 24 h: no signs"
    return out


def _flagged(ctx: Context, s: PatientSnapshot, now: datetime) -> list[str]:
    """Doses of the last 24 h given despite a recording check (clinical-rules §9), e.g.
    '14:00 given within the minimum interval: pain crisis, Dr Khan (confirmed by nurse.okafor)'."""
    records, _ = effective_records(s.records)
    out = []
    for due, rec in sorted(records.items()):
        if rec.flags and now - BEHIND <= rec.administered_at <= now:
            what = flag_words(rec.flags)
            who = f" (confirmed by {rec.override_by})" if rec.override_by else ""
            out.append(f"{_hm(due, ctx)} dose {what}, by {rec.by}: {rec.override_reason}{who}")
    return out


def _doses(ctx: Context, s: PatientSnapshot, now: datetime, t: Thresholds, row: BoardRow
           ) -> tuple[list[DoseLine], list[DoseLine], int, list[str]]:
    """(due in the next 12 h with no record, not given in the last 24 h, given in 24 h, records
    of the last 24 h entered late)."""
    window, missed_after = t.dose_window_min, t.dose_missed_after_min
    doses = due_doses(s.versions, now - BEHIND - timedelta(hours=12), now + AHEAD, ctx.zone)
    records, _ = effective_records(s.records)
    due, missed, given, late = [], [], 0, []
    for i, d in enumerate(doses):
        nxt = doses[i + 1].due if i + 1 < len(doses) else None
        rec = records.get(d.due)
        if rec is not None and now - BEHIND <= d.due < now and rec.entered_at is not None and \
                entered_late(rec.administered_at, rec.entered_at, t.record_late_entry_minutes):
            entered = rec.entered_at.astimezone(ctx.zone)
            same_day = entered.date() == rec.administered_at.astimezone(ctx.zone).date()
            shown = f"{entered:%H:%M}" if same_day else f"{entered:%d %b %H:%M}"
            late.append(f"{_hm(d.due, ctx)} dose, entered {shown}")
        line = DoseLine(d.due.astimezone(ctx.zone), row.bed, row.name, f"{d.dose_mg:g} mg")
        if now <= d.due < now + AHEAD and rec is None:
            due.append(line)
        elif now - BEHIND <= d.due < now:
            state = dose_state(d.due, rec, now, nxt, window, missed_after)
            if state in NOT_GIVEN or state is State.LATE:
                reason = None
                if rec is not None and rec.reason:
                    reason = REASON_LABELS.get(Reason(rec.reason), rec.reason) \
                        if rec.reason in Reason._value2member_map_ else rec.reason
                missed.append(DoseLine(line.due, row.bed, row.name, line.dose,
                                       state.value.replace("_", " "), reason))
            elif state in (State.GIVEN, State.GIVEN_LATE):
                given += 1
    return due, missed, given, late


def _refill_soon(refill_by: date, now: datetime, zone: tzinfo, t: Thresholds) -> bool:
    """Within the refill-due horizon (the pump.refill_due warning setting): listed at handover."""
    return (refill_by - now.astimezone(zone).date()).days <= t.pump_refill_due_warning_days


def _actions(ctx: Context, s: PatientSnapshot, now: datetime, t: Thresholds,
             due: list[DoseLine], alerts: list[Alert], assess: dict[str, object]) -> list[Action]:
    out = [Action(d.due, f"give baclofen {d.dose}") for d in due]
    next_obs = assess.get("_next")
    if isinstance(next_obs, datetime):
        late = next_obs < now
        out.append(Action(None if late else next_obs.astimezone(ctx.zone),
                          "observations OVERDUE: full set now" if late else "full set of observations",
                          urgent=late))
    for w in withdrawal_watches(s, now, t):
        until = w.ends(timedelta(hours=float(t.withdrawal_watch_hours)))
        every = w.check_every(t).total_seconds() / 3600
        out.append(Action(None, f"withdrawal check every {every:g} h until "
                                f"{until.astimezone(ctx.zone):%a %H:%M} ({w.reason})"))
    if s.pump is not None and s.pump.last_refill is not None:
        d = pump_dates(s.pump.last_refill, t, ctx.zone, s.pump.pump.eri_and_end(t)[1])
        today = now.astimezone(ctx.zone).date()
        if today > d.refill_by:  # clinical-rules §10: pump.refill_overdue
            out.append(Action(None, f"pump refill OVERDUE since "
                                    f"{d.refill_by + timedelta(days=1):%a %d %b} (refill by "
                                    f"{d.refill_by:%a %d %b}; alarm "
                                    f"{d.alarm_at.astimezone(ctx.zone):%a %d %b %H:%M}): refill "
                                    "today with the ITB team", urgent=True))
        elif _refill_soon(d.refill_by, now, ctx.zone, t):
            out.append(Action(None, f"pump refill by {d.refill_by:%a %d %b} (alarm "
                                    f"{d.alarm_at.astimezone(ctx.zone):%a %d %b %H:%M})",
                              urgent=any(a.rule in REFILL_RULES and
                                         a.severity >= Severity.URGENT for a in alerts)))
    for a in alerts:
        if a.severity >= Severity.URGENT and not a.acknowledged and a.rule != "dose.missed":
            out.append(Action(None, f"{alert_title(a.rule)}: {a.message}", urgent=True))
        elif a.rule == "dose.missed" and not a.acknowledged:
            was_due = datetime.fromisoformat(str(a.values["due"])).astimezone(ctx.zone)
            # the alert's own advice: when the next dose is due, and never two doses for one
            advice = a.message.split("nothing recorded. ", 1)[-1]
            out.append(Action(None, f"missed dose due {was_due:%H:%M}: {advice}", urgent=True))
    timed = sorted((a for a in out if a.when is not None), key=lambda a: a.when)  # type: ignore
    return [a for a in out if a.when is None] + timed


def build_handover(ctx: Context, at: datetime | None = None, ward: str | None = None, *,
                   permission: Permission = Permission.HANDOVER) -> Handover:
    """Everything on the handover sheet at ``at`` (default now), for one ward (default the first).
    ``permission``: what the caller needs (the take-over reads the same content)."""
    ctx.require(permission)
    now = at or ctx.now()
    t = ctx.thresholds()
    overview = ward_overview(ctx, now)
    wards = sorted({r.ward for r in overview.rows})
    if ward is not None:
        match = next((w for w in wards if w.casefold() == ward.strip().casefold()), None)
        if match is None:
            raise InvalidInput("ward", f"There is no ward '{ward}' with patients: use one of "
                               f"{', '.join(wards) or 'none'}.")
        ward = match
    ward_rows = people.wards(ctx.db)
    ward = ward or (ward_rows[0].name if ward_rows else "Ward")
    by_id = {s.patient.id: s for s in overview.snapshots}
    ward_row = next((w for w in ward_rows if w.name == ward), None)
    since, since_what = handover_period(ctx, now, ward_row.id if ward_row else None, t)
    ids_here = [r.patient_id for r in overview.rows if r.ward == ward]
    acks_by_patient: dict[int, list[AckSeen]] = {}
    for k in ack_store.between(ctx.db, ids_here, since, now):
        acks_by_patient.setdefault(k.patient_id, []).append(
            AckSeen(k.rule, Severity(k.ack.severity), k.ack.by, k.ack.note, k.ack.at))
    notes = handover_store.notes_in_force(ctx.db, ids_here)
    open_lists = checklists(ctx, overview)  # pump failure checklists, by patient
    alerts_by_patient: dict[int, list[Alert]] = {}
    for a in overview.alerts:
        alerts_by_patient.setdefault(a.patient_id, []).append(a)
    blocks: list[PatientBlock] = []
    due_all: list[DoseLine] = []
    missed_all: list[DoseLine] = []
    refills: list[RefillLine] = []
    for row in overview.rows:
        if row.ward != ward:
            continue
        s = by_id[row.patient_id]
        alerts = alerts_by_patient.get(row.patient_id, [])
        assess = _assessment(ctx, s, now, t)
        due, missed, given, late = _doses(ctx, s, now, t, row)
        due_all += due
        missed_all += missed
        score = assess.get("_score")
        seen = acks_by_patient.get(row.patient_id, [])
        level = acuity(alerts, score.total if score else None,  # type: ignore[attr-defined]
                       bool(score and score.single_3),  # type: ignore[attr-defined]
                       any(k.severity is Severity.EMERGENCY for k in seen))
        note = notes.get(row.patient_id)
        order = in_force(s.versions, now)
        pump = None
        if s.pump is not None:
            p = s.pump.pump
            eri, _end = p.eri_and_end(t)
            last = s.pump.last_refill
            pump = (f"{p.model or 'pump'}, reservoir {p.reservoir_ml or '?'} mL; ERI "
                    f"{eri:%d %b %Y}" if eri else f"{p.model or 'pump'}; ERI not recorded")
            if last is not None:
                d = pump_dates(last, t, ctx.zone, p.eri_and_end(t)[1])
                pump += (f"; refilled {last.refilled_at.astimezone(ctx.zone):%d %b} "
                         f"({last.volume_ml:g} mL × {last.conc_mcg_ml:g} mcg/mL); refill by "
                         f"{d.refill_by:%d %b}")
                if _refill_soon(d.refill_by, now, ctx.zone, t) or row.refill_severity:
                    refills.append(RefillLine(row.bed, row.name, d.refill_by,
                                              d.alarm_at.astimezone(ctx.zone),
                                              row.refill_severity.label if row.refill_severity
                                              is not None else None, row.refill_overdue_since))
        lab = s.lab
        renal = None
        if lab is not None:
            renal = ("on dialysis" if lab.dialysis else f"eGFR {lab.egfr:g}") + \
                f" ({lab.taken_at.astimezone(ctx.zone):%d %b})"
        blocks.append(PatientBlock(
            bed=row.bed, name=row.name, mrn=row.mrn, age=row.age, route=row.route, dose=row.dose,
            acuity=level,
            indication=order.indication.value.replace("_", " ") if order and order.indication
            else None,
            flags=row.flags, renal=renal, comeds=s.comeds, pump=pump,
            news2=str(assess["news2"]), news2_trend=assess.get("news2_trend", ()),  # type: ignore
            vitals=assess.get("vitals"), sedation=assess.get("sedation"),  # type: ignore[arg-type]
            spasticity=assess.get("spasticity"), withdrawal=assess.get("withdrawal"),  # type: ignore
            given_24h=given,
            not_given_24h=tuple(f"{d.due:%H:%M} {d.state}" + (f" ({d.reason})" if d.reason else "")
                                for d in missed),
            entered_late_24h=tuple(late),
            flagged_24h=tuple(_flagged(ctx, s, now)),
            actions=tuple(_actions(ctx, s, now, t, due, alerts, assess)),
            story=story(s, alerts, seen, since, now, ctx.zone, t),
            note=HandoverNote(note.text, note.by, note.at.astimezone(ctx.zone)) if note else None,
            checklist=tuple(open_lists[row.patient_id].lines(lambda m: _hm(m, ctx)))
            if row.patient_id in open_lists else (),
            alerts=tuple(AlertLine(a.severity.label, a.rule, a.message,
                                   a.since.astimezone(ctx.zone), a.acknowledged_by)
                         for a in alerts if a.severity >= Severity.WARNING)))
    counts: dict[str, int] = {}
    for b in blocks:
        counts[b.route or "none"] = counts.get(b.route or "none", 0) + 1
    ids = {r.patient_id for r in overview.rows if r.ward == ward}
    severities: dict[str, int] = {}
    for a in overview.alerts:
        if a.patient_id in ids:
            severities[a.severity.label] = severities.get(a.severity.label, 0) + 1
    summary = WardSummary(
        patients=len(blocks), by_route=counts,
        by_acuity={level: sum(b.acuity.value == level for b in blocks)
                   for level in ("unstable", "watcher", "stable")},
        alerts_by_severity=severities,
        due_next_12h=tuple(sorted(due_all, key=lambda d: (d.due, d.bed))),
        not_given_24h=tuple(sorted(missed_all, key=lambda d: (d.due, d.bed))),
        refills_due=tuple(sorted(refills, key=lambda r: r.refill_by)),
        scanned=scan_share(ctx, since, now).sentence())
    return Handover(ward=ward, at=now.astimezone(ctx.zone), zone_name=str(ctx.zone),
                    printed_by=printed_by_name(ctx), summary=summary, patients=tuple(blocks),
                    paper=str(t.print_paper), drill=is_drill(ctx),
                    since=since.astimezone(ctx.zone), since_what=since_what,
                    outstanding=tuple(outstanding(ctx, overview, now, ward)),
                    pump_calendar=handover_calendar(ctx, overview, ward),
                    offline=offline_line(ctx.db, ctx.zone))


def handover_period(ctx: Context, now: datetime, ward_id: int | None, t: Thresholds
                    ) -> tuple[datetime, str]:
    """Where the shift's story starts: the ward's last take-over (if within a day), else
    ``handover.story_hours`` back; and how the sheet says so."""
    last = handover_store.last_take_over(ctx.db, ward_id, now) if ward_id is not None else None
    if last is not None and now - last.at <= timedelta(hours=24):
        beds = f" (beds {', '.join(last.beds)})" if last.beds else ""
        return last.at, (f"since the take-over by {last.by}{beds} at "
                         f"{last.at.astimezone(ctx.zone):%a %H:%M}")
    hours = int(t.handover_story_hours)
    return now - timedelta(hours=hours), f"in the last {hours} h, no take-over recorded"


def outstanding(ctx: Context, overview, now: datetime, ward: str) -> list[str]:  # type: ignore[no-untyped-def]
    """What is still to do, most pressing first: unacknowledged alerts (urgent and worse, then
    warnings), overdue and due-within-the-hour doses and checks, pump refills due."""
    from ward_app.services.worklist import due_now

    here = {r.patient_id: r for r in overview.rows if r.ward == ward}
    out = []
    for a in sorted((a for a in overview.alerts if a.patient_id in here and not a.acknowledged
                     and a.severity >= Severity.WARNING), key=lambda a: (-a.severity, a.since)):
        out.append(f"Bed {a.bed} {a.name}: {a.severity.label.upper()} alert not acknowledged — "
                   f"{alert_title(a.rule)} (since {a.since.astimezone(ctx.zone):%a %H:%M})")
    for item in due_now(ctx, now, overview):
        if item.patient_id in here:
            out.append(f"Bed {item.bed} {item.name}: {item.what} {item.state.upper()} "
                       f"({item.due.astimezone(ctx.zone):%H:%M})")
    for r in sorted((r for r in overview.rows if r.patient_id in here and r.refill_severity
                     is not None), key=lambda r: r.bed):
        out.append(f"Bed {r.bed} {r.name}: pump refill OVERDUE since "
                   f"{r.refill_overdue_since:%a %d %b} ({r.refill_severity.label})"
                   if r.refill_overdue_since is not None else
                   f"Bed {r.bed} {r.name}: pump refill due ({r.refill_severity.label})")
    return out


def record_printed(ctx: Context, h: Handover, how: str, pages: int) -> None:
    """Audit who printed or saved the handover sheet, when, and for which moment."""
    actor = ctx.require(Permission.HANDOVER)
    now = ctx.now()
    with ctx.write(Kind.AUDIT) as db:
        audit.record(db, at=ctx.entered(), user_id=actor.id, action=f"handover.{how}", entity="handover",
                     detail=act_detail(ctx, now, {"ward": h.ward, "sheet_at": h.at.isoformat(),
                                                  "pages": pages,
                                                  "patients": h.summary.patients}))


#: The longest handover note: a few sentences in the nurse's own words, not a chart.
NOTE_LONGEST = 600


def set_note(ctx: Context, patient_id: int, text: str) -> HandoverNote | None:
    """The nurse's own words about a patient for the next handover (printed in Recommendation),
    kept until changed; an empty text clears it. Audited with the text (it is the record)."""
    from ward_app.domain.text import clean_text

    actor = ctx.require(Permission.HANDOVER_NOTE)
    words = clean_text(text, "text", label="The handover note", longest=NOTE_LONGEST) or ""
    now = ctx.now()
    with ctx.write(Kind.PATIENT, patient_id) as db:
        handover_store.add_note(db, patient_id=patient_id, text=words, user_id=actor.id, at=now,
                                entered_at=ctx.entered())
        audit.record(db, at=ctx.entered(), user_id=actor.id,
                     action="handover.note" if words else "handover.note_cleared",
                     entity="patient", entity_id=patient_id,
                     detail=act_detail(ctx, now, {"text": words} if words else {}))
    return HandoverNote(words, actor.name, now.astimezone(ctx.zone)) if words else None


def note_for(ctx: Context, patient_id: int) -> HandoverNote | None:
    note = handover_store.notes_in_force(ctx.db, [patient_id]).get(patient_id)
    return HandoverNote(note.text, note.by, note.at.astimezone(ctx.zone)) if note else None


@dataclass(frozen=True)
class Unstable:
    bed: str
    name: str
    mrn: str
    why: str  # the top alerts, or the NEWS2


@dataclass(frozen=True)
class TakeOverView:
    """What the incoming nurse is shown before taking over: the beds, what is outstanding, and
    each unstable patient to confirm (I-PASS synthesis by receiver)."""

    ward: str
    at: datetime
    beds: tuple[str, ...]  # () = the whole ward
    outstanding: tuple[str, ...]
    unstable: tuple[Unstable, ...]


class ConfirmEachUnstable(Refused):
    """The take-over names an unstable patient the receiver has not confirmed."""


def take_over_view(ctx: Context, beds: tuple[str, ...] = (), at: datetime | None = None
                   ) -> TakeOverView:
    ctx.require(Permission.TAKE_OVER)
    now = at or ctx.now()
    sheet = build_handover(ctx, now, permission=Permission.TAKE_OVER)
    known = {b.bed for b in sheet.patients}
    wanted = tuple(dict.fromkeys(b.strip() for b in beds if b.strip()))
    unknown = [b for b in wanted if b not in known]
    if unknown:
        raise InvalidInput("beds", f"No patient is in bed {', '.join(unknown)} on {sheet.ward}: "
                           f"use beds {', '.join(sorted(known, key=bed_key))}.")
    scope = set(wanted) or known
    in_scope = [f"Bed {b} " for b in scope]
    unstable = tuple(Unstable(b.bed, b.name, b.mrn, _why_unstable(b))
                     for b in sheet.patients if b.bed in scope and b.acuity.value == "unstable")
    return TakeOverView(sheet.ward, sheet.at, wanted,
                        tuple(o for o in sheet.outstanding if o.startswith(tuple(in_scope))),
                        unstable)


def _why_unstable(b: PatientBlock) -> str:
    """The two most severe alerts in words (the clinical ones that make a patient unstable
    first, each named once), else the NEWS2."""
    rank = {"emergency": 0, "urgent": 1, "warning": 2, "info": 3}
    named: dict[str, str] = {}
    for a in sorted(b.alerts, key=lambda a: (rank.get(a.severity, 4),
                                             not a.rule.startswith(UNSTABLE_RULES))):
        named.setdefault(alert_title(a.rule), a.severity.upper())
    why = [f"{severity} {title}" for title, severity in list(named.items())[:2]]
    return "; ".join(why) or (b.news2 or "")


def take_over(ctx: Context, beds: tuple[str, ...] = (), confirmed: tuple[str, ...] = ()
              ) -> TakeOverView:
    """The incoming nurse takes the ward (or ``beds``): recorded with who and when, once every
    unstable patient in scope is confirmed by bed; the next handover's story starts here."""
    actor = ctx.require(Permission.TAKE_OVER)
    view = take_over_view(ctx, beds)
    sure = {b.strip() for b in confirmed}
    missing = [u for u in view.unstable if u.bed not in sure]
    if missing:
        raise ConfirmEachUnstable(
            "handover.confirm_unstable", "Confirm each unstable patient before taking over: "
            + "; ".join(f"bed {u.bed} {u.name} ({u.why})" for u in missing) + ".")
    ward = next((w for w in people.wards(ctx.db) if w.name == view.ward), None)
    if ward is None:
        raise InvalidInput("ward", "This database has no ward to take over.")
    now = ctx.now()
    ids = tuple(sorted(_patient_id(ctx, u.mrn) for u in view.unstable))
    with ctx.write(Kind.AUDIT) as db:
        handover_store.add_take_over(db, ward_id=ward.id, user_id=actor.id, at=now,
                                     entered_at=ctx.entered(), beds=view.beds, confirmed=ids)
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="handover.take",
                     entity="ward", entity_id=ward.id,
                     detail=act_detail(ctx, now, {"beds": list(view.beds) or "all",
                                                  "unstable_confirmed": [u.bed for u in
                                                                         view.unstable],
                                                  "outstanding": len(view.outstanding)}))
    return view


def _patient_id(ctx: Context, mrn: str) -> int:
    from ward_app.services.patients import find_by_mrn

    return find_by_mrn(ctx, mrn).id


__all__ = ["build_handover", "record_printed", "set_note", "take_over", "take_over_view"]
