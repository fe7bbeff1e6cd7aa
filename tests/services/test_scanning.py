"""Scanning through the services on real SQLite files (clinical-rules §13): the pharmacy's pack
table, a scanned pack checked when a dose is given and kept on the record, a skipped scan kept
with its reason, the share of doses scanned, and `ward-app scan`."""

from __future__ import annotations

import pytest

from tests import typed
from tests.conftest import acting, database_state
from tests.services.test_recording_checks import (  # noqa: F401 - fixtures
    _template,
    at,
    clock,
    prescribe,
    ward7,
)
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.services import mar, scanning
from ward_app.storage import administrations, audit

GTIN = "02000000000114"
CODE = f"01{GTIN}172812311012345\x1d21SN1"  # baclofen 10 mg tablets, expires 31 Dec 2028


@pytest.fixture
def packs(ward7):  # noqa: F811
    with acting(ward7, "pharm.chen"):
        scanning.save_pack(ward7, gtin=GTIN, product="Baclofen 10 mg tablets",
                           ingredient="Baclofen", form="tablet", strength=10)
        scanning.save_pack(ward7, gtin="02000000000336", product="Baclofen 25 mg tablets",
                           ingredient="baclofen", form="tablet", strength=25)
    return ward7


def _give(ctx, clock, code: str | None = None, skipped: str | None = None, **kw):  # noqa: F811
    at(ctx, clock, "08:00")
    pack = scanning.pack_for_text(ctx, code) if code else None
    return typed.give(ctx, "RX1", "2026-11-25T08:00", pack=pack, scan_skipped=skipped, **kw)


def test_the_pharmacy_keeps_the_table_and_others_only_read_it(packs) -> None:
    assert [(p.gtin, p.ingredient, p.strength) for p in scanning.packs(packs)] == [
        (GTIN, "baclofen", 10.0), ("02000000000336", "baclofen", 25.0)]
    before = database_state(packs.path)
    with pytest.raises(Refused, match="ask a pharmacist"):
        scanning.save_pack(packs, gtin=GTIN, product="x", ingredient="baclofen", form="tablet",
                           strength=5)
    with acting(packs, "pharm.chen"):
        for kw, field in [({"gtin": "123"}, "gtin"), ({"gtin": "02000000000115"}, "gtin"),
                          ({"form": "patch"}, "form"), ({"strength": 0}, "strength"),
                          ({"product": " "}, "product")]:
            args = {"gtin": GTIN, "product": "B", "ingredient": "baclofen", "form": "tablet",
                    "strength": 10, **kw}
            with pytest.raises(InvalidInput) as info:
                scanning.save_pack(packs, **args)
            assert info.value.field == field, kw
    assert database_state(packs.path) == before  # refused: nothing written
    with acting(packs, "pharm.chen"):
        changed = scanning.save_pack(packs, gtin="2000000000114", product="Baclofen 10 mg (56)",
                                     ingredient="baclofen", form="tablet", strength=10,
                                     active=False)  # 13 digits: the same GTIN
    assert changed.gtin == GTIN and not scanning.product_for(packs, scanning.pack_for_text(
        packs, CODE)).active  # type: ignore[union-attr]
    rows = [r for r in reversed(audit.entries(packs.db)) if r["entity"] == "medicine_pack"]
    assert [r["action"] for r in rows] == ["medicine_pack.add", "medicine_pack.add",
                                        "medicine_pack.change"]


def test_a_scanned_pack_that_matches_is_kept_on_the_record(packs, clock) -> None:  # noqa: F811
    prescribe(packs, dose_mg=20, start=None)
    done = _give(packs, clock, CODE)
    _patient, entries = mar.mar_day(packs, done.patient.id)
    entry = next(e for e in entries if e.id == done.record_id)
    assert entry.state.value == "given" and done.flags == ()
    # the chart's history and `mar --json` show the pack
    assert entry.scan_text() == "Baclofen 10 mg tablets, batch 12345, exp 31 Dec 2028"
    assert entry.to_json(packs.zone)["scan"]["batch"] == "12345"
    rec = administrations.by_id(packs.db, done.record_id)
    assert rec.scan == {"gtin": GTIN, "expiry": "2028-12-31", "batch": "12345", "serial": "SN1",
                        "product": "Baclofen 10 mg tablets"} and rec.scan_skipped is None
    row = next(r for r in audit.entries(packs.db) if r["action"] == "dose.given")
    assert row["detail"]["scan"]["batch"] == "12345"


