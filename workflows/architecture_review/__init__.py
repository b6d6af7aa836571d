"""The architecture-review family (comply or explain): a project owner's request → the secretariat's triage
→ the project's self-assessment rule by rule → the working group's review → the architecture board's decision
(or the council's, as an agenda item) → dispensations with expiry and re-review; decisions public after the
council's next meeting (bpmn/architecture_review.bpmn).

The family's modules:

- ``models``: the board and its members, reviews, answers, decisions, dispensations, the rule-usage aggregate
- ``forms``: the request and the task forms, the board's forms
- ``service``: ``Reviews`` (starting one, who sees what, the public register, the report, rule changes)
- ``tasks``: task-form functions and the BPMN service tasks
- ``embargo``: the council meeting's process reaching the reviews by message (its decisions, the embargo)
- ``board``: the board's administration
- ``mail``, ``calendar``: the mails, the dispensations' expiry calendar
- ``demo``: the demo data
"""
from .board import BoardAdmin
from .calendar import expiry_calendar
from .forms import (
    AssessmentForm, BoardDecisionForm, BoardForm, BoardMemberForm, ReReviewForm, RequestForm, ScheduleCouncilForm,
    TriageForm, WorkingGroupReviewForm,
)
from .models import (
    ASSESSMENTS, OUTCOMES, PHASES, PROCESS_ID, RECOMMENDATIONS, STATUS_LABELS, ArchitectureBoard, Assessment,
    BoardMember, Dispensation, DispensationStatus, Outcome, Phase, Recommendation, Review, ReviewAnswer,
    ReviewDecision, ReviewError, ReviewStatus, RuleUsage, answers, board_member_for, board_members, review_for_case,
    the_board,
)
from .service import RegisterRow, ReviewRecord, Reviews, UsageRow, review_context

__all__ = [
    "ASSESSMENTS", "OUTCOMES", "PHASES", "PROCESS_ID", "RECOMMENDATIONS", "STATUS_LABELS", "ArchitectureBoard",
    "Assessment", "AssessmentForm", "BoardAdmin", "BoardDecisionForm", "BoardForm", "BoardMember", "BoardMemberForm",
    "Dispensation", "DispensationStatus", "Outcome", "Phase", "ReReviewForm", "Recommendation", "RegisterRow",
    "RequestForm", "Review", "ReviewAnswer", "ReviewDecision", "ReviewError", "ReviewRecord", "ReviewStatus",
    "Reviews", "RuleUsage", "ScheduleCouncilForm", "TriageForm", "UsageRow", "WorkingGroupReviewForm", "answers",
    "board_member_for", "board_members", "expiry_calendar", "review_context", "review_for_case", "the_board",
]
