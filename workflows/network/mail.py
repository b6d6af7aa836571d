"""The network family's mail: registration opened, practical information with an invitation, and the
evaluation link. Texts are templates in mail/<language>/; they go out through the outbox."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from engine.mail import fit_subject, queue_mail

from ..mailtext import MailTemplates

TEMPLATES = MailTemplates(Path(__file__).parent / "mail")


def send(session: Session, template: str, *, to: str, to_name: str, case_id: int | None, tag: str,
         ics: str | None = None, **context) -> None:
    subject, body = TEMPLATES.render(template, name=to_name, **context)
    queue_mail(session, to=to, to_name=to_name, case_id=case_id, tag=tag, subject=fit_subject(subject),
               body=body, ics=ics)
