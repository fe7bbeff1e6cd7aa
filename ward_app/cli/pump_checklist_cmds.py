"""``ward-app pump checklist``: the pump failure checklist of a pump patient (open while a critical
alarm, an empty pump or late withdrawal signs are active): show it, or tick a step. Attached to the
``pump`` group by ``cli.pump_cmds``."""

from __future__ import annotations

import json

import click

from ward_app.cli import parsing
from ward_app.cli.common import state
from ward_app.domain.clock import parse_moment
from ward_app.domain.pump_checklist import Checklist, Step
from ward_app.services import pump_checklists as svc


def checklist_json(c: Checklist) -> dict[str, object]:
    return {"since": c.since.isoformat(timespec="minutes"), "triggers": list(c.triggers),
            "complete": c.complete,
            "steps": [{"step": i.step.value, "label": i.label, "hint": i.hint or None,
                       "done": i.done is not None,
                       "by": i.done.by if i.done else None,
                       "at": i.done.at.isoformat(timespec="minutes") if i.done else None,
                       "who_called": i.done.who_called if i.done else None,
                       "note": i.done.note if i.done else None} for i in c.items]}


@click.command("checklist")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--step", type=click.Choice([s.value for s in Step]),
              help="Tick this step: itb_called (needs --who-called), oral_available, "
                   "bridging_order, hourly_checks.")
@click.option("--who-called", metavar="NAME", help="Whom you called (the ITB team's contact).")
@click.option("--at", "at_text", metavar="ISO", help="When it was done [default: now].")
@click.option("--note", metavar="TEXT", help="What was said or done.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def pump_checklist(mrn: str, step: str | None, who_called: str | None, at_text: str | None,
                   note: str | None, as_json: bool) -> None:
    """The pump failure checklist: call the ITB team, oral baclofen on the ward, the prescriber's
    bridging order, hourly withdrawal checks. No dose is suggested: the prescriber orders it.

    Example: ward-app pump checklist --mrn RX2 --step itb_called --who-called "Dr Patel, ITB"
    """
    ctx = state().context()
    patient = parsing.patient(ctx, mrn)
    found: Checklist | None
    if step is not None:
        found = svc.record_step(ctx, patient.id, Step(step), who_called=who_called, note=note,
                                done_at=parse_moment(at_text, ctx.zone, "at") if at_text else None)
    else:
        found = svc.checklist_for(ctx, patient.id)
    if as_json:
        click.echo(json.dumps(checklist_json(found) if found else None, ensure_ascii=False,
                              indent=2))
        return
    if found is None:
        click.echo(f"No pump failure checklist is open for {patient.name} (MRN {patient.mrn}).")
        return
    click.echo(f"Pump failure checklist for {patient.name} (MRN {patient.mrn}), open since "
               f"{found.since.astimezone(ctx.zone):%d %b %H:%M} ({', '.join(found.triggers)}):")
    for line in found.lines(lambda t: f"{t.astimezone(ctx.zone):%d %b %H:%M}"):
        click.echo(f"  {line}")
    for item in found.items:
        if item.hint and item.done is None:
            click.echo(f"  {item.hint}")


COMMANDS = [pump_checklist]
