"""The analytics and operations pages: the heatmap of a process version (diagram data, table, filters,
comparing a case), the secretariat dashboard with lead times, /healthz, /readyz, /metrics, request ids and
JSON logs carried into the worker's lines."""
from __future__ import annotations

import io
import json
import logging
import re

import pytest
from sqlalchemy import select

from engine import logcontext
from engine.models import Case, CompletedTask


@pytest.fixture
def tokens(people):
    return {name: people.token(name) for name in ("lead", "secretary")}


DRAFT = {"summary": "Genbrug", "statement": "Genbrug før køb før byg", "rationale": "Sparer penge",
         "implications": "Marked undersøges først"}


def _api(client, method, url, token, **kwargs):
    return client.open(url, method=method, headers={"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})},
                       **kwargs)


def submitted_proposal(client, tokens, people, headers=None) -> int:
    """A proposal case whose draft task the lead completed (through the API)."""
    created = _api(client, "POST", "/api/v1/cases", tokens["lead"],
                   json={"process_id": "proposal", "title": "Genbrug", "working_group_id": people.group_id})
    case_id = created.get_json()["id"]
    tasks = [t for t in _api(client, "GET", "/api/v1/tasks", tokens["lead"]).get_json() if t["case_id"] == case_id]
    draft = _api(client, "GET", f"/api/v1/tasks/{tasks[0]['id']}", tokens["lead"]).get_json()
    done = _api(client, "POST", f"/api/v1/tasks/{draft['id']}/complete", tokens["lead"], headers=headers or {},
                json={"version": draft["case_version"], "data": {**draft["values"], **DRAFT}})
    assert done.status_code == 200, done.get_json()
    return case_id


def _version_id(app, case_id):
    from web.extensions import db

    with app.app_context():
        return db.session.get(Case, case_id).process_version_id


def test_the_heatmap_shows_each_step_on_the_diagram_and_in_a_table(app, client, people, tokens):
    case_id = submitted_proposal(client, tokens, people)
    version_id = _version_id(app, case_id)
    people.login(client, "secretary")
    page = client.get(f"/processer/{version_id}/varmekort")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    heat = json.loads(re.search(r"data-heat='([^']*)'", text).group(1).replace("&#34;", '"'))
    assert heat["draft"]["passed"] == 1 and heat["draft"]["now"] == 0 and heat["draft"]["level"] >= 1
    assert heat["screen"]["now"] == 1 and heat["screen"]["passed"] == 0
    row = re.search(r'<tr data-element="draft">(.*?)</tr>', text, re.S).group(1)
    assert re.search(r'class="num passed"[^>]*>1<', row) and re.search(r'class="num now"[^>]*>0<', row)
    # linked from the version page
    assert f"/processer/{version_id}/varmekort" in client.get(f"/processer/{version_id}").get_data(as_text=True)


def test_the_heatmap_filters_and_compares_a_case(app, client, people, tokens):
    case_id = submitted_proposal(client, tokens, people)
    version_id = _version_id(app, case_id)
    people.login(client, "secretary")
    other_group = client.get(f"/processer/{version_id}/varmekort?gruppe={people.other_group_id}").get_data(as_text=True)
    assert 'data-element="draft"' not in other_group
    mine = client.get(f"/processer/{version_id}/varmekort?gruppe={people.group_id}&fra=2000-01").get_data(as_text=True)
    assert 'data-element="draft"' in mine
    later = client.get(f"/processer/{version_id}/varmekort?fra=2999-01").get_data(as_text=True)
    assert re.search(r'<tr data-element="draft">.*?class="num passed"[^>]*>0<', later, re.S) is None
    compared = client.get(f"/processer/{version_id}/varmekort?sag={case_id}").get_data(as_text=True)
    row = re.search(r'<tr data-element="draft">(.*?)</tr>', compared, re.S).group(1)
    assert 'class="num case-time"' in row and "case-ratio" in row


@pytest.mark.parametrize("query,field", [("fra=2026-13", "fra"), ("til=marts", "til"), ("gruppe=abc", "gruppe"),
                                         ("gruppe=999999", "gruppe"), ("sag=x", "sag"), ("sag=999999", "sag"),
                                         ("fra=2026-05&til=2026-04", "til")])
def test_a_bad_filter_is_a_field_error_not_a_500(app, client, people, tokens, query, field):
    case_id = submitted_proposal(client, tokens, people)
    people.login(client, "secretary")
    page = client.get(f"/processer/{_version_id(app, case_id)}/varmekort?{query}")
    assert page.status_code == 422
    assert f'href="#f-{field}"' in page.get_data(as_text=True)


def test_the_heatmap_and_dashboard_are_for_the_secretariat(app, client, people, tokens):
    case_id = submitted_proposal(client, tokens, people)
    people.login(client, "lead")
    assert client.get(f"/processer/{_version_id(app, case_id)}/varmekort").status_code == 403
    assert client.get("/analyse").status_code == 403
    people.login(client, "secretary")
    assert client.get("/processer/999999/varmekort").status_code == 404
    client.get("/logout")


def test_the_dashboard_lists_deadlines_states_incidents_and_lead_times(app, client, people, tokens):
    from datetime import datetime, timedelta, timezone

    case_id = submitted_proposal(client, tokens, people)  # the secretariat's screening task has a due date
    people.login(client, "secretary")
    page = client.get("/analyse").get_data(as_text=True)
    assert f"/sager/{case_id}" in page.split('id="h-upcoming"')[1].split('id="h-states"')[0]
    assert re.search(r'id="count-overdue">0<', page) and re.search(r'id="count-incidents">0<', page)
    assert re.search(r"<th scope=\"row\"[^>]*>proposal</th><td[^>]*>[^<]+</td><td class=\"num\"[^>]*>1</td>", page)
    assert 'data-lead-time="proposal"' in page and 'data-lead-time="hearing"' in page
    from web.extensions import db
    from engine.models import ReadyTask

    with app.app_context():  # the screening task's due date passes
        task = db.session.scalar(select(ReadyTask).where(ReadyTask.case_id == case_id))
        task.due_at = datetime.now(timezone.utc) - timedelta(days=1)
        db.session.commit()
    later = client.get("/analyse").get_data(as_text=True)
    assert re.search(r'id="count-overdue">1<', later)
    assert f"/sager/{case_id}" in later.split('id="h-overdue"')[1].split('id="h-upcoming"')[0]


def test_lead_times_registry_measures_proposals_and_takes_new_families(app, client, people, tokens):
    from datetime import timedelta

    from web.extensions import db
    from workflows import lead_times
    from workflows.proposal.models import Proposal

    case_id = submitted_proposal(client, tokens, people)
    with app.app_context():
        done = db.session.scalar(select(CompletedTask).where(CompletedTask.case_id == case_id))
        proposal = db.session.scalar(select(Proposal).where(Proposal.case_id == case_id))
        proposal.decision, proposal.updated_at = "approved", done.completed_at + timedelta(days=10)
        db.session.commit()
        figures = {f.key: f for f in lead_times.measure_all(db.session, done.completed_at + timedelta(days=11))}
        assert figures["proposal"].count == 1 and abs(figures["proposal"].median_days - 10) < 0.01
        lead_times.register(lead_times.LeadTime("probe", "Probe", lambda s, since, now: lead_times.Measured([86400.0])))
        try:
            probe = {f.key: f for f in lead_times.measure_all(db.session, done.completed_at)}["probe"]
            assert probe.count == 1 and probe.median_days == 1
        finally:
            lead_times.REGISTRY.pop("probe")


def test_healthz_and_readyz_need_no_login(app, client, byplan):
    from web.worker import heartbeat

    assert client.get("/healthz").get_json() == {"status": "ok"}
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    checks = not_ready.get_json()["checks"]
    assert checks["database"] == "ok" and checks["migrations"] == "ok" and checks["worker"] == "no heartbeat yet"
    heartbeat(byplan)
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"


def test_readyz_sees_a_database_behind_the_migrations(app, client, byplan):
    from sqlalchemy import text

    from web.extensions import db
    from web.worker import heartbeat

    heartbeat(byplan)
    with app.app_context():
        (revision,) = db.session.execute(text("SELECT version_num FROM alembic_version")).one()
        db.session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["migrations"].startswith("behind")


def test_metrics_for_an_administrator_or_with_the_token(sqlite_url, people_factory=None):
    from support import People, make_app

    app = make_app(sqlite_url, METRICS_TOKEN="s3cret-metrics-token")
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    client.get("/healthz")
    body = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"}).get_data(as_text=True)
    for name in ("byplan_request_seconds_bucket", 'endpoint="ops.healthz"', "byplan_task_completions_total",
                 "byplan_timer_lag_seconds", "byplan_message_outbox_backlog 0.0", "byplan_mail_outbox_backlog",
                 "byplan_incidents 0.0", "byplan_worker_heartbeat_age_seconds -1.0"):
        assert name in body, name
    plain = make_app(sqlite_url)
    people = People(plain)
    c = plain.test_client()
    assert c.get("/metrics").status_code == 401
    people.login(c, "secretary")
    assert c.get("/metrics").status_code == 403
    c.get("/logout")
    people.login(c, "admin")
    assert c.get("/metrics").status_code == 200


def test_the_request_id_reaches_the_worker_log_lines_of_the_same_case(app, client, people, tokens, byplan):
    from web.extensions import db

    stream = io.StringIO()
    handler = logcontext.configure("json", stream=stream)
    try:
        response_id = "req-0123456789abcdef"
        case_id = submitted_proposal(client, tokens, people, headers={"X-Request-ID": response_id})
        assert client.get("/healthz", headers={"X-Request-ID": "bad id!"}).headers["X-Request-ID"] != "bad id!"
        with app.app_context():
            assert db.session.get(Case, case_id).request_id == response_id
        # the worker (no request): loading the case binds the request that last changed it
        logcontext.clear()
        with app.app_context():
            byplan.engine.load(db.session, case_id)
            logging.getLogger("byplan.test").warning("worker line")
        line = json.loads(stream.getvalue().strip().splitlines()[-1])
        assert line["message"] == "worker line" and line["request_id"] == response_id and line["case_id"] == case_id
        assert line["level"] == "WARNING"
    finally:
        logging.getLogger().removeHandler(handler)
        logcontext.clear()


def test_the_case_page_pages_its_timeline(app, client, people, tokens, byplan):
    from web.extensions import db

    case_id = submitted_proposal(client, tokens, people)
    with app.app_context():
        for i in range(60):
            byplan.engine.audit.append(db.session, kind="document", actor="lead", case_id=case_id,
                                       summary=f"Bilag {i} v1")
        db.session.commit()
    people.login(client, "secretary")
    first = client.get(f"/sager/{case_id}").get_data(as_text=True)
    timeline = first.split('id="h-timeline"')[1]
    assert timeline.count("<li><time datetime=") == 50
    assert f'rel="next" href="/sager/{case_id}?tidslinje=2#h-timeline"' in timeline
    second = client.get(f"/sager/{case_id}?tidslinje=2").get_data(as_text=True).split('id="h-timeline"')[1]
    assert 0 < second.count("<li><time datetime=") <= 50 and "Bilag 59" in second and 'rel="next"' not in second
    assert client.get(f"/sager/{case_id}?tidslinje=abc").status_code == 200  # a bad page number is page 1
