"""Issue 13, the hearing's part of "nobody is left unaware": an answer received (to the secretariat, and a
receipt to the party), and the hearings waiting for a municipality contact's answer (for the inbox).

Kept beside the service (which calls these) so that the service stays one module of access rules."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..directory import MUNICIPALITY_CONTACT, SECRETARIAT, User, UserRole
from ..i18n import N_
from ..inbox import WaitingItem
from ..lanes import is_secretariat
from ..links import Links
from ..notifications import notify
from .mail import TEMPLATES
from .models import Hearing, HearingParty, HearingResponse, HearingStatus

ANSWER = "hearing.answer"
RECEIPT = "hearing.receipt"  # not optional (workflows/notifications.py)


def answer_received(session: Session, party: HearingParty, response: HearingResponse, links: Links,
                    now: datetime) -> None:
    """The secretariat learns of the answer as each chose; the party gets its receipt at once (its mailbox
    has no account), and so does the contact who answered for it, unless their address is the party's."""
    hearing = party.hearing
    staff_url = links("hearing.staff", hearing_id=hearing.id)
    secretariat = session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                  .where(UserRole.role == SECRETARIAT, User.active.is_(True))
                                  .order_by(User.id)).unique()
    for user in secretariat:
        if user.email:
            subject, body = TEMPLATES.render("answer_received", name=user.name, hearing=hearing, party=party,
                                             response=response, url=staff_url)
            notify(session, ANSWER, to=user.email, to_name=user.name, subject=subject, body=body,
                   user_id=user.id, case_id=hearing.case_id, now=now)
    contact = session.scalar(select(User).where(User.username == response.submitted_by))
    receivers = []
    if party.email:
        receivers.append((party.email, party.name, None))
    if (contact is not None and contact.email and contact.active
            and contact.email.lower() != (party.email or "").lower()):
        receivers.append((contact.email, contact.name, contact.id))
    for address, name, user_id in receivers:
        subject, body = TEMPLATES.render("receipt", name=name, hearing=hearing, party=party, response=response,
                                         url=links("hearing.public", hearing_id=hearing.id))
        notify(session, RECEIPT, to=address, to_name=name, subject=subject, body=body, user_id=user_id,
               case_id=hearing.case_id, now=now)


def waiting_for(session: Session, user: User | None, links: Links, now: datetime) -> list[WaitingItem]:
    """For a municipality contact: the open hearings, before their deadline, that the municipality has not
    answered (one query over the hearing, party and response rows). For the secretariat: the hearings with
    late answers waiting for its decision (the hearing's counter)."""
    if is_secretariat(user):
        late = session.execute(select(Hearing.id, Hearing.title).where(Hearing.late_pending_count > 0)
                               .order_by(Hearing.deadline_at, Hearing.id)).all()
        return [WaitingItem(kind="hearing.late", title=title, url=links("hearing.staff", hearing_id=hearing_id),
                            status=N_("Late answers wait for your decision")) for hearing_id, title in late]
    if user is None or not user.has_role(MUNICIPALITY_CONTACT) or user.municipality_id is None:
        return []
    answered = select(HearingResponse.id).where(HearingResponse.party_id == HearingParty.id).exists()
    rows = session.execute(
        select(Hearing.id, Hearing.title, Hearing.deadline_at)
        .join(HearingParty, HearingParty.hearing_id == Hearing.id)
        .where(HearingParty.municipality_id == user.municipality_id, Hearing.status == HearingStatus.OPEN.value,
               Hearing.deadline_at > now, ~answered)
        .order_by(Hearing.deadline_at, Hearing.id)).all()
    return [WaitingItem(kind="hearing.answer", title=title, due=deadline,
                        url=links("hearing.staff", hearing_id=hearing_id),
                        status=N_("Your municipality has not answered yet"))
            for hearing_id, title, deadline in rows]
