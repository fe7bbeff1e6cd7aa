"""Commands for observations: obs add|list|correct (vital signs, sedation, spasticity, withdrawal)."""

from __future__ import annotations

import json
from datetime import timedelta

import click

from ward_app.cli import parsing
from ward_app.cli.common import state
from ward_app.domain.alerts import Severity
from ward_app.domain.clock import parse_moment
from ward_app.domain.observations import SIGN_LABELS, Sign
from ward_app.services import observations as svc
from ward_app.services.reads import record_read

_SIGNS = " ".join(s.value for s in Sign)


@click.group()
def obs() -> None:
    """Record observations and see their history (NEWS2 is worked out for you)."""


@obs.command("add")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--rr", type=float, help="Respiration rate, breaths/min (0-80).")
@click.option("--spo2", type=float, help="SpO2, % (50-100).")
@click.option("--o2/--air", "on_oxygen", default=None,
              help="On supplemental oxygen, or on air [default with vital signs: air].")
@click.option("--sbp", type=float, help="Systolic blood pressure, mmHg (40-300).")
@click.option("--hr", type=float, help="Pulse, beats/min (20-250).")
@click.option("--acvpu", metavar="A|C|V|P|U", help="Consciousness; C = new confusion.")
@click.option("--temp", type=float, help="Temperature, °C (30-44).")
@click.option("--poss", metavar="S|1|2|3|4", help="Sedation (Pasero scale).")
@click.option("--rass", type=float, help="Richmond agitation-sedation scale (-5 to +4), if used.")
@click.option("--mas", metavar="0|1|1+|2|3|4", help="Modified Ashworth spasticity score.")
@click.option("--penn", type=float, help="Penn spasm frequency (0-4).")
@click.option("--sign", "signs", multiple=True, metavar="SIGN",
              help=f"Withdrawal sign seen; repeatable: {_SIGNS}.")
@click.option("--no-signs", is_flag=True,
              help="The withdrawal checklist was gone through and no sign was seen.")
@click.option("--taken", metavar="ISO", help="When they were taken [default: now]; ward time.")
@click.option("--note", metavar="TEXT", help="Anything the next nurse should know.")
@click.option("--request-id", "request_text", metavar="UUID",
              help="An id you make once for this record (e.g. uuidgen) and give again when you "
                   "retry it: a retry after a crash is then not stored twice.")
@click.option("--json", "as_json", is_flag=True, help="Print the stored set and NEWS2 as JSON.")
def obs_add(mrn: str, rr: float | None, spo2: float | None, on_oxygen: bool | None,
            sbp: float | None, hr: float | None, acvpu: str | None, temp: float | None,
            poss: str | None, rass: float | None, mas: str | None, penn: float | None,
            signs: tuple[str, ...], no_signs: bool, taken: str | None, note: str | None,
            request_text: str | None, as_json: bool) -> None:
    """Record a set of observations; prints NEWS2 and any alert they raise.

    Example: ward-app obs add --mrn RX123456 --rr 18 --spo2 97 --sbp 124 --hr 78 --acvpu A
    --temp 36.8 --poss 1 --no-signs
    """
    if no_signs and signs:
        raise click.UsageError("--no-signs and --sign contradict each other: give one.")
    client_id = parsing.request_id(request_text)
    ctx = state().context()
    vitals = any(v is not None for v in (rr, spo2, sbp, hr, acvpu, temp))
    done = svc.add_observation(ctx, svc.NewObservation(
        patient_id=parsing.patient(ctx, mrn).id, rr=rr, spo2=spo2,
        on_oxygen=on_oxygen if on_oxygen is not None else (False if vitals else None), sbp=sbp,
        hr=hr, acvpu=parsing.acvpu(acvpu), temp=temp, poss=parsing.poss(poss), rass=rass,
        mas=mas, penn=penn, signs=parsing.signs(signs), signs_checked=no_signs or bool(signs),
        note=note, taken_at=parse_moment(taken, ctx.zone, "taken") if taken else None,
        client_id=client_id))
    o, score = done.observation, done.score
    raised = [a for a in done.alerts if a.since >= o.taken_at - timedelta(seconds=1)
              and str(o.id) in a.key]
    if as_json:
        click.echo(json.dumps({
            "id": o.id, "mrn": done.patient.mrn,
            "taken_at": o.taken_at.astimezone(ctx.zone).isoformat(timespec="seconds"),
            "news2": score.total if score else None,
            "news2_complete": score.complete if score else None,
            "scores": score.scores if score else {}, "missing": list(score.missing) if score else [],
            "alerts": [a.to_json(ctx.zone) for a in raised],
        }, ensure_ascii=False, indent=2))
        return
    click.echo(f"Recorded observations {o.id} for {done.patient.name} (MRN {done.patient.mrn}) at "
               f"{o.taken_at.astimezone(ctx.zone):%d %b %H:%M}.")
    if score is not None:
        parts = ", ".join(f"{k} {v}" for k, v in score.scores.items())
        click.echo(f"{score.text()}  ({parts})")
    if o.signs:
        click.echo("Withdrawal signs: " + ", ".join(SIGN_LABELS[s] for s in sorted(o.signs)))
    for a in sorted(raised, key=lambda a: -a.severity):
        marker = "!!" if a.severity >= Severity.URGENT else "! "
        click.echo(f"{marker} {a.severity.label.upper()} {a.rule}: {a.message}")


