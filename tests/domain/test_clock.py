from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ward_app.domain.clock import (
    age_on,
    from_utc_text,
    parse_date,
    parse_moment,
    to_utc_text,
    ward_zone,
)
from ward_app.domain.errors import InvalidInput

LONDON = ZoneInfo("Europe/London")


def test_a_time_without_offset_is_ward_time_across_daylight_saving():
    assert parse_moment("2026-07-01T22:00", LONDON) == datetime(2026, 7, 1, 21, 0, tzinfo=UTC)
    assert parse_moment("2026-12-01T22:00", LONDON) == datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


def test_a_time_with_offset_keeps_its_offset():
    assert parse_moment("2026-07-01T22:00+02:00", LONDON) == datetime(2026, 7, 1, 20, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["", "yesterday", "2026-13-01T10:00", "25/11/2026 10:00"])
def test_bad_moments_name_the_field_and_the_format(bad):
    with pytest.raises(InvalidInput, match="is not a date and time: use ISO-8601") as info:
        parse_moment(bad, LONDON)
    assert info.value.field == "now" and "--" not in str(info.value)


def test_zone_names_are_checked():
    assert ward_zone("Europe/London") == LONDON
    for bad in ["Mars/Olympus", "../etc/passwd", "", "europe/london "]:
        with pytest.raises(InvalidInput, match="not a time zone"):
            ward_zone(bad)


def test_dates():
    assert parse_date("2026-02-28", "dob") == date(2026, 2, 28)
    with pytest.raises(InvalidInput, match="'2026-02-30' is not a date") as info:
        parse_date("2026-02-30", "dob")
    assert info.value.field == "dob"


def test_age_counts_whole_years():
    assert age_on(date(1990, 11, 25), date(2026, 11, 25)) == 36
    assert age_on(date(1990, 11, 26), date(2026, 11, 25)) == 35
    assert age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25
    assert age_on(date(2000, 2, 29), date(2026, 3, 1)) == 26


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1),
                    timezones=st.sampled_from([UTC, LONDON, ZoneInfo("America/New_York"),
                                               ZoneInfo("Asia/Kolkata")]),
                    allow_imaginary=False))
def test_stored_text_round_trips_to_the_same_instant(moment):
    back = from_utc_text(to_utc_text(moment))
    assert back.tzinfo is not None
    # Same instant; compared as timestamps because PEP 495 makes ambiguous (fold) times unequal
    # across zones by definition.
    assert back.timestamp() == moment.replace(microsecond=0).timestamp()


def test_naive_datetimes_are_never_stored():
    with pytest.raises(ValueError):
        to_utc_text(datetime(2026, 1, 1))
