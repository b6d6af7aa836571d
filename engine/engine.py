"""The case engine: process versions, case instances, projections, timers, messages."""
from __future__ import annotations

import contextvars
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.util import identity_key
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from .audit import AuditLog
from .claims import claim_each
from .errors import (
    CaseNotFound,
    Forbidden,
    NoIncident,
    ProcessNotFound,
    ScriptError,
    StaleCase,
    TaskNotFound,
    TaskNotReady,
)
from .models import (
    VERSION_NEWEST_FIRST,
    Case,
    CompletedTask,
    MessageSubscription,
    OutboxMessage,
    ProcessVersion,
    ReadyTask,
    WaitingTimer,
    utcnow,
)
from .scripting import RestrictedScriptEngine
from .serialization import CaseSerializer, canonical_json
from .specs import DeployRules, parse_processes, spec_hash

log = logging.getLogger(__name__)

MAX_MESSAGE_ATTEMPTS = 100  # an undeliverable message is retried by this many sweeps, then left for an operator
TIMER_EVENTS = {"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"}


@dataclass
class ExecutionContext:
    """What a service handler may use while the engine runs a case's steps."""

    session: Session
    case_id: int | None
    actor: str | None


current_execution: contextvars.ContextVar[ExecutionContext | None] = contextvars.ContextVar(
    "current_execution", default=None
)


class ProcessError(ScriptError):
    """A script, expression or service task failed while the engine ran a case.

    `element` is the BPMN id of the failing element, `element_name` its name in the
    model, `task_id` the id of the failed task (left in ERROR state in the workflow).
    """

    def __init__(self, message: str, element: str | None = None, element_name: str | None = None,
                 task_id: str | None = None):
        super().__init__(message)
        self.element = element
        self.element_name = element_name
        self.task_id = task_id


