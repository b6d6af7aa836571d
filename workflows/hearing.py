"""Hearings (høringer): material, parties, deadline and reminder, responses, the hearing note.

Responses and note points are records here, not workflow tasks: the hearing's
workflow stays small whatever the number of parties, and every list reads
these tables (with counters kept on the hearing row).
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from marshmallow import ValidationError, validates_schema
from sqlalchemy import (
    Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, and_, func, or_, select,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine import DocumentStore, Forbidden, NotFound, current_execution
from engine.mail import queue_mail
from engine.models import Base, Document, utcnow

from .errors import DomainError
from .dates import COPENHAGEN
from .dates import end_of_day as deadline_moment  # the end of the deadline day
from .directory import Municipality, User, WorkingGroup, group_scope, token_hash
from .forms import (
    MAX_ID, REQUIRED, TOO_LONG, FormDef, FormInvalid, FormSchema, choice, date_field, email, integer, load_values,
    register, text,
)
from .i18n import N_
from .lanes import require_secretariat

PROCESS_ID = "hearing"
DEFAULT_WEEKS = 6
DEFAULT_REMINDER_DAYS = 7

DISPOSITIONS = [
    ("incorporated", N_("Incorporated")),
    ("partly", N_("Partly incorporated")),
    ("not_incorporated", N_("Not incorporated")),
    ("noted", N_("Noted")),
]
STATUS_LABELS = {
    "draft": N_("Being prepared"), "open": N_("Open for responses"), "closed": N_("Closed; note being written"),
    "concluded": N_("Concluded"),
}
LATE_LABELS = {"pending": N_("Late, awaiting decision"), "admitted": N_("Late, admitted"),
               "rejected": N_("Late, rejected"), "superseded": N_("Late, replaced by a newer answer")}


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
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    deadline: Mapped[date] = mapped_column(Date)
    reminder_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_REMINDER_DAYS)
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
        return self.status != "draft"


class HearingParty(Base):
    __tablename__ = "hearing_party"
    __table_args__ = (UniqueConstraint("hearing_id", "municipality_id"), UniqueConstraint("hearing_id", "email"))

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # municipality | external
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
    late_status: Mapped[str | None] = mapped_column(String(20))  # pending | admitted | rejected
    late_reason: Mapped[str | None] = mapped_column(Text)
    late_decided_by: Mapped[str | None] = mapped_column(String(100))
    late_decided_at: Mapped[datetime | None]

    party: Mapped[HearingParty] = relationship(lazy="joined")
    files: Mapped[list[HearingResponseFile]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @hybrid_property
    def considered(self) -> bool:
        """Counts in the hearing note: on time, or late and admitted."""
        return self.current and (not self.late or self.late_status == "admitted")

    @considered.inplace.expression
    @classmethod
    def _considered_expression(cls):
        return and_(cls.current.is_(True), or_(cls.late.is_(False), cls.late_status == "admitted"))


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
    point: Mapped[str] = mapped_column(Text)
    disposition: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    response: Mapped[HearingResponse] = relationship(lazy="joined")


# -------------------------------------------------------------------- forms

class PrepareForm(FormSchema):
    title = text(N_("Title"), required=True, max_length=200)
    summary = text(N_("Summary"), required=True, widget="textarea", max_length=10000,
                   help=N_("What the hearing is about; shown on the public hearing page."))
    deadline = date_field(N_("Hearing deadline"), help=N_("Responses are due by the end of this day."))
    reminder_days = integer(N_("Reminder (days before the deadline)"), minimum=0, maximum=60,
                            help=N_("Parties that have not answered get a reminder; 0 sends none."))


class NoteForm(FormSchema):
    note_summary = text(N_("Summary of the hearing note"), widget="textarea", max_length=20000,
                        help=N_("The points and dispositions are written on the hearing's page."))


class ApproveNoteForm(FormSchema):
    note_decision = choice(N_("The hearing note"), [("approve", N_("Approve and publish")),
                                                    ("return", N_("Return to the working group"))])
    reason = text(N_("Reason for returning"), widget="textarea", max_length=5000)

    @validates_schema(skip_on_field_errors=False)
    def _return_needs_reason(self, data, **kwargs):
        if data.get("note_decision") == "return" and not data.get("reason"):
            raise ValidationError(REQUIRED, "reason")


class PartyForm(FormSchema):
    name = text(N_("Name of the party"), required=True, max_length=200)
    email = email(N_("E-mail"), required=True)


class ResponseForm(FormSchema):
    text = text(N_("Your response"), widget="textarea", max_length=50000)


class NotePointForm(FormSchema):
    response_id = integer(N_("Response"), minimum=1, maximum=MAX_ID)
    point = text(N_("Point"), required=True, widget="textarea", max_length=5000)
    disposition = choice(N_("Disposition"), DISPOSITIONS)
    reason = text(N_("Reason"), required=True, widget="textarea", max_length=5000)


class LateDecisionForm(FormSchema):
    decision = choice(N_("Late response"), [("admit", N_("Admit")), ("reject", N_("Reject"))])
    reason = text(N_("Reason"), required=True, widget="textarea", max_length=5000)


# ------------------------------------------------------------------ helpers

def default_deadline(today: date | None = None) -> date:
    return (today or utcnow().astimezone(COPENHAGEN).date()) + timedelta(weeks=DEFAULT_WEEKS)


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


def responses(session: Session, hearing_id: int, current_only: bool = True) -> list[HearingResponse]:
    query = select(HearingResponse).where(HearingResponse.hearing_id == hearing_id)
    if current_only:
        query = query.where(HearingResponse.current.is_(True))
    return list(session.scalars(query.order_by(HearingResponse.submitted_at)))


def note_points(session: Session, hearing_id: int) -> list[NotePoint]:
    return list(session.scalars(select(NotePoint).where(NotePoint.hearing_id == hearing_id)
                                .order_by(NotePoint.response_id, NotePoint.id)))


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
            HearingResponse.hearing_id == hearing.id, HearingResponse.late_status == "pending")) or 0


def new_hearing_for_proposal(session: Session, proposal, actor: str) -> Hearing:
    """A hearing that a proposal case runs as a call activity (it lives in the proposal's case)."""
    hearing = Hearing(title=proposal.title, summary=proposal.summary or "", proposal_id=proposal.id,
                      working_group_id=proposal.working_group_id, case_id=proposal.case_id,
                      deadline=default_deadline(), created_by=actor)
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
                                                              HearingResponse.late_status == "pending")
                                .order_by(HearingResponse.submitted_at)))


