"""Network meetings: rounds held in four regions, purchased seats, registrations, materials, evaluation.

Registrations, seats and evaluations are records; the round's workflow carries the order of work
(publication, the registration deadline, each regional meeting's materials and evaluation).

The family's modules, as in every family: `models` (records, statuses, shared queries), `forms`
(schemas), `service` (the `Networks` service with its access rules), `tasks` (BPMN service tasks and
task forms), `mail` (texts in mail/<language>/), `calendar` (invitations and the public feed).
"""
from .forms import (
    EvaluationForm, MaterialsForm, MeetingForm, PlanForm, ProgrammeForm, RegistrationForm, RoundForm,
)
from .models import (
    EVALUATION_DAYS, FORMATS, PROCESS_ID, REGIONS, ROUND_STATUS, Evaluation, MeetingDocument, Network,
    NetworkError, NetworkMembership, ProgrammeItem, ProgrammeKind, RegionalMeeting, Registration,
    RegistrationStatus, Round, RoundFormat, RoundStatus, get_meeting, get_round, meetings, promote_waiting,
    registered_count, registrations, seat_usage, seats_for, seats_sold,
)
from .service import Networks

__all__ = [
    "EVALUATION_DAYS", "FORMATS", "PROCESS_ID", "REGIONS", "ROUND_STATUS", "Evaluation", "EvaluationForm",
    "MaterialsForm", "MeetingDocument", "MeetingForm", "Network", "NetworkError", "NetworkMembership", "Networks",
    "PlanForm", "ProgrammeForm", "ProgrammeItem", "ProgrammeKind", "RegionalMeeting", "Registration",
    "RegistrationForm", "RegistrationStatus", "Round", "RoundForm", "RoundFormat", "RoundStatus", "get_meeting",
    "get_round", "meetings", "promote_waiting", "registered_count", "registrations", "seat_usage", "seats_for",
    "seats_sold",
]
