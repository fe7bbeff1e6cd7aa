"""`ward-app scan TEXT [--json]` (the shape in CLI.md) and `dose give --scan/--skip-scan` through
the real command line: exit 0 for a known wristband or pack, 1 otherwise; a scanned pack checked
against the order, an expired one refused with nothing written."""

from __future__ import annotations

import json
import sqlite3

from tests.cli.test_recording_checks_cli import (  # noqa: F401 - fixtures
    PHARMACIST,
    _template,
    give,
    state,
    tds,
    ward,
)
from tests.conftest import acting
from ward_app.services import scanning
from ward_app.services.context import open_context

GTIN = "02000000000114"


def _table(ward) -> None:  # noqa: F811
    ctx = open_context(ward.db, user=PHARMACIST)
    try:
        with acting(ctx, PHARMACIST):
            scanning.save_pack(ctx, gtin=GTIN, product="Baclofen 10 mg tablets",
                               ingredient="baclofen", form="tablet", strength=10)
    finally:
        ctx.close()


def test_scan_json_says_what_a_code_is(ward) -> None:  # noqa: F811
    _table(ward)
    r = ward("scan", f"]d201{GTIN}17281200\x1d10LOT7\x1d21S9", "--json")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert {k: out[k] for k in ("kind", "gtin", "expiry", "batch", "serial")} == {
        "kind": "medicine", "gtin": GTIN, "expiry": "2028-12-31", "batch": "LOT7",
        "serial": "S9"}
    assert out["product"]["name"] == "Baclofen 10 mg tablets"
    r = ward("scan", "rx1", "--json")
    assert r.code == 0 and json.loads(r.out)["patient"]["name"] == "Test Patient"
    r = ward("scan", "RX404", "--json")
    assert r.code == 1 and json.loads(r.out)["kind"] == "wristband"
    r = ward("scan", "not a code at all")
    assert r.code == 1 and "neither a wristband" in r.out
    r = ward("scan", f"01{GTIN}")
    assert r.code == 0 and "Baclofen 10 mg tablets: baclofen, tablets, 10 mg." in r.out


def test_dose_give_with_a_scanned_pack_and_with_a_skip_reason(ward) -> None:  # noqa: F811
    _table(ward)
    tds(ward)
    before = state(ward)
    r = give(ward, "08:00", "08:00", "--scan", f"01{GTIN}17251100")
    assert r.code == 1 and "expired on 30 Nov 2025" in r.err
    assert state(ward) == before
    r = give(ward, "08:00", "08:00", "--scan", f"01{GTIN}172812001012345")
    assert r.code == 0, r.err
    r = give(ward, "14:00", "14:00", "--skip-scan", "sometimes")
    assert r.code == 2 and "scanner_unavailable" in r.err
    r = give(ward, "14:00", "14:00", "--skip-scan", "no_barcode")
    assert r.code == 0, r.err
    conn = sqlite3.connect(ward.db)
    rows = conn.execute("SELECT scan, scan_skipped FROM administrations ORDER BY id").fetchall()
    conn.close()
    assert json.loads(rows[0][0])["batch"] == "12345" and rows[0][1] is None
    assert rows[1] == (None, "no_barcode")