def is_past_deadline(hearing: Hearing, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return hearing.status in ("closed", "concluded") or (
        hearing.deadline_at is not None and now > hearing.deadline_at)


def require_staff(user: User) -> None:
    if not (user.has_role("secretariat", "admin", "council_member", "council_chair") or user.group_ids):
        raise Forbidden(N_("You do not have access to this page."))


def require_group(user: User, hearing: Hearing) -> None:
    if hearing.working_group_id not in user.group_ids:
        raise Forbidden(N_("Only the working group responsible for the hearing can do this."))


def may_view(user: User, hearing: Hearing) -> bool:
    return bool(user.has_role("secretariat", "admin", "council_member", "council_chair")
                or hearing.working_group_id in user.group_ids)


# --------------------------------------------------------------- the service

class Hearings:
    """Hearing services. Take plain values and the caller's session; raise named errors."""

    def __init__(self, engine, documents: DocumentStore, base_url: str, search=None):
        self.engine = engine
        self.documents = documents
        self.base_url = base_url.rstrip("/")
        self.search = search

    # ------------------------------------------------------------- creation
    def create(self, session: Session, user: User, *, title: str, summary: str, working_group_id: int) -> Hearing:
        """A standalone hearing: its own case, prepared by the secretariat."""
        require_secretariat(user)
        group = session.get(WorkingGroup, working_group_id)
        errors = {}
        if not (title or "").strip():
            errors["title"] = [REQUIRED]
        elif len(title.strip()) > 200:
            errors["title"] = [TOO_LONG]
        if len((summary or "").strip()) > 10_000:
            errors["summary"] = [TOO_LONG]
        if group is None:
            errors["working_group_id"] = [N_("Choose one of the options.")]
        if errors:
                raise FormInvalid(errors)
        hearing = Hearing(title=title.strip()[:200], summary=(summary or "").strip(), working_group_id=group.id,
                          working_group=group, deadline=default_deadline(), created_by=user.username)
        session.add(hearing)
        session.flush()
        instance = self.engine.start(session, PROCESS_ID, actor=user.username, title=hearing.title,
                                     scope=group.scope if group else None, data={"hearing_id": hearing.id})
        hearing.case_id = instance.id
        if self.search is not None:  # the start's save ran before the hearing knew its case
            self.search.hearing(session, hearing)
        return hearing

    # ---------------------------------------------------------- preparation
    def _editable(self, hearing: Hearing) -> None:
        if hearing.status != "draft":
            raise HearingError(N_("The hearing is published; its parties and material can no longer change."))

    def add_municipalities(self, session: Session, user: User, hearing_id: int, municipality_ids: list[int]) -> int:
        hearing = get_hearing(session, hearing_id)
        require_secretariat(user)
        self._editable(hearing)
        existing = {p.municipality_id for p in parties(session, hearing_id)}
        added = 0
        for muni in session.scalars(select(Municipality).where(Municipality.id.in_(municipality_ids))):
            if muni.id in existing:
                continue
            session.add(HearingParty(hearing_id=hearing.id, kind="municipality", municipality_id=muni.id,
                                     name=muni.name, email=muni.email))
            added += 1
        recount(session, hearing)
        return added

    def add_external_party(self, session: Session, user: User, hearing_id: int, raw: dict) -> HearingParty:
        hearing = get_hearing(session, hearing_id)
        require_secretariat(user)
        self._editable(hearing)
        values = load_values(PartyForm, raw)
        email = values["email"].lower()
        if session.scalar(select(HearingParty.id).where(HearingParty.hearing_id == hearing_id,
                                                        func.lower(HearingParty.email) == email)):
            raise HearingError(N_("This e-mail address is already a party to the hearing."), "email")
        party = HearingParty(hearing_id=hearing.id, kind="external", name=values["name"], email=email)
        session.add(party)
        recount(session, hearing)
        return party

    def remove_party(self, session: Session, user: User, hearing_id: int, party_id: int) -> None:
        hearing = get_hearing(session, hearing_id)
        require_secretariat(user)
        self._editable(hearing)
        party = session.get(HearingParty, party_id)
        if party is None or party.hearing_id != hearing_id:
            raise NotFound(f"party {party_id}")
        session.delete(party)
        recount(session, hearing)

    def add_document(self, session: Session, user: User, hearing_id: int, filename: str, content: bytes,
                     title: str | None = None):
        hearing = get_hearing(session, hearing_id)
        require_secretariat(user)
        self._editable(hearing)
        version = self.documents.add(session, case_id=hearing.case_id, filename=filename, content=content,
                                     actor=user.username, title=title)
        session.add(HearingDocument(hearing_id=hearing.id, document_id=version.document_id))
        return version

    def material(self, session: Session, hearing_id: int) -> list[Document]:
        return [hd.document for hd in session.scalars(
            select(HearingDocument).where(HearingDocument.hearing_id == hearing_id).order_by(HearingDocument.id))]

    # -------------------------------------------------------------- responses
    def party_for_token(self, session: Session, token: str) -> HearingParty:
        party = session.scalar(select(HearingParty).where(HearingParty.token_hash == token_hash(token or "")))
        if party is None:
            raise NotFound("party link")
        return party

    def party_for_contact(self, session: Session, user: User, hearing_id: int) -> HearingParty:
        hearing = get_hearing(session, hearing_id)
        party = None
        if user.municipality_id is not None and user.has_role("municipality_contact"):
            party = session.scalar(select(HearingParty).where(HearingParty.hearing_id == hearing.id,
                                                              HearingParty.municipality_id == user.municipality_id))
        if party is None:
            raise Forbidden(N_("Your municipality is not a party to this hearing."))
        if hearing.status == "draft":
            raise NotFound(f"hearing {hearing_id}")  # not published: parties do not see it yet
        return party

    def respond(self, session: Session, party: HearingParty, raw: dict, files: list[tuple[str, bytes]],
                actor: str, *, allow_late: bool) -> HearingResponse:
        """Store a response (a new version if the party answered before).

        Before the deadline it replaces the previous one. After the deadline it
        is kept, marked late and waits for the secretariat, when `allow_late`
        (the party link says so plainly); the ordinary form refuses.
        """
        hearing = party.hearing
        if hearing.status == "draft":
            raise HearingError(N_("The hearing has not been published yet."))
        if hearing.status == "concluded":
            raise HearingError(N_("The hearing is concluded; responses can no longer be given."))
        late = is_past_deadline(hearing)
        if late and not allow_late:
            raise HearingError(N_("The hearing deadline has passed; the hearing is closed."))
        values = load_values(ResponseForm, raw)
        files = [(name, content) for name, content in files if name]
        if not values.get("text") and not files:
                raise FormInvalid({"text": [N_("Write a response or attach a file.")]})
        previous = session.scalars(select(HearingResponse).where(HearingResponse.party_id == party.id)
                                   .order_by(HearingResponse.version.desc())).all()
        for old in previous:
            if not late:
                old.current = False
            elif old.late_status == "pending":
                old.late_status = "superseded"  # the newest late answer is the one to decide on
        # A late response becomes current only when the secretariat admits it; until then (and
        # if it is rejected) the party's on-time response stays the one that counts.
        response = HearingResponse(hearing_id=hearing.id, party_id=party.id,
                                   version=(previous[0].version + 1) if previous else 1,
                                   text=values.get("text") or "", submitted_by=actor, late=late, current=not late,
                                   late_status="pending" if late else None, submitted_at=utcnow())
        session.add(response)
        session.flush()
        for filename, content in files:
            version = self.documents.add(session, case_id=hearing.case_id, filename=filename, content=content,
                                         actor=actor, title=f"Høringssvar fra {party.name}: {filename}")
            response.files.append(HearingResponseFile(document_id=version.document_id))
        self.engine.audit.append(session, kind="hearing.response", actor=actor, case_id=hearing.case_id,
                                 summary=f"{party.name} v{response.version}" + (" (late)" if late else ""),
                                 detail={"hearing_id": hearing.id, "party_id": party.id, "late": late},
                                 data=response.text)
        recount(session, hearing)
        return response

    def request_unpublish(self, session: Session, party: HearingParty, unpublish: bool = True) -> None:
        if party.hearing.status == "concluded" and not unpublish:
            raise HearingError(N_("The hearing is concluded."))
        party.unpublish_requested = unpublish
        self.engine.audit.append(session, kind="hearing.unpublish", actor=f"party:{party.id}",
                                 case_id=party.hearing.case_id, summary=party.name,
                                 detail={"hearing_id": party.hearing_id, "unpublish": unpublish})

    def decide_late(self, session: Session, user: User, response_id: int, raw: dict) -> HearingResponse:
        response = session.get(HearingResponse, response_id)
        if response is None:
            raise NotFound(f"response {response_id}")
        require_secretariat(user)
        if not response.late or response.late_status != "pending":
            raise HearingError(N_("Only a late response that awaits a decision can be decided."))
        hearing = get_hearing(session, response.hearing_id)
        if hearing.status == "concluded":
            raise HearingError(N_("The hearing is concluded."))
        values = load_values(LateDecisionForm, raw)
        response.late_status = "admitted" if values["decision"] == "admit" else "rejected"
        if response.late_status == "admitted":
            for other in session.scalars(select(HearingResponse).where(HearingResponse.party_id == response.party_id)):
                other.current = other.id == response.id
        response.late_reason = values["reason"]
        response.late_decided_by = user.username
        response.late_decided_at = utcnow()
        self.engine.audit.append(session, kind="hearing.late", actor=user.username, case_id=hearing.case_id,
                                 summary=f"{response.party.name}: {response.late_status}",
                                 detail={"response_id": response.id, "decision": response.late_status},
                                 data=values["reason"])
        recount(session, hearing)
        return response

    # ------------------------------------------------------------ the note
    def _note_editable(self, hearing: Hearing) -> None:
        if hearing.status != "closed":
            raise HearingError(N_("The hearing note is written after the deadline, until it is approved."))
        if hearing.note_submitted_at is not None:
            raise HearingError(N_("The hearing note awaits the secretariat's approval; it can change again "
                                  "only if it is returned."))

    def add_point(self, session: Session, user: User, hearing_id: int, raw: dict) -> NotePoint:
        hearing = get_hearing(session, hearing_id)
        require_group(user, hearing)
        self._note_editable(hearing)
        values = load_values(NotePointForm, raw)
        response = session.get(HearingResponse, values["response_id"])
        if response is None or response.hearing_id != hearing.id or not response.considered:
            raise HearingError(N_("Choose a response that counts in the hearing note."), "response_id")
        point = NotePoint(hearing_id=hearing.id, response_id=response.id, point=values["point"],
                          disposition=values["disposition"], reason=values["reason"], created_by=user.username)
        session.add(point)
        return point

    def delete_point(self, session: Session, user: User, hearing_id: int, point_id: int) -> None:
        hearing = get_hearing(session, hearing_id)
        require_group(user, hearing)
        self._note_editable(hearing)
        point = session.get(NotePoint, point_id)
        if point is None or point.hearing_id != hearing_id:
            raise NotFound(f"note point {point_id}")
        session.delete(point)

    # ------------------------------------------------------------- views
    def staff_view(self, session: Session, user: User, hearing_id: int) -> dict:
        hearing = get_hearing(session, hearing_id)
        if not may_view(user, hearing):
            raise Forbidden(N_("You do not have access to this hearing."))
        party_rows = parties(session, hearing.id)
        current = responses(session, hearing.id)
        answered = {r.party_id for r in current}
        late_waiting_or_rejected = [r for r in responses(session, hearing.id, current_only=False)
                                    if r.late and not r.current]
        taken = {p.municipality_id for p in party_rows}
        return {
            "hearing": hearing, "parties": party_rows, "material": self.material(session, hearing.id),
            "responses": sorted(current + late_waiting_or_rejected, key=lambda r: r.submitted_at),
            "silent": [p for p in party_rows if p.id not in answered],
            "points": note_points(session, hearing.id), "missing": missing_points(session, hearing.id),
            "municipalities": [m for m in session.scalars(select(Municipality).order_by(Municipality.name))
                               if m.id not in taken] if hearing.status == "draft" else [],
            "is_secretariat": user.has_role("secretariat"),
            "is_group": hearing.working_group_id in user.group_ids,
            "considered": [r for r in current if r.considered],
        }

    def party_view(self, session: Session, party: HearingParty) -> dict:
        """What a party sees through its link: the hearing, the material, its own responses only."""
        hearing = party.hearing
        own = list(session.scalars(select(HearingResponse).where(HearingResponse.party_id == party.id)
                                   .order_by(HearingResponse.version.desc())))
        return {"hearing": hearing, "party": party, "material": self.material(session, hearing.id),
                "own": own, "past_deadline": is_past_deadline(hearing), "concluded": hearing.status == "concluded"}

    def public_view(self, session: Session, hearing_id: int) -> dict:
        hearing = get_hearing(session, hearing_id)
        if not hearing.is_public:
            raise NotFound(f"hearing {hearing_id}")
        view = {"hearing": hearing, "material": self.material(session, hearing.id),
                "parties": parties(session, hearing.id), "responses": [], "points": []}
        if hearing.status == "concluded":
            view["responses"] = [r for r in responses(session, hearing.id)
                                 if r.considered and not r.party.unpublish_requested]
            view["points"] = note_points(session, hearing.id)
        return view

    def public_document(self, session: Session, hearing_id: int, document_id: int):
        """A document anyone may download: material of a published hearing, or a published response's file."""
        view = self.public_view(session, hearing_id)
        allowed = {d.id for d in view["material"]}
        for response in view["responses"]:
            allowed.update(f.document_id for f in response.files)
        if document_id not in allowed:
            raise NotFound(f"document {document_id}")
        return self.documents.get_version(session, document_id)

    def party_document(self, session: Session, party: HearingParty, document_id: int):
        view = self.party_view(session, party)
        allowed = {d.id for d in view["material"]}
        for response in view["own"]:
            allowed.update(f.document_id for f in response.files)
        if document_id not in allowed:
            raise NotFound(f"document {document_id}")
        return self.documents.get_version(session, document_id)

    # ------------------------------------------------------------- lists
    def dashboard(self, session: Session, user: User, sort: str = "deadline") -> list[Hearing]:
        require_staff(user)
        scope = select(Hearing).where(Hearing.status != "concluded")
        if not user.has_role("secretariat", "admin", "council_member", "council_chair"):
            scope = scope.where(Hearing.working_group_id.in_(user.group_ids))
        order = {"deadline": (Hearing.deadline_at.is_(None), Hearing.deadline_at),
                 "title": (Hearing.title,),
                 "responses": (Hearing.answered_count.desc(),),
                 "late": (Hearing.late_pending_count.desc(), Hearing.deadline_at)}.get(sort)
        if order is None:
            order = (Hearing.deadline_at.is_(None), Hearing.deadline_at)
        return list(session.scalars(scope.order_by(*order, Hearing.id)))

    def for_municipality(self, session: Session, municipality_id: int) -> list[tuple[Hearing, HearingParty]]:
        rows = session.execute(
            select(Hearing, HearingParty).join(HearingParty, HearingParty.hearing_id == Hearing.id)
            .where(HearingParty.municipality_id == municipality_id, Hearing.status != "draft")
            .order_by(Hearing.deadline_at.desc()))
        return [(h, p) for h, p in rows]

    def public(self, session: Session) -> list[Hearing]:
        return list(session.scalars(select(Hearing).where(Hearing.status != "draft")
                                    .order_by(Hearing.deadline_at.desc())))

    # --------------------------------------------------- service-task code
    def service_handlers(self) -> dict:
        return {"hearing.publish": self._publish, "hearing.remind": self._remind,
                "hearing.close": self._close, "hearing.publish_note": self._publish_note}

    def _context(self, params):
        ctx = current_execution.get()
        return ctx.session, get_hearing(ctx.session, int(params["hearing_id"]))

    def link(self, token: str) -> str:
        return f"{self.base_url}/hoering/svar/{token}"

    def _publish(self, params: dict, task_data: dict) -> dict:
        session, hearing = self._context(params)
        now = utcnow()
        hearing.status = "open"
        hearing.published_at = now
        hearing.deadline_at = deadline_moment(hearing.deadline)
        # N calendar days before, at the same Copenhagen wall-clock time (not N x 24 h: DST changes)
        reminder = (deadline_moment(hearing.deadline - timedelta(days=hearing.reminder_days))
                    if hearing.reminder_days else None)
        hearing.reminder_at = reminder if reminder is not None and reminder > now else None
        deadline_text = hearing.deadline.strftime("%d.%m.%Y")
        for party in parties(session, hearing.id):
            token = secrets.token_urlsafe(32)
            party.token_hash = token_hash(token)
            party.invited_at = now
            queue_mail(session, to=party.email, to_name=party.name, case_id=hearing.case_id, tag="hearing.invite",
                       subject=f"Høring: {hearing.title} – svarfrist {deadline_text}",
                       body=(f"Kære {party.name}\n\n"
                             f"I inviteres hermed til at afgive høringssvar på »{hearing.title}«.\n\n"
                             f"{hearing.summary}\n\n"
                             f"Svarfristen er {deadline_text} kl. 23.59.\n"
                             f"Afgiv jeres svar via dette personlige link (del det ikke med andre):\n"
                             f"{self.link(token)}\n\n"
                             f"Materialet findes på {self.base_url}/offentlige-hoeringer/{hearing.id}\n\n"
                             "Med venlig hilsen\nSekretariatet for Kommunernes It-Arkitekturråd\n"))
        recount(session, hearing)
        return {"deadline_at": hearing.deadline_at.isoformat(),
                "reminder_at": hearing.reminder_at.isoformat() if hearing.reminder_at else None}

    def _remind(self, params: dict, task_data: dict) -> dict:
        session, hearing = self._context(params)
        if hearing.status != "open":
            return {"reminded": 0}
        answered = {r.party_id for r in responses(session, hearing.id)}
        now = utcnow()
        count = 0
        for party in parties(session, hearing.id):
            if party.id in answered or not party.email:
                continue
            party.reminded_at = now
            count += 1
            queue_mail(session, to=party.email, to_name=party.name, case_id=hearing.case_id, tag="hearing.reminder",
                       subject=f"Påmindelse: høringsfrist {hearing.deadline.strftime('%d.%m.%Y')} – {hearing.title}",
                       body=(f"Kære {party.name}\n\nVi har endnu ikke modtaget jeres høringssvar på "
                             f"»{hearing.title}«. Fristen er {hearing.deadline.strftime('%d.%m.%Y')} kl. 23.59.\n"
                             "Brug det personlige link fra invitationen for at svare.\n\n"
                             "Med venlig hilsen\nSekretariatet for Kommunernes It-Arkitekturråd\n"))
        hearing.reminded_at = now
        return {"reminded": count}

    def _close(self, params: dict, task_data: dict) -> dict:
        session, hearing = self._context(params)
        hearing.status = "closed"
        hearing.closed_at = utcnow()
        recount(session, hearing)
        return {"answered": hearing.answered_count}

    def _publish_note(self, params: dict, task_data: dict) -> dict:
        session, hearing = self._context(params)
        hearing.status = "concluded"
        hearing.concluded_at = utcnow()
        return {"published": considered_count(session, hearing.id)}


# ------------------------------------------------------------- task forms

def _prepare_initial(ctx) -> dict:
    hearing = get_hearing(ctx.session, ctx.task_data["hearing_id"])
    return PrepareForm().initial({"title": hearing.title, "summary": hearing.summary,
                                  "deadline": hearing.deadline, "reminder_days": hearing.reminder_days})


def _prepare_submit(ctx, values: dict) -> dict:
    hearing = get_hearing(ctx.session, ctx.task_data["hearing_id"])
    today = utcnow().astimezone(COPENHAGEN).date()
    errors: dict[str, list[str]] = {}
    if values["deadline"] <= today:
        errors["deadline"] = [N_("The deadline must be after today.")]
    elif values["reminder_days"] and values["deadline"] - timedelta(days=values["reminder_days"]) <= today:
        errors["reminder_days"] = [N_("The reminder would fall before tomorrow; choose fewer days or 0.")]
    party_rows = parties(ctx.session, hearing.id)
    if not party_rows:
        errors["parties"] = [N_("Add at least one party before publishing.")]
    without = [p.name for p in party_rows if not p.email]
    if without:
        errors["parties"] = [N_("These parties have no e-mail address:"), ", ".join(without)]
    if errors:
        raise FormInvalid(errors)
    hearing.title, hearing.summary = values["title"], values["summary"]
    hearing.deadline, hearing.reminder_days = values["deadline"], values["reminder_days"]
    return {"hearing_id": hearing.id}


def _note_initial(ctx) -> dict:
    hearing = get_hearing(ctx.session, ctx.task_data["hearing_id"])
    return {"note_summary": hearing.note_summary}


def _note_submit(ctx, values: dict) -> dict:
    hearing = get_hearing(ctx.session, ctx.task_data["hearing_id"])
    missing = missing_points(ctx.session, hearing.id)
    pending = [r.party.name for r in pending_late(ctx.session, hearing.id)]
    errors = {}
    if missing:
        errors["points"] = [N_("Every response needs at least one point with a disposition:"),
                            ", ".join(r.party.name for r in missing)]
    if pending:
        errors["late"] = [N_("The secretariat must first decide on the late responses from:"), ", ".join(pending)]
    if errors:
        raise FormInvalid(errors)
    hearing.note_summary = values.get("note_summary") or ""
    hearing.note_submitted_at = utcnow()
    return {}


def _approve_submit(ctx, values: dict) -> dict:
    hearing = get_hearing(ctx.session, ctx.task_data["hearing_id"])
    if values["note_decision"] == "approve":
        missing = missing_points(ctx.session, hearing.id)
        if missing:
                raise FormInvalid({"note_decision": [N_("Every response needs at least one point with a disposition:"),
                                                 ", ".join(r.party.name for r in missing)]})
    else:
        hearing.note_submitted_at = None  # returned: the working group may change the points again
    hearing.note_return_reason = values.get("reason") if values["note_decision"] == "return" else None
    return {"note_decision": values["note_decision"]}


register(FormDef("hearing.prepare", PrepareForm, _prepare_submit, _prepare_initial))
register(FormDef("hearing.note", NoteForm, _note_submit, _note_initial))
register(FormDef("hearing.approve", ApproveNoteForm, _approve_submit))


# ---------------------------------------------------------------- calendar

def deadlines_calendar(hearings: list[Hearing], base_url: str, name: str) -> bytes:
    """An iCalendar feed with one all-day event per hearing deadline."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Byplan//Høringsfrister//DA")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for hearing in hearings:
        event = Event()
        event.add("uid", f"hearing-{hearing.id}-deadline@byplan")
        event.add("summary", f"Høringsfrist: {hearing.title}")
        event.add("dtstart", hearing.deadline)
        event.add("dtend", hearing.deadline + timedelta(days=1))
        event.add("dtstamp", hearing.published_at or hearing.created_at)
        event.add("url", f"{base_url.rstrip('/')}/offentlige-hoeringer/{hearing.id}")
        event.add("description", f"Svarfrist kl. 23.59. {hearing.summary[:500]}")
        cal.add_component(event)
    return cal.to_ical()


def hearings_for_user(session: Session, user: User) -> list[Hearing]:
    """The hearings whose deadlines concern a user: all for staff, their municipality's for a contact."""
    query = select(Hearing).where(Hearing.status != "draft")
    if not (user.has_role("secretariat", "admin", "council_member", "council_chair") or user.group_ids):
        if user.municipality_id is None:
            return []
        query = query.join(HearingParty, HearingParty.hearing_id == Hearing.id).where(
            HearingParty.municipality_id == user.municipality_id)
    elif not user.has_role("secretariat", "admin", "council_member", "council_chair"):
        query = query.where(Hearing.working_group_id.in_(user.group_ids))
    return list(session.scalars(query.order_by(Hearing.deadline)))
