"""The handover snapshot on the demo ward at NOW (25 Nov 2026 10:00, Europe/London)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import NOW, act_as
from ward_app.domain.alerts import alert_title
from ward_app.domain.errors import InvalidInput
from ward_app.domain.handover import Acuity
from ward_app.services.alerts import ward_alerts
from ward_app.services.demo import MISSED_TWO, PAST_ERI
from ward_app.services.demo_obs import EARLY_WITHDRAWAL, OVER_SEDATED
from ward_app.services.handover import build_handover, record_printed
from ward_app.storage import audit


@pytest.fixture
def sheet(demo_ward):
    act_as(demo_ward, "charge.silva")  # the handover is the charge nurse's
    return build_handover(demo_ward)


def block(sheet, name):
    return next(b for b in sheet.patients if b.name == name)


def test_every_patient_in_bed_order_with_the_stories_graded(sheet):
    assert sheet.summary.patients == 24 == len(sheet.patients)
    assert [b.bed for b in sheet.patients] == [str(n) for n in range(1, 25)]
    assert block(sheet, EARLY_WITHDRAWAL).acuity is Acuity.UNSTABLE
    assert block(sheet, OVER_SEDATED).acuity is Acuity.UNSTABLE
    assert block(sheet, MISSED_TWO).acuity is Acuity.WATCHER
    assert sum(sheet.summary.by_acuity.values()) == 24
    assert sheet.ward == "Ward 7" and sheet.at.utcoffset() == timedelta(0)


def test_summary_lists_what_is_due_missed_and_the_pumps_to_refill(sheet, demo_ward):
    s = sheet.summary
    assert all(NOW <= d.due < NOW + timedelta(hours=12) for d in s.due_next_12h)
    assert any(d.name == MISSED_TWO and d.state == "missed" for d in s.not_given_24h)
    assert [r.name for r in s.refills_due] == ["Zoë Ní Bhriain"]
    alerts = ward_alerts(demo_ward)
    assert sum(s.alerts_by_severity.values()) == len(alerts)


def test_blocks_carry_sbar(sheet):
    b = block(sheet, EARLY_WITHDRAWAL)
    assert b.route == "intrathecal" and "SynchroMed" in (b.pump or "")
    assert "Itching without a rash" in (b.withdrawal or "")
    assert "up 2 steps" in (b.spasticity or "")
    assert len(b.news2_trend) > 5 and b.news2.startswith("NEWS2")
    assert any(a.urgent and alert_title("withdrawal.early") in a.what for a in b.actions)
    d = block(sheet, OVER_SEDATED)
    assert d.sedation.startswith("POSS 3") and d.renal.startswith("eGFR 24")
    e = block(sheet, MISSED_TWO)
    assert e.not_given_24h and all("missed" in x for x in e.not_given_24h)
    timed = [a.when for a in e.actions if a.when is not None]
    assert timed == sorted(timed)
    assert any(a.rule == "pump.eri" for a in block(sheet, PAST_ERI).alerts)


def test_unknown_ward_and_the_audit(demo_ward, sheet):
    with pytest.raises(InvalidInput, match="no ward 'Ward 9'"):
        build_handover(demo_ward, ward="Ward 9")
    assert build_handover(demo_ward, ward="ward 7").ward == "Ward 7"
    record_printed(demo_ward, sheet, "print", 9)
    entry = audit.entries(demo_ward.db, limit=1)[0]
    assert entry["action"] == "handover.print" and entry["detail"]["pages"] == 9
    assert entry["user"] == "charge.silva"


def test_the_refill_horizon_is_the_refill_due_setting(demo_ward):
    """Pumps are listed for refill at handover within pump.refill_due_warning_days (7 by default),
    not a fixed week: a ward that plans refills a month ahead sees every pump refill in a month."""
    from ward_app.services.settings import set_setting

    act_as(demo_ward, "charge.silva")
    week = {r.name for r in build_handover(demo_ward).summary.refills_due}
    act_as(demo_ward, "admin")
    set_setting(demo_ward, "pump.refill_due_warning_days", 120)
    act_as(demo_ward, "charge.silva")
    later = build_handover(demo_ward).summary.refills_due
    assert week < {r.name for r in later}
    assert all((r.refill_by - NOW.date()).days <= 120 for r in later)


def test_a_missed_dose_action_says_when_the_next_is_due_and_never_to_double_up(sheet):
    """The handover never tells the next nurse to 'give it now' without the next dose's time and
    the no-doubling rule (clinical-rules §9)."""
    missed = [a.what for a in block(sheet, MISSED_TWO).actions if a.what.startswith("missed dose")]
    assert missed
    for what in missed:
        assert "never two doses to make up for one" in what
        assert "next" in what.lower() and "give now if still appropriate" not in what
    assert any("08:00" in w and "14:00" in w for w in missed)  # the 08:00 dose: next at 14:00
