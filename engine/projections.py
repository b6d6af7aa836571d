"""The ready-task, timer and message-subscription projections a save writes for a case.

The worklist, the worker's timer sweep and the message router read these tables, never the
serialized workflow: each save rewrites a case's rows from its live workflow.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable, Iterable

from sqlalchemy import and_, delete, false, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import analytics, metrics
from .instance import CaseInstance, parse_time, task_properties
from .models import MessageSubscription, ReadyTask, WaitingTimer
from .scripting import RestrictedScriptEngine

log = logging.getLogger(__name__)


def duration(text: str) -> timedelta:
    """An ISO 8601 duration (`P5D`) as a timedelta."""
    parsed = TimerEventDefinition.parse_iso_duration(text)
    return TimerEventDefinition.get_timedelta_from_start(parsed)


class Projector:
    """Writes a case's projection rows; the script engine evaluates assignee expressions."""

    def __init__(self, script_engine: RestrictedScriptEngine, clock: Callable[[], datetime]):
        self.script_engine = script_engine
        self.clock = clock

    def project(self, session: Session, instance: CaseInstance, timers: list[tuple[str, datetime]],
                subscriptions: list[tuple[str, str]], had: tuple[int, int]) -> dict[str, datetime]:
        """Ready human tasks, waiting timers and message subscriptions of the case as its workflow has them,
        and the element-time aggregates (engine.analytics) of what ended in this save.
        `had`: the case's timer and subscription counts before this save (zero: nothing to delete).
        Returns {task id: ready since} of the human tasks completed in this save."""
        row, now = instance.row, self.clock()
        if instance.projected is not None:
            finished = self._project_changes(session, instance, now)
        else:
            finished = self._project_all(session, instance, now)
        passes, completed = [], {}
        for proj in finished:
            if self._completed(instance, proj.id):
                completed[proj.id] = proj.ready_since
                passes.append(analytics.Pass(proj.spec_name, "user", (now - proj.ready_since).total_seconds()))
        had_timers, had_subscriptions = had
        waits = analytics.update_waits(session, row.id, instance.workflow, now, bool(had_timers or had_subscriptions))
        analytics.record(session, row.process_version_id, row.scope, passes + waits.passes, now)
        metrics.observe_save(passes, waits.timer_lags)
        if had_timers:
            session.execute(delete(WaitingTimer).where(WaitingTimer.case_id == row.id))
        if had_subscriptions:
            session.execute(delete(MessageSubscription).where(MessageSubscription.case_id == row.id))
        for i, (name, due) in enumerate(timers):
            session.add(WaitingTimer(id=f"{row.id}:{i}", case_id=row.id, spec_name=name, due_at=due))
        for name, key in subscriptions:
            session.add(MessageSubscription(case_id=row.id, message_name=name, correlation=key))
        return completed

    @staticmethod
    def _completed(instance: CaseInstance, task_id: str) -> bool:
        """Whether a task that is no longer ready was completed (not cancelled by a boundary event)."""
        from SpiffWorkflow.util.task import TaskState

        task = analytics.find_task(instance.workflow, task_id)
        return task is not None and task.state == TaskState.COMPLETED

    def _new_row(self, task, row, now: datetime) -> ReadyTask:
        return ReadyTask(**self._new_values(task, row, now))

    def _new_values(self, task, row, now: datetime) -> dict:
        return {"id": str(task.id), "case_id": row.id, "spec_name": task.task_spec.name, "ready_since": now,
                **self._values(task, row, now)}

    def _values(self, task, row, ready_since: datetime) -> dict:
        props = task_properties(task)
        return {"title": task.task_spec.bpmn_name or task.task_spec.name, "lane": task.task_spec.lane,
                "scope": row.scope, "form_key": props.get("formKey"), "case_title": row.title,
                "process_id": row.process_id, "due_at": self._due(task, props, ready_since),
                "assignee": self._assignee(task, props)}

    def _fill(self, proj: ReadyTask, task, row) -> None:
        for name, value in self._values(task, row, proj.ready_since).items():
            setattr(proj, name, value)

    def _project_changes(self, session: Session, instance: CaseInstance, now: datetime) -> list[ReadyTask]:
        """Issue 19 (P6): write only what changed since the load. A task that was ready at load and still is
        keeps its row as it is (its spec, data, assignee and due date cannot have changed while it stayed
        ready), so a workflow with hundreds of ready tasks (a council meeting's positions) neither reads
        nor rewrites their rows on each save: new ready tasks are inserted, finished ones deleted, and the
        case's title and scope, if they changed, are carried over in one UPDATE. Returns the deleted rows."""
        row = instance.row
        ready = {str(t.id): t for t in instance.ready_human_tasks}
        gone = [tid for tid in instance.projected if tid not in ready]
        bulk, finished = [], []
        for tid in gone:
            proj = session.identity_map.get(identity_key(ReadyTask, tid))
            if proj is not None:
                finished.append(proj)
            else:
                bulk.append(tid)
        if bulk:  # deleted through the session, so the listeners of a row's deletion run (workflows/drafts.py)
            finished.extend(session.scalars(select(ReadyTask).where(ReadyTask.id.in_(bulk))))
        for proj in finished:
            session.delete(proj)
        kept = [tid for tid in ready if tid in instance.projected]
        if kept:
            session.execute(update(ReadyTask).where(
                ReadyTask.case_id == row.id,
                or_(ReadyTask.case_title != row.title, ReadyTask.scope.is_distinct_from(row.scope),
                    ReadyTask.process_id != row.process_id))
                .values(case_title=row.title, scope=row.scope, process_id=row.process_id),
                execution_options={"synchronize_session": False})
        new = [self._new_values(task, row, now) for tid, task in ready.items() if tid not in instance.projected]
        if new:  # one bulk INSERT, not the unit of work's objects (bench P1, P6): nothing reads them as objects
            session.execute(insert(ReadyTask), new)
        instance.projected = set(ready)
        return finished

    def _project_all(self, session: Session, instance: CaseInstance, now: datetime) -> list[ReadyTask]:
        """Every ready task's row rewritten from the workflow (the rows as loaded are not known).
        Returns the deleted rows."""
        row = instance.row
        existing = self._projected_rows(session, instance)
        current = {}
        for task in instance.ready_human_tasks:
            tid = str(task.id)
            proj = existing.get(tid)
            if proj is None:
                proj = self._new_row(task, row, now)
                session.add(proj)
            else:
                self._fill(proj, task, row)
            current[tid] = proj
        finished = [proj for tid, proj in existing.items() if tid not in current]
        for proj in finished:
            session.delete(proj)
        instance.projected = set(current)
        return finished

    @staticmethod
    def _projected_rows(session: Session, instance: CaseInstance) -> dict[str, ReadyTask]:
        """The case's ready-task rows by id; those already in the session (e.g. the task being completed,
        read to check access) are not read again."""
        if instance.projected is None:
            return {t.id: t for t in session.scalars(select(ReadyTask).where(ReadyTask.case_id == instance.row.id))}
        rows, missing = {}, []
        for tid in instance.projected:
            row = session.identity_map.get(identity_key(ReadyTask, tid))
            if row is not None:
                rows[tid] = row
            else:
                missing.append(tid)
        if missing:
            rows.update((t.id, t) for t in session.scalars(select(ReadyTask).where(ReadyTask.id.in_(missing))))
        return rows

    def _assignee(self, task, props: dict) -> str | None:
        """Who alone may take the task: the `assignee` property is an expression over the task's data
        (e.g. `request["member"]` in a multi-instance task, one instance per person)."""
        expression = props.get("assignee")
        if not expression:
            return None
        try:
            value = self.script_engine.evaluate(task, expression)
        except Exception as exc:  # noqa: BLE001 - a bad expression must not lose the task: leave it to the lane
            log.warning("task %s: assignee %r: %s", task.task_spec.name, expression, exc)
            return None
        return None if value is None else str(value)[:100]

    @staticmethod
    def _due(task, props: dict, ready_since: datetime) -> datetime | None:
        variable = props.get("dueVariable")
        if variable and task.data.get(variable):
            try:
                return parse_time(task.data[variable])
            except (TypeError, ValueError):
                log.warning("task %s: %s is not a date", task.task_spec.name, variable)
        if props.get("dueIn"):
            return ready_since + duration(props["dueIn"])
        return None


