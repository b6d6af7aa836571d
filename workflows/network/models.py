"""The network family's records: networks and their member municipalities' seats, rounds of regional
meetings, programmes, materials, registrations and evaluations, with the queries the service and the
BPMN tasks share (seats, waiting list)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine import NotFound
from engine.models import Base, Document, utcnow

from ..dates import COPENHAGEN
from ..directory import Municipality
from ..errors import DomainError
from ..folding import fold_on_set, folded_column
from ..i18n import N_

PROCESS_ID = "network_round"
REGIONS = ["Midt-Nord", "Hovedstaden", "Sjælland", "Syddanmark"]
EVALUATION_DAYS = 14


class RoundStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    DONE = "done"


class RoundFormat(StrEnum):
    TALK = "talk"
    WORKSHOP = "workshop"
    VIRTUAL = "virtual"


class ProgrammeKind(StrEnum):
    TALK = "talk"
    CASE = "case"


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    WAITING = "waiting"
    CANCELLED = "cancelled"


FORMATS = [(RoundFormat.TALK, N_("Talks")), (RoundFormat.WORKSHOP, N_("Workshop")),
           (RoundFormat.VIRTUAL, N_("Virtual"))]
ROUND_STATUS = {RoundStatus.DRAFT: N_("Being planned"), RoundStatus.OPEN: N_("Open for registration"),
                RoundStatus.CLOSED: N_("Registration closed"), RoundStatus.DONE: N_("Concluded")}


class NetworkError(DomainError):
    key = "network"


# ------------------------------------------------------------------ records

class Network(Base):
    __tablename__ = "network"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    name_folded: Mapped[str] = folded_column("name", 200)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    _fold = fold_on_set("name")


class NetworkMembership(Base):
    """A member municipality and the seats it buys per meeting (the default for each meeting)."""

    __tablename__ = "network_membership"
    __table_args__ = (UniqueConstraint("network_id", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    seats_per_meeting: Mapped[int] = mapped_column(Integer, default=2)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    municipality: Mapped[Municipality] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class Round(Base):
    __tablename__ = "network_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    theme: Mapped[str] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(20), default=RoundFormat.TALK)
    registration_deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=RoundStatus.DRAFT, index=True)
    published_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    network: Mapped[Network] = relationship(lazy="joined")


class RegionalMeeting(Base):
    __tablename__ = "regional_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("network_round.id", ondelete="CASCADE"), index=True)
    region: Mapped[str] = mapped_column(String(50))
    day: Mapped[date] = mapped_column(Date)
    starts: Mapped[str] = mapped_column(String(5), default="09:30")
    ends: Mapped[str] = mapped_column(String(5), default="15:30")
    venue: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=40)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    evaluation_deadline: Mapped[date | None] = mapped_column(Date)

    round: Mapped[Round] = relationship(lazy="joined")
    programme: Mapped[list[ProgrammeItem]] = relationship(lazy="selectin", cascade="all, delete-orphan",
                                                           order_by="ProgrammeItem.position")
    documents: Mapped[list[MeetingDocument]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def title(self) -> str:
        return f"{self.round.theme} – {self.region}"

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.day, time.fromisoformat(self.starts), COPENHAGEN).astimezone(timezone.utc)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.day, time.fromisoformat(self.ends), COPENHAGEN).astimezone(timezone.utc)


class ProgrammeItem(Base):
    __tablename__ = "programme_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("regional_meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20), default=ProgrammeKind.TALK)
    title: Mapped[str] = mapped_column(String(300))
    speaker: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")


class MeetingDocument(Base):
    __tablename__ = "regional_meeting_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("regional_meeting.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))

    document: Mapped[Document] = relationship(lazy="joined")


class Registration(Base):
    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("regional_meeting.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default=RegistrationStatus.REGISTERED, index=True)
    waiting_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))
    evaluation_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    anonymised_at: Mapped[datetime | None]

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    meeting: Mapped[RegionalMeeting] = relationship(lazy="joined")


class Evaluation(Base):
    __tablename__ = "meeting_evaluation"
    __table_args__ = (UniqueConstraint("registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("regional_meeting.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id", ondelete="SET NULL"))
    overall: Mapped[int] = mapped_column(Integer)
    usefulness: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


# ------------------------------------------------------------------ queries

def get_round(session: Session, round_id: int) -> Round:
    row = session.get(Round, round_id)
    if row is None:
        raise NotFound(f"round {round_id}")
    return row


def get_meeting(session: Session, meeting_id: int) -> RegionalMeeting:
    row = session.get(RegionalMeeting, meeting_id)
    if row is None:
        raise NotFound(f"meeting {meeting_id}")
    return row


def meetings(session: Session, round_id: int) -> list[RegionalMeeting]:
    return list(session.scalars(select(RegionalMeeting).where(RegionalMeeting.round_id == round_id)
                                .order_by(RegionalMeeting.day, RegionalMeeting.id)))


def registrations(session: Session, meeting_id: int, status: str | None = None) -> list[Registration]:
    query = select(Registration).where(Registration.meeting_id == meeting_id)
    if status:
        query = query.where(Registration.status == status)
    return list(session.scalars(query.order_by(Registration.waiting_since.is_not(None), Registration.waiting_since,
                                               Registration.id)))


def seats_for(session: Session, meeting: RegionalMeeting, municipality_id: int) -> int:
    membership = session.scalar(select(NetworkMembership).where(
        NetworkMembership.network_id == meeting.round.network_id,
        NetworkMembership.municipality_id == municipality_id))
    return membership.seats_per_meeting if membership else 0


def registered_count(session: Session, meeting_id: int, municipality_id: int | None = None) -> int:
    query = select(func.count()).select_from(Registration).where(Registration.meeting_id == meeting_id,
                                                                Registration.status == RegistrationStatus.REGISTERED)
    if municipality_id is not None:
        query = query.where(Registration.municipality_id == municipality_id)
    return session.scalar(query) or 0


def seats_sold(session: Session, meeting: RegionalMeeting) -> int:
    return session.scalar(select(func.coalesce(func.sum(NetworkMembership.seats_per_meeting), 0)).where(
        NetworkMembership.network_id == meeting.round.network_id)) or 0


def promote_waiting(session: Session, meeting: RegionalMeeting) -> list[Registration]:
    """Move waiting registrations up, oldest first, while their municipality has a free seat and the venue room."""
    promoted = []
    for reg in registrations(session, meeting.id, RegistrationStatus.WAITING):
        if registered_count(session, meeting.id) >= meeting.capacity:
            break
        if registered_count(session, meeting.id, reg.municipality_id) >= seats_for(session, meeting,
                                                                                    reg.municipality_id):
            continue
        reg.status = RegistrationStatus.REGISTERED
        reg.waiting_since = None
        session.flush()
        promoted.append(reg)
    return promoted


def seat_usage(session: Session, meeting: RegionalMeeting) -> list[tuple[str, int, int, int]]:
    """(municipality, seats bought, registered, waiting) for the municipalities that use the meeting."""
    rows = []
    for membership in session.scalars(select(NetworkMembership).where(
            NetworkMembership.network_id == meeting.round.network_id)):
        registered = registered_count(session, meeting.id, membership.municipality_id)
        waiting = session.scalar(select(func.count()).select_from(Registration).where(
            Registration.meeting_id == meeting.id, Registration.municipality_id == membership.municipality_id,
            Registration.status == RegistrationStatus.WAITING)) or 0
        if registered or waiting:
            rows.append((membership.municipality.name, membership.seats_per_meeting, registered, waiting))
    return sorted(rows)
