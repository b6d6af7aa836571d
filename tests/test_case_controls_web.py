"""Case controls through the web (issue 19): suspend, resume, terminate with a reason on the case page;
the filtered case list with bulk actions (previewed, one failing case among them); saved lists."""
from __future__ import annotations

from sqlalchemy import select

DRAFT = {"kind": "principle", "title": "Fælles brugerstyring", "summary": "Sådan.", "statement": "Brug fælles login."}


def _proposal(app, people, title="Fælles brugerstyring") -> int:
    from web.extensions import db

    with app.app_context():
        case = app.extensions["byplan"].start_proposal(db.session, people.user("lead"), people.group_id, title)
        db.session.commit()
        return case.id


def _case(app, case_id):
    from engine.models import Case
    from web.extensions import db

    with app.app_context():
        row = db.session.get(Case, case_id)
        db.session.expunge(row)
        return row


def _task(app, case_id):
    from engine.models import ReadyTask
    from web.extensions import db

    with app.app_context():
        return db.session.scalar(select(ReadyTask.id).where(ReadyTask.case_id == case_id))


def test_suspend_blocks_tasks_and_resume_lets_them_continue(app, client, people):
    case_id = _proposal(app, people)
    task_id = _task(app, case_id)
    people.login(client, "lead")
    assert client.post(f"/sager/{case_id}/styring", data={"action": "suspend", "reason": "x"}).status_code == 403

    people.login(client, "secretary")
    version = _case(app, case_id).version
    bad = client.post(f"/sager/{case_id}/styring", data={"action": "suspend", "reason": " ", "version": version})
    assert bad.status_code == 422 and 'id="e-reason"' in bad.get_data(as_text=True)
    assert _case(app, case_id).status == "running"  # nothing changed
    ok = client.post(f"/sager/{case_id}/styring", data={"action": "suspend", "reason": "Afventer KL's budget",
                                                          "version": version})
    assert ok.status_code == 302
    page = client.get(f"/sager/{case_id}").get_data(as_text=True)
    assert "Afventer KL&#39;s budget" in page and "bp-case-held" in page
    stale = client.post(f"/sager/{case_id}/styring", data={"action": "resume", "reason": "x", "version": version})
    assert stale.status_code == 409

    people.login(client, "lead")
    refused = client.post(f"/opgaver/{task_id}", data=DRAFT)
    assert refused.status_code == 409
    assert "resumed" in refused.get_data(as_text=True) or "genoptaget" in refused.get_data(as_text=True)

    people.login(client, "secretary")
    client.post(f"/sager/{case_id}/styring", data={"action": "resume", "reason": "Budgettet er på plads"})
    assert _case(app, case_id).status == "running"
    people.login(client, "lead")
    assert client.post(f"/opgaver/{task_id}", data=DRAFT).status_code == 302
    timeline = client.get(f"/sager/{case_id}").get_data(as_text=True)
    assert "Budgettet er på plads" in timeline


def test_terminate_removes_the_tasks_and_shows_the_reason(app, client, people):
    from engine.models import ReadyTask
    from web.extensions import db

    case_id = _proposal(app, people)
    people.login(client, "secretary")
    client.post(f"/sager/{case_id}/styring", data={"action": "terminate", "reason": "Trukket tilbage"})
    row = _case(app, case_id)
    assert (row.status, row.control_reason, row.control_by) == ("terminated", "Trukket tilbage", "secretary")
    with app.app_context():
        assert db.session.scalar(select(ReadyTask).where(ReadyTask.case_id == case_id)) is None
    page = client.get(f"/sager/{case_id}").get_data(as_text=True)
    assert "Trukket tilbage" in page and 'value="terminate"' not in page  # no controls left
    again = client.post(f"/sager/{case_id}/styring", data={"action": "resume", "reason": "x"})
    assert again.status_code == 422


