"""The start pages: what a signed-in user must do next, and the public site's landing page.

`start_page(byplan, session, user)` composes the families' own queries (SQL over the task projection and
the families' records, never a deserialised workflow) into one read model for the signed-in user's page at
`/`: their tasks with deadlines and status, what waits for them beyond tasks, their cases, the next meetings
and deadlines that concern them, and for the secretariat an overview of hearings, meetings and cases that
need action. What each user sees is decided here (with the named checks of workflows.lanes and the
families' services, which return only what the user may see); the page only renders it.

`public_home(byplan, session)` is the anonymous landing page: open hearings, the council's latest decisions
and next meetings, the network programmes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.models import Case, CompletedTask

from . import lanes
from .council import PROCESS_ID as COUNCIL_PROCESS, Meeting, MeetingStatus
from .council.models import OVER_STATUSES
from .dates import COPENHAGEN, end_of_day
from .directory import MUNICIPALITY_CONTACT, User
from .hearing import Hearing, HearingParty, HearingResponse, HearingStatus
from .i18n import N_
from .network import NetworkMembership, RegionalMeeting, Registration, RegistrationStatus, Round, RoundStatus

TASKS_SHOWN = 10
CASES_SHOWN = 8
UPCOMING_SHOWN = 8
SOON = timedelta(days=3)  # a task whose deadline is this close is "due soon"
ACTION_HORIZON = timedelta(days=14)  # the secretariat's overview: an agenda step this close needs action

# The start page's variants (its heading and introduction), most specific role first.
SECRETARIAT, COUNCIL, CONTACT, GROUP, ADMIN, USER = "secretariat", "council", "contact", "group", "admin", "user"

HEADINGS = {SECRETARIAT: N_("The secretariat's overview"), COUNCIL: N_("Your overview as a council member"),
            CONTACT: N_("Your overview as your municipality's contact"),
            GROUP: N_("Your overview as a working-group member"), ADMIN: N_("Your overview as administrator"),
            USER: N_("Your overview")}

# the kinds of date by which the user must act themselves
ACTS_BY = ("registration.deadline", "hearing.deadline")

# task status tags
OVERDUE, DUE_SOON, OPEN = "overdue", "due_soon", "open"
TASK_STATUS = {OVERDUE: N_("Overdue"), DUE_SOON: N_("Due soon"), OPEN: N_("Open")}


@dataclass(frozen=True)
class TaskRow:
    """A ready task of the user's with its deadline: the task's own due date, or for a council member's
    position the meeting's start (`deadline_is_meeting`)."""

    id: str
    title: str
    case_id: int
    case_title: str
    lane: str | None
    ready_since: datetime
    deadline: datetime | None
    deadline_is_meeting: bool
    status: str  # OVERDUE / DUE_SOON / OPEN


@dataclass(frozen=True)
class Upcoming:
    """A date ahead that concerns the user. `kind` names the page it links to: "council.meeting"
    (ref_id a meeting), "network.meeting" (ref_id a round), "hearing.deadline" (ref_id a hearing),
    "registration.deadline" (ref_id a round)."""

    kind: str
    title: str
    when: datetime | date
    ref_id: int
    detail: str = ""  # a message id (translated by the page), e.g. whether the municipality has answered
    place: str = ""

    @property
    def sort_key(self) -> datetime:
        return self.when if isinstance(self.when, datetime) else end_of_day(self.when)

    @property
    def has_time(self) -> bool:
        return isinstance(self.when, datetime)


@dataclass(frozen=True)
class Waiting:
    """Work waiting for the user beyond tasks (from workflows.inbox.WaitingItem), with a link on this site:
    the item's absolute URL (built from BASE_URL for mail) as a path."""

    kind: str
    title: str
    href: str
    status: str  # a message id (translated by the page)
    due: datetime | date | None = None

    @property
    def has_time(self) -> bool:
        return isinstance(self.due, datetime)


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")


@dataclass(frozen=True)
class Action:
    """An item of the secretariat's overview: what needs doing (`what`, a message id with `count`), about
    what (`kind` "hearing" / "meeting" / "incidents", `ref_id`), and by when."""

    kind: str
    title: str
    what: str
    ref_id: int | None = None
    count: int = 0
    when: datetime | date | None = None

    @property
    def has_time(self) -> bool:
        return isinstance(self.when, datetime)


