"""The council's mails to its members: message ids (English, in the translation catalogue) rendered in the
mail's language, with page links from the injected link builder (no web paths here).

Mail goes out in Danish, the language of the council (users keep no language of their own).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Callable

from ..dates import COPENHAGEN
from ..i18n import N_

MAIL_LOCALE = "da"
# The one translation catalogue of Byplan (pybabel extracts these message ids with the rest).
CATALOGUE = Path(__file__).resolve().parents[2] / "web" / "translations"

AGENDA_TAG = "council.agenda"
AGENDA_SUBJECT = N_("Agenda: %(title)s")
# issue 13: the agenda's mail says when and where the meeting is
AGENDA_BODY = N_("Dear %(name)s\n\nThe agenda and material for %(title)s are out:\n%(url)s\n\n"
                 "The meeting is on %(date)s at %(time)s.\nPlace: %(place)s\n")
POSITIONS_TAG = "council.positions"
POSITIONS_SUBJECT = N_("Record your position: %(title)s")
POSITIONS_BODY = N_("Dear %(name)s\n\nRecord your position on these decision items of %(title)s by %(deadline)s, "
                    "when the meeting begins:\n\n%(items)s\n\nYour tasks in Byplan: %(url)s\n")
MINUTES_TAG = "council.minutes"
MINUTES_SUBJECT = N_("Minutes for approval: %(title)s")
MINUTES_BODY = N_("Dear %(name)s\n\nThe minutes of %(title)s are ready for approval:\n%(url)s\n\n"
                  "Objections by %(deadline)s at the latest. Without an objection the minutes count as approved.\n")


@lru_cache(maxsize=4)
def catalogue_gettext(locale: str = MAIL_LOCALE) -> Callable[[str], str]:
    """gettext of the catalogue's `locale` (Babel, no Flask); the message id itself where none is compiled."""
    from babel.support import Translations

    return Translations.load(str(CATALOGUE), [locale]).gettext


@dataclass(frozen=True)
class Mail:
    tag: str
    subject: str
    body: str


class CouncilMail:
    """Builds the council's mails; `gettext` translates a message id (Danish catalogue by default)."""

    def __init__(self, links, gettext: Callable[[str], str] | None = None):
        self.links = links
        self.gettext = gettext or catalogue_gettext()

    def _mail(self, tag: str, subject: str, body: str, **params) -> Mail:
        return Mail(tag, self.gettext(subject) % params, self.gettext(body) % params)

    def agenda(self, meeting, name: str) -> Mail:
        starts = meeting.starts_at.astimezone(COPENHAGEN)
        place = ", ".join(p for p in (meeting.place, meeting.online_link) if p) or "–"
        return self._mail(AGENDA_TAG, AGENDA_SUBJECT, AGENDA_BODY, name=name, title=meeting.title,
                          url=self.links("council.meeting", meeting_id=meeting.id),
                          date=f"{starts:%d.%m.%Y}", time=f"{starts:%H.%M}", place=place)

    def positions(self, meeting, name: str, titles: list[str]) -> Mail:
        """Issue 13: a member's new position tasks, with the deadline (the meeting's start)."""
        starts = meeting.starts_at.astimezone(COPENHAGEN)
        return self._mail(POSITIONS_TAG, POSITIONS_SUBJECT, POSITIONS_BODY, name=name, title=meeting.title,
                          deadline=f"{starts:%d.%m.%Y %H.%M}", items="\n".join(f"- {t}" for t in titles),
                          url=self.links("home"))

    def minutes(self, meeting, name: str, deadline: datetime) -> Mail:
        return self._mail(MINUTES_TAG, MINUTES_SUBJECT, MINUTES_BODY, name=name, title=meeting.title,
                          url=self.links("council.meeting", meeting_id=meeting.id),
                          deadline=f"{deadline.astimezone(COPENHAGEN):%d.%m.%Y}")
