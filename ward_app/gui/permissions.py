"""Actions a role may not take are disabled, with a tooltip saying who can (the services refuse
them anyway: this only makes it visible before anyone tries)."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from ward_app.domain.roles import Action
from ward_app.services.context import Context


def allow(ctx: Context, target: QWidget | QAction, *actions: Action, tip: str = "") -> bool:
    """Enable ``target`` when the acting user may do any of ``actions``; else disable it and say
    why in its tooltip. Returns whether it is allowed."""
    reasons = [ctx.why_not(a) for a in actions]
    allowed = any(r is None for r in reasons)
    target.setEnabled(allowed)
    base = target.property("base_tip") if isinstance(target, QWidget) else None
    if isinstance(target, QWidget) and base is None:
        target.setProperty("base_tip", target.toolTip() or tip)
        base = target.property("base_tip")
    text = (base or tip) if allowed else next(r for r in reasons if r)
    target.setToolTip(text or "")
    if isinstance(target, QAction):
        target.setStatusTip(text or "")
    return allowed
