"""The council (Kommunernes It-Arkitekturråd): members, meetings, agendas, positions, decisions, minutes.

Positions, decisions, agenda changes and minutes objections are records; the
meeting's workflow carries the order of work (item deadline, agenda
publication, positions, the chair's decisions, minutes approval by silence).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from marshmallow import ValidationError, validates_schema
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine import Forbidden, NotFound, current_execution
from engine.audit import AuditLog
from engine.mail import queue_mail
from engine.models import Base, Document, utcnow

from .errors import DomainError
from .dates import COPENHAGEN, end_of_day
from .directory import User, WorkingGroup
from .forms import (
    REQUIRED, FormDef, FormInvalid, FormSchema, choice, date_field, integer, load_values, register, text,
)
from .i18n import N_
from .lanes import require_secretariat

PROCESS_ID = "council_meeting"
MINUTES_DAYS = 7

KINDS = [("decision", N_("Decision")), ("discussion", N_("Discussion")), ("information", N_("Information"))]
POSITIONS = [("agree", N_("Agree")), ("object", N_("Object")), ("abstain", N_("Abstain"))]
OUTCOMES = [("approved", N_("Approved")), ("approved_with_changes", N_("Approved with changes")),
            ("rejected", N_("Rejected")), ("sent_back", N_("Sent back to the working group"))]
STATUS_LABELS = {"collecting": N_("Collecting agenda items"), "agenda": N_("Agenda being prepared"),
                 "published": N_("Agenda published"), "minutes": N_("Minutes being written"),
                 "minutes_review": N_("Minutes out for approval"), "concluded": N_("Minutes published")}


class CouncilError(DomainError):
    key = "council"


# ------------------------------------------------------------------ records

class CouncilMember(Base):
    __tablename__ = "council_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    is_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    organisation: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship(lazy="joined")

    def active(self, on: date) -> bool:
        return self.term_start <= on and (self.term_end is None or on <= self.term_end)


class Meeting(Base):
    __tablename__ = "council_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(300), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    item_deadline: Mapped[date] = mapped_column(Date)
    publish_days: Mapped[int] = mapped_column(Integer, default=7)
    status: Mapped[str] = mapped_column(String(20), default="collecting", index=True)
    agenda_published_at: Mapped[datetime | None]
    minutes_summary: Mapped[str] = mapped_column(Text, default="")
    minutes_round: Mapped[int] = mapped_column(Integer, default=0)
    minutes_deadline_at: Mapped[datetime | None]
    minutes_published_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_public(self) -> bool:
        return self.agenda_published_at is not None


class AgendaItem(Base):
    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20), default="decision")
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
    minutes: Mapped[str] = mapped_column(Text, default="")
    removed: Mapped[bool] = mapped_column(Boolean, default=False)

    meeting: Mapped[Meeting] = relationship(lazy="joined")
    working_group: Mapped[WorkingGroup | None] = relationship(lazy="joined")
    documents: Mapped[list[AgendaItemDocument]] = relationship(lazy="selectin", cascade="all, delete-orphan")


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


class MinutesObjection(Base):
    __tablename__ = "minutes_objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    member: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


# -------------------------------------------------------------------- forms

class MeetingForm(FormSchema):
    title = text(N_("Title"), required=True, max_length=200)
    date = date_field(N_("Meeting date"))
    start_time = text(N_("Start time (HH:MM)"), required=True, max_length=5)
    place = text(N_("Place"), max_length=300)
    online_link = text(N_("Online link"), max_length=500)
    item_deadline = date_field(N_("Deadline for agenda items"))
    publish_days = integer(N_("Publish the agenda this many days before"), minimum=1, maximum=60)

    @validates_schema(skip_on_field_errors=False)
    def _consistent(self, data, **kwargs):
        if data.get("start_time"):
            try:
                time.fromisoformat(data["start_time"])
            except ValueError:
                raise ValidationError(N_("Enter a time as HH:MM."), "start_time") from None
        if not data.get("place") and not data.get("online_link"):
            raise ValidationError(N_("Give a place or an online link."), "place")
        if data.get("date") and data.get("item_deadline") and data["item_deadline"] >= data["date"]:
            raise ValidationError(N_("The item deadline must be before the meeting."), "item_deadline")


class ItemForm(FormSchema):
    kind = choice(N_("Kind of item"), KINDS)
    title = text(N_("Title"), required=True, max_length=200)
    description = text(N_("Description"), widget="textarea", max_length=10000)
    reason = text(N_("Reason for the change"), widget="textarea", max_length=2000,
                  help=N_("Required once the agenda is published; shown on the public page."))


class PositionForm(FormSchema):
    position = choice(N_("Your position"), POSITIONS)
    comment = text(N_("Comment"), widget="textarea", max_length=5000)


class DecideForm(FormSchema):
    decision = choice(N_("The council's decision"), OUTCOMES)
    changes = text(N_("Changes"), widget="textarea", max_length=10000, help=N_("Required when approved with changes."))
    reason = text(N_("Reason"), widget="textarea", max_length=10000, help=N_("Required when rejected or sent back."))

    @validates_schema(skip_on_field_errors=False)
    def _conditional(self, data, **kwargs):
        if data.get("decision") == "approved_with_changes" and not data.get("changes"):
            raise ValidationError(REQUIRED, "changes")
        if data.get("decision") in ("rejected", "sent_back") and not data.get("reason"):
            raise ValidationError(REQUIRED, "reason")


class AgendaForm(FormSchema):
    note = text(N_("Note to the agenda"), widget="textarea", max_length=5000)


class MinutesForm(FormSchema):
    minutes_summary = text(N_("Minutes"), required=True, widget="textarea", max_length=50000,
                           help=N_("The minutes of each item are written on the meeting page."))


class ObjectionForm(FormSchema):
    text = text(N_("Your objection"), required=True, widget="textarea", max_length=5000)


# ------------------------------------------------------------------ helpers

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


def members(session: Session, on: date | None = None) -> list[CouncilMember]:
    on = on or utcnow().astimezone(COPENHAGEN).date()
    rows = session.scalars(select(CouncilMember).order_by(CouncilMember.is_chair.desc(), CouncilMember.id)).unique()
    return [m for m in rows if m.active(on) and m.user.active]


def member_for(session: Session, user: User) -> CouncilMember | None:
    member = session.scalars(select(CouncilMember).where(CouncilMember.user_id == user.id)).unique().first()
    return member if member is not None and member.active(utcnow().astimezone(COPENHAGEN).date()) else None


def positions(session: Session, item_id: int) -> list[Position]:
    return list(session.scalars(select(Position).where(Position.item_id == item_id).order_by(Position.member)))


def count_positions(session: Session, item_id: int) -> dict[str, int]:
    counts = {"agree": 0, "object": 0, "abstain": 0}
    for pos, n in session.execute(select(Position.position, func.count()).where(Position.item_id == item_id)
                                  .group_by(Position.position)):
        counts[pos] = n
    return counts


def open_meetings(session: Session) -> list[Meeting]:
    """Meetings that still take agenda items."""
    return list(session.scalars(select(Meeting).where(Meeting.status.in_(("collecting", "agenda")))
                                .order_by(Meeting.starts_at)))


# --------------------------------------------------------------- the service

def next_position(session: Session, meeting: Meeting) -> int:
    return (session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
            or 0) + 1


def schedule_proposal(session: Session, meeting_id: int, proposal, actor: str) -> AgendaItem:
    """Put a proposal on a meeting's agenda as a decision item (the proposal case then awaits the decision)."""
    meeting = get_meeting(session, meeting_id)
    if meeting.status not in ("collecting", "agenda"):
        raise CouncilError(N_("This meeting no longer takes agenda items."), "meeting_id")
    item = AgendaItem(meeting_id=meeting.id, kind="decision", title=proposal.title,
                      description=proposal.summary or "", proposal_id=proposal.id,
                      working_group_id=proposal.working_group_id, position=next_position(session, meeting))
    session.add(item)
    session.flush()
    return item


