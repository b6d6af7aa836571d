"""What the council's process does to the records: its BPMN service tasks, its task forms, and the two
record operations that pages and tasks share (a member's position, a proposal put on an agenda).

The council records its own decision on the agenda item; the proposal it concerns learns it from the
`council_decision` message (bpmn/council_meeting.bpmn), so nothing here touches the proposal family.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Callable, ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import Forbidden, current_execution
from engine.audit import AuditLog

from ..dates import COPENHAGEN, end_of_day
from ..directory import User
from ..forms import FormDef, FormInvalid, load_values, register
from ..i18n import N_
from ..task_context import AgendaItemContext, DocumentRef, PositionRef
from . import models
from .agenda_items import DecideOrPostponeForm, decide_choices, decide_postponement
from ..notifications import notify
from .forms import AgendaForm, MinutesForm, PositionForm
from .mail import CouncilMail
from .models import (
    MINUTES_DAYS, OPEN_STATUSES, OUTCOMES, POSITIONS, AgendaItem, CouncilError, ItemKind, MeetingStatus,
    MinutesObjection, Position,
    conflicted, count_positions, get_item, get_meeting, items, member_for, members, next_position, positions,
)
from .board import tally  # the counts the decision tables read (bpmn/council_*.dmn)


# ------------------------------------------------- shared record operations

def schedule_proposal(session: Session, meeting_id: int, proposal, actor: str) -> AgendaItem:
    """Put a proposal on a meeting's agenda as a decision item (the proposal case then awaits the decision)."""
    meeting = get_meeting(session, meeting_id)
    if meeting.status not in OPEN_STATUSES:
        raise CouncilError(N_("This meeting no longer takes agenda items."), "meeting_id")
    item = AgendaItem(meeting_id=meeting.id, kind=ItemKind.DECISION.value, title=proposal.title,
                      description=proposal.summary or "", proposal_id=proposal.id,
                      working_group_id=proposal.working_group_id, position=next_position(session, meeting))
    session.add(item)
    session.flush()
    return item


def record_position(session: Session, audit, user: User, item_id: int, raw: dict, now: datetime,
                    acting_by: str | None = None) -> Position:
    """A member's position; a second one replaces the first until the chair has decided. `acting_by`: the
    substitute who records it for the member at the meeting (workflows/council/board.py)."""
    item = get_item(session, item_id)
    if member_for(session, user, now.astimezone(COPENHAGEN).date()) is None:
        raise Forbidden(N_("Only council members record positions."))
    if user.username in conflicted(session, item.id):
        raise CouncilError(N_("The chair has ruled you conflicted on this item: you take no part in it and "
                              "record no position."))
    if item.kind != ItemKind.DECISION:
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
    row.recorded_at = now
    row.acting_by = acting_by
    audit.append(session, kind="council.position", actor=user.username,
                 case_id=item.meeting.case_id, summary=f"{item.title}: {row.position}",
                 detail={"item_id": item.id, "position": row.position})
    return row


# ------------------------------------------------------ BPMN service tasks

