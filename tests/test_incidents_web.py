"""Incidents in the UI and the API: the case page's alert with data fix and retry, the list of
stopped cases, a user completion that stops the case, roles, validation and stale retries."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine.audit_people import subject_of
from engine.models import AuditEvent, Case, CompletedTask, ReadyTask
from engine_support import bpmn_bytes

T0 = datetime(2031, 5, 5, 8, 0, tzinfo=timezone.utc)  # 10:00 in Copenhagen (summer time)


class Register:
    """probe.fetch: fails while `down`."""

    def __init__(self):
        self.down = True

    def __call__(self, params, data):
        if self.down:
            raise RuntimeError(f"register {params['register']} is down")
        return {"register": params["register"]}


@pytest.fixture
def register(app, byplan):
    from web.extensions import db

    handler = Register()
    byplan.engine.script_engine.services["probe.fetch"] = handler
    with app.app_context():
        byplan.engine.deploy(db.session, {"service_probe.bpmn": bpmn_bytes("service_probe")}, "tester")
        db.session.commit()
    return handler


def _start(app, byplan, **data) -> int:
    from web.extensions import db

    with app.app_context():
        instance = byplan.engine.start(db.session, "service_probe", actor="secretary", title="Registerprøve",
                                       data={"register": "cvr", "total": 10, "parts": 2, **data})
        db.session.commit()
        return instance.id


def _case(app, case_id) -> Case:
    from web.extensions import db

    with app.app_context():
        case = db.session.get(Case, case_id)
        db.session.expunge(case)
        return case


def _kinds(app, case_id) -> list[str]:
    from web.extensions import db

    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == case_id)
                                       .order_by(AuditEvent.seq)))


def _copenhagen(app, moment: datetime) -> str:
    from web.formats import datetime_text  # the UI's one date-and-time style (no seconds)

    with app.test_request_context():
        return datetime_text(moment)


def test_failing_service_task_is_shown_and_a_retry_after_the_fix_runs_on(app, client, people, byplan, register):
    with time_machine.travel(T0, tick=False) as traveller:
        case_id = _start(app, byplan)
        case = _case(app, case_id)
        assert (case.status, case.incident_element, case.incident_at) == ("incident", "fetch", T0)

        # the case page: an alert with the step's name and id, the error and the time in Copenhagen
        people.login(client, "secretary")
        page = client.get(f"/sager/{case_id}").data.decode()
        alert = page[page.index('id="haendelse"'):page.index("</section>", page.index('id="haendelse"'))]
        assert 'role="alert"' in alert
        assert "Fetch from register" in alert and ">fetch</code>" in alert
        assert "register cvr is down" in html.unescape(alert)
        shown = _copenhagen(app, T0)
        assert "10" in shown and f'datetime="{T0.isoformat()}">{shown}</time>' in alert
        assert "genoptag" not in alert and 'name="value"' not in alert  # the secretariat cannot retry

        # the list of stopped cases (secretariat and admin), linking to the case
        listing = client.get("/sager/fejl")
        assert listing.status_code == 200
        row = re.search(rf'<tr id="incident-{case_id}">(.*?)</tr>', listing.data.decode(), re.S).group(1)
        assert f'href="/sager/{case_id}#haendelse"' in row and "<code>fetch</code>" in row
        assert "register cvr is down" in html.unescape(row) and shown in row
        assert 'href="/sager/fejl"' in page  # in the menu
        client.post("/logout")

        people.login(client, "admin")
        page = client.get(f"/sager/{case_id}").data.decode()
        assert f'action="/sager/{case_id}/genoptag"' in page and f'action="/sager/{case_id}/data"' in page
        assert 'name="csrf_token"' in page and 'for="f-name"' in page and 'for="f-value"' in page

        # retry while the register is still down: the incident stays, with the new time
        traveller.move_to(T0 + timedelta(hours=1))
        version = case.version
        response = client.post(f"/sager/{case_id}/genoptag", data={"version": version})
        assert response.status_code == 302
        case = _case(app, case_id)
        assert case.status == "incident" and case.incident_at == T0 + timedelta(hours=1)
        assert "register cvr is down" in case.error

        # fixed: the retry runs the service task; the case runs on, the secretariat's task is ready
        register.down = False
        response = client.post(f"/sager/{case_id}/genoptag", data={"version": case.version})
        assert response.status_code == 302
        case = _case(app, case_id)
        assert (case.status, case.error, case.incident_element, case.incident_at) == ("running", None, None, None)
        assert _kinds(app, case_id) == ["start", "incident", "retry", "incident", "retry"]
        page = client.get(f"/sager/{case_id}").data.decode()
        assert 'id="haendelse"' not in page
        assert f'id="incident-{case_id}"' not in client.get("/sager/fejl").data.decode()
        with app.app_context():
            from web.extensions import db

            assert [t.spec_name for t in db.session.scalars(
                select(ReadyTask).where(ReadyTask.case_id == case_id))] == ["review"]


def test_user_completion_into_a_failing_script_stands_and_is_not_a_500(app, client, people, byplan, register):
    register.down = False
    case_id = _start(app, byplan, parts=0)
    people.login(client, "secretary")
    with app.app_context():
        from web.extensions import db

        task_id = db.session.scalar(select(ReadyTask.id).where(ReadyTask.case_id == case_id))
    version = _case(app, case_id).version
    response = client.post(f"/opgaver/{task_id}", data={"version": version})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/sager/{case_id}#haendelse")
    page = client.get(response.headers["Location"]).data.decode()
    assert 'class="flash flash-error"' in page and 'role="alert"' in page and ">tally</code>" in page
    case = _case(app, case_id)
    assert (case.status, case.incident_element, case.incident_element_name) == ("incident", "tally", "Tally shares")
    assert "ZeroDivisionError" in case.error
    with app.app_context():
        from web.extensions import db

        done = db.session.get(CompletedTask, task_id)
        assert done is not None and done.completed_by == "secretary"
    assert _kinds(app, case_id) == ["start", "complete", "incident"]
    client.post("/logout")

    # the data fix: bad input is a 422 with errors per field, and changes nothing
    people.login(client, "admin")
    version = _case(app, case_id).version
    for form, bad in (({"name": "parts", "value": "two"}, "value"), ({"name": "", "value": "2"}, "name"),
                      ({"name": "1parts", "value": "2"}, "name"), ({"name": "today", "value": "2"}, "name"),
                      ({"name": "parts", "value": ""}, "value"),
                      ({"name": "parts", "value": "[" * 5000 + "]" * 5000}, "value")):  # nested too deeply
        response = client.post(f"/sager/{case_id}/data", data={**form, "version": version})
        assert response.status_code == 422, form
        body = response.data.decode()
        assert f'id="e-{bad}"' in body and 'aria-invalid="true"' in body
        assert f'href="#f-{bad}"' in body
        if form["value"]:
            assert html.escape(form["value"]) in body  # the typed value is kept
    assert _case(app, case_id).version == version
    assert "fix_data" not in _kinds(app, case_id)

    response = client.post(f"/sager/{case_id}/data", data={"name": "parts", "value": " 4 ", "version": version})
    assert response.status_code == 302
    with app.app_context():
        from web.extensions import db

        event = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id,
                                                            AuditEvent.kind == "fix_data")).one()
        actor = subject_of(db.session, event.actor)
        assert (actor, event.detail["variable"], event.detail["old"], event.detail["new"]) == \
            ("admin", "parts", "0", "4")
    response = client.post(f"/sager/{case_id}/genoptag", data={"version": _case(app, case_id).version})
    assert response.status_code == 302
    assert _case(app, case_id).status == "completed"
    with app.app_context():
        from web.extensions import db

        assert byplan.engine.load(db.session, case_id).workflow.data["share"] == 2.5


def test_only_admins_retry_or_fix_and_stale_retries_are_409(app, client, people, byplan, register):
    case_id = _start(app, byplan)
    version = _case(app, case_id).version
    for name in ("secretary", "lead"):
        people.login(client, name)
        assert client.post(f"/sager/{case_id}/genoptag", data={"version": version}).status_code == 403
        assert client.post(f"/sager/{case_id}/data",
                           data={"name": "parts", "value": "1", "version": version}).status_code == 403
        client.post("/logout")
    people.login(client, "lead")
    assert client.get("/sager/fejl").status_code == 403
    client.post("/logout")
    assert _case(app, case_id).version == version and _kinds(app, case_id) == ["start", "incident"]

    people.login(client, "admin")
    assert client.post(f"/sager/{case_id}/data",
                       data={"name": "register", "value": '"cpr"', "version": version}).status_code == 302
    register.down = False
    # a retry from the page as it was before the fix: someone changed the case meanwhile
    assert client.post(f"/sager/{case_id}/genoptag", data={"version": version}).status_code == 409
    assert _case(app, case_id).status == "incident"
    assert client.post(f"/sager/{case_id}/data",
                       data={"name": "parts", "value": "1", "version": version}).status_code == 409
    assert client.post(f"/sager/{case_id}/genoptag", data={"version": version + 1}).status_code == 302
    assert _case(app, case_id).status == "running"
    # a second retry of the resolved incident is a conflict too, not a 500
    assert client.post(f"/sager/{case_id}/genoptag", data={"version": version + 2}).status_code == 409


def test_api_case_has_the_incident_and_admins_retry(app, client, people, byplan, register):
    with time_machine.travel(T0, tick=False):
        case_id = _start(app, byplan)
    secretary = {"Authorization": f"Bearer {people.token('secretary')}"}
    admin = {"Authorization": f"Bearer {people.token('admin')}"}
    body = client.get(f"/api/v1/cases/{case_id}", headers=secretary).get_json()
    assert (body["status"], body["incident_element"], body["incident_element_name"]) == \
        ("incident", "fetch", "Fetch from register")
    assert "register cvr is down" in body["error"]
    assert datetime.fromisoformat(body["incident_at"]) == T0
    listed = client.get("/api/v1/cases?status=incident", headers=secretary).get_json()
    assert [c["id"] for c in listed] == [case_id]

    version = body["version"]
    assert client.post(f"/api/v1/cases/{case_id}/retry", json={"version": version},
                       headers=secretary).status_code == 403
    assert client.post(f"/api/v1/cases/{case_id}/retry", json={}, headers=admin).status_code == 422
    response = client.post(f"/api/v1/cases/{case_id}/retry", json={"version": version}, headers=admin)
    assert response.status_code == 200 and response.get_json()["status"] == "incident"
    register.down = False
    assert client.post(f"/api/v1/cases/{case_id}/retry", json={"version": version},
                       headers=admin).status_code == 409
    response = client.post(f"/api/v1/cases/{case_id}/retry", json={"version": version + 1}, headers=admin)
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["incident_element"]) == ("running", None)


def test_a_page_action_that_stops_a_case_says_so_instead_of_its_success(app, byplan, register):
    """The family pages' actions (web.forms.attempt) flash an error, not their success, when a case stopped."""
    from flask import get_flashed_messages

    from web.extensions import db
    from web.forms import attempt

    def start():
        byplan.engine.start(db.session, "service_probe", actor="secretary", title="Registerprøve",
                            data={"register": "cvr", "total": 10, "parts": 2})

    for down in (True, False):
        register.down = down
        with app.test_request_context("/", method="POST"):
            response = attempt(start, anchor="x", success="Started.", rerender=None, redirect_to="/sager",
                               domain_errors=())
            assert response.status_code == 302
            [(category, message)] = get_flashed_messages(with_categories=True)
            assert (category == "error") == down and (message == "Started.") == (not down), message
