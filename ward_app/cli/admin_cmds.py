"""Settings and the audit trail from the command line: settings list|set, audit."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ward_app.cli import parsing
from ward_app.cli.common import PATH, output_path, state
from ward_app.domain.clock import parse_date
from ward_app.services import audit_log
from ward_app.services import settings as svc
from ward_app.services.backups import write_private
from ward_app.services.people import find_user
from ward_app.services.reads import record_read


@click.group()
def settings() -> None:
    """The settings in force (defaults from the clinical rules; an admin changes them)."""


@settings.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def settings_list(as_json: bool) -> None:
    """Every setting, its value, unit, meaning and source.

    Example: ward-app settings list
    """
    ctx = state().context()
    values = svc.current(ctx)
    if as_json:
        click.echo(json.dumps([{"key": v.setting.key, "value": v.value, "default": v.setting.default,
                                "unit": v.setting.unit, "meaning": v.setting.meaning,
                                "source": v.setting.source} for v in values],
                              ensure_ascii=False, indent=2))
        return
    click.echo(f"ward.tz = {ctx.zone}  (ward time zone; change with settings set ward.tz ZONE)")
    for v in values:
        mark = " (changed)" if v.changed else ""
        click.echo(f"{v.setting.key} = {v.text()} {v.setting.unit}{mark}\n    {v.setting.meaning}"
                   f"  [{v.setting.source}]")


@settings.command("set", context_settings={"ignore_unknown_options": True})
@click.argument("key")
@click.argument("value")
def settings_set(key: str, value: str) -> None:
    """Change a setting (admin); audited with the old and new value.

    Example: ward-app --user admin settings set pump.refill_buffer_days 10
    """
    ctx = state().context()
    if key == "ward.tz":
        click.echo(f"Ward time zone is now {svc.set_ward_timezone(ctx, value)}.")
        return
    done = svc.set_setting(ctx, key, svc.parse_value(svc.find_setting(key), value))
    click.echo(f"{key} = {done.text()} {done.setting.unit}"
               f"{'' if done.changed else ' (the shipped default)'}.")


@click.command()
@click.option("--mrn", help="Only this patient.")
@click.option("--by", "user", metavar="NAME", help="Only what this user did.")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="From this ward day.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Up to and including this ward day.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=200, show_default=True)
@click.option("--csv", "csv_path", type=PATH,
              help="Write the entries to this CSV file instead.")
def audit(mrn: str | None, user: str | None, start: str | None, end: str | None, limit: int,
          csv_path: Path | None) -> None:
    """Who did what and when (newest first); corrections show what they correct.

    Example: ward-app audit --mrn RX123456 --from 2026-11-20 --csv audit.csv
    """
    csv_path = output_path(csv_path, "csv") if csv_path is not None else None
    ctx = state().context()
    pid = parsing.patient(ctx, mrn).id if mrn else None
    entries = audit_log.search(ctx, patient_id=pid,
                               user_id=find_user(ctx, user, "by", active=False).id if user else None,
                               start=parse_date(start, "from") if start else None,
                               end=parse_date(end, "to") if end else None, limit=limit)
    record_read(ctx, "export" if csv_path is not None else "audit", pid,
                {"entries": len(entries), "csv": str(csv_path) if csv_path else None,
                 "by": user, "from": start, "to": end})
    if csv_path is not None:
        write_private(csv_path, audit_log.to_csv(entries))
        click.echo(f"{len(entries)} entries written to {csv_path}.")
        return
    for e in entries:
        who = f" {e.mrn} {e.patient}" if e.mrn else ""
        line = f"{e.at:%d %b %Y %H:%M}  {e.user:14} {e.action:24}{who}  {e.detail_text()}"
        if e.corrects:
            line += f"\n    corrects: {e.corrects}"
        click.echo(line)


COMMANDS = [settings, audit]
