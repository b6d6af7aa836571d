"""The HTML UI: login, inbox, task forms, case page, documents, public catalogue."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.audit_people import subject_of
from engine.models import AuditEvent, Case, ReadyTask, utcnow
from council_support import CouncilDriver
from steps.proposal_driver import ProposalDriver


@pytest.fixture
def driver(app, people):
    return ProposalDriver(app, people)


def task_link(html: bytes) -> str:
    links = re.findall(r'href="(/opgaver/[0-9a-f-]{36})"', html.decode())
    assert links, "no task link on the page"
    return links[0]


def test_login_errors_are_per_field_and_danish(client, people):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 422
    body = response.data.decode()
    assert 'id="e-username"' in body and 'id="e-password"' in body
    assert 'aria-invalid="true"' in body
    response = client.post("/login", data={"username": "lead", "password": "wrong"})
    assert response.status_code == 422
    assert "lead" in response.data.decode()  # the user name is kept, the password is not


def test_login_redirect_is_local_only(client, people):
    response = client.post("/login?next=https://evil.example/x",
                           data={"username": "lead", "password": people.PASSWORD})
    assert response.headers["Location"] == "/"   # the user's start page


def test_pages_require_login(client):
    for url in ("/opgaver", "/sager", "/sager/1", "/forslag/nyt", "/opgaver/x"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_proposal_through_the_browser_forms(client, people, app):
    people.login(client, "lead")
    response = client.post("/forslag/nyt", data={"group_id": people.group_id, "kind": "principle",
                                                  "title": "Genbrug før køb"})
    assert response.status_code == 302
    case_url = response.headers["Location"]
    page = client.get(case_url)
    link = task_link(page.data)
    form = client.get(link).data.decode()
    assert 'name="version"' in form and 'value="Genbrug før køb"' in form

    version = int(re.search(r'name="version" value="(\d+)"', form).group(1))
    response = client.post(link, data={"version": version, "kind": "principle", "title": "Genbrug før køb",
                                       "summary": "Vi genbruger", "statement": "Genbrug før køb før byg"})
    assert response.status_code == 302

    client.post("/logout")
    people.login(client, "secretary")
    inbox = client.get("/opgaver")
    assert "Genbrug før køb" in inbox.data.decode()
    link = task_link(inbox.data)
    version = int(re.search(r'name="version" value="(\d+)"', client.get(link).data.decode()).group(1))
    assert client.post(link, data={"version": version, "screening": "complete"}).status_code == 302

    # the secretariat creates a council meeting and puts the proposal on its agenda
    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    today = utcnow().date()
    response = client.post("/raadet/moeder/nyt", data={
        "title": "Rådsmøde", "date": (today + timedelta(days=14)).isoformat(), "start_time": "10:00",
        "place": "KL", "item_deadline": (today + timedelta(days=3)).isoformat(), "publish_days": "7"})
    assert response.status_code == 302
    meeting_id = int(response.headers["Location"].rsplit("/", 1)[1])
    link = task_link(client.get("/opgaver").data)
    schedule = client.get(link).data.decode()
    assert f'name="meeting_id" value="{meeting_id}"' in schedule
    version = int(re.search(r'name="version" value="(\d+)"', schedule).group(1))
    assert client.post(link, data={"version": version, "meeting_id": str(meeting_id)}).status_code == 302

    # the agenda is published, the members record positions, the chair decides through the form
    council.publish_agenda(meeting_id)
    council.record_positions(meeting_id, {"chair": "agree", "councillor": "agree"})
    client.post("/logout")
    people.login(client, "chair")
    with council.at_meeting(meeting_id):  # the council decides at the meeting
        link = task_link(client.get("/opgaver").data)
        version = int(re.search(r'name="version" value="(\d+)"', client.get(link).data.decode()).group(1))
        assert client.post(link, data={"version": version, "decision": "approved"}).status_code == 302
        app.extensions["byplan"].engine.route_messages()

    catalogue = client.get("/principper").data.decode()
    assert "Genbrug før køb" in catalogue and "Genbrug før køb før byg" in catalogue


def test_invalid_task_form_shows_field_errors_and_changes_nothing(client, people, driver, app):
    driver.start("lead", "Åbne standarder")
    driver.submit("lead", summary="Resumé", statement="Åbne standarder bruges")
    people.login(client, "secretary")
    task = driver.task()
    before = driver.case().version
    response = client.post(f"/opgaver/{task.id}", data={"version": before, "screening": "return", "reason": " "})
    assert response.status_code == 422
    body = response.data.decode()
    assert 'href="#f-reason"' in body and 'id="e-reason"' in body
    assert driver.case().version == before
    assert driver.task().id == task.id
    response = client.post(f"/opgaver/{task.id}", data={"version": before, "screening": "maybe"})
    assert response.status_code == 422 and 'id="e-screening"' in response.data.decode()


def test_wrong_role_gets_403_and_stale_version_409(client, people, driver):
    driver.start("lead", "Sikker adgang")
    driver.submit("lead", summary="Resumé", statement="Adgang via fælles brugerstyring")
    task = driver.task()
    people.login(client, "councillor")
    assert client.get(f"/opgaver/{task.id}").status_code == 403
    assert client.post(f"/opgaver/{task.id}", data={"screening": "complete"}).status_code == 403
    client.post("/logout")
    people.login(client, "secretary")
    stale = driver.case().version - 1
    response = client.post(f"/opgaver/{task.id}", data={"version": stale, "screening": "complete"})
    assert response.status_code == 409
    assert driver.record().status == "submitted"
    # completing the same task twice: the second gets 409 too
    version = driver.case().version
    assert client.post(f"/opgaver/{task.id}", data={"version": version, "screening": "complete"}).status_code == 302
    assert client.post(f"/opgaver/{task.id}", data={"version": version, "screening": "complete"}).status_code == 409


def test_unknown_task_and_case_are_404(client, people):
    people.login(client, "secretary")
    assert client.get("/opgaver/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/opgaver/not-a-uuid").status_code == 404
    assert client.get("/sager/999999").status_code == 404


def test_documents_upload_versions_download_and_limits(client, people, driver, app):
    case_id = driver.start("lead", "Referencearkitektur", "reference_architecture")
    people.login(client, "member")
    response = client.post(f"/sager/{case_id}/dokumenter", data={"title": "Udkast",
                           "file": (__import__("io").BytesIO(b"%PDF-1.4 first"), "udkast.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(f"/sager/{case_id}").data.decode()
    doc_id = int(re.search(r'href="/dokumenter/(\d+)"', page).group(1))
    client.post(f"/sager/{case_id}/dokumenter", data={"document_id": doc_id,
                "file": (__import__("io").BytesIO(b"%PDF-1.4 second"), "udkast-v2.pdf")},
                content_type="multipart/form-data")
    latest = client.get(f"/dokumenter/{doc_id}")
    assert latest.data == b"%PDF-1.4 second"
    assert latest.headers["Content-Disposition"].startswith("attachment;")
    assert client.get(f"/dokumenter/{doc_id}/v1").data == b"%PDF-1.4 first"

    with app.app_context():
        from web.extensions import db

        events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(f"/sager/{case_id}/dokumenter", data={"file": (__import__("io").BytesIO(big), "big.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    response = client.post(f"/sager/{case_id}/dokumenter",
                           data={"title": "Mit udkast", "file": (__import__("io").BytesIO(b"<script>"), "x.html")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.data.decode()  # the case page again, the error at the file field, the title kept
    assert 'id="e-doc-file"' in page and 'href="#doc-file"' in page and 'value="Mit udkast"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before

    client.post("/logout")
    people.login(client, "outsider")
    assert client.get(f"/dokumenter/{doc_id}").status_code == 403
    assert client.get(f"/sager/{case_id}").status_code == 403


def test_public_catalogue_without_login_and_history(client, driver, app, people):
    driver.start("lead", "Data genbruges")
    driver.submit("lead", summary="Resumé", statement="Data genbruges")
    driver.complete("secretary", {"screening": "complete"})
    meeting_id = CouncilDriver(app, people).decide_proposal(
        driver.case_id, {"decision": "approved_with_changes", "changes": "Kun grunddata"})
    page = client.get("/principper")
    assert page.status_code == 200 and "Data genbruges" in page.data.decode()
    detail = client.get("/principper/data-genbruges").data.decode()
    assert "Kun grunddata" in detail and f'href="/raadet/moeder/{meeting_id}"' in detail
    assert client.get("/principper/findes-ikke").status_code == 404


def test_language_switch_and_danish_default(client, people):
    page = client.get("/login")
    assert '<html lang="da">' in page.data.decode()
    client.post("/language", data={"lang": "en", "next": "/login"})
    assert '<html lang="en">' in client.get("/login").data.decode()


def test_csrf_is_enforced(sqlite_url):
    from support import make_app

    app = make_app(sqlite_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.post("/login", data={"username": "x", "password": "y"}).status_code == 400
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": "x", "password": "y", "csrf_token": token}).status_code == 422


def test_security_headers(client):
    response = client.get("/principper")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_inbox_reads_projections_only(client, people, driver, app, monkeypatch):
    driver.start("lead", "Et forslag")
    people.login(client, "lead")
    engine = app.extensions["byplan"].engine

    def boom(*args, **kwargs):
        raise AssertionError("a list page deserialized a workflow")

    monkeypatch.setattr(engine, "load", boom)
    assert client.get("/opgaver").status_code == 200
    assert client.get("/sager").status_code == 200
    assert client.get("/principper").status_code == 200
    with app.app_context():
        from web.extensions import db

        assert db.session.scalar(select(func.count()).select_from(ReadyTask)) == 1
        assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_hostile_input_is_refused_not_a_500(client, people):
    people.login(client, "secretary")
    for url in ("/sager/99999999999999999999", "/sager/3000000000", "/dokumenter/3000000000",
                "/hoeringer/99999999999999999999"):
        assert client.get(url).status_code == 404, url
    assert client.get("/principper/a%00b").status_code == 400
    assert client.post("/forslag/nyt", data={"title": "a\x00b"}).status_code == 400
    token = people.token("lead")
    response = client.post("/api/v1/cases", headers={"Authorization": f"Bearer {token}"},
                           json={"process_id": "proposal", "title": "x\u0000", "working_group_id": people.group_id})
    assert response.status_code == 400
    response = client.post("/api/v1/cases", headers={"Authorization": f"Bearer {token}"},
                           json={"process_id": "proposal", "title": "x", "working_group_id": 10**20})
    assert response.status_code == 422


def test_login_attempts_and_tokens_are_audited(client, people, app):
    from engine.models import AuditEvent

    client.post("/login", data={"username": "lead", "password": "wrong"})
    people.login(client, "lead")
    with app.app_context():
        from web.extensions import db

        app.extensions["byplan"].create_token(db.session, people.user("lead"), "cli")
        db.session.commit()
        events = [(e.kind, subject_of(db.session, e.actor)) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.stream == "system").order_by(AuditEvent.seq))]
        assert ("login_failed", "lead") in events and ("login", "lead") in events and ("token", "lead") in events
        assert app.extensions["byplan"].engine.audit.verify(db.session) is None