def test_an_expired_pack_is_refused_and_nothing_is_written(packs, clock) -> None:  # noqa: F811
    prescribe(packs, dose_mg=20)
    before = database_state(packs.path)
    with pytest.raises(Refused, match="expired on 30 Nov 2025") as info:
        _give(packs, clock, f"01{GTIN}17251100")
    assert info.value.rule == "pack.expired"
    assert database_state(packs.path) == before


def test_an_unknown_pack_or_the_wrong_strength_needs_a_reason_and_is_flagged(packs, clock):  # noqa: F811
    prescribe(packs, dose_mg=20)
    before = database_state(packs.path)
    with pytest.raises(mar.NeedsOverride) as info:
        _give(packs, clock, "0102000000000220")  # not in the table
    assert [f.rule for f in info.value.findings] == ["pack.unknown"]
    with pytest.raises(mar.NeedsOverride) as info:
        _give(packs, clock, "0102000000000336")  # 25 mg tablets for 20 mg
    assert [f.rule for f in info.value.findings] == ["pack.strength"]
    assert database_state(packs.path) == before
    done = _give(packs, clock, "0102000000000336", override=mar.Override(
        reason="pharmacist confirmed 20 mg from 25 mg tablets is not possible; used liquid"))
    assert done.flags == ("pack_strength",)


def test_a_skipped_scan_keeps_its_reason_and_other_needs_a_note(packs, clock) -> None:  # noqa: F811
    prescribe(packs, dose_mg=20)
    with pytest.raises(InvalidInput) as info:
        _give(packs, clock, skipped="because")
    assert info.value.field == "skip-scan"
    with pytest.raises(InvalidInput) as info:
        _give(packs, clock, skipped="other")
    assert info.value.field == "note"
    done = _give(packs, clock, skipped="barcode_unreadable")
    rec = administrations.by_id(packs.db, done.record_id)
    assert rec.scan is None and rec.scan_skipped == "barcode_unreadable"
    entry = next(e for e in mar.mar_day(packs, done.patient.id)[1] if e.id == done.record_id)
    assert entry.scan_text() == "not scanned: barcode damaged or will not scan"
    assert entry.to_json(packs.zone)["scan_skipped"] == "barcode_unreadable"


def test_the_share_of_doses_scanned_counts_skips_and_corrections(packs, clock) -> None:  # noqa: F811
    prescribe(packs, dose_mg=20, times="08:00,14:00,22:00", freq=None)
    _give(packs, clock, CODE)
    at(packs, clock, "14:00")
    typed.give(packs, "RX1", "2026-11-25T14:00", scan_skipped="emergency")
    at(packs, clock, "22:00")
    wrong = typed.give(packs, "RX1", "2026-11-25T22:00")  # neither (e.g. the command line)
    start, end = scanning_day(packs)
    share = scanning.scan_share(packs, start, end)
    assert (share.given, share.scanned, share.skipped, share.unscanned, share.percent) == (
        3, 1, {"emergency": 1}, 1, 33)
    assert share.sentence() == ("1 of 3 doses given were scanned (33 %); 1 skipped (emergency: "
                                "no time to scan ×1); 1 without a scan or a reason.")
    mar.correct_record(packs, wrong.record_id, "recorded against the wrong dose")
    assert scanning.scan_share(packs, start, end).given == 2


def scanning_day(ctx):
    from datetime import UTC, datetime

    return datetime(2026, 11, 25, tzinfo=UTC), datetime(2026, 11, 26, tzinfo=UTC)


def test_a_wristband_scan_finds_the_patient_and_is_an_audited_read(packs) -> None:
    found = scanning.read_scan(packs, "rx1\r")
    assert found.kind == "wristband" and found.patient is not None
    assert found.patient.mrn == "RX1" and found.problem is None
    assert audit.entries(packs.db)[0]["action"] == "read.scan"
    missing = scanning.read_scan(packs, "RX999")
    assert missing.patient is None and "No patient on this ward has MRN RX999" in missing.problem
    pack = scanning.read_scan(packs, CODE)
    assert pack.kind == "medicine" and pack.product is not None
    assert pack.to_json(packs.zone)["product"]["strength"] == 10


def test_the_ward_setting_for_the_separator_is_used(packs) -> None:
    from ward_app.services import settings

    assert scanning.read_scan(packs, CODE.replace("\x1d", "~")).kind == "unknown"  # not set
    with acting(packs, "admin"):
        settings.set_setting(packs, "scan.gs_substitute", "~")
    found = scanning.read_scan(packs, CODE.replace("\x1d", "~")).code
    assert (found.batch, found.serial) == ("12345", "SN1")
    with acting(packs, "admin"), pytest.raises(InvalidInput, match="one printable character"):
        settings.set_setting(packs, "scan.gs_substitute", "AB")
