"""The hearing service's feeds: the public and personal deadline calendars and the demo mailbox
(a mixin of `Hearings`, kept apart so the service module stays small)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import NotFound
from engine.mail import recent_mail

from ..directory import User
from ..lanes import is_admin, is_secretariat, is_staff
from . import calendar
from .access import may_see_staff_pages
from .models import Hearing, HearingParty, HearingStatus


class HearingFeeds:
    # ---------------------------------------------------------- calendars
    def public_calendar(self, session: Session, name: str) -> bytes:
        return calendar.deadlines_calendar(self.public(session), self.links, name)

    def for_user(self, session: Session, user: User) -> list[Hearing]:
        """The hearings whose deadlines concern a user: all for staff, their municipality's for a contact."""
        query = select(Hearing).where(Hearing.status != HearingStatus.DRAFT.value)
        if not may_see_staff_pages(user):
            if user.municipality_id is None:
                return []
            query = query.join(HearingParty, HearingParty.hearing_id == Hearing.id).where(
                HearingParty.municipality_id == user.municipality_id)
        elif not is_staff(user):
            query = query.where(Hearing.working_group_id.in_(user.group_ids))
        return list(session.scalars(query.order_by(Hearing.deadline)))

    def user_calendar(self, session: Session, user_id: int, name: str) -> bytes:
        """The deadline feed of an active user (whose feed link the caller has verified); NotFound otherwise."""
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise NotFound(f"user {user_id}")
        return calendar.deadlines_calendar(self.for_user(session, user), self.links, name.format(name=user.name))

    # ------------------------------------------------------------ demo mailbox
    def demo_mailbox(self, session: Session, user: User | None, *, sink_backend: bool, limit: int = 100,
                     offset: int = 0) -> list:
        """The demo's mailbox of queued mails: only with the "sink" mail backend, for the secretariat and
        administrators (NotFound for anyone else, as if the page did not exist)."""
        if not sink_backend or not (is_secretariat(user) or is_admin(user)):
            raise NotFound("mailbox")
        return recent_mail(session, limit, offset)
