"""Drafts of task forms: what a user typed, saved without completing the task ("Gem kladde"); and the
tasks the process closed without a user completing them (a position task when the meeting begins).

One draft per task and user; it prefills the form when the user opens the task again, and completing
the task deletes every draft of it. A draft is the typed text, not validated: it changes no record.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, bindparam, delete, event, exists, insert, literal, select
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from engine import txcache
from engine.models import Base, Case, ReadyTask, utcnow

MAX_VALUE = 50_000  # characters of one field kept in a draft (the longest form field is shorter)


class TaskDraft(Base):
    __tablename__ = "task_draft"

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    values: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


def clean(raw: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """The values of the form's own fields, as text (a list for a group of check boxes), cut to size."""
    out: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        if key not in names:
            continue
        if isinstance(value, (list, tuple)):
            out[key] = [str(v)[:MAX_VALUE] for v in value][:100]
        elif value is not None:
            out[key] = str(value)[:MAX_VALUE]
    return out


def save_draft(session: Session, task_id: str, username: str, case_id: int, values: dict[str, Any],
               now: datetime) -> TaskDraft:
    row = session.get(TaskDraft, (task_id, username))
    if row is None:
        row = TaskDraft(task_id=task_id, username=username, case_id=case_id, values=values, saved_at=now)
        session.add(row)
    else:
        row.values = values
        row.saved_at = now
    return row


def draft_for(session: Session, task_id: str, username: str) -> TaskDraft | None:
    return session.scalar(select(TaskDraft).where(TaskDraft.task_id == task_id, TaskDraft.username == username))


def delete_drafts(session: Session, task_id: str) -> None:
    session.execute(delete(TaskDraft).where(TaskDraft.task_id == task_id))


class ClosedTask(Base):
    """A human task that left the worklist without a user completing it (cancelled by the process), so that its
    page can say when instead of "not found"; a completed task has its CompletedTask row instead, which says who
    completed it and when. (Rows written before bench P1's change exist for completed tasks too.)"""

    __tablename__ = "closed_task"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # spiff task uuid
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)


def _task_left_the_worklist(mapper, connection, target: ReadyTask) -> None:
    """The projection row of a ready task is deleted (in the save that completed or cancelled it): record it,
    at the case's save time (the engine's clock), unless a user completed it (its CompletedTask row, written in
    the same flush, says so: bench P1), and drop its drafts."""
    session = object_session(target)
    completed = txcache.cache(session, txcache.COMPLETED_TASKS) if session is not None else None
    if not completed or target.id not in completed:
        _record_closed(connection, target)
    connection.execute(_DELETE_DRAFTS, {"task_id": target.id})


_DELETE_DRAFTS = delete(TaskDraft.__table__).where(TaskDraft.__table__.c.task_id == bindparam("task_id"))


def _record_closed(connection, target: ReadyTask) -> None:
    closed = ClosedTask.__table__
    connection.execute(insert(closed).from_select(
        ["id", "case_id", "title", "closed_at"],
        select(literal(target.id, String(36)), literal(target.case_id), literal((target.title or "")[:500],
                                                                                 String(500)), Case.updated_at)
        .where(Case.id == target.case_id, ~exists().where(closed.c.id == target.id))))


def record_closed_tasks() -> None:
    """Record the tasks that leave the worklist (`runtime.build` calls this; registering twice is a no-op)."""
    if not event.contains(ReadyTask, "after_delete", _task_left_the_worklist):
        event.listen(ReadyTask, "after_delete", _task_left_the_worklist)
