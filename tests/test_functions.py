"""docassemble-compatible helper functions (text, places, dates) and the injectable clock."""
from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta

from chambers import clock
from chambers.interview.functions import dates, places, text

UTC = dt.timezone.utc


# -- clock ------------------------------------------------------------------------------------

def test_clock_is_aware_utc_by_default():
    moment = clock.now()
    assert moment.tzinfo is not None and moment.utcoffset() == dt.timedelta(0)


def test_clock_freezes_advances_and_restores():
    start = dt.datetime(2026, 1, 3, 9, 30, tzinfo=UTC)
    with clock.frozen_at(start):
        assert clock.now() == start
        assert clock.advance(days=21) == start + dt.timedelta(days=21)
        clock.advance(dt.timedelta(hours=1))
        assert clock.now() == start + dt.timedelta(days=21, hours=1)
    assert abs(clock.now() - dt.datetime.now(UTC)) < dt.timedelta(minutes=1)


def test_clock_naive_moments_are_utc_and_set_clock_replaces_source():
    with clock.frozen_at(dt.datetime(2030, 5, 1, 12)):
        assert clock.now() == dt.datetime(2030, 5, 1, 12, tzinfo=UTC)
    try:
        clock.set_clock(lambda: dt.datetime(2001, 2, 3, tzinfo=UTC))
        assert clock.now().year == 2001
    finally:
        clock.set_clock(None)
    assert clock.now().year >= 2025


# -- text -------------------------------------------------------------------------------------

def test_comma_and_list():
    assert text.comma_and_list("a", "b", "c") == "a, b, and c"
    assert text.comma_and_list(["a", "b"]) == "a and b"
    assert text.comma_and_list(["a"]) == "a"
    assert text.comma_and_list([]) == ""
    assert text.comma_and_list() == ""
    assert text.comma_and_list(["a", "b", "c"], oxford=False) == "a, b and c"
    assert text.comma_and_list(("x", "y", "z"), and_string="or") == "x, y, or z"
    assert text.comma_and_list((n for n in (1, 2, 3))) == "1, 2, and 3"
    items = {"apples", "pears", "plums"}
    assert text.comma_and_list(items) == text.comma_and_list(*list(items))
    assert text.comma_and_list("single string") == "single string"


def test_comma_list_and_separators():
    assert text.comma_list(["a", "b", "c"]) == "a, b, c"
    assert text.add_separators(["a", "b", "c"]) == ["a;", "b; and", "c."]


def test_indent():
    assert text.indent("one\ntwo") == "    one\n    two"
    assert text.indent("x", by=2) == "  x"
    assert text.indent("a\r\nb") == "    a\n    b"


def test_word_helpers():
    assert text.capitalize("hello world") == "Hello world"
    assert text.capitalize("") == ""
    assert text.title_case("the mcDonald farm") == "The McDonald Farm"
    assert text.quote_paragraphs("one\n\ntwo") == "> one\n>\n> two"
    assert text.single_paragraph("a\n b\n\nc") == "a b c"
    assert text.bold("x") == "**x**" and text.italic("x") == "_x_" and text.bold("") == ""


def test_nice_number():
    assert text.nice_number(3) == "three"
    assert text.nice_number(10) == "ten"
    assert text.nice_number(11) == "11"
    assert text.nice_number(4.0) == "four"
    assert text.nice_number(2.5) == "2.5"
    assert text.nice_number(-1) == "-1"
    assert text.nice_number(1, capitalize=True) == "One"
    assert text.nice_number(2.3456, ndigits=2) == "2.35"


def test_nouns():
    assert text.noun_plural("apple") == "apples"
    assert text.noun_plural("apple", 1) == "apple"
    assert text.noun_plural("box") == "boxes"
    assert text.noun_plural("party") == "parties"
    assert text.noun_plural("day") == "days"
    assert text.noun_plural("child") == "children"
    assert text.noun_plural("Person", 3) == "People"
    assert text.noun_singular("parties") == "party"
    assert text.noun_singular("boxes") == "box"
    assert text.quantity_noun(1, "apple") == "one apple"
    assert text.quantity_noun(12, "apple") == "12 apples"


def test_verbatim_escapes_markdown_and_html():
    from chambers.interview.markup import markdown_to_html
    raw = "<b>*not bold*</b> _x_ [link](y)"
    assert markdown_to_html(text.verbatim(raw), strip_outer_paragraph=True) == \
        "&lt;b&gt;*not bold*&lt;/b&gt; _x_ [link](y)"


# -- places -----------------------------------------------------------------------------------

def test_countries_list():
    countries = places.countries_list()
    assert len(countries) == 249
    assert all(isinstance(entry, dict) and len(entry) == 1 for entry in countries)
    names = [next(iter(entry.values())) for entry in countries]
    assert names == sorted(names)
    assert {"US": "United States"} in countries
    assert countries[0] == {"AF": "Afghanistan"}


def test_states_list():
    states = places.states_list()
    assert len(states) == 57
    assert states == places.states_list("US") == places.states_list("us")
    assert states["NY"] == "New York" and states["DC"] == "District of Columbia" and "PR" in states
    assert list(states.values()) == sorted(states.values())
    assert places.states_list("") == {}
    assert places.states_list("AQ") == {}
    assert places.states_list("ZZ") == {}
    assert places.states_list("CA")["ON"] == "Ontario"
    assert places.states_list("US", abbreviate=True)["NY"] == "NY"


def test_country_and_state_names():
    assert places.country_name("US") == "United States"
    assert places.country_name("fr") == "France"
    assert places.country_name("ZZ") == "ZZ"
    assert places.state_name("NY") == "New York"
    assert places.state_name("NY", country_code="US") == "New York"
    assert places.state_name("ON", "CA") == "Ontario"
    assert places.state_name("QQ", "US") == "QQ"
    assert places.state_name("NY", "") == "NY"


