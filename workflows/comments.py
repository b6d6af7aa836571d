"""Internal comments on a case, with @-mentions that notify the mentioned colleague through the outbox.

A comment is internal: it is shown on the case page to those who may see the case, never in public
pages, feeds or search. Writing `@username` mentions a user; each mentioned user gets a mail of the
kind "case.mention" (workflows/notifications.py: at once, in the digest or not at all, as they chose).
A mention of someone who does not exist or may not see the case is refused on the field, so nobody is
told about a case they cannot open.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from marshmallow import ValidationError
from sqlalchemy import JSON, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine import Forbidden, NotFound
from engine.models import Base, Case, utcnow

from . import lanes
from .directory import User
from .forms import FormInvalid, FormSchema, flatten_errors, text
from .i18n import N_
from .mailtext import MailTemplates
from .notifications import notify

MAX_BODY = 5000
MAX_MENTIONS = 20
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.\-æøåÆØÅ]+[A-Za-z0-9_æøåÆØÅ])")
TEMPLATES = MailTemplates(Path(__file__).parent / "mail")
MAIL_KIND = "case.mention"


class CaseComment(Base):
    __tablename__ = "case_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list] = mapped_column(JSON, default=list)  # user names
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommentSchema(FormSchema):
    body = text(N_("Comment"), required=True, max_length=MAX_BODY, widget="textarea",
                help=N_("Internal: only those who may see the case read it. Write @username to notify a colleague."))


def mentioned(body: str) -> list[str]:
    """The user names mentioned in a text, each once, in order."""
    seen: list[str] = []
    for name in MENTION.findall(body):
        if name not in seen:
            seen.append(name)
    return seen


def _case(session: Session, user: User, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id}")
    if not lanes.may_view_case(user, case.scope):
        raise Forbidden(N_("You do not have access to this case."))
    return case


def comments_for(session: Session, user: User, case_id: int) -> list[CaseComment]:
    _case(session, user, case_id)
    return list(session.scalars(select(CaseComment).where(CaseComment.case_id == case_id)
                                .order_by(CaseComment.created_at, CaseComment.id)))


def add_comment(session: Session, user: User, case_id: int, raw: dict, *, audit, links, now: datetime
                ) -> CaseComment:
    """Store the comment, audit it and mail every mentioned user (as each chose); FormInvalid on the field."""
    case = _case(session, user, case_id)
    try:
        values = CommentSchema().load_form({"body": raw.get("body")} if raw.get("body") is not None else {})
    except ValidationError as exc:
        raise FormInvalid(flatten_errors(exc.normalized_messages())) from None
    body = values["body"]
    names = mentioned(body)
    if len(names) > MAX_MENTIONS:
        raise FormInvalid({"body": [N_("Mention at most 20 colleagues in one comment.")]})
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(names),
                                                                      User.active.is_(True))).unique()} if names else {}
    unknown = [n for n in names if n not in users]
    if unknown:
        raise FormInvalid({"body": [N_("A mentioned user name (after @) is not an active user.")]})
    blind = [n for n in names if not lanes.may_view_case(users[n], case.scope)]
    if blind:
        raise FormInvalid({"body": [N_("A mentioned colleague may not see this case, so cannot be mentioned.")]})
    row = CaseComment(case_id=case.id, author=user.username, body=body, mentions=names, created_at=now)
    session.add(row)
    session.flush()
    audit.append(session, kind="case.comment", actor=user.username, case_id=case.id, summary=f"comment {row.id}",
                 detail={"comment_id": row.id, "mentions": names})
    for name in names:
        target = users[name]
        if target.id == user.id:
            continue
        subject, text_ = TEMPLATES.render("mention", name=target.name, author=user.name, case_title=case.title,
                                          body=body, case_url=links("case", case_id=case.id),
                                          settings_url=links("account.notifications"))
        notify(session, MAIL_KIND, to=target.email, to_name=target.name, subject=subject, body=text_,
               user_id=target.id, case_id=case.id, now=now)
    return row
