"""Demo data for the council's open data (issue 15): material on today's public meeting, so the OParl API
has a file to give (an accessible PDF of KOMBIT's status, on the information item)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AgendaItem, AgendaItemDocument, Meeting


def demo(session: Session, byplan, secretariat) -> None:
    from ..pdf import render_pdf

    item = session.scalars(select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
                           .where(Meeting.agenda_published_at.is_not(None), AgendaItem.title == "Nyt fra KOMBIT")
                           .order_by(AgendaItem.id)).first()
    if item is None:
        return
    from datetime import timedelta

    content = render_pdf("pdf/example.html", {"when": item.meeting.starts_at + timedelta(hours=1),
                                               "items": ["Støttesystemerne", "Næste skridt"]},
                         title="Status på de fælleskommunale løsninger")
    # The demo's meeting is already over (its agenda can no longer change): the material is put on the item
    # as if it had been sent with the agenda.
    version = byplan.documents.add(session, case_id=item.meeting.case_id, filename="kombit-status.pdf",
                                   content=content, actor=secretariat.username, title="KOMBITs statusnotat")
    item.documents.append(AgendaItemDocument(document_id=version.document_id))
    session.flush()
    if byplan.search is not None:
        byplan.search.meeting(session, item.meeting, True)
