"""The council (Kommunernes It-Arkitekturråd): members, meetings, agendas, positions, decisions, minutes.

Positions, decisions, agenda changes and minutes objections are records; the meeting's workflow
(bpmn/council_meeting.bpmn) carries the order of work (item deadline, agenda publication, positions,
the chair's decisions, minutes approval by silence). The family's modules:

- ``models``: records, status enums, record lookups
- ``forms``: input schemas of the pages and the task forms
- ``service``: ``Council``, the access rules and what each user may see
- ``tasks``: BPMN service-task handlers and task-form functions
- ``mail``, ``calendar``, ``feed``: the members' mails, the meetings calendar, the Atom feed
"""
from ..dates import COPENHAGEN, end_of_day
from .calendar import meetings_calendar
from .feed import atom_feed
from .forms import AgendaForm, DecideForm, ItemForm, MeetingForm, MinutesForm, ObjectionForm, PositionForm
from .models import (
    KINDS, MINUTES_DAYS, OUTCOMES, POSITIONS, PROCESS_ID, STATUS_LABELS, AgendaChange, AgendaItem,
    AgendaItemDocument, CouncilError, CouncilMember, ItemKind, Meeting, MeetingStatus, MinutesObjection, Outcome,
    Position, Stance, count_positions, get_item, get_meeting, items, member_for, members, next_position,
    open_meetings, positions,
)
from .service import Council, ItemView, MeetingPage, MeetingView, sees_internal
from .tasks import record_position, schedule_proposal

__all__ = [
    "COPENHAGEN", "KINDS", "MINUTES_DAYS", "OUTCOMES", "POSITIONS", "PROCESS_ID", "STATUS_LABELS", "AgendaChange",
    "AgendaForm", "AgendaItem", "AgendaItemDocument", "Council", "CouncilError", "CouncilMember", "DecideForm",
    "ItemForm", "ItemKind", "ItemView", "Meeting", "MeetingForm", "MeetingPage", "MeetingStatus", "MeetingView",
    "MinutesForm", "MinutesObjection", "ObjectionForm", "Outcome", "Position", "PositionForm", "Stance",
    "atom_feed", "count_positions", "end_of_day", "get_item", "get_meeting", "items", "meetings_calendar",
    "member_for", "members", "next_position", "open_meetings", "positions", "record_position",
    "schedule_proposal", "sees_internal",
]
