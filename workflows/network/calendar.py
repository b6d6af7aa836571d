"""The network family's calendars: a meeting's invitation (sent with the practical information) and the
public feed of every published round's meetings."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from ..calendar import CalendarEvent, build_calendar
from ..links import Links
from .models import RegionalMeeting

PRODID = "-//Byplan//Netværksmøder//DA"
FEED_NAME = "Byplan – netværksmøder"


def _event(meeting: RegionalMeeting, links: Links, stamp: datetime) -> CalendarEvent:
    return CalendarEvent(
        uid=f"network-meeting-{meeting.id}@byplan", summary=meeting.title, start=meeting.starts_at,
        end=meeting.ends_at, stamp=stamp, url=links("network.programme", round_id=meeting.round_id),
        location=", ".join(x for x in (meeting.venue, meeting.address) if x) or meeting.online_link)


def invitation(meeting: RegionalMeeting, links: Links, now: datetime) -> str:
    """An iTIP REQUEST for one meeting, attached to the participants' practical information."""
    return build_calendar(meeting.title, [_event(meeting, links, now)], prodid=PRODID, method="REQUEST").decode()


def meetings_feed(meetings: Iterable[RegionalMeeting], links: Links) -> bytes:
    """The public feed: one event per regional meeting of the published rounds."""
    return build_calendar(FEED_NAME, [_event(m, links, m.round.published_at or m.round.created_at)
                                      for m in meetings], prodid=PRODID)
