"""Work waiting for a user that is not a BPMN user task: a hearing their municipality has not answered, a
network round open for its seats, minutes out for approval.

Each family's service offers `waiting_for(session, user) -> list[WaitingItem]`, computed with SQL over the
family's own rows (never deserialising a workflow: the inbox lists them on every visit). `waiting_for`
below collects them from the services it is given, the most urgent first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Iterable

from sqlalchemy.orm import Session

from .dates import COPENHAGEN


@dataclass(frozen=True)
class WaitingItem:
    kind: str  # e.g. "hearing.answer", "network.registration", "council.minutes"
    title: str  # what it is about (a hearing's title, a round's theme, a meeting's title)
    url: str  # the page where the user does it (from the injected links)
    status: str  # what is waiting, a message id (translated by the page)
    due: datetime | date | None = None  # the deadline, if there is one

    @property
    def due_sort(self) -> datetime:
        """The deadline as a moment (a date counts until the end of its day); no deadline sorts last."""
        if self.due is None:
            return datetime.max.replace(tzinfo=timezone.utc)
        if isinstance(self.due, datetime):
            return self.due if self.due.tzinfo else self.due.replace(tzinfo=timezone.utc)
        return datetime.combine(self.due, time(23, 59, 59), COPENHAGEN).astimezone(timezone.utc)


def waiting_for(session: Session, user, services: Iterable) -> list[WaitingItem]:
    """Everything the services say waits for `user`, the nearest deadline first."""
    items: list[WaitingItem] = []
    for service in services:
        if service is not None and hasattr(service, "waiting_for"):
            items.extend(service.waiting_for(session, user))
    return sorted(items, key=lambda i: (i.due_sort, i.title))
