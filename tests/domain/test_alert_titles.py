"""Every alert a nurse can see is named in words, not by its rule id."""

from __future__ import annotations

from tests.test_docs import raised_rule_ids
from ward_app.domain.alerts import ALERT_TITLES, alert_title


def test_every_raised_rule_has_a_title_in_words() -> None:
    missing = sorted(r for r in raised_rule_ids() if r not in ALERT_TITLES)
    assert not missing, f"alert rules without a title in domain/alerts.py: {missing}"


def test_titles_are_words_not_ids() -> None:
    for rule, title in ALERT_TITLES.items():
        assert "." not in title and "_" not in title, (rule, title)
        assert title[0].isupper(), (rule, title)


def test_an_unknown_rule_reads_as_words() -> None:
    assert alert_title("pump.recorded_twice") == "Pump: recorded twice"
    assert alert_title("dose.missed") == "Dose missed"
