"""The council through the JSON API: the same scenario as the browser, with bearer tokens only.

Seven members (the chair included), two proposals from two working groups and an ad-hoc
information item; time is moved with time_machine past the item deadline, the agenda
publication and the minutes deadline, and the timers are fired as the worker fires them.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from council_support import CouncilDriver
from engine.models import utcnow

EXTRA_MEMBERS = tuple(f"raadsmedlem{n}" for n in range(3, 8))


# ------------------------------------------------------------------ helpers

def call(client, method, url, token=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(url, method=method, headers=headers, **kwargs)


def tasks(client, token, case_id, name=None) -> list[dict]:
    response = call(client, "GET", "/api/v1/tasks?limit=500", token)
    assert response.status_code == 200, response.get_json()
    return [t for t in response.get_json()
            if t["case_id"] == case_id and (name is None or t["name"].startswith(name))]


def only_task(client, token, case_id, name=None) -> dict:
    mine = tasks(client, token, case_id, name)
    assert len(mine) == 1, mine
    return mine[0]


def detail(client, token, task_id) -> dict:
    response = call(client, "GET", f"/api/v1/tasks/{task_id}", token)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def complete(client, token, task_id, data, version=None):
    """Complete a task with the case version read just before (or the one given)."""
    if version is None:
        version = detail(client, token, task_id)["case_version"]
    return call(client, "POST", f"/api/v1/tasks/{task_id}/complete", token, json={"version": version, "data": data})


def meeting_json(client, token, meeting_id) -> dict:
    response = call(client, "GET", f"/api/v1/council/meetings/{meeting_id}", token)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def meeting_payload(**overrides) -> dict:
    today = utcnow().date()
    return {"title": "Rådsmøde", "date": (today + timedelta(days=14)).isoformat(), "start_time": "10:00",
            "place": "KL, Weidekampsgade 10", "item_deadline": (today + timedelta(days=3)).isoformat(),
            "publish_days": 7, **overrides}


def proposal_at_schedule(client, tokens, author: str, group_id: int, title: str, statement: str) -> int:
    """A proposal drafted by its working group and screened by the secretariat, all through the API."""
    created = call(client, "POST", "/api/v1/cases", tokens[author],
                   json={"process_id": "proposal", "title": title, "working_group_id": group_id})
    assert created.status_code == 201, created.get_json()
    case_id = created.get_json()["id"]
    draft = detail(client, tokens[author], only_task(client, tokens[author], case_id, "draft")["id"])
    done = complete(client, tokens[author], draft["id"],
                    {**draft["values"], "summary": f"Resumé: {title}", "statement": statement},
                    draft["case_version"])
    assert done.status_code == 200, done.get_json()
    screen = only_task(client, tokens["secretary"], case_id, "screen")
    assert complete(client, tokens["secretary"], screen["id"], {"screening": "complete"}).status_code == 200
    assert only_task(client, tokens["secretary"], case_id)["name"] == "schedule"
    return case_id


def position_item(app, people, username: str, task_id: str) -> int:
    """The agenda item a position task asks about (the API's task detail does not say)."""
    from web.extensions import db

    with app.app_context():
        view = app.extensions["byplan"].task_view(db.session, people.user(username), task_id)
        return view.task_data["request"]["item_id"]


# ----------------------------------------------------------------- fixtures

@pytest.fixture
def members(app, people) -> list[str]:
    """Seven council members: the chair, the councillor and five more, each with a CouncilMember row."""
    from web.extensions import db
    from workflows.council import CouncilMember
    from workflows.directory import COUNCIL_MEMBER, create_user

    names = CouncilDriver(app, people).ensure_members(("chair", "councillor"))
    with app.app_context():
        s = db.session
        for n, name in enumerate(EXTRA_MEMBERS, start=3):
            user = create_user(s, name, f"Rådsmedlem {n}", f"{name}@example.org", people.PASSWORD, (COUNCIL_MEMBER,))
            s.add(CouncilMember(user_id=user.id, term_start=date(2020, 1, 1), organisation=f"Kommune {n}"))
        s.commit()
    return [*names, *EXTRA_MEMBERS]


@pytest.fixture
def data_lead(app, people) -> str:
    """The lead of the second working group ('Data'), who submits its proposals."""
    from web.extensions import db
    from workflows.directory import WorkingGroup, add_member, create_user

    with app.app_context():
        s = db.session
        user = create_user(s, "datalead", "Data Lead", "datalead@example.org", people.PASSWORD)
        add_member(s, user, s.get(WorkingGroup, people.other_group_id), lead=True)
        s.commit()
    return "datalead"


@pytest.fixture
def tokens(people, members, data_lead) -> dict[str, str]:
    return {name: people.token(name) for name in ("lead", data_lead, "secretary", "contact", *members)}


# -------------------------------------------------------------------- tests

def test_the_api_drives_a_meeting_from_the_call_to_published_minutes(client, app, people, members, tokens):
    from web.extensions import db
    from workflows.council import AgendaItem, Position, end_of_day, members as active_members

    engine = app.extensions["byplan"].engine
    sec = tokens["secretary"]
    with app.app_context():
        assert len(active_members(db.session)) == 7

    # two proposals from two working groups reach the secretariat's 'schedule' task
    reuse = proposal_at_schedule(client, tokens, "lead", people.group_id, "Genbrug før køb",
                                 "Genbrug før køb før byg")
    open_data = proposal_at_schedule(client, tokens, "datalead", people.other_group_id, "Åbne data",
                                     "Data er åbne som udgangspunkt")

    created = call(client, "POST", "/api/v1/council/meetings", sec, json=meeting_payload())
    assert created.status_code == 201, created.get_json()
    meeting = created.get_json()
    meeting_id, case_id = meeting["id"], meeting["case_id"]
    assert meeting["status"] == "collecting" and meeting["items"] == [] and case_id is not None
    assert meeting["agenda_published_at"] is None

    for proposal_case in (reuse, open_data):
        schedule = detail(client, sec, only_task(client, sec, proposal_case, "schedule")["id"])
        assert meeting_id in schedule["form_schema"]["properties"]["meeting_id"]["enum"]
        assert complete(client, sec, schedule["id"], {"meeting_id": meeting_id},
                        schedule["case_version"]).status_code == 200

    info = call(client, "POST", f"/api/v1/council/meetings/{meeting_id}/items", sec,
                json={"kind": "information", "title": "Orientering om FDA-samarbejdet",
                      "description": "Status fra sekretariatet"})
    assert info.status_code == 201, info.get_json()
    info = info.get_json()
    assert info["kind"] == "information" and info["proposal_id"] is None and info["position"] == 3

    meeting = meeting_json(client, sec, meeting_id)
    assert [(i["title"], i["kind"]) for i in meeting["items"]] == [
        ("Genbrug før køb", "decision"), ("Åbne data", "decision"), ("Orientering om FDA-samarbejdet", "information")]
    reuse_item, open_data_item = (i["id"] for i in meeting["items"][:2])
    # before publication the meeting is not public: a token without a council or group role gets 404
    assert call(client, "GET", f"/api/v1/council/meetings/{meeting_id}", tokens["contact"]).status_code == 404

    starts_at = datetime.fromisoformat(meeting["starts_at"])
    today = utcnow().date()

    # the item deadline passes: the agenda is built, by the API
    with time_machine.travel(end_of_day(today + timedelta(days=3)) + timedelta(minutes=1), tick=False):
        assert tasks(client, sec, case_id) == []
        assert engine.fire_due_timers() == 1
        build = detail(client, sec, only_task(client, sec, case_id, "build_agenda")["id"])
        assert build["form_key"] == "council.agenda"
        assert complete(client, sec, build["id"], {"note": "Dagsordenen er klar"},
                        build["case_version"]).status_code == 200
        assert meeting_json(client, sec, meeting_id)["status"] == "agenda"
        assert engine.fire_due_timers() == 0  # the publication is not due yet

    # the publication time passes: the agenda is public and every member is asked per decision item
    with time_machine.travel(starts_at - timedelta(days=7, minutes=-5), tick=False):
        assert engine.fire_due_timers() == 1
        meeting = meeting_json(client, sec, meeting_id)
        assert meeting["status"] == "published" and meeting["agenda_published_at"] is not None
        assert call(client, "GET", f"/api/v1/council/meetings/{meeting_id}", tokens["contact"]).status_code == 200

        position_tasks = {name: tasks(client, tokens[name], case_id, "position") for name in members}
        assert {name: len(rows) for name, rows in position_tasks.items()} == {name: 2 for name in members}
        assert tasks(client, sec, case_id) == []  # the secretariat has nothing to do meanwhile

        # a member may not complete another member's position task
        chairs_task = position_tasks["chair"][0]
        refused = complete(client, tokens["councillor"], chairs_task["id"], {"position": "object"},
                           detail(client, tokens["chair"], chairs_task["id"])["case_version"])
        assert refused.status_code == 403, refused.get_json()
        assert call(client, "GET", f"/api/v1/tasks/{chairs_task['id']}", tokens["councillor"]).status_code == 403

        # each member answers their own tasks; the councillor objects to the reuse proposal only
        for name, rows in position_tasks.items():
            for task in rows:
                item_id = position_item(app, people, name, task["id"])
                objects = name == "councillor" and item_id == reuse_item
                data = {"position": "object", "comment": "Markedet skal undersøges først"} if objects \
                    else {"position": "agree"}
                response = complete(client, tokens[name], task["id"], data)
                assert response.status_code == 200, (name, response.get_json())
            assert tasks(client, tokens[name], case_id, "position") == []
        with app.app_context():
            counts = dict(db.session.execute(
                select(Position.item_id, func.count()).where(Position.position == "object").group_by(Position.item_id)
            ).all())
            assert counts == {reuse_item: 1}
            assert db.session.scalar(select(func.count()).select_from(Position)) == 14

    # every position is in, but the decisions are taken at the meeting: nothing for the chair before its start
    with time_machine.travel(starts_at - timedelta(minutes=5), tick=False):
        assert engine.fire_due_timers() == 0
        assert tasks(client, tokens["chair"], case_id, "decide") == []
    # the meeting is held; the chair decides item after item
    with time_machine.travel(starts_at + timedelta(hours=2), tick=False):
        assert engine.fire_due_timers() == 1
        decide = detail(client, tokens["chair"], only_task(client, tokens["chair"], case_id, "decide")["id"])
        assert decide["values"]["decision"] == "approved_with_changes"  # 6 agree, 1 object
        missing = complete(client, tokens["chair"], decide["id"], {"decision": "approved_with_changes"},
                           decide["case_version"])
        assert missing.status_code == 422, missing.get_json()
        assert "changes" in missing.get_json()["errors"]["json"]
        assert call(client, "GET", f"/api/v1/cases/{case_id}", sec).get_json()["version"] == decide["case_version"]
        assert complete(client, tokens["councillor"], decide["id"], {"decision": "approved"},
                        decide["case_version"]).status_code == 403  # only the chair decides
        done = complete(client, tokens["chair"], decide["id"],
                        {"decision": "approved_with_changes", "changes": "Gælder kun nye indkøb"},
                        decide["case_version"])
        assert done.status_code == 200, done.get_json()

        decide = detail(client, tokens["chair"], only_task(client, tokens["chair"], case_id, "decide")["id"])
        assert decide["values"]["decision"] == "approved"  # 7 agree
        no_reason = complete(client, tokens["chair"], decide["id"], {"decision": "sent_back"},
                             decide["case_version"])
        assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]["json"]
        assert complete(client, tokens["chair"], decide["id"],
                        {"decision": "sent_back", "reason": "Afgræns hvilke data"},
                        decide["case_version"]).status_code == 200
        assert engine.route_messages() == 2  # each decision reaches its proposal case

        meeting = meeting_json(client, sec, meeting_id)
        assert meeting["status"] == "minutes" and meeting["minutes_published_at"] is None
        draft = detail(client, sec, only_task(client, sec, case_id, "draft_minutes")["id"])
        assert draft["form_key"] == "council.minutes"
        empty = complete(client, sec, draft["id"], {"minutes_summary": ""}, draft["case_version"])
        assert empty.status_code == 422 and "minutes_summary" in empty.get_json()["errors"]["json"]
        assert complete(client, sec, draft["id"], {"minutes_summary": "Rådet behandlede to forslag."},
                        draft["case_version"]).status_code == 200
        assert meeting_json(client, sec, meeting_id)["status"] == "minutes_review"
        sent_at = utcnow()

    # the proposals got their decisions
    reuse_case = call(client, "GET", f"/api/v1/cases/{reuse}", sec).get_json()
    assert reuse_case["status"] == "completed"
    assert reuse_case["record"]["status"] == "approved_with_changes"
    assert reuse_case["record"]["decision"] == "approved_with_changes"
    assert reuse_case["record"]["principle_key"] == "genbrug-foer-koeb"
    open_data_case = call(client, "GET", f"/api/v1/cases/{open_data}", tokens["datalead"]).get_json()
    assert open_data_case["status"] == "running" and open_data_case["record"]["status"] == "sent_back"
    assert only_task(client, tokens["datalead"], open_data)["name"] == "draft"  # back to its working group

    # no objections: the minutes are approved by silence after the deadline
    with time_machine.travel(sent_at + timedelta(days=6), tick=False):
        assert engine.fire_due_timers() == 0
        assert meeting_json(client, sec, meeting_id)["status"] == "minutes_review"
    with time_machine.travel(sent_at + timedelta(days=9), tick=False):
        assert engine.fire_due_timers() == 1
        meeting = meeting_json(client, tokens["contact"], meeting_id)  # public now
    assert meeting["status"] == "concluded" and meeting["minutes_published_at"] is not None
    outcomes = {i["title"]: (i["proposed_outcome"], i["outcome"], i["changes"], i["reason"]) for i in meeting["items"]}
    assert outcomes == {
        "Genbrug før køb": ("approved_with_changes", "approved_with_changes", "Gælder kun nye indkøb", None),
        "Åbne data": ("approved", "sent_back", None, "Afgræns hvilke data"),
        "Orientering om FDA-samarbejdet": (None, None, None, None),
    }
    assert call(client, "GET", f"/api/v1/cases/{case_id}", sec).get_json()["status"] == "completed"
    with app.app_context():
        assert db.session.get(AgendaItem, reuse_item).decided_by == "chair"

    # the principle is in the catalogue, linked to the meeting; the sent-back proposal is not
    catalogue = client.get("/principper").data.decode()
    assert "Genbrug før køb før byg" in catalogue and "Åbne data" not in catalogue
    page = client.get("/principper/genbrug-foer-koeb").data.decode()
    assert f'href="/raadet/moeder/{meeting_id}"' in page and "Gælder kun nye indkøb" in page
    decisions = client.get("/raadet/beslutninger").data.decode()
    assert "Genbrug før køb" in decisions and "Åbne data" in decisions


