"""The two kinds of refusal every layer speaks: bad input (exit 2) and a rule that says no (exit 1)."""

from __future__ import annotations


class WardError(Exception):
    """Base of the errors a user can act on; ``str()`` is one plain sentence."""

    exit_code = 1


class InvalidInput(WardError):
    """A value the user gave is malformed or out of range: say which field and what is allowed."""

    exit_code = 2

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Refused(WardError):
    """A clinical or safety rule refuses the action: say which rule and what to do instead."""

    exit_code = 1

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
