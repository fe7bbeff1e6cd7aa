"""The command line names the option a refusal is about (cli/fields.py): services and the domain
name the field in plain words; the CLI puts the flag in front or adds its own way out."""

from __future__ import annotations

import click

from ward_app.cli.fields import flag_for, name_flag, with_hint
from ward_app.domain.errors import InvalidInput, Refused


@click.group()
@click.option("--user")
def top(user: str | None) -> None:
    """A stand-in for the ward-app group."""


@top.command()
@click.option("--mrn")
@click.option("--dose-mg", type=float)
@click.option("--rr", type=float)
@click.option("--spo2", type=float)
@click.argument("key", required=False)
def sub(mrn: str | None, dose_mg: float | None, rr: float | None, spo2: float | None,
        key: str | None) -> None:
    """A stand-in command."""


def _ctx() -> click.Context:
    parent = click.Context(top, info_name="ward-app")
    return click.Context(sub, parent=parent, info_name="sub")


def test_a_field_is_named_by_its_own_option_the_groups_or_an_argument():
    ctx = _ctx()
    assert flag_for("mrn", ctx) == "--mrn"
    assert flag_for("dose-mg", ctx) == "--dose-mg"
    assert flag_for("dose_mg", ctx) == "--dose-mg"
    assert flag_for("user", ctx) == "--user"  # the group's global option
    assert flag_for("key", ctx) == "KEY"
    assert flag_for("obs", ctx) == "--rr, --spo2"  # every option of the group the command has
    assert flag_for("note", ctx) is None


def test_the_flag_is_put_in_front_once():
    ctx = _ctx()
    named = name_flag(InvalidInput("mrn", "There is no patient with MRN X1: check the number."), ctx)
    assert str(named) == "--mrn: There is no patient with MRN X1: check the number."
    assert named.field == "mrn" and named.exit_code == 2
    already = InvalidInput("mrn", "--mrn is empty.")
    assert name_flag(already, ctx) is already
    unknown = InvalidInput("note", "The note is needed.")
    assert name_flag(unknown, ctx) is unknown


def test_a_refusal_gets_the_command_lines_way_out():
    hinted = with_hint(Refused("user.required", "No user is acting: sign in, or name who is "
                               "acting."), _ctx())
    assert isinstance(hinted, Refused) and hinted.rule == "user.required"
    assert "--user NAME" in str(hinted) and hinted.exit_code == 1
    other = Refused("dose.too_early", "Not yet.")
    assert with_hint(other, _ctx()) is other