@dataclass(frozen=True)
class StartPage:
    audience: str  # SECRETARIAT / COUNCIL / CONTACT / GROUP / ADMIN / USER
    name: str
    tasks: list[TaskRow]
    more_tasks: bool  # the user has more tasks than shown (the inbox lists them all)
    waiting: list[Waiting]  # work beyond tasks: see _waiting_for
    cases: list[Case]
    upcoming: list[Upcoming]
    overview: list[Action] = field(default_factory=list)  # the secretariat's hearings and meetings needing action
    may_propose: bool = False  # a working-group member may start a proposal

    @property
    def heading(self) -> str:
        return HEADINGS[self.audience]

    @property
    def first_action(self) -> tuple[str, Any] | None:
        """What the page offers first: ("task", TaskRow), ("waiting", item), ("action", Action) or the
        nearest date ("upcoming", Upcoming)."""
        if self.tasks:
            return "task", self.tasks[0]
        if self.waiting:
            return "waiting", self.waiting[0]
        if self.overview:
            return "action", self.overview[0]
        # a deadline the user acts by (an answer, a registration) before a meeting they attend
        for item in sorted(self.upcoming, key=lambda u: u.kind not in ACTS_BY):
            return "upcoming", item
        return None


@dataclass(frozen=True)
class PublicHome:
    hearings: list[Hearing]  # open for responses, the nearest deadline first
    decisions: list[Any]  # the council's latest published decisions (AgendaItem)
    meetings: list[Meeting]  # the council's next public meetings
    rounds: list[Round]  # the networks' published rounds, newest first
    principles: int  # how many principles the catalogue holds


def audience(user: User) -> str:
    if lanes.is_secretariat(user):
        return SECRETARIAT
    if user.has_role(*lanes.LANE_ROLES["Rådsmedlem"], *lanes.LANE_ROLES["Rådsformand"]):
        return COUNCIL
    if user.has_role(MUNICIPALITY_CONTACT) and user.municipality_id is not None:
        return CONTACT
    if lanes.is_group_member(user):
        return GROUP
    if lanes.is_admin(user):
        return ADMIN
    return USER


# ------------------------------------------------------------------ the signed-in start page

def start_page(byplan, session: Session, user: User) -> StartPage:
    now = byplan.engine.clock()
    kind = audience(user)
    tasks = _tasks(byplan, session, user, now)
    return StartPage(
        audience=kind, name=user.name, tasks=tasks[:TASKS_SHOWN], more_tasks=len(tasks) > TASKS_SHOWN,
        waiting=_waiting_for(byplan, session, user), cases=_cases(session, user, tasks),
        upcoming=_upcoming(byplan, session, user, now),
        overview=_overview(byplan, session, user, now) if kind == SECRETARIAT else _incidents(session, user),
        may_propose=lanes.is_group_member(user))


def _tasks(byplan, session: Session, user: User, now: datetime) -> list[TaskRow]:
    ready = byplan.inbox(session, user, limit=TASKS_SHOWN + 1)
    # A council meeting's tasks (positions) are due when the meeting starts: one query for their meetings.
    council_cases = {t.case_id for t in ready if t.process_id == COUNCIL_PROCESS}
    starts = {case_id: at for case_id, at in session.execute(
        select(Meeting.case_id, Meeting.starts_at).where(Meeting.case_id.in_(council_cases)))} if council_cases else {}
    rows = []
    for t in ready:
        deadline, is_meeting = t.due_at, False
        if deadline is None and t.case_id in starts:
            deadline, is_meeting = starts[t.case_id], True
        status = OPEN if deadline is None else OVERDUE if deadline < now else DUE_SOON if deadline - now < SOON \
            else OPEN
        rows.append(TaskRow(id=t.id, title=t.title, case_id=t.case_id, case_title=t.case_title, lane=t.lane,
                            ready_since=t.ready_since, deadline=deadline, deadline_is_meeting=is_meeting,
                            status=status))
    # the most pressing first: those with a deadline by deadline, then the rest as the inbox orders them
    return sorted(rows, key=lambda r: (r.deadline is None, r.deadline or now))


