"""Danish calendar time: deadlines are "by the end of the day" in Copenhagen."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def end_of_day(day: date) -> datetime:
    """23:59:59 of `day` in Copenhagen, in UTC (summer and winter time alike)."""
    return datetime.combine(day, time(23, 59, 59), COPENHAGEN).astimezone(timezone.utc)
