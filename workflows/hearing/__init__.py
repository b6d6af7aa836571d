"""Hearings (høringer): material, parties, deadline and reminder, responses, the hearing note.

The family's modules: `models` (records, status values, plain queries), `forms` (input schemas),
`service` (the `Hearings` service with its access rules), `tasks` (BPMN service tasks and task forms),
`mail` (mail texts from templates/) and `calendar` (the deadline feed). This module re-exports the
names the rest of Byplan imports.
"""
from __future__ import annotations

from engine.models import utcnow

from ..dates import COPENHAGEN
from ..dates import end_of_day as deadline_moment  # the end of the deadline day
from .calendar import deadlines_calendar
from .forms import (
    ApproveNoteForm, LateDecisionForm, NoteForm, NotePointForm, PartyForm, PrepareForm, ResponseForm,
)
from .models import (
    DEFAULT_REMINDER_DAYS, DEFAULT_WEEKS, DISPOSITIONS, LATE_LABELS, PROCESS_ID, STATUS_LABELS, Disposition, Hearing,
    HearingDocument, HearingError, HearingParty, HearingResponse, HearingResponseFile, HearingStatus, LateDecision,
    LateStatus, NoteDecision, NotePoint, PartyKind, considered_count, default_deadline, get_hearing, hearing_for_case,
    is_past_deadline, missing_points, new_hearing_for_proposal, note_points, parties, pending_late, recount,
    responses,
)
from .records import (  # noqa: F401  (registers the tables)
    DeadlineChange, HearingNoteDocument, HearingSection, Redaction, SectionComment, Subscription,
)
from .service import Hearings, Page, may_view, require_group, require_staff

__all__ = [
    "COPENHAGEN", "DEFAULT_REMINDER_DAYS", "DEFAULT_WEEKS", "DISPOSITIONS", "LATE_LABELS", "PROCESS_ID",
    "STATUS_LABELS", "ApproveNoteForm", "Disposition", "Hearing", "HearingDocument", "HearingError", "HearingParty",
    "HearingResponse", "HearingResponseFile", "HearingStatus", "Hearings", "LateDecision", "LateDecisionForm",
    "LateStatus", "NoteDecision", "NoteForm", "NotePoint", "NotePointForm", "Page", "PartyForm", "PartyKind",
    "PrepareForm", "ResponseForm", "considered_count", "deadline_moment", "deadlines_calendar", "default_deadline",
    "get_hearing", "hearing_for_case", "is_past_deadline", "may_view", "missing_points", "new_hearing_for_proposal",
    "note_points", "parties", "pending_late", "recount", "require_group", "require_staff", "responses", "utcnow",
]
