"""The architecture-proposal family: working group → secretariat → council → catalogue."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from marshmallow import ValidationError, validates_schema
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine import Forbidden, NotFound, current_execution
from engine.models import Base, Case, utcnow

from .dates import COPENHAGEN
from .directory import WorkingGroup
from .forms import MAX_ID, REQUIRED, FormDef, FormSchema, choice, integer, register, text
from .i18n import N_

PROCESS_ID = "proposal"

KINDS = [("principle", N_("Architecture principle")),
         ("reference_architecture", N_("Reference architecture"))]
SCREENING = [("complete", N_("Complete: send on to the council")),
             ("return", N_("Return to the working group for revision"))]
DECISIONS = [("approved", N_("Approved")),
             ("approved_with_changes", N_("Approved with changes")),
             ("rejected", N_("Rejected")),
             ("sent_back", N_("Sent back to the working group"))]
STATUS_LABELS = {
    "draft": N_("Draft"), "submitted": N_("Submitted"), "returned": N_("Returned for revision"),
    "screened": N_("Screened"), "scheduled": N_("On the council's agenda"), "in_hearing": N_("In hearing"),
    "approved": N_("Approved"),
    "approved_with_changes": N_("Approved with changes"), "rejected": N_("Rejected"),
    "sent_back": N_("Sent back"),
}


class Proposal(Base):
    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), unique=True)
    working_group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="principle")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    statement: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    implications: Mapped[str] = mapped_column(Text, default="")
    principle_key: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(40), default="draft", index=True)
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
    status: Mapped[str] = mapped_column(String(20), default="current", index=True)
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


# ---------------------------------------------------------------- forms

class DraftForm(FormSchema):
    kind = choice(N_("Kind of proposal"), KINDS)
    title = text(N_("Title"), required=True, max_length=200)
    summary = text(N_("Summary"), required=True, widget="textarea", max_length=5000,
                   help=N_("What the proposal is about, in a few sentences."))
    statement = text(N_("Principle statement"), widget="textarea", max_length=5000,
                     help=N_("Required for an architecture principle."))
    rationale = text(N_("Rationale"), widget="textarea", max_length=10000)
    implications = text(N_("Implications"), widget="textarea", max_length=10000)

    @validates_schema(skip_on_field_errors=False)
    def _principle_needs_statement(self, data, **kwargs):
        if data.get("kind") == "principle" and not data.get("statement"):
            raise ValidationError(REQUIRED, "statement")


class ScreenForm(FormSchema):
    screening = choice(N_("Screening"), SCREENING)
    hearing = choice(N_("Send the proposal for public hearing?"),
                     [("no", N_("No, straight to the council")), ("yes", N_("Yes, hold a hearing first"))],
                     required=False)
    reason = text(N_("Reason for returning"), widget="textarea", max_length=5000,
                  help=N_("Required when the proposal is returned."))

    @validates_schema(skip_on_field_errors=False)
    def _return_needs_reason(self, data, **kwargs):
        if data.get("screening") == "return" and not data.get("reason"):
            raise ValidationError(REQUIRED, "reason")


def proposal_for_case(session: Session, case_id: int) -> Proposal | None:
    return session.scalar(select(Proposal).where(Proposal.case_id == case_id))


def _draft_initial(ctx) -> dict:
    p = proposal_for_case(ctx.session, ctx.case_id)
    return {k: getattr(p, k) or "" for k in ("kind", "title", "summary", "statement", "rationale",
                                             "implications")} if p else {}


def _draft_submit(ctx, values: dict) -> dict:
    p = proposal_for_case(ctx.session, ctx.case_id)
    if ctx.user is not None and not ctx.user.leads(p.working_group_id):
        raise Forbidden(N_("Only the lead of the working group can submit the proposal."))
    for key in ("kind", "title", "summary", "statement", "rationale", "implications"):
        setattr(p, key, values.get(key) or "")
    # the case (and so every task list) carries the proposal's current title
    ctx.session.get(Case, ctx.case_id).title = p.title
    p.status = "submitted"
    p.revision += 1
    p.updated_at = utcnow()
    return {"revision": p.revision}


def _screen_submit(ctx, values: dict) -> dict:
    from .hearing import new_hearing_for_proposal

    p = proposal_for_case(ctx.session, ctx.case_id)
    outcome = values["screening"]
    p.status = "screened" if outcome == "complete" else "returned"
    p.screening_reason = values.get("reason")
    p.updated_at = utcnow()
    data = {"screening": outcome, "hearing_needed": False}
    if outcome == "complete" and values.get("hearing") == "yes":
        hearing = new_hearing_for_proposal(ctx.session, p, ctx.user.username if ctx.user else "system")
        p.status = "in_hearing"
        data.update(hearing_needed=True, hearing_id=hearing.id)
    return data


def _revise_submit(ctx, values: dict) -> dict:
    data = _draft_submit(ctx, values)
    proposal_for_case(ctx.session, ctx.case_id).status = "screened"
    return data


register(FormDef("proposal.draft", DraftForm, _draft_submit, _draft_initial))
register(FormDef("proposal.screen", ScreenForm, _screen_submit))
register(FormDef("proposal.revise", DraftForm, _revise_submit, _draft_initial))


class ScheduleForm(FormSchema):
    meeting_id = integer(N_("Council meeting"), minimum=1, maximum=MAX_ID, widget="radio",
                         help=N_("The meetings that still take agenda items."))


def _schedule_choices(ctx) -> dict:
    from .council import open_meetings

    return {"meeting_id": [(str(m.id), f"{m.title} ({m.starts_at.astimezone(COPENHAGEN):%d.%m.%Y})")
                           for m in open_meetings(ctx.session)]}


def _schedule_submit(ctx, values: dict) -> dict:
    from .council import CouncilError, schedule_proposal
    from .forms import FormInvalid

    p = proposal_for_case(ctx.session, ctx.case_id)
    try:
        item = schedule_proposal(ctx.session, values["meeting_id"], p, ctx.user.username if ctx.user else "system")
    except (CouncilError, NotFound):
        raise FormInvalid({"meeting_id": [N_("Choose a meeting that still takes agenda items.")]}) from None
    p.status = "scheduled"
    p.updated_at = utcnow()
    return {"agenda_item_id": item.id, "meeting_id": values["meeting_id"]}


register(FormDef("proposal.schedule", ScheduleForm, _schedule_submit, choices=_schedule_choices))


# ------------------------------------------------------------- services

def publish_to_catalogue(params: dict, task_data: dict) -> dict:
    """Service task `catalogue.publish`: an approved principle becomes a new catalogue version."""
    ctx = current_execution.get()
    session = ctx.session
    p = session.get(Proposal, int(params["proposal_id"]))
    if p is None:
        raise LookupError(f"proposal {params['proposal_id']} does not exist")
    if p.kind != "principle":
        return {"principle_id": None}
    key = p.principle_key or _catalogue_key(session, p)
    latest = session.scalar(select(func.max(Principle.version)).where(Principle.key == key)) or 0
    for old in session.scalars(select(Principle).where(Principle.key == key, Principle.status == "current")):
        old.status = "superseded"
    from .council import AgendaItem

    item = session.scalar(select(AgendaItem).where(AgendaItem.proposal_id == p.id, AgendaItem.decided_at.is_not(None))
                          .order_by(AgendaItem.decided_at.desc()).limit(1))
    principle = Principle(key=key, version=latest + 1, name=p.title, statement=p.statement,
                          meeting_id=item.meeting_id if item else None,
                          rationale=p.rationale, implications=p.implications, decision=p.decision or "approved",
                          decision_changes=p.decision_changes, proposal_id=p.id,
                          working_group_id=p.working_group_id, approved_at=utcnow())
    session.add(principle)
    session.flush()
    p.principle_key = key
    return {"principle_id": principle.id, "key": key, "version": principle.version}


def _catalogue_key(session: Session, p: Proposal) -> str:
    """The catalogue key for a proposal's principle.

    The same title from the same working group revises that group's principle
    (a new version); a title another group already uses gets a key of its own,
    so one group never replaces another's principle.
    """
    base = slugify(p.title)
    key, n = base, 1
    while True:
        owner = session.scalar(select(Principle.working_group_id).where(Principle.key == key).limit(1))
        if owner is None or owner == p.working_group_id:
            return key
        n += 1
        key = f"{base}-{n}"


SERVICES = {"catalogue.publish": publish_to_catalogue}


def new_proposal(session: Session, *, group: WorkingGroup, title: str, kind: str, actor: str,
                 principle_key: str | None = None) -> Proposal:
    p = Proposal(working_group_id=group.id, working_group=group, title=title, kind=kind,
                 created_by=actor, principle_key=principle_key)
    session.add(p)
    session.flush()
    return p


def catalogue(session: Session, include_superseded: bool = False) -> list[Principle]:
    query = select(Principle).order_by(Principle.name, Principle.version.desc())
    if not include_superseded:
        query = query.where(Principle.status == "current")
    return list(session.scalars(query))


def principle_history(session: Session, key: str) -> list[Principle]:
    return list(session.scalars(select(Principle).where(Principle.key == key)
                                .order_by(Principle.version.desc())))
