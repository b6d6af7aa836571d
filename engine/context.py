"""The execution context: what a service handler may use while the engine runs a case's steps.

The script engine (scripting.py) reads it to give a failing handler a savepoint; the case engine sets it
around every run of a case's steps (`run_steps`) and turns SpiffWorkflow's task exceptions into
`ProcessError`s naming the failing element.
"""
from __future__ import annotations

import contextvars
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy.orm import Session
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .errors import ScriptError


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


def run_steps(session: Session, case_id: int | None, actor: str | None, fn: Callable[[], Any]) -> None:
    """Run `fn` (a case's steps) inside its execution context; a task failure becomes a ProcessError."""
    token = current_execution.set(ExecutionContext(session, case_id, actor))
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
