"""Named exceptions of the case engine. The web layer maps them to HTTP codes."""


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


class Forbidden(EngineError):
    """The actor may not act on this task (403)."""


class InvalidBpmn(EngineError):
    """A process file that cannot be deployed; `problems` lists every reason."""

    def __init__(self, message, problems=None):
        super().__init__(message)
        self.problems = list(problems or [])


class ScriptError(EngineError):
    """A script or expression failed or was refused by the restricted environment."""


class ScriptTimeout(ScriptError):
    pass


class ServiceError(EngineError):
    """A service task's operation failed."""


class AuditBroken(EngineError):
    """The audit chain does not verify."""
