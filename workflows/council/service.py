"""The council's service: who may do what with meetings and agendas, and what each user may see of them.

Every read returns only what the user may see (read models, never a record to be filtered by the
caller): the public (anonymous callers and users outside the council, the secretariat and the working
groups) sees a meeting once its agenda is published, and its decisions (with the proposed outcome), item
minutes and summary only with the published minutes; positions, objections and the case are internal.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Forbidden, NotFound

from .. import lanes
from ..dates import COPENHAGEN
from ..directory import User
from ..forms import FormInvalid, load_values
from ..i18n import N_
from ..inbox import WaitingItem
from .calendar import meetings_calendar
from .documents import MeetingPapers
from .feed import atom_feed
from .forms import (
    DeadlineForm, ItemForm, MeetingForm, ObjectionForm, PublishNowForm, item_deadline_moment, meeting_start,
)
from .mail import CouncilMail
from .models import (
    OVER_STATUSES, PROCESS_ID, AgendaChange, AgendaItem, AgendaItemDocument, CouncilError,
    CouncilMember, ItemKind, Meeting, MeetingStatus, MinutesObjection, Position, count_positions, get_item,
    get_meeting, items, member_for, members, next_position, open_meetings, positions,
)
from .tasks import ServiceTasks, record_position, schedule_proposal
from .agenda_items import close_item, open_item, postpone_item
from .agenda_items import PLACEHOLDER, PostponementView, may_see_material, postponement_views, sees_closed


def sees_internal(user: User | None) -> bool:
    """The secretariat, administrators, the council and working-group members see meetings before
    publication and their internal parts (positions, objections, the decision before the minutes)."""
    return lanes.is_staff(user) or lanes.is_group_member(user)


@dataclass(frozen=True)
class ItemView:
    """An agenda item as this user may see it: the decision (with the outcome the decision table proposed)
    and the item's minutes only when they are public to them, the positions only internally."""

    id: int
    meeting_id: int
    position: int
    kind: str
    title: str
    description: str
    proposal_id: int | None
    working_group_name: str | None
    documents: list[AgendaItemDocument]
    outcome: str | None = None
    changes: str | None = None
    reason: str | None = None
    decided_at: datetime | None = None
    minutes: str = ""
    proposed_outcome: str | None = None
    counts: dict[str, int] | None = None
    positions: list[Position] = field(default_factory=list)
    decided_place: str | None = None  # "<meeting>, <place>": where the council took the decision
    own_position: Position | None = None  # the viewing member's own position, changeable until the decision
    closed: bool = False  # a closed item (lukket punkt) the viewer sees: marked so on the page
    placeholder: bool = False  # a closed item the viewer may not see: only "Lukket punkt", nothing else
    material_withheld: bool = False  # closed material withheld from the viewer (ruled conflicted on the item)
    closed_reason: str | None = None  # internal: why the item is closed

    @property
    def hidden_publicly(self) -> bool:
        """As AgendaItem.hidden_publicly: closed and not opened by the chair."""
        return self.closed


@dataclass(frozen=True)
class MeetingView:
    id: int
    title: str
    starts_at: datetime
    place: str
    online_link: str
    status: str
    item_deadline: date
    item_deadline_at: datetime  # the deadline as a moment
    publish_days: int
    agenda_published_at: datetime | None
    minutes_published_at: datetime | None
    minutes_deadline_at: datetime | None
    minutes_summary: str  # empty until the minutes are public to this user
    case_id: int | None  # None outside: the case is internal


@dataclass(frozen=True)
class MeetingPage:
    meeting: MeetingView
    items: list[ItemView]
    changes: list[AgendaChange]  # changes after publication are public, with their reasons
    objections: list[MinutesObjection]
    names: dict[str, str]  # member user name -> name, for the positions and objections shown
    public: bool  # the user sees the public meeting only
    member: CouncilMember | None  # the user as a council member: records positions, objects to minutes
    may_edit: bool  # the secretariat changes the agenda and writes the minutes
    documents: frozenset[int]  # the ids of the documents this user may download from the meeting
    postponements: list[PostponementView] = field(default_factory=list)  # items postponed from or to it
    may_open: bool = False  # the chair opens closed items
    targets: list[Meeting] = field(default_factory=list)  # where the secretariat may postpone its items


