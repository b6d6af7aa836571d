"""The architecture-review family's records: the board, reviews, their rule-by-rule answers, decisions,
dispensations and the public rule-usage aggregate."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine.models import Base, utcnow

from ..directory import TermMembership, User, WorkingGroup
from ..errors import DomainError
from ..i18n import N_

PROCESS_ID = "architecture_review"


class ReviewError(DomainError):
    key = "architecture_review"


class Phase(StrEnum):
    IDEA = "idea"
    PROCUREMENT = "procurement"
    IMPLEMENTATION = "implementation"
    OPERATION = "operation"


class ReviewStatus(StrEnum):
    REQUESTED = "requested"
    REFUSED = "refused"
    SELF_ASSESSMENT = "self_assessment"
    WG_REVIEW = "wg_review"
    BOARD = "board"
    COUNCIL = "council"
    DECIDED = "decided"
    RE_REVIEW = "re_review"
    CLOSED = "closed"


class Assessment(StrEnum):
    MEETS = "meets"
    DEVIATES = "deviates"
    NOT_APPLICABLE = "not_applicable"


class Recommendation(StrEnum):
    COMPLIANT = "compliant"
    WITH_DISPENSATIONS = "compliant_with_dispensations"
    NOT_COMPLIANT = "not_compliant"


class Outcome(StrEnum):
    """The board's (or the council's) decision on a review."""

    APPROVED = "approved"
    APPROVED_WITH_DISPENSATIONS = "approved_with_dispensations"
    NOT_APPROVED = "not_approved"
    ESCALATE = "escalate"  # the board sends the review to the council


class DispensationStatus(StrEnum):
    LIVE = "live"
    LAPSED = "lapsed"


PHASES = [(Phase.IDEA.value, N_("Idea")), (Phase.PROCUREMENT.value, N_("Procurement")),
          (Phase.IMPLEMENTATION.value, N_("Implementation")), (Phase.OPERATION.value, N_("Operation"))]
ASSESSMENTS = [(Assessment.MEETS.value, N_("Meets the rule")), (Assessment.DEVIATES.value, N_("Deviates")),
               (Assessment.NOT_APPLICABLE.value, N_("Not applicable"))]
RECOMMENDATIONS = [(Recommendation.COMPLIANT.value, N_("Compliant")),
                   (Recommendation.WITH_DISPENSATIONS.value, N_("Compliant with dispensations")),
                   (Recommendation.NOT_COMPLIANT.value, N_("Not compliant"))]
OUTCOMES = [(Outcome.APPROVED.value, N_("Approved")),
            (Outcome.APPROVED_WITH_DISPENSATIONS.value, N_("Approved with dispensations")),
            (Outcome.NOT_APPROVED.value, N_("Not approved")),
            (Outcome.ESCALATE.value, N_("Send to the council"))]
STATUS_LABELS = {
    ReviewStatus.REQUESTED.value: N_("Requested"), ReviewStatus.REFUSED.value: N_("Refused"),
    ReviewStatus.SELF_ASSESSMENT.value: N_("Self-assessment"), ReviewStatus.WG_REVIEW.value: N_("Working-group review"),
    ReviewStatus.BOARD.value: N_("With the architecture board"), ReviewStatus.COUNCIL.value: N_("With the council"),
    ReviewStatus.DECIDED.value: N_("Decided"), ReviewStatus.RE_REVIEW.value: N_("Re-review due"),
    ReviewStatus.CLOSED.value: N_("Closed"),
}
OPEN_STATUSES = (ReviewStatus.REQUESTED.value, ReviewStatus.SELF_ASSESSMENT.value, ReviewStatus.WG_REVIEW.value,
                 ReviewStatus.BOARD.value, ReviewStatus.COUNCIL.value)


class ArchitectureBoard(Base):
    """The Arkitekturboard: one body with a mandate from the council."""

    __tablename__ = "architecture_board"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    mandate: Mapped[str] = mapped_column(Text, default="")
    mandate_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("council_meeting.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BoardMember(TermMembership, Base):
    __tablename__ = "board_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("architecture_board.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship(lazy="select")


class Review(Base):
    """A project's architecture review (one case; a re-review is a new round of the same case)."""

    __tablename__ = "architecture_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), unique=True)
    project: Mapped[str] = mapped_column(String(200))
    project_key: Mapped[str] = mapped_column(String(120), index=True)  # the project's history groups on it
    organisation: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    phase: Mapped[str] = mapped_column(String(20), default=Phase.IDEA.value)
    municipal: Mapped[bool] = mapped_column(Boolean, default=True)  # municipal-only (FK) rules apply
    wished_decision_on: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ReviewStatus.REQUESTED.value, index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    working_group_id: Mapped[int | None] = mapped_column(ForeignKey("working_group.id"))
    reviewers: Mapped[str] = mapped_column(Text, default="")  # user names, comma separated
    recommendation: Mapped[str | None] = mapped_column(String(40))
    recommendation_comment: Mapped[str | None] = mapped_column(Text)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # a cited rule version changed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship(lazy="select")
    working_group: Mapped[WorkingGroup | None] = relationship(lazy="select")