def _waiting_for(byplan, session: Session, user: User) -> list[Waiting]:
    """Work waiting for the user that is not a BPMN user task (a hearing their municipality has not
    answered, a registration round open for its seats, minutes out for approval): the inbox's items."""
    return [Waiting(i.kind, i.title, _local(i.url), i.status, i.due) for i in byplan.waiting_for(session, user)]


def _cases(session: Session, user: User, tasks: list[TaskRow]) -> list[Case]:
    """The running cases the user is part of: their working groups' cases, the cases of their tasks and
    those they have completed a task in; the most recently changed first."""
    mine = [Case.id.in_({t.case_id for t in tasks})] if tasks else []
    mine.append(Case.id.in_(select(CompletedTask.case_id).where(CompletedTask.completed_by == user.username)))
    if lanes.my_scopes(user):
        mine.append(Case.scope.in_(lanes.my_scopes(user)))
    query = select(Case).where(Case.status != "completed", or_(*mine))
    if not lanes.is_staff(user):  # the same rule as the case pages: a case of another group is not theirs
        query = query.where(Case.scope.in_(lanes.my_scopes(user) or {"-"}))
    return list(session.scalars(query.order_by(Case.updated_at.desc(), Case.id.desc()).limit(CASES_SHOWN)))


def _upcoming(byplan, session: Session, user: User, now: datetime) -> list[Upcoming]:
    today = now.astimezone(COPENHAGEN).date()
    rows: list[Upcoming] = []
    # The council's next meetings this user may see (the council service filters unpublished ones).
    for m in byplan.council.meetings(session, user):
        if m.starts_at >= now and m.status not in OVER_STATUSES:  # not one already held
            rows.append(Upcoming("council.meeting", m.title, m.starts_at, m.id, place=m.place))
    # Hearing deadlines that concern the user (the hearing service: all for staff, the group's for a group
    # member, their municipality's for a contact), with whether the municipality has answered.
    answered = _answered_hearings(session, user)
    for h in byplan.hearings.for_user(session, user):
        if h.status == HearingStatus.OPEN and h.deadline >= today:
            detail = "" if user.municipality_id is None or not user.has_role(MUNICIPALITY_CONTACT) else \
                N_("Your municipality has answered") if h.id in answered else N_("Your municipality has not answered")
            rows.append(Upcoming("hearing.deadline", h.title, h.deadline, h.id, detail=detail))
    rows.extend(_network_dates(byplan, session, user, today))
    rows.sort(key=lambda u: u.sort_key)
    return rows[:UPCOMING_SHOWN]


def _answered_hearings(session: Session, user: User) -> set[int]:
    if user.municipality_id is None:
        return set()
    return set(session.scalars(
        select(HearingParty.hearing_id).join(HearingResponse, HearingResponse.party_id == HearingParty.id)
        .where(HearingParty.municipality_id == user.municipality_id, HearingResponse.current.is_(True))))


def _network_dates(byplan, session: Session, user: User, today: date) -> list[Upcoming]:
    """A contact's registration deadlines of open rounds their municipality has seats in, and the network
    meetings their municipality is registered for; the secretariat's open rounds' deadlines."""
    rows: list[Upcoming] = []
    if user.has_role(MUNICIPALITY_CONTACT) and user.municipality_id is not None:
        registered = {rid: n for rid, n in session.execute(
            select(RegionalMeeting.round_id, func.count())
            .join(Registration, Registration.meeting_id == RegionalMeeting.id)
            .where(Registration.municipality_id == user.municipality_id,
                   Registration.status != RegistrationStatus.CANCELLED).group_by(RegionalMeeting.round_id))}
        seated = set(session.scalars(select(NetworkMembership.network_id)
                                     .where(NetworkMembership.municipality_id == user.municipality_id)))
        for r in byplan.networks.rounds(session, user):
            if r.status == RoundStatus.OPEN and r.network_id in seated and r.registration_deadline >= today:
                detail = N_("Your municipality has registered participants") if registered.get(r.id) else \
                    N_("Your municipality's seats are not filled yet")
                rows.append(Upcoming("registration.deadline", r.theme, r.registration_deadline, r.id, detail=detail))
        for m in session.scalars(
                select(RegionalMeeting).join(Registration, Registration.meeting_id == RegionalMeeting.id)
                .where(Registration.municipality_id == user.municipality_id,
                       Registration.status != RegistrationStatus.CANCELLED, RegionalMeeting.day >= today)
                .distinct()):
            rows.append(Upcoming("network.meeting", m.round.theme, m.day, m.round_id, place=m.venue,
                                 detail=m.region))
    elif lanes.is_secretariat(user):
        for r in byplan.networks.rounds(session, user):
            if r.status == RoundStatus.OPEN and r.registration_deadline >= today:
                rows.append(Upcoming("registration.deadline", r.theme, r.registration_deadline, r.id))
    return rows