def _parse_time(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        dt = datetime.fromisoformat(str(value))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _duration(text: str) -> timedelta:
    parsed = TimerEventDefinition.parse_iso_duration(text)
    return TimerEventDefinition.get_timedelta_from_start(parsed)


def _json_text(value, limit: int = 2000) -> str:
    """A value as JSON text for the audit log (anything not JSON as its repr), cut to `limit`."""
    return json.dumps(value, ensure_ascii=False, default=repr)[:limit]


def task_properties(task) -> dict[str, str]:
    return dict((task.task_spec.extensions or {}).get("properties", {}) or {})


from .uow import STOPPED_CASES, take_stopped_cases  # noqa: E402,F401  (re-exported)


class CaseInstance:
    """A case row with its live workflow: query properties and actions."""

    def __init__(self, row: Case, workflow: BpmnWorkflow, projected: set[str] | None = None):
        self.row = row
        self.workflow = workflow
        # Ids of the case's ready-task projection rows as loaded (each save projects exactly the ready
        # human tasks, so these are the workflow's ready human tasks at load); None: unknown, ask the database.
        self.projected = projected
        # The error of the last action, when it left the case as an incident.
        self.failure: ProcessError | None = None

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def version(self) -> int:
        return self.row.version

    @property
    def completed(self) -> bool:
        return self.workflow.is_completed()

    @property
    def ready_human_tasks(self):
        return self.workflow.get_tasks(state=TaskState.READY, manual=True)

    @property
    def incident(self) -> bool:
        return self.row.status == "incident"

    def failed_tasks(self) -> list:
        """Tasks left in ERROR state by a failure (also inside sub-workflows); the incident's own first.

        A failure while the engine *updated* a task (a timer expression evaluated as the task
        becomes due to wait, say) leaves that task in its unfinished state, not ERROR: then the
        incident's own task is the failed one.
        """
        tasks = self.workflow.get_tasks(state=TaskState.ERROR)
        if not tasks and self.row.incident_task_id:
            try:
                task = self.workflow.get_task_from_id(UUID(self.row.incident_task_id))
            except Exception:  # noqa: BLE001 - an id from another state (e.g. before a migration)
                task = None
            if task is not None and not task.has_state(TaskState.FINISHED_MASK):
                tasks = [task]
        return sorted(tasks, key=lambda t: str(t.id) != (self.row.incident_task_id or ""))

    @property
    def data(self) -> dict[str, Any]:
        """The case's current variables: the data of its latest ready or finished task."""
        ready = self.ready_human_tasks
        if ready:
            return ready[0].data
        if self.workflow.last_task is not None:
            return self.workflow.last_task.data
        return self.workflow.data

    def task(self, task_id: str):
        try:
            uid = UUID(str(task_id))
        except ValueError:
            raise TaskNotFound(task_id) from None
        task = self.workflow.get_task_from_id(uid)
        if task is None:
            raise TaskNotFound(task_id)
        return task

    def waiting_timers(self) -> list[tuple[str, datetime]]:
        timers = []
        for pending in self.workflow.waiting_events():
            if pending.event_type in TIMER_EVENTS and pending.value is not None:
                timers.append((pending.name or pending.event_type, _parse_time(pending.value)))
        return timers

    def waiting_messages(self) -> list[tuple[str, dict]]:
        return [(p.name, dict(p.correlations or {})) for p in self.workflow.waiting_events()
                if p.event_type == "MessageEventDefinition"]


class CaseEngine:
    """Runs cases over SpiffWorkflow and keeps their projections.

    Collaborators come in: the serializer, the script engine (with the domain's
    service handlers), the audit log, a session factory for the worker's own
    transactions and a clock.
    """

    def __init__(self, *, script_engine: RestrictedScriptEngine, session_factory: Callable[[], Session],
                 serializer: CaseSerializer | None = None, audit: AuditLog | None = None,
                 clock: Callable[[], datetime] = utcnow, rules: DeployRules | None = None):
        self.script_engine = script_engine
        self.rules = rules or DeployRules()
        self.session_factory = session_factory
        self.serializer = serializer or CaseSerializer()
        self.clock = clock
        self.audit = audit or AuditLog(clock)
        self._specs: dict[str, tuple[Any, dict]] = {}
        # Called with (session, case row) after every save, in its transaction (e.g. to update a search index).
        self.after_save: list[Callable[[Session, Case], None]] = []

    # ------------------------------------------------------------------ specs
    def deploy(self, session: Session, files: dict[str, bytes | str], actor: str | None = None
               ) -> list[ProcessVersion]:
        """Parse, validate and store each process once per content hash. Returns new versions.

        Raises InvalidBpmn with every problem, and stores nothing, if any file is invalid. A call
        activity may call a process of another given file or the current version of a deployed one.
        """
        created = []
        for parsed in parse_processes(files, rules=self.rules, deployed=lambda pid: self._deployed(session, pid)):
            spec_json = self.serializer.dump_spec(parsed.spec, parsed.subprocess_specs)
            content_hash = spec_hash(spec_json)
            existing = session.scalar(select(ProcessVersion).where(
                ProcessVersion.process_id == parsed.process_id, ProcessVersion.content_hash == content_hash))
            if existing is not None:
                if existing.id != self.latest_version(session, parsed.process_id).id:
                    # an earlier version deployed again (a rollback): it becomes current
                    existing.activated_at = self.clock()
                    self.audit.append(session, kind="deploy", actor=actor,
                                      summary=f"{parsed.process_id} {content_hash[:12]} reactivated",
                                      detail={"process_id": parsed.process_id, "version_id": existing.id,
                                              "hash": content_hash, "reactivated": True})
                    created.append(existing)
                continue
            now = self.clock()
            pv = ProcessVersion(process_id=parsed.process_id, name=parsed.name, content_hash=content_hash,
                                spec_json=spec_json, source=parsed.sources, deployed_by=actor,
                                deployed_at=now, activated_at=now)
            session.add(pv)
            session.flush()
            self.audit.append(session, kind="deploy", actor=actor,
                              summary=f"{parsed.process_id} {content_hash[:12]}",
                              detail={"process_id": parsed.process_id, "version_id": pv.id,
                                      "hash": content_hash})
            created.append(pv)
        return created

    def _deployed(self, session: Session, process_id: str):
        """The current version's (spec, subprocess specs) of a deployed process, or None."""
        try:
            return self._spec_for(self.latest_version(session, process_id))
        except ProcessNotFound:
            return None

    def latest_version(self, session: Session, process_id: str) -> ProcessVersion:
        pv = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                            .order_by(*VERSION_NEWEST_FIRST).limit(1))
        if pv is None:
            raise ProcessNotFound(process_id)
        return pv

    def _spec_for(self, pv: ProcessVersion):
        # Keyed by content hash, not id: a rolled-back deployment may hand its id to another spec.
        cached = self._specs.get(pv.content_hash)
        if cached is None:
            cached = self.serializer.load_spec(pv.spec_json)
            self._specs[pv.content_hash] = cached
        return cached

    # ------------------------------------------------------------------ cases
    def start(self, session: Session, process_id: str, *, actor: str | None, title: str = "",
              scope: str | None = None, data: dict | None = None) -> CaseInstance:
        pv = self.latest_version(session, process_id)
        spec, subprocess_specs = self._spec_for(pv)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=self.script_engine)
        row = Case(process_id=process_id, process_version_id=pv.id, process_version=pv, title=title,
                   scope=scope, created_by=actor, created_at=self.clock(), state="")
        session.add(row)
        session.flush()
        instance = CaseInstance(row, workflow, projected=set())
        start = workflow.task_tree
        start_data = dict(data or {})
        for task in workflow.get_tasks(state=TaskState.READY):
            task.set_data(**start_data)
        start.set_data(**start_data)
        failure = self._attempt(session, instance, actor, workflow.do_engine_steps)
        self.save(session, instance, actor=actor, kind="start", summary=pv.name or process_id,
                  data=start_data, incident=failure)
        return instance

    def load(self, session: Session, case_id: int) -> CaseInstance:
        row = session.get(Case, case_id, options=[undefer(Case.state)])
        if row is None:
            raise CaseNotFound(case_id)
        spec, subprocess_specs = self._spec_for(row.process_version)
        workflow = self.serializer.load(row.state, spec, subprocess_specs)
        workflow.script_engine = self.script_engine
        return CaseInstance(row, workflow, projected={str(t.id) for t in
                                                      workflow.get_tasks(state=TaskState.READY, manual=True)})

    def ready_task(self, instance: CaseInstance, task_id: str):
        task = instance.task(task_id)
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(f"task {task_id} is {TaskState.get_name(task.state).lower()}, not ready")
        return task

    def complete_task(self, session: Session, case_id: int, task_id: str, data: dict | None = None, *,
                      actor: str | None, expected_version: int | None = None,
                      may_complete: Callable[[Any], bool] | None = None,
                      data_from: Callable[[Any], dict] | None = None,
                      audit_data: Any = None) -> CaseInstance:
        """Complete a ready human task with `data`, or with what `data_from(task)` returns.

        `data_from` runs after the version and permission checks, so the
        caller's record writes happen only for a completion that may proceed.

        If a script or service task in the steps that follow fails, the completion
        still stands: the user's data and the CompletedTask row are saved, the
        failing task stays in ERROR state in the saved workflow, and the case
        becomes an incident (`instance.failure` holds the error) for an
        administrator to fix and retry. Nothing is raised for it.
        """
        instance = self.load(session, case_id)
        if expected_version is not None and instance.version != expected_version:
            raise StaleCase(f"case {case_id} is at version {instance.version}, not {expected_version}")
        task = self.ready_task(instance, task_id)
        if may_complete is not None and not may_complete(task):
            raise Forbidden(f"{actor} may not complete task {task.task_spec.bpmn_name or task.task_spec.name}")
        if data_from is not None:
            data = data_from(task)
        data = data or {}
        task.set_data(**data)

        def step():
            task.run()
            instance.workflow.do_engine_steps()

        failure = self._attempt(session, instance, actor, step)
        # The CompletedTask row goes in only after save() won the version check, so a lost
        # race never meets this row's primary key first.
        self.save(session, instance, actor=actor, kind="complete",
                  summary=task.task_spec.bpmn_name or task.task_spec.name,
                  detail={"task": task.task_spec.name, "task_id": str(task.id)},
                  data=data if audit_data is None else audit_data, incident=failure,
                  also=[CompletedTask(id=str(task.id), case_id=instance.id, spec_name=task.task_spec.name,
                                      completed_at=self.clock(), completed_by=actor)])
        return instance

    def _run(self, session: Session, instance: CaseInstance, actor: str | None, fn: Callable[[], Any]):
        token = current_execution.set(ExecutionContext(session, instance.row.id, actor))
        try:
            fn()
        except SpiffWorkflowException as exc:
            task = getattr(exc, "task", None)
            spec = getattr(exc, "task_spec", None) or getattr(task, "task_spec", None)
            element = getattr(spec, "bpmn_id", None) or getattr(spec, "name", None) or getattr(exc, "id", None)
            message = str(exc).splitlines()[0]
            cause = exc.__cause__ or exc.__context__
            if cause is not None and str(cause) not in message:
                message = f"{message}: {type(cause).__name__}: {cause}"
            raise ProcessError(message, element, getattr(spec, "bpmn_name", None) or None,
                               str(task.id) if task is not None else None) from exc
        finally:
            current_execution.reset(token)

    def _attempt(self, session: Session, instance: CaseInstance, actor: str | None,
                 fn: Callable[[], Any]) -> ProcessError | None:
        """Run `fn` on the case; a process failure is returned (and kept on the instance), not raised."""
        try:
            self._run(session, instance, actor, fn)
        except ProcessError as exc:
            log.warning("incident on case %s (%s at %s): %s", instance.row.id, actor, exc.element, exc)
            instance.failure = exc
            return exc
        instance.failure = None
        return None

    # -------------------------------------------------------------- incidents
    def _incident_instance(self, session: Session, case_id: int, expected_version: int | None) -> CaseInstance:
        instance = self.load(session, case_id)
        if expected_version is not None and instance.version != expected_version:
            raise StaleCase(f"case {case_id} is at version {instance.version}, not {expected_version}")
        if not instance.incident:
            raise NoIncident(f"case {case_id} is {instance.row.status}, not an incident")
        return instance

    def retry(self, session: Session, case_id: int, *, actor: str | None,
              expected_version: int | None = None) -> CaseInstance:
        """Run the failed tasks of an incident again, then the engine steps that follow.

        Each task in ERROR state is run again where it failed: a script, service
        or other automatic task is set READY and run; a user task whose
        post-script failed after its completion is completed again; a user task
        whose pre-script failed runs the pre-script again and becomes ready. The
        case runs on the process version it is on (a migration may have moved it).
        On success the case is running or completed again; on a new failure it
        stays an incident with the new error and time (`instance.failure`).
        Both are saved with a "retry" audit event.
        """
        instance = self._incident_instance(session, case_id, expected_version)
        row = instance.row
        previous = {"error": row.error, "element": row.incident_element, "task_id": row.incident_task_id}
        failed = instance.failed_tasks()
        completed_by_users = set(session.scalars(select(CompletedTask.id).where(
            CompletedTask.case_id == case_id, CompletedTask.id.in_([str(t.id) for t in failed]))))

        def step():
            for task in failed:
                # an earlier rerun may have moved it on (ERROR counts as finished in SpiffWorkflow)
                if task.state == TaskState.ERROR or not task.has_state(TaskState.FINISHED_MASK):
                    self._rerun(task, str(task.id) in completed_by_users)
            instance.workflow.refresh_timers()
            instance.workflow.do_engine_steps()

        failure = self._attempt(session, instance, actor, step)
        self.save(session, instance, actor=actor, kind="retry",
                  summary=row.incident_element_name or row.incident_element or "retry",
                  detail={"previous": previous, "tasks": [str(t.id) for t in failed],
                          "succeeded": failure is None},
                  incident=failure, resolve=failure is None)
        return instance

    @staticmethod
    def _rerun(task, completed_by_user: bool) -> None:
        spec = task.task_spec
        if task.state != TaskState.ERROR:  # it failed while being updated: update it again
            spec._update(task)
        elif not spec.manual:
            task._set_state(TaskState.READY)
            task.run()
        elif completed_by_user:  # its post-script failed after the user's completion
            task.complete()
        else:  # its pre-script failed before the task became ready
            if getattr(spec, "prescript", None):
                spec.execute_script(task, spec.prescript)
            task._ready()

    def fix_data(self, session: Session, case_id: int, name: str, value: Any, *, actor: str | None,
                 expected_version: int | None = None) -> tuple[Any, bool]:
        """Set one top-level variable in the data of the incident's failed task, before a retry.

        Returns (old value, whether it existed). The caller validates name and value.
        """
        instance = self._incident_instance(session, case_id, expected_version)
        failed = instance.failed_tasks()
        if not failed:
            raise NoIncident(f"case {case_id} has no failed task whose data could be changed")
        task = failed[0]
        existed = name in task.data
        old = task.data.get(name)
        task.data[name] = value
        if task.state != TaskState.ERROR and task.parent is not None:
            # Updating the task again inherits its parent's data first: the fix must be there too.
            task.parent.data[name] = value
        self.save(session, instance, actor=actor, kind="fix_data", summary=f"{name} changed",
                  detail={"task_id": str(task.id), "element": task.task_spec.bpmn_id or task.task_spec.name,
                          "variable": name, "existed": existed,
                          "old": _json_text(old) if existed else None, "new": _json_text(value)},
                  data={"variable": name, "value": value})
        return old, existed

    # ------------------------------------------------------------- persistence
    def save(self, session: Session, instance: CaseInstance, *, actor: str | None, kind: str,
             summary: str = "", detail: dict | None = None, data: Any = None,
             incident: ProcessError | None = None, resolve: bool = False, also: Iterable[Any] = ()) -> None:
        """Write state, projections, outbox and one audit event; flush with the version check.

        `also`: further rows to add once the version check has passed (they are flushed with the rest).

        With `incident` the case becomes (or stays) an incident with that error, and
        an "incident" audit event follows the action's own. An incident case stays
        one through other saves (a user may still complete tasks on other paths)
        until a save with `resolve` (a successful retry).
        """
        row, workflow = instance.row, instance.workflow
        case_id = row.id  # a failed flush expires row; keep what the error message needs
        for event in workflow.get_events():
            correlation = canonical_json(event.correlations or {})
            session.add(OutboxMessage(source_case_id=row.id, message_name=event.event_definition.name,
                                      correlation=correlation, payload=self.serializer.dump_event(event),
                                      created_at=self.clock()))
        timers = instance.waiting_timers()
        subscriptions = [(name, key) for name, correlations in instance.waiting_messages()
                         for key in ([canonical_json({k: v}) for k, v in sorted(correlations.items())]
                                     or [canonical_json({})])]
        had = (row.timer_count or 0, row.subscription_count or 0)
        row.state = self.serializer.dump(workflow)
        now = self.clock()
        if incident is not None:
            self._mark_incident(row, incident, now)
        elif row.status != "incident" or resolve:
            row.status = "completed" if workflow.is_completed() else "running"
            row.error = row.incident_element = row.incident_element_name = row.incident_task_id = None
            row.incident_at = None
        row.updated_at = now
        # The counts ride on the versioned UPDATE; the next save skips deleting what is not there.
        row.timer_count, row.subscription_count = len(timers), len(subscriptions)
        try:
            # The versioned UPDATE goes first: it decides the race (and on
            # PostgreSQL takes the row lock) before anything else is written.
            session.flush()
        except StaleDataError:
            raise StaleCase(f"case {case_id} was changed by someone else") from None
        self._project(session, instance, timers, subscriptions, had)
        self.audit.append(session, kind=kind, actor=actor, case_id=row.id, summary=summary,
                          detail=detail, data=data)
        if incident is not None:
            session.info.setdefault(STOPPED_CASES, set()).add(row.id)
            self._audit_incident(session, row.id, incident, actor=actor, where=kind)
        session.add_all(also)
        for listener in self.after_save:
            listener(session, row)
        session.flush()

    def _project(self, session: Session, instance: CaseInstance, timers: list[tuple[str, datetime]],
                 subscriptions: list[tuple[str, str]], had: tuple[int, int]) -> None:
        row, now = instance.row, self.clock()
        existing = self._projected_rows(session, instance)
        current = {}
        for task in instance.ready_human_tasks:
            tid = str(task.id)
            props = task_properties(task)
            proj = existing.get(tid)
            if proj is None:
                proj = ReadyTask(id=tid, case_id=row.id, spec_name=task.task_spec.name, ready_since=now)
                session.add(proj)
            proj.title = task.task_spec.bpmn_name or task.task_spec.name
            proj.lane = task.task_spec.lane
            proj.scope = row.scope
            proj.form_key = props.get("formKey")
            proj.case_title = row.title
            proj.process_id = row.process_id
            proj.due_at = self._due(task, props, proj.ready_since)
            proj.assignee = self._assignee(task, props)
            current[tid] = proj
        for tid, proj in existing.items():
            if tid not in current:
                session.delete(proj)
        instance.projected = set(current)
        had_timers, had_subscriptions = had
        if had_timers:
            session.execute(delete(WaitingTimer).where(WaitingTimer.case_id == row.id))
        if had_subscriptions:
            session.execute(delete(MessageSubscription).where(MessageSubscription.case_id == row.id))
        for i, (name, due) in enumerate(timers):
            session.add(WaitingTimer(id=f"{row.id}:{i}", case_id=row.id, spec_name=name, due_at=due))
        for name, key in subscriptions:
            session.add(MessageSubscription(case_id=row.id, message_name=name, correlation=key))

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
        except Exception as exc:  # a bad expression must not lose the task: leave it to the lane
            log.warning("task %s: assignee %r: %s", task.task_spec.name, expression, exc)
            return None
        return None if value is None else str(value)[:100]

    def _due(self, task, props: dict, ready_since: datetime) -> datetime | None:
        variable = props.get("dueVariable")
        if variable and task.data.get(variable):
            try:
                return _parse_time(task.data[variable])
            except (TypeError, ValueError):
                log.warning("task %s: %s is not a date", task.task_spec.name, variable)
        if props.get("dueIn"):
            return ready_since + _duration(props["dueIn"])
        return None

    # ------------------------------------------------------- worker sweeps
    def fire_due_timers(self, now: datetime | None = None, limit: int = 1000) -> int:
        """Fire due timers, one case per transaction; safe with several workers.

        Returns the number of cases advanced. A case whose firing fails is
        logged and skipped; the sweep goes on with the others.
        """
        now = now or self.clock()
        # Lock the case row, never the projection rows: save() rewrites those, and a worker
        # holding a timer row while a user's completion holds the case would deadlock.
        due_cases = select(WaitingTimer.case_id).where(WaitingTimer.due_at <= now)
        due = (select(Case.id).where(Case.id.in_(due_cases), Case.status == "running")
               .order_by(Case.updated_at))
        fired = 0
        for session, case_id in claim_each(self.session_factory, due, Case.id, limit):
            try:
                with session.begin_nested():
                    instance = self.load(session, case_id)
                    before = instance.waiting_timers()
                    failure = self._attempt(session, instance, "timer", lambda: (
                        instance.workflow.refresh_timers(), instance.workflow.do_engine_steps()))
                    if failure is None and instance.waiting_timers() == before \
                            and not instance.workflow.bpmn_events:
                        continue  # not yet due by the engine's clock
                    # A failure is saved too: the failed task in ERROR state, the case an incident,
                    # out of further sweeps until an operator retries it.
                    self.save(session, instance, actor="timer", kind="timer", summary="timer fired",
                              detail={"due": [n for n, d in before if d <= now]}, incident=failure)
                if failure is None:
                    fired += 1
            except StaleCase as exc:
                log.info("timer on case %s not fired, the case changed meanwhile: %s", case_id, exc)
            except SQLAlchemyError:
                raise
            except Exception as exc:  # noqa: BLE001 - one broken case must not stop the sweep
                self._incident(session, case_id, "timer", exc)
        return fired

    def _incident(self, session: Session, case_id: int, where: str, exc: Exception) -> None:
        """Fallback for an unexpected error outside the process (its savepoint rolled back): the
        case keeps its saved state and becomes an incident, visible and out of further sweeps."""
        log.exception("incident on case %s (%s): %s", case_id, where, exc)
        row = session.get(Case, case_id)
        failure = ProcessError(f"{type(exc).__name__}: {exc}")
        row.updated_at = self._mark_incident(row, failure, self.clock())
        self._audit_incident(session, case_id, failure, actor=where, where=where)

    @staticmethod
    def _mark_incident(row: Case, failure: ProcessError, now: datetime) -> datetime:
        """The case row stopped by `failure`: status, error, element, task and time."""
        row.status = "incident"
        row.error = str(failure)[:4000]
        row.incident_element = (failure.element or None) and str(failure.element)[:200]
        row.incident_element_name = (failure.element_name or None) and str(failure.element_name)[:300]
        row.incident_task_id = failure.task_id
        row.incident_at = now
        return now

    def _audit_incident(self, session: Session, case_id: int, failure: ProcessError, *, actor: str | None,
                        where: str) -> None:
        self.audit.append(session, kind="incident", actor=actor, case_id=case_id, summary=str(failure)[:500],
                          detail={"element": failure.element, "element_name": failure.element_name,
                                  "task_id": failure.task_id, "where": where})

    def next_timer_due(self, session: Session) -> datetime | None:
        return session.scalar(select(WaitingTimer.due_at).order_by(WaitingTimer.due_at).limit(1))

    # --------------------------------------------------------------- messages
    def route_messages(self, limit: int = 1000) -> int:
        """Deliver undelivered outbox messages to the cases waiting for them.

        A message whose receiver is not waiting yet stays in the outbox and is
        tried again by the next sweep.
        """
        pending = (select(OutboxMessage).where(OutboxMessage.delivered_at.is_(None),
                                               OutboxMessage.attempts < MAX_MESSAGE_ATTEMPTS)
                   .order_by(OutboxMessage.id))
        delivered = 0
        for session, message in claim_each(self.session_factory, pending, OutboxMessage.id, limit):
            target_id, target_status = self._find_receiver(session, message)
            if target_id is None:
                message.attempts += 1
                continue
            if target_status != "running":
                continue  # the receiver is stopped by an incident: the message waits for its retry
            try:
                with session.begin_nested():
                    target = self.load(session, target_id)
                    event = self.serializer.load_event(message.payload)
                    # A failure in the steps after delivery is saved as an incident on the target;
                    # the message itself was received.
                    failure = self._attempt(session, target, "router", lambda: (
                        target.workflow.send_event(event), target.workflow.do_engine_steps()))
                    self.save(session, target, actor="router", kind="message",
                              summary=f"received {message.message_name}",
                              detail={"message_id": message.id, "from_case": message.source_case_id},
                              data=message.payload, incident=failure)
            except (StaleCase, SpiffWorkflowException) as exc:
                log.warning("message %s to case %s not delivered: %s", message.id, target_id, exc)
                message.attempts += 1
                continue
            except SQLAlchemyError:
                raise
            except Exception as exc:  # noqa: BLE001 - one broken case must not stop the sweep
                self._incident(session, target_id, "router", exc)
                message.attempts += 1
                continue
            message.delivered_at = self.clock()
            message.target_case_id = target_id
            delivered += 1
        return delivered

    def _find_receiver(self, session: Session, message: OutboxMessage) -> tuple[int | None, str | None]:
        """(case id, case status) of the case waiting for the message, preferring a correlated one."""
        pairs = [canonical_json({k: v}) for k, v in sorted(json.loads(message.correlation).items())]
        candidates = pairs + [canonical_json({})]
        rows = session.execute(
            select(MessageSubscription.case_id, MessageSubscription.correlation, Case.status)
            .join(Case, Case.id == MessageSubscription.case_id)
            .where(Case.status.in_(("running", "incident")), MessageSubscription.message_name == message.message_name,
                   MessageSubscription.correlation.in_(candidates))
            .order_by(MessageSubscription.case_id)
        ).all()
        best = next((r for r in rows if r.correlation in pairs), rows[0] if rows else None)
        return (best.case_id, best.status) if best is not None else (None, None)

    # -------------------------------------------------------------- queries
    def tasks_for(self, session: Session, audiences: Iterable[tuple[str, str | None]], *,
                  assignee: str | None = None, limit: int = 200, offset: int = 0) -> list[ReadyTask]:
        """Ready tasks visible to (lane, scope) pairs (scope None: any scope); a task with an
        assignee is visible only to that assignee."""
        from sqlalchemy import and_, false, or_

        clauses = []
        for lane, scope in audiences:
            clauses.append(ReadyTask.lane == lane if scope is None
                           else and_(ReadyTask.lane == lane, ReadyTask.scope == scope))
        where = or_(*clauses) if clauses else false()
        mine = ReadyTask.assignee.is_(None) if assignee is None else or_(ReadyTask.assignee.is_(None),
                                                                          ReadyTask.assignee == assignee)
        return list(session.scalars(
            select(ReadyTask).where(where, mine)
            .order_by(ReadyTask.due_at.is_(None), ReadyTask.due_at, ReadyTask.ready_since, ReadyTask.id)
            .limit(limit).offset(offset)))
