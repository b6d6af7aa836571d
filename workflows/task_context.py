"""What a task is about, shown beside its form: small read models the families' context providers return.

A form's provider (``FormDef(..., context=...)``) returns one of these, or None. Each has a ``kind``; the
task page renders it with ``web/templates/task_context/<kind>.html``. They hold plain values only (no
records), chosen by the provider for the user who opens the task: what the user may not see is left out
here, never hidden by the template.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from engine.models import Document


@dataclass(frozen=True)
class DocumentRef:
    """A case document as a link: its id, title and current version number."""

    id: int
    title: str
    version: int | None

    @classmethod
    def of(cls, document: Document) -> DocumentRef:
        return cls(document.id, document.title, document.current.number if document.current else None)


@dataclass(frozen=True)
class NotePoint:
    """A point of a hearing note: what a party said and the working group's disposition."""

    party: str
    summary: str
    disposition: str  # a msgid: the template translates it
    reason: str


@dataclass
class HearingNoteRef:
    """The hearing a proposal went through, with its note (the points only once the note is written); also
    the context of the note's own tasks (writing it, approving it)."""

    kind: ClassVar[str] = "hearing_note"
    hearing_id: int
    title: str
    status: str
    note_summary: str = ""
    points: list[NotePoint] = field(default_factory=list)


@dataclass
class ProposalRecord:
    """A proposal as its screening, scheduling and the council's positions need it."""

    kind: ClassVar[str] = "proposal"
    id: int
    case_id: int | None
    title: str
    proposal_kind: str
    kind_label: str  # a msgid: the template translates it
    working_group: str
    summary: str
    statement: str
    rationale: str
    implications: str
    status: str
    revision: int
    screening_reason: str = ""
    documents: list[DocumentRef] = field(default_factory=list)
    hearing: HearingNoteRef | None = None
    catalogue: CatalogueChange | None = None  # issue 14: the rule a proposal concerns, the change's diff


@dataclass(frozen=True)
class CatalogueChange:
    """The catalogue entry a rule proposal concerns (issue 14); `diffs`: workflows.catalogue.service.FieldDiff
    per text, the proposed version against the adopted one (a change only)."""

    proposal_kind: str
    rule_code: str
    title: str
    rule_key: str = ""
    diffs: list = field(default_factory=list)


@dataclass(frozen=True)
class PositionRef:
    """A member's recorded position, with the member's name (never the login)."""

    name: str
    position: str
    label: str  # a msgid: the template translates it
    comment: str


@dataclass
class AgendaItemContext:
    """A decision item as a member's position task (or the chair's decision) needs it."""

    kind: ClassVar[str] = "agenda_item"
    item_id: int
    title: str
    description: str
    meeting_id: int
    meeting_title: str
    deadline: datetime  # positions are recorded until the meeting starts
    place: str
    material: list[DocumentRef] = field(default_factory=list)
    # the others' positions, or None when the council's rules do not show them to this user
    positions: list[PositionRef] | None = None
    counts: dict[str, int] | None = None
    proposal_id: int | None = None
    proposal: ProposalRecord | None = None  # filled in by the application service (workflows.service)


@dataclass(frozen=True)
class PartyRef:
    name: str
    email: str


@dataclass
class HearingPreparationContext:
    """A hearing being prepared: its parties and material (edited on the hearing's page, which links back to
    the task), and the case's documents the form offers as material without uploading them again."""

    kind: ClassVar[str] = "hearing_preparation"
    hearing_id: int
    title: str
    status: str
    parties: list[PartyRef] = field(default_factory=list)
    material: list[DocumentRef] = field(default_factory=list)
    offered: list[DocumentRef] = field(default_factory=list)  # the proposal's documents not yet material