def record_position(session: Session, audit, user: User, item_id: int, raw: dict) -> Position:
    """A member's position; a second one replaces the first until the chair has decided."""
    item = get_item(session, item_id)
    if member_for(session, user) is None:
        raise Forbidden(N_("Only council members record positions."))
    if item.kind != "decision":
        raise CouncilError(N_("Positions are recorded on decision items only."))
    if item.decided_at is not None:
        raise CouncilError(N_("The chair has decided this item; positions can no longer change."))
    if item.meeting.agenda_published_at is None:
        raise CouncilError(N_("Positions are recorded once the agenda is published."))
    values = load_values(PositionForm, raw)
    row = session.scalar(select(Position).where(Position.item_id == item.id, Position.member == user.username))
    if row is None:
        row = Position(item_id=item.id, member=user.username, position=values["position"])
        session.add(row)
    else:
        row.replaced += 1
    row.position = values["position"]
    row.comment = values.get("comment") or ""
    row.recorded_at = utcnow()
    audit.append(session, kind="council.position", actor=user.username,
                 case_id=item.meeting.case_id, summary=f"{item.title}: {row.position}",
                 detail={"item_id": item.id, "position": row.position})
    return row



class Council:
    def __init__(self, engine, documents, base_url: str, search=None):
        self.engine = engine
        self.documents = documents
        self.base_url = base_url.rstrip("/")
        self.search = search

    def _reindex(self, session: Session, meeting: Meeting, retag_material: bool = False) -> None:
        if self.search is not None:
            session.flush()
            self.search.meeting(session, meeting, retag_material)

    def create_meeting(self, session: Session, user: User, raw: dict) -> Meeting:
        require_secretariat(user)
        values = load_values(MeetingForm, raw)
        starts = datetime.combine(values["date"], time.fromisoformat(values["start_time"]), COPENHAGEN)
        if starts.astimezone(timezone.utc) <= utcnow():
                raise FormInvalid({"date": [N_("The meeting must be in the future.")]})
        meeting = Meeting(title=values["title"], starts_at=starts.astimezone(timezone.utc),
                          place=values.get("place") or "", online_link=values.get("online_link") or "",
                          item_deadline=values["item_deadline"], publish_days=values["publish_days"],
                          created_by=user.username)
        session.add(meeting)
        session.flush()
        instance = self.engine.start(session, PROCESS_ID, actor=user.username, title=meeting.title,
                                     data={"meeting_id": meeting.id})
        meeting.case_id = instance.id
        self._reindex(session, meeting)
        return meeting

    # ------------------------------------------------------------- agenda
    def _change(self, session: Session, user: User, meeting: Meeting, item: AgendaItem | None,
                description: str, reason: str | None) -> None:
        """Before publication the agenda is free; after it every change needs a reason, recorded publicly."""
        if meeting.status in ("minutes", "minutes_review", "concluded"):
            raise CouncilError(N_("The meeting is over; its agenda can no longer change."))
        if meeting.agenda_published_at is None:
            return
        if not (reason or "").strip():
            raise CouncilError(N_("The agenda is published: give a reason for the change."), "reason")
        session.add(AgendaChange(meeting_id=meeting.id, item_id=item.id if item else None, by=user.username,
                                 description=description[:500], reason=reason.strip()))

    def add_item(self, session: Session, user: User, meeting_id: int, raw: dict) -> AgendaItem:
        require_secretariat(user)
        meeting = get_meeting(session, meeting_id)
        values = load_values(ItemForm, raw)
        if values["kind"] == "decision" and meeting.agenda_published_at is not None:
            raise CouncilError(N_("The agenda is published: a new decision item goes on the next meeting's "
                                  "agenda (it can be added here for discussion or information)."), "kind")
        item = AgendaItem(meeting_id=meeting.id, kind=values["kind"], title=values["title"],
                          description=values.get("description") or "", position=next_position(session, meeting))
        session.add(item)
        session.flush()
        self._change(session, user, meeting, item, f"Punkt tilføjet: {item.title}", values.get("reason"))
        self._reindex(session, meeting)
        return item

    def schedule_proposal(self, session: Session, meeting_id: int, proposal, actor: str) -> AgendaItem:
        return schedule_proposal(session, meeting_id, proposal, actor)

    def move_item(self, session: Session, user: User, item_id: int, direction: int, reason: str | None) -> None:
        require_secretariat(user)
        item = get_item(session, item_id)
        ordered = items(session, item.meeting_id)
        index = ordered.index(item)
        other = index + (1 if direction > 0 else -1)
        if not 0 <= other < len(ordered):
            return
        self._change(session, user, item.meeting, item, f"Punkt flyttet: {item.title}", reason)
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for n, row in enumerate(ordered, start=1):
            row.position = n

    def remove_item(self, session: Session, user: User, item_id: int, reason: str | None) -> None:
        require_secretariat(user)
        item = get_item(session, item_id)
        if item.proposal_id is not None:
            raise CouncilError(N_("A proposal's item cannot be removed; the chair decides it (e.g. sent back)."))
        if item.kind == "decision" and item.meeting.agenda_published_at is not None:
            raise CouncilError(N_("A decision item cannot be removed once the agenda is published; "
                                  "the chair decides it (e.g. sent back)."))
        self._change(session, user, item.meeting, item, f"Punkt fjernet: {item.title}", reason)
        item.removed = True
        self._reindex(session, item.meeting)
        if self.search is not None:  # the removed item's material is no longer the meeting's
            for link in item.documents:
                self.search.retag_document(session, link.document_id)

    def add_material(self, session: Session, user: User, item_id: int, filename: str, content: bytes,
                     reason: str | None = None):
        require_secretariat(user)
        item = get_item(session, item_id)
        self._change(session, user, item.meeting, item, f"Materiale tilføjet til: {item.title}", reason)
        version = self.documents.add(session, case_id=item.meeting.case_id, filename=filename, content=content,
                                     actor=user.username, title=None)
        item.documents.append(AgendaItemDocument(document_id=version.document_id))
        self._reindex(session, item.meeting, retag_material=True)  # the material of a published agenda is public
        return version

    def write_minutes(self, session: Session, user: User, item_id: int, text_: str) -> None:
        require_secretariat(user)
        item = get_item(session, item_id)
        if item.meeting.status not in ("published", "minutes"):
            raise CouncilError(N_("Minutes are written after the meeting, until they are sent for approval."))
        item.minutes = (text_ or "").strip()[:20000]

    # ---------------------------------------------------------- positions
    def change_position(self, session: Session, user: User, item_id: int, raw: dict) -> Position:
        return record_position(session, self.engine.audit, user, item_id, raw)


    def object_to_minutes(self, session: Session, user: User, meeting_id: int, raw: dict) -> MinutesObjection:
        meeting = get_meeting(session, meeting_id)
        if member_for(session, user) is None:
            raise Forbidden(N_("Only council members approve the minutes."))
        if meeting.status != "minutes_review":
            raise CouncilError(N_("The minutes are not out for approval."))
        values = load_values(ObjectionForm, raw)
        objection = MinutesObjection(meeting_id=meeting.id, round=meeting.minutes_round, member=user.username,
                                     text=values["text"])
        session.add(objection)
        return objection

    # -------------------------------------------------------------- views
    def meeting_view(self, session: Session, meeting_id: int, user: User | None = None) -> dict:
        meeting = get_meeting(session, meeting_id)
        public = user is None or not (user.has_role("secretariat", "admin", "council_member", "council_chair")
                                      or user.group_ids)
        if public and not meeting.is_public:
            raise NotFound(f"meeting {meeting_id}")
        rows = items(session, meeting.id)
        me = member_for(session, user) if user is not None else None
        return {
            "meeting": meeting, "items": rows,
            "changes": list(session.scalars(select(AgendaChange).where(AgendaChange.meeting_id == meeting.id)
                                            .order_by(AgendaChange.at))),
            "positions": {i.id: positions(session, i.id) for i in rows} if not public else {},
            "counts": {i.id: count_positions(session, i.id) for i in rows if i.kind == "decision"},
            "objections": list(session.scalars(select(MinutesObjection).where(MinutesObjection.meeting_id == meeting.id)
                                               .order_by(MinutesObjection.at))) if not public else [],
            "members": members(session), "me": me, "public": public,
            "names": {m.user.username: m.user.name for m in members(session)},
        }

    def meetings(self, session: Session, public: bool = False) -> list[Meeting]:
        query = select(Meeting)
        if public:
            query = query.where(Meeting.agenda_published_at.is_not(None))
        return list(session.scalars(query.order_by(Meeting.starts_at.desc())))

    def decisions(self, session: Session) -> list[AgendaItem]:
        """Decisions of meetings whose minutes are published."""
        return list(session.scalars(
            select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(Meeting.minutes_published_at.is_not(None), AgendaItem.decided_at.is_not(None),
                   AgendaItem.removed.is_(False))
            .order_by(Meeting.starts_at.desc(), AgendaItem.position)))

    # --------------------------------------------------- service-task code
    def service_handlers(self) -> dict:
        return {"council.open_call": self._open_call, "council.publish_agenda": self._publish_agenda,
                "council.count_positions": self._count_positions, "council.send_minutes": self._send_minutes,
                "council.check_objections": self._check_objections, "council.publish_minutes": self._publish_minutes}

    def _ctx(self, params):
        ctx = current_execution.get()
        return ctx.session, get_meeting(ctx.session, int(params["meeting_id"]))

    def _open_call(self, params, data) -> dict:
        session, meeting = self._ctx(params)
        meeting.status = "collecting"
        publish_at = meeting.starts_at - timedelta(days=meeting.publish_days)
        return {"item_deadline_at": end_of_day(meeting.item_deadline).isoformat(),
                "meeting_at": meeting.starts_at.isoformat(),
                "publish_at": max(publish_at, end_of_day(meeting.item_deadline)).isoformat()}

    def _publish_agenda(self, params, data) -> dict:
        session, meeting = self._ctx(params)
        meeting.status = "published"
        meeting.agenda_published_at = utcnow()
        decision_items = [i for i in items(session, meeting.id) if i.kind == "decision"]
        people = [m.user.username for m in members(session)]
        for m in members(session):
            if m.user.email:
                queue_mail(session, to=m.user.email, to_name=m.user.name, case_id=meeting.case_id,
                           tag="council.agenda", subject=f"Dagsorden: {meeting.title}",
                           body=(f"Kære {m.user.name}\n\nDagsorden og materiale til {meeting.title} er udsendt:\n"
                                 f"{self.base_url}/raadet/moeder/{meeting.id}\n\n"
                                 "Tilkendegiv din holdning til beslutningspunkterne i Byplan.\n"))
        return {"requests": [{"item_id": i.id, "member": p, "title": i.title} for i in decision_items for p in people],
                "decision_items": [{"item_id": i.id, "proposal_id": i.proposal_id, "title": i.title}
                                   for i in decision_items]}

    def _count_positions(self, params, data) -> dict:
        ctx = current_execution.get()
        return count_positions(ctx.session, int(params["item_id"]))

    def _send_minutes(self, params, data) -> dict:
        session, meeting = self._ctx(params)
        meeting.status = "minutes_review"
        meeting.minutes_round += 1
        meeting.minutes_deadline_at = end_of_day(utcnow().astimezone(COPENHAGEN).date() + timedelta(days=MINUTES_DAYS))
        for m in members(session):
            if m.user.email:
                queue_mail(session, to=m.user.email, to_name=m.user.name, case_id=meeting.case_id,
                           tag="council.minutes", subject=f"Referat til godkendelse: {meeting.title}",
                           body=(f"Kære {m.user.name}\n\nReferatet af {meeting.title} er klar til godkendelse:\n"
                                 f"{self.base_url}/raadet/moeder/{meeting.id}\n\nIndsigelser senest "
                                 f"{meeting.minutes_deadline_at.astimezone(COPENHAGEN):%d.%m.%Y}. "
                                 "Uden indsigelse betragtes referatet som godkendt.\n"))
        return {"deadline_at": meeting.minutes_deadline_at.isoformat(), "round": meeting.minutes_round}

    def _check_objections(self, params, data) -> dict:
        session, meeting = self._ctx(params)
        count = session.scalar(select(func.count()).select_from(MinutesObjection).where(
            MinutesObjection.meeting_id == meeting.id, MinutesObjection.round == meeting.minutes_round)) or 0
        if count:
            meeting.status = "minutes"
        return {"count": count}

    def _publish_minutes(self, params, data) -> dict:
        session, meeting = self._ctx(params)
        meeting.status = "concluded"
        meeting.minutes_published_at = utcnow()
        return {"published": True}


