"""The JSON API under /api/v1: a proposal from draft to the catalogue, and its error codes."""
from __future__ import annotations

from engine.workdays import add_working_days

import pytest


@pytest.fixture
def tokens(people):
    return {name: people.token(name) for name in ("lead", "secretary", "chair", "councillor", "outsider")}


def call(client, method, url, token=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(url, method=method, headers=headers, **kwargs)


def my_task(client, token, case_id):
    tasks = call(client, "GET", "/api/v1/tasks", token).get_json()
    mine = [t for t in tasks if t["case_id"] == case_id]
    assert len(mine) == 1, tasks
    detail = call(client, "GET", f"/api/v1/tasks/{mine[0]['id']}", token).get_json()
    return detail


def test_openapi_document(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["info"]["title"] == "Byplan API"
    for path in ("/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/tasks", "/api/v1/tasks/{task_id}",
                 "/api/v1/tasks/{task_id}/complete"):
        assert path in spec["paths"], path


def test_token_is_required(client, tokens):
    assert client.get("/api/v1/tasks").status_code == 401
    assert call(client, "GET", "/api/v1/tasks", "bp_forged").status_code == 401
    assert client.get("/api/v1/tasks", headers={"Authorization": "Basic abc"}).status_code == 401


def test_proposal_from_draft_to_catalogue_through_the_api(client, tokens, people):
    created = call(client, "POST", "/api/v1/cases", tokens["lead"],
                   json={"process_id": "proposal", "title": "Genbrug før køb", "working_group_id": people.group_id})
    assert created.status_code == 201, created.get_json()
    case_id = created.get_json()["id"]

    draft = my_task(client, tokens["lead"], case_id)
    assert draft["form_key"] == "proposal.draft"
    assert draft["form_schema"]["properties"]["kind"]["enum"] == [  # issue 14: the proposal kinds
        "principle", "rule", "rule_change", "rule_retirement", "reference_architecture"]
    assert "title" in draft["form_schema"]["required"]
    data = {**draft["values"], "summary": "Genbrug", "statement": "Genbrug før køb før byg",
            "rationale": "Sparer penge", "implications": "Marked undersøges først"}
    done = call(client, "POST", f"/api/v1/tasks/{draft['id']}/complete", tokens["lead"],
                json={"version": draft["case_version"], "data": data})
    assert done.status_code == 200, done.get_json()

    screen = my_task(client, tokens["secretary"], case_id)
    assert screen["due_at"] is not None
    assert call(client, "POST", f"/api/v1/tasks/{screen['id']}/complete", tokens["secretary"],
                json={"version": screen["case_version"], "data": {"screening": "complete"}}).status_code == 200

    # the council: a meeting, the proposal on its agenda, positions and the chair's decision, all by API
    from datetime import timedelta

    import time_machine

    from council_support import CouncilDriver
    from engine.models import utcnow

    CouncilDriver(client.application, people).ensure_members(("chair", "councillor"))
    today = utcnow().date()
    meeting = call(client, "POST", "/api/v1/council/meetings", tokens["secretary"], json={
        "title": "Rådsmøde", "date": (today + timedelta(days=14)).isoformat(), "start_time": "10:00",
        "place": "KL", "item_deadline": (today + timedelta(days=3)).isoformat(), "publish_days": 7})
    assert meeting.status_code == 201, meeting.get_json()
    meeting = meeting.get_json()
    schedule = my_task(client, tokens["secretary"], case_id)
    assert schedule["form_schema"]["properties"]["meeting_id"]["enum"] == [meeting["id"]]
    assert call(client, "POST", f"/api/v1/tasks/{schedule['id']}/complete", tokens["secretary"],
                json={"version": schedule["case_version"], "data": {"meeting_id": meeting["id"]}}).status_code == 200
    engine = client.application.extensions["byplan"].engine
    from datetime import datetime

    # an hour after the agenda's publication time (seven days before the meeting), whatever the time of day
    published = datetime.fromisoformat(meeting["starts_at"]) - timedelta(days=7) + timedelta(hours=1)
    with time_machine.travel(published, tick=False):
        engine.fire_due_timers()  # the item deadline passed: the agenda is built
        build = my_task(client, tokens["secretary"], meeting["case_id"])
        assert call(client, "POST", f"/api/v1/tasks/{build['id']}/complete", tokens["secretary"],
                    json={"version": build["case_version"], "data": {}}).status_code == 200
        engine.fire_due_timers()  # the agenda is published
        for member in ("councillor", "chair"):
            position = [t for t in call(client, "GET", "/api/v1/tasks", tokens[member]).get_json()
                        if t["case_id"] == meeting["case_id"]][0]
            version = call(client, "GET", f"/api/v1/tasks/{position['id']}", tokens[member]).get_json()["case_version"]
            assert call(client, "POST", f"/api/v1/tasks/{position['id']}/complete", tokens[member],
                        json={"version": version, "data": {"position": "agree"}}).status_code == 200
    # the council decides at the meeting: its start passes
    with time_machine.travel(datetime.fromisoformat(meeting["starts_at"]) + timedelta(minutes=5), tick=False):
        engine.fire_due_timers()
        decide = my_task(client, tokens["chair"], meeting["case_id"])
        assert decide["values"]["decision"] == "approved"  # proposed by the DMN table from the positions
        response = call(client, "POST", f"/api/v1/tasks/{decide['id']}/complete", tokens["chair"],
                        json={"version": decide["case_version"], "data": {"decision": "approved"}})
        assert response.status_code == 200
        assert engine.route_messages() == 1  # the decision reaches the proposal case

    case = call(client, "GET", f"/api/v1/cases/{case_id}", tokens["secretary"]).get_json()
    assert case["status"] == "completed" and case["tasks"] == []
    assert case["record"]["status"] == "approved" and case["record"]["principle_key"] == "genbrug-foer-koeb"
    assert [e["kind"] for e in case["events"]] == ["start", "complete", "complete", "complete", "message"]
    listed = call(client, "GET", "/api/v1/cases?status=completed", tokens["secretary"]).get_json()
    assert [c["id"] for c in listed] == [case_id]
    running = call(client, "GET", "/api/v1/cases?status=running", tokens["secretary"]).get_json()
    assert [c["process_id"] for c in running] == ["council_meeting"]  # its minutes are still to come
    assert call(client, "GET", "/api/v1/cases?limit=0", tokens["secretary"]).status_code == 422
    assert call(client, "GET", "/api/v1/tasks?offset=-1", tokens["secretary"]).status_code == 422
    assert "Genbrug før køb før byg" in client.get("/principper").data.decode()


def test_api_error_codes(client, tokens, people):
    case_id = call(client, "POST", "/api/v1/cases", tokens["lead"],
                   json={"process_id": "proposal", "title": "Åbne standarder",
                         "working_group_id": people.group_id}).get_json()["id"]
    draft = my_task(client, tokens["lead"], case_id)
    url = f"/api/v1/tasks/{draft['id']}/complete"

    # 422: invalid form data, per field; nothing changes
    bad = call(client, "POST", url, tokens["lead"], json={"version": draft["case_version"],
                                                          "data": {"kind": "principle", "title": ""}})
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]["json"]) == {"title", "summary", "statement"}
    unknown = call(client, "POST", url, tokens["lead"], json={"version": draft["case_version"],
                                                              "data": {"titel": "typo"}})
    assert unknown.status_code == 422 and "titel" in unknown.get_json()["errors"]["json"]
    # 422: the request body itself is malformed
    assert call(client, "POST", url, tokens["lead"], json={"data": {}}).status_code == 422
    assert call(client, "POST", url, tokens["lead"], json={"version": "x"}).status_code == 422
    # 403: a role outside the task's lane, and a member of another group
    assert call(client, "POST", url, tokens["secretary"], json={"version": draft["case_version"],
                                                                "data": {}}).status_code == 403
    assert call(client, "GET", f"/api/v1/tasks/{draft['id']}", tokens["outsider"]).status_code == 403
    assert call(client, "GET", f"/api/v1/cases/{case_id}", tokens["outsider"]).status_code == 403
    # 409: a stale version
    good = {**draft["values"], "summary": "S", "statement": "Åbne standarder"}
    stale = call(client, "POST", url, tokens["lead"], json={"version": draft["case_version"] - 1, "data": good})
    assert stale.status_code == 409
    case = call(client, "GET", f"/api/v1/cases/{case_id}", tokens["lead"]).get_json()
    assert case["version"] == draft["case_version"] and case["record"]["status"] == "draft"
    # 200, then 409 for the same completion again
    assert call(client, "POST", url, tokens["lead"], json={"version": draft["case_version"], "data": good}
                ).status_code == 200
    again = call(client, "POST", url, tokens["lead"], json={"version": draft["case_version"], "data": good})
    assert again.status_code == 409
    # 404s and start errors
    assert call(client, "GET", "/api/v1/tasks/00000000-0000-0000-0000-000000000000",
                tokens["lead"]).status_code == 404
    assert call(client, "GET", "/api/v1/cases/424242", tokens["lead"]).status_code == 404
    assert call(client, "POST", "/api/v1/cases", tokens["lead"],
                json={"process_id": "nope", "title": "x", "working_group_id": people.group_id}).status_code == 422
    assert call(client, "POST", "/api/v1/cases", tokens["outsider"],
                json={"process_id": "proposal", "title": "x", "working_group_id": people.group_id}
                ).status_code == 403
    assert call(client, "POST", "/api/v1/cases", tokens["lead"],
                json={"process_id": "proposal", "title": "x", "working_group_id": 99999}).status_code == 422


