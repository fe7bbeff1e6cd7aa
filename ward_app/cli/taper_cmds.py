"""Commands for tapering oral baclofen: taper plan|apply|cancel."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ward_app.cli import parsing
from ward_app.cli.common import PATH, output_path, state
from ward_app.domain.clock import parse_date, parse_moment
from ward_app.domain.text import clean_text
from ward_app.services import tapers as svc
from ward_app.services.backups import write_private
from ward_app.services.context import Context
from ward_app.services.reads import record_read


def _plan_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
        click.option("--mrn", required=True, help="Medical record number."),
        click.option("--step-mg", type=float, help="Reduce the daily dose by this many mg each "
                     "step [default: setting taper.step_mg, 5]."),
        click.option("--step-pct", type=float, help="Or: reduce by this % of the starting daily "
                     "dose each step (rounded to what can be given)."),
        click.option("--every-days", type=int, help="Days between steps [default: setting, 3]."),
        click.option("--start", "start", metavar="YYYY-MM-DD",
                     help="Day 1, the first reduced day [default: tomorrow]."),
        click.option("--form", type=click.Choice(["tablet", "solution"]),
                     help="Tablets (5 mg steps) or oral solution (1 mg steps) [default: the "
                     "patient's]."),
    ]):
        f = option(f)
    return f


def _params(ctx: Context, mrn: str, step_mg: float | None, step_pct: float | None,
            every_days: int | None, start: str | None, form: str | None) -> svc.TaperParams:
    if step_mg is not None and step_pct is not None:
        raise click.UsageError("Give --step-mg or --step-pct, not both.")
    return svc.TaperParams(patient_id=parsing.patient(ctx, mrn).id, step_mg=step_mg,
                           step_pct=step_pct, every_days=every_days,
                           start=parse_date(start, "start") if start else None,
                           form=parsing.oral_form(form, "form"))


def _show(p: svc.TaperPreview) -> None:
    plan = p.plan
    click.echo(f"Taper for {p.patient.name} (MRN {p.patient.mrn}) from {p.order.describe()}: "
               f"{plan.step_mg:g} mg every {plan.every_days} days, {plan.form.value}s; "
               f"last dose {plan.days[-2].date:%a %d %b %Y}, no baclofen from "
               f"{plan.end_date:%a %d %b %Y} ({plan.length_days} days).")
    for day in plan.steps():
        doses = ", ".join(f"{t} {mg:g} mg" for t, mg in day.doses if mg > 0) or "none"
        click.echo(f"  day {day.day:3} {day.date:%a %d %b}: {day.daily_mg:g} mg/day ({doses})")
    for note in plan.notes:
        click.echo(f"Note: {note}")


@click.group()
def taper() -> None:
    """Plan, apply or cancel a gradual reduction of oral baclofen (never stop it abruptly)."""


@taper.command("plan")
@_plan_options
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--pdf", "pdf", type=PATH,
              help="Also write the printable taper sheet to this PDF file.")
@click.option("--prescriber", metavar="NAME", help="Prescriber named on the sheet.")
def taper_plan(mrn: str, step_mg: float | None, step_pct: float | None, every_days: int | None,
               start: str | None, form: str | None, as_json: bool, pdf: Path | None,
               prescriber: str | None) -> None:
    """Show a day-by-day taper plan (nothing is saved).

    Example: ward-app taper plan --mrn RX123456 --step-mg 5 --every-days 3 --json
    """
    pdf = output_path(pdf, "pdf") if pdf is not None else None
    prescriber = clean_text(prescriber, "prescriber", longest=80)
    ctx = state().context()
    p = svc.preview(ctx, _params(ctx, mrn, step_mg, step_pct, every_days, start, form))
    record_read(ctx, "taper_plan", p.patient.id, {"pdf": str(pdf) if pdf else None})
    if pdf is not None:
        from ward_app.services.reports import taper_sheet_bytes  # reportlab: only when asked

        write_private(pdf, taper_sheet_bytes(ctx, p, prescriber or "(not yet prescribed)"))
    if as_json:
        click.echo(json.dumps(p.plan.to_json(), indent=2))
        return
    _show(p)
    if pdf is not None:
        click.echo(f"Taper sheet written to {pdf}.")


@taper.command("apply")
@_plan_options
@click.option("--prescriber", required=True, metavar="NAME", help="Who decided the taper.")
@click.option("--pdf", "pdf", type=PATH,
              help="Also write the printable taper sheet to this PDF file.")
def taper_apply(mrn: str, step_mg: float | None, step_pct: float | None, every_days: int | None,
                start: str | None, form: str | None, prescriber: str, pdf: Path | None) -> None:
    """Apply the plan: the patient's future order versions follow it day by day.

    Example: ward-app taper apply --mrn RX123456 --step-mg 5 --every-days 3 --prescriber "Dr Khan"
    """
    pdf = output_path(pdf, "pdf") if pdf is not None else None  # checked before anything is saved
    ctx = state().context()
    p, taper_id = svc.apply(ctx, _params(ctx, mrn, step_mg, step_pct, every_days, start, form),
                            prescriber)
    _show(p)
    click.echo(f"Applied as taper {taper_id}: the medication record follows it; a daily "
               "withdrawal check is due until 48 h after the last dose.")
    if pdf is not None:
        from ward_app.services.reports import taper_sheet_bytes

        write_private(pdf, taper_sheet_bytes(ctx, p, prescriber))
        click.echo(f"Taper sheet written to {pdf}.")


@taper.command("cancel")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--reason", required=True, metavar="TEXT", help="Why the taper stops.")
@click.option("--from", "from_text", metavar="ISO", help="From when [default: now]; ward time.")
def taper_cancel(mrn: str, reason: str, from_text: str | None) -> None:
    """Cancel a taper: the last full order before it applies again from --from.

    Example: ward-app taper cancel --mrn RX123456 --reason "spasms returned; prescriber review"
    """
    ctx = state().context()
    restored = svc.cancel(ctx, parsing.patient(ctx, mrn).id, reason,
                          parse_moment(from_text, ctx.zone, "from") if from_text else None)
    click.echo(f"Taper cancelled; from {restored.starts_at.astimezone(ctx.zone):%d %b %Y %H:%M} "
               f"the order is {restored.describe()} again.")


COMMANDS = [taper]
