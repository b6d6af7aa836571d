"""Incidents: a case stopped by a failed task, its retry and the data fix before one.

The functions take the case engine (`CaseEngine`, the façade in engine.py) for loading, running and
saving; they are its `retry` and `fix_data` methods and the fallback its sweeps use.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.util.task import TaskState

from .audit import AuditLog
from .context import ProcessError
from .errors import NoIncident, StaleCase
from .instance import CaseInstance
from .models import Case, CompletedTask

log = logging.getLogger(__name__)


def json_text(value, limit: int = 2000) -> str:
    """A value as JSON text for the audit log (anything not JSON as its repr), cut to `limit`."""
    return json.dumps(value, ensure_ascii=False, default=repr)[:limit]


def mark_incident(row: Case, failure: ProcessError, now: datetime) -> datetime:
    """The case row stopped by `failure`: status, error, element, task and time."""
    row.status = "incident"
    row.error = str(failure)[:4000]
    row.incident_element = (failure.element or None) and str(failure.element)[:200]
    row.incident_element_name = (failure.element_name or None) and str(failure.element_name)[:300]
    row.incident_task_id = failure.task_id
    row.incident_at = now
    return now


def clear_incident(row: Case, completed: bool) -> None:
    """The case row running (or completed) again, without an incident's fields."""
    row.status = "completed" if completed else "running"
    row.error = row.incident_element = row.incident_element_name = row.incident_task_id = None
    row.incident_at = None


def audit_incident(audit: AuditLog, session: Session, case_id: int, failure: ProcessError, *,
                   actor: str | None, where: str) -> None:
    audit.append(session, kind="incident", actor=actor, case_id=case_id, summary=str(failure)[:500],
                 detail={"element": failure.element, "element_name": failure.element_name,
                         "task_id": failure.task_id, "where": where})


def incident_fallback(engine, session: Session, case_id: int, where: str, exc: Exception) -> None:
    """Fallback for an unexpected error outside the process (its savepoint rolled back): the
    case keeps its saved state and becomes an incident, visible and out of further sweeps."""
    log.exception("incident on case %s (%s): %s", case_id, where, exc)
    row = session.get(Case, case_id)
    failure = ProcessError(f"{type(exc).__name__}: {exc}")
    row.updated_at = mark_incident(row, failure, engine.clock())
    audit_incident(engine.audit, session, case_id, failure, actor=where, where=where)


def incident_instance(engine, session: Session, case_id: int, expected_version: int | None) -> CaseInstance:
    instance = engine.load(session, case_id)
    if expected_version is not None and instance.version != expected_version:
        raise StaleCase(f"case {case_id} is at version {instance.version}, not {expected_version}")
    if not instance.incident:
        raise NoIncident(f"case {case_id} is {instance.row.status}, not an incident")
    return instance


def retry(engine, session: Session, case_id: int, *, actor: str | None,
          expected_version: int | None = None) -> CaseInstance:
    """Run the failed tasks of an incident again, then the engine steps that follow (CaseEngine.retry)."""
    instance = incident_instance(engine, session, case_id, expected_version)
    row = instance.row
    previous = {"error": row.error, "element": row.incident_element, "task_id": row.incident_task_id}
    failed = instance.failed_tasks()
    completed_by_users = set(session.scalars(select(CompletedTask.id).where(
        CompletedTask.case_id == case_id, CompletedTask.id.in_([str(t.id) for t in failed]))))

    def step():
        for task in failed:
            # an earlier rerun may have moved it on (ERROR counts as finished in SpiffWorkflow)
            if task.state == TaskState.ERROR or not task.has_state(TaskState.FINISHED_MASK):
                rerun(task, str(task.id) in completed_by_users)
        instance.workflow.refresh_timers()
        instance.workflow.do_engine_steps()

    failure = engine._attempt(session, instance, actor, step)
    engine.save(session, instance, actor=actor, kind="retry",
                summary=row.incident_element_name or row.incident_element or "retry",
                detail={"previous": previous, "tasks": [str(t.id) for t in failed],
                        "succeeded": failure is None},
                incident=failure, resolve=failure is None)
    return instance


def rerun(task, completed_by_user: bool) -> None:
    """Run one failed task again where it failed."""
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


def fix_data(engine, session: Session, case_id: int, name: str, value: Any, *, actor: str | None,
             expected_version: int | None = None) -> tuple[Any, bool]:
    """Set one top-level variable in the data of the incident's failed task (CaseEngine.fix_data)."""
    instance = incident_instance(engine, session, case_id, expected_version)
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
    engine.save(session, instance, actor=actor, kind="fix_data", summary=f"{name} changed",
                detail={"task_id": str(task.id), "element": task.task_spec.bpmn_id or task.task_spec.name,
                        "variable": name, "existed": existed,
                        "old": json_text(old) if existed else None, "new": json_text(value)},
                data={"variable": name, "value": value})
    return old, existed