def test_creating_a_meeting_is_for_the_secretariat_with_valid_data(client, app, tokens):
    from web.extensions import db
    from workflows.council import Meeting

    url = "/api/v1/council/meetings"
    for name in ("chair", "councillor", "lead"):
        refused = call(client, "POST", url, tokens[name], json=meeting_payload())
        assert refused.status_code == 403, (name, refused.get_json())
    assert client.post(url, json=meeting_payload()).status_code == 401

    today = utcnow().date()
    cases = [
        ({"item_deadline": (today + timedelta(days=20)).isoformat()}, {"item_deadline"}),
        ({"item_deadline": (today + timedelta(days=14)).isoformat()}, {"item_deadline"}),
        ({"date": (today - timedelta(days=1)).isoformat(),
          "item_deadline": (today - timedelta(days=5)).isoformat()}, {"date"}),
        ({"start_time": "25:61"}, {"start_time"}),
        ({"place": "", "online_link": ""}, {"place"}),
        ({"date": "14-05-2031"}, {"date"}),
    ]
    for overrides, fields in cases:
        response = call(client, "POST", url, tokens["secretary"], json=meeting_payload(**overrides))
        assert response.status_code == 422, (overrides, response.get_json())
        assert set(response.get_json()["errors"]["json"]) >= fields, (overrides, response.get_json())
    # the request body itself: missing and out-of-range fields, per field
    body = {k: v for k, v in meeting_payload(publish_days=0).items() if k != "title"}
    response = call(client, "POST", url, tokens["secretary"], json=body)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"title", "publish_days"}

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0
    assert call(client, "GET", "/api/v1/cases", tokens["secretary"]).get_json() == []