# -- dates ------------------------------------------------------------------------------------

FROZEN = dt.datetime(2026, 1, 3, 15, 5, 9, tzinfo=UTC)


@pytest.fixture
def frozen():
    with clock.frozen_at(FROZEN):
        yield FROZEN


def test_now_and_today_follow_the_clock(frozen):
    assert dates.current_datetime() == FROZEN
    assert dates.current_datetime("America/New_York").hour == 10
    assert dates.today() == dt.date(2026, 1, 3)
    assert dates.today(format="yyyy-MM-dd") == "2026-01-03"
    clock.advance(days=1)
    assert dates.today() == dt.date(2026, 1, 4)


def test_format_date_styles_and_patterns():
    day = dt.date(2026, 1, 3)
    assert dates.format_date(day) == "January 3, 2026"
    assert dates.format_date(day, "short") == "1/3/26"
    assert dates.format_date(day, "medium") == "Jan 3, 2026"
    assert dates.format_date(day, "full") == "Saturday, January 3, 2026"
    assert dates.format_date(day, format="yyyy-MM-dd") == "2026-01-03"
    assert dates.format_date(day, "MM/dd/yyyy") == "01/03/2026"
    assert dates.format_date(day, "d MMMM y") == "3 January 2026"
    assert dates.format_date(day, "EEE, d MMM yy 'at noon' ''") == "Sat, 3 Jan 26 at noon '"
    assert dates.format_date("2026-02-01") == "February 1, 2026"
    assert dates.format_date(dt.datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == "December 31, 2026"
    assert dates.format_date(None) == "" and dates.format_date("") == ""


def test_format_time_and_datetime(frozen):
    assert dates.format_time(FROZEN) == "3:05 PM"
    assert dates.format_time(FROZEN, "HH:mm:ss") == "15:05:09"
    assert dates.format_time(dt.time(0, 7)) == "12:07 AM"
    assert dates.format_datetime(FROZEN) == "January 3, 2026 at 3:05:09 PM UTC"
    assert dates.format_datetime(FROZEN, "short") == "1/3/26, 3:05 PM"
    assert dates.format_datetime(FROZEN, "yyyy-MM-dd HH:mm") == "2026-01-03 15:05"


def test_as_datetime():
    assert dates.as_datetime(dt.date(2026, 1, 3)) == dt.datetime(2026, 1, 3, tzinfo=UTC)
    assert dates.as_datetime("2026-01-05 3pm") == dt.datetime(2026, 1, 5, 15, tzinfo=UTC)
    eastern = dates.as_datetime("2026-01-05", timezone="America/New_York")
    assert eastern.utcoffset() == dt.timedelta(hours=-5) and eastern.hour == 0


def test_date_difference_in_float_units(frozen):
    filing_date = dt.date(2025, 12, 13)
    diff = dates.date_difference(starting=filing_date)
    expected_days = 21 + (15 * 3600 + 5 * 60 + 9) / 86400
    assert isinstance(diff.days, float)
    assert diff.days == pytest.approx(expected_days)
    assert diff.weeks == pytest.approx(expected_days / 7)
    assert diff.hours == pytest.approx(expected_days * 24)
    assert diff.minutes == pytest.approx(expected_days * 1440)
    assert diff.seconds == pytest.approx(expected_days * 86400)
    assert diff.years == pytest.approx(expected_days / 365.2425)
    assert diff.delta == FROZEN - dt.datetime(2025, 12, 13, tzinfo=UTC)
    assert diff.days > 20
    assert str(diff) == "21 days"


def test_date_difference_twenty_day_reminder_moves_with_clock(frozen):
    filing_date = dt.date(2026, 1, 3)
    assert not dates.date_difference(starting=filing_date).days > 20
    clock.advance(days=20)
    assert not dates.date_difference(starting=filing_date).days > 21
    assert dates.date_difference(starting=filing_date).days > 20


def test_date_difference_description():
    describe = lambda a, b: str(dates.date_difference(starting=a, ending=b))  # noqa: E731
    assert describe("2025-01-01", "2026-03-04") == "one year, two months, and three days"
    assert describe("2026-01-01", "2026-01-02") == "one day"
    assert describe("2026-01-01 10:00", "2026-01-01 15:00") == "five hours"
    assert describe("2026-01-01", "2026-01-01") == "zero days"
    assert dates.date_difference("2026-01-01", "2026-01-02 05:00").describe(specificity="hour") == \
        "one day and five hours"
    negative = dates.date_difference(starting="2026-01-10", ending="2026-01-01")
    assert negative.days == -9.0 and str(negative) == "nine days"


def test_date_interval_and_parts():
    assert dates.date_interval(months=1, days=2) == relativedelta(months=1, days=2)
    assert dt.date(2026, 1, 31) + dates.date_interval(months=1) == dt.date(2026, 2, 28)
    assert dates.month_of("2026-03-04") == 3 and dates.month_of("2026-03-04", as_word=True) == "March"
    assert dates.day_of("2026-03-04") == 4 and dates.year_of("2026-03-04") == 2026
    assert dates.dow_of("2026-01-03", as_word=True) == "Saturday" and dates.dow_of("2026-01-03") == 6


def test_functions_reach_the_interview_namespace():
    from chambers.interview.namespace import function_table
    table = function_table()
    for name in ("comma_and_list", "indent", "countries_list", "states_list", "country_name", "state_name",
                 "format_date", "date_difference", "current_datetime", "today", "date_interval"):
        assert callable(table[name]), name
    assert "format_pattern" not in table
