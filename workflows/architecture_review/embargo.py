"""How the council's meeting process reaches the reviews, by message (the engine's outbox and router):

- an escalated review's agenda item, once the chair has decided it, sends `review_council_decision` to the
  review's case (payload as the proposal's `council_decision`: decision, changes, reason, meeting, item);
- a meeting that has been held (the chair's decisions taken: minutes being written or later) ends the
  embargo of every board decision taken before it: `review_published` goes to each such review's case.

Both run after each save of a council meeting's case (an engine `after_save` hook), so what triggers them is
the meeting's own process, never a guessed date. Nothing in workflows.council is changed for it.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.specs.event_definitions.message import CorrelationProperty
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

from engine.models import Case, OutboxMessage
from engine.serialization import canonical_json

from ..council import AgendaItem, Meeting, MeetingStatus
from .models import Review, ReviewDecision, ReviewStatus

COUNCIL_PROCESS = "council_meeting"
HELD = (MeetingStatus.MINUTES.value, MeetingStatus.MINUTES_REVIEW.value, MeetingStatus.CONCLUDED.value)
KEY = "review_key"  # the correlation key of bpmn/architecture_review.bpmn


class Messages:
    def __init__(self, engine):
        self.engine = engine

    def post(self, session: Session, source_case_id: int | None, name: str, review_id: int, payload: dict) -> None:
        """An outbox message to the review's case, as a BPMN throw would write it (the router delivers it)."""
        definition = MessageEventDefinition(name, correlation_properties=[
            CorrelationProperty("review_id", "review_id", [KEY])])
        correlations = {KEY: {"review_id": review_id}}
        event = BpmnEvent(definition, payload=payload, correlations=correlations)
        session.add(OutboxMessage(source_case_id=source_case_id, message_name=name,
                                  correlation=canonical_json(correlations),
                                  payload=self.engine.serializer.dump_event(event), created_at=self.engine.clock()))

    # -------------------------------------------------------- engine hook
    def after_save(self, session: Session, case: Case) -> None:
        if case.process_id != COUNCIL_PROCESS:
            return
        meeting = session.scalar(select(Meeting).where(Meeting.case_id == case.id))
        if meeting is None:
            return
        self.forward_decisions(session, meeting)
        if meeting.status in HELD:
            self.end_embargo(session, meeting)

    def forward_decisions(self, session: Session, meeting: Meeting) -> int:
        rows = session.execute(select(Review, AgendaItem).join(AgendaItem, AgendaItem.id == Review.agenda_item_id)
                               .where(AgendaItem.meeting_id == meeting.id, AgendaItem.decided_at.is_not(None),
                                      Review.status == ReviewStatus.COUNCIL.value)).all()
        for review, item in rows:
            self.post(session, meeting.case_id, "review_council_decision", review.id, {
                "review_id": review.id, "decision": item.outcome, "changes": item.changes or "",
                "reason": item.reason or "", "meeting_id": meeting.id, "item_id": item.id})
            review.status = ReviewStatus.DECIDED.value  # sent once; the review's process records it
        return len(rows)

    def end_embargo(self, session: Session, meeting: Meeting) -> int:
        rows = list(session.scalars(select(ReviewDecision).where(
            ReviewDecision.lifted_by_meeting_id.is_(None), ReviewDecision.public_at.is_(None),
            ReviewDecision.decided_at <= meeting.starts_at)))
        for decision in rows:
            decision.lifted_by_meeting_id = meeting.id
            self.post(session, meeting.case_id, "review_published", decision.review_id,
                      {"review_id": decision.review_id, "meeting_id": meeting.id})
        return len(rows)
