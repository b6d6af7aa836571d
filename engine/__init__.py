"""Generic case engine over SpiffWorkflow. Knows no Flask and no governance."""
from .audit import AuditLog
from .documents import DocumentRejected, DocumentStore, UploadPolicy
from .context import ExecutionContext, ProcessError, current_execution
from .engine import CaseEngine
from .errors import (
    CaseHeld,
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
from .instance import CaseInstance
from .messages import Message
from .models import Base
from .scripting import RestrictedScriptEngine
from .search import Audience, SearchHit, SearchIndex
from .serialization import CaseSerializer
from .textextract import TextExtractor

__all__ = [
    "Audience", "AuditLog", "Base", "CaseEngine", "CaseHeld", "CaseInstance", "CaseNotFound", "CaseSerializer",
    "Conflict",
    "DocumentRejected", "DocumentStore", "EngineError", "ExecutionContext", "Forbidden", "InvalidBpmn", "Message",
    "NoIncident", "NotFound", "ProcessError", "ProcessNotFound", "RestrictedScriptEngine", "ScriptError", "SearchHit",
    "SearchIndex", "StaleCase", "TaskNotFound", "TaskNotReady", "TextExtractor", "UploadPolicy", "current_execution",
]
