"""Closed items (lukket punkt) and postponed items (udsat punkt).

- The secretariat (or the chair) closes an agenda item with a reason: the council's members, a substitute
  acting for a member at that meeting, and staff see it; every public channel shows only the placeholder
  "Lukket punkt" until the chair opens it (then it is public like any other item). A member the chair
  ruled conflicted on a closed item does not get its material.
- The secretariat postpones an item to a later meeting that still takes items, with a reason; so may the
  chair's decision on an item (e.g. without a quorum). The item row moves (its material, positions and
  history stay with it), a `Postponement` records it, and the old meeting's process stops waiting for it:
  its open position tasks for the item are withdrawn (completed by the system) and its decision is skipped
  without a decision (no `council_decision` message: the proposal's case goes on waiting and gets the
  decision of the meeting that takes the item). A meeting whose agenda is published is not a target: its
  members' position tasks are made when its agenda is published.

Every act is in the audit log (on the meeting's case, and on the proposal's case when the item has one).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.util.task import TaskState

from engine import Forbidden

from .. import lanes
from ..dates import COPENHAGEN
from ..directory import User
from ..forms import FormInvalid, FormSchema, choice, load_values, reference, text
from ..i18n import N_
from .forms import DecideForm
from .models import (
    OPEN_STATUSES, OUTCOMES, OVER_STATUSES, AgendaChange, AgendaItem, CouncilError, ItemKind, Meeting,
    MeetingStatus, Postponement, absences, conflicted, get_item, items, member_for, next_position,
    open_meetings,
)

#: what every public channel shows instead of a closed item (the API and feed speak Danish)
PLACEHOLDER = "Lukket punkt"
CLOSED_ITEM = N_("Closed item")  # the same on the pages, translated
POSTPONE = "postpone"  # the chair's decision: postpone the item to a later meeting
POSTPONED = "postponed"  # what the skipped decision instance carries instead of an outcome


#: called as listener(session, audit, actor, item, source, target, detail) when an item with a proposal is
#: postponed: the proposal family records it on the proposal's case (the council does not import that family)
POSTPONED_LISTENERS: list = []


class CloseForm(FormSchema):
    reason = text(N_("Reason for closing the item"), required=True, widget="textarea", max_length=2000,
                  help=N_("Internal: only members and staff see it."))


class OpenForm(FormSchema):
    note = text(N_("Note"), widget="textarea", max_length=2000)


class PostponeForm(FormSchema):
    meeting_id = reference(N_("Postpone to the meeting"), help=N_("A later meeting that still takes agenda items."))
    reason = text(N_("Reason for postponing"), required=True, widget="textarea", max_length=2000,
                  help=N_("Recorded and shown with both meetings."))


class DecideOrPostponeForm(DecideForm):
    """The chair's decision form with one more option: postpone the item to a later meeting."""

    decision = choice(N_("The council's decision"),
                      OUTCOMES + [(POSTPONE, N_("Postpone to a later meeting"))])
    postpone_to = reference(N_("Postpone to the meeting"), required=False,
                            help=N_("Only when the item is postponed: a later meeting that still takes items."))


# ------------------------------------------------------------ who sees what

