"""`ward-app patient wristband --mrn MRN --pdf FILE` (issue 20): a nurse or a charge nurse writes the
patient's wristband label (one page of the label's size, owner-only, audited as a printed sheet);
anyone else, an unknown MRN, a discharged patient or a bad path is refused with one sentence and no
file is written and nothing is saved."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from tests.conftest import database_state
from tests.services.test_roles import USERS, build_ward

NOW = "2026-11-25T10:00"
NURSE, CHARGE, PHARMACIST = USERS["nurse"], USERS["charge_nurse"], USERS["pharmacist"]


@pytest.fixture(scope="module")
def _template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wristband-cli") / "ward.db"
    build_ward(path)
    return path


@pytest.fixture
def ward(tmp_path, _template, run_cli):
    """``ward(*args, user=NURSE)`` runs ``ward-app --db ... --now NOW --user USER ARGS`` on Ward 7
    (RX1 'Oral Patient' in bed 1, RX2 in bed 2, RX3 in bed 3; not a drill ward)."""
    path = tmp_path / "ward.db"
    shutil.copyfile(_template, path)

    def cli(*args, user=NURSE):
        return run_cli("--db", str(path), "--now", NOW, "--user", user, *args)

    cli.path = path
    return cli


def _prints(path: Path) -> list[tuple[str, str, dict]]:
    conn = sqlite3.connect(str(path))
    try:
        rows = conn.execute("SELECT u.name, p.mrn, a.detail FROM audit a JOIN users u ON "
                            "u.id = a.user_id JOIN patients p ON p.id = a.patient_id "
                            "WHERE a.action = 'read.print' ORDER BY a.id").fetchall()
    finally:
        conn.close()
    return [(name, mrn, json.loads(detail)) for name, mrn, detail in rows]


@pytest.mark.parametrize("user", [NURSE, CHARGE])
def test_a_nurse_or_charge_nurse_writes_the_label_and_it_is_audited(ward, tmp_path, user) -> None:
    out = tmp_path / "band.pdf"
    r = ward("patient", "wristband", "--mrn", "rx1", "--pdf", str(out), user=user)
    assert r.code == 0, r.err
    assert r.out == f"Wrote the wristband label for MRN RX1 to {out}.\n" and r.err == ""
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and not list(tmp_path.glob("*.part"))
    reader = PdfReader(str(out))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / mm), round(float(box.height) / mm)) == (280, 25)
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Oral Patient" in text and "MRN RX1" in text and "Bed 1 · Ward 7" in text
    assert "DOB 01 Jan 1970" in text and "Printed 25 Nov 2026 10:00" in text
    assert "DRILL" not in text
    (who, mrn, detail), = _prints(ward.path)
    assert (who, mrn, detail["sheet"]) == (user, "RX1", "wristband")


@pytest.mark.parametrize("user, who", [(PHARMACIST, "A pharmacist"), ("admin", "An administrator")])
def test_other_roles_are_told_who_can_and_no_file_is_written(ward, tmp_path, user, who) -> None:
    out = tmp_path / "band.pdf"
    before = database_state(ward.path)
    r = ward("patient", "wristband", "--mrn", "RX1", "--pdf", str(out), user=user)
    assert r.code == 1
    assert r.err == f"ward-app: {who} cannot print wristbands: ask a nurse or a charge nurse.\n"
    assert r.out == ""
    assert not out.exists() and list(tmp_path.glob("band.pdf*")) == []
    assert database_state(ward.path) == before


def test_an_unknown_mrn_is_one_sentence_and_nothing_is_written(ward, tmp_path) -> None:
    out = tmp_path / "band.pdf"
    before = database_state(ward.path)
    r = ward("patient", "wristband", "--mrn", "RX99", "--pdf", str(out))
    assert r.code == 2 and r.out == ""
    assert r.err == "ward-app: --mrn: There is no patient with MRN RX99: check the number.\n"
    assert not out.exists() and database_state(ward.path) == before
    r = ward("patient", "wristband", "--mrn", "no such mrn!", "--pdf", str(out))
    assert r.code == 2 and len(r.err.splitlines()) == 1 and "--mrn" in r.err and not out.exists()


def test_a_discharged_patient_gets_no_wristband(ward, tmp_path) -> None:
    assert ward("patient", "discharge", "--mrn", "RX3", "--to", "home", user=CHARGE).code == 0
    out = tmp_path / "band.pdf"
    before = database_state(ward.path)
    r = ward("patient", "wristband", "--mrn", "RX3", "--pdf", str(out))
    assert r.code == 1 and r.out == "" and len(r.err.splitlines()) == 1
    assert "New Patient (MRN RX3) was discharged on 25 Nov 2026 at 10:00" in r.err
    assert "only for a patient on the ward" in r.err
    assert not out.exists() and database_state(ward.path) == before


def test_a_bad_path_is_one_sentence_and_nothing_is_made(ward, tmp_path) -> None:
    before = database_state(ward.path)
    missing = tmp_path / "no-such-folder" / "band.pdf"
    r = ward("patient", "wristband", "--mrn", "RX1", "--pdf", str(missing))
    assert r.code == 2 and r.out == ""
    assert r.err == (f"ward-app: --pdf: the folder {missing.parent} does not exist; choose an "
                     "existing folder.\n")
    r = ward("patient", "wristband", "--mrn", "RX1", "--pdf", str(ward.path))
    assert r.code == 2 and len(r.err.splitlines()) == 1 and "ward database itself" in r.err
    r = ward("patient", "wristband", "--mrn", "RX1", "--pdf", str(tmp_path))
    assert r.code == 2 and len(r.err.splitlines()) == 1 and "not an ordinary file" in r.err
    assert database_state(ward.path) == before and _prints(ward.path) == []


def test_both_options_are_needed(ward, tmp_path) -> None:
    r = ward("patient", "wristband", "--mrn", "RX1")
    assert r.code == 2 and "--pdf" in r.err
    r = ward("patient", "wristband", "--pdf", str(tmp_path / "band.pdf"))
    assert r.code == 2 and "--mrn" in r.err and not (tmp_path / "band.pdf").exists()