class ReviewAnswer(Base):
    """One rule version in one round: the project's self-assessment and the working group's view of it."""

    __tablename__ = "review_answer"
    __table_args__ = (UniqueConstraint("review_id", "round", "rule_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("architecture_review.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("catalogue_rule_version.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    assessment: Mapped[str | None] = mapped_column(String(20))
    explanation: Mapped[str] = mapped_column(Text, default="")
    wg_agrees: Mapped[bool | None] = mapped_column(Boolean)
    wg_comment: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False: the rule version was retired
    flag_note: Mapped[str | None] = mapped_column(Text)


class ReviewDecision(Base):
    """The decision on one round of a review: by the board or the council, public after the embargo."""

    __tablename__ = "review_decision"
    __table_args__ = (UniqueConstraint("review_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("architecture_review.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(String(20), default="board")  # board | council
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("council_meeting.id"))
    # the embargo: set when the council's next meeting after the decision has been held
    public_at: Mapped[datetime | None] = mapped_column(index=True)
    lifted_by_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("council_meeting.id"))

    review: Mapped[Review] = relationship(lazy="select")


class Dispensation(Base):
    __tablename__ = "dispensation"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("architecture_review.id", ondelete="CASCADE"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("review_decision.id", ondelete="CASCADE"), index=True)
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("catalogue_rule_version.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    expires_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=DispensationStatus.LIVE.value, index=True)
    reminded_at: Mapped[datetime | None]
    lapsed_at: Mapped[datetime | None]
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship(lazy="select")
    review: Mapped[Review] = relationship(lazy="select")


class RuleUsage(Base):
    """The public aggregate per rule version: how many published review rounds meet it, deviate, find it not
    applicable, and how many dispensations it holds. Written when a decision becomes public."""

    __tablename__ = "rule_usage"

    rule_version_id: Mapped[int] = mapped_column(ForeignKey("catalogue_rule_version.id"), primary_key=True)
    meets: Mapped[int] = mapped_column(Integer, default=0)
    deviates: Mapped[int] = mapped_column(Integer, default=0)
    not_applicable: Mapped[int] = mapped_column(Integer, default=0)
    dispensations: Mapped[int] = mapped_column(Integer, default=0)


def review_for_case(session: Session, case_id: int) -> Review | None:
    return session.scalar(select(Review).where(Review.case_id == case_id))


def answers(session: Session, review: Review, round_: int | None = None) -> list[ReviewAnswer]:
    return list(session.scalars(select(ReviewAnswer).where(
        ReviewAnswer.review_id == review.id, ReviewAnswer.round == (round_ or review.round),
        ReviewAnswer.active.is_(True)).order_by(ReviewAnswer.position, ReviewAnswer.id)))


def the_board(session: Session) -> ArchitectureBoard | None:
    return session.scalar(select(ArchitectureBoard).order_by(ArchitectureBoard.id).limit(1))


def board_member_for(session: Session, user: User | None, on: date) -> BoardMember | None:
    if user is None:
        return None
    row = session.scalar(select(BoardMember).where(BoardMember.user_id == user.id))
    return row if row is not None and row.active(on) else None


def board_members(session: Session, on: date | None = None) -> list[BoardMember]:
    rows = list(session.scalars(select(BoardMember).order_by(BoardMember.id)))
    return [r for r in rows if on is None or r.active(on)]
