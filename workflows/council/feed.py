"""The council's Atom feed (RFC 4287): its decisions and published minutes.

The feed's `updated` is its newest entry's; a feed without entries has never changed, so it carries
the fixed `EMPTY_FEED_UPDATED` (the same answer until there is something to read). The council is the
feed's author.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from ..i18n import N_
from .documents import with_document_links
from .models import OUTCOMES, AgendaItem, Meeting

FEED_LANGUAGE = "da"
AUTHOR = "Kommunernes It-Arkitekturråd"  # a proper name: the same in every language
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=timezone.utc)
FEED_TITLE = N_("decisions and minutes")
MINUTES_ENTRY = N_("Minutes: %(title)s")
DECISION_ENTRY = N_("%(outcome)s: %(title)s")


def atom_feed(decisions: list[AgendaItem], meetings: list[Meeting], links,
              gettext: Callable[[str], str] = str, language: str = FEED_LANGUAGE) -> bytes:
    """Atom feed of the decisions and minutes that are public (the caller passes only those); `gettext`
    translates the feed's labels (the web layer passes the page language's, Danish by default)."""
    from feedgen.feed import FeedGenerator

    _ = gettext
    labels = dict(OUTCOMES)
    self_url = links("council.feed")
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title(f"{AUTHOR} – {_(FEED_TITLE)}")
    fg.author({"name": AUTHOR, "uri": links("council.meetings")})
    fg.link(href=links("council.decisions"), rel="alternate")
    fg.link(href=self_url, rel="self")
    fg.language(language)
    times = []
    for meeting in meetings:
        if meeting.minutes_published_at is None:
            continue
        page = links("council.meeting", meeting_id=meeting.id)
        entry = fg.add_entry()
        entry.id(f"{page}#referat")
        entry.title(_(MINUTES_ENTRY) % {"title": meeting.title})
        entry.link(href=page)
        entry.updated(meeting.minutes_published_at)
        entry.summary(meeting.minutes_summary[:1000])
        times.append(meeting.minutes_published_at)
    for item in decisions:
        at = item.meeting.minutes_published_at or item.decided_at
        anchor = f"{links('council.meeting', meeting_id=item.meeting_id)}#punkt-{item.id}"
        entry = fg.add_entry()
        entry.id(anchor)
        outcome = _(labels[item.outcome]) if item.outcome in labels else item.outcome
        entry.title(_(DECISION_ENTRY) % {"outcome": outcome, "title": item.title})
        entry.link(href=anchor)
        entry.updated(at)
        entry.summary(" ".join(x for x in (item.changes, item.reason) if x) or item.title)
        times.append(at)
    fg.updated(max((_aware(t) for t in times), default=EMPTY_FEED_UPDATED))
    return with_document_links(fg.atom_str(pretty=True), meetings, links)  # issue 15: the PDFs of the minutes


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)
