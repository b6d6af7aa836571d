"""The case page's diagram and state list, the diagram XML, and the process catalogue at /processer."""
from __future__ import annotations

import json

import lxml.html
import pytest
from sqlalchemy import select

from engine.models import Case, ProcessVersion
from engine_support import bpmn_files
from steps.proposal_driver import ProposalDriver


@pytest.fixture
def driver(app, people):
    return ProposalDriver(app, people)


def html(response):
    assert response.status_code == 200, response.data[:500]
    return lxml.html.fromstring(response.data.decode())


def state_rows(doc) -> dict[tuple[str, str], str]:
    """{(process id, element id): state} of the text list next to the diagram."""
    return {(tr.get("data-process-id"), tr.get("data-element-id")): tr.get("data-state")
            for tr in doc.xpath("//table[@id='diagram-states']//tr[@data-element-id]")}


def canvas(doc):
    (element,) = doc.xpath("//*[@data-bpmn-url]")
    return element


# --------------------------------------------------------------------- case page

def test_case_page_lists_active_steps_without_javascript_and_marks_the_diagram(client, people, driver):
    case_id = driver.start("lead", "Genbrug før køb")
    people.login(client, "lead")
    doc = html(client.get(f"/sager/{case_id}"))
    assert state_rows(doc) == {("proposal", "draft"): "active"}
    (row,) = doc.xpath("//table[@id='diagram-states']//tr[@data-element-id='draft']")
    assert "Udarbejd og indsend forslag" in row.text_content()
    figure = canvas(doc)
    assert figure.get("data-bpmn-url") == f"/sager/{case_id}/diagram/proposal.bpmn"
    assert figure.get("data-label") and figure.get("role") is None  # the drawn svg becomes the image
    assert json.loads(figure.get("data-states")) == {"start": "completed", "draft_merge": "completed",
                                                     "draft": "active"}
    assert json.loads(figure.get("data-calls")) == {}
    assert doc.xpath("//script[contains(@src, 'bpmn-navigated-viewer')]")
    assert not doc.xpath("//script[not(@src)]"), "inline scripts break the CSP"
    assert not doc.xpath("//*[@id='h-called']")  # nothing called yet

    driver.submit("lead", summary="Resumé", statement="Genbrug før køb", rationale="Billigere")
    doc = html(client.get(f"/sager/{case_id}"))
    assert state_rows(doc) == {("proposal", "screen"): "active"}
    assert json.loads(canvas(doc).get("data-states"))["draft"] == "completed"


def test_case_page_without_a_loadable_state_still_shows_the_case(client, people, driver, app):
    case_id = driver.start("lead", "Genbrug før køb")
    with app.app_context():
        from web.extensions import db

        db.session.get(Case, case_id).state = '{"broken": true}'  # e.g. written by an older release
        db.session.commit()
    people.login(client, "lead")
    response = client.get(f"/sager/{case_id}")
    assert response.status_code == 200
    doc = html(response)
    assert doc.xpath("//h2[@id='h-diagram']") and not doc.xpath("//*[@data-bpmn-url]")
    assert doc.xpath("//section[@aria-labelledby='h-tasks']")  # the rest of the page is there


def test_called_process_has_its_own_diagram_and_plain_links(client, people, driver):
    case_id = driver.start("lead", "Fælles login")
    driver.submit("lead", summary="Resumé", statement="Ét login", rationale="Enklere")
    driver.complete("secretary", {"screening": "complete", "hearing": "yes"})
    people.login(client, "secretary")

    doc = html(client.get(f"/sager/{case_id}"))
    assert state_rows(doc) == {("proposal", "hearing"): "waiting", ("hearing", "prepare"): "active"}
    assert json.loads(canvas(doc).get("data-calls")) == {"hearing": "hearing"}
    assert canvas(doc).get("data-call-url") == f"/sager/{case_id}"
    (link,) = doc.xpath("//ul[@aria-labelledby='h-called']//a")
    assert link.get("href") == f"/sager/{case_id}?proces=hearing#diagram"

    doc = html(client.get(f"/sager/{case_id}?proces=hearing"))
    figure = canvas(doc)
    assert figure.get("data-bpmn-url") == f"/sager/{case_id}/diagram/hearing.bpmn"
    assert json.loads(figure.get("data-states")) == {"start": "completed", "prepare": "active"}
    assert json.loads(figure.get("data-calls")) == {}
    assert doc.xpath(f"//a[@href='/sager/{case_id}#diagram']")  # back to the case's own process
    assert client.get(f"/sager/{case_id}?proces=council_meeting").status_code == 404  # not part of this case

    xml = client.get(f"/sager/{case_id}/diagram/hearing.bpmn")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert b'<bpmn:process id="hearing"' in xml.data
    assert "attachment" not in xml.headers.get("Content-Disposition", "")


def test_diagram_xml_has_the_case_page_access_check(client, people, driver, app):
    case_id = driver.start("lead", "Kun for gruppen")
    url = f"/sager/{case_id}/diagram/proposal.bpmn"
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    people.login(client, "outsider")  # member of another working group
    assert client.get(url).status_code == 403
    assert client.get(f"/sager/{case_id}").status_code == 403
    client.post("/logout")
    people.login(client, "member")
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    with app.app_context():
        from web.extensions import db

        case = db.session.get(Case, case_id)
        assert response.data.decode() == case.process_version.source["proposal.bpmn"]
    assert client.get(f"/sager/{case_id}/diagram/nowhere.bpmn").status_code == 404
    assert client.get("/sager/999999/diagram/proposal.bpmn").status_code == 404


# -------------------------------------------------------------------- catalogue

