"""The council's mails to its members: one Jinja template per kind of mail and language in mail/<language>/
(workflows/mailtext.py), with page links from the injected link builder (no web paths here).

Mail goes out in Danish, the language of the council (users keep no language of their own).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..mailtext import DEFAULT_LANGUAGE, MailTemplates

TEMPLATES = MailTemplates(Path(__file__).resolve().parent / "mail")
AGENDA_TAG = "council.agenda"
POSITIONS_TAG = "council.positions"  # issue 13: a member's new position tasks
MINUTES_TAG = "council.minutes"
SUBSTITUTE_TAG = "council.substitute"  # issue 15: you act for an absent member at one meeting


@dataclass(frozen=True)
class Mail:
    tag: str
    subject: str
    body: str


class CouncilMail:
    """Builds the council's mails in `language` (Danish by default)."""

    def __init__(self, links, language: str = DEFAULT_LANGUAGE):
        self.links = links
        self.language = language

    def _mail(self, tag: str, template: str, **context) -> Mail:
        subject, body = TEMPLATES.render(template, self.language, **context)
        return Mail(tag, subject, body)

    def agenda(self, meeting, name: str) -> Mail:
        return self._mail(AGENDA_TAG, "agenda", meeting=meeting, name=name,
                          url=self.links("council.meeting", meeting_id=meeting.id))

    def positions(self, meeting, name: str, titles: list[str]) -> Mail:
        """Issue 13: a member's new position tasks, with the deadline (the meeting's start)."""
        return self._mail(POSITIONS_TAG, "positions", meeting=meeting, name=name, titles=titles,
                          url=self.links("home"))

    def minutes(self, meeting, name: str, deadline: datetime) -> Mail:
        return self._mail(MINUTES_TAG, "minutes", meeting=meeting, name=name, deadline=deadline,
                          url=self.links("council.meeting", meeting_id=meeting.id))

    def substitute(self, meeting, name: str, member: str) -> Mail:
        """Issue 15: the substitute acts for the absent `member` at this meeting (workflows/council/board.py)."""
        return self._mail(SUBSTITUTE_TAG, "substitute", meeting=meeting, name=name, member=member,
                          url=self.links("council.meeting", meeting_id=meeting.id))