def sees_closed(session: Session, user: User | None, meeting_id: int) -> bool:
    """Council members, staff, and a substitute acting for a member at this meeting see closed items."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if lanes.is_staff(user):
        return True
    return any(a.substitute == user.username for a in absences(session, meeting_id))


def excluded_from(session: Session, user: User | None, item: AgendaItem) -> bool:
    """The chair ruled the user conflicted on the item (or the member the user substitutes for)."""
    if user is None:
        return True
    ruled = conflicted(session, item.id)
    if not ruled:
        return False
    if user.username in ruled:
        return True
    return any(a.substitute == user.username and a.member in ruled for a in absences(session, item.meeting_id))


def may_see_material(session: Session, user: User | None, item: AgendaItem, internal: bool) -> bool:
    """Whether the user may open the item's material (`internal`: the user sees the meeting's inside)."""
    if not item.hidden_publicly:
        return True
    return sees_closed(session, user, item.meeting_id) and not excluded_from(session, user, item)


@dataclass(frozen=True)
class PostponementView:
    item_id: int
    title: str  # the placeholder for a closed item the viewer may not see
    direction: str  # "to": postponed from this meeting to the other; "from": to this meeting from the other
    other_meeting_id: int
    other_title: str
    other_starts_at: datetime
    reason: str  # empty where the item is hidden from the viewer
    at: datetime
    hidden: bool = False  # a closed item the viewer may not see: the title is the placeholder


def postponement_views(session: Session, meeting_id: int, shows: dict[int, bool],
                       sees_closed_items: bool = False) -> list[PostponementView]:
    """The meeting's postponements; `shows`: item id -> whether the viewer sees the item (else placeholder);
    an item no longer on this meeting's agenda is shown if it is not closed or the viewer sees closed items."""
    rows = session.scalars(select(Postponement).where(
        (Postponement.from_meeting_id == meeting_id) | (Postponement.to_meeting_id == meeting_id))
        .order_by(Postponement.at, Postponement.id))
    out = []
    for row in rows:
        item = session.get(AgendaItem, row.item_id)
        outgoing = row.from_meeting_id == meeting_id
        other = session.get(Meeting, row.to_meeting_id if outgoing else row.from_meeting_id)
        if item is None or other is None:
            continue
        visible = shows.get(item.id, sees_closed_items or not item.hidden_publicly)
        out.append(PostponementView(item_id=item.id, title=item.title if visible else PLACEHOLDER,
                                    direction="to" if outgoing else "from", other_meeting_id=other.id,
                                    other_title=other.title, other_starts_at=other.starts_at,
                                    reason=row.reason if visible else "", at=row.at, hidden=not visible))
    return out


# ------------------------------------------------------------ closing and opening

def _require_chair(session: Session, user: User, now: datetime) -> None:
    member = member_for(session, user, now.astimezone(COPENHAGEN).date())
    if member is None or not member.is_chair:
        raise Forbidden(N_("Only the council's chair can do this."))


def close_item(session: Session, audit, user: User, item_id: int, raw: dict, now: datetime) -> AgendaItem:
    """Close an item (the secretariat or the chair), with the reason; public channels show a placeholder."""
    if not lanes.is_secretariat(user):
        _require_chair(session, user, now)
    item = get_item(session, item_id)
    values = load_values(CloseForm, raw)
    if item.hidden_publicly:
        raise CouncilError(N_("The item is already closed."))
    if item.meeting.minutes_published_at is not None:
        raise CouncilError(N_("The minutes are published: the item can no longer be closed."))
    item.closed, item.closed_reason, item.opened_at, item.opened_by = True, values["reason"], None, None
    audit.append(session, kind="council.item_closed", actor=user.username, case_id=item.meeting.case_id,
                 summary=f"punkt {item.id} lukket", detail={"item_id": item.id, "reason": values["reason"]})
    return item


def open_item(session: Session, audit, user: User, item_id: int, raw: dict, now: datetime) -> AgendaItem:
    """The chair opens a closed item: from now on it is public like any other item."""
    _require_chair(session, user, now)
    item = get_item(session, item_id)
    values = load_values(OpenForm, raw)
    if not item.hidden_publicly:
        raise CouncilError(N_("The item is not closed."))
    item.opened_at, item.opened_by = now, user.username
    audit.append(session, kind="council.item_opened", actor=user.username, case_id=item.meeting.case_id,
                 summary=f"{item.title}: åbnet", detail={"item_id": item.id, "note": values.get("note") or ""})
    return item


# ------------------------------------------------------------ postponing

def postpone_targets(session: Session, item: AgendaItem, now: datetime) -> list[Meeting]:
    """The meetings the item may be postponed to: later, taking items, agenda not yet published."""
    return [m for m in open_meetings(session) if m.id != item.meeting_id and m.starts_at > now
            and m.starts_at > item.meeting.starts_at and m.agenda_published_at is None]


