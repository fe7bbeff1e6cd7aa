"""The shift handover sheet from the command line: ward-app handover --out FILE.pdf."""

from __future__ import annotations

from pathlib import Path

import click

from ward_app.cli.common import PATH, output_path, state
from ward_app.services.handover import build_handover, record_printed


@click.command()
@click.option("--out", "out", required=True, type=PATH,
              help="The PDF file to write.")
@click.option("--ward", help="Ward name [default: the database's first ward].")
def handover(out: Path, ward: str | None) -> None:
    """Write the shift handover sheet at --now (ward summary, then SBAR per patient).

    Example: ward-app --db ward7.db --now 2026-11-26T07:00 handover --out handover.pdf
    """
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


COMMANDS = [handover]
