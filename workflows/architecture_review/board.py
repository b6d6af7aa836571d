"""The architecture board's administration (as the council's): the board's mandate and its members' terms.
Administrators only; a member gets the board-member role (the board's task lane) with the membership."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import NotFound

from ..directory import BOARD_MEMBER, User, UserRole
from ..forms import FormInvalid, load_values
from ..i18n import N_
from ..lanes import require_admin
from .forms import BoardForm, BoardMemberForm
from .models import ArchitectureBoard, BoardMember, board_members, the_board


class BoardAdmin:
    def __init__(self, audit=None):
        self.audit = audit

    def board(self, session: Session) -> ArchitectureBoard | None:
        return the_board(session)

    def members(self, session: Session) -> list[BoardMember]:
        return board_members(session)

    def save_board(self, session: Session, actor: User | None, raw: dict) -> ArchitectureBoard:
        require_admin(actor)
        values = load_values(BoardForm, raw)
        board = the_board(session)
        if board is None:
            board = ArchitectureBoard(name=values["name"], mandate=values["mandate"])
            session.add(board)
        board.name, board.mandate = values["name"], values["mandate"]
        session.flush()
        return board

    def add_member(self, session: Session, actor: User | None, raw: dict) -> BoardMember:
        require_admin(actor)
        values = load_values(BoardMemberForm, raw)
        board = the_board(session)
        if board is None:
            raise FormInvalid({"user_id": [N_("Describe the board and its mandate first.")]})
        user = session.get(User, values["user_id"])
        if user is None:
            raise FormInvalid({"user_id": [N_("Choose one of the options.")]})
        if session.scalar(select(BoardMember).where(BoardMember.user_id == user.id)) is not None:
            raise FormInvalid({"user_id": [N_("The user is a member of the board already.")]})
        if values.get("term_end") and values["term_end"] < values["term_start"]:
            raise FormInvalid({"term_end": [N_("The term cannot end before it starts.")]})
        member = BoardMember(board_id=board.id, user_id=user.id, user=user, term_start=values["term_start"],
                             term_end=values.get("term_end"), organisation=values.get("organisation") or "",
                             is_chair=bool(values.get("is_chair")))
        session.add(member)
        if not user.has_role(BOARD_MEMBER):
            session.add(UserRole(user_id=user.id, role=BOARD_MEMBER))
        session.flush()
        return member

    def remove_member(self, session: Session, actor: User | None, member_id: int) -> None:
        require_admin(actor)
        member = session.get(BoardMember, member_id)
        if member is None:
            raise NotFound(f"board member {member_id}")
        for role in session.scalars(select(UserRole).where(UserRole.user_id == member.user_id,
                                                           UserRole.role == BOARD_MEMBER)):
            session.delete(role)
        session.delete(member)
        session.flush()