class ServiceTasks:
    """The handlers of the council process's service tasks (`council.*` in bpmn/council_meeting.bpmn)."""

    def __init__(self, mail: CouncilMail, clock: Callable[[], datetime], papers=None):
        self.mail = mail
        self.clock = clock
        self.papers = papers  # documents.MeetingPapers: the agenda pack and the minutes as PDFs

    def handlers(self) -> dict:
        return {"council.open_call": self.open_call, "council.publish_agenda": self.publish_agenda,
                "council.count_positions": self.count_positions, "council.send_minutes": self.send_minutes,
                "council.check_objections": self.check_objections, "council.publish_minutes": self.publish_minutes}

    @staticmethod
    def _meeting(params):
        ctx = current_execution.get()
        return ctx.session, get_meeting(ctx.session, int(params["meeting_id"]))

    def _send(self, session: Session, meeting, mail, member) -> None:
        # issue 13: as the member chose (workflows.notifications; the mail's tag is its kind)
        notify(session, mail.tag, to=member.user.email, to_name=member.user.name, case_id=meeting.case_id,
               subject=mail.subject, body=mail.body, user_id=member.user.id, now=self.clock())

    def open_call(self, params, data) -> dict:
        session, meeting = self._meeting(params)
        meeting.status = MeetingStatus.COLLECTING.value
        return {"item_deadline_at": meeting.deadline_moment.isoformat(),
                "meeting_at": meeting.starts_at.isoformat(),
                "publish_at": meeting.publish_moment.isoformat()}

    def publish_agenda(self, params, data) -> dict:
        session, meeting = self._meeting(params)
        now = self.clock()
        meeting.status = MeetingStatus.PUBLISHED.value
        meeting.agenda_published_at = now
        if self.papers is not None:
            self.papers.agenda_published(session, meeting)
        decision_items = [i for i in items(session, meeting.id) if i.kind == ItemKind.DECISION]
        council = members(session, now.astimezone(COPENHAGEN).date())
        for m in council:
            if m.user.email:
                self._send(session, meeting, self.mail.agenda(meeting, m.user.name), m)
                if decision_items:  # issue 13: each member's new position tasks, with the deadline
                    self._send(session, meeting, self.mail.positions(meeting, m.user.name,
                                                                     [i.title for i in decision_items]), m)
        people = [m.user.username for m in council]
        excluded = {i.id: conflicted(session, i.id) for i in decision_items}  # ruled conflicted: no task
        return {"requests": [{"item_id": i.id, "member": p, "title": i.title} for i in decision_items for p in people
                             if p not in excluded[i.id]],
                "decision_items": [{"item_id": i.id, "proposal_id": i.proposal_id, "title": i.title}
                                   for i in decision_items]}

    def count_positions(self, params, data) -> dict:
        session = current_execution.get().session
        item = get_item(session, int(params["item_id"]))
        return tally(session, item, self.clock())

    def send_minutes(self, params, data) -> dict:
        session, meeting = self._meeting(params)
        today = self.clock().astimezone(COPENHAGEN).date()
        meeting.status = MeetingStatus.MINUTES_REVIEW.value
        meeting.minutes_round += 1
        meeting.minutes_deadline_at = end_of_day(today + timedelta(days=MINUTES_DAYS))
        for m in members(session, today):
            if m.user.email:
                self._send(session, meeting, self.mail.minutes(meeting, m.user.name, meeting.minutes_deadline_at), m)
        return {"deadline_at": meeting.minutes_deadline_at.isoformat(), "round": meeting.minutes_round}

    def check_objections(self, params, data) -> dict:
        session, meeting = self._meeting(params)
        count = session.scalar(select(func.count()).select_from(MinutesObjection).where(
            MinutesObjection.meeting_id == meeting.id, MinutesObjection.round == meeting.minutes_round)) or 0
        if count:
            meeting.status = MeetingStatus.MINUTES.value
        return {"count": count}

    def publish_minutes(self, params, data) -> dict:
        session, meeting = self._meeting(params)
        meeting.status = MeetingStatus.CONCLUDED.value
        meeting.minutes_published_at = self.clock()
        if self.papers is not None:
            self.papers.minutes_published(session, meeting)
        return {"published": True}


# ------------------------------------------------------------- task forms
# ctx: workflows.service.SubmitContext (session, user, case_id, task_data, clock)

def _agenda_submit(ctx, values: dict) -> dict:
    meeting = get_meeting(ctx.session, ctx.task_data["meeting_id"])
    if not items(ctx.session, meeting.id):
        raise FormInvalid({"note": [N_("The agenda has no items yet; add them on the meeting page.")]})
    meeting.status = MeetingStatus.AGENDA.value
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
    acting = getattr(ctx.audit, "acting", None)  # a substitute (or delegate) acting for the member
    record_position(ctx.session, ctx.audit or AuditLog(ctx.clock), ctx.user, request["item_id"], values, ctx.clock(),
                    acting_by=acting.actor.username if acting is not None and acting.delegated else None)
    return {"position_done": values["position"]}


def _decide_initial(ctx) -> dict:
    return {"decision": ctx.task_data.get("proposed_outcome") or ""}  # the suggestion, labelled on the page


def _decide_submit(ctx, values: dict) -> dict:
    """The chair's decision on the agenda item; the process sends it on to the proposal's case."""
    item = get_item(ctx.session, ctx.task_data["item"]["item_id"])
    if ctx.clock() < item.meeting.starts_at:  # the process waits for the start; this guards a stale task
        raise CouncilError(N_("The council decides at the meeting; it has not started yet."))
    postponed = decide_postponement(ctx, item, values)  # issue 15 (items): "postpone to meeting X"
    if postponed is not None:
        return postponed
    if ctx.task_data.get("has_quorum") is False and not values.get("quorum_exception"):
        raise FormInvalid({"quorum_exception": [N_("The council does not have a quorum on this item: record the "
                                                   "exception under which it decides anyway.")]})
    item.decided_meeting_id = item.meeting_id
    item.quorum_exception = values.get("quorum_exception") or None
    item.proposed_outcome = ctx.task_data.get("proposed_outcome")
    item.outcome = values["decision"]
    item.changes = values.get("changes")
    item.reason = values.get("reason")
    item.decided_at = ctx.clock()
    item.decided_by = ctx.user.username if ctx.user else None
    if all(i.decided_at is not None for i in items(ctx.session, item.meeting_id) if i.kind == ItemKind.DECISION):
        item.meeting.status = MeetingStatus.MINUTES.value
    return {"decision": item.outcome, "changes": item.changes or "", "reason": item.reason or "",
            "decision_done": item.outcome}


