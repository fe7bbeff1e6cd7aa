"""The log-in and lock screen show their whole text: the lock message, the alert count and the
demo hint were cut off at the foot (issue 16, seen on 1280×800)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from ward_app.gui.login_dialog import LoginDialog
from ward_app.services.alerts import ward_alerts
from ward_app.services.demo import demo_hint


def _whole(label: QLabel) -> bool:
    return label.height() >= label.heightForWidth(label.width())


def test_the_lock_screen_shows_its_whole_message_and_alert_count(qtbot, demo_ward) -> None:
    d = LoginDialog(demo_ward, locked_by=demo_ward.actor, by_hand=True)
    qtbot.addWidget(d)
    d.show_alert_counts(ward_alerts(demo_ward))
    d.show()
    qtbot.waitExposed(d)
    labels = [w for w in d.findChildren(QLabel) if w.isVisible() and w.wordWrap()]
    assert d.alert_counts in labels and len(labels) >= 2
    assert all(_whole(w) for w in labels), [(w.text()[:30], w.height()) for w in labels]


def test_the_demo_hint_is_shown_whole(qtbot, demo_ward) -> None:
    d = LoginDialog(demo_ward, ward="Demo Ward", demo_hint=demo_hint())
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    hint = d.findChild(QLabel, "demoHint")
    assert hint is not None and _whole(hint)
