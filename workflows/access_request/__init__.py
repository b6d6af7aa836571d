"""Access-to-documents requests (aktindsigt, offentlighedsloven): a request on a public form, the deadline
of 7 working days, the assessment per document, the delay letter, decisions with letter and download.

The family's modules: `models` (records, the exemption sections as data), `forms` (input schemas),
`service` (the `AccessRequests` service with its access rules), `tasks` (the decision letter and the
download), `mail` (mail texts in mail/<language>/) and `calendar` (the deadlines feed).
"""
from __future__ import annotations

from .calendar import deadlines_calendar
from .forms import (
    ASSESSMENTS, LEGAL_BASES, AssessmentForm, DecisionForm, DelayLetterForm, DocumentsForm, ListingForm, RequestForm,
)
from .models import (
    DEADLINE_WORKING_DAYS, DELAY_LETTER_WORKING_DAY, EXEMPTIONS, LINK_DAYS, AccessDecision, AccessDocument,
    AccessRequest, AccessRequestError, Assessment, Exemption, RequestStatus, exemption,
)
from .service import PROCESS_ID, AccessRequests, LinkExpired, OpenRequest

__all__ = [
    "ASSESSMENTS", "DEADLINE_WORKING_DAYS", "DELAY_LETTER_WORKING_DAY", "EXEMPTIONS", "LEGAL_BASES", "LINK_DAYS",
    "PROCESS_ID", "AccessDecision", "AccessDocument", "AccessRequest", "AccessRequestError", "AccessRequests",
    "Assessment", "AssessmentForm", "DecisionForm", "DelayLetterForm", "DocumentsForm", "Exemption", "LinkExpired",
    "ListingForm", "OpenRequest", "RequestForm", "RequestStatus", "deadlines_calendar", "exemption",
]