def _check_target(session: Session, item: AgendaItem, meeting_id: int, now: datetime) -> Meeting:
    target = session.get(Meeting, meeting_id)
    field = "meeting_id"
    if target is None:
        raise FormInvalid({field: [N_("Choose a meeting.")]})
    if target.id == item.meeting_id:
        raise FormInvalid({field: [N_("The item is already on that meeting's agenda.")]})
    if target.starts_at <= now or target.status in OVER_STATUSES:
        raise FormInvalid({field: [N_("That meeting is held or in the past: choose a later meeting.")]})
    if target.starts_at <= item.meeting.starts_at:
        raise FormInvalid({field: [N_("Choose a meeting after the item's meeting.")]})
    if target.status not in OPEN_STATUSES or target.agenda_published_at is not None:
        raise FormInvalid({field: [N_("That meeting's agenda is published: choose a meeting that still takes "
                                      "agenda items.")]})
    return target


def _move(session: Session, audit, user: User, item: AgendaItem, target: Meeting, reason: str,
          now: datetime) -> Postponement:
    """Move the item row to the target meeting's agenda and record it (both meetings, the proposal's case)."""
    source = item.meeting
    if source.agenda_published_at is not None:  # a change to a published agenda is shown with its reason
        title = PLACEHOLDER if item.hidden_publicly else item.title
        local = target.starts_at.astimezone(COPENHAGEN)
        session.add(AgendaChange(meeting_id=source.id, item_id=item.id, by=user.username, at=now,
                                 description=f"Punkt udsat til {target.title} ({local:%d.%m.%Y}): {title}"[:500],
                                 reason=reason if not item.hidden_publicly else "Lukket punkt"))
    row = Postponement(item_id=item.id, from_meeting_id=source.id, to_meeting_id=target.id, reason=reason,
                       by=user.username, at=now)
    session.add(row)
    item.meeting_id = target.id
    item.meeting = target
    item.position = next_position(session, target)
    detail = {"item_id": item.id, "from_meeting_id": source.id, "to_meeting_id": target.id, "reason": reason,
              "meeting": target.title, "meeting_at": target.starts_at.isoformat()}
    summary = f"punkt {item.id} udsat fra {source.title} til {target.title}"
    audit.append(session, kind="council.item_postponed", actor=user.username, case_id=source.case_id,
                 summary=summary, detail=detail)
    audit.append(session, kind="council.item_postponed", actor=user.username, case_id=target.case_id,
                 summary=summary, detail=detail)
    if item.proposal_id is not None:  # the proposal's case follows its item (the proposal family listens)
        for listener in POSTPONED_LISTENERS:
            listener(session, audit, user.username, item, source, target, detail)
    session.flush()
    _conclude_decisions(session, source, now)
    return row


def _conclude_decisions(session: Session, meeting: Meeting, now: datetime) -> None:
    """At the meeting, with every remaining decision item decided, the meeting goes on to its minutes."""
    if meeting.status == MeetingStatus.PUBLISHED and now >= meeting.starts_at and all(
            i.decided_at is not None for i in items(session, meeting.id) if i.kind == ItemKind.DECISION):
        meeting.status = MeetingStatus.MINUTES.value


def postpone_item(session: Session, engine, user: User, item_id: int, raw: dict, now: datetime) -> Postponement:
    """The secretariat postpones an item to a later meeting, with a reason (per-field errors, nothing
    changed, for a meeting in the past, held, or with its agenda published)."""
    lanes.require_secretariat(user)
    item = get_item(session, item_id)
    values = load_values(PostponeForm, raw)
    if item.decided_at is not None:
        raise CouncilError(N_("The item is decided; it can no longer be postponed."))
    if item.meeting.status in OVER_STATUSES:
        raise CouncilError(N_("The meeting is over; its agenda can no longer change."))
    target = _check_target(session, item, values["meeting_id"], now)
    source = item.meeting
    row = _move(session, engine.audit, user, item, target, values["reason"], now)
    release_from_process(session, engine, source, item.id, user.username)
    return row


# ------------------------------------------------------------ the old meeting's process

def _item_of(task) -> int | None:
    """The agenda item a ready position task (its request) or decision task (its item) is about."""
    name = {"position": "request", "decide": "item"}.get(task.task_spec.bpmn_id)
    data = task.data.get(name) if name else None
    return data.get("item_id") if isinstance(data, dict) else None


