"""Demo data of the council as a board (issue 15): on the next council meeting, a member's declared conflict
of interest on its first decision item, ruled by the chair (so the member gets no position task for it when
the agenda is published), and a member's registered absence with a substitute who acts for them there."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..directory import User
from .board import Board
from .models import OPEN_STATUSES, ItemKind, Meeting, items


def load_board_demo(session: Session, byplan) -> None:
    meeting = session.scalar(select(Meeting).where(Meeting.status.in_([s.value for s in OPEN_STATUSES]))
                             .order_by(Meeting.starts_at.desc()).limit(1))
    if meeting is None:
        return
    users = {u.username: u for u in session.scalars(select(User).where(
        User.username.in_(("formand", "raad4", "raad5", "arkitekt")))).unique()}
    board = Board(byplan.council)
    decision = next((i for i in items(session, meeting.id) if i.kind == ItemKind.DECISION), None)
    if decision is not None:
        board.declare_conflict(session, users["raad4"], decision.id, {
            "reason": "Jeg har som ansat i Aarhus Kommune deltaget i udarbejdelsen af referencearkitekturen."})
        board.rule_conflict(session, users["formand"], decision.id, {
            "member": "raad4", "ruling": "conflicted", "reason_public": "1",
            "note": "Medlemmet har medvirket til forslaget og deltager ikke i behandlingen."})
    board.register_absence(session, users["raad5"], meeting.id, {
        "substitute": "arkitekt", "reason": "Forhindret; Amalie Arkitekt er stedfortræder ved mødet."})
