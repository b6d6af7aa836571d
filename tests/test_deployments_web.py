"""The administrator's pages: uploading process files (/processer/ny) and migrating cases."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from engine.audit_people import subject_of
from engine.models import AuditEvent, Case, ProcessVersion, ReadyTask, WaitingTimer
from support import make_app

BPMN = Path(__file__).parent / "bpmn"
EXTERNAL = BPMN / "external"


def _files(*paths: Path | tuple[str, bytes]) -> dict:
    items = [(io.BytesIO(p[1]), p[0]) if isinstance(p, tuple) else (io.BytesIO(p.read_bytes()), p.name)
             for p in paths]
    return {"files": items}


def _upload(client, *paths, **extra):
    return client.post("/processer/ny", data={**_files(*paths), **extra}, content_type="multipart/form-data")


def _count(app, model, *where):
    from web.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _start(app, process_id) -> int:
    from web.extensions import db

    with app.app_context():
        case_id = app.extensions["byplan"].engine.start(db.session, process_id, actor="admin").id
        db.session.commit()
    return case_id


def _case(app, case_id):
    from web.extensions import db

    with app.app_context():
        row = db.session.get(Case, case_id)
        return row.process_version_id, row.status, row.version


def _ready(app, case_id) -> dict[str, str]:
    from web.extensions import db

    with app.app_context():
        return {t.spec_name: t.id for t in db.session.scalars(select(ReadyTask).where(ReadyTask.case_id == case_id))}


def _latest(app, process_id) -> int:
    from web.extensions import db

    with app.app_context():
        return app.extensions["byplan"].engine.latest_version(db.session, process_id).id


# ------------------------------------------------------------------ access

def test_only_an_administrator_may_deploy(client, people):
    assert client.get("/processer/ny").status_code == 302  # to the login page
    for name in ("secretary", "councillor", "chair", "lead"):
        people.login(client, name)
        assert client.get("/processer/ny").status_code == 403
        assert _upload(client, EXTERNAL / "spiffarena_document_review.bpmn").status_code == 403
    assert _count(people.app, ProcessVersion, ProcessVersion.process_id.like("Process_document%")) == 0
    people.login(client, "admin")
    page = client.get("/processer/ny")
    assert page.status_code == 200 and b'type="file"' in page.data and b'for="f-files"' in page.data


def test_the_upload_form_needs_a_csrf_token(db_url, people):
    app = make_app(db_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    client.post("/login", data={"username": "admin", "password": people.PASSWORD, "csrf_token": token})
    response = _upload(client, EXTERNAL / "spiffarena_document_review.bpmn")
    assert response.status_code == 400
    form = client.get("/processer/ny")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', form.data).group(1).decode()
    response = _upload(client, EXTERNAL / "spiffarena_document_review.bpmn", csrf_token=token)
    assert response.status_code == 302
    with app.app_context():
        from web.extensions import db

        db.session.remove()
        db.engine.dispose()


# ------------------------------------------------------------------ deploying

def test_a_spiffarena_file_deploys_records_who_and_runs_to_completion(app, client, people):
    people.login(client, "admin")
    response = _upload(client, EXTERNAL / "spiffarena_document_review.bpmn")
    assert response.status_code == 302 and response.headers["Location"].endswith("/processer")
    result = client.get(response.headers["Location"])
    assert result.status_code == 200 and b"Process_document_review_q3x9z1b" in result.data
    from web.extensions import db

    with app.app_context():
        pv = db.session.scalar(select(ProcessVersion).where(
            ProcessVersion.process_id == "Process_document_review_q3x9z1b"))
        assert pv.deployed_by == "admin" and set(pv.source) == {"spiffarena_document_review.bpmn"}
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "deploy")
                                  .order_by(AuditEvent.id.desc()).limit(1))
        assert subject_of(db.session, event.actor) == "admin" and event.detail["version_id"] == pv.id

    case_id = _start(app, "Process_document_review_q3x9z1b")
    [task_id] = _ready(app, case_id).values()
    people.login(client, "secretary")  # the lane Sekretariat
    page = client.get(f"/opgaver/{task_id}")
    assert page.status_code == 200 and b"12 pages" in page.data
    done = client.post(f"/opgaver/{task_id}", data={"version": str(_case(app, case_id)[2])})
    assert done.status_code == 302
    assert _case(app, case_id)[1] == "completed"
    with app.app_context():
        instance = app.extensions["byplan"].engine.load(db.session, case_id)
        assert instance.workflow.last_task.data["note"] == "long document: 12 pages"
        assert instance.workflow.last_task.data["reviewed"] == 3


def test_a_camunda_modeler_file_deploys_and_runs_through_its_timer(app, client, people):
    people.login(client, "admin")
    assert _upload(client, EXTERNAL / "camunda_report_reminder.bpmn").status_code == 302
    case_id = _start(app, "report_reminder")
    from web.extensions import db

    with app.app_context():
        [due] = db.session.scalars(select(WaitingTimer.due_at).where(WaitingTimer.case_id == case_id)).all()
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        assert app.extensions["byplan"].engine.fire_due_timers() == 1
    assert _case(app, case_id)[1] == "completed"


@pytest.mark.parametrize("name", sorted(p.name for p in EXTERNAL.iterdir()))
def test_files_from_other_modelers_never_give_a_500(client, people, name):
    people.login(client, "admin")
    response = _upload(client, EXTERNAL / name)
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert response.data.count(b'class="problem"') >= 1


def test_invalid_files_show_every_problem_and_deploy_nothing(app, client, people):
    people.login(client, "admin")
    before = _count(app, ProcessVersion), _count(app, AuditEvent, AuditEvent.kind == "deploy")
    call_parent = (BPMN / "call_parent.bpmn").read_bytes()
    importing = (BPMN / "review_v1.bpmn").read_text().replace(
        '<bpmn:userTask id="screen" name="Screen">',
        '<bpmn:scriptTask id="screen" name="Screen"><bpmn:script>import os</bpmn:script>').replace(
        "</bpmn:userTask>\n    <bpmn:userTask id=\"decide\"", "</bpmn:scriptTask>\n    <bpmn:userTask id=\"decide\"")
    form = (EXTERNAL / "spiffarena_json_form.bpmn").read_bytes()
    response = _upload(client, ("broken.bpmn", b"<definitions>\n  <process id='p'>\n</definitions>"),
                       ("call_parent.bpmn", call_parent), ("importing.bpmn", importing.encode()),
                       ("latin1.bpmn", "<?xml version='1.0'?>\nø".encode("latin-1")),
                       ("leave.bpmn", form), ("notes.txt", b"x"))
    assert response.status_code == 422
    page = response.data.decode()
    cell = r'<td[^>]*>'
    rows = re.findall(rf'<tr class="problem">\s*{cell}([^<]*)</td>{cell}([^<]*)</td>'
                      rf'{cell}(?:<code>([^<]*)</code>)?</td>', page)
    found = {(f, el) for f, _line, el in rows}
    assert ("broken.bpmn", "") in found and ("latin1.bpmn", "") in found and ("notes.txt", "") in found
    assert ("call_parent.bpmn", "call") in found  # the unknown called process
    assert ("importing.bpmn", "screen") in found  # the script with import
    assert ("leave.bpmn", "Activity_approve") in found and "leave.approve" in page  # the missing form
    assert ("leave.bpmn", "Lane_manager") in found  # the lane without a role
    assert dict(((f, line) for f, line, _el in rows))["broken.bpmn"] == "3"
    assert 'role="alert"' in page and '<th scope="col">' in page
    assert (_count(app, ProcessVersion), _count(app, AuditEvent, AuditEvent.kind == "deploy")) == before

    schema = (BPMN / "review_v1.bpmn").read_text().replace('<bpmn:endEvent id="end">', '<bpmn:endEvent id="end" x="1">')
    response = _upload(client, ("schema.bpmn", schema.encode()))
    assert response.status_code == 422 and "<code>end</code>" in response.data.decode()


def test_check_only_deploys_nothing_and_an_empty_form_is_an_error(app, client, people):
    people.login(client, "admin")
    before = _count(app, ProcessVersion)
    response = _upload(client, EXTERNAL / "camunda_report_reminder.bpmn", check_only="1")
    assert response.status_code == 200 and b"report_reminder" in response.data
    assert _count(app, ProcessVersion) == before
    empty = client.post("/processer/ny", data={}, content_type="multipart/form-data")
    assert empty.status_code == 422 and b'class="problem"' in empty.data


def test_an_oversized_upload_is_413(app, client, people):
    people.login(client, "admin")
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    assert _upload(client, ("big.bpmn", big)).status_code == 413


# ------------------------------------------------------------------ migrating

def _two_versions(app, client, people, second="review_v2"):
    people.login(client, "admin")
    assert _upload(client, ("review.bpmn", (BPMN / "review_v1.bpmn").read_bytes())).status_code == 302
    v1 = _latest(app, "review_flow")
    case_id = _start(app, "review_flow")
    assert _upload(client, ("review.bpmn", (BPMN / f"{second}.bpmn").read_bytes())).status_code == 302
    return v1, _latest(app, "review_flow"), case_id


def test_migration_preview_and_run_as_admin(app, client, people):
    v1, v2, case_id = _two_versions(app, client, people)
    page = client.get(f"/processer/{v2}/migrering")
    assert page.status_code == 200
    text = page.data.decode()
    assert f'data-case="{case_id}" data-migratable="yes"' in text
    assert "<code>check</code>" in text  # the element v2 added
    assert _case(app, case_id)[0] == v1

    version = _case(app, case_id)[2]
    response = client.post(f"/processer/{v2}/migrering",
                           data={"case": str(case_id), f"version-{case_id}": str(version)})
    assert response.status_code == 302
    assert _case(app, case_id)[0] == v2
    assert _count(app, AuditEvent, AuditEvent.kind == "migrate", AuditEvent.case_id == case_id) == 1
    assert f'data-case="{case_id}"' not in client.get(f"/processer/{v2}/migrering").data.decode()

    # stale: the case changed since the page was read (a case on v2 moved back to v1)
    other = _start(app, "review_flow")
    assert client.post(f"/processer/{v1}/migrering",
                       data={"case": str(other), f"version-{other}": str(_case(app, other)[2] + 5)}).status_code == 409
    assert _case(app, other)[0] == v2
    assert client.post(f"/processer/{v1}/migrering", data={}).status_code == 422


def test_a_refused_case_is_shown_with_its_reason_and_left_alone(app, client, people):
    v1, v3, case_id = _two_versions(app, client, people, "review_v3")
    page = client.get(f"/processer/{v3}/migrering").data.decode()
    assert f'data-case="{case_id}" data-migratable="no"' in page
    # issue 20: the refusal is shown in the UI's language (Danish by default), English on request
    assert "den aktive opgave &#39;Screen&#39; findes ikke i den nye version" in page
    client.post("/language", data={"lang": "en", "next": "/"})
    english = client.get(f"/processer/{v3}/migrering").data.decode()
    assert "the active task &#39;Screen&#39; does not exist in the new version" in english
    assert f'id="case-{case_id}"' not in page
    response = client.post(f"/processer/{v3}/migrering", data={"case": str(case_id)})
    assert response.status_code == 302
    assert _case(app, case_id)[0] == v1
    assert _count(app, AuditEvent, AuditEvent.kind == "migrate") == 0


def test_migration_pages_are_for_administrators_only(app, client, people):
    _v1, v2, case_id = _two_versions(app, client, people)
    for name in ("secretary", "councillor", "chair"):
        people.login(client, name)
        assert client.get(f"/processer/{v2}/migrering").status_code == 403
        assert client.post(f"/processer/{v2}/migrering", data={"case": str(case_id)}).status_code == 403
    assert _count(app, AuditEvent, AuditEvent.kind == "migrate") == 0
    people.login(client, "admin")
    assert client.get("/processer/999999/migrering").status_code == 404
