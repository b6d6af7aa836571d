"""Demo data for closed items (issue 15): the next council meeting has a closed item with its material."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import utcnow

from .models import Meeting

CLOSED_TITLE = "Forhandling med leverandøren af den fælles brugerstyring"


def demo(session: Session, byplan, secretariat) -> None:
    """The demo's next (upcoming) meeting gets a closed decision item: members and staff see it, the public
    agenda, minutes, feed, search and API only "Lukket punkt"."""
    council = byplan.council
    upcoming = session.scalars(select(Meeting).where(Meeting.starts_at > utcnow())
                               .order_by(Meeting.starts_at, Meeting.id)).first()
    if upcoming is None:
        return
    item = council.add_item(session, secretariat, upcoming.id, {
        "kind": "decision", "title": CLOSED_TITLE,
        "description": "Rådets mandat til sekretariatets videre forhandling om pris og vilkår."})
    council.add_material(session, secretariat, item.id, "forhandlingsoplaeg.txt",
                         "Forhandlingsoplæg: pris, vilkår og exit-klausul. Fortroligt.".encode())
    council.close_item(session, secretariat, item.id, {
        "reason": "Forhandling med en leverandør: offentlighed ville skade kommunernes forhandlingsposition."})
