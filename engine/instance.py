"""A case instance: a case row with its live workflow, its query properties and task lookup."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .context import ProcessError
from .errors import TaskNotFound
from .models import Case

TIMER_EVENTS = {"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"}


def parse_time(value) -> datetime | None:
    """A timer's or a variable's time as an aware datetime (naive ones are UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        dt = datetime.fromisoformat(str(value))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def task_properties(task) -> dict[str, str]:
    """The spiffworkflow:properties of a task's element."""
    return dict((task.task_spec.extensions or {}).get("properties", {}) or {})


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
                timers.append((pending.name or pending.event_type, parse_time(pending.value)))
        return timers

    def waiting_messages(self) -> list[tuple[str, dict]]:
        return [(p.name, dict(p.correlations or {})) for p in self.workflow.waiting_events()
                if p.event_type == "MessageEventDefinition"]