def release_from_process(session: Session, engine, meeting: Meeting, item_id: int, actor: str) -> None:
    """The meeting's process stops waiting for a moved item: it no longer decides it (the decision items
    not yet taken up lose it), its open position tasks and a ready decision on it are completed by the
    system, without a decision and without a message to a proposal."""
    if meeting.case_id is None or meeting.agenda_published_at is None:
        return  # before publication the process holds no tasks or lists of the item
    instance = engine.load(session, meeting.case_id)
    workflow = instance.workflow
    loop = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "decide_item" and "remaining" in t.internal_data]
    if loop:  # the chair is deciding item after item: the loop skips this one
        for task in loop:
            listed = task.data.get("decision_items") or []
            task.internal_data["remaining"] = [k for k in task.internal_data["remaining"]
                                               if listed[k].get("item_id") != item_id]
    else:  # not yet at the meeting: the lists the process takes up later lose the item
        for task in workflow.get_tasks():
            for name in ("decision_items", "agenda_requests"):
                if isinstance(task.data.get(name), list):
                    task.data[name] = [r for r in task.data[name] if r.get("item_id") != item_id]
    engine.save(session, instance, actor=actor, kind="council.item_released",
                summary=f"punkt {item_id} udsat: behandles ikke på mødet", detail={"item_id": item_id})
    ready = [(str(t.id), t.task_spec.bpmn_id, dict(t.data.get("item") or {}))
             for t in workflow.get_tasks(state=TaskState.READY, manual=True) if _item_of(t) == item_id]
    for task_id, spec, item in ready:
        data = ({"position_done": "withdrawn"} if spec == "position" else
                {"item": {**item, "proposal_id": None}, "decision": POSTPONED, "changes": "", "reason": "",
                 "decision_done": POSTPONED})
        engine.complete_task(session, meeting.case_id, task_id, data, actor="system",
                             audit_data={"withdrawn": True, "item_id": item_id, "postponed": True})


# ------------------------------------------------------------ the chair's decision (tasks.py hook)

def decide_postponement(ctx, item: AgendaItem, values: dict) -> dict | None:
    """The chair's decide task with "postpone": the item moves to the chosen meeting and the task's
    decision instance ends without a decision (no message to the proposal). None for any other decision."""
    if values.get("decision") != POSTPONE:
        return None
    if not values.get("postpone_to"):
        raise FormInvalid({"postpone_to": [N_("Choose the meeting the item is postponed to.")]})
    if not (values.get("reason") or "").strip():
        raise FormInvalid({"reason": [N_("Give the reason for postponing.")]})
    now = ctx.clock()
    target = _check_target(ctx.session, item, int(values["postpone_to"]), now)
    from engine.audit import AuditLog

    _move(ctx.session, ctx.audit or AuditLog(ctx.clock), ctx.user, item, target, values["reason"].strip(), now)
    data = dict(ctx.task_data.get("item") or {})
    return {"item": {**data, "proposal_id": None}, "decision": POSTPONED, "changes": "",
            "reason": values["reason"].strip(), "decision_done": POSTPONED, "postponed_to": target.id}


def decide_choices(ctx) -> dict:
    """The meetings the chair may postpone the decide task's item to."""
    item_id = (ctx.task_data.get("item") or {}).get("item_id")
    if not item_id:
        return {"postpone_to": []}
    item = get_item(ctx.session, int(item_id))
    return {"postpone_to": [(str(m.id), f"{m.title} ({m.starts_at.astimezone(COPENHAGEN):%d.%m.%Y})")
                            for m in postpone_targets(ctx.session, item, ctx.clock())]}


__all__ = ["CLOSED_ITEM", "PLACEHOLDER", "POSTPONE", "POSTPONED", "CloseForm", "DecideOrPostponeForm", "OpenForm",
           "PostponeForm", "PostponementView", "close_item", "decide_choices", "decide_postponement",
           "excluded_from", "may_see_material", "open_item", "postpone_item", "postpone_targets",
           "postponement_views", "release_from_process", "sees_closed"]
