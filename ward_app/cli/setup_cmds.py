"""Commands for IT staff and admins: init, demo, check, backup, restore, user add|deactivate|..."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ward_app.cli.common import PATH, given_path, state
from ward_app.cli.identity import new_password
from ward_app.domain.clock import ward_zone
from ward_app.services import admin, demo, people
from ward_app.services.context import default_entry_clock, open_context
from ward_app.services.entry_time import refuse_ahead


@click.command()
@click.option("--ward", required=True, help="The ward's name, e.g. 'Ward 7'.")
@click.option("--tz", required=True, help="The ward's IANA time zone, e.g. Europe/London.")
@click.option("--admin", "admin_name", default="admin", show_default=True,
              help="Name of the first admin user.")
@click.option("--admin-password-stdin", is_flag=True,
              help="Read the admin's password from the first line of standard input [default: "
              "ask for it twice].")
@click.option("--drill", is_flag=True,
              help="A drill (training) ward: it may be run ahead of the clock and says DRILL "
              "everywhere.")
def init(ward: str, tz: str, admin_name: str, admin_password_stdin: bool, drill: bool) -> None:
    """Create a new, empty ward database and its first admin user (who needs a password).

    Example: ward-app --db ward7.db init --ward "Ward 7" --tz Europe/London
    """
    st = state()
    if st.now_text and not drill:  # a live ward is not run ahead of the clock
        zone = ward_zone(tz)
        refuse_ahead(st.fixed_now(zone), default_entry_clock(), zone, "now")
    password = new_password(f"the admin {admin_name}", from_stdin=admin_password_stdin,
                            option="admin-password-stdin")
    ctx = admin.init_ward(st.db_path, ward=ward, tz=tz, admin=admin_name,
                          admin_password=password,
                          clock=lambda: st.fixed_now(ward_zone(tz)), drill=drill)
    ctx.close()
    kind = "drill ward" if drill else "ward"
    click.echo(f"Created {kind} '{' '.join(ward.split())}' ({tz}) in {st.db_path}; "
               f"admin user: {admin_name}.")


@click.command("demo")
@click.option("--patients", default=24, show_default=True, type=int, help="Beds to fill (1-60).")
@click.option("--days", default=30, show_default=True, type=int, help="Days of history.")
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same ward.")
@click.option("--ward", default="Demo Ward", show_default=True,
              help="Ward name when the database is new.")
@click.option("--tz", default="Europe/London", show_default=True,
              help="Time zone when the database is new.")
def demo_cmd(patients: int, days: int, seed: int, ward: str, tz: str) -> None:
    """Fill an empty ward database with a realistic demo ward (created if missing).

    Example: ward-app --db demo.db demo --patients 24 --days 30 --seed 1
    """
    st = state()
    path: Path = st.db_path
    if not (path.exists() and path.stat().st_size > 0):
        made = demo.create_demo_database(path, clock=lambda: st.fixed_now(ward_zone(tz)), ward=ward,
                                         tz=tz, user=st.user, patients=patients, days=days,
                                         seed=seed)
    else:
        made = demo.build_demo(st.context(), patients=patients, days=days, seed=seed)
    click.echo(f"Demo ward: {len(made.patients)} patients, {days} days of history in {path}. "
               f"Demo users ({', '.join(u for u, _, _ in demo.DEMO_USERS)}) share the password "
               f"'{demo.DEMO_PASSWORD}'.")


@click.command()
def check() -> None:
    """Check the database: integrity, schema, triggers, audit chain, settings. Exit 0 only when healthy.

    Example: ward-app --db ward.db check
    """
    st = state()
    health = admin.check_database(st.db_path)
    for line in health.lines():
        click.echo(line)
    if not health.healthy:
        click.echo("status: NOT HEALTHY", err=True)
        sys.exit(1)
    click.echo("status: healthy")


@click.command()
@click.option("--to", "folder", type=PATH,
              help="Folder for the copy [default: 'backups' beside the database].")
def backup(folder: Path | None) -> None:
    """Make a consistent online copy of the database and print the file written (an admin, or
    the service account a scheduled backup runs as).

    Example: ward-app --db ward.db --user backup.svc backup --to /srv/ward-backups < pw-file
    """
    st = state()
    where = given_path(folder, "to", folder=True) if folder is not None else None
    click.echo(str(admin.make_backup(st.context(), where)))


@click.command()
@click.option("--from", "source", required=True, type=PATH,
              help="The backup file to put back (e.g. from the backups folder).")
@click.option("--yes", is_flag=True, help="Confirm: the app is closed on every workstation.")
def restore(source: Path, yes: bool) -> None:
    """Restore a backup in place of the database (the current file is moved aside, not deleted).

    Example: ward-app --db ward.db restore --from backups/ward-daily-20261125.db --yes
    """
    from ward_app.domain.errors import InvalidInput
    from ward_app.services.backups import restore as restore_backup
    from ward_app.services.backups import restoring_admin
    from ward_app.services.context import system_clock

    st = state()
    st.close()  # the file is about to move
    if not yes:
        raise InvalidInput("yes", "Restoring replaces the ward database: close the app on every "
                           "workstation, then run again with --yes.")
    source = given_path(source, "from")
    by = restoring_admin(st.context)  # an admin; nobody only when the database is damaged
    st.close()  # our own connection would count as another user of the file
    aside = restore_backup(st.db_path, source, by=by, at=system_clock())
    click.echo(f"Restored {source} as {st.db_path}; the file it replaced is kept at {aside}.")


@click.group()
def user() -> None:
    """Users who record and witness (admin)."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(admin.ROLES),
              help="What the user may do.")
