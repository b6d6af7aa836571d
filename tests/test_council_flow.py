"""Council meeting flow details: positions close when the meeting begins."""
from __future__ import annotations

from datetime import timedelta

import time_machine

from council_support import CouncilDriver


def test_positions_close_when_the_meeting_begins(app, people):
    """A member who never records a position does not block the council: at the meeting's start the
    remaining position tasks close, and the chair decides on the positions that were given."""
    from web.extensions import db

    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    meeting_id = council.create_meeting()
    with app.app_context():
        app.extensions["byplan"].council.add_item(db.session, people.user("secretary"), meeting_id,
                                                  {"kind": "decision", "title": "Fælles datamodel"})
        db.session.commit()
    council.publish_agenda(meeting_id)
    meeting = council.meeting(meeting_id)
    assert sorted(t.assignee for t in council.tasks(meeting.case_id, "position")) == ["chair", "councillor"]
    council.record_positions(meeting_id, {"chair": "agree"})
    with time_machine.travel(meeting.starts_at - timedelta(minutes=1), tick=False):
        council.sweep()
        assert [t.assignee for t in council.tasks(meeting.case_id, "position")] == ["councillor"]
    with time_machine.travel(meeting.starts_at + timedelta(minutes=1), tick=False):
        council.sweep()
    tasks = council.tasks(meeting.case_id)
    assert [(t.spec_name, t.lane) for t in tasks] == [("decide", "Rådsformand")]
    with app.app_context():
        view = app.extensions["byplan"].task_view(db.session, people.user("chair"), tasks[0].id)
        assert view.values["decision"] == "approved"  # one agree, no objection: the DMN table proposes approval
