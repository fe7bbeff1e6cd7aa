"""ward-app pump calendar: the text, the JSON of the reference (a list, soonest refill-by first),
the one-page PDF, the window of days, and refusals."""

from __future__ import annotations

import json

import pytest
from pypdf import PdfReader

from tests.conftest import database_state


@pytest.fixture
def demo(tmp_path, run_cli):
    db = str(tmp_path / "demo.db")
    assert run_cli("--db", db, "--now", "2026-12-05T07:00", "demo").code == 0

    def cli(*args: str):
        return run_cli("--db", db, "--now", "2026-12-05T07:00", "--user", "nurse.jones", *args)

    cli.db = db  # type: ignore[attr-defined]
    return cli


def test_json_is_a_list_soonest_refill_by_first(demo) -> None:
    r = demo("pump", "calendar", "--json")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert isinstance(out, list) and len(out) == 8
    for item in out:
        assert {"mrn", "bed", "name", "refill_by", "alarm_date", "empty_date", "eri_date",
                "days_left"} <= set(item)
    assert [i["refill_by"] for i in out] == sorted(i["refill_by"] for i in out)
    first = out[0]
    assert first["bed"] == "2" and first["days_left"] == 2 and first["within_buffer"]
    assert first["refill_by"] == "2026-12-07" and first["alarm_date"].startswith("2026-12-14T")
    assert "within the 7-day buffer" in first["why"]


def test_text_marks_what_is_due_in_words_and_a_shorter_window(demo) -> None:
    r = demo("pump", "calendar", "--days", "14")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert "not read from the pump" in lines[0] and "1 refill(s) due within the 7-day" in lines[0]
    marked = [line for line in lines if line.startswith("!")]
    assert len(marked) == 1 and "Bed 2 " in marked[0] and "refill due in 2 days" in marked[0]
    assert sum(line.startswith(("!  Bed", "   Bed")) for line in lines) == 3  # beds 2, 17, 14


def test_pdf_is_one_page_with_every_pump(demo, tmp_path) -> None:
    out = tmp_path / "pumps.pdf"
    r = demo("pump", "calendar", "--pdf", str(out))
    assert r.code == 0, r.err
    assert f"Written to {out}" in r.out
    reader = PdfReader(str(out))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "DRILL" in text and "Ward pump calendar" in text and "Zoë Ní Bhriain" in text
    assert "8 pumps" in text


@pytest.mark.parametrize("days", ["0", "10000"])
def test_a_window_out_of_range_is_refused_and_nothing_is_written(demo, tmp_path, days) -> None:
    before = database_state(demo.db)
    r = demo("pump", "calendar", "--days", days, "--pdf", str(tmp_path / "x.pdf"))
    assert r.code == 2 and "--days" in r.err
    assert database_state(demo.db) == before and not (tmp_path / "x.pdf").exists()
