"""Demo data of the access-request family: an open request on a proposal's documents (one assessed), and a
decided one with its decision letter (called by one line in workflows/demo.py)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Document


def demo(session: Session, byplan, secretariat) -> None:
    service = byplan.access_requests
    case_id = session.scalar(select(Document.case_id).where(Document.case_id.is_not(None)).order_by(Document.id))
    open_req = service.submit(session, {"name": "Jens Journalist", "email": "jens@avis.example",
                                        "asked": "Dokumenterne om fælles brugerstyring",
                                        **({"case_id": case_id} if case_id else {})})
    if open_req.documents:
        service.assess(session, secretariat, open_req.id, open_req.documents[0].id, {"assessment": "full"})
    decided = service.submit(session, {"name": "Birthe Borger", "email": "birthe@borger.example",
                                       "asked": "Aktlisten for sagen om netværksmøder"})
    service.set_listing(session, secretariat, decided.id, True)
    service.decide(session, secretariat, decided.id, True)
