"""Helpers for the access-request tests and steps: a travelling clock, documents, the outbox."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

# Monday 2 March 2026, 10:00 Copenhagen (09:00 UTC): 7 working days later is Wednesday 11 March,
# the 5th working day Monday 9 March.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def service(app):
    return app.extensions["byplan"].access_requests


def add_document(app, title: str, content: bytes = b"indhold", case_id: int | None = None) -> int:
    from web.extensions import db

    with app.app_context():
        version = app.extensions["byplan"].documents.add(db.session, case_id=case_id, filename=f"{title}.txt",
                                                         content=content, actor="secretary", title=title)
        db.session.commit()
        return version.document_id


def mails(app, tag: str):
    from engine.mail import OutboxMail
    from web.extensions import db

    with app.app_context():
        return [(m.to_address, m.subject, m.body) for m in db.session.scalars(
            select(OutboxMail).where(OutboxMail.tag == tag).order_by(OutboxMail.id))]


def submit(app, **values):
    from web.extensions import db

    raw = {"name": "Anna Andersen", "email": "anna@example.org", "asked": "Referatet af rådsmødet", **values}
    with app.app_context():
        req = service(app).submit(db.session, raw)
        db.session.commit()
        return req.id, req.number


def act(app, people, method: str, *args, **kwargs):
    """Call a service method as the secretary in one committed transaction; returns its result."""
    from web.extensions import db

    with app.app_context():
        result = getattr(service(app), method)(db.session, people.user("secretary"), *args, **kwargs)
        db.session.commit()
        return result


def request_row(app, request_id: int):
    from web.extensions import db
    from workflows.access_request import AccessRequest

    with app.app_context():
        req = db.session.get(AccessRequest, request_id)
        db.session.expunge_all()
        return req


def fire_timers(app) -> int:
    return app.extensions["byplan"].engine.fire_due_timers()


def ready_tasks(app, request_id: int) -> list[str]:
    from engine.models import ReadyTask
    from web.extensions import db
    from workflows.access_request import AccessRequest

    with app.app_context():
        case_id = db.session.get(AccessRequest, request_id).case_id
        return sorted(db.session.scalars(select(ReadyTask.spec_name).where(ReadyTask.case_id == case_id)))


def token_of(body: str) -> str:
    line = next(line for line in body.splitlines() if "/aktindsigt/hent/" in line)
    return line.strip().rsplit("/", 1)[1]
