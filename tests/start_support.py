"""The demo data with what the start pages need to show each role's next step: besides `byplan demo`, a
council meeting in five days whose agenda is published, so every member has a position to record."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

POSITIONS_MEETING = "Ekstraordinært rådsmøde"
DECISION_ITEM = "Fælles it-arkitekturprincipper for data"


def add_meeting_with_positions(session, byplan) -> int:
    """A meeting in five days: its item deadline and the agenda's publication time have passed, so the
    secretariat builds the agenda and the positions open at once. Returns the meeting's id."""
    from engine.models import ReadyTask, utcnow
    from workflows.dates import COPENHAGEN
    from workflows.directory import User

    secretariat = session.scalar(select(User).where(User.username == "sekretariat"))
    starts = (utcnow() + timedelta(days=5)).astimezone(COPENHAGEN)
    meeting = byplan.council.create_meeting(session, secretariat, {
        "title": POSITIONS_MEETING, "date": starts.date().isoformat(), "start_time": "10:00",
        "place": "KL, Weidekampsgade 10, København S",
        "item_deadline": (starts.date() - timedelta(days=6)).isoformat(), "publish_days": "7"})
    byplan.council.add_item(session, secretariat, meeting.id, {
        "kind": "decision", "title": DECISION_ITEM, "description": "Rådet tager stilling til principperne."})
    session.commit()
    byplan.engine.fire_due_timers()  # the item deadline has passed: the agenda is built
    [build] = session.scalars(select(ReadyTask).where(ReadyTask.case_id == meeting.case_id)).all()
    byplan.complete_task(session, secretariat, build.id, {}, None)
    session.commit()
    byplan.engine.fire_due_timers()  # the publication time has passed: positions open
    byplan.engine.route_messages()
    return meeting.id
