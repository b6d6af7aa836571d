"""The catalogue's records: principles → rules → versions, reference architectures, and their status values.

A principle (number, title, short statement) holds rules ("AR 2.1"). Principles, rules and reference
architectures are stable identities; their texts live in versions. Every version carries its status
(`RuleStatus`) and its provenance (`Provenance`: the proposal, the hearing, the agenda item and the council
meeting that decided it). Only the council's decision (the proposal family's `catalogue.publish`) moves a
version to adopted, retired or superseded.

The query the architecture reviews use: `adopted_rule_versions(session, scope)`.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, event, func, select
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, object_session, relationship

from engine.models import Base, utcnow

from ..council.models import Meeting
from ..directory import WorkingGroup
from ..i18n import N_


class RuleStatus(StrEnum):
    """A version's place in the lifecycle: proposed → in hearing → adopted → retired / superseded.

    `rejected`: a proposed version the council did not adopt (kept for the proposal's record, never public).
    """

    PROPOSED = "proposed"
    IN_HEARING = "in_hearing"
    ADOPTED = "adopted"
    RETIRED = "retired"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"


class Scope(StrEnum):
    """Whom a rule binds: the common public sector, or the municipalities only (marked "FK")."""

    COMMON = "common"
    MUNICIPAL = "municipal"


#: statuses the public sees (a proposed or rejected version stays with its proposal)
PUBLIC_STATUSES = (RuleStatus.IN_HEARING, RuleStatus.ADOPTED, RuleStatus.RETIRED, RuleStatus.SUPERSEDED)
#: statuses only the council's decision sets
DECIDED_STATUSES = (RuleStatus.ADOPTED, RuleStatus.RETIRED, RuleStatus.SUPERSEDED)

STATUS_LABELS = {RuleStatus.PROPOSED.value: N_("Proposed"), RuleStatus.IN_HEARING.value: N_("In hearing"),
                 RuleStatus.ADOPTED.value: N_("Adopted"), RuleStatus.RETIRED.value: N_("Retired"),
                 RuleStatus.SUPERSEDED.value: N_("Superseded"), RuleStatus.REJECTED.value: N_("Not adopted")}
SCOPES = [(Scope.COMMON.value, N_("Common public sector")), (Scope.MUNICIPAL.value, N_("Municipalities only (FK)"))]


class Provenance:
    """Where a version came from: the proposal case, its hearing (and so the hearing note), the agenda item
    and the council meeting that decided it (and so its minutes), and the decision itself."""

    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    hearing_id: Mapped[int | None] = mapped_column(ForeignKey("hearing.id"))
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("council_meeting.id"))
    decision: Mapped[str | None] = mapped_column(String(40))
    decision_changes: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @declared_attr
    def meeting(cls) -> Mapped[Meeting | None]:
        return relationship(Meeting, foreign_keys=f"{cls.__name__}.meeting_id", lazy="joined")

    @declared_attr
    def hearing(cls):  # workflows.hearing.Hearing, by name (the hearing family is not imported here)
        return relationship("Hearing", foreign_keys=f"{cls.__name__}.hearing_id", lazy="select", viewonly=True)

    @property
    def is_public(self) -> bool:
        """Decided versions are public; a version in hearing once its hearing is (a proposal is not)."""
        if self.status == RuleStatus.IN_HEARING:
            return self.hearing is not None and self.hearing.is_public
        return self.status in PUBLIC_STATUSES


# ------------------------------------------------------------------ principles

class Principle(Base):
    """An architecture principle: a stable number and key; its title and statement are in its versions."""

    __tablename__ = "catalogue_principle"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    working_group_id: Mapped[int | None] = mapped_column(ForeignKey("working_group.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    working_group: Mapped[WorkingGroup | None] = relationship(lazy="joined")
    versions: Mapped[list[PrincipleVersion]] = relationship(
        back_populates="principle", order_by="PrincipleVersion.version.desc()", lazy="selectin")
    rules: Mapped[list[Rule]] = relationship(back_populates="principle", order_by="Rule.number", lazy="selectin")

    @property
    def current(self) -> PrincipleVersion | None:
        """The newest version the public sees (adopted, retired or in hearing), else None."""
        return next((v for v in self.versions if v.status in DECIDED_STATUSES), None)


class PrincipleVersion(Provenance, Base):
    __tablename__ = "catalogue_principle_version"
    __table_args__ = (UniqueConstraint("principle_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    principle_id: Mapped[int] = mapped_column(ForeignKey("catalogue_principle.id", ondelete="CASCADE"),
                                              index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    implications: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=RuleStatus.PROPOSED.value, index=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_principle_version.id"))
    working_group_id: Mapped[int | None] = mapped_column(ForeignKey("working_group.id"))

    principle: Mapped[Principle] = relationship(back_populates="versions", lazy="joined")
    working_group: Mapped[WorkingGroup | None] = relationship(lazy="joined")

    # the flat catalogue's names (the principle's key, its title as name)
    @property
    def key(self) -> str:
        return self.principle.key

    @property
    def name(self) -> str:
        return self.title


# ------------------------------------------------------------------ rules

class Rule(Base):
    """A rule under a principle ("AR 2.1": principle 2, rule 1); its texts are in its versions."""

    __tablename__ = "catalogue_rule"
    __table_args__ = (UniqueConstraint("principle_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    principle_id: Mapped[int] = mapped_column(ForeignKey("catalogue_principle.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40), unique=True)  # "ar-2-1", the rule page's address
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    principle: Mapped[Principle] = relationship(back_populates="rules", lazy="joined")
    versions: Mapped[list[RuleVersion]] = relationship(
        back_populates="rule", order_by="RuleVersion.version.desc()", lazy="selectin",
        foreign_keys="RuleVersion.rule_id")

    @property
    def code(self) -> str:
        return rule_code(self.principle.number, self.number)

    @property
    def current(self) -> RuleVersion | None:
        """The newest decided version (adopted, or retired/superseded when nothing replaced it)."""
        return next((v for v in self.versions if v.status in DECIDED_STATUSES), None)


class RuleVersion(Provenance, Base):
    """One version of a rule: its texts, scope, contacts, status and provenance."""

    __tablename__ = "catalogue_rule_version"
    __table_args__ = (UniqueConstraint("rule_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("catalogue_rule.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    implications: Mapped[str] = mapped_column(Text, default="")  # "Det betyder, at …": one per line
    background: Mapped[str] = mapped_column(Text, default="")
    guidance: Mapped[str] = mapped_column(Text, default="")
    attention: Mapped[str] = mapped_column(Text, default="")  # points of attention
    scope: Mapped[str] = mapped_column(String(20), default=Scope.COMMON.value, index=True)
    status: Mapped[str] = mapped_column(String(20), default=RuleStatus.PROPOSED.value, index=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_rule_version.id"))
    working_group_id: Mapped[int | None] = mapped_column(ForeignKey("working_group.id"))  # the contact group
    # the council's decision to retire the rule (its adoption's provenance stays in Provenance's columns)
    retired_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"))
    retired_agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"))
    retired_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("council_meeting.id"))
    retired_at: Mapped[datetime | None]

    rule: Mapped[Rule] = relationship(back_populates="versions", lazy="joined", foreign_keys=[rule_id])
    working_group: Mapped[WorkingGroup | None] = relationship(lazy="joined")
    superseded_by: Mapped[RuleVersion | None] = relationship(remote_side=[id], lazy="select")
    retired_meeting: Mapped[Meeting | None] = relationship(Meeting, foreign_keys=[retired_meeting_id], lazy="select")
    contacts: Mapped[list[RuleContact]] = relationship(
        back_populates="rule_version", order_by="RuleContact.position", lazy="selectin",
        cascade="all, delete-orphan")

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def implication_list(self) -> list[str]:
        return [line.strip() for line in (self.implications or "").splitlines() if line.strip()]

    @property
    def municipal_only(self) -> bool:
        return self.scope == Scope.MUNICIPAL


class RuleContact(Base):
    """A named contact person for a rule version (the working group is the version's working_group)."""

    __tablename__ = "catalogue_rule_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("catalogue_rule_version.id", ondelete="CASCADE"),
                                                 index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")

    rule_version: Mapped[RuleVersion] = relationship(back_populates="contacts")


# ------------------------------------------------------------------ reference architectures

class ReferenceArchitecture(Base):
    __tablename__ = "reference_architecture"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    working_group_id: Mapped[int | None] = mapped_column(ForeignKey("working_group.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[ReferenceArchitectureVersion]] = relationship(
        back_populates="architecture", order_by="ReferenceArchitectureVersion.version.desc()", lazy="selectin")

    @property
    def current(self) -> ReferenceArchitectureVersion | None:
        return next((v for v in self.versions if v.status in DECIDED_STATUSES), None)


class ReferenceArchitectureVersion(Provenance, Base):
    """One approved (or proposed) version of a reference architecture: a document with a status."""

    __tablename__ = "reference_architecture_version"
    __table_args__ = (UniqueConstraint("architecture_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    architecture_id: Mapped[int] = mapped_column(ForeignKey("reference_architecture.id", ondelete="CASCADE"),
                                                 index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=RuleStatus.PROPOSED.value, index=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("reference_architecture_version.id"))

    architecture: Mapped[ReferenceArchitecture] = relationship(back_populates="versions", lazy="joined")


# ------------------------------------------------------------------ meetings' running number

@event.listens_for(Meeting, "before_insert")
def _number_meeting(mapper, connection, meeting: Meeting) -> None:
    """A new council meeting gets the next running number ("the council's 12th meeting")."""
    if meeting.number is None:  # meetings inserted in the same flush count too
        session = object_session(meeting)
        pending = [m.number for m in (session.new if session is not None else ()) if isinstance(m, Meeting)
                   and m.number is not None]
        meeting.number = max([connection.scalar(select(func.max(Meeting.number))) or 0, *pending]) + 1


# ------------------------------------------------------------------ queries

def rule_code(principle_number: int, rule_number: int) -> str:
    return f"AR {principle_number}.{rule_number}"


def rule_key(principle_number: int, rule_number: int) -> str:
    return f"ar-{principle_number}-{rule_number}"


def adopted_rule_versions(session: Session, scope: str | None = None) -> list[RuleVersion]:
    """The adopted rule versions a review assesses, in catalogue order (principle number, rule number).

    `scope` None: every adopted version; "common": the common public-sector rules only; "municipal": a
    municipal project, bound by the common rules and the municipal-only ("FK") ones.
    """
    query = (select(RuleVersion).join(Rule, RuleVersion.rule_id == Rule.id)
             .join(Principle, Rule.principle_id == Principle.id)
             .where(RuleVersion.status == RuleStatus.ADOPTED.value)
             .order_by(Principle.number, Rule.number))
    if scope == Scope.COMMON:
        query = query.where(RuleVersion.scope == Scope.COMMON.value)
    return list(session.scalars(query).unique())


def rule_by_key(session: Session, key: str) -> Rule | None:
    return session.scalar(select(Rule).where(Rule.key == key))


def principle_by_key(session: Session, key: str) -> Principle | None:
    return session.scalar(select(Principle).where(Principle.key == key))


def principle_by_number(session: Session, number: int) -> Principle | None:
    return session.scalar(select(Principle).where(Principle.number == number))
