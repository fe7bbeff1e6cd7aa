"""``ward-app export fhir`` through the real command line on a copy of the demo ward: a pharmacist's
export of one patient (one summary line, a 0600 file that validates as an R4 Bundle, --since
narrowing it), a nurse refused (exit 1, the roles' sentence, no file, nothing written but the
log-in's audit), and bad input (exit 2 naming the option, no file)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import database_state

NOW = "2026-11-25T10:00"


@pytest.fixture
def demo(tmp_path: Path, _demo_template: Path, run_cli):
    """``demo(*args, user=...)``: ward-app on a fresh copy of the demo ward at NOW."""
    db = tmp_path / "demo.db"
    shutil.copyfile(_demo_template, db)

    def cli(*args: str, user: str = "pharm.chen"):
        return run_cli("--db", str(db), "--now", NOW, "--user", user, *args)

    cli.db = db
    return cli


def pump_mrn(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT p.mrn FROM patients p JOIN pumps u ON u.patient_id = p.id "
                            "ORDER BY p.bed LIMIT 1").fetchone()[0]
    finally:
        conn.close()


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def test_a_pharmacist_exports_one_patient(demo, tmp_path):
    from fhir.resources.R4B.bundle import Bundle

    out = tmp_path / "one.json"
    mrn = pump_mrn(demo.db)
    r = demo("export", "fhir", "--out", str(out), "--mrn", mrn)
    assert r.code == 0, r.err
    text = out.read_text(encoding="utf-8")
    bundle = Bundle.model_validate_json(text)
    n = len(bundle.entry)
    assert one_line(r.out) == f"Wrote {n:,} FHIR resources for 1 patient to {out}."
    assert n > 1000 and out.stat().st_mode & 0o777 == 0o600
    kinds = {e.resource.get_resource_type() for e in bundle.entry}
    assert {"Patient", "Device", "MedicationRequest", "Procedure", "Observation"} <= kinds
    assert json.loads(text)["entry"][0]["resource"]["identifier"][0]["value"] == mrn

    recent = tmp_path / "recent.json"
    r = demo("export", "fhir", "--out", str(recent), "--mrn", mrn, "--since", "2026-11-24T10:00")
    assert r.code == 0, r.err
    m = len(Bundle.model_validate_json(recent.read_text(encoding="utf-8")).entry)
    assert 3 < m < n / 5 and one_line(r.out).startswith(f"Wrote {m:,} FHIR resources")


def test_a_nurse_is_refused_and_nothing_is_written(demo, tmp_path):
    before = database_state(demo.db, but_logins=True)
    out = tmp_path / "out"
    out.mkdir()
    r = demo("export", "fhir", "--out", str(out / "x.json"), user="nurse.jones")
    assert r.code == 1
    assert one_line(r.err) == ("ward-app: A nurse cannot export records: ask a charge nurse or a "
                               "pharmacist or an administrator.")
    assert r.out == "" and list(out.iterdir()) == []
    assert database_state(demo.db, but_logins=True) == before


@pytest.mark.parametrize(("args", "option"), [
    (("--mrn", "RX000000"), "--mrn"),
    (("--since", "last tuesday"), "--since"),
    (("--out-folder",), "--out"),
])
def test_bad_input_names_the_option_and_writes_nothing(demo, tmp_path, args, option):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "x.json"
    if args == ("--out-folder",):
        out, args = folder / "missing" / "x.json", ()
    before = database_state(demo.db, but_logins=True)
    r = demo("export", "fhir", "--out", str(out), *args, user="charge.silva")
    assert r.code == 2
    assert one_line(r.err).startswith(f"ward-app: {option}")
    assert list(folder.iterdir()) == []
    assert database_state(demo.db, but_logins=True) == before
