"""The JSON API's shape (issue 12): its bodies are the forms' schemas, every write is one unit of work, the
token's last use is recorded after the action (never committed before it), and the views check no roles."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

import web.api as api
from engine.models import Case, utcnow
from workflows import council, hearing, proposal, search

API_DIR = Path(api.__file__).parent


def _own_fields(schema: type, form: type) -> set[str]:
    """The fields a derived schema declares itself (not the form's own field objects)."""
    return {name for name, f in schema._declared_fields.items() if form._declared_fields.get(name) is not f}


@pytest.mark.parametrize("schema, form, own", [
    (api.MeetingInSchema, council.MeetingForm, set()),
    (api.ItemInSchema, council.ItemForm, set()),
    (api.ResponseInSchema, hearing.ResponseForm, {"text"}),          # required: the API takes no files
    (api.StartCaseSchema, proposal.StartForm, {"process_id", "group_id"}),  # + the process; group renamed
    (api.SearchQuery, search.SearchForm, {"q", "limit", "offset"}),  # q required; limit/offset, not page
])
def test_the_api_bodies_are_the_forms_schemas(schema, form, own):
    assert issubclass(schema, form)
    assert _own_fields(schema, form) == own


def test_a_derived_field_keeps_the_form_s_limit_and_the_document_says_so(client):
    doc = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert doc["ResponseIn"]["required"] == ["text"]
    assert doc["ResponseIn"]["properties"]["text"]["maxLength"] == \
        hearing.ResponseForm._declared_fields["text"].metadata["max_length"]
    start = doc["StartCase"]
    assert set(start["properties"]) == {"process_id", "working_group_id", "kind", "title", "target"}  # issue 14
    assert start["properties"]["title"]["maxLength"] == proposal.StartForm._declared_fields["title"].metadata[
        "max_length"]
    assert start["properties"]["kind"]["default"] == "principle"
    meeting = doc["MeetingIn"]["properties"]
    assert meeting["date"]["format"] == "date" and "pattern" in meeting["start_time"]
    assert meeting["publish_days"]["default"] == 7


def test_the_page_and_the_api_start_a_meeting_with_the_same_form(app, people, client):
    """Left out, the agenda's publication lead is the form's default (7 days) on the page and in the API."""
    from web.extensions import db

    today = utcnow().date()
    body = {"title": "Rådsmøde", "date": (today + timedelta(days=20)).isoformat(), "start_time": "10:00",
            "place": "KL", "item_deadline": (today + timedelta(days=5)).isoformat()}
    created = client.post("/api/v1/council/meetings", json=body,
                          headers={"Authorization": f"Bearer {people.token('secretary')}"})
    assert created.status_code == 201, created.get_json()
    page = people.login(app.test_client(), "secretary")
    assert page.post("/raadet/moeder/nyt", data={**body, "title": "Fra siden", "publish_days": ""}).status_code == 302
    bad = page.post("/raadet/moeder/nyt", data={**body, "start_time": "25:61"})
    api_bad = client.post("/api/v1/council/meetings", json={**body, "start_time": "25:61"},
                          headers={"Authorization": f"Bearer {people.token('secretary')}"})
    assert bad.status_code == api_bad.status_code == 422
    assert set(api_bad.get_json()["errors"]["json"]) == {"start_time"}
    with app.app_context():
        assert sorted(db.session.scalars(select(council.Meeting.publish_days))) == [7, 7]


@pytest.fixture
def commits(app):
    """The order of the actions and the commits of the request's session: 'action' when the service is
    called, 'commit' after each commit."""
    events: list[str] = []

    def _commit(_session):
        events.append("commit")

    event.listen(Session, "after_commit", _commit)
    byplan = app.extensions["byplan"]
    original = byplan.start_proposal

    def start_proposal(*args, **kwargs):
        events.append("action")
        return original(*args, **kwargs)

    byplan.start_proposal = start_proposal
    yield events
    del byplan.start_proposal
    event.remove(Session, "after_commit", _commit)


def _last_use(app, token: str):
    from web.extensions import db
    from workflows.directory import ApiToken, token_hash

    with app.app_context():
        return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.token_hash == token_hash(token)))


def test_the_token_s_last_use_is_committed_after_the_action_never_before(app, people, client, commits):
    token = people.token("lead")
    headers = {"Authorization": f"Bearer {token}"}
    body = {"process_id": "proposal", "title": "Genbrug", "working_group_id": people.group_id}
    commits.clear()
    assert client.post("/api/v1/cases", json=body, headers=headers).status_code == 201
    assert commits == ["action", "commit", "commit"]  # the action's unit of work, then the last use
    first = _last_use(app, token)
    assert first is not None

    # a refused action changes nothing; the use is still recorded, in a transaction of its own
    commits.clear()
    with time_machine.travel(first + timedelta(minutes=2), tick=False):
        refused = client.post("/api/v1/cases", json={**body, "working_group_id": 999999}, headers=headers)
    assert refused.status_code == 422 and "group_id" in refused.get_json()["errors"]["json"]
    assert commits == ["action", "commit"]
    assert _last_use(app, token) > first
    with app.app_context():
        from web.extensions import db

        assert db.session.scalar(select(func.count()).select_from(Case)) == 1

    # within the minute a read commits nothing at all
    commits.clear()
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    assert commits == []


def test_a_revoked_token_is_refused_before_any_action(app, people, client, commits):
    from web.extensions import db
    from workflows.directory import ApiToken, token_hash

    token = people.token("lead")
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
        row.revoked_at = utcnow()
        db.session.commit()
    commits.clear()
    response = client.post("/api/v1/cases", headers={"Authorization": f"Bearer {token}"},
                           json={"process_id": "proposal", "title": "Genbrug", "working_group_id": people.group_id})
    assert response.status_code == 401 and commits == []


def test_the_api_views_neither_commit_nor_decide_access():
    """The services decide who may do what; the unit of work (common.write) commits."""
    for path in sorted(API_DIR.glob("*.py")):
        source = path.read_text()
        assert ".commit()" not in source or path.name == "common.py", path.name
        assert not re.search(r"\b(has_role|is_staff|is_secretariat|is_admin|lanes|Forbidden|abort\(403)", source), \
            path.name
        assert len(source.splitlines()) < 500, path.name
    common = (API_DIR / "common.py").read_text()
    assert "db.session.commit()" not in common  # only uow.commit(), in write() and after the action
