"""Exports for the hospital's systems (issue 20): ``export fhir`` writes a FHIR R4 Bundle
(docs/fhir-export.md)."""

from __future__ import annotations

from pathlib import Path

import click

from ward_app.cli.common import PATH, output_path, state
from ward_app.domain.clock import parse_moment


@click.group()
def export() -> None:
    """Export the ward's records for other systems (charge nurse, pharmacist, administrator)."""


@export.command("fhir")
@click.option("--out", "out", type=PATH, required=True, help="The JSON file to write.")
@click.option("--mrn", help="Only this patient [default: every patient on record].")
@click.option("--since", metavar="ISO-8601",
              help="Only the clinical records (orders, doses, observations, refills) at or after "
              "this moment; without an offset it is ward time. Patients, pumps and flags are "
              "always included.")
def export_fhir(out: Path, mrn: str | None, since: str | None) -> None:
    """Write a FHIR R4 Bundle (type collection): patients, safety flags, pumps, baclofen orders,
    dose records, pump refills and observations, each validated as it is built; audited.

    Example: ward-app --user pharm.chen export fhir --out ward7-fhir.json --since 2026-11-01
    """
    from ward_app.services.fhir_export import export_fhir as write_export

    out = output_path(out, "out")
    ctx = state().context()
    moment = parse_moment(since, ctx.zone, field="since") if since is not None else None
    done = write_export(ctx, out, mrn=mrn, since=moment)
    who = "1 patient" if done.patients == 1 else f"{done.patients:,} patients"
    click.echo(f"Wrote {done.resources:,} FHIR resources for {who} to {done.path}.")


COMMANDS = [export]