def test_municipality_contact_answers_a_hearing_through_the_api(client, app, people):
    from datetime import timedelta

    import time_machine
    from sqlalchemy import select

    from engine.models import ReadyTask, utcnow
    from web.extensions import db
    from workflows.directory import Municipality

    byplan = app.extensions["byplan"]
    with app.app_context():
        s = db.session
        hjoerring = s.scalar(select(Municipality).where(Municipality.name == "Hjørring"))
        hjoerring.email = "hoering@hjoerring.example"
        other = Municipality(code="147", name="Frederiksberg", region="Hovedstaden", email="h@frb.example")
        s.add(other)
        secretary = people.user("secretary")
        hearing = byplan.hearings.create(s, secretary, title="Brugerstyring", summary="Udkast",
                                         working_group_id=people.group_id)
        byplan.hearings.add_municipalities(s, secretary, hearing.id, [hjoerring.id])
        task = s.scalar(select(ReadyTask).where(ReadyTask.case_id == hearing.case_id))
        deadline = add_working_days((utcnow() + timedelta(days=31)).date(), -1)  # a working day (issue 16)
        byplan.complete_task(s, secretary, task.id, {"title": "Brugerstyring", "summary": "Udkast",
                                                     "deadline": deadline.isoformat(),
                                                     "reminder_days": "7"}, None)
        s.commit()
        hearing_id = hearing.id
    token = people.token("contact")
    listed = call(client, "GET", "/api/v1/hearings", token).get_json()
    assert [h["id"] for h in listed] == [hearing_id] and listed[0]["parties_count"] == 1
    url = f"/api/v1/hearings/{hearing_id}/responses"
    assert call(client, "POST", url, token, json={"text": ""}).status_code == 422
    first = call(client, "POST", url, token, json={"text": "Vi støtter"})
    assert first.status_code == 201 and first.get_json()["version"] == 1 and not first.get_json()["late"]
    second = call(client, "POST", url, token, json={"text": "Vi støtter, med en bemærkning"})
    assert second.get_json()["version"] == 2
    assert call(client, "GET", "/api/v1/hearings", people.token("secretary")).get_json()[0]["answered_count"] == 1
    # a contact whose municipality is not a party, and staff without a municipality, are refused
    assert call(client, "POST", url, people.token("secretary"), json={"text": "x"}).status_code == 403
    # after the deadline the API (the normal form) refuses with a clear error; nothing is stored
    with time_machine.travel(utcnow() + timedelta(days=31)):
        late = call(client, "POST", url, token, json={"text": "For sent"})
        assert late.status_code == 422 and "hearing" in late.get_json()["errors"]["json"]
    with app.app_context():
        from workflows.hearing import responses

        assert [r.version for r in responses(db.session, hearing_id)] == [2]