def _minutes_initial(ctx) -> dict:
    return {"minutes_summary": get_meeting(ctx.session, ctx.task_data["meeting_id"]).minutes_summary}


def _minutes_submit(ctx, values: dict) -> dict:
    meeting = get_meeting(ctx.session, ctx.task_data["meeting_id"])
    meeting.minutes_summary = values["minutes_summary"]
    return {}


# ------------------------------------------------------------ task context
# What the position and decision tasks are about: the item, its material, the deadline and the positions.

def item_context(session: Session, item_id: int, *, show_positions: bool,
                 exclude: str | None = None) -> AgendaItemContext:
    """An agenda item as a task page shows it; the others' positions only with `show_positions` (the
    caller's own, `exclude`, is the form's value)."""
    item = get_item(session, item_id)
    meeting = item.meeting
    shown = None
    if show_positions:
        rows = [p for p in positions(session, item.id) if p.member != exclude]
        names = dict(session.execute(select(User.username, User.name)
                                     .where(User.username.in_([p.member for p in rows]))).all()) if rows else {}
        shown = [PositionRef(names.get(p.member, p.member), p.position, dict(POSITIONS).get(p.position, p.position),
                             p.comment or "") for p in rows]
    return AgendaItemContext(
        item_id=item.id, title=item.title, description=item.description or "", meeting_id=meeting.id,
        meeting_title=meeting.title, deadline=meeting.starts_at, place=meeting.place or meeting.online_link or "",
        material=[DocumentRef.of(link.document) for link in item.documents], positions=shown,
        counts=count_positions(session, item.id) if show_positions else None, proposal_id=item.proposal_id)


def _position_context(ctx) -> AgendaItemContext | None:
    request = ctx.task_data.get("request") or {}
    if not request.get("item_id"):
        return None
    return item_context(ctx.session, int(request["item_id"]), show_positions=models.MEMBERS_SEE_POSITIONS,
                        exclude=ctx.user.username if ctx.user else None)


@dataclass
class DecisionContext(AgendaItemContext):
    """The item as the chair's decision needs it: beside the positions, who has not recorded one, whether
    the council has a quorum (bpmn/council_quorum.dmn) and the decision table's suggestion."""

    kind: ClassVar[str] = "council_decision"
    missing: list[str] = field(default_factory=list)  # names of the members without a position
    eligible: int = 0
    participating: int = 0
    has_quorum: bool | None = None
    suggested: str | None = None  # the decision table's outcome: a suggestion, not the decision
    suggested_label: str | None = None
    conflicted: list[str] = field(default_factory=list)  # names of the members ruled conflicted on the item
    basis: str = "positions"  # who takes part: by the recorded "attendance", else by the recorded "positions"


def _decide_context(ctx) -> AgendaItemContext | None:
    item = ctx.task_data.get("item") or {}
    if not item.get("item_id"):
        return None
    base = item_context(ctx.session, int(item["item_id"]), show_positions=True)  # the chair decides from them
    counts = ctx.task_data.get("counts") or {}
    missing = counts.get("missing") or []
    excluded = counts.get("conflicted") or []
    names = dict(ctx.session.execute(select(User.username, User.name).where(
        User.username.in_(missing + excluded))).all()) if missing or excluded else {}
    return DecisionContext(**{f.name: getattr(base, f.name) for f in fields(AgendaItemContext)},
                           missing=[names.get(m, m) for m in missing], eligible=int(counts.get("eligible") or 0),
                           participating=int(counts.get("participating") or 0),
                           has_quorum=ctx.task_data.get("has_quorum"),
                           suggested=ctx.task_data.get("proposed_outcome"),
                           suggested_label=dict(OUTCOMES).get(ctx.task_data.get("proposed_outcome")),
                           conflicted=[names.get(m, m) for m in excluded], basis=counts.get("basis") or "positions")


register(FormDef("council.agenda", AgendaForm, _agenda_submit))
register(FormDef("council.position", PositionForm, _position_submit, _position_initial, context=_position_context))
register(FormDef("council.decide", DecideOrPostponeForm, _decide_submit, _decide_initial,
                 context=_decide_context, choices=decide_choices))
register(FormDef("council.minutes", MinutesForm, _minutes_submit, _minutes_initial))
