"""The ward server from the command line: server init, join, sync [--once], sync status."""

from __future__ import annotations

import json
import signal
import threading
from typing import Any

import click

from ward_app.cli.common import state
from ward_app.services import sync as svc


@click.group()
def server() -> None:
    """The ward's PostgreSQL server, which keeps the ward's workstations in step."""


@server.command("init")
@click.option("--url", required=True, metavar="URL",
              help="The ward's PostgreSQL database, e.g. postgresql://owner@db.hospital/ward7 "
              "(add ?sslmode=require for TLS; options=-csearch_path%3Dward7 for a schema per ward).")
@click.option("--grant", metavar="ROLE",
              help="Give this PostgreSQL role what a workstation needs (read and add records).")
def server_init(url: str, grant: str | None) -> None:
    """Create the ward's tables on a PostgreSQL ward server (admin); running it again brings an
    older schema up to date and changes nothing else.

    Example: ward-app --user admin server init --url postgresql://owner@db/ward7 --grant ward7
    """
    ctx = state().context()
    done = svc.init_server(ctx, url, grant=grant)
    click.echo(f"Ward server ready at {svc.shown(url)}"
               + (f" (schema steps applied: {', '.join(done)})." if done else
                  " (its schema was already up to date)."))


@click.command()
@click.option("--url", required=True, metavar="URL",
              help="The ward server, e.g. postgresql://ward7:PASSWORD@db.hospital/ward7?sslmode="
              "require; the password goes into a 0600 password file, never into the database.")
@click.option("--name", metavar="TEXT", help="This workstation's name as the ward sees it, e.g. "
              "'Bay 2 COW' [default: the computer's name].")
def join(url: str, name: str | None) -> None:
    """Make this workstation's database a replica of the ward on the server (admin; a new,
    empty database needs no user): send everything it has, receive the rest.

    Example: ward-app --db bay2.db join --url postgresql://ward7:secret@db/ward7
    """
    st = state()
    ctx = st.context(create=not st.db_path.exists())
    done = svc.join(ctx, url, name=name)
    click.echo(f"Joined the ward server at {done.server}: sent {done.sent} records, received "
               f"{done.received}" + (f"; {done.conflicts} conflicts need checking"
                                     if done.conflicts else "") + ".")


@click.group(invoke_without_command=True)
@click.option("--once", is_flag=True, help="One round, then stop (exit 3 if the server cannot be "
              "reached; what waits keeps waiting).")
@click.pass_context
def sync(click_ctx: click.Context, once: bool) -> None:
    """Send this workstation's new records to the ward server and apply the others'; without
    --once, keep doing so (within seconds of each change) until interrupted.

    Example: ward-app --user admin sync --once
    """
    if click_ctx.invoked_subcommand is not None:
        return
    ctx = state().context()
    if once:
        done = svc.sync_once(ctx)
        click.echo(_round_text(done))
        return
    if not svc.read_status(ctx.db).joined:
        svc.sync_once(ctx)  # says how to join, exit 3
    # the worker opens its own connection to the ward file (a connection stays on its thread)
    loop = svc.Background(ctx.path, on_round=lambda r: click.echo(_round_text(r)),
                          on_state=_say_state())
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _s, _f: loop.stop())
    click.echo("Syncing with the ward server; Ctrl+C stops.")
    worker = threading.Thread(target=loop.run, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.5)
    click.echo("Stopped.")


def _say_state() -> Any:
    last: list[tuple[bool, str | None]] = []

    def say(connected: bool, problem: str | None) -> None:
        if last and last[-1] == (connected, problem):
            return
        last.append((connected, problem))
        click.echo("Connected to the ward server." if connected else f"Offline: {problem}")

    return say


def _round_text(done: Any) -> str:
    text = f"Sent {done.sent} records, received {done.received}."
    if done.conflicts:
        text += (f" {len(done.conflicts)} conflicts found: check the patients (the alerts say "
                 "which).")
    if done.waiting_in:
        text += f" {done.waiting_in} received records wait for the rows they name."
    return text


@sync.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def sync_status(as_json: bool) -> None:
    """Whether this workstation is in step with the ward server, what waits to be sent, and the
    conflicts found.

    Example: ward-app --user nurse.jones sync status --json
    """
    ctx = state().context()
    st = svc.status(ctx, probe=True)
    if as_json:
        click.echo(json.dumps(st.to_json(ctx.zone), ensure_ascii=False, indent=2))
        return
    if not st.joined:
        click.echo("This workstation has not joined a ward server (ward-app join --url URL).")
        return
    data = st.to_json(ctx.zone)
    click.echo(f"Ward server: {st.server} ({'connected' if st.connected else 'OFFLINE'})")
    if not st.connected:
        click.echo(f"Offline since: {data['offline_since'] or 'never connected'}"
                   + (f" — {st.last_error}" if st.last_error else ""))
    click.echo(f"Records waiting to be sent: {st.pending_push}")
    click.echo(f"Last pull: {data['last_pull'] or 'never'}")
    click.echo(f"Conflicts: {st.conflicts} ({st.open_conflicts} not yet acknowledged)")


COMMANDS = (server, join, sync)
