"""JSON API under /api/v1 (flask-smorest), bearer tokens only; one module per area, like the HTML blueprints.

- ``common``: the blueprint, token authentication, documented errors, paging, the unit of work of a write
- ``schemas``: the case and task answers two areas share
- ``cases``, ``tasks``, ``hearings``, ``council``, ``search``: the operations of each area

A body the API reads is the form schema of the same input on the HTML pages (workflows/*/forms.py), or a
subclass of it where the API genuinely differs (each says why). Views parse, call one service method and
dump its answer: the services decide who may see and do what, web/errors.py maps their errors once.
"""
from __future__ import annotations

from . import cases, tasks, hearings, council, search  # registers the operations, in the document's order
from . import catalogue  # issue 14: the public catalogue (no token)
from . import reviews  # noqa: F401,E402  (issue 14: architecture reviews)
from .cases import CaseDetailSchema, CaseListQuery, EventSchema, ProposalSchema, RetrySchema, StartCaseSchema
from .common import ERROR_DESCRIPTIONS, PageQuery, bp, errors, token_required
from .council import ItemInSchema, ItemOutSchema, MeetingInSchema, MeetingOutSchema
from .hearings import HearingSchema, ResponseInSchema, ResponseOutSchema
from .schemas import CaseSchema, TaskSchema
from .search import SearchHitSchema, SearchQuery, SearchResultSchema, SpanField
from .tasks import CompleteTaskSchema, TaskDetailSchema

__all__ = [
    "ERROR_DESCRIPTIONS", "CaseDetailSchema", "CaseListQuery", "CaseSchema", "CompleteTaskSchema", "EventSchema",
    "HearingSchema", "ItemInSchema", "ItemOutSchema", "MeetingInSchema", "MeetingOutSchema", "PageQuery",
    "ProposalSchema", "ResponseInSchema", "ResponseOutSchema", "RetrySchema", "SearchHitSchema", "SearchQuery",
    "SearchResultSchema", "SpanField", "StartCaseSchema", "TaskDetailSchema", "TaskSchema", "bp", "cases", "catalogue",
    "council",
    "errors", "hearings", "search", "tasks", "token_required",
]
