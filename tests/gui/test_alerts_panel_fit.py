"""The alerts panel keeps "What to do" in sight on a narrow screen and names alerts in words."""

from __future__ import annotations

from ward_app.domain.alerts import alert_title
from ward_app.gui.alerts_panel import ALERT_COLUMNS, WHAT_TO_DO, AlertsPanel
from ward_app.services.alerts import ward_alerts


def test_what_to_do_ends_inside_the_table_when_it_is_narrow(qtbot, demo_ward) -> None:
    panel = AlertsPanel(demo_ward.zone, ctx=demo_ward)
    qtbot.addWidget(panel)
    panel.resize(1240, 260)  # the panel of a 1280×800 window
    panel.show()
    qtbot.waitExposed(panel)
    alerts = ward_alerts(demo_ward)
    panel.set_alerts(alerts)
    header = panel.table.horizontalHeader()
    advice = ALERT_COLUMNS.index(WHAT_TO_DO)
    right = header.sectionPosition(advice) + header.sectionSize(advice)
    assert header.sectionSize(advice) >= 200
    assert right <= panel.table.viewport().width()
    # the alert column says what it is in words, not the rule id
    row = panel.model.index(0, ALERT_COLUMNS.index("Alert")).data()
    assert row == alert_title(alerts[0].rule) and "." not in row


def test_on_a_wide_screen_since_and_seen_are_in_sight_too(qtbot, demo_ward) -> None:
    panel = AlertsPanel(demo_ward.zone, ctx=demo_ward)
    qtbot.addWidget(panel)
    panel.resize(2400, 300)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_alerts(ward_alerts(demo_ward))
    header = panel.table.horizontalHeader()
    last = len(ALERT_COLUMNS) - 1
    assert header.sectionPosition(last) + header.sectionSize(last) <= panel.table.viewport().width()