def test_bulk_suspend_previews_then_reports_with_a_failing_case(app, client, people):
    ids = [_proposal(app, people, f"Forslag {n}") for n in range(4)]
    people.login(client, "secretary")
    client.post(f"/sager/{ids[3]}/styring", data={"action": "terminate", "reason": "opgivet"})
    listing = client.get(f"/sager/liste?process=proposal&group={people.group_id}")
    assert listing.status_code == 200
    assert all(f'value="{i}"' in listing.get_data(as_text=True) for i in ids)

    form = {"action": "suspend", "reason": "Sommerferie", "case_ids": [str(i) for i in ids]}
    preview = client.post("/sager/liste/forhaandsvisning", data=form)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and html.count("bp-ok") == 3 and html.count("bp-refused") == 1
    assert all(_case(app, i).status == "running" for i in ids[:3])  # a preview changes nothing

    # One case changes between the preview and the run: it fails, the others are done.
    versions = {i: _case(app, i).version for i in ids[:3]}
    client.post(f"/sager/{ids[1]}/styring", data={"action": "suspend", "reason": "før"})
    client.post(f"/sager/{ids[1]}/styring", data={"action": "resume", "reason": "efter"})
    run = client.post("/sager/liste/udfoer", data={
        "action": "suspend", "reason": "Sommerferie", "case_ids": [str(i) for i in ids[:3]],
        **{f"version_{i}": str(v) for i, v in versions.items()}})
    html = run.get_data(as_text=True)
    assert run.status_code == 200 and html.count("bp-ok") == 2 and html.count("bp-failed") == 1
    assert [_case(app, i).status for i in ids] == ["suspended", "running", "suspended", "terminated"]
    assert _case(app, ids[0]).control_reason == "Sommerferie"

    resumed = client.post("/sager/liste/udfoer", data={"action": "resume", "reason": "Tilbage",
                                                       "case_ids": [str(i) for i in ids]})
    assert resumed.get_data(as_text=True).count("bp-ok") == 2
    assert [_case(app, i).status for i in ids] == ["running", "running", "running", "terminated"]


def test_bulk_input_errors_and_roles(app, client, people):
    case_id = _proposal(app, people)
    people.login(client, "lead")
    assert client.post("/sager/liste/forhaandsvisning",
                       data={"action": "suspend", "reason": "x", "case_ids": [str(case_id)]}).status_code == 403
    assert 'name="case_ids"' not in client.get("/sager/liste").get_data(as_text=True)  # no bulk form
    people.login(client, "secretary")
    assert client.post("/sager/liste/forhaandsvisning", data={"action": "suspend", "reason": "x"}).status_code == 422
    assert client.post("/sager/liste/forhaandsvisning",
                       data={"action": "explode", "reason": "x", "case_ids": [str(case_id)]}).status_code == 422
    assert client.post("/sager/liste/forhaandsvisning",
                       data={"action": "migrate", "reason": "x", "case_ids": [str(case_id)]}).status_code == 422
    assert client.get("/sager/liste?older_than=abc").status_code == 422
    assert client.get("/sager/liste?status=suspended").status_code == 200


def test_saved_lists_are_per_user(app, client, people):
    people.login(client, "secretary")
    saved = client.post("/lister", data={"kind": "cases", "name": "Stillede sager", "status": "suspended"})
    assert saved.status_code == 302 and "status=suspended" in saved.headers["Location"]
    assert "Stillede sager" in client.get("/sager/liste").get_data(as_text=True)
    tasks = client.post("/lister", data={"kind": "tasks", "name": "Forfaldne", "due": "overdue"})
    assert tasks.status_code == 302
    assert "Forfaldne" in client.get("/opgaver/liste").get_data(as_text=True)
    assert client.post("/lister", data={"kind": "cases", "name": ""}).status_code == 422
    assert client.post("/lister", data={"kind": "cases", "name": "x", "status": "bogus"}).status_code == 422

    people.login(client, "lead")
    assert "Stillede sager" not in client.get("/sager/liste").get_data(as_text=True)
    from web.extensions import db
    from workflows.saved_lists import SavedList

    with app.app_context():
        list_id = db.session.scalar(select(SavedList.id).where(SavedList.name == "Stillede sager"))
    assert client.post(f"/lister/{list_id}/slet").status_code == 422  # not theirs
    people.login(client, "secretary")
    assert client.post(f"/lister/{list_id}/slet").status_code == 302
    assert "Stillede sager" not in client.get("/sager/liste").get_data(as_text=True)