@obs.command("list")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--hours", type=click.IntRange(1, 24 * 90), default=72, show_default=True,
              help="How far back.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def obs_list(mrn: str, hours: int, as_json: bool) -> None:
    """The patient's observations, newest first, with NEWS2.

    Example: ward-app obs list --mrn RX123456 --hours 24
    """
    ctx = state().context()
    patient = parsing.patient(ctx, mrn)
    now = ctx.now()
    rows = svc.history(ctx, patient, now - timedelta(hours=hours), now + svc.CLOCK_SLACK)
    record_read(ctx, "observations", patient.id, {"hours": hours, "rows": len(rows)})
    if as_json:
        click.echo(json.dumps([_row_json(r, ctx.zone) for r in rows], ensure_ascii=False, indent=2))
        return
    click.echo(f"{patient.name} (MRN {patient.mrn}, bed {patient.bed}): last {hours} h")
    if not rows:
        click.echo("No observations in that time.")
    for r in rows:
        o = r.observation
        oxygen = None if o.on_oxygen is None else ("yes" if o.on_oxygen else "air")
        vit = " ".join(f"{k}={v}" for k, v in (
            ("RR", o.rr), ("SpO2", o.spo2), ("O2", oxygen),
            ("SBP", o.sbp), ("HR", o.hr), ("ACVPU", o.acvpu.value if o.acvpu else None),
            ("T", o.temp), ("POSS", o.poss.value if o.poss else None), ("MAS", o.mas),
            ("Penn", o.penn)) if v is not None)
        score = r.score.text() if r.score else "no vital signs"
        signs = f" signs: {', '.join(s.value for s in sorted(o.signs))}" if o.signs else ""
        when = o.taken_at.astimezone(ctx.zone).strftime("%d %b %H:%M")
        line = f"{when}  {score:12}  {vit}{signs}  by {o.by} [id {o.id}]"
        if r.entered_late and o.entered_at is not None:
            line += f"  ENTERED LATE {o.entered_at.astimezone(ctx.zone):%d %b %H:%M}"
        if r.entered_in_error:
            line += f"  ENTERED IN ERROR: {r.correction_reason}"
        click.echo(line)


def _row_json(r: svc.ObservationRow, zone) -> dict:  # type: ignore[no-untyped-def, type-arg]
    o = r.observation
    return {
        "id": o.id, "taken_at": o.taken_at.astimezone(zone).isoformat(timespec="seconds"),
        "rr": o.rr, "spo2": o.spo2, "on_oxygen": o.on_oxygen, "sbp": o.sbp, "hr": o.hr,
        "acvpu": o.acvpu.value if o.acvpu else None, "temp": o.temp,
        "poss": o.poss.value if o.poss else None, "rass": o.rass, "mas": o.mas, "penn": o.penn,
        "signs": sorted(s.value for s in o.signs), "signs_checked": o.signs_checked,
        "news2": r.score.total if r.score else None,
        "news2_complete": r.score.complete if r.score else None, "by": o.by, "note": o.note,
        "entered_in_error": r.entered_in_error, "correction_reason": r.correction_reason,
        "entered_at": o.entered_at.astimezone(zone).isoformat(timespec="seconds")
        if o.entered_at else None, "entered_late": r.entered_late,
    }


@obs.command("correct")
@click.option("--id", "obs_id", required=True, type=click.IntRange(1, 2**62),
              help="The observation entered in error.")
@click.option("--reason", required=True, metavar="TEXT", help="Why it was wrong.")
def obs_correct(obs_id: int, reason: str) -> None:
    """Mark a set of observations entered in error (the original stays, struck through).

    Example: ward-app obs correct --id 42 --reason "entered on the wrong patient"
    """
    ctx = state().context()
    cid = svc.correct_observation(ctx, obs_id, reason)
    click.echo(f"Observation {obs_id} marked entered in error (record {cid}); it no longer counts "
               "for NEWS2 or alerts. Record the right values if you have them.")


COMMANDS = [obs]
