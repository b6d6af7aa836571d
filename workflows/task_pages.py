"""The task page's parts beyond the form: a task that is already done (who completed it and when) and
the context the families' providers give (composed here where one family's record refers to another's).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import TaskNotReady
from engine.models import AuditEvent, Case, CompletedTask

from . import lanes
from .directory import User
from .drafts import ClosedTask
from .i18n import N_
from .task_context import AgendaItemContext, HearingNoteRef, ProposalRecord

DONE = N_("This task has already been completed.")


@dataclass(frozen=True)
class DoneTask:
    """A task that can no longer be done, as its page says so: who completed it and when."""

    task_id: str
    title: str
    case_id: int
    case_title: str
    completed_by: str  # the person's name; "" when the process closed it
    completed_at: datetime


class TaskAlreadyDone(TaskNotReady):
    """A task already completed (or closed by the process); `done` says by whom and when (None: the user may
    not see the case)."""

    def __init__(self, done: DoneTask | None):
        super().__init__(DONE)
        self.done = done


def done_task(session: Session, user: User | None, task_id: str) -> DoneTask | None:
    """A completed or closed task as this user may see it; None when there is no such task, or the case is
    not theirs to see."""
    row = session.get(CompletedTask, task_id)
    if row is None:
        closed = session.get(ClosedTask, task_id)
        if closed is None:
            return None
        case = session.get(Case, closed.case_id)
        if case is None or user is None or not lanes.may_view_case(user, case.scope):
            return None
        return DoneTask(task_id=closed.id, title=closed.title, case_id=case.id, case_title=case.title,
                        completed_by="", completed_at=closed.closed_at)
    case = session.get(Case, row.case_id)
    if case is None or user is None or not lanes.may_view_case(user, case.scope):
        return None
    title = row.spec_name
    for event in session.scalars(select(AuditEvent).where(AuditEvent.case_id == row.case_id,
                                                          AuditEvent.kind == "complete")
                                 .order_by(AuditEvent.seq.desc())):
        if (event.detail or {}).get("task_id") == row.id:
            title = event.summary or title
            break
    name = ""
    if row.completed_by:
        name = session.scalar(select(User.name).where(User.username == row.completed_by)) or row.completed_by
    return DoneTask(task_id=row.id, title=title, case_id=case.id, case_title=case.title, completed_by=name,
                    completed_at=row.completed_at)


# ------------------------------------------------------------ composed context

def hearing_note(session: Session, case_id: int | None) -> HearingNoteRef | None:
    """The hearing a proposal's case ran, with its note's points once the working group wrote them."""
    if case_id is None:
        return None
    from .hearing import hearing_for_case  # the hearing family runs inside the proposal's case
    from .hearing.tasks import note_record

    row = hearing_for_case(session, case_id)
    return note_record(session, row) if row is not None else None


def compose(session: Session, context):
    """Fill in what a family's context refers to in another family: an agenda item's proposal, a
    proposal's hearing and note."""
    from .proposal.tasks import record_for

    if isinstance(context, AgendaItemContext) and context.proposal_id is not None and context.proposal is None:
        context.proposal = record_for(session, context.proposal_id)
    record = context.proposal if isinstance(context, AgendaItemContext) else context
    if isinstance(record, ProposalRecord) and record.hearing is None:
        record.hearing = hearing_note(session, record.case_id)
    return context