# ------------------------------------------------------------- task forms

def _agenda_submit(ctx, values: dict) -> dict:
    meeting = get_meeting(ctx.session, ctx.task_data["meeting_id"])
    if not items(ctx.session, meeting.id):
        raise FormInvalid({"note": [N_("The agenda has no items yet; add them on the meeting page.")]})
    meeting.status = "agenda"
    return {}


def _position_initial(ctx) -> dict:
    request = ctx.task_data.get("request") or {}
    row = ctx.session.scalar(select(Position).where(Position.item_id == request.get("item_id"),
                                                    Position.member == (ctx.user.username if ctx.user else None)))
    return {"position": row.position, "comment": row.comment} if row else {}


def _position_submit(ctx, values: dict) -> dict:
    request = ctx.task_data["request"]
    if ctx.user is None or request["member"] != ctx.user.username:
        raise Forbidden(N_("This position is another member's."))
    record_position(ctx.session, ctx.audit or AuditLog(), ctx.user, request["item_id"], values)
    return {"position_done": values["position"]}


def _decide_initial(ctx) -> dict:
    return {"decision": ctx.task_data.get("proposed_outcome") or ""}


def _decide_submit(ctx, values: dict) -> dict:
    item = get_item(ctx.session, ctx.task_data["item"]["item_id"])
    item.proposed_outcome = ctx.task_data.get("proposed_outcome")
    item.outcome = values["decision"]
    item.changes = values.get("changes")
    item.reason = values.get("reason")
    item.decided_at = utcnow()
    item.decided_by = ctx.user.username if ctx.user else None
    if all(i.decided_at is not None for i in items(ctx.session, item.meeting_id) if i.kind == "decision"):
        item.meeting.status = "minutes"
    if item.proposal_id is not None:
        from .proposal import Proposal

        p = ctx.session.get(Proposal, item.proposal_id)
        p.decision, p.decision_changes, p.decision_reason = item.outcome, item.changes, item.reason
        p.status = item.outcome
        p.updated_at = utcnow()
    return {"decision": item.outcome, "changes": item.changes or "", "reason": item.reason or "",
            "decision_done": item.outcome}


