"""The ampoule scanned at a pump refill (clinical-rules §13), on the demo ward's real SQLite file:
its concentration must be the refill's, an expired or oral pack is refused and writes nothing,
an ampoule the table does not know needs a reason, a skipped scan keeps its reason."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.conftest import database_state
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.services import pumps, scanning
from ward_app.services.board import ward_board
from ward_app.services.demo import DEMO_PASSWORD
from ward_app.services.people import find_user
from ward_app.storage import audit

ITB = "Zoë Ní Bhriain"  # intrathecal, 300 mcg/day at 500 mcg/mL, 20 mL pump
AMPOULE_500 = "0102000000000442172812001012AB"  # demo: 500 mcg/mL, expires 31 Dec 2028
AMPOULE_2000 = "0102000000000558172812001012AB"  # demo: 2000 mcg/mL


def _refill(ctx, code: str | None = None, **kw) -> pumps.RefillDone:
    pid = next(r.patient_id for r in ward_board(ctx) if r.name == ITB)
    pack = scanning.pack_for_text(ctx, code) if code else None
    return pumps.refill_pump(ctx, pumps.NewRefill(
        patient_id=pid, volume_ml=20, conc_mcg_ml=500, daily_mcg=300,
        witness_id=find_user(ctx, "nurse.okafor", "witness").id, witness_password=DEMO_PASSWORD,
        pack=pack, **kw))


def _stored(path, refill_id: int) -> tuple:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("SELECT scan, scan_skipped FROM pump_refills WHERE id = ?",
                            [refill_id]).fetchone()
    finally:
        conn.close()


def test_the_right_ampoule_is_kept_on_the_refill_and_in_the_audit(demo_ward):
    done = _refill(demo_ward, AMPOULE_500)
    scan, skipped = _stored(demo_ward.path, done.refill.id)
    assert json.loads(scan) == {"gtin": "02000000000442", "expiry": "2028-12-31",
                                "batch": "12AB", "product":
                                "Baclofen intrathecal 500 mcg/mL, 20 mL ampoule"}
    assert skipped is None
    # the pump's refill history shows it
    assert done.refill.ampoule == "Baclofen intrathecal 500 mcg/mL, 20 mL ampoule, batch 12AB, " \
        "exp 31 Dec 2028"
    row = next(r for r in audit.entries(demo_ward.db) if r["action"] == "pump.refill")
    assert row["detail"]["scan"]["gtin"] == "02000000000442"


@pytest.mark.parametrize(("code", "rule", "words"), [
    (AMPOULE_2000, "pack.concentration", "2000 mcg/mL; the pump is to be filled at 500"),
    ("0102000000000442172511001012AB", "pack.expired", "expired on 30 Nov 2025"),
    ("0102000000000114172812001012AB", "pack.wrong_route", "oral or enteral use"),
    ("0102000000000770172812001012AB", "pack.wrong_medicine", "not baclofen"),
])
def test_a_wrong_ampoule_is_refused_and_nothing_is_written(demo_ward, code, rule, words):
    before = database_state(demo_ward.path)
    with pytest.raises(Refused) as info:
        _refill(demo_ward, code)
    assert info.value.rule == rule and words in str(info.value)
    assert database_state(demo_ward.path) == before


def test_an_unknown_ampoule_needs_a_reason_and_the_reason_is_kept(demo_ward):
    unknown = "0102000000000992172812001012AB"
    before = database_state(demo_ward.path)
    with pytest.raises(InvalidInput) as info:
        _refill(demo_ward, unknown)
    assert info.value.field == "pack-reason" and "not in the ward's medicine table" in \
        str(info.value)
    assert database_state(demo_ward.path) == before
    done = _refill(demo_ward, unknown, pack_reason="new supplier; checked 500 mcg/mL with ITB team")
    scan, _ = _stored(demo_ward.path, done.refill.id)
    assert json.loads(scan)["unknown_reason"].startswith("new supplier")


def test_a_skipped_scan_keeps_its_reason_and_a_made_up_reason_is_refused(demo_ward):
    before = database_state(demo_ward.path)
    with pytest.raises(InvalidInput) as info:
        _refill(demo_ward, scan_skipped="in a hurry")
    assert info.value.field == "skip-scan"
    assert database_state(demo_ward.path) == before
    with pytest.raises(InvalidInput) as info:
        _refill(demo_ward, scan_skipped="other")  # 'other' says why, as for doses
    assert info.value.field == "pack-reason"
    assert database_state(demo_ward.path) == before
    done = _refill(demo_ward, scan_skipped="barcode_unreadable")
    assert _stored(demo_ward.path, done.refill.id) == (None, "barcode_unreadable")
    assert done.refill.ampoule == "not scanned: barcode damaged or will not scan"
