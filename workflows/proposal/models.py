"""The proposal family's records and status values: proposals and the principle catalogue's versions."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine.models import Base, utcnow

from ..directory import WorkingGroup
from ..i18n import N_

PROCESS_ID = "proposal"


class ProposalKind(StrEnum):
    PRINCIPLE = "principle"
    REFERENCE_ARCHITECTURE = "reference_architecture"


class ProposalStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    SCREENED = "screened"
    SCHEDULED = "scheduled"
    IN_HEARING = "in_hearing"
    # the council's decision (workflows.council.Outcome) becomes the proposal's status
    APPROVED = "approved"
    APPROVED_WITH_CHANGES = "approved_with_changes"
    REJECTED = "rejected"
    SENT_BACK = "sent_back"


class Screening(StrEnum):
    COMPLETE = "complete"
    RETURN = "return"


class PrincipleStatus(StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"


KINDS = [(ProposalKind.PRINCIPLE.value, N_("Architecture principle")),
         (ProposalKind.REFERENCE_ARCHITECTURE.value, N_("Reference architecture"))]
SCREENING = [(Screening.COMPLETE.value, N_("Complete: send on to the council")),
             (Screening.RETURN.value, N_("Return to the working group for revision"))]
DECISIONS = [(ProposalStatus.APPROVED.value, N_("Approved")),
             (ProposalStatus.APPROVED_WITH_CHANGES.value, N_("Approved with changes")),
             (ProposalStatus.REJECTED.value, N_("Rejected")),
             (ProposalStatus.SENT_BACK.value, N_("Sent back to the working group"))]
STATUS_LABELS = {
    ProposalStatus.DRAFT.value: N_("Draft"), ProposalStatus.SUBMITTED.value: N_("Submitted"),
    ProposalStatus.RETURNED.value: N_("Returned for revision"), ProposalStatus.SCREENED.value: N_("Screened"),
    ProposalStatus.SCHEDULED.value: N_("On the council's agenda"), ProposalStatus.IN_HEARING.value: N_("In hearing"),
    ProposalStatus.APPROVED.value: N_("Approved"),
    ProposalStatus.APPROVED_WITH_CHANGES.value: N_("Approved with changes"),
    ProposalStatus.REJECTED.value: N_("Rejected"), ProposalStatus.SENT_BACK.value: N_("Sent back"),
}


class Proposal(Base):
    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), unique=True)
    working_group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), default=ProposalKind.PRINCIPLE.value)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    statement: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    implications: Mapped[str] = mapped_column(Text, default="")
    principle_key: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(40), default=ProposalStatus.DRAFT.value, index=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    screening_reason: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(40))
    decision_changes: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    working_group: Mapped[WorkingGroup] = relationship(lazy="joined")


class Principle(Base):
    """One version of an architecture principle in the public catalogue."""

    __tablename__ = "principle"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")
    implications: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=PrincipleStatus.CURRENT.value, index=True)
    decision: Mapped[str] = mapped_column(String(40))
    decision_changes: Mapped[str | None] = mapped_column(Text)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    working_group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id"))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("council_meeting.id"))  # the meeting that approved it

    working_group: Mapped[WorkingGroup] = relationship(lazy="joined")


def slugify(value: str) -> str:
    value = value.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", value).strip("-")[:100] or "principle"


def proposal_for_case(session: Session, case_id: int) -> Proposal | None:
    return session.scalar(select(Proposal).where(Proposal.case_id == case_id))