class Council:
    def __init__(self, engine, documents, *, links, clock: Callable[[], datetime], search=None):
        self.engine = engine
        self.documents = documents
        self.links = links
        self.clock = clock
        self.search = search
        self.papers = MeetingPapers(documents, clock)  # the agenda pack and the minutes as PDF documents
        self.tasks = ServiceTasks(CouncilMail(links), clock, papers=self.papers)

    def service_handlers(self) -> dict:
        return self.tasks.handlers()

    def _today(self) -> date:
        return self.clock().astimezone(COPENHAGEN).date()

    def _reindex(self, session: Session, meeting: Meeting, retag_material: bool = False) -> None:
        if self.search is not None:
            session.flush()
            self.search.meeting(session, meeting, retag_material)

    # ------------------------------------------------------------ meetings
    def new_meeting_form(self, user: User | None) -> type[MeetingForm]:
        """The form of a new meeting, for the secretariat only."""
        lanes.require_secretariat(user)
        return MeetingForm

    def create_meeting(self, session: Session, user: User, raw: dict) -> Meeting:
        lanes.require_secretariat(user)
        values = load_values(MeetingForm, raw)
        starts = meeting_start(values)
        now = self.clock()
        if starts <= now:
            raise FormInvalid({"date": [N_("The meeting must be in the future.")]})
        deadline = item_deadline_moment(values)
        meeting = Meeting(title=values["title"], starts_at=starts,
                          place=values.get("place") or "", online_link=values.get("online_link") or "",
                          item_deadline=deadline.astimezone(COPENHAGEN).date(), item_deadline_at=deadline,
                          publish_days=values["publish_days"],
                          created_by=user.username, created_at=now)
        session.add(meeting)
        session.flush()
        instance = self.engine.start(session, PROCESS_ID, actor=user.username, title=meeting.title,
                                     data={"meeting_id": meeting.id})
        meeting.case_id = instance.id
        self._reindex(session, meeting)
        return meeting

    # ----------------------------------------- the secretariat's controls
    def move_deadline(self, session: Session, user: User, meeting_id: int, raw: dict) -> Meeting:
        """Move the item deadline while items are collected: not into the past, not after the agenda's
        publication moment; the reason is recorded (and shown with the meeting), the process's timer moves."""
        lanes.require_secretariat(user)
        meeting = get_meeting(session, meeting_id)
        values = load_values(DeadlineForm, raw)
        if meeting.status != MeetingStatus.COLLECTING or self.clock() >= meeting.deadline_moment:
            raise CouncilError(N_("The item deadline has passed; it can no longer be moved."), "item_deadline")
        deadline = item_deadline_moment(values)
        if deadline <= self.clock():
            raise FormInvalid({"item_deadline": [N_("The new deadline is in the past.")]})
        if deadline > meeting.publish_moment:
            raise FormInvalid({"item_deadline": [N_("The new deadline is after the agenda's publication.")]})
        old = meeting.deadline_moment
        meeting.item_deadline_at = deadline
        meeting.item_deadline = deadline.astimezone(COPENHAGEN).date()
        local = deadline.astimezone(COPENHAGEN)
        session.add(AgendaChange(meeting_id=meeting.id, by=user.username, at=self.clock(),
                                 description=f"Frist for punkter flyttet til {local:%d.%m.%Y kl. %H.%M}",
                                 reason=values["reason"]))
        self.engine.move_timer(session, meeting.case_id, "item_deadline", deadline, actor=user.username,
                               summary="item deadline moved", detail={"from": old.isoformat(),
                                                                      "reason": values["reason"]})
        return meeting

    def publish_now(self, session: Session, user: User, meeting_id: int, raw: dict) -> Meeting:
        """Publish the built agenda now, before its publication time, with a recorded reason."""
        lanes.require_secretariat(user)
        meeting = get_meeting(session, meeting_id)
        values = load_values(PublishNowForm, raw)
        if meeting.status != MeetingStatus.AGENDA:
            raise CouncilError(N_("Only a built agenda that is waiting for its publication can be published now."))
        session.add(AgendaChange(meeting_id=meeting.id, by=user.username, at=self.clock(),
                                 description="Dagsordenen udsendt før udsendelsestidspunktet",
                                 reason=values["reason"]))
        self.engine.move_timer(session, meeting.case_id, "publish_time", self.clock(), actor=user.username,
                               summary="agenda published now", detail={"reason": values["reason"]})
        self._reindex(session, meeting, retag_material=True)
        return meeting

    # -------------------------------------------------------------- agenda
    def _change(self, session: Session, user: User, meeting: Meeting, item: AgendaItem | None,
                description: str, reason: str | None) -> None:
        """Before publication the agenda is free; after it every change needs a reason, recorded publicly."""
        if meeting.status in OVER_STATUSES:
            raise CouncilError(N_("The meeting is over; its agenda can no longer change."))
        if meeting.agenda_published_at is None:
            return
        if not (reason or "").strip():
            raise CouncilError(N_("The agenda is published: give a reason for the change."), "reason")
        session.add(AgendaChange(meeting_id=meeting.id, item_id=item.id if item else None, by=user.username,
                                 at=self.clock(), description=description[:500], reason=reason.strip()))
        self.papers.agenda_changed(session, meeting)  # the agenda pack gets a new version at the commit

    def add_item(self, session: Session, user: User, meeting_id: int, raw: dict) -> AgendaItem:
        lanes.require_secretariat(user)
        meeting = get_meeting(session, meeting_id)
        values = load_values(ItemForm, raw)
        if values["kind"] == ItemKind.DECISION and meeting.agenda_published_at is not None:
            raise CouncilError(N_("The agenda is published: a new decision item goes on the next meeting's "
                                  "agenda (it can be added here for discussion or information)."), "kind")
        item = AgendaItem(meeting_id=meeting.id, kind=values["kind"], title=values["title"],
                          description=values.get("description") or "",
                          position=next_position(session, meeting))
        session.add(item)
        session.flush()
        self._change(session, user, meeting, item, f"Punkt tilføjet: {item.title}", values.get("reason"))
        self._reindex(session, meeting)
        return item

    def schedule_proposal(self, session: Session, meeting_id: int, proposal, actor: str) -> AgendaItem:
        return schedule_proposal(session, meeting_id, proposal, actor)

    def move_item(self, session: Session, user: User, item_id: int, direction: int, reason: str | None) -> None:
        lanes.require_secretariat(user)
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
        lanes.require_secretariat(user)
        item = get_item(session, item_id)
        if item.proposal_id is not None:
            raise CouncilError(N_("A proposal's item cannot be removed; the chair decides it (e.g. sent back)."))
        if item.kind == ItemKind.DECISION and item.meeting.agenda_published_at is not None:
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
        lanes.require_secretariat(user)
        item = get_item(session, item_id)
        self._change(session, user, item.meeting, item, f"Materiale tilføjet til: {item.title}", reason)
        version = self.documents.add(session, case_id=item.meeting.case_id, filename=filename, content=content,
                                     actor=user.username, title=None)
        item.documents.append(AgendaItemDocument(document_id=version.document_id))
        self._reindex(session, item.meeting, retag_material=True)  # the material of a published agenda is public
        return version

    def write_minutes(self, session: Session, user: User, item_id: int, text_: str) -> None:
        lanes.require_secretariat(user)
        item = get_item(session, item_id)
        if item.meeting.status not in (MeetingStatus.PUBLISHED, MeetingStatus.MINUTES):
            raise CouncilError(N_("Minutes are written after the meeting, until they are sent for approval."))
        item.minutes = (text_ or "").strip()[:20000]

    # ------------------------------------------- closed and postponed items (issue 15)
    def close_item(self, session: Session, user: User, item_id: int, raw: dict) -> AgendaItem:
        item = close_item(session, self.engine.audit, user, item_id, raw, self.clock())
        self._reindex(session, item.meeting, retag_material=True)
        self.papers.agenda_changed(session, item.meeting)  # the public pack no longer shows the item
        return item

    def open_item(self, session: Session, user: User, item_id: int, raw: dict) -> AgendaItem:
        item = open_item(session, self.engine.audit, user, item_id, raw, self.clock())
        self._reindex(session, item.meeting, retag_material=True)
        self.papers.agenda_changed(session, item.meeting)
        return item

    def postpone_item(self, session: Session, user: User, item_id: int, raw: dict):
        source = get_item(session, item_id).meeting
        row = postpone_item(session, self.engine, user, item_id, raw, self.clock())
        self._reindex(session, source, retag_material=True)
        self._reindex(session, get_meeting(session, row.to_meeting_id), retag_material=True)
        self.papers.agenda_changed(session, source)  # the target's agenda is not published yet
        return row

    # ----------------------------------------------------------- positions
    def change_position(self, session: Session, user: User, item_id: int, raw: dict) -> Position:
        return record_position(session, self.engine.audit, user, item_id, raw, self.clock())

    def object_to_minutes(self, session: Session, user: User, meeting_id: int, raw: dict) -> MinutesObjection:
        meeting = get_meeting(session, meeting_id)
        if member_for(session, user, self._today()) is None:
            raise Forbidden(N_("Only council members approve the minutes."))
        if meeting.status != MeetingStatus.MINUTES_REVIEW:
            raise CouncilError(N_("The minutes are not out for approval."))
        values = load_values(ObjectionForm, raw)
        objection = MinutesObjection(meeting_id=meeting.id, round=meeting.minutes_round, member=user.username,
                                     text=values["text"], at=self.clock())
        session.add(objection)
        return objection

    # --------------------------------------------------------------- reads
    def _visible_meeting(self, session: Session, meeting_id: int, user: User | None) -> tuple[Meeting, bool]:
        meeting = get_meeting(session, meeting_id)
        public = not sees_internal(user)
        if public and not meeting.is_public:
            raise NotFound(f"meeting {meeting_id}")
        return meeting, public

    @staticmethod
    def _item_view(session: Session, item: AgendaItem, public: bool, decided_public: bool,
                   viewer: str | None = None, shown: bool = True, material: bool = True) -> ItemView:
        if not shown:  # a closed item: the placeholder only (never its title, material or decision)
            return ItemView(id=item.id, meeting_id=item.meeting_id, position=item.position, kind=item.kind,
                            title=PLACEHOLDER, description="", proposal_id=None, working_group_name=None,
                            documents=[], placeholder=True, closed=True)
        show_decision = not public or decided_public
        decision = item.kind == ItemKind.DECISION
        rows = positions(session, item.id) if decision and not public else []
        place = None
        if show_decision and item.decided_meeting_id is not None:
            held = session.get(Meeting, item.decided_meeting_id)
            place = ", ".join(p for p in (held.title, held.place or held.online_link) if p) if held else None
        return ItemView(
            id=item.id, meeting_id=item.meeting_id, position=item.position, kind=item.kind, title=item.title,
            description=item.description, proposal_id=item.proposal_id,
            working_group_name=item.working_group.name if item.working_group else None,
            documents=list(item.documents) if material else [],
            outcome=item.outcome if show_decision else None, changes=item.changes if show_decision else None,
            reason=item.reason if show_decision else None, decided_at=item.decided_at if show_decision else None,
            minutes=item.minutes if show_decision else "",
            proposed_outcome=item.proposed_outcome if show_decision else None,
            counts=count_positions(session, item.id) if decision and not public else None,
            positions=rows, decided_place=place,
            own_position=next((p for p in rows if viewer and p.member == viewer), None),
            closed=item.hidden_publicly, material_withheld=not material and bool(item.documents),
            closed_reason=item.closed_reason if item.hidden_publicly and not public else None)

    def meeting_view(self, session: Session, meeting_id: int, user: User | None = None) -> MeetingPage:
        meeting, public = self._visible_meeting(session, meeting_id, user)
        minutes_public = meeting.minutes_published_at is not None
        viewer = user.username if user is not None and not public else None
        closed_ok = sees_closed(session, user, meeting.id)  # issue 15: closed items
        rows = [self._item_view(session, i, public, minutes_public, viewer,
                                shown=not i.hidden_publicly or closed_ok,
                                material=may_see_material(session, user, i, not public))
                for i in items(session, meeting.id)]
        hidden = {r.id for r in rows if r.placeholder}
        view = MeetingView(
            id=meeting.id, title=meeting.title, starts_at=meeting.starts_at, place=meeting.place,
            online_link=meeting.online_link, status=meeting.status, item_deadline=meeting.item_deadline,
            item_deadline_at=meeting.deadline_moment,
            publish_days=meeting.publish_days, agenda_published_at=meeting.agenda_published_at,
            minutes_published_at=meeting.minutes_published_at, minutes_deadline_at=meeting.minutes_deadline_at,
            minutes_summary=meeting.minutes_summary if (not public or minutes_public) else "",
            case_id=None if public else meeting.case_id)
        council = members(session, self._today())
        member = member_for(session, user, self._today())
        objections = [] if public else list(session.scalars(
            select(MinutesObjection).where(MinutesObjection.meeting_id == meeting.id).order_by(MinutesObjection.at)))
        return MeetingPage(
            meeting=view, items=rows,
            changes=[_hide_change(c) if c.item_id in hidden else c for c in session.scalars(
                select(AgendaChange).where(AgendaChange.meeting_id == meeting.id).order_by(AgendaChange.at))],
            objections=objections, names={} if public else {m.user.username: m.user.name for m in council},
            public=public, member=member,
            may_edit=not public and lanes.is_secretariat(user),
            documents=frozenset(d.document_id for i in rows for d in i.documents),
            postponements=postponement_views(session, meeting.id, {r.id: not r.placeholder for r in rows},
                                             closed_ok),
            may_open=closed_ok and member is not None and member.is_chair,
            targets=[] if public or not lanes.is_secretariat(user) else [
                m for m in open_meetings(session) if m.id != meeting.id and m.starts_at > self.clock()
                and m.starts_at > meeting.starts_at and m.agenda_published_at is None])

    def meeting_document(self, session: Session, user: User | None, meeting_id: int, document_id: int):
        """(document, version, content) of a meeting's material, if this user may see the meeting."""
        page = self.meeting_view(session, meeting_id, user)
        if document_id not in page.documents | self.papers.document_ids(session, user, meeting_id):
            raise NotFound(f"document {document_id} of meeting {meeting_id}")
        return self.documents.get_version(session, document_id)

    def guard_material(self, session: Session, user: User | None, document_id: int) -> None:
        """NotFound when the document is a closed item's material the user may not open (by any route)."""
        for item in session.scalars(select(AgendaItem).join(AgendaItemDocument, AgendaItemDocument.item_id
                                                            == AgendaItem.id)
                                    .where(AgendaItemDocument.document_id == document_id)):
            if not may_see_material(session, user, item, True):
                raise NotFound(f"document {document_id}")

    def meetings(self, session: Session, user: User | None = None, *, public: bool | None = None) -> list[Meeting]:
        """The meetings this user may see, newest first (`public=True`: the public ones whoever asks)."""
        if public is None:
            public = not sees_internal(user)
        query = select(Meeting)
        if public:
            query = query.where(Meeting.agenda_published_at.is_not(None))
        return list(session.scalars(query.order_by(Meeting.starts_at.desc())))

    def may_create_meeting(self, user: User | None) -> bool:
        return lanes.is_secretariat(user)

    def decisions(self, session: Session) -> list[AgendaItem]:
        """Decisions of meetings whose minutes are published (public)."""
        return list(session.scalars(
            select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(Meeting.minutes_published_at.is_not(None), AgendaItem.decided_at.is_not(None),
                   AgendaItem.removed.is_(False),
                   AgendaItem.closed.is_(False) | AgendaItem.opened_at.is_not(None))  # never a closed item
            .order_by(Meeting.starts_at.desc(), AgendaItem.position)))

    # ---------------------------------------------------- inbox (issue 13)
    def waiting_for(self, session: Session, user: User | None) -> list[WaitingItem]:
        """For a council member: the minutes out for approval that they have not objected to in this round,
        with the approval deadline (silence counts as approval)."""
        if member_for(session, user, self._today()) is None:
            return []
        objected = (select(MinutesObjection.id).where(MinutesObjection.meeting_id == Meeting.id,
                                                      MinutesObjection.round == Meeting.minutes_round,
                                                      MinutesObjection.member == user.username).exists())
        rows = session.execute(select(Meeting.id, Meeting.title, Meeting.minutes_deadline_at)
                               .where(Meeting.status == MeetingStatus.MINUTES_REVIEW.value, ~objected)
                               .order_by(Meeting.minutes_deadline_at, Meeting.id)).all()
        return [WaitingItem(kind="council.minutes", title=title, due=deadline,
                            url=self.links("council.meeting", meeting_id=meeting_id),
                            status=N_("Minutes out for approval: object by the deadline, or they count as "
                                      "approved"))
                for meeting_id, title, deadline in rows]

    # --------------------------------------------------------------- feeds
    def atom_feed(self, session: Session, gettext: Callable[[str], str] = str, language: str = "da") -> bytes:
        return atom_feed(self.decisions(session), self.meetings(session, public=True), self.links, gettext,
                         language)

    def meetings_calendar(self, session: Session) -> bytes:
        return meetings_calendar(self.meetings(session, public=True), self.links)


def _hide_change(change: AgendaChange) -> AgendaChange:
    """A change to a closed item as the public sees it: that a closed item changed, nothing of it."""
    return AgendaChange(id=change.id, meeting_id=change.meeting_id, at=change.at, by="",
                        description=f"{PLACEHOLDER}: ændret", reason="–")
