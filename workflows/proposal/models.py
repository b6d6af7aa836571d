"""The proposal family's records and status values (the catalogue it changes is workflows.catalogue)."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine.models import Base, utcnow

from ..directory import WorkingGroup
from ..i18n import N_

PROCESS_ID = "proposal"


class ProposalKind(StrEnum):
    PRINCIPLE = "principle"  # a new principle (or, by the same title from the same group, its new version)
    RULE = "rule"  # a new rule under a principle
    RULE_CHANGE = "rule_change"  # a change to an existing rule: the draft starts from its current text
    RULE_RETIREMENT = "rule_retirement"  # retiring a rule
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


KINDS = [(ProposalKind.PRINCIPLE.value, N_("Architecture principle")),
         (ProposalKind.RULE.value, N_("New rule under a principle")),
         (ProposalKind.RULE_CHANGE.value, N_("Change to an existing rule")),
         (ProposalKind.RULE_RETIREMENT.value, N_("Retiring a rule")),
         (ProposalKind.REFERENCE_ARCHITECTURE.value, N_("Reference architecture"))]
#: kinds that concern a catalogue entry chosen at the start (a principle for a new rule, else a rule)
TARGET_KINDS = (ProposalKind.RULE, ProposalKind.RULE_CHANGE, ProposalKind.RULE_RETIREMENT)
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
    # issue 14: the catalogue entry a proposal concerns and a rule's further texts
    # (plain ids: SQLite cannot add a foreign key to the existing table)
    target_principle_id: Mapped[int | None] = mapped_column(Integer)  # catalogue_principle.id
    target_rule_id: Mapped[int | None] = mapped_column(Integer)  # catalogue_rule.id
    guidance: Mapped[str] = mapped_column(Text, default="")
    attention: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(String(20), default="common")
    contacts: Mapped[str] = mapped_column(Text, default="")  # one per line: name, organisation, e-mail
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


def slugify(value: str) -> str:
    value = value.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", value).strip("-")[:100] or "principle"


_BY_CASE = select(Proposal).where(Proposal.case_id == bindparam("case_id"))


def proposal_for_case(session: Session, case_id: int) -> Proposal | None:
    """The case's proposal. A completion asks for it three times (the form, its mail, the search entry):
    found once per transaction (engine/txcache.py), so only the first asks the database."""
    from engine import txcache

    known = txcache.cache(session, "proposal_for_case")
    found = known.get(case_id) if known is not None else None
    if txcache.alive(session, found) and found.case_id == case_id:
        return found
    found = session.scalar(_BY_CASE, {"case_id": case_id})
    if found is not None and known is not None:
        known[case_id] = found
    return found
