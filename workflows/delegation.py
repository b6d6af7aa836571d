"""Out-of-office delegation: a user names a delegate and a period; in it, the delegate acts for them.

The general, period-based mechanism (a council meeting's substitute is a one-meeting case of the same
idea): `acting_for_task` resolves who may act on a task assigned to someone and how the act is
labelled ("Y for X"), `DelegatedAudit` writes the principal's audit events as the delegate's with
`acting_for` in their detail, and the timeline reads them as "Y for X" (workflows/timeline.py).

Only tasks assigned to the principal (an `assignee`, e.g. a council member's position) are delegated,
not their roles: the delegate sees the principal's assigned tasks in the inbox, may open and complete
them, and the task's form runs as the principal's (records stay the principal's), while the audit
log and the timeline say who acted. One level only: a delegate's own delegation does not pass on.

A council meeting's substitute (stedfortræder, workflows/council/board.py) is the same mechanism bound to
one case instead of a period: an absent member's registered substitute acts for them on the member's
assigned tasks in that meeting's case only (`substitutions_for`), while the council's rules allow
substitutes; a task of any other case stays the member's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError, validates_schema
from sqlalchemy import Date, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.models import Base, utcnow

from .dates import COPENHAGEN
from .directory import User
from .errors import DomainError
from .forms import FormInvalid, FormSchema, date_field, flatten_errors, text
from .i18n import N_

MAX_DAYS = 366


class Delegation(Base):
    """`principal` is away from `starts_on` to `ends_on` (both included); `delegate` acts for them."""

    __tablename__ = "delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(100), index=True)
    delegate: Mapped[str] = mapped_column(String(100), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class DelegationError(DomainError):
    key = "delegate"


class DelegationSchema(FormSchema):
    delegate = text(N_("Delegate (user name)"), required=True, max_length=100,
                    help=N_("The colleague who takes your assigned tasks while you are away."))
    starts_on = date_field(N_("From"))
    ends_on = date_field(N_("To (included)"))
    note = text(N_("Note"), max_length=500)

    @validates_schema
    def _period(self, data, **kwargs):
        if "starts_on" in data and "ends_on" in data:
            if data["ends_on"] < data["starts_on"]:
                raise ValidationError(N_("The period ends before it starts."), "ends_on")
            if (data["ends_on"] - data["starts_on"]).days > MAX_DAYS:
                raise ValidationError(N_("A delegation lasts at most a year."), "ends_on")


@dataclass(frozen=True)
class Acting:
    """Who acts on a task: `actor` (the signed-in user), for `principal` (None: for themselves)."""

    actor: User
    principal: User | None = None

    @property
    def delegated(self) -> bool:
        return self.principal is not None

    @property
    def as_user(self) -> User:
        """The user the task's form runs as: the principal's records are written for the principal."""
        return self.principal or self.actor

    @property
    def label(self) -> str:
        return act_label(self.actor.name, self.principal.name) if self.principal else self.actor.name


def act_label(delegate: str, principal: str) -> str:
    """How a delegated act is labelled, in Danish and English alike: "Y for X"."""
    return f"{delegate} for {principal}"


def today(now: datetime) -> date:
    return now.astimezone(COPENHAGEN).date()


def _active(on: date):
    return (Delegation.revoked_at.is_(None), Delegation.starts_on <= on, Delegation.ends_on >= on)


def principals_for(session: Session, delegate: str, on: date) -> list[str]:
    """The user names of those the user acts for on the day."""
    return list(session.scalars(select(Delegation.principal).where(Delegation.delegate == delegate, *_active(on))
                                .order_by(Delegation.principal)))


def delegate_of(session: Session, principal: str, on: date) -> str | None:
    return session.scalar(select(Delegation.delegate).where(Delegation.principal == principal, *_active(on))
                          .order_by(Delegation.id.desc()).limit(1))


def substitutions_for(session: Session, substitute: str) -> list[tuple[str, int]]:
    """(member, case id): the absent council members the user is the registered substitute for, each in
    the case of that one meeting (its position tasks), while the meeting is not over and the council's
    rules allow substitutes."""
    from .council.models import OVER_STATUSES, SUBSTITUTES_ALLOWED, Absence, Meeting

    if not SUBSTITUTES_ALLOWED:
        return []
    rows = session.execute(select(Absence.member, Meeting.case_id).join(Meeting, Meeting.id == Absence.meeting_id)
                           .where(Absence.substitute == substitute, Absence.withdrawn_at.is_(None),
                                  Meeting.case_id.is_not(None),
                                  Meeting.status.not_in([s.value for s in OVER_STATUSES]))
                           .order_by(Absence.id))
    return [(member, case_id) for member, case_id in rows]


def acting_for_task(session: Session, user: User, assignee: str | None, on: date,
                    case_id: int | None = None) -> Acting | None:
    """Whether `user` may act on a task assigned to `assignee` on the day, and as whom.

    A task assigned to nobody or to the user: the user acts for themselves (the caller still checks
    the lane). A task assigned to someone who delegated to the user for the day, or (`case_id`: the
    task's case) a council member whose substitute the user is at that case's meeting: the user acts for
    them. Otherwise None.
    """
    if assignee is None or assignee == user.username:
        return Acting(user)
    if assignee in principals_for(session, user.username, on) or (
            case_id is not None and (assignee, case_id) in substitutions_for(session, user.username)):
        principal = session.scalar(select(User).where(User.username == assignee, User.active.is_(True)))
        if principal is not None:
            return Acting(user, principal)
    return None


class DelegatedAudit:
    """The audit log as a delegate writes it: the principal's events become the delegate's, acting for them."""

    def __init__(self, audit, acting: Acting):
        self._audit = audit
        self._acting = acting

    @property
    def acting(self) -> Acting:
        """Who acts, for whom: a task form records "Y for X" on its own rows from it."""
        return self._acting

    def append(self, session: Session, *, actor: str | None = None, detail: dict | None = None, **kwargs):
        principal = self._acting.principal
        if principal is not None and actor == principal.username:
            actor = self._acting.actor.username
            detail = {**(detail or {}), "acting_for": principal.username}
        return self._audit.append(session, actor=actor, detail=detail, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._audit, name)


# ---------------------------------------------------------------- the user's own delegations

def delegations_of(session: Session, user: User) -> list[Delegation]:
    """The user's delegations not revoked, and those where they are the delegate, the latest first."""
    return list(session.scalars(select(Delegation).where(
        Delegation.revoked_at.is_(None),
        (Delegation.principal == user.username) | (Delegation.delegate == user.username))
        .order_by(Delegation.starts_on.desc(), Delegation.id.desc())))


def create_delegation(session: Session, user: User, raw: dict[str, Any], now: datetime) -> Delegation:
    fields = ("delegate", "starts_on", "ends_on", "note")
    try:
        values = DelegationSchema().load_form({k: raw.get(k) for k in fields if raw.get(k) is not None})
    except ValidationError as exc:
        errors = flatten_errors(exc.normalized_messages())
        raise FormInvalid({k: v for k, v in errors.items() if k in fields or k == "_schema"}) from None
    name = values["delegate"].strip()
    delegate = session.scalar(select(User).where(User.username == name, User.active.is_(True)))
    if delegate is None:
        raise FormInvalid({"delegate": [N_("There is no active user with this user name.")]})
    if delegate.id == user.id:
        raise FormInvalid({"delegate": [N_("You cannot delegate to yourself.")]})
    if values["ends_on"] < today(now):
        raise FormInvalid({"ends_on": [N_("The period has already ended.")]})
    overlapping = session.scalar(select(Delegation.id).where(
        Delegation.principal == user.username, Delegation.revoked_at.is_(None),
        Delegation.starts_on <= values["ends_on"], Delegation.ends_on >= values["starts_on"]).limit(1))
    if overlapping is not None:
        raise FormInvalid({"starts_on": [N_("You already have a delegation in this period; revoke it first.")]})
    row = Delegation(principal=user.username, delegate=delegate.username, starts_on=values["starts_on"],
                     ends_on=values["ends_on"], note=values.get("note") or "", created_at=now)
    session.add(row)
    session.flush()
    return row


def revoke_delegation(session: Session, user: User, delegation_id: int, now: datetime) -> Delegation:
    row = session.get(Delegation, delegation_id)
    if row is None or row.principal != user.username or row.revoked_at is not None:
        raise DelegationError(N_("The delegation does not exist or is already revoked."))
    row.revoked_at = now
    return row