def _minutes_initial(ctx) -> dict:
    return {"minutes_summary": get_meeting(ctx.session, ctx.task_data["meeting_id"]).minutes_summary}


def _minutes_submit(ctx, values: dict) -> dict:
    meeting = get_meeting(ctx.session, ctx.task_data["meeting_id"])
    meeting.minutes_summary = values["minutes_summary"]
    return {}


register(FormDef("council.agenda", AgendaForm, _agenda_submit))
register(FormDef("council.position", PositionForm, _position_submit, _position_initial))
register(FormDef("council.decide", DecideForm, _decide_submit, _decide_initial))
register(FormDef("council.minutes", MinutesForm, _minutes_submit, _minutes_initial))


# -------------------------------------------------------------- feeds

def atom_feed(decisions: list[AgendaItem], meetings: list[Meeting], base_url: str) -> bytes:
    """Atom feed of the council's decisions and published minutes."""
    from feedgen.feed import FeedGenerator

    base = base_url.rstrip("/")
    labels = {"approved": "Godkendt", "approved_with_changes": "Godkendt med ændringer", "rejected": "Afvist",
              "sent_back": "Sendt tilbage til arbejdsgruppen"}
    fg = FeedGenerator()
    fg.id(f"{base}/raadet/feed.atom")
    fg.title("Kommunernes It-Arkitekturråd – beslutninger og referater")
    fg.link(href=f"{base}/raadet/beslutninger", rel="alternate")
    fg.link(href=f"{base}/raadet/feed.atom", rel="self")
    fg.language("da")
    latest = utcnow()
    fg.updated(max([m.minutes_published_at for m in meetings if m.minutes_published_at] or [latest]))
    for meeting in meetings:
        if meeting.minutes_published_at is None:
            continue
        entry = fg.add_entry()
        entry.id(f"{base}/raadet/moeder/{meeting.id}#referat")
        entry.title(f"Referat: {meeting.title}")
        entry.link(href=f"{base}/raadet/moeder/{meeting.id}")
        entry.updated(meeting.minutes_published_at)
        entry.summary(meeting.minutes_summary[:1000])
    for item in decisions:
        entry = fg.add_entry()
        entry.id(f"{base}/raadet/moeder/{item.meeting_id}#punkt-{item.id}")
        entry.title(f"{labels.get(item.outcome, item.outcome)}: {item.title}")
        entry.link(href=f"{base}/raadet/moeder/{item.meeting_id}#punkt-{item.id}")
        entry.updated(item.meeting.minutes_published_at or item.decided_at)
        entry.summary(" ".join(x for x in (item.changes, item.reason) if x) or item.title)
    return fg.atom_str(pretty=True)


def meetings_calendar(meetings: list[Meeting], base_url: str) -> bytes:
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Byplan//Rådsmøder//DA")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Kommunernes It-Arkitekturråd – møder")
    for meeting in meetings:
        event = Event()
        event.add("uid", f"council-meeting-{meeting.id}@byplan")
        event.add("summary", meeting.title)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.starts_at + timedelta(hours=3))
        event.add("dtstamp", meeting.agenda_published_at or meeting.created_at)
        event.add("location", meeting.place or meeting.online_link)
        event.add("url", f"{base_url.rstrip('/')}/raadet/moeder/{meeting.id}")
        cal.add_component(event)
    return cal.to_ical()
