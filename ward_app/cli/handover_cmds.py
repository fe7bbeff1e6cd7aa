"""The shift handover from the command line: the sheet (ward-app handover --out FILE.pdf), the
nurse's own words for a patient (handover note), and the incoming nurse's take-over (handover
take)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ward_app.cli import parsing
from ward_app.cli.common import PATH, output_path, state
from ward_app.domain.errors import InvalidInput
from ward_app.services.handover import (
    TakeOverView,
    build_handover,
    record_printed,
    set_note,
    take_over,
)


@click.group(invoke_without_command=True)
@click.option("--out", "out", type=PATH, help="The PDF file to write (the sheet).")
@click.option("--ward", help="Ward name [default: the database's first ward].")
@click.pass_context
def handover(click_ctx: click.Context, out: Path | None, ward: str | None) -> None:
    """Write the shift handover sheet at --now (ward summary, then SBAR per patient with the
    shift's story since the last take-over); or `handover note` / `handover take`.

    Example: ward-app --db ward7.db --now 2026-11-26T07:00 handover --out handover.pdf
    """
    if click_ctx.invoked_subcommand is not None:
        return
    if out is None:
        raise InvalidInput("out", "Say where to write the sheet: handover --out FILE.pdf (or use "
                           "handover note / handover take).")
    from ward_app.services.backups import write_private
    from ward_app.services.reports import handover_pdf, page_count  # reportlab: only when printing

    out = output_path(out, "out")
    ctx = state().context()
    sheet = build_handover(ctx, ward=ward)
    data = handover_pdf(sheet)
    write_private(out, data)  # 0600, via out.part: never a half-written sheet under the real name
    pages = page_count(data)
    record_printed(ctx, sheet, "export", pages)
    s = sheet.summary
    click.echo(f"Handover for {sheet.ward} at {sheet.at:%d %b %Y %H:%M}: {s.patients} patients "
               f"({s.by_acuity.get('unstable', 0)} unstable, {s.by_acuity.get('watcher', 0)} "
               f"watchers), written to {out}.")


@handover.command("note")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--text", required=True, metavar="TEXT",
              help="Your own words for the next shift (an empty text clears the note).")
def handover_note(mrn: str, text: str) -> None:
    """Keep your own handover words with a patient until changed (printed in Recommendation).

    Example: ward-app handover note --mrn RX123456 --text "Family visiting 10:00; wants ITB team call"
    """
    ctx = state().context()
    patient = parsing.patient(ctx, mrn)
    note = set_note(ctx, patient.id, text)
    click.echo(f"Handover note for {patient.name} (MRN {patient.mrn}) "
               + ("saved." if note else "cleared."))


def _view_json(view: TakeOverView, taken_by: str, taken: bool) -> dict[str, object]:
    return {"ward": view.ward, "taken": taken, "taken_by": taken_by,
            "taken_at": view.at.isoformat(timespec="seconds"), "beds": list(view.beds) or "all",
            "outstanding": list(view.outstanding),
            "unstable": [{"bed": u.bed, "name": u.name, "mrn": u.mrn, "why": u.why}
                         for u in view.unstable]}


@handover.command("take")
@click.option("--beds", metavar="BED,BED", help="Take only these beds [default: the whole ward].")
@click.option("--confirm", "confirm", multiple=True, metavar="BED",
              help="Confirm you have heard about this unstable patient (repeat for each).")
@click.option("--json", "as_json", is_flag=True, help="Print the take-over as JSON.")
def handover_take(beds: str | None, confirm: tuple[str, ...], as_json: bool) -> None:
    """Take over the ward (or --beds) at a shift change: recorded with who and when, it lists
    what is outstanding; every unstable patient must be confirmed with --confirm BED (I-PASS:
    the receiver's synthesis). The next handover's story starts from this moment.

    Example: ward-app handover take --confirm 9 --confirm 17 --json
    """
    ctx = state().context()
    wanted = tuple(b for b in (beds or "").split(",") if b.strip())
    view = take_over(ctx, wanted, confirm)
    who = ctx.require_actor().name
    if as_json:
        click.echo(json.dumps(_view_json(view, who, True), ensure_ascii=False, indent=2))
        return
    scope = f"beds {', '.join(view.beds)}" if view.beds else "the whole ward"
    click.echo(f"{who} took over {scope} of {view.ward} at {view.at:%d %b %Y %H:%M}.")
    click.echo(f"Outstanding ({len(view.outstanding)}):")
    for line in view.outstanding:
        click.echo(f"  - {line}")
    if not view.outstanding:
        click.echo("  nothing")


COMMANDS = [handover]
