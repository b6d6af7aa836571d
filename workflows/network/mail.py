"""The network family's mail: registration opened, practical information with an invitation, and the
evaluation link. Texts are templates in mail/<language>/; they go out through the outbox."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from ..mailtext import MailTemplates
from ..notifications import notify

TEMPLATES = MailTemplates(Path(__file__).parent / "mail")


def send(session: Session, template: str, *, to: str, to_name: str, case_id: int | None, tag: str,
         ics: str | None = None, user_id: int | None = None, **context) -> None:
    """Render `template` and send it as the recipient chose (workflows.notifications: `tag` is the kind;
    a person without an account, `user_id` None, gets it at once)."""
    subject, body = TEMPLATES.render(template, name=to_name, **context)
    notify(session, tag, to=to, to_name=to_name, case_id=case_id, subject=subject, body=body, ics=ics,
           user_id=user_id)
