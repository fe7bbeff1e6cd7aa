"""pump resolve|event: a pump alarm dealt with (the ITB team's contact named) and a pump event (an
MRI, hyperbaric treatment, or an interrogation of the pump) — clinical-rules §10."""

from __future__ import annotations

import click

from ward_app.cli import parsing
from ward_app.cli.common import state
from ward_app.domain.clock import parse_moment
from ward_app.domain.pump import ALARM_LABELS, EVENT_LABELS, EventKind
from ward_app.services import pumps as svc


@click.command("resolve")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--alarm", "alarm_id", required=True, type=int, metavar="ID",
              help="The alarm's id (ward-app pump show lists it).")
@click.option("--action", required=True, metavar="TEXT", help="What was done about the alarm.")
@click.option("--itb-team", metavar="NAME",
              help="The ITB team's contact who was told or acted (needed for a critical or ERI "
                   "alarm).")
@click.option("--at", "at_text", metavar="ISO", help="When it was resolved [default: now].")
def pump_resolve(mrn: str, alarm_id: int, action: str, itb_team: str | None,
                 at_text: str | None) -> None:
    """Record how a pump alarm was dealt with. A critical (two-tone) or ERI alarm stays an alert
    until this is recorded with the ITB team's contact; a low-reservoir alarm is resolved by the
    refill.

    Example: ward-app pump resolve --mrn RX123456 --alarm 3 --action "pump interrogated, motor
    restarted" --itb-team "Dr Rao, ITB team"
    """
    ctx = state().context()
    patient = parsing.patient(ctx, mrn)
    done = svc.resolve_alarm(ctx, patient.id, alarm_id, action, itb_team,
                             parse_moment(at_text, ctx.zone, "at") if at_text else None)
    view = svc.pump_view(ctx, patient)
    kind = next((line.alarm.kind for line in view.alarm_history if line.alarm.id == alarm_id),
                None) if view else None
    what = ALARM_LABELS[kind] if kind else "the alarm"
    click.echo(f"Recorded for MRN {patient.mrn}: {what} (alarm {alarm_id}) resolved at "
               f"{done.at.astimezone(ctx.zone):%d %b %H:%M} — {done.action}"
               + (f" (ITB team: {done.itb_contact})." if done.itb_contact else "."))


@click.command("event")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--kind", required=True, type=click.Choice([k.value for k in EventKind]),
              help="mri / hyperbaric (the pump is then checked) or interrogation (it was checked).")
@click.option("--note", metavar="TEXT", help="What was done, by whom.")
@click.option("--at", "at_text", metavar="ISO", help="When it happened [default: now].")
def pump_event(mrn: str, kind: str, note: str | None, at_text: str | None) -> None:
    """Record an MRI scan or hyperbaric treatment (an URGENT pump check is then due) or a pump
    interrogation with its programmer (which ends that alert).

    Example: ward-app pump event --mrn RX123456 --kind mri --note "1.5 T brain MRI"
    """
    ctx = state().context()
    patient = parsing.patient(ctx, mrn)
    event = svc.record_event(ctx, patient.id, EventKind(kind), note,
                             parse_moment(at_text, ctx.zone, "at") if at_text else None)
    then = ("The pump must now be interrogated by the ITB team (URGENT alert raised until it "
            "is recorded: ward-app pump event --kind interrogation)."
            if event.kind is not EventKind.INTERROGATION else
            "Any pump check due before it is done.")
    click.echo(f"Recorded {EVENT_LABELS[event.kind]} for MRN {patient.mrn} at "
               f"{event.at.astimezone(ctx.zone):%d %b %H:%M}. {then}")
