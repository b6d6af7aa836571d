"""The architecture-proposal family: working group → secretariat → (hearing) → council → catalogue.

The family's modules:

- ``models``: proposals, status enums (the catalogue it changes: workflows.catalogue)
- ``forms``: the start form and the task forms (draft, screen, schedule)
- ``service``: ``Proposals`` (starting one, the public catalogue)
- ``tasks``: task-form functions and the BPMN service tasks (recording the council's decision from its
  message, publishing to the catalogue)

It sends no mail of its own and has no calendar (the council's meeting and the hearing have theirs).
"""
from .forms import DraftForm, ScheduleForm, ScreenForm, StartForm
from .models import (
    DECISIONS, KINDS, PROCESS_ID, SCREENING, STATUS_LABELS, Proposal, ProposalKind,
    ProposalStatus, Screening, proposal_for_case, slugify,
)
from .service import Proposals, catalogue, find_target, new_proposal, principle_history, target_choices
from .tasks import ServiceTasks, catalogue_key


def service_handlers(clock) -> dict:
    """The family's BPMN service-task handlers, on the services' clock."""
    return ServiceTasks(clock).handlers()


__all__ = [
    "DECISIONS", "KINDS", "PROCESS_ID", "SCREENING", "STATUS_LABELS", "DraftForm",
    "Proposal", "ProposalKind", "ProposalStatus", "Proposals", "ScheduleForm", "ScreenForm", "Screening",
    "ServiceTasks", "StartForm", "catalogue", "catalogue_key", "find_target", "new_proposal", "target_choices", "principle_history", "proposal_for_case",
    "service_handlers", "slugify",
]
