"""The council's records and status values: members, meetings, agenda items, positions, minutes objections.

Also the plain record lookups every module of the family uses (no access rules here: the service
decides who sees what).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine import NotFound
from engine.models import Base, Document, utcnow

from ..dates import COPENHAGEN, end_of_day
from ..directory import TermMembership, User, WorkingGroup
from ..errors import DomainError
from ..i18n import N_

PROCESS_ID = "council_meeting"
MINUTES_DAYS = 7
#: The council's rules of procedure: whether a member recording a position sees the others' positions
#: before the meeting (the council's task pages follow it; the chair always sees them to decide).
MEMBERS_SEE_POSITIONS = True
#: The council's rules of procedure: whether an absent member may name a substitute (stedfortræder) who acts
#: for them at one meeting (workflows/council/board.py; workflows.delegation resolves it for their tasks).
SUBSTITUTES_ALLOWED = True


class MeetingStatus(StrEnum):
    COLLECTING = "collecting"
    AGENDA = "agenda"
    PUBLISHED = "published"
    MINUTES = "minutes"
    MINUTES_REVIEW = "minutes_review"
    CONCLUDED = "concluded"


class ItemKind(StrEnum):
    DECISION = "decision"
    DISCUSSION = "discussion"
    INFORMATION = "information"


class Stance(StrEnum):
    """A member's position on a decision item."""

    AGREE = "agree"
    OBJECT = "object"
    ABSTAIN = "abstain"


class Outcome(StrEnum):
    """The council's decision on an item (also a proposal's decision)."""

    APPROVED = "approved"
    APPROVED_WITH_CHANGES = "approved_with_changes"
    REJECTED = "rejected"
    SENT_BACK = "sent_back"


#: statuses in which a meeting still takes agenda items
OPEN_STATUSES = (MeetingStatus.COLLECTING, MeetingStatus.AGENDA)
#: statuses after the meeting: the agenda is closed
OVER_STATUSES = (MeetingStatus.MINUTES, MeetingStatus.MINUTES_REVIEW, MeetingStatus.CONCLUDED)

KINDS = [(ItemKind.DECISION.value, N_("Decision")), (ItemKind.DISCUSSION.value, N_("Discussion")),
         (ItemKind.INFORMATION.value, N_("Information"))]
POSITIONS = [(Stance.AGREE.value, N_("Agree")), (Stance.OBJECT.value, N_("Object")),
             (Stance.ABSTAIN.value, N_("Abstain"))]
OUTCOMES = [(Outcome.APPROVED.value, N_("Approved")),
            (Outcome.APPROVED_WITH_CHANGES.value, N_("Approved with changes")),
            (Outcome.REJECTED.value, N_("Rejected")),
            (Outcome.SENT_BACK.value, N_("Sent back to the working group"))]
STATUS_LABELS = {MeetingStatus.COLLECTING.value: N_("Collecting agenda items"),
                 MeetingStatus.AGENDA.value: N_("Agenda being prepared"),
                 MeetingStatus.PUBLISHED.value: N_("Agenda published"),
                 MeetingStatus.MINUTES.value: N_("Minutes being written"),
                 MeetingStatus.MINUTES_REVIEW.value: N_("Minutes out for approval"),
                 MeetingStatus.CONCLUDED.value: N_("Minutes published")}


class CouncilError(DomainError):
    key = "council"


# ------------------------------------------------------------------ records

