"""Saved filtered lists: a user keeps a named filter of the case list or of their task list.

A saved list is the filter's query parameters, validated by the list's own filter schema when saved and
when used, so a stored list can never carry more than the page accepts. Each user sees only their own.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from marshmallow import ValidationError
from sqlalchemy import JSON, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.models import Base, utcnow

from .directory import User
from .errors import DomainError
from .forms import FormInvalid, FormSchema, choice, flatten_errors, text
from .i18n import N_

KINDS = ("cases", "tasks")
MAX_LISTS = 50


class SavedList(Base):
    __tablename__ = "saved_list"
    __table_args__ = (UniqueConstraint("owner", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "cases" or "tasks"
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def query_string(self) -> str:
        return urlencode(sorted((k, v) for k, v in (self.query or {}).items()))


class SavedListError(DomainError):
    key = "name"


class TaskFilterSchema(FormSchema):
    """The filters of the task list: process, and overdue only."""

    process = text(N_("Process"), max_length=200)
    due = choice(N_("Deadline"), [("overdue", N_("Overdue")), ("soon", N_("Due within 14 days"))], required=False,
                 widget="select")

    class Meta:
        unknown = "exclude"


class NameSchema(FormSchema):
    name = text(N_("Name of the list"), required=True, max_length=100)
    kind = choice(N_("List"), [("cases", N_("Cases")), ("tasks", N_("Tasks"))])

    class Meta:
        unknown = "exclude"


def parse_task_filters(raw: dict) -> dict:
    names = ("process", "due")
    try:
        return TaskFilterSchema().load_form({k: raw.get(k) for k in names if raw.get(k) not in (None, "")})
    except ValidationError as exc:
        raise FormInvalid(flatten_errors(exc.normalized_messages())) from None


def _clean_query(kind: str, raw: dict) -> dict[str, str]:
    if kind == "cases":
        from .case_controls import parse_filters

        values = parse_filters(raw)
    else:
        values = parse_task_filters(raw)
    return {k: str(v) for k, v in values.items() if v not in (None, "")}


def lists_of(session: Session, user: User, kind: str | None = None) -> list[SavedList]:
    query = select(SavedList).where(SavedList.owner == user.username).order_by(SavedList.kind, SavedList.name)
    if kind:
        query = query.where(SavedList.kind == kind)
    return list(session.scalars(query))


def save_list(session: Session, user: User, raw: dict, now: datetime) -> SavedList:
    """Save the filters in `raw` under a name (an existing list of the same name is replaced)."""
    try:
        head = NameSchema().load_form({k: raw.get(k) for k in ("name", "kind") if raw.get(k) not in (None, "")})
    except ValidationError as exc:
        raise FormInvalid(flatten_errors(exc.normalized_messages())) from None
    query = _clean_query(head["kind"], raw)
    row = session.scalar(select(SavedList).where(SavedList.owner == user.username, SavedList.kind == head["kind"],
                                                 SavedList.name == head["name"]))
    if row is None:
        if len(lists_of(session, user)) >= MAX_LISTS:
            raise SavedListError(N_("You have 50 saved lists; delete one first."))
        row = SavedList(owner=user.username, kind=head["kind"], name=head["name"], created_at=now)
        session.add(row)
    row.query = query
    session.flush()
    return row


def delete_list(session: Session, user: User, list_id: int) -> SavedList:
    row = session.get(SavedList, list_id)
    if row is None or row.owner != user.username:
        raise SavedListError(N_("The list does not exist."))
    session.delete(row)
    return row


def filter_tasks(tasks, filters: dict, now: datetime) -> list:
    """The task projection rows matching the task list's filters."""
    from datetime import timedelta

    out = []
    for t in tasks:
        if filters.get("process") and t.process_id != filters["process"]:
            continue
        if filters.get("due") == "overdue" and not (t.due_at and t.due_at < now):
            continue
        if filters.get("due") == "soon" and not (t.due_at and t.due_at < now + timedelta(days=14)):
            continue
        out.append(t)
    return out
