"""Demo data of the access-request family: a request decided in two steps (a partial decision releasing the
clear document first, then the final one with the journal listing), so the demo's task lists stay as they
were (called by one line in workflows/demo.py)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Document


def demo(session: Session, byplan, secretariat) -> None:
    service = byplan.access_requests
    case_id = session.scalar(select(Document.case_id).where(Document.case_id.is_not(None)).order_by(Document.id))
    req = service.submit(session, {"name": "Jens Journalist", "email": "jens@avis.example",
                                   "asked": "Dokumenterne om fælles brugerstyring",
                                   **({"case_id": case_id} if case_id else {})})
    service.set_listing(session, secretariat, req.id, True)
    for n, item in enumerate(req.documents):
        service.assess(session, secretariat, req.id, item.id, {"assessment": "full"} if n == 0 else
                       {"assessment": "refused", "legal_basis": "23", "reason": "Internt arbejdsdokument"})
        if n == 0:
            service.decide(session, secretariat, req.id, False)
    service.decide(session, secretariat, req.id, True)
