"""Commands for intrathecal pumps: pump set|refill|alarm|show (resolve|event: pump_event_cmds)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, tzinfo

import click

from ward_app.cli import parsing
from ward_app.cli.common import state
from ward_app.cli.identity import witness_password
from ward_app.cli.pump_calendar_cmds import pump_calendar
from ward_app.cli.pump_checklist_cmds import pump_checklist
from ward_app.cli.pump_event_cmds import pump_event, pump_resolve
from ward_app.domain.clock import parse_date, parse_moment
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.pump import ALARM_LABELS, EVENT_LABELS, PumpDates, Reconciliation
from ward_app.domain.scanning import SKIP_REASONS
from ward_app.services import pumps as svc
from ward_app.services import scanning
from ward_app.services.reads import record_read


@click.group()
def pump() -> None:
    """Intrathecal pumps: the pump record, witnessed refills, alarms heard and resolved, pump
    events (MRI, hyperbaric, interrogation)."""


@contextmanager
def _pump_hint(mrn: str) -> Iterator[None]:
    """The command line adds its own way to record a pump that is missing."""
    try:
        yield
    except svc.NoPump as exc:
        raise InvalidInput(exc.field, f"{exc} On the command line: ward-app pump set --mrn "
                           f"{mrn.upper()} --reservoir-ml 20.") from exc


@pump.command("set")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--model", help="Pump model, e.g. 'SynchroMed II 20 mL'.")
@click.option("--serial", help="Serial number.")
@click.option("--reservoir-ml", type=float, help="Reservoir capacity, mL.")
@click.option("--implant-date", metavar="YYYY-MM-DD", help="When it was implanted.")
@click.option("--eri-date", metavar="YYYY-MM-DD", help="Elective replacement indicator date.")
@click.option("--end-of-service", metavar="YYYY-MM-DD", help="Expected end of service.")
@click.option("--alarm-ml", type=float, help="Low-reservoir alarm volume, mL [default 2].")
def pump_set(mrn: str, model: str | None, serial: str | None, reservoir_ml: float | None,
             implant_date: str | None, eri_date: str | None, end_of_service: str | None,
             alarm_ml: float | None) -> None:
    """Record a patient's pump or change its details (e.g. after a replacement).

    Example: ward-app pump set --mrn RX123456 --model "SynchroMed II 20 mL" --reservoir-ml 20
    --eri-date 2027-09-01
    """
    ctx = state().context()
    p = svc.set_pump(
        ctx, parsing.patient(ctx, mrn).id, model=model, serial=serial, reservoir_ml=reservoir_ml,
        implant_date=parse_date(implant_date, "implant-date") if implant_date else None,
        eri_date=parse_date(eri_date, "eri-date") if eri_date else None,
        end_of_service=parse_date(end_of_service, "end-of-service") if end_of_service else None,
        alarm_ml=alarm_ml)
    eri, end = p.eri_and_end(ctx.thresholds())
    click.echo(f"Pump for MRN {mrn.upper()}: {p.model or 'model not recorded'}, reservoir "
               f"{_num(p.reservoir_ml, 'mL')}, alarm at {p.alarm_ml:g} mL, ERI "
               f"{eri or 'not recorded'}, end of service {end or 'not recorded'}.")


def _num(value: float | None, unit: str) -> str:
    return "not recorded" if value is None else f"{value:g} {unit}"


def _dates_text(d: PumpDates, zone: tzinfo) -> str:
    return (f"Calculated from this refill: {d.days_to_alarm:.1f} days to the low-reservoir alarm "
            f"({d.alarm_at.astimezone(zone):%a %d %b %Y %H:%M}); empty "
            f"{d.empty_at.astimezone(zone):%a %d %b %Y}; refill by {d.refill_by:%a %d %b %Y} "
            f"({d.refill_by_reason}).")


def _dates_json(d: PumpDates | None, zone: tzinfo) -> dict | None:  # type: ignore[type-arg]
    if d is None:
        return None
    return {"days_to_alarm": round(d.days_to_alarm, 2), "days_to_empty": round(d.days_to_empty, 2),
            "alarm_date": d.alarm_at.astimezone(zone).isoformat(timespec="minutes"),
            "empty_date": d.empty_at.astimezone(zone).isoformat(timespec="minutes"),
            "refill_by": d.refill_by.isoformat(), "refill_by_reason": d.refill_by_reason}


@pump.command("refill")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--volume-ml", required=True, type=float, help="Volume in the reservoir after refill, mL.")
@click.option("--conc-mcg-ml", required=True, type=float, help="Concentration, mcg/mL.")
@click.option("--daily-mcg", required=True, type=float, help="Programmed daily dose, mcg/day.")
@click.option("--alarm-ml", type=float, help="Low-reservoir alarm volume, mL [default: the pump's].")
@click.option("--witness", required=True, metavar="NAME", help="Second user who witnessed.")
@click.option("--change-order", is_flag=True,
              help="The daily dose differs from the order: change the order in this refill.")
@click.option("--next-refill", metavar="YYYY-MM-DD", help="Next refill booked for.")
@click.option("--withdrawn-ml", type=float,
              help="Volume drawn out of the reservoir before refilling, mL (checked against what "
                   "the last refill should have left).")
@click.option("--at", "at_text", metavar="ISO", help="When it was refilled [default: now].")
@click.option("--request-id", "request_text", metavar="UUID",
              help="An id you make once for this record (e.g. uuidgen) and give again when you "
                   "retry it: a retry after a crash is then not stored twice.")
@click.option("--scan", "scan_text", metavar="CODE",
              help="The ampoule's code as scanned (GS1: GTIN, expiry, batch); checked against "
                   "--conc-mcg-ml (clinical-rules §13) and kept on the refill.")
@click.option("--skip-scan", metavar="CODE",
              help="Why the ampoule was not scanned: " + "|".join(SKIP_REASONS) + ".")
@click.option("--pack-reason", metavar="TEXT",
              help="Why an ampoule not in the ward's medicine table is used anyway.")
@click.option("--json", "as_json", is_flag=True, help="Print the refill and its dates as JSON.")
def pump_refill(mrn: str, volume_ml: float, conc_mcg_ml: float, daily_mcg: float,
                alarm_ml: float | None, witness: str, change_order: bool, next_refill: str | None,
                withdrawn_ml: float | None, at_text: str | None, request_text: str | None,
                scan_text: str | None, skip_scan: str | None, pack_reason: str | None,
                as_json: bool) -> None:
    """Record a witnessed pump refill; prints the alarm, empty and refill-by dates.

    Example: ward-app pump refill --mrn RX123456 --volume-ml 20 --conc-mcg-ml 2000
    --daily-mcg 400 --withdrawn-ml 3.5 --witness nurse.okafor
    """
    client_id = parsing.request_id(request_text)
    ctx = state().context()
    if scan_text is not None and skip_scan is not None:
        raise InvalidInput("skip-scan", "Give either the ampoule's code or why it was not "
                           "scanned, not both.")
    pack = scanning.pack_for_text(ctx, scan_text) if scan_text is not None else None
    new = svc.NewRefill(
        patient_id=parsing.patient(ctx, mrn).id, volume_ml=volume_ml, conc_mcg_ml=conc_mcg_ml,
        daily_mcg=daily_mcg, alarm_ml=alarm_ml,
        witness_id=parsing.user_id(ctx, witness or None, "witness"),
        witness_password=witness_password(), change_order=change_order,
        next_refill=parse_date(next_refill, "next-refill") if next_refill else None,
        refilled_at=parse_moment(at_text, ctx.zone, "at") if at_text else None,
        client_id=client_id, withdrawn_ml=withdrawn_ml, pack=pack, scan_skipped=skip_scan,
        pack_reason=pack_reason)
    try:
        with _pump_hint(mrn):
            done = svc.refill_pump(ctx, new)
    except Refused as exc:
        if exc.rule != "pump.dose_mismatch":
            raise
        raise Refused(exc.rule, f"{exc} On the command line: add --change-order.") from exc
    if as_json:
        r = done.refill
        click.echo(json.dumps({"id": r.id, "mrn": done.patient.mrn, "volume_ml": r.volume_ml,
                               "conc_mcg_ml": r.conc_mcg_ml, "daily_mcg": r.daily_mcg,
                               "alarm_ml": r.alarm_ml, "by": r.by, "witness": r.witness,
                               "order_changed": done.order is not None,
                               "withdrawn_ml": r.withdrawn_ml,
                               "reconciliation": _reconciliation_json(done.reconciliation),
                               **(_dates_json(done.dates, ctx.zone) or {})}, indent=2))
        return
    changed = (f" The order was changed to {done.order.daily_mcg:g} mcg/day." if done.order else "")
    click.echo(f"Recorded the refill of {done.patient.name}'s pump (record {done.refill.id}, "
               f"witnessed by {done.refill.witness}).{changed}")
    click.echo(_dates_text(done.dates, ctx.zone))
    if done.reconciliation is not None:
        click.echo(reconciliation_text(done.reconciliation))
    click.echo("Post-refill watch: sedation, respiratory rate and NEWS2 every "
               f"{ctx.thresholds().pump_post_refill_every_hours:g} h for "
               f"{ctx.thresholds().pump_post_refill_hours:g} h (see Due now).")


def reconciliation_text(r: Reconciliation) -> str:
    """The reconciliation in words (clinical-rules §10)."""
    head = (f"Drawn out {r.withdrawn_ml:g} mL; expected {r.expected_ml:.2f} mL left (last volume "
            f"− {r.delivered_ml:.2f} mL due at the programmed rate); difference "
            f"{r.difference_ml:+.2f} mL, limit ±{r.limit_ml:.2f} mL.")
    if not r.discrepant:
        return f"{head} Within the limit."
    return (f"{head} DISCREPANCY (URGENT alert raised): {r.suggests}. Check the pump with the "
            "ITB team; record the interrogation (ward-app pump event --kind interrogation).")


def _reconciliation_json(r: Reconciliation | None) -> dict | None:  # type: ignore[type-arg]
    if r is None:
        return None
    return {"expected_ml": r.expected_ml, "delivered_ml": r.delivered_ml,
            "difference_ml": r.difference_ml, "limit_ml": r.limit_ml, "discrepant": r.discrepant}


@pump.command("alarm")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--kind", required=True, type=click.Choice([k.value for k in ALARM_LABELS]),
              help="low_reservoir / eri (single tone) or critical (two-tone).")
@click.option("--note", metavar="TEXT", help="What you heard and did.")
@click.option("--at", "at_text", metavar="ISO", help="When it was heard [default: now].")
@click.option("--request-id", "request_text", metavar="UUID",
              help="An id you make once for this record (e.g. uuidgen) and give again when you "
                   "retry it: a retry after a crash is then not stored twice.")
def pump_alarm(mrn: str, kind: str, note: str | None, at_text: str | None,
               request_text: str | None) -> None:
    """Record a pump alarm heard (it stays an alert until dealt with).

    Example: ward-app pump alarm --mrn RX123456 --kind low_reservoir --note "single tone at 14:10"
    """
    client_id = parsing.request_id(request_text)
    ctx = state().context()
    with _pump_hint(mrn):
        alarm = svc.record_alarm(ctx, parsing.patient(ctx, mrn).id, parsing.alarm_kind(kind), note,
                                 parse_moment(at_text, ctx.zone, "at") if at_text else None,
                                 client_id=client_id)
    severity = "EMERGENCY" if kind == "critical" else "URGENT"
    click.echo(f"Recorded {ALARM_LABELS[alarm.kind]} for MRN {mrn.upper()} ({severity} alert "
               "raised). Tell the nurse in charge and the ITB team.")


@pump.command("show")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def pump_show(mrn: str, as_json: bool) -> None:
    """The pump's countdown, battery life, alarms and refill history.

    Example: ward-app pump show --mrn RX123456
    """
    ctx = state().context()
    patient = parsing.patient(ctx, mrn)
    view = svc.pump_view(ctx, patient)
    if view is None:
        raise click.ClickException(f"No pump is recorded for MRN {patient.mrn}.")
    record_read(ctx, "pump", patient.id)
    p = view.pump
    if as_json:
        click.echo(json.dumps({
            "mrn": patient.mrn, "model": p.model, "serial": p.serial, "reservoir_ml": p.reservoir_ml,
            "alarm_ml": p.alarm_ml, "implant_date": _iso(p.implant_date), "eri_date": _iso(view.eri),
            "end_of_service": _iso(view.end_of_service), "countdown": _dates_json(view.dates, ctx.zone),
            "active_alarms": [{"id": a.id, "kind": a.kind.value, "heard_at": a.heard_at.astimezone(
                ctx.zone).isoformat(timespec="minutes"), "note": a.note} for a in view.alarms],
            "alarm_history": [{"id": line.alarm.id, "kind": line.alarm.kind.value,
                               "heard_at": line.alarm.heard_at.astimezone(ctx.zone).isoformat(
                                   timespec="minutes"), "heard_by": line.alarm.by,
                               "resolution": line.resolution,
                               "resolved_at": line.resolved_at.astimezone(ctx.zone).isoformat(
                                   timespec="minutes") if line.resolved_at else None}
                              for line in view.alarm_history],
            "events": [{"id": e.id, "kind": e.kind.value, "at": e.at.astimezone(ctx.zone).isoformat(
                timespec="minutes"), "by": e.by, "note": e.note} for e in view.events],
            "refills": [{"id": r.id, "refilled_at": r.refilled_at.astimezone(ctx.zone).isoformat(
                timespec="minutes"), "volume_ml": r.volume_ml, "conc_mcg_ml": r.conc_mcg_ml,
                "daily_mcg": r.daily_mcg, "alarm_ml": r.alarm_ml, "by": r.by, "witness": r.witness,
                "withdrawn_ml": r.withdrawn_ml} for r in view.refills]},
            ensure_ascii=False, indent=2))
        return
    click.echo(f"{patient.name} (MRN {patient.mrn}): {p.model or 'pump'} {p.serial or ''}".rstrip())
    click.echo(f"Reservoir {_num(p.reservoir_ml, 'mL')}; alarm at {p.alarm_ml:g} mL; ERI "
               f"{view.eri or 'not recorded'}; end of service {view.end_of_service or 'not recorded'}.")
    if view.dates is not None:
        click.echo(_dates_text(view.dates, ctx.zone))
    else:
        click.echo("No refill recorded yet.")
    for a in view.alarms:
        click.echo(f"ALARM {a.heard_at.astimezone(ctx.zone):%d %b %H:%M} (id {a.id}): "
                   f"{ALARM_LABELS[a.kind]}")
    for line in view.alarm_history:
        if line.resolution is not None and line.resolved_at is not None:
            click.echo(f"  alarm {line.alarm.id} {line.alarm.kind.value} heard "
                       f"{line.alarm.heard_at.astimezone(ctx.zone):%d %b %H:%M}: resolved "
                       f"{line.resolved_at.astimezone(ctx.zone):%d %b %H:%M}: {line.resolution}")
    for e in view.events:
        click.echo(f"  {EVENT_LABELS[e.kind]} {e.at.astimezone(ctx.zone):%d %b %Y %H:%M} by {e.by}"
                   + (f": {e.note}" if e.note else ""))
    for r in view.refills[:10]:
        click.echo(f"  {r.refilled_at.astimezone(ctx.zone):%d %b %Y %H:%M}  {r.volume_ml:g} mL x "
                   f"{r.conc_mcg_ml:g} mcg/mL at {r.daily_mcg:g} mcg/day  by {r.by}, witness "
                   f"{r.witness}")


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


pump.add_command(pump_calendar)  # ward-app pump calendar: its own module
pump.add_command(pump_checklist)  # ward-app pump checklist: its own module

pump.add_command(pump_resolve)  # ward-app pump resolve / event: cli/pump_event_cmds.py
pump.add_command(pump_event)

COMMANDS = [pump]
