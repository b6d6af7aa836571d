"""The proposal family's mail (issue 13): a proposal submitted (to the secretariat), screened or returned (to
the working group). Texts are templates in mail/<language>/; they go out through workflows.notifications
as each recipient chose."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from ..directory import SECRETARIAT, GroupMembership, User, UserRole
from ..mailtext import MailTemplates
from ..notifications import notify

TEMPLATES = MailTemplates(Path(__file__).parent / "mail")
SUBMITTED = "proposal.submitted"
SCREENED = "proposal.screened"


def _send(session: Session, template: str, kind: str, users, *, case_id: int | None, now, **context) -> None:
    for user in users:
        if not user.email:
            continue
        subject, body = TEMPLATES.render(template, name=user.name, **context)
        notify(session, kind, to=user.email, to_name=user.name, subject=subject, body=body, user_id=user.id,
               case_id=case_id, now=now)


def _recipient():
    """A recipient needs a name and an address, not the roles and memberships a User loads with (bench P1)."""
    return lazyload(User.role_rows), lazyload(User.memberships)


def secretariat(session: Session) -> list[User]:
    return list(session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                .where(UserRole.role == SECRETARIAT, User.active.is_(True))
                                .order_by(User.id).options(*_recipient())).unique())


def group_members(session: Session, group_id: int) -> list[User]:
    return list(session.scalars(select(User).join(GroupMembership, GroupMembership.user_id == User.id)
                                .where(GroupMembership.group_id == group_id, User.active.is_(True))
                                .order_by(User.id).options(*_recipient())).unique())


# Sent from task forms, before the engine saves the case: the queries run without an autoflush, so that the
# form's changes to the case row are written once, with the save (one version per completion).

def submitted(session: Session, proposal, *, url: str, submitter: str, now) -> None:
    with session.no_autoflush:
        _send(session, "submitted", SUBMITTED, secretariat(session), case_id=proposal.case_id, now=now,
              proposal=proposal, url=url, submitter=submitter)


def screened(session: Session, proposal, *, complete: bool, hearing: bool, url: str, now) -> None:
    with session.no_autoflush:
        _send(session, "screened", SCREENED, group_members(session, proposal.working_group_id),
              case_id=proposal.case_id, now=now, proposal=proposal, complete=complete, hearing=hearing, url=url)