def test_items_through_the_api_need_a_reason_once_the_agenda_is_published(client, app, people, tokens):
    council = CouncilDriver(app, people)
    url_for = lambda m: f"/api/v1/council/meetings/{m}/items"  # noqa: E731
    meeting = call(client, "POST", "/api/v1/council/meetings", tokens["secretary"], json=meeting_payload()).get_json()
    item = {"kind": "decision", "title": "Fælles brugerstyring"}
    assert call(client, "POST", url_for(meeting["id"]), tokens["chair"], json=item).status_code == 403
    assert call(client, "POST", url_for(meeting["id"]), tokens["secretary"],
                json={"kind": "vote", "title": ""}).status_code == 422
    assert call(client, "POST", url_for(424242), tokens["secretary"], json=item).status_code == 404
    assert call(client, "POST", url_for(meeting["id"]), tokens["secretary"], json=item).status_code == 201

    council.publish_agenda(meeting["id"])
    late = {"kind": "information", "title": "Nyt om MitID"}
    refused = call(client, "POST", url_for(meeting["id"]), tokens["secretary"], json=late)
    assert refused.status_code == 422 and "reason" in refused.get_json()["errors"]["json"]
    assert [i["title"] for i in meeting_json(client, tokens["secretary"], meeting["id"])["items"]] == [
        "Fælles brugerstyring"]
    added = call(client, "POST", url_for(meeting["id"]), tokens["secretary"],
                 json={**late, "reason": "Ny viden efter udsendelsen"})
    assert added.status_code == 201
    public = client.get(f"/raadet/moeder/{meeting['id']}").data.decode()
    assert "Punkt tilføjet: Nyt om MitID" in public and "Ny viden efter udsendelsen" in public


def test_decisions_stay_private_in_the_api_until_the_minutes_are_published(client, app, people, members, tokens):
    council = CouncilDriver(app, people)
    meeting = call(client, "POST", "/api/v1/council/meetings", tokens["secretary"], json=meeting_payload()).get_json()
    item = call(client, "POST", f"/api/v1/council/meetings/{meeting['id']}/items", tokens["secretary"],
                json={"kind": "decision", "title": "Fælles brugerstyring"}).get_json()
    council.publish_agenda(meeting["id"])
    council.record_positions(meeting["id"], {name: "agree" for name in members})
    council.decide_all(meeting["id"], {item["id"]: {"decision": "rejected", "reason": "Ikke modent endnu"}})
    staff = meeting_json(client, tokens["secretary"], meeting["id"])
    assert staff["status"] == "minutes" and staff["items"][0]["outcome"] == "rejected"
    assert "Ikke modent endnu" not in client.get(f"/raadet/moeder/{meeting['id']}").data.decode()

    public = meeting_json(client, tokens["contact"], meeting["id"])
    assert public["minutes_published_at"] is None
    assert [(i["outcome"], i["reason"], i["proposed_outcome"]) for i in public["items"]] == [(None, None, None)]
