"""Working days: weekends and public holidays from the `holidays` package.

One calendar for every deadline in working days (hearings, access requests,
reminders) and for the script helper ``add_working_days``. The country is
Denmark by default; the calendar is computed per year and cached.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

DEFAULT_COUNTRY = "DK"
# Danish public administration is closed on the public holidays and, under the
# public-sector agreements, on Constitution Day, Christmas Eve and New Year's
# Eve (the package's "optional" category); 1 May is a day off only for some.
_DK_EXTRA_DAYS_OFF = {"Grundlovsdag", "Juleaftensdag", "Nytårsaften"}


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> dict[date, str]:
    if country != "DK":
        return dict(holidays.country_holidays(country, years=year))
    days = dict(holidays.country_holidays("DK", years=year, language="da"))
    optional = holidays.country_holidays("DK", years=year, language="da", categories=("optional",))
    days.update({day: name for day, name in optional.items() if name in _DK_EXTRA_DAYS_OFF})
    return days


def _day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def holiday_name(value, country: str = DEFAULT_COUNTRY) -> str | None:
    """The name of the public holiday on that day, or None."""
    day = _day(value)
    return _holidays(country, day.year).get(day)


def is_working_day(value, country: str = DEFAULT_COUNTRY) -> bool:
    day = _day(value)
    return day.weekday() < 5 and holiday_name(day, country) is None


def next_working_day(value, country: str = DEFAULT_COUNTRY) -> date:
    """The day itself if it is a working day, else the first working day after it."""
    day = _day(value)
    while not is_working_day(day, country):
        day += timedelta(days=1)
    return day


def add_working_days(value, days: int, country: str = DEFAULT_COUNTRY) -> date:
    """The date `days` working days after (or, if negative, before) `value`.

    The start day itself is not counted: add_working_days(friday, 1) is the
    next Monday (if that is not a holiday).
    """
    day = _day(value)
    days = int(days)
    if abs(days) > 3660:
        raise ValueError("too many working days")
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day, country):
            remaining -= 1
    return day


def working_days_between(start, end, country: str = DEFAULT_COUNTRY) -> int:
    """Working days after `start` up to and including `end` (negative if end is earlier)."""
    first, last = _day(start), _day(end)
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    count = 0
    day = first
    while day < last:
        day += timedelta(days=1)
        if is_working_day(day, country):
            count += 1
    return sign * count