# The engine fixtures' lane and test form mean nothing to the domain's deploy rules.
DOMAIN = {'name="Team"': 'name="Sekretariat"', '<spiffworkflow:property name="formKey" value="test.simple" />': ""}


def _files(replace=None) -> dict[str, bytes]:
    names = ("call_parent", "call_child")
    return bpmn_files(*names, replace={n: {**DOMAIN, **(replace or {}).get(n, {})} for n in names})


def _deploy(app, replace=None) -> int:
    from web.extensions import db

    byplan = app.extensions["byplan"]
    with app.app_context():
        created = byplan.engine.deploy(db.session, _files(replace), "tester")
        db.session.commit()
        (pv,) = [v for v in created if v.process_id == "call_parent"]
        return pv.id


def _start(app, process_id="call_parent") -> int:
    from web.extensions import db

    byplan = app.extensions["byplan"]
    with app.app_context():
        case_id = byplan.engine.start(db.session, process_id, actor="tester").id
        db.session.commit()
        return case_id


def _finish(app, case_id):
    from web.extensions import db

    engine = app.extensions["byplan"].engine
    with app.app_context():
        while (ready := engine.load(db.session, case_id).ready_human_tasks):
            engine.complete_task(db.session, case_id, str(ready[0].id), {}, actor="tester")
        db.session.commit()


def version_rows(doc, process_id):
    rows = doc.xpath(f"//section[@id='proces-{process_id}']//tbody/tr")
    return {int(tr.get("data-version-id")): {
        "running": int(tr.xpath("string(td[@class='running'])")),
        "current": bool(tr.xpath("td[@class='current']/strong")),
        "link": tr.xpath("string(th/a/@href)"),
    } for tr in rows}


def test_catalogue_counts_running_cases_per_version(client, people, app, driver):
    first = _deploy(app)
    old_case = _start(app)
    finished = _start(app)
    _finish(app, finished)
    second = _deploy(app, replace={"call_parent": {'name="After call"': 'name="After the call"'}})
    assert second != first
    new_case = _start(app)
    driver.start("lead", "Et forslag")

    people.login(client, "secretary")
    doc = html(client.get("/processer"))
    rows = version_rows(doc, "call_parent")
    assert rows == {second: {"running": 1, "current": True, "link": f"/processer/{second}"},
                    first: {"running": 1, "current": False, "link": f"/processer/{first}"}}
    assert list(rows) == [second, first]  # the current version first
    assert [r["running"] for r in version_rows(doc, "proposal").values()] == [1]
    assert {"hearing", "council_meeting", "network_round"} <= {
        s.get("id").removeprefix("proces-") for s in doc.xpath("//section[starts-with(@id, 'proces-')]")}
    with app.app_context():
        from web.extensions import db

        assert db.session.get(Case, old_case).process_version_id == first
        assert db.session.get(Case, new_case).process_version_id == second


def test_version_page_shows_its_diagram_and_each_file(client, people, app):
    version_id = _deploy(app)
    people.login(client, "admin")
    doc = html(client.get(f"/processer/{version_id}"))
    downloads = sorted(doc.xpath("//a[@download]/@href"))
    assert downloads == [f"/processer/{version_id}/filer/call_child.bpmn",
                         f"/processer/{version_id}/filer/call_parent.bpmn"]
    figure = canvas(doc)
    assert figure.get("data-bpmn-url") == f"/processer/{version_id}/filer/call_parent.bpmn"
    assert json.loads(figure.get("data-states")) == {}
    doc = html(client.get(f"/processer/{version_id}?proces=call_child"))
    assert canvas(doc).get("data-bpmn-url") == f"/processer/{version_id}/filer/call_child.bpmn"
    assert client.get(f"/processer/{version_id}?proces=nowhere").status_code == 404
    assert client.get("/processer/999999").status_code == 404


def test_download_is_the_stored_source_as_an_xml_attachment(client, people, app):
    version_id = _deploy(app)
    people.login(client, "secretary")
    response = client.get(f"/processer/{version_id}/filer/call_parent.bpmn")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="call_parent.bpmn"')
    assert response.headers["Content-Security-Policy"].startswith("sandbox;")  # never a page of ours
    assert response.data == _files()["call_parent.bpmn"]
    assert client.get(f"/processer/{version_id}/filer/other.bpmn").status_code == 404
    assert client.get(f"/processer/{version_id}/filer/..%2Fsecret_key").status_code == 404


def test_catalogue_is_for_the_secretariat_and_admins(client, people, app):
    version_id = _deploy(app)
    urls = ("/processer", f"/processer/{version_id}", f"/processer/{version_id}/filer/call_parent.bpmn")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    for name in ("councillor", "lead", "contact"):
        people.login(client, name)
        for url in urls:
            assert client.get(url).status_code == 403, (name, url)
        assert 'href="/processer"' not in client.get("/opgaver").data.decode()
        client.post("/logout")
    for name in ("secretary", "admin"):
        people.login(client, name)
        for url in urls:
            assert client.get(url).status_code == 200, (name, url)
        assert 'href="/processer"' in client.get("/opgaver").data.decode()
        client.post("/logout")


def test_catalogue_reads_rows_only(client, people, app, monkeypatch):
    version_id = _deploy(app)
    _start(app)
    engine = app.extensions["byplan"].engine

    def boom(*args, **kwargs):
        raise AssertionError("the process catalogue deserialized a workflow")

    monkeypatch.setattr(engine, "load", boom)
    people.login(client, "secretary")
    for url in ("/processer", f"/processer/{version_id}", f"/processer/{version_id}/filer/call_child.bpmn"):
        assert client.get(url).status_code == 200, url
    with app.app_context():
        from web.extensions import db

        assert db.session.scalar(select(ProcessVersion.id).where(ProcessVersion.id == version_id)) == version_id
