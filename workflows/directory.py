"""Users, roles, working groups, municipalities and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint, or_, select, update
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, relationship

from engine.models import Base, utcnow

from .folding import fold_on_set, folded_column
from .i18n import N_

# The shortest password anyone sets (an administrator for a user, or a user for themselves).
MIN_PASSWORD = 10

SECRETARIAT = "secretariat"
COUNCIL_MEMBER = "council_member"
COUNCIL_CHAIR = "council_chair"
WG_MEMBER = "wg_member"
MUNICIPALITY_CONTACT = "municipality_contact"
ADMIN = "admin"
# issue 14: a KL/KOMBIT project lead who submits projects for architecture review; a member of the
# architecture board (Arkitekturboard), given with a board membership (workflows/architecture_review)
PROJECT_OWNER = "project_owner"
BOARD_MEMBER = "board_member"

ROLE_LABELS = {
    SECRETARIAT: N_("Secretariat"),
    COUNCIL_MEMBER: N_("Council member"),
    COUNCIL_CHAIR: N_("Council chair"),
    WG_MEMBER: N_("Working-group member"),
    MUNICIPALITY_CONTACT: N_("Municipality contact"),
    ADMIN: N_("Administrator"),
    PROJECT_OWNER: N_("Project owner"),
    BOARD_MEMBER: N_("Architecture board member"),
}

# The argon2 hasher of code that is given none (the tests' and the benchmarks' own fixtures set cheap
# parameters here). The app's services get theirs from runtime.build and pass it on explicitly.
_hasher = PasswordHasher()


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Replace the default argon2 parameters (tests use cheap ones; production keeps the defaults)."""
    global _hasher
    _hasher = hasher


def default_password_hasher() -> PasswordHasher:
    return _hasher


class Municipality(Base):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    region: Mapped[str] = mapped_column(String(50))
    # The municipality's mailbox for hearings (høringspostkasse).
    email: Mapped[str | None] = mapped_column(String(254))
    # Unique case-insensitively, Danish letters folded too (workflows.folding).
    name_folded: Mapped[str] = folded_column("name", 100)
    code_folded: Mapped[str] = folded_column("code", 10)
    # Optimistic locking of administrative edits (the edit forms carry it).
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    _fold = fold_on_set("name", "code")


class WorkingGroup(Base):
    __tablename__ = "working_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(String(1000), default="")
    name_folded: Mapped[str] = folded_column("name", 200)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    #: issue 15 (OParl): when the group was made and last changed (the open-data API's created/modified)
    created_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    modified_at: Mapped[datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}
    _fold = fold_on_set("name")

    @property
    def scope(self) -> str:
        return group_scope(self.id)


def group_scope(group_id: int) -> str:
    return f"wg:{group_id}"


class TermMembership:
    """A user's seat on a body for a term (the council, the architecture board): one row per user, versioned
    so that a stale administrator's edit is refused."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    is_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}

    def active(self, on: date) -> bool:
        return self.term_start <= on and (self.term_end is None or on <= self.term_end)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    username_folded: Mapped[str] = folded_column("username", 100)
    # Optimistic locking of administrative edits; a change of roles alone bumps it too (workflows.admin).
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    _fold = fold_on_set("username")

    # Joined: every request loads the user with its roles and groups in one query.
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="joined")
    memberships: Mapped[list[GroupMembership]] = relationship(cascade="all, delete-orphan", lazy="joined")
    municipality: Mapped[Municipality | None] = relationship()

    @property
    def roles(self) -> set[str]:
        roles = {r.role for r in self.role_rows}
        if self.memberships:
            roles.add(WG_MEMBER)
        return roles

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def group_ids(self) -> set[int]:
        return {m.group_id for m in self.memberships}

    def leads(self, group_id: int) -> bool:
        return any(m.group_id == group_id and m.is_lead for m in self.memberships)

    def set_password(self, password: str, hasher: PasswordHasher | None = None) -> None:
        self.password_hash = (hasher or _hasher).hash(password)

    def check_password(self, password: str, hasher: PasswordHasher | None = None) -> bool:
        try:
            return (hasher or _hasher).verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(50))


class GroupMembership(Base):
    __tablename__ = "group_membership"
    __table_args__ = (UniqueConstraint("user_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"))
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)

    group: Mapped[WorkingGroup] = relationship(lazy="joined")


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    def use_due(self, now: datetime | None = None) -> bool:
        """Whether a use now is to be recorded (record_token_use): never used, or not for a minute."""
        return self.last_used_at is None or (now or utcnow()) - self.last_used_at > TOKEN_TOUCH_INTERVAL


TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def token_hash(token: str) -> str:
    """How secret tokens (API tokens, personal links) are stored: never in clear."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(session: Session, username: str, name: str, email: str, password: str,
                roles: tuple[str, ...] = (), municipality: Municipality | None = None,
                hasher: PasswordHasher | None = None) -> User:
    user = User(username=username, name=name, email=email, municipality=municipality)
    user.set_password(password, hasher)
    user.role_rows = [UserRole(role=r) for r in roles if r != WG_MEMBER]
    session.add(user)
    session.flush()
    return user


def add_member(session: Session, user: User, group: WorkingGroup, lead: bool = False) -> None:
    user.memberships.append(GroupMembership(group=group, group_id=group.id, is_lead=lead))
    session.flush()


def authenticate(session: Session, username: str, password: str,
                 hasher: PasswordHasher | None = None) -> User | None:
    hasher = hasher or _hasher
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        hasher.hash(password)  # spend the same time for unknown users
        return None
    return user if user.check_password(password, hasher) else None


def create_token(session: Session, user: User, label: str = "") -> str:
    token = "bp_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=token_hash(token), label=label))
    session.flush()
    return token


def api_token(session: Session, token: str) -> ApiToken | None:
    """The token row of a bearer token, if it is valid (not revoked, its user active). Only reads: the
    caller records the use afterwards (record_token_use), outside the action's unit of work."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token),
                                                ApiToken.revoked_at.is_(None)))
    if row is None or not row.user.active:
        return None
    return row


def record_token_use(session: Session, token_id: int, now: datetime | None = None) -> bool:
    """Record a token's last use, at most once per TOKEN_TOUCH_INTERVAL (a read must not always write);
    True if it was recorded. One conditional UPDATE: two requests at once record it once."""
    now = now or utcnow()
    result = session.execute(
        update(ApiToken).where(ApiToken.id == token_id, or_(ApiToken.last_used_at.is_(None),
                                                            ApiToken.last_used_at < now - TOKEN_TOUCH_INTERVAL))
        .values(last_used_at=now).execution_options(synchronize_session=False))
    return bool(result.rowcount)