class CouncilMember(TermMembership, Base):
    __tablename__ = "council_member"

    id: Mapped[int] = mapped_column(primary_key=True)

    #: issue 15 (OParl): when the seat was recorded and last changed (the open-data API's created/modified)
    created_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    modified_at: Mapped[datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class Meeting(Base):
    __tablename__ = "council_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(300), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    item_deadline: Mapped[date] = mapped_column(Date)  # the day of item_deadline_at (Copenhagen)
    #: the item deadline as a moment (issue 15); None on meetings made before it: the end of item_deadline
    item_deadline_at: Mapped[datetime | None]
    publish_days: Mapped[int] = mapped_column(Integer, default=7)
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.COLLECTING.value, index=True)
    agenda_published_at: Mapped[datetime | None]
    minutes_summary: Mapped[str] = mapped_column(Text, default="")
    minutes_round: Mapped[int] = mapped_column(Integer, default=0)
    minutes_deadline_at: Mapped[datetime | None]
    minutes_published_at: Mapped[datetime | None]
    number: Mapped[int | None] = mapped_column(Integer, unique=True, index=True)  # running number (issue 14)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: issue 15 (OParl): the row's last change (the open-data API's `modified`)
    modified_at: Mapped[datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_public(self) -> bool:
        return self.agenda_published_at is not None

    @property
    def deadline_moment(self) -> datetime:
        """The deadline for agenda items as a moment (UTC)."""
        return self.item_deadline_at if self.item_deadline_at is not None else end_of_day(self.item_deadline)

    @property
    def publish_moment(self) -> datetime:
        """When the agenda is published by its timer: publish_days before the start, never before the deadline."""
        return max(self.starts_at - timedelta(days=self.publish_days), self.deadline_moment)


class AgendaItem(Base):
    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20), default=ItemKind.DECISION.value)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    working_group_id: Mapped[int | None] = mapped_column(ForeignKey("working_group.id"))
    proposed_outcome: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(String(40))
    changes: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    #: the meeting at which the decision was taken (its place); an item decided is decided at a meeting
    decided_meeting_id: Mapped[int | None] = mapped_column(Integer)
    #: decided without a quorum: the recorded exception (the council's rules of procedure)
    quorum_exception: Mapped[str | None] = mapped_column(Text)
    minutes: Mapped[str] = mapped_column(Text, default="")
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: a closed item (lukket punkt): members see it; every public channel shows only "Lukket punkt"
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    #: the chair opened the closed item later: from then on it is public like any other item
    opened_at: Mapped[datetime | None]
    opened_by: Mapped[str | None] = mapped_column(String(100))
    #: issue 15 (OParl): when the item was made and last changed (the open-data API's created/modified)
    created_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    modified_at: Mapped[datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship(lazy="joined")
    working_group: Mapped[WorkingGroup | None] = relationship(lazy="joined")
    documents: Mapped[list[AgendaItemDocument]] = relationship(lazy="selectin", cascade="all, delete-orphan")


    @property
    def hidden_publicly(self) -> bool:
        """A closed item not (yet) opened by the chair: public channels show a placeholder only."""
        return self.closed and self.opened_at is None


class AgendaItemDocument(Base):
    __tablename__ = "agenda_item_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))

    document: Mapped[Document] = relationship(lazy="joined")


class AgendaChange(Base):
    """A change to a published agenda, with the reason; shown on the public meeting page."""

    __tablename__ = "agenda_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(Text)


class Position(Base):
    __tablename__ = "council_position"
    __table_args__ = (UniqueConstraint("item_id", "member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    member: Mapped[str] = mapped_column(String(100))
    position: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced: Mapped[int] = mapped_column(Integer, default=0)
    #: recorded by a substitute acting for the member at this meeting ("Y for X"); None: by the member
    acting_by: Mapped[str | None] = mapped_column(String(100))


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    CONFLICTED = "conflicted"  # per item: the member did not take part because of a conflict of interest
    SUBSTITUTE = "substitute"  # the member is absent and a substitute acts for them


class Ruling(StrEnum):
    CONFLICTED = "conflicted"
    NOT_CONFLICTED = "not_conflicted"


class Conflict(Base):
    """A conflict of interest (inhabilitet) on an agenda item: declared by the member (or raised by the
    secretariat), ruled on by the chair. Only a ruling of `conflicted` excludes the member from the item."""

    __tablename__ = "council_conflict"
    __table_args__ = (UniqueConstraint("item_id", "member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    member: Mapped[str] = mapped_column(String(100))  # the member's user name
    reason: Mapped[str] = mapped_column(Text)
    declared_by: Mapped[str] = mapped_column(String(100))  # the member, or the secretariat raising it
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    ruling: Mapped[str | None] = mapped_column(String(20))  # Ruling; None: not ruled yet
    ruling_note: Mapped[str] = mapped_column(Text, default="")
    ruled_by: Mapped[str | None] = mapped_column(String(100))
    ruled_at: Mapped[datetime | None]
    #: the chair made the reason public: the public minutes show it with the conflict line
    reason_public: Mapped[bool] = mapped_column(Boolean, default=False)


class Absence(Base):
    """A member's registered absence from a meeting, with the substitute (stedfortræder) who acts for them
    at that meeting only, where the council's rules allow one."""

    __tablename__ = "council_absence"
    __table_args__ = (UniqueConstraint("meeting_id", "member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True)
    member: Mapped[str] = mapped_column(String(100))
    substitute: Mapped[str | None] = mapped_column(String(100), index=True)  # the substitute's user name
    reason: Mapped[str] = mapped_column(Text, default="")
    registered_by: Mapped[str] = mapped_column(String(100))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]


class Attendance(Base):
    """Attendance as the secretariat recorded it at the meeting: per meeting (`item_id` 0) and, where it
    differs, per item (a member who left during an item, a conflicted member)."""

    __tablename__ = "council_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "item_id", "member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(Integer, default=0)  # 0: the whole meeting
    member: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # AttendanceStatus
    substitute: Mapped[str | None] = mapped_column(String(100))  # with SUBSTITUTE: who acted
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Postponement(Base):
    """An item postponed (udsat) from one meeting to a later one. The item itself moves (its material,
    positions and history stay with it); this row lets both meetings' minutes say so."""

    __tablename__ = "agenda_item_postponement"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    from_meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True)
    to_meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class MinutesObjection(Base):
    __tablename__ = "minutes_objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    member: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


# ------------------------------------------------------------------ lookups

def get_meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id}")
    return meeting


def get_item(session: Session, item_id: int) -> AgendaItem:
    item = session.get(AgendaItem, item_id)
    if item is None or item.removed:
        raise NotFound(f"agenda item {item_id}")
    return item


def items(session: Session, meeting_id: int, include_removed: bool = False) -> list[AgendaItem]:
    query = select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
    if not include_removed:
        query = query.where(AgendaItem.removed.is_(False))
    return list(session.scalars(query.order_by(AgendaItem.position, AgendaItem.id)))


def _today(now: datetime | None) -> date:
    return (now or utcnow()).astimezone(COPENHAGEN).date()


def members(session: Session, on: date | None = None) -> list[CouncilMember]:
    on = on or _today(None)
    rows = session.scalars(select(CouncilMember).order_by(CouncilMember.is_chair.desc(), CouncilMember.id)).unique()
    return [m for m in rows if m.active(on) and m.user.active]


def member_for(session: Session, user: User | None, on: date | None = None) -> CouncilMember | None:
    if user is None:
        return None
    member = session.scalars(select(CouncilMember).where(CouncilMember.user_id == user.id)).unique().first()
    return member if member is not None and member.active(on or _today(None)) else None


def positions(session: Session, item_id: int) -> list[Position]:
    return list(session.scalars(select(Position).where(Position.item_id == item_id).order_by(Position.member)))


def count_positions(session: Session, item_id: int) -> dict[str, int]:
    counts = {s.value: 0 for s in Stance}
    for pos, n in session.execute(select(Position.position, func.count()).where(Position.item_id == item_id)
                                  .group_by(Position.position)):
        counts[pos] = n
    return counts


def conflicts(session: Session, item_id: int) -> list[Conflict]:
    return list(session.scalars(select(Conflict).where(Conflict.item_id == item_id).order_by(Conflict.id)))


def conflicted(session: Session, item_id: int) -> set[str]:
    """The members the chair ruled conflicted on the item (they take no part in it)."""
    return set(session.scalars(select(Conflict.member).where(Conflict.item_id == item_id,
                                                             Conflict.ruling == Ruling.CONFLICTED.value)))


def absences(session: Session, meeting_id: int) -> list[Absence]:
    """The meeting's registered absences still in force."""
    return list(session.scalars(select(Absence).where(Absence.meeting_id == meeting_id,
                                                      Absence.withdrawn_at.is_(None)).order_by(Absence.id)))


def attendance(session: Session, meeting_id: int, item_id: int = 0) -> dict[str, Attendance]:
    """Attendance recorded for the meeting (item_id 0) or for one item, by member user name."""
    rows = session.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id,
                                                    Attendance.item_id == item_id))
    return {row.member: row for row in rows}


def postponements(session: Session, meeting_id: int) -> list[Postponement]:
    """Items postponed from or to the meeting, oldest first."""
    return list(session.scalars(select(Postponement).where(
        (Postponement.from_meeting_id == meeting_id) | (Postponement.to_meeting_id == meeting_id))
        .order_by(Postponement.at, Postponement.id)))


def open_meetings(session: Session) -> list[Meeting]:
    """Meetings that still take agenda items."""
    return list(session.scalars(select(Meeting).where(Meeting.status.in_([s.value for s in OPEN_STATUSES]))
                                .order_by(Meeting.starts_at)))


def next_position(session: Session, meeting: Meeting) -> int:
    return (session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
            or 0) + 1