# ------------------------------------------------------------------ the secretariat's overview

def _overview(byplan, session: Session, user: User, now: datetime) -> list[Action]:
    """Hearings and meetings that need the secretariat's action, and stopped cases."""
    today = now.astimezone(COPENHAGEN).date()
    rows: list[Action] = []
    for h in byplan.hearings.dashboard(session, user):
        if h.late_pending_count:
            rows.append(Action("hearing", h.title, N_("Late responses await your decision"), h.id,
                               h.late_pending_count, h.deadline))
        if h.status == HearingStatus.CLOSED and h.note_submitted_at is not None:
            rows.append(Action("hearing", h.title, N_("The hearing note awaits your approval"), h.id,
                               when=h.note_submitted_at))
        elif h.status == HearingStatus.DRAFT:
            rows.append(Action("hearing", h.title, N_("Being prepared: not published yet"), h.id,
                               when=h.created_at))
        elif h.status == HearingStatus.OPEN and h.deadline < today + ACTION_HORIZON:
            rows.append(Action("hearing", h.title, N_("The deadline is near: responses received"), h.id,
                               h.answered_count, h.deadline))
    for m in byplan.council.meetings(session, user):
        action = _meeting_action(m, now)
        if action is not None:
            rows.append(action)
    return rows + _incidents(session, user)


def _incidents(session: Session, user: User) -> list[Action]:
    """Cases stopped by an error, for those who fix them (the secretariat and administrators)."""
    if not lanes.is_process_staff(user):
        return []
    stopped = session.scalar(select(func.count()).select_from(Case).where(Case.status == "incident")) or 0
    return [Action("incidents", "", N_("Cases stopped by an error"), count=stopped)] if stopped else []


def _meeting_action(m: Meeting, now: datetime) -> Action | None:
    publish_at = m.starts_at - timedelta(days=m.publish_days)
    if m.status in (MeetingStatus.COLLECTING, MeetingStatus.AGENDA) and publish_at - now < ACTION_HORIZON:
        what = N_("The agenda must be built and published") if m.status == MeetingStatus.COLLECTING else \
            N_("The agenda must be published")
        return Action("meeting", m.title, what, m.id, when=publish_at)
    if m.status == MeetingStatus.MINUTES:
        return Action("meeting", m.title, N_("The minutes must be written"), m.id, when=m.starts_at)
    if m.status == MeetingStatus.MINUTES_REVIEW:
        return Action("meeting", m.title, N_("The minutes are out for approval"), m.id, when=m.minutes_deadline_at)
    return None


# ------------------------------------------------------------------ the public landing page

def public_home(byplan, session: Session) -> PublicHome:
    now = byplan.engine.clock()
    hearings = sorted((h for h in byplan.hearings.public(session) if h.status == HearingStatus.OPEN),
                      key=lambda h: (h.deadline, h.id))
    meetings = sorted((m for m in byplan.council.meetings(session, public=True)
                       if m.starts_at >= now and m.status not in OVER_STATUSES),
                      key=lambda m: m.starts_at)
    return PublicHome(hearings=hearings[:5], decisions=byplan.council.decisions(session)[:5], meetings=meetings[:3],
                      rounds=byplan.networks.rounds(session, None)[:3], principles=len(byplan.catalogue(session)))
