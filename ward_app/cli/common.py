"""Small helpers every command module shares."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ward_app.cli import CliState


def state() -> CliState:
    from ward_app.cli import CliState

    found = click.get_current_context().find_object(CliState)
    assert found is not None, "commands run inside the ward-app group"
    return found
