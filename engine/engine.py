"""The case engine's façade: process versions, starting, loading, completing and saving cases.

The rest lives in its own modules, which this one calls: the execution context (context.py), the case
instance (instance.py), the projections a save writes (projections.py), incidents and their retry
(incidents.py), the worker's timer and message sweeps (sweeps.py).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from . import controls, incidents, logcontext, projections, sweeps, txcache
from .audit import AuditLog
from .context import ExecutionContext, ProcessError, current_execution, run_steps
from .errors import CaseNotFound, Forbidden, ProcessNotFound, StaleCase, TaskNotReady
from .instance import CaseInstance
from .models import VERSION_NEWEST_FIRST, Case, CompletedTask, OutboxMessage, ProcessVersion, ReadyTask, utcnow
from .scripting import RestrictedScriptEngine
from .serialization import CaseSerializer, canonical_json
from .specs import DeployRules, parse_processes, spec_hash
from .uow import STOPPED_CASES, take_stopped_cases

log = logging.getLogger(__name__)

# Re-exported: older code imports these from engine.engine.
__all__ = ["CaseEngine", "CaseInstance", "ExecutionContext", "ProcessError", "current_execution",
           "take_stopped_cases"]


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
        self.projector = projections.Projector(script_engine, lambda: self.clock())
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
        logcontext.bind_case(row.id, row.request_id)  # the worker's lines for the case carry its last request
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
                      audit_data: Any = None, acting_for: str | None = None) -> CaseInstance:
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
        controls.require_active(instance.row)  # a suspended or terminated case's tasks wait
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
                  detail={"task": task.task_spec.name, "task_id": str(task.id),
                          **({"acting_for": acting_for} if acting_for else {})},
                  data=data if audit_data is None else audit_data, incident=failure,
                  also=[CompletedTask(id=str(task.id), case_id=instance.id, spec_name=task.task_spec.name,
                                      completed_at=self.clock(), completed_by=actor)])
        return instance

    def _run(self, session: Session, instance: CaseInstance, actor: str | None, fn: Callable[[], Any]):
        run_steps(session, instance.row.id, actor, fn)

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

    def move_timer(self, session: Session, case_id: int, element_id: str, due: datetime, *,
                   actor: str | None, summary: str = "", detail: dict | None = None) -> CaseInstance:
        """Move the due time of a timer event the case is waiting at (`element_id`), e.g. a deadline moved or
        a publication brought forward; a due time already passed fires it now (with the steps that follow).
        TaskNotReady when the case does not wait at that timer."""
        instance = self.load(session, case_id)
        waiting = [t for t in instance.workflow.get_tasks(state=TaskState.WAITING)
                   if t.task_spec.bpmn_id == element_id and "event_value" in t.internal_data]
        if not waiting:
            raise TaskNotReady(f"case {case_id} is not waiting at the timer {element_id}")
        now = self.clock()
        fire = due <= now
        value = min(due, now) - timedelta(milliseconds=1) if fire else due  # a timer fires once its time is past
        for task in waiting:
            task.internal_data["event_value"] = value.astimezone(timezone.utc).isoformat()
        failure = None
        if fire:
            failure = self._attempt(session, instance, actor, lambda: (
                instance.workflow.refresh_timers(), instance.workflow.do_engine_steps()))
        self.save(session, instance, actor=actor, kind="timer.moved", summary=summary or f"timer {element_id} moved",
                  detail={"element": element_id, "due": due.isoformat(), **(detail or {})}, incident=failure)
        return instance

    # -------------------------------------------------------------- incidents
    def refresh_ready_task(self, session: Session, case_id: int, task_id: str, data: dict, *,
                           decisions: Iterable[str] = (), actor: str | None, summary: str = "") -> CaseInstance:
        """Set variables in a ready task's data and evaluate again the decision tables of the business rule
        tasks named in `decisions` (of the task's own process, in order) on it, merging their outputs: the
        facts an earlier decision read have changed while the task waits. Saved with a "refresh" audit event."""
        instance = self.load(session, case_id)
        controls.require_active(instance.row)
        task = self.ready_task(instance, task_id)

        def step():
            from SpiffWorkflow.util.deep_merge import DeepMerge

            task.set_data(**data)
            for name in decisions:
                spec = task.workflow.spec.task_specs[name]
                task.data = DeepMerge.merge(task.data, spec.dmnEngine.result(task))

        self._run(session, instance, actor, step)
        self.save(session, instance, actor=actor, kind="refresh", summary=summary or "task data refreshed",
                  detail={"task": task.task_spec.name, "task_id": str(task.id), "names": sorted(data),
                          "decisions": list(decisions)})
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
        return incidents.retry(self, session, case_id, actor=actor, expected_version=expected_version)

    def fix_data(self, session: Session, case_id: int, name: str, value: Any, *, actor: str | None,
                 expected_version: int | None = None) -> tuple[Any, bool]:
        """Set one top-level variable in the data of the incident's failed task, before a retry.

        Returns (old value, whether it existed). The caller validates name and value.
        """
        return incidents.fix_data(self, session, case_id, name, value, actor=actor,
                                  expected_version=expected_version)

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
        also = list(also)
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
            incidents.mark_incident(row, incident, now)
        elif row.status not in ("incident", *controls.HELD_STATUSES) or resolve:
            incidents.clear_incident(row, workflow.is_completed())
        row.updated_at = now
        request_id = logcontext.live_request_id()
        if request_id and row.request_id != request_id:
            row.request_id = request_id
        # The counts ride on the versioned UPDATE; the next save skips deleting what is not there.
        row.timer_count, row.subscription_count = len(timers), len(subscriptions)
        try:
            # The versioned UPDATE goes first: it decides the race (and on
            # PostgreSQL takes the row lock) before anything else is written.
            session.flush()
        except StaleDataError:
            raise StaleCase(f"case {case_id} was changed by someone else") from None
        # Bench P1: what follows reads nothing that it wrote itself, so its rows (projections, audit event and
        # head, `also`) are flushed together in one unit of work instead of by each read's autoflush.
        with session.no_autoflush:
            completed = self.projector.project(session, instance, timers, subscriptions, had)
            done = txcache.cache(session, txcache.COMPLETED_TASKS)
            for extra in also:  # a completed task's row learns when it became ready (engine.analytics)
                if isinstance(extra, CompletedTask):
                    if extra.id in completed:
                        extra.ready_since = completed[extra.id]
                    if done is not None:
                        done[extra.id] = True
            self.audit.append(session, kind=kind, actor=actor, case_id=row.id, summary=summary,
                              detail=detail, data=data)
            if incident is not None:
                session.info.setdefault(STOPPED_CASES, set()).add(row.id)
                incidents.audit_incident(self.audit, session, row.id, incident, actor=actor, where=kind)
            session.add_all(also)
        session.flush()
        for listener in self.after_save:  # they may read anything the save wrote
            listener(session, row)
        session.flush()

    # ------------------------------------------------------- worker sweeps
    def fire_due_timers(self, now: datetime | None = None, limit: int = 1000) -> int:
        """Fire due timers, one case per transaction; safe with several workers (sweeps.py)."""
        return sweeps.fire_due_timers(self, now, limit)

    def route_messages(self, limit: int = 1000) -> int:
        """Deliver undelivered outbox messages to the cases waiting for them (sweeps.py)."""
        return sweeps.route_messages(self, limit)

    def next_timer_due(self, session: Session) -> datetime | None:
        return projections.next_timer_due(session)

    # -------------------------------------------------------------- queries
    def tasks_for(self, session: Session, audiences: Iterable[tuple[str, str | None]], *,
                  assignee: str | None = None, limit: int = 200, offset: int = 0,
                  delegated_from: Iterable[str] = (),
                  delegated_in: Iterable[tuple[str, int]] = ()) -> list[ReadyTask]:
        """Ready tasks visible to (lane, scope) pairs (scope None: any scope); a task with an
        assignee is visible only to that assignee (and to those in `delegated_from`'s delegations, and in
        `delegated_in`'s (assignee, case id) pairs for that case only)."""
        return projections.tasks_for(session, audiences, assignee=assignee, limit=limit, offset=offset,
                                     delegated_from=delegated_from, delegated_in=delegated_in)