@click.option("--full-name", help="Name as it prints on sheets, e.g. 'Rhian Jones, RN'.")
@click.option("--password-stdin", is_flag=True,
              help="Read the new user's password from standard input (the line after the admin's) "
              "[default: ask for it twice].")
def user_add(name: str, role: str, full_name: str | None, password_stdin: bool) -> None:
    """Add a user, with their password.

    Example: printf '%s\n' "$ADMIN_PW" "$NEW_PW" | ward-app --user admin user add nurse.jones
    --role nurse --password-stdin
    """
    st = state()
    ctx = st.context()
    admin.check_new_user(ctx, name, role, full_name)  # before asking for a password
    password = new_password(name, from_stdin=password_stdin)
    admin.add_user(ctx, name, role, password, full_name=full_name)
    click.echo(f"Added user {name} ({role}).")


@user.command("deactivate")
@click.argument("name")
@click.option("--reason", required=True, metavar="TEXT", help="Why, e.g. 'left the ward'.")
def user_deactivate(name: str, reason: str) -> None:
    """Stop a user logging in or witnessing (a leaver); their records keep their name (admin).

    Example: ward-app --user admin user deactivate nurse.jones --reason "left the ward"
    """
    admin.deactivate_user(state().context(), name, reason)
    click.echo(f"{name} is deactivated: they can no longer log in or witness.")


@user.command("reactivate")
@click.argument("name")
def user_reactivate(name: str) -> None:
    """Let a deactivated user log in and witness again (admin).

    Example: ward-app --user admin user reactivate nurse.jones
    """
    admin.reactivate_user(state().context(), name)
    click.echo(f"{name} is active again.")


@user.command("reset-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the new password from standard input.")
def user_reset_password(name: str, password_stdin: bool) -> None:
    """Set a new password for a user and unlock the account (admin).

    Example: printf '%s\n' "$ADMIN_PW" "$NEW_PW" | ward-app --user admin user reset-password
    nurse.jones --password-stdin
    """
    from ward_app.services.auth import reset_password

    ctx = state().context()
    reset_password(ctx, name, new_password(name, from_stdin=True))
    click.echo(f"New password set for {name}; the account is unlocked.")


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def user_list(as_json: bool) -> None:
    """List the users and their roles.

    Example: ward-app user list
    """
    rows = people.users(state().context().db)
    if as_json:
        import json

        click.echo(json.dumps([{"name": u.name, "role": u.role, "full_name": u.full_name,
                                "active": u.active} for u in rows], ensure_ascii=False, indent=2))
        return
    for u in rows:
        click.echo(f"{u.name:20} {u.role:13} {u.full_name or ''}{'' if u.active else ' (inactive)'}")


COMMANDS = [init, demo_cmd, check, backup, restore, user]
__all__ = ["COMMANDS", "open_context"]
