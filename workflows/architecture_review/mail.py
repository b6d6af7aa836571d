"""The architecture-review family's mail: a request (to the secretariat), the assignment (to the reviewers),
the decision and a dispensation's coming expiry (to the owner), a cited rule's change (to the owner). Texts
are templates in mail/<language>/; they go out through workflows.notifications as each recipient chose."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..directory import SECRETARIAT, User, UserRole
from ..mailtext import MailTemplates
from ..notifications import notify

TEMPLATES = MailTemplates(Path(__file__).parent / "mail")
SUBMITTED = "review.submitted"
ASSIGNED = "review.assigned"
DECIDED = "review.decided"
EXPIRING = "review.dispensation_expiring"
RULE_CHANGED = "review.rule_changed"


def send(session: Session, template: str, kind: str, users, *, case_id: int | None, now, **context) -> None:
    with session.no_autoflush:  # sent from task forms before the case's save (one version per completion)
        for user in users:
            if user is None or not user.email:
                continue
            subject, body = TEMPLATES.render(template, name=user.name, **context)
            notify(session, kind, to=user.email, to_name=user.name, subject=subject, body=body, user_id=user.id,
                   case_id=case_id, now=now)


def secretariat(session: Session) -> list[User]:
    with session.no_autoflush:
        return list(session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                    .where(UserRole.role == SECRETARIAT, User.active.is_(True))
                                    .order_by(User.id)).unique())


def users_named(session: Session, usernames: list[str]) -> list[User]:
    if not usernames:
        return []
    with session.no_autoflush:
        return list(session.scalars(select(User).where(User.username.in_(usernames)).order_by(User.id)).unique())