def tasks_for(session: Session, audiences, *, assignee: str | None = None, limit: int = 200,
              offset: int = 0, delegated_from: Iterable[str] = (),
              delegated_in: Iterable[tuple[str, int]] = ()) -> list[ReadyTask]:
    """Ready tasks visible to (lane, scope) pairs (scope None: any scope); a task with an
    assignee is visible only to that assignee. `delegated_from`: user names whose assigned tasks are
    visible too, whatever their lane (an out-of-office delegation); `delegated_in`: (user name, case id)
    pairs whose assigned tasks in that one case are visible too (a delegation bound to one case)."""
    clauses = []
    for lane, scope in audiences:
        clauses.append(ReadyTask.lane == lane if scope is None
                       else and_(ReadyTask.lane == lane, ReadyTask.scope == scope))
    where = or_(*clauses) if clauses else false()
    mine = ReadyTask.assignee.is_(None) if assignee is None else or_(ReadyTask.assignee.is_(None),
                                                                      ReadyTask.assignee == assignee)
    visible = and_(where, mine)
    delegated = list(delegated_from)
    if delegated:
        visible = or_(visible, ReadyTask.assignee.in_(delegated))
    bound = [and_(ReadyTask.assignee == who, ReadyTask.case_id == case_id) for who, case_id in delegated_in]
    if bound:
        visible = or_(visible, *bound)
    return list(session.scalars(
        select(ReadyTask).where(visible)
        .order_by(ReadyTask.due_at.is_(None), ReadyTask.due_at, ReadyTask.ready_since, ReadyTask.id)
        .limit(limit).offset(offset)))


def next_timer_due(session: Session) -> datetime | None:
    return session.scalar(select(WaitingTimer.due_at).order_by(WaitingTimer.due_at).limit(1))
