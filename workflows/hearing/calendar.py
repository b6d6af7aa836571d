"""The hearing deadlines as an iCalendar feed (through the one builder, workflows.calendar)."""
from __future__ import annotations

from datetime import timedelta

from ..calendar import CalendarEvent, build_calendar
from ..links import Links
from .models import Hearing

PRODID = "-//Byplan//Høringsfrister//DA"


def deadlines_calendar(hearings: list[Hearing], links: Links, name: str) -> bytes:
    """An iCalendar feed with one all-day event per hearing deadline."""
    return build_calendar(name, (
        CalendarEvent(uid=f"hearing-{hearing.id}-deadline@byplan", summary=f"Høringsfrist: {hearing.title}",
                      start=hearing.deadline, end=hearing.deadline + timedelta(days=1),
                      stamp=hearing.published_at or hearing.created_at,
                      url=links("hearing.public", hearing_id=hearing.id),
                      description=f"Svarfrist kl. 23.59. {hearing.summary[:500]}")
        for hearing in hearings), prodid=PRODID)
