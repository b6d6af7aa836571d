"""Generic case engine over SpiffWorkflow. Knows no Flask and no governance."""
from .audit import AuditLog
from .documents import DocumentRejected, DocumentStore, UploadPolicy
from .engine import CaseEngine, CaseInstance, ExecutionContext, ProcessError, current_execution
from .errors import (
    CaseNotFound,
    Conflict,
    EngineError,
    Forbidden,
    InvalidBpmn,
    NoIncident,
    NotFound,
    ProcessNotFound,
    ScriptError,
    StaleCase,
    TaskNotFound,
    TaskNotReady,
)
from .models import Base
from .scripting import RestrictedScriptEngine
from .serialization import CaseSerializer

__all__ = [
    "AuditLog", "Base", "CaseEngine", "CaseInstance", "CaseNotFound", "CaseSerializer", "Conflict",
    "DocumentRejected", "DocumentStore", "EngineError", "ExecutionContext", "Forbidden", "InvalidBpmn",
    "NoIncident", "NotFound", "ProcessError", "ProcessNotFound", "RestrictedScriptEngine", "ScriptError", "StaleCase",
    "TaskNotFound", "TaskNotReady", "UploadPolicy", "current_execution",
]
