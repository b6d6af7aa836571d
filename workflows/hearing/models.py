"""The hearing family's records, status values and the plain queries over them.

Responses and note points are records here, not workflow tasks: the hearing's workflow stays small
whatever the number of parties, and every list reads these tables (with counters kept on the hearing row).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, and_, false, func, or_, select,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine import NotFound
from engine.models import Base, Document, utcnow

from ..dates import COPENHAGEN
from ..directory import WorkingGroup, group_scope
from ..errors import DomainError
from ..i18n import N_

PROCESS_ID = "hearing"
DEFAULT_WEEKS = 6
DEFAULT_REMINDER_DAYS = 7


# ------------------------------------------------------------ status values (stored as these strings)

class HearingStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    CONCLUDED = "concluded"


class PartyKind(StrEnum):
    MUNICIPALITY = "municipality"
    EXTERNAL = "external"


class LateStatus(StrEnum):
    """A late response's state (HearingResponse.late_status; None for a response on time)."""

    PENDING = "pending"
    ADMITTED = "admitted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


class Disposition(StrEnum):
    """The working group's disposition of a point in the hearing note."""

    INCORPORATED = "incorporated"
    PARTLY = "partly"
    NOT_INCORPORATED = "not_incorporated"
    NOTED = "noted"


class NoteDecision(StrEnum):
    APPROVE = "approve"
    RETURN = "return"


class LateDecision(StrEnum):
    ADMIT = "admit"
    REJECT = "reject"


DISPOSITIONS = [
    (Disposition.INCORPORATED, N_("Incorporated")),
    (Disposition.PARTLY, N_("Partly incorporated")),
    (Disposition.NOT_INCORPORATED, N_("Not incorporated")),
    (Disposition.NOTED, N_("Noted")),
]
STATUS_LABELS = {
    HearingStatus.DRAFT: N_("Being prepared"), HearingStatus.OPEN: N_("Open for responses"),
    HearingStatus.CLOSED: N_("Closed; note being written"), HearingStatus.CONCLUDED: N_("Concluded"),
}
LATE_LABELS = {LateStatus.PENDING: N_("Late, awaiting decision"), LateStatus.ADMITTED: N_("Late, admitted"),
               LateStatus.REJECTED: N_("Late, rejected"), LateStatus.SUPERSEDED: N_("Late, replaced by a newer answer")}


class HearingError(DomainError):
    """An action the hearing's state does not allow; `field` names the form field if any."""

    key = "hearing"


# ------------------------------------------------------------------ records

class Hearing(Base):
    __tablename__ = "hearing"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    working_group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=HearingStatus.DRAFT.value, index=True)
    deadline: Mapped[date] = mapped_column(Date)
    reminder_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_REMINDER_DAYS)
    reminder_working_days: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # or calendar
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    reminder_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    concluded_at: Mapped[datetime | None]
    note_summary: Mapped[str] = mapped_column(Text, default="")
    note_return_reason: Mapped[str | None] = mapped_column(Text)
    note_submitted_at: Mapped[datetime | None]  # set while the note waits for approval: points are frozen
    # counters for the dashboard, kept by recount()
    parties_count: Mapped[int] = mapped_column(Integer, default=0)
    answered_count: Mapped[int] = mapped_column(Integer, default=0)
    late_pending_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    working_group: Mapped[WorkingGroup] = relationship(lazy="joined")

    @property
    def scope(self) -> str:
        return group_scope(self.working_group_id)

    @property
    def is_public(self) -> bool:
        return self.status != HearingStatus.DRAFT


class HearingParty(Base):
    __tablename__ = "hearing_party"
    __table_args__ = (UniqueConstraint("hearing_id", "municipality_id"), UniqueConstraint("hearing_id", "email"))

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # PartyKind
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invited_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    unpublish_requested: Mapped[bool] = mapped_column(Boolean, default=False)

    hearing: Mapped[Hearing] = relationship()


