"""Commands for prescribing and the medication record: order add|stop, mar, dose ..., alerts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import click

from ward_app.cli import parsing
from ward_app.cli.common import say_if_drill, state
from ward_app.cli.identity import witness_password
from ward_app.domain.alerts import Severity
from ward_app.domain.clock import parse_date
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.mar import parse_reason
from ward_app.domain.scanning import SKIP_REASONS
from ward_app.services import mar as mar_svc
from ward_app.services import orders as order_svc
from ward_app.services import scanning
from ward_app.services.alerts import acknowledge, ward_alerts
from ward_app.services.patients import get_patient
from ward_app.services.reads import record_read


@click.group()
def order() -> None:
    """Prescribe, change or stop baclofen (each change is a new version)."""


@order.command("add")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--route", required=True, type=click.Choice(["oral", "enteral", "intrathecal"]),
              help="Route: it fixes the unit (mg per dose; mcg/day for intrathecal).")
@click.option("--dose-mg", type=float, help="Oral/enteral: mg per dose.")
@click.option("--daily-mcg", type=float, help="Intrathecal: mcg per day.")
@click.option("--freq", metavar="OD|BD|TDS|QDS", help="How often; default clock times per ward policy.")
@click.option("--times", metavar="HH:MM,...", help="Dose clock times (custom, or instead of defaults).")
@click.option("--indication", type=click.Choice(["spasticity", "alcohol_use_disorder", "other"]),
              help="Why baclofen is given [default: spasticity].")
@click.option("--start", metavar="ISO", help="When this version starts [default: now]; ward time.")
@click.option("--override-reason", metavar="TEXT",
              help="Prescriber's reason for a daily dose above the maximum (recorded and shown).")
@click.option("--witness", metavar="NAME", help="Second user confirming an intrathecal change.")
@click.option("--ack-warnings", is_flag=True,
              help="The prescriber has read and acknowledges every caution this order raises "
                   "(run without it first to see them); stored with the order version.")
def order_add(mrn: str, route: str, dose_mg: float | None, daily_mcg: float | None,
              freq: str | None, times: str | None, indication: str | None, start: str | None,
              override_reason: str | None, witness: str | None, ack_warnings: bool) -> None:
    """Prescribe baclofen, or change the order from --start (supersedes the current version).

    Example: ward-app order add --mrn RX123456 --route oral --dose-mg 10 --freq TDS
    """
    ctx = state().context()
    new = parsing.new_order(ctx, mrn=mrn, route=route, dose_mg=dose_mg, daily_mcg=daily_mcg,
                            freq=freq, times=times, indication_text=indication, start=start,
                            override_reason=override_reason, witness=witness,
                            ack_cautions=ack_warnings)
    try:
        made = order_svc.add_order(ctx, new, witness_password=witness_password())
    except order_svc.CautionsToAcknowledge as exc:
        raise Refused(exc.rule, f"{exc} On the command line: read them, then add "
                      "--ack-warnings.") from exc
    except Refused as exc:
        if exc.rule == "dose.max_daily":
            raise Refused(exc.rule, f"{exc} On the command line: add --override-reason TEXT.") from exc
        if exc.rule == "taper.exists":
            raise Refused(exc.rule, f"{exc} On the command line: ward-app taper cancel --mrn "
                          f"{mrn.upper()} --reason TEXT.") from exc
        raise
    when = made.starts_at.astimezone(ctx.zone).strftime("%d %b %Y %H:%M")
    note = f" Override: {made.override_reason}." if made.override_reason else ""
    seen = (f" Cautions acknowledged: {', '.join(c.rule for c in made.cautions)}."
            if made.cautions else "")
    click.echo(f"Order {made.id} ({made.action.value}) for MRN {mrn.upper()}: {made.describe()}, "
               f"from {when}.{note}{seen}")


@order.command("stop")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--reason", required=True, metavar="CODE",
              help="Only serious_adverse_reaction allows an immediate stop; otherwise taper.")
@click.option("--prescriber", metavar="NAME", help="Who decided to stop it.")
def order_stop(mrn: str, reason: str, prescriber: str | None) -> None:
    """Stop baclofen at once (refused unless for a serious adverse reaction).

    Example: ward-app order stop --mrn RX123456 --reason serious_adverse_reaction --prescriber "Dr Khan"
    """
    ctx = state().context()
    try:
        order_svc.stop_order(ctx, parsing.patient(ctx, mrn).id, reason, prescriber)
    except Refused as exc:
        if exc.rule != "order.stop_abrupt":
            raise
        raise Refused(exc.rule, f"{exc} On the command line: --reason {order_svc.STOP_SAR} "
                      f"--prescriber NAME (or ward-app taper plan --mrn {mrn.upper()}).") from exc
    click.echo(f"Stopped baclofen for MRN {mrn.upper()} ({reason}, {prescriber}). A withdrawal "
               "watch has started: check for withdrawal signs every 4 h for 48 h.")


@click.command()
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Ward day [default: today].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def mar(mrn: str, day: str | None, as_json: bool) -> None:
    """The medication record for one day: each due dose and what happened.

    Example: ward-app mar --mrn RX123456 --date 2026-11-25 --json
    """
    ctx = state().context()
    patient, entries = mar_svc.mar_day(ctx, parsing.patient(ctx, mrn).id,
                                       parse_date(day, "date") if day else None)
    record_read(ctx, "mar", patient.id, {"day": day, "doses": len(entries)})
    if as_json:
        click.echo(json.dumps([e.to_json(ctx.zone) for e in entries], ensure_ascii=False, indent=2))
        return
    say_if_drill(ctx)
    click.echo(f"{patient.name} (MRN {patient.mrn}, bed {patient.bed})")
    if not entries:
        click.echo("No doses due that day.")
    for e in entries:
        due = e.due.astimezone(ctx.zone).strftime("%d %b %H:%M")
        who = f" by {e.by}" if e.by else ""
        why = f" ({e.reason})" if e.reason else ""
        mark = f"  [record {e.id}]" if e.id else ""
        line = f"{due}  {e.dose_mg:g} mg  {e.state.value.upper()}{why}{who}{mark}"
        if e.entered_late and e.entered_at is not None:
            line = f"{line}  ENTERED LATE {e.entered_at.astimezone(ctx.zone):%d %b %H:%M}"
        if e.flags:
            line = f"{line}  {e.flag_text()}"
        if e.corrected:
            line = f"{line}  ENTERED IN ERROR: {e.correction_reason}"
        click.echo(line)


@click.group()
def dose() -> None:
    """Record what happened to a due dose, or correct a record."""


@contextmanager
def _correct_hint() -> Iterator[None]:
    """The command line adds its own way to correct a dose already recorded."""
    try:
        yield
    except mar_svc.AlreadyRecorded as exc:
        raise InvalidInput("due", f"{exc} On the command line: ward-app dose correct --id "
                           f"{exc.record_id} --reason TEXT.") from exc


@contextmanager
def _override_hint(*, due_dose: bool = True) -> Iterator[None]:
    """A soft stop names the command line's way to record anyway (and, for a due dose, to record
    it as not given)."""
    try:
        yield
    except mar_svc.NeedsOverride as exc:
        extra = " --override-witness NAME" if exc.second_user else ""
        omit = "; or record it as not given with ward-app dose omit" if due_dose else ""
        raise Refused(exc.rule, f"{exc} On the command line: add --reason TEXT{extra}{omit}."
                      ) from exc


@dose.command("give")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--due", "due", required=True, metavar="ISO|HH:MM", help="The due dose (HH:MM = latest).")
@click.option("--dose-mg", type=float, help="Dose given, mg (must match the order).")
@click.option("--dose-mcg", type=float, hidden=True)
@click.option("--witness", metavar="NAME", help="Second user who witnessed.")
@click.option("--note", metavar="TEXT", help="Anything the next nurse should know.")
@click.option("--reason", "override_reason", metavar="TEXT",
              help="Why the dose is given despite a soft stop (early, too soon after the last "
                   "dose, sedation hold); the record is flagged.")
@click.option("--override-witness", metavar="NAME",
              help="Second user who confirms a soft stop that asks for one (minimum interval).")
@click.option("--scan", "scan_text", metavar="CODE",
              help="The medicine pack's code as scanned (GS1: GTIN, expiry, batch); it is checked "
                   "against the order and kept on the record.")
@click.option("--skip-scan", metavar="CODE",
              help="Why the pack was not scanned: " + "|".join(SKIP_REASONS) + ".")
def dose_give(mrn: str, due: str, dose_mg: float | None, dose_mcg: float | None,
              witness: str | None, note: str | None, override_reason: str | None,
              override_witness: str | None, scan_text: str | None,
              skip_scan: str | None) -> None:
    """Record a due dose as given now, after the recording checks (clinical-rules §9).

    Given more than 30 min after due it is recorded as given late. A hard stop (too early, a
    missed dose too close to the next, above the daily total, somnolent) refuses; a soft stop
    (early, within the minimum interval, sedation hold) exits 1 naming the check unless --reason
    (and --override-witness where the check asks for a second user) records it anyway, flagged.

    Example: ward-app dose give --mrn RX123456 --due 08:00
    """
    ctx = state().context()
    who = parsing.patient(ctx, mrn)
    if dose_mcg is not None:
        raise InvalidInput("dose-mcg", "Oral and enteral doses are in mg: give --dose-mg, not mcg.")
    if scan_text is not None and skip_scan is not None:
        raise InvalidInput("skip-scan", "Give either the pack's code or why it was not scanned, "
                           "not both.")
    pack = scanning.pack_for_text(ctx, scan_text) if scan_text is not None else None
    override = mar_svc.Override(
        reason=override_reason,
        witness_id=parsing.user_id(ctx, override_witness or None, "override-witness"),
        witness_password=witness_password("override_witness"))
    with _correct_hint(), _override_hint():
        done = mar_svc.give_dose(ctx, who.id, parsing.due(ctx, who, due), dose_mg=dose_mg,
                                 witness_id=parsing.user_id(ctx, witness or None, "witness"),
                                 note=note, witness_password=witness_password(),
                                 override=override, pack=pack, scan_skipped=skip_scan)
    when = done.due.astimezone(ctx.zone).strftime("%d %b %H:%M")
    flagged = f" Flagged: {', '.join(done.flags)}." if done.flags else ""
    if override_reason and not done.flags:
        flagged = " No check needed a reason, so --reason was not stored (use --note)."
    click.echo(f"Recorded the {when} dose for {done.patient.name} as {done.outcome.value} "
               f"(record {done.record_id}).{flagged}")


@dose.command("omit")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--due", "due", required=True, metavar="ISO|HH:MM", help="The due dose.")
@click.option("--reason", required=True, metavar="CODE",
              help="refused|nil_by_mouth|away|vomiting|asleep|unavailable|prescriber|other")
@click.option("--note", metavar="TEXT", help="Free text (required with 'other').")
@click.option("--held", is_flag=True, help="Held as a clinical decision (e.g. too drowsy).")
def dose_omit(mrn: str, due: str, reason: str, note: str | None, held: bool) -> None:
    """Record a due dose as not given, with the reason.

    Example: ward-app dose omit --mrn RX123456 --due 14:00 --reason vomiting
    """
    ctx = state().context()
    who = parsing.patient(ctx, mrn)
    code = parse_reason(reason)
    with _correct_hint():
        done = mar_svc.omit_dose(ctx, who.id, parsing.due(ctx, who, due), code, note=note,
                                 held=held)
    when = done.due.astimezone(ctx.zone).strftime("%d %b %H:%M")
    click.echo(f"Recorded the {when} dose for {done.patient.name} as {done.outcome.value} "
               f"({reason}; record {done.record_id}).")


@dose.command("correct")
@click.option("--id", "record_id", required=True, type=click.IntRange(1, 2**62),
              help="The record entered in error.")
@click.option("--reason", required=True, metavar="TEXT", help="Why it was wrong.")
def dose_correct(record_id: int, reason: str) -> None:
    """Mark a dose record entered in error (the original stays, struck through).

    Example: ward-app dose correct --id 42 --reason "recorded against the wrong patient"
    """
    ctx = state().context()
    done = mar_svc.correct_record(ctx, record_id, reason)
    click.echo(f"Record {record_id} marked entered in error (record {done.record_id}). The dose "
               "is open again in the MAR: record what really happened.")


@dose.command("bolus")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--mcg", required=True, type=float, help="Intrathecal bolus, mcg.")
@click.option("--witness", required=True, metavar="NAME", help="Second user who witnessed.")
@click.option("--note", metavar="TEXT", help="Why, and by whose instruction.")
@click.option("--reason", "override_reason", metavar="TEXT",
              help="Why the bolus is given despite the sedation hold (the record is flagged).")
def dose_bolus(mrn: str, mcg: float, witness: str, note: str | None,
               override_reason: str | None) -> None:
    """Record an intrathecal bolus given now, witnessed by another user.

    Example: ward-app dose bolus --mrn RX123456 --mcg 50 --witness nurse.okafor
    """
    ctx = state().context()
    who = parsing.patient(ctx, mrn)
    with _override_hint(due_dose=False):
        done = mar_svc.give_bolus(ctx, who.id, mcg,
                                  parsing.user_id(ctx, witness or None, "witness"), note,
                                  witness_password=witness_password(),
                                  override=mar_svc.Override(reason=override_reason))
    click.echo(f"Recorded an intrathecal bolus of {mcg:g} mcg for {done.patient.name} "
               f"(record {done.record_id}).")


@click.group(invoke_without_command=True)
@click.option("--mrn", help="Only this patient.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def alerts(click_ctx: click.Context, mrn: str | None, as_json: bool) -> None:
    """Active alerts at --now, most severe first.

    Example: ward-app --now 2026-11-25T10:05 alerts --json
    """
    if click_ctx.invoked_subcommand is not None:
        return
    ctx = state().context()
    pid = get_patient(ctx, mrn).id if mrn else None
    found = ward_alerts(ctx, patient_id=pid)
    record_read(ctx, "alerts", pid, {"alerts": len(found)})
    if as_json:
        click.echo(json.dumps([a.to_json(ctx.zone) for a in found], ensure_ascii=False, indent=2))
        return
    say_if_drill(ctx)
    if not found:
        click.echo("No active alerts.")
        return
    for a in found:
        since = a.since.astimezone(ctx.zone).strftime("%d %b %H:%M")
        marker = "!!" if a.severity >= Severity.URGENT else "! "
        seen = "".join(f"\n   Acknowledged by {k.by} at {k.at.astimezone(ctx.zone):%d %b %H:%M}"
                       + (f": {k.note}" if k.note else "") for k in a.acknowledgements)
        click.echo(f"{marker} {a.severity.label.upper():9} bed {a.bed:4} {a.name} ({a.mrn}) "
                   f"{a.rule} since {since} [id {a.id}]\n   {a.message}{seen}")


@alerts.command("ack")
@click.option("--id", "alert_id", required=True, type=click.IntRange(0, 2**62),
              help="The alert's id (from 'alerts').")
@click.option("--note", metavar="TEXT", help="What you did about it.")
@click.option("--request-id", "request_text", metavar="UUID",
              help="An id you make once for this record (e.g. uuidgen) and give again when you "
                   "retry it: a retry after a crash is then not stored twice.")
def alerts_ack(alert_id: int, note: str | None, request_text: str | None) -> None:
    """Acknowledge an active alert: you have seen it (it is raised again if it gets worse).

    Example: ward-app alerts ack --id 1234567 --note "Dr Khan informed, obs hourly"
    """
    client_id = parsing.request_id(request_text)
    ctx = state().context()
    done = acknowledge(ctx, alert_id, note, client_id=client_id)
    click.echo(f"Acknowledged {done.rule} for {done.name} (bed {done.bed}) at "
               f"{done.severity.label}; it will be raised again if it gets worse.")


COMMANDS = [order, mar, dose, alerts]
