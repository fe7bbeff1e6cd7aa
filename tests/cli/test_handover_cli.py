"""``handover note`` and ``handover take`` through the real command line (issue 17): a take-over
refused until each unstable patient is confirmed (exit 1, nothing written), then recorded with
its outstanding list as JSON; a note kept and printed; ``handover`` with no --out says what to
type."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_recording_checks_cli import _template, state, tds, ward  # noqa: F401
from tests.conftest import pw

NURSE, CHARGE = "nurse.okafor", "charge.silva"


@pytest.fixture
def night(ward):  # noqa: F811 - the fixture imported above
    tds(ward, now="2026-11-24T07:00")
    r = ward("obs", "add", "--mrn", "RX1", "--rr", "27", "--spo2", "89", "--sbp", "88", "--hr",
             "136", "--acvpu", "V", "--temp", "39.6", "--poss", "3", now="06:10",
             stdin=pw(NURSE) + "\n")
    assert r.code == 0, r.err
    return ward


def test_take_over_needs_each_unstable_patient_confirmed(night) -> None:
    before = state(night, logins=True)
    r = night("handover", "take", now="07:00", stdin=pw(NURSE) + "\n")
    assert r.code == 1 and "Confirm each unstable patient" in r.err and "bed" in r.err
    assert state(night, logins=True) == before  # refused: nothing written
    bed = r.err.split("bed ", 1)[1].split(" ", 1)[0]
    r = night("handover", "take", "--confirm", bed, "--json", now="07:00",
              stdin=pw(NURSE) + "\n")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert out["taken"] and out["taken_by"] == NURSE and out["beds"] == "all"
    assert [u["bed"] for u in out["unstable"]] == [bed]
    assert any("EMERGENCY alert not acknowledged" in line for line in out["outstanding"])


def test_a_note_is_kept_and_printed(night, tmp_path) -> None:
    r = night("handover", "note", "--mrn", "RX1", "--text", "Daughter rings at 09:00",
              now="06:50", stdin=pw(NURSE) + "\n")
    assert r.code == 0 and "saved" in r.out, r.err
    pdf = tmp_path / "h.pdf"
    r = night("handover", "--out", str(pdf), now="07:00", user=CHARGE, stdin=pw(CHARGE) + "\n")
    assert r.code == 0, r.err
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages)
    assert "Daughter rings at 09:00" in text and "NEWS2 emergency" in text


def test_handover_without_out_says_what_to_type(night) -> None:
    r = night("handover", now="07:00", user=CHARGE, stdin=pw(CHARGE) + "\n")
    assert r.code == 2 and "handover --out FILE.pdf" in r.err
