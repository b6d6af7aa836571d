"""The shared document renderer (accessible PDF) and the working-day calendar."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from engine import workdays
from engine.scripting import RestrictedEnvironment
from tests.pdf_support import assert_accessible_pdf
from workflows.pdf import render_html, render_pdf


def test_a_rendered_pdf_is_tagged_titled_in_danish_with_bookmarks(tmp_path):
    facts = assert_accessible_pdf(
        render_pdf("pdf/example.html", {"items": ["Første punkt", "Andet punkt"],
                                        "when": datetime(2027, 2, 3, 9, 0, tzinfo=timezone.utc)},
                   title="Eksempel på et dokument"),
        title="Eksempel på et dokument")
    assert facts.bookmarks == ["Eksempel på et dokument", "Første punkt", "Andet punkt"]
    assert "3. februar 2027 kl. 10.00" in facts.text
    assert "Side 1 af" in facts.text


def test_the_html_escapes_what_the_record_holds():
    html = render_html("pdf/example.html", {"items": ["<script>x</script>"], "when": None}, title="T")
    assert "<script>x" not in html and "&lt;script&gt;" in html
    assert '<html lang="da">' in html


@pytest.mark.parametrize("start, days, expected", [
    (date(2026, 12, 23), 1, date(2026, 12, 28)),    # 24 Dec is a day off in public administration, 25/26 holidays
    (date(2027, 3, 24), 1, date(2027, 3, 30)),      # Easter 2027: 25 Mar skærtorsdag ... 29 Mar anden påskedag
    (date(2027, 6, 4), 1, date(2027, 6, 7)),        # Friday; 5 June (grundlovsdag) is a Saturday anyway
    (date(2026, 6, 4), 1, date(2026, 6, 8)),        # 5 June 2026 is a Friday: grundlovsdag
    (date(2027, 1, 8), 1, date(2027, 1, 11)),       # Friday → Monday
    (date(2027, 1, 11), -1, date(2027, 1, 8)),
    (date(2027, 1, 11), 0, date(2027, 1, 11)),
])
def test_working_days_skip_weekends_and_danish_holidays(start, days, expected):
    assert workdays.add_working_days(start, days) == expected


def test_holidays_are_named_in_danish():
    assert workdays.holiday_name(date(2026, 12, 25)) == "Juledag"
    assert workdays.holiday_name(date(2026, 12, 24)) == "Juleaftensdag"
    assert workdays.is_working_day(date(2026, 5, 1))    # 1 May is not a day off for the whole administration
    assert workdays.next_working_day(date(2027, 1, 9)) == date(2027, 1, 11)
    assert workdays.working_days_between(date(2027, 1, 8), date(2027, 1, 11)) == 1
    assert workdays.working_days_between(date(2027, 1, 11), date(2027, 1, 8)) == -1


def test_scripts_and_timer_expressions_can_count_working_days():
    env = RestrictedEnvironment()
    assert env.evaluate("add_working_days('2027-03-24', 1)", {}) == date(2027, 3, 30)
    assert env.evaluate("is_working_day(date(2026, 12, 25))", {}) is False
