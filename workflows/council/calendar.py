"""The council's meetings as an iCalendar feed (through the shared `workflows.calendar.build_calendar`)."""
from __future__ import annotations

from datetime import timedelta

from ..calendar import CalendarEvent, build_calendar
from .models import Meeting

CALENDAR_NAME = "Kommunernes It-Arkitekturråd – møder"  # a proper name: the same in every language
MEETING_HOURS = 3


def meetings_calendar(meetings: list[Meeting], links) -> bytes:
    """One event per meeting (the caller passes the public ones), linked to its page."""
    return build_calendar(CALENDAR_NAME, (
        CalendarEvent(uid=f"council-meeting-{m.id}@byplan", summary=m.title, start=m.starts_at,
                      end=m.starts_at + timedelta(hours=MEETING_HOURS), stamp=m.agenda_published_at or m.created_at,
                      location=m.place or m.online_link, url=links("council.meeting", meeting_id=m.id))
        for m in meetings), prodid="-//Byplan//Rådsmøder//DA")
