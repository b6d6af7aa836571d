"""What the step definitions share: Danish dates as the features write them, a standing clock, one unit of work.

    moment("mandag den 2. marts 2026 kl. 9.00")   # an aware datetime in Copenhagen; the weekday must match
    day("tirsdag den 7. marts 2017")              # a date
    clock = clock_at(T0)                          # in a step module: the `clock` fixture, time standing at T0
    class Scene(Plumbing): ...                     # work() / read() / user() / now() over self.app, db, people
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december"]
WEEKDAYS = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"]
DAY_RE = r"(\w+) den (\d+)\. (\w+) (\d{4})"
MOMENT_RE = DAY_RE + r" kl\. (\d+)\.(\d+)"


def danish_moment(weekday: str, day: int, month: str, year: int, hour: int = 0, minute: int = 0,
                  second: int = 0) -> datetime:
    """'mandag', 2, 'marts', 2026, 9, 0 -> an aware datetime in Copenhagen; the weekday must match."""
    value = datetime(int(year), MONTHS.index(month) + 1, int(day), int(hour), int(minute), int(second),
                     tzinfo=COPENHAGEN)
    assert WEEKDAYS[value.weekday()] == weekday, f"{value:%d.%m.%Y} is a {WEEKDAYS[value.weekday()]}"
    return value


def moment(text: str) -> datetime:
    """'mandag den 2. marts 2026 kl. 9.00' -> an aware datetime in Copenhagen; the weekday must match."""
    match = re.fullmatch(MOMENT_RE, text.strip())
    assert match, text
    weekday, d, month, year, hour, minute = match.groups()
    return danish_moment(weekday, d, month, year, hour, minute)


def day(text: str) -> date:
    """'tirsdag den 7. marts 2017' -> that date; the weekday must match."""
    match = re.fullmatch(DAY_RE, text.strip())
    assert match, text
    weekday, d, month, year = match.groups()
    return danish_moment(weekday, d, month, year).date()


def clock_at(start: datetime):
    """A `clock` fixture: time stands at `start` (time_machine, tick=False) until a step moves it."""

    @pytest.fixture
    def clock():
        with time_machine.travel(start, tick=False) as traveller:
            yield traveller

    return clock


class Plumbing:
    """Database access for a scenario's driver; needs `self.app`, `self.db` (Flask-SQLAlchemy) and `self.people`."""

    @contextmanager
    def work(self):
        """One unit of work: commit on success, roll back and re-raise on any error."""
        with self.app.app_context():
            session = self.db.session
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read(self):
        with self.app.app_context():
            yield self.db.session

    def user(self, name: str):
        return self.people.user(name)

    def now(self) -> datetime:
        return datetime.now(timezone.utc)
