"""The one iCalendar builder (RFC 5545) of every process family: feeds and invitations."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    start: datetime | date
    end: datetime | date
    stamp: datetime
    url: str | None = None
    location: str | None = None
    description: str | None = None


def build_calendar(name: str, events: Iterable[CalendarEvent], *, prodid: str = "-//Byplan//Byplan//DA",
                   method: str | None = None) -> bytes:
    """A VCALENDAR with a calendar name (X-WR-CALNAME, which calendar readers show) and one VEVENT each."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    cal.add("x-wr-calname", name)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("summary", item.summary)
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("dtstamp", item.stamp)
        for key, value in (("location", item.location), ("url", item.url), ("description", item.description)):
            if value:
                event.add(key, value)
        cal.add_component(event)
    return cal.to_ical()
