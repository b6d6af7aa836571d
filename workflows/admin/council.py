"""Council terms: the council members' records (term, organisation), the council roles and the one chair."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import NotFound

from ..council import CouncilMember
from ..directory import COUNCIL_CHAIR, COUNCIL_MEMBER, User, UserRole
from ..forms import load_values
from ..i18n import N_
from ..lanes import require_admin
from .common import AdminBase, Locked, invalid, plain, take_edit, today
from .forms import CouncilMemberForm, EndTermForm, TermForm

COUNCIL_TERM = Locked(
    N_("The council member"), TermForm,
    lambda m: {"term_start": m.term_start.isoformat(), "term_end": m.term_end.isoformat() if m.term_end else "",
               "organisation": m.organisation or "", "is_chair": "1" if m.is_chair else ""},
    lambda m: m.user.name)


class CouncilAdmin(AdminBase):
    def council_members(self, session: Session, actor: User) -> list[CouncilMember]:
        require_admin(actor)
        return list(session.scalars(select(CouncilMember).join(User, User.id == CouncilMember.user_id)
                                    .order_by(CouncilMember.term_end.is_not(None), User.name)).unique())

    def get_council_member(self, session: Session, actor: User | None, member_id: int) -> CouncilMember:
        require_admin(actor)
        row = session.get(CouncilMember, member_id)
        if row is None:
            raise NotFound(f"council member {member_id}")
        return row

    def council_candidates(self, session: Session, actor: User | None) -> list[tuple[str, str]]:
        require_admin(actor)
        registered = set(session.scalars(select(CouncilMember.user_id)))
        return self.user_choices(session, actor, exclude=registered)

    @staticmethod
    def _grant(user: User, role: str) -> None:
        if role not in {r.role for r in user.role_rows}:
            user.role_rows.append(UserRole(role=role))

    @staticmethod
    def _revoke(user: User, *roles: str) -> None:
        user.role_rows = [r for r in user.role_rows if r.role not in roles]

    def _make_chair(self, session: Session, member: CouncilMember) -> str | None:
        """One chair at a time: the chair flag and the chair role move to `member`; returns the previous chair."""
        if not member.active(today()):
            raise invalid("is_chair", N_("Only a member whose term is current can be the chair."))
        previous = None
        for other in session.scalars(select(CouncilMember).where(CouncilMember.is_chair.is_(True),
                                                                 CouncilMember.id != member.id)).unique():
            other.is_chair = False
            self._revoke(other.user, COUNCIL_CHAIR)
            previous = other.user.username
        member.is_chair = True
        self._grant(member.user, COUNCIL_CHAIR)
        return previous

    def register_council_member(self, session: Session, actor: User, raw: dict) -> CouncilMember:
        """A council member: the record with the term, and the council-member role (the lanes follow roles)."""
        require_admin(actor)
        raw, _edit = take_edit(raw)
        values = load_values(CouncilMemberForm, raw)
        user = session.get(User, values["user_id"])
        if user is None or not user.active:
            raise invalid("user_id", N_("Choose one of the options."))
        if session.scalar(select(CouncilMember.id).where(CouncilMember.user_id == user.id)):
            raise invalid("user_id", N_("The user is already registered; change their term on their page."))
        member = CouncilMember(user_id=user.id, user=user, term_start=values["term_start"],
                               term_end=values.get("term_end"), organisation=values.get("organisation") or "",
                               is_chair=False)
        session.add(member)
        session.flush()
        self._follow_term(member)
        detail = {"user": user.username, "term_start": member.term_start.isoformat(),
                  "term_end": member.term_end.isoformat() if member.term_end else None,
                  "organisation": member.organisation, "chair": values["is_chair"]}
        if values["is_chair"]:
            detail["previous_chair"] = self._make_chair(session, member)
        self._log(session, actor, f"{user.username} registered as council member", detail)
        return member

    def edit_council_member(self, session: Session, actor: User, member_id: int, raw: dict) -> CouncilMember:
        """The term, organisation and chair. A form read from an older version of the record is refused."""
        require_admin(actor)
        member = self.get_council_member(session, actor, member_id)
        raw, edit = take_edit(raw)
        values = load_values(TermForm, raw)
        COUNCIL_TERM.check(member, edit)
        values.setdefault("term_end", None)
        values["organisation"] = values.get("organisation") or ""
        changes: dict[str, Any] = {}
        for key in ("term_start", "term_end", "organisation"):
            old, new = getattr(member, key), values[key]
            if old != new:
                changes[key] = [plain(old), plain(new)]
                setattr(member, key, new)
        if values["is_chair"] and not member.is_chair:
            changes["chair"] = [False, True]
            changes["previous_chair"] = self._make_chair(session, member)
        elif not values["is_chair"] and member.is_chair:
            changes["chair"] = [True, False]
            member.is_chair = False
            self._revoke(member.user, COUNCIL_CHAIR)
        self._follow_term(member)
        if changes:
            COUNCIL_TERM.flush(session, member)
            self._log(session, actor, f"council member {member.user.username} changed",
                      {"user": member.user.username, "changes": changes})
        return member

    def end_term(self, session: Session, actor: User, member_id: int, raw: dict) -> CouncilMember:
        """Set the last day of a member's term. Once it has passed, the member (and chair) roles go too."""
        require_admin(actor)
        member = self.get_council_member(session, actor, member_id)
        raw, edit = take_edit(raw)
        values = load_values(EndTermForm, raw)
        COUNCIL_TERM.check(member, edit)
        if values["last_day"] < member.term_start:
            raise invalid("last_day", N_("The term cannot end before it starts."))
        old = member.term_end
        member.term_end = values["last_day"]
        self._follow_term(member)
        COUNCIL_TERM.flush(session, member)
        self._log(session, actor, f"term of council member {member.user.username} ends {member.term_end}",
                  {"user": member.user.username, "term_end": [plain(old), plain(member.term_end)]})
        return member

    def _follow_term(self, member: CouncilMember) -> None:
        """A term that has ended takes the council roles and the chair with it."""
        if member.term_end is not None and member.term_end < today():
            member.is_chair = False
            self._revoke(member.user, COUNCIL_MEMBER, COUNCIL_CHAIR)
        else:
            self._grant(member.user, COUNCIL_MEMBER)
