"""Named exceptions of the case engine. The web layer maps them to HTTP codes."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .messages import Message


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class NotFound(EngineError):
    """A case, task, process or document that does not exist (404)."""


class CaseNotFound(NotFound):
    pass


class TaskNotFound(NotFound):
    pass


class ProcessNotFound(NotFound):
    pass


class Conflict(EngineError):
    """The action lost a race or was based on stale state (409)."""


class StaleCase(Conflict):
    """The case changed since the caller read it."""


class TaskNotReady(Conflict):
    """The task exists but can no longer be completed (already done or cancelled)."""


class NoIncident(Conflict):
    """A retry or data fix for a case that is not (or no longer) an incident."""


class CaseHeld(Conflict):
    """The case is suspended or terminated: its tasks cannot be completed now (409)."""

    def __init__(self, message: str, status: str = "suspended"):
        super().__init__(message)
        self.status = status


class Forbidden(EngineError):
    """The actor may not act on this task (403)."""


@dataclass(frozen=True)
class Problem:
    """One reason a process file cannot be deployed: where (file, element id, line) and why.

    `message` is the English text; `message_id` and `args` name it for translation (engine/messages.py),
    taken from `message` when it is a `Message`. A problem without an id is shown as its text.
    """

    file: str
    element: str | None
    line: int | None
    message: str
    message_id: str | None = None
    args: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    def __post_init__(self):
        if self.message_id is None and isinstance(self.message, Message):
            object.__setattr__(self, "message_id", self.message.id)
            object.__setattr__(self, "args", self.message.args)
        elif self.message_id is not None and not isinstance(self.message, Message):
            object.__setattr__(self, "message", Message(self.message_id, **(self.args or {})))
        if self.args is None:
            object.__setattr__(self, "args", {})

    @classmethod
    def of(cls, file: str, element: str | None, line: int | None, message_id: str, **args: Any) -> "Problem":
        return cls(file, element, line, Message(message_id, **args))

    def __str__(self):
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.element}: {self.message}" if self.element else f"{where}: {self.message}"


class InvalidBpmn(EngineError):
    """Process files that cannot be deployed; `problems` lists every reason as a `Problem`."""

    def __init__(self, message, problems=None):
        super().__init__(message)
        self.problems: list[Problem] = [p if isinstance(p, Problem) else Problem("-", None, None, str(p))
                                        for p in (problems or [])]

    def __str__(self):
        head = super().__str__()
        return "\n".join([head, *(f"  {p}" for p in self.problems)]) if self.problems else head


class ScriptError(EngineError):
    """A script or expression failed or was refused by the restricted environment."""


class ScriptTimeout(ScriptError):
    pass


class ServiceError(EngineError):
    """A service task's operation failed."""


class AuditBroken(EngineError):
    """The audit chain does not verify."""
