"""Users and their roles: the list, create, edit (details and roles), activation and passwords."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine import NotFound

from ..directory import ADMIN, ROLE_LABELS, WG_MEMBER, GroupMembership, Municipality, User, UserRole, create_user
from ..forms import load_values
from ..i18n import N_
from ..lanes import require_admin
from ..sessions import end_sessions
from .common import PAGE_SIZE, AdminBase, AdminError, Locked, Page, invalid, take_edit
from .forms import RECORD_ROLES, PasswordForm, UserCreateForm, UserEditForm

USER = Locked(
    N_("The user"), UserEditForm,
    lambda u: {"name": u.name, "email": u.email, "municipality_id": u.municipality_id or "",
               "roles": ",".join(sorted(r.role for r in u.role_rows if r.role not in RECORD_ROLES))},
    lambda u: u.username)


class UserAdmin(AdminBase):
    def users(self, session: Session, actor: User, q: str = "", role: str = "", page: int = 1) -> Page:
        require_admin(actor)
        query = select(User)
        if q.strip():
            like = f"%{q.strip().lower()}%"
            query = query.where(or_(func.lower(User.name).like(like), func.lower(User.username).like(like),
                                    func.lower(User.email).like(like)))
        if role == WG_MEMBER:
            query = query.where(User.id.in_(select(GroupMembership.user_id)))
        elif role in ROLE_LABELS:
            query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, page), pages)
        rows = list(session.scalars(query.order_by(User.name, User.id).limit(PAGE_SIZE)
                                    .offset((page - 1) * PAGE_SIZE)).unique())
        return Page(rows=rows, total=total, page=page, pages=pages)

    def get_user(self, session: Session, actor: User | None, user_id: int) -> User:
        require_admin(actor)
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id}")
        return user


    def _municipality(self, session: Session, municipality_id: int | None) -> Municipality | None:
        if municipality_id is None:
            return None
        muni = session.get(Municipality, municipality_id)
        if muni is None:
            raise invalid("municipality_id", N_("Choose one of the options."))
        return muni

    def _other_active_admins(self, session: Session, user: User) -> int:
        return session.scalar(select(func.count()).select_from(User).join(UserRole, UserRole.user_id == User.id)
                              .where(UserRole.role == ADMIN, User.active.is_(True), User.id != user.id)) or 0

    def create_user(self, session: Session, actor: User, raw: dict) -> User:
        require_admin(actor)
        raw, _edit = take_edit(raw)
        values = self._load(session, UserCreateForm, raw, ((User, "username", None, N_("This user name is taken.")),))
        username = values["username"]
        muni = self._municipality(session, values.get("municipality_id"))
        roles = sorted(set(values["roles"]))
        user = create_user(session, username, values["name"], values["email"], values["password"], tuple(roles), muni,
                           hasher=self.passwords)
        self._log(session, actor, f"user {username} created",
                  {"user": username, "name": user.name, "email": user.email, "roles": roles,
                   "municipality": muni.name if muni else None})
        return user

    def edit_user(self, session: Session, actor: User, user_id: int, raw: dict) -> User:
        """Details and roles. A form read from an older version of the user is refused (StaleRecord)."""
        require_admin(actor)
        user = self.get_user(session, actor, user_id)
        raw, edit = take_edit(raw)
        values = load_values(UserEditForm, raw)
        USER.check(user, edit)
        muni = self._municipality(session, values.get("municipality_id"))
        old_roles = {r.role for r in user.role_rows}
        new_roles = set(values["roles"]) | (old_roles & RECORD_ROLES)  # the form does not hold those
        if (ADMIN in old_roles and ADMIN not in new_roles and user.active
                and not self._other_active_admins(session, user)):
            raise invalid("roles", N_("This is the last administrator; make someone else an administrator first."))
        changes: dict[str, Any] = {}
        for key, new in (("name", values["name"]), ("email", values["email"])):
            if getattr(user, key) != new:
                changes[key] = [getattr(user, key), new]
                setattr(user, key, new)
        if user.municipality_id != (muni.id if muni else None):
            changes["municipality"] = [user.municipality.name if user.municipality else None,
                                       muni.name if muni else None]
            user.municipality = muni
        if new_roles != old_roles:
            changes["roles"] = [sorted(old_roles), sorted(new_roles)]
            self._set_roles(user, new_roles)
        if changes:
            # The roles live in their own table: touching the row makes a change of roles alone a new version.
            USER.flush(session, user, touch="name")
            self._log(session, actor, f"user {user.username} changed", {"user": user.username, "changes": changes})
        return user

    @staticmethod
    def _set_roles(user: User, roles: set[str]) -> None:
        user.role_rows = [r for r in user.role_rows if r.role in roles] + \
            [UserRole(role=r) for r in sorted(roles - {r.role for r in user.role_rows})]

    def set_active(self, session: Session, actor: User, user_id: int, active: bool) -> User:
        require_admin(actor)
        user = self.get_user(session, actor, user_id)
        if user.active == active:
            return user
        if not active:
            if user.id == actor.id:
                raise AdminError(N_("You cannot deactivate yourself."))
            if user.has_role(ADMIN) and not self._other_active_admins(session, user):
                raise AdminError(N_("This is the last administrator; make someone else an administrator first."))
        user.active = active
        if not active:
            end_sessions(session, user.id)  # a deactivated user's sign-ins end at once
        USER.flush(session, user)  # a concurrent change of the user wins the race: StaleRecord, not a 500
        self._log(session, actor, f"user {user.username} {'reactivated' if active else 'deactivated'}",
                  {"user": user.username, "active": active})
        return user

    def reset_password(self, session: Session, actor: User, user_id: int, raw: dict) -> User:
        require_admin(actor)
        user = self.get_user(session, actor, user_id)
        raw, _edit = take_edit(raw)  # a new password does not depend on what the page showed
        values = load_values(PasswordForm, raw)
        user.set_password(values["password"], self.passwords)
        end_sessions(session, user.id)  # whoever signed in with the old password is signed out
        USER.flush(session, user)
        self._log(session, actor, f"password of {user.username} reset", {"user": user.username})
        return user

    def roles_overview(self, session: Session, actor: User) -> list[tuple[str, str, list[User]]]:
        """(role, label, active members) for every role; working-group members through their groups."""
        require_admin(actor)
        out = []
        for role, label in ROLE_LABELS.items():
            if role == WG_MEMBER:
                query = select(User).where(User.id.in_(select(GroupMembership.user_id)))
            else:
                query = select(User).where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
            out.append((role, label, list(session.scalars(query.order_by(User.name)).unique())))
        return out
