"""The council as a board portal (issue 15): decisions at the meeting, the item deadline as a moment,
the chair's decision form (counts, missing members, quorum, the suggestion), members' own positions."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
import time_machine

from engine.models import utcnow
from workflows.dates import COPENHAGEN

from council_support import CouncilDriver
from steps.proposal_driver import ProposalDriver


def _meeting(app, people, **values):
    from web.extensions import db

    today = utcnow().astimezone(COPENHAGEN).date()
    raw = {"title": "Rådsmøde", "date": (today + timedelta(days=14)).isoformat(), "start_time": "10:00",
           "place": "KL, Weidekampsgade 10", "publish_days": "7", **values}
    with app.app_context():
        meeting = app.extensions["byplan"].council.create_meeting(db.session, people.user("secretary"), raw)
        db.session.commit()
        return meeting.id, meeting.starts_at, meeting.deadline_moment


def _item(app, people, meeting_id, title="Fælles datamodel"):
    from web.extensions import db

    with app.app_context():
        item = app.extensions["byplan"].council.add_item(db.session, people.user("secretary"), meeting_id,
                                                         {"kind": "decision", "title": title})
        db.session.commit()
        return item.id


def test_the_item_deadline_is_a_moment_by_default_the_day_before_at_noon(app, people):
    meeting_id, starts, deadline = _meeting(app, people)
    day_before = starts.astimezone(COPENHAGEN).date() - timedelta(days=1)
    assert deadline == datetime.combine(day_before, time(12, 0), COPENHAGEN).astimezone(timezone.utc)
    _, starts, deadline = _meeting(app, people, item_deadline=(starts.date() - timedelta(days=5)).isoformat(),
                                   item_deadline_time="09:30")
    assert deadline.astimezone(COPENHAGEN).time() == time(9, 30)


def test_a_meeting_later_today_can_take_items_until_a_deadline_today(app, people):
    from web.extensions import db
    from workflows.forms import FormInvalid

    now = datetime.now(COPENHAGEN).replace(hour=8, minute=0, second=0, microsecond=0)
    with time_machine.travel(now, tick=False):
        meeting_id, starts, deadline = _meeting(app, people, date=now.date().isoformat(), start_time="14:00",
                                                item_deadline=now.date().isoformat(), item_deadline_time="12:00")
        assert now < deadline < starts
        with app.app_context(), pytest.raises(FormInvalid) as refused:  # not after the meeting's start
            app.extensions["byplan"].council.create_meeting(db.session, people.user("secretary"), {
                "title": "R", "date": now.date().isoformat(), "start_time": "14:00", "place": "KL",
                "item_deadline": now.date().isoformat(), "item_deadline_time": "15:00"})
        assert set(refused.value.errors) == {"item_deadline"}


def test_the_decision_waits_for_the_meeting_and_carries_it_as_its_place(app, people):
    from web.extensions import db
    from workflows.council import get_item

    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    meeting_id, starts, _ = _meeting(app, people)
    item_id = _item(app, people, meeting_id)
    council.publish_agenda(meeting_id)
    council.record_positions(meeting_id, {"chair": "agree", "councillor": "agree"})
    case_id = council.meeting(meeting_id).case_id
    with time_machine.travel(starts - timedelta(minutes=1), tick=False):
        council.sweep()
        assert council.tasks(case_id, "decide") == []  # every position is in, but the meeting has not begun
    with council.at_meeting(meeting_id):
        [task] = council.tasks(case_id, "decide")
        council.complete("chair", task, {"decision": "approved"})
    with app.app_context():
        item = get_item(db.session, item_id)
        assert item.decided_meeting_id == meeting_id and item.decided_at >= starts
        page = app.extensions["byplan"].council.meeting_view(db.session, meeting_id, people.user("secretary"))
        [row] = page.items
        assert row.decided_place == "Rådsmøde, KL, Weidekampsgade 10"


def test_a_proposal_scheduled_after_the_deadline_but_before_the_agenda_is_built_reaches_it(app, people):
    driver = ProposalDriver(app, people)
    driver.start("lead", "Genbrug før køb")
    driver.submit("lead", summary="Resumé", statement="Genbrug før køb")
    driver.complete("secretary", {"screening": "complete"})
    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    meeting_id, starts, deadline = _meeting(app, people)
    meeting = council.meeting(meeting_id)
    with time_machine.travel(deadline + timedelta(minutes=5), tick=False):
        council.sweep()
        assert [t.spec_name for t in council.tasks(meeting.case_id)] == ["build_agenda"]
        council.schedule(driver.case_id, meeting_id)  # the deadline has passed; the agenda is not built yet
        [build] = council.tasks(meeting.case_id, "build_agenda")
        council.complete("secretary", build, {})
    with time_machine.travel(meeting.publish_moment + timedelta(minutes=1), tick=False):
        council.sweep()
    [item] = council.items(meeting_id)
    assert item.proposal_id is not None
    assert sorted(t.assignee for t in council.tasks(meeting.case_id, "position")) == ["chair", "councillor"]


def test_the_chair_sees_counts_missing_members_quorum_and_the_suggestion(app, people, client):
    from web.extensions import db
    from workflows.council import get_item

    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor", "lead"))
    meeting_id, _, _ = _meeting(app, people)
    item_id = _item(app, people, meeting_id)
    council.publish_agenda(meeting_id)
    council.record_positions(meeting_id, {"chair": "agree"})  # one of three: no quorum
    case_id = council.meeting(meeting_id).case_id
    with council.at_meeting(meeting_id):
        [task] = council.tasks(case_id, "decide")
        with app.app_context():
            view = app.extensions["byplan"].task_view(db.session, people.user("chair"), task.id)
            ctx = view.context
            names = {n: people.user(n).name for n in ("councillor", "lead")}
        assert ctx.kind == "council_decision"
        assert (ctx.counts["agree"], ctx.eligible, ctx.participating, ctx.has_quorum) == (1, 3, 1, False)
        assert sorted(ctx.missing) == sorted(names.values())
        assert ctx.suggested == "approved"
        people.login(client, "chair")
        page = client.get(f"/opgaver/{task.id}").data.decode()
        assert "Forslag til udfald (beslutningstabel)" in page and "kun et forslag" in page
        assert "Nej: punktet kan kun besluttes med en registreret undtagelse." in page
        assert names["councillor"] in page

        # without a quorum and without an exception: refused on the field, nothing changes
        with pytest.raises(Exception) as refused:
            council.complete("chair", task, {"decision": "approved"})
        assert "quorum_exception" in getattr(refused.value, "errors", {})
        with app.app_context():
            assert get_item(db.session, item_id).decided_at is None
        council.complete("chair", task, {"decision": "approved",
                                         "quorum_exception": "Formanden og to stedfortrædere var til stede"})
    with app.app_context():
        item = get_item(db.session, item_id)
        assert item.outcome == "approved" and item.quorum_exception.startswith("Formanden")


def test_a_member_sees_and_changes_their_position_until_the_chair_decides(app, people, client):
    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    meeting_id, _, _ = _meeting(app, people)
    item_id = _item(app, people, meeting_id)
    council.publish_agenda(meeting_id)
    council.record_positions(meeting_id, {"councillor": "object"})
    people.login(client, "councillor")
    page = client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    assert 'class="own-position"' in page and f'id="pos-{item_id}-object" name="position" value="object" checked' \
        in page
    response = client.post(f"/raadet/punkter/{item_id}/holdning",
                           data={"meeting_id": meeting_id, "position": "agree", "comment": "Præciseret"})
    assert response.status_code in (302, 303), response.data[:500]
    page = client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    assert f'id="pos-{item_id}-agree" name="position" value="agree" checked' in page and "Præciseret" in page


def test_the_secretariat_moves_the_item_deadline_with_a_reason_refused_per_field(app, people, client):
    from sqlalchemy import func, select

    from web.extensions import db
    from workflows.council import AgendaChange

    council = CouncilDriver(app, people)
    meeting_id, starts, deadline = _meeting(app, people)
    meeting = council.meeting(meeting_id)
    people.login(client, "secretary")
    url = f"/raadet/moeder/{meeting_id}/frist"
    today = utcnow().astimezone(COPENHAGEN).date()
    for data, field in [({"item_deadline": (today - timedelta(days=1)).isoformat(), "reason": "Travlt"}, "deadline"),
                        ({"item_deadline": (starts.date() - timedelta(days=1)).isoformat(),
                          "item_deadline_time": "13:00", "reason": "Senere"}, "deadline"),
                        ({"item_deadline": (today + timedelta(days=3)).isoformat(), "reason": ""}, "deadline-reason")]:
        response = client.post(url, data=data)
        assert response.status_code == 422, data
        assert f'id="e-{field}"' in response.data.decode(), data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AgendaChange)) == 0
    new = today + timedelta(days=3)
    response = client.post(url, data={"item_deadline": new.isoformat(), "item_deadline_time": "15:00",
                                      "reason": "Arbejdsgruppen har brug for en uge mere"})
    assert response.status_code == 302
    moved = council.meeting(meeting_id)
    assert moved.deadline_moment == datetime.combine(new, time(15, 0), COPENHAGEN).astimezone(timezone.utc)
    page = client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    assert "Arbejdsgruppen har brug for en uge mere" in page
    [due] = [d for name, d in _timers(app, meeting.case_id)]
    assert due == moved.deadline_moment  # the process's timer moved with it
    with time_machine.travel(moved.deadline_moment + timedelta(minutes=1), tick=False):
        council.sweep()
        assert [t.spec_name for t in council.tasks(meeting.case_id)] == ["build_agenda"]


def _timers(app, case_id):
    from sqlalchemy import select

    from engine.models import WaitingTimer
    from web.extensions import db

    with app.app_context():
        return [(t.spec_name, t.due_at) for t in db.session.scalars(select(WaitingTimer)
                                                                 .where(WaitingTimer.case_id == case_id))]


def test_the_secretariat_publishes_the_built_agenda_now_with_a_reason(app, people, client):
    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    meeting_id, starts, deadline = _meeting(app, people,
                                            item_deadline=(utcnow().date() + timedelta(days=2)).isoformat())
    _item(app, people, meeting_id)
    meeting = council.meeting(meeting_id)
    people.login(client, "secretary")
    url = f"/raadet/moeder/{meeting_id}/udsend"
    refused = client.post(url, data={"reason": "For tidligt"})  # not built yet
    assert refused.status_code == 422
    with time_machine.travel(deadline + timedelta(minutes=1), tick=True):
        council.sweep()
        [build] = council.tasks(meeting.case_id, "build_agenda")
        council.complete("secretary", build, {})
        assert council.meeting(meeting_id).agenda_published_at is None
        no_reason = client.post(url, data={"reason": " "})
        assert no_reason.status_code == 422 and 'id="e-publish-reason"' in no_reason.data.decode()
        assert client.post(url, data={"reason": "Materialet er klar; medlemmerne får mere tid"}).status_code == 302
        assert council.meeting(meeting_id).agenda_published_at is not None
        assert sorted(t.assignee for t in council.tasks(meeting.case_id, "position")) == ["chair", "councillor"]
        public = app.test_client().get(f"/raadet/moeder/{meeting_id}").data.decode()
        assert "Materialet er klar; medlemmerne får mere tid" in public


def test_the_api_moves_the_deadline_and_refuses_bad_input_per_field(app, people, client):
    meeting_id, starts, _ = _meeting(app, people)
    token = people.token("secretary")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/council/meetings/{meeting_id}/deadline"
    today = utcnow().astimezone(COPENHAGEN).date()
    past = client.post(url, headers=headers, json={"item_deadline": (today - timedelta(days=2)).isoformat(),
                                                   "reason": "Travlt"})
    assert past.status_code == 422 and set(past.get_json()["errors"]["json"]) == {"item_deadline"}
    missing = client.post(url, headers=headers, json={"item_deadline": (today + timedelta(days=2)).isoformat()})
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]["json"]
    refused = client.post(url, headers={"Authorization": f"Bearer {people.token('councillor')}"},
                          json={"item_deadline": (today + timedelta(days=2)).isoformat(), "reason": "X"})
    assert refused.status_code == 403
    moved = client.post(url, headers=headers, json={"item_deadline": (today + timedelta(days=2)).isoformat(),
                                                    "item_deadline_time": "16:00", "reason": "Mere tid"})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["item_deadline_at"].startswith((today + timedelta(days=2)).isoformat())