class HearingDocument(Base):
    """The hearing material (documents sent for hearing)."""

    __tablename__ = "hearing_document"
    __table_args__ = (UniqueConstraint("hearing_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))

    document: Mapped[Document] = relationship(lazy="joined")


class HearingResponse(Base):
    __tablename__ = "hearing_response"
    __table_args__ = (UniqueConstraint("party_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("hearing_party.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    text: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by: Mapped[str] = mapped_column(String(200))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    late_status: Mapped[str | None] = mapped_column(String(20))  # LateStatus
    late_reason: Mapped[str | None] = mapped_column(Text)
    late_decided_by: Mapped[str | None] = mapped_column(String(100))
    late_decided_at: Mapped[datetime | None]

    party: Mapped[HearingParty] = relationship(lazy="joined")
    files: Mapped[list[HearingResponseFile]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @hybrid_property
    def considered(self) -> bool:
        """Counts in the hearing note: on time, or late and admitted."""
        return self.current and (not self.late or self.late_status == LateStatus.ADMITTED)

    @considered.inplace.expression
    @classmethod
    def _considered_expression(cls):
        return and_(cls.current.is_(True), or_(cls.late.is_(False), cls.late_status == LateStatus.ADMITTED.value))


class HearingResponseFile(Base):
    __tablename__ = "hearing_response_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("hearing_response.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))

    document: Mapped[Document] = relationship(lazy="joined")


class NotePoint(Base):
    """One point of a response in the hearing note, with the working group's disposition."""

    __tablename__ = "hearing_note_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("hearing_response.id", ondelete="CASCADE"))
    # the section of the consulted text the point concerns (hearing_section.id; None: the whole text)
    section_id: Mapped[int | None] = mapped_column(Integer, index=True)
    point: Mapped[str] = mapped_column(Text)
    disposition: Mapped[str] = mapped_column(String(30))  # Disposition
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    response: Mapped[HearingResponse] = relationship(lazy="joined")


# ------------------------------------------------------------------ queries (no access rules: see service)

def default_deadline(today: date | None = None) -> date:
    """DEFAULT_WEEKS after `today` (the services pass their clock's day; the fallback is for the demo
    and the proposal's call of a hearing, which do not know a clock yet)."""
    from engine.workdays import next_working_day

    return next_working_day((today or utcnow().astimezone(COPENHAGEN).date()) + timedelta(weeks=DEFAULT_WEEKS))


def get_hearing(session: Session, hearing_id: int) -> Hearing:
    hearing = session.get(Hearing, hearing_id)
    if hearing is None:
        raise NotFound(f"hearing {hearing_id}")
    return hearing


def hearing_for_case(session: Session, case_id: int) -> Hearing | None:
    """The hearing a case runs now (a proposal case may have had several; the newest)."""
    return session.scalar(select(Hearing).where(Hearing.case_id == case_id).order_by(Hearing.id.desc()).limit(1))


def parties(session: Session, hearing_id: int) -> list[HearingParty]:
    return list(session.scalars(select(HearingParty).where(HearingParty.hearing_id == hearing_id)
                                .order_by(HearingParty.kind.desc(), HearingParty.name)))


def contact_names(session: Session, hearing_id: int) -> dict[int, list[str]]:
    """The names of the municipality contacts of the hearing's municipality parties, by municipality id
    (one query for the whole hearing): a mail greets them by name, not by the municipality's name."""
    from ..directory import MUNICIPALITY_CONTACT, User, UserRole

    rows = session.execute(
        select(User.municipality_id, User.name).join(UserRole, UserRole.user_id == User.id)
        .join(HearingParty, HearingParty.municipality_id == User.municipality_id)
        .where(HearingParty.hearing_id == hearing_id, UserRole.role == MUNICIPALITY_CONTACT, User.active.is_(True))
        .order_by(User.name)).all()
    names: dict[int, list[str]] = {}
    for municipality_id, name in rows:
        names.setdefault(municipality_id, []).append(name)
    return names


def contact_users(session: Session, hearing_id: int) -> dict[int, list]:
    """The active municipality contacts (users) of the hearing's municipality parties, by municipality id."""
    from ..directory import MUNICIPALITY_CONTACT, User, UserRole

    users: dict[int, list] = {}
    for user in session.scalars(
            select(User).join(UserRole, UserRole.user_id == User.id)
            .join(HearingParty, HearingParty.municipality_id == User.municipality_id)
            .where(HearingParty.hearing_id == hearing_id, UserRole.role == MUNICIPALITY_CONTACT,
                   User.active.is_(True)).order_by(User.name)).unique():
        users.setdefault(user.municipality_id, []).append(user)
    return users


def responses(session: Session, hearing_id: int, current_only: bool = True) -> list[HearingResponse]:
    query = select(HearingResponse).where(HearingResponse.hearing_id == hearing_id)
    if current_only:
        query = query.where(HearingResponse.current.is_(True))
    return list(session.scalars(query.order_by(HearingResponse.submitted_at)))


def note_points(session: Session, hearing_id: int) -> list[NotePoint]:
    return list(session.scalars(select(NotePoint).where(NotePoint.hearing_id == hearing_id)
                                .order_by(NotePoint.response_id, NotePoint.id)))


def material(session: Session, hearing_id: int) -> list[Document]:
    return [hd.document for hd in session.scalars(
        select(HearingDocument).where(HearingDocument.hearing_id == hearing_id).order_by(HearingDocument.id))]


def recount(session: Session, hearing: Hearing) -> None:
    session.flush()
    hearing.parties_count = session.scalar(
        select(func.count()).select_from(HearingParty).where(HearingParty.hearing_id == hearing.id)) or 0
    # parties that have answered at all (a late answer awaiting a decision is received too)
    hearing.answered_count = session.scalar(
        select(func.count(func.distinct(HearingResponse.party_id))).where(
            HearingResponse.hearing_id == hearing.id)) or 0
    hearing.late_pending_count = session.scalar(
        select(func.count()).select_from(HearingResponse).where(
            HearingResponse.hearing_id == hearing.id, HearingResponse.late_status == LateStatus.PENDING.value)) or 0


def new_hearing_for_proposal(session: Session, proposal, actor: str, today: date | None = None) -> Hearing:
    """A hearing that a proposal case runs as a call activity (it lives in the proposal's case)."""
    hearing = Hearing(title=proposal.title, summary=proposal.summary or "", proposal_id=proposal.id,
                      working_group_id=proposal.working_group_id, case_id=proposal.case_id,
                      deadline=default_deadline(today), created_by=actor)
    session.add(hearing)
    session.flush()
    return hearing


def missing_points(session: Session, hearing_id: int) -> list[HearingResponse]:
    """Responses that count in the note but have no point yet (read in SQL: a hearing may have hundreds)."""
    covered = select(NotePoint.response_id).where(NotePoint.hearing_id == hearing_id)
    return list(session.scalars(select(HearingResponse).where(HearingResponse.hearing_id == hearing_id,
                                                              HearingResponse.considered,
                                                              HearingResponse.id.not_in(covered))
                                .order_by(HearingResponse.submitted_at)))


def considered_count(session: Session, hearing_id: int) -> int:
    return session.scalar(select(func.count()).select_from(HearingResponse)
                          .where(HearingResponse.hearing_id == hearing_id, HearingResponse.considered)) or 0


def pending_late(session: Session, hearing_id: int) -> list[HearingResponse]:
    """Late responses waiting for the secretariat's decision, oldest first."""
    return list(session.scalars(select(HearingResponse).where(HearingResponse.hearing_id == hearing_id,
                                                              HearingResponse.late_status == LateStatus.PENDING.value)
                                .order_by(HearingResponse.submitted_at)))


def is_past_deadline(hearing: Hearing, now: datetime) -> bool:
    return hearing.status in (HearingStatus.CLOSED, HearingStatus.CONCLUDED) or (
        hearing.deadline_at is not None and now > hearing.deadline_at)
