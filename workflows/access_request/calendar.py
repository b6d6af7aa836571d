"""The open access requests' deadlines as an iCalendar feed for the secretariat (workflows.calendar)."""
from __future__ import annotations

from datetime import timedelta

from ..calendar import CalendarEvent, build_calendar
from ..links import Links

PRODID = "-//Byplan//Aktindsigtsfrister//DA"


def deadlines_calendar(requests, links: Links, name: str = "Aktindsigtsfrister") -> bytes:
    """One all-day event per open request's deadline (no requester's name: only the number)."""
    return build_calendar(name, (
        CalendarEvent(uid=f"access-request-{r.id}-deadline@byplan", summary=f"Frist for aktindsigt {r.number}",
                      start=r.deadline, end=r.deadline + timedelta(days=1), stamp=r.created_at,
                      url=links("access_request.staff", request_id=r.id),
                      description="Afgørelsen skal være sendt senest denne dag.")
        for r in requests), prodid=PRODID)
