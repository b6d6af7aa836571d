"""The task page shows what the task is about (issue 13, item 1), keeps a draft (item 1), and a task that is
already done says who completed it and when (item 4). Web level, on SQLite and PostgreSQL."""
from __future__ import annotations

import html
import re

import pytest

from council_support import CouncilDriver
from steps.proposal_driver import ProposalDriver

STATEMENT = "Genbrug før køb før byg"
RATIONALE = "Fælles løsninger sparer kommunerne penge."
IMPLICATIONS = "Nye systemer vurderes mod eksisterende løsninger."


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def version_of(page: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', page).group(1))


def upload(client, case_id: int, name: str, content: bytes = b"%PDF-1.4 oplaeg") -> None:
    import io

    response = client.post(f"/sager/{case_id}/dokumenter",
                           data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")
    assert response.status_code in (302, 303), response.data


@pytest.fixture
def proposal(app, people, client) -> ProposalDriver:
    """A submitted principle with one document, waiting for the secretariat's screening."""
    driver = ProposalDriver(app, people)
    driver.start("lead", "Genbrug før køb")
    people.login(client, "lead")
    upload(client, driver.case_id, "genbrug-oplaeg.txt", b"Oplaeg om genbrug")
    client.post("/logout")
    driver.submit("lead", summary="Resumé af genbrug", statement=STATEMENT, rationale=RATIONALE,
                  implications=IMPLICATIONS)
    return driver


def test_the_screening_task_shows_the_proposal_and_its_documents(client, people, proposal):
    people.login(client, "secretary")
    page = text(client.get(f"/opgaver/{proposal.task().id}"))
    assert "Forslaget" in page and STATEMENT in page and RATIONALE in page and IMPLICATIONS in page
    [link] = re.findall(r"<a href=\"(/dokumenter/\d+)\">genbrug-oplaeg.txt</a>", page)
    assert client.get(link).status_code == 200


def position_task(app, people, proposal):
    """The proposal screened and on a council meeting's agenda, published: the councillor's position task."""
    proposal.complete("secretary", {"screening": "complete"})
    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    meeting_id = council.create_meeting()
    council.schedule(proposal.case_id, meeting_id)
    council.publish_agenda(meeting_id)
    meeting = council.meeting(meeting_id)
    tasks = {t.assignee: t for t in council.tasks(meeting.case_id, "position")}
    return council, meeting, tasks


def test_a_position_task_shows_the_principle_the_deadline_and_the_others_positions(app, client, people, proposal):
    from datetime import timezone

    from workflows.dates import COPENHAGEN

    council, meeting, tasks = position_task(app, people, proposal)
    council.complete("chair", tasks["chair"], {"position": "object", "comment": "For dyrt for små kommuner"})
    people.login(client, "councillor")
    page = text(client.get(f"/opgaver/{tasks['councillor'].id}"))
    # the item with the principle's full text and the proposal's documents
    assert "Genbrug før køb" in page and STATEMENT in page and RATIONALE in page and IMPLICATIONS in page
    assert "genbrug-oplaeg.txt" in page
    # the deadline is the meeting's start, in Danish local time
    start = meeting.starts_at.astimezone(COPENHAGEN)
    assert "Frist for holdninger" in page and (f"{start:%H.%M}" in page or f"{start:%H:%M}" in page)
    assert f'datetime="{meeting.starts_at.astimezone(timezone.utc).isoformat(timespec="seconds")}"' in page
    # the council's rules show the other members' positions: the chair's, by name, not by login
    assert "Chair" in page and "Uenig" in page and "For dyrt for små kommuner" in page


def test_a_member_does_not_see_the_others_positions_when_the_rules_hide_them(app, client, people, proposal,
                                                                            monkeypatch):
    from workflows.council import models

    council, meeting, tasks = position_task(app, people, proposal)
    council.complete("chair", tasks["chair"], {"position": "object", "comment": "For dyrt for små kommuner"})
    monkeypatch.setattr(models, "MEMBERS_SEE_POSITIONS", False)
    people.login(client, "councillor")
    page = text(client.get(f"/opgaver/{tasks['councillor'].id}"))
    assert STATEMENT in page
    assert "For dyrt for små kommuner" not in page


def test_a_draft_is_saved_and_the_form_is_prefilled_when_reopened(client, people, proposal):
    people.login(client, "secretary")
    task_url = f"/opgaver/{proposal.task().id}"
    before = proposal.case().version
    response = client.post(task_url, data={"version": before, "screening": "return", "reason": "Mangler økonomi",
                                           "action": "draft"})
    assert response.status_code == 302 and response.headers["Location"].endswith(task_url)
    assert proposal.case().version == before and proposal.task().id in task_url  # the task is still open
    page = text(client.get(task_url))
    assert "Mangler økonomi" in page and re.search(r'value="return"\s+checked', page)
    assert 'name="action" value="draft"' in page
    # the draft is this user's: a colleague in the same role opens the task without it
    with proposal.app.app_context():
        from web.extensions import db
        from workflows.directory import SECRETARIAT, create_user

        create_user(db.session, "colleague", "Colleague", "colleague@example.org", people.PASSWORD, (SECRETARIAT,))
        db.session.commit()
    client.post("/logout")
    people.login(client, "colleague")
    assert "Mangler økonomi" not in text(client.get(task_url))
    client.post("/logout")
    people.login(client, "secretary")
    # completing the task deletes the draft
    assert client.post(task_url, data={"version": before, "screening": "complete"}).status_code == 302
    from workflows.drafts import TaskDraft

    with proposal.app.app_context():
        from web.extensions import db

        assert db.session.query(TaskDraft).count() == 0


def test_a_draft_of_another_roles_task_is_refused(client, people, proposal):
    people.login(client, "councillor")
    response = client.post(f"/opgaver/{proposal.task().id}", data={"screening": "return", "action": "draft"})
    assert response.status_code == 403


def test_a_done_task_says_who_completed_it_and_when(app, client, people, proposal):
    task_url = f"/opgaver/{proposal.task().id}"
    people.login(client, "secretary")
    version = proposal.case().version
    assert client.post(task_url, data={"version": version, "screening": "complete"}).status_code == 302
    page = client.get(task_url)
    assert page.status_code == 200
    body = text(page)
    assert "Secretary" in body  # the person's name, not the login "secretary"
    assert "allerede" in body and f'href="/sager/{proposal.case_id}"' in body
    assert "Genindlæs" not in body
    # a stale submit is still a 409, with the same message
    again = client.post(task_url, data={"version": version, "screening": "complete"})
    assert again.status_code == 409
    assert "Secretary" in text(again) and f'href="/sager/{proposal.case_id}"' in text(again)
    # the API keeps its 409 JSON
    token = people.token("secretary")
    api = client.post(f"/api/v1/tasks/{proposal_task_id(task_url)}/complete",
                      json={"data": {"screening": "complete"}, "version": version},
                      headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 409 and api.get_json()["code"] == 409


def proposal_task_id(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_the_hearing_preparation_offers_the_proposals_documents_as_material(app, client, people, proposal):
    from datetime import timedelta

    from sqlalchemy import func, select

    from engine.models import Document, utcnow
    from web.extensions import db
    from workflows.hearing import HearingDocument, hearing_for_case

    proposal.complete("secretary", {"screening": "complete", "hearing": "yes"})
    with app.app_context():
        hearing_id = hearing_for_case(db.session, proposal.case_id).id
        [document] = db.session.scalars(select(Document).where(Document.case_id == proposal.case_id)).all()
        documents_before = db.session.scalar(select(func.count()).select_from(Document))
    people.login(client, "secretary")
    assert client.post(f"/hoeringer/{hearing_id}/parter/ekstern",
                       data={"name": "Leverandør A/S", "email": "hoering@lev.example"}).status_code == 302
    task = proposal.task()
    assert task.form_key == "hearing.prepare"
    page = text(client.get(f"/opgaver/{task.id}"))
    # the parties on the task itself, the hearing's page linked for editing them
    assert "Leverandør A/S" in page and f'href="/hoeringer/{hearing_id}"' in page
    # the proposal's document offered as material, as a check box
    assert "Brug forslagets dokumenter som høringsmateriale" in page
    assert f'type="checkbox" id="f-material_documents-1" name="material_documents" value="{document.id}"' in page
    response = client.post(f"/opgaver/{task.id}", data={
        "version": version_of(page), "title": "Genbrug før køb", "summary": "Høring om genbrug",
        "deadline": (utcnow().date() + timedelta(weeks=6)).isoformat(), "reminder_days": "7",
        "material_documents": str(document.id)})
    assert response.status_code == 302, text(response)
    with app.app_context():
        links = db.session.scalars(select(HearingDocument).where(HearingDocument.hearing_id == hearing_id)).all()
        assert [link.document_id for link in links] == [document.id]  # the existing document, not a copy
        assert db.session.scalar(select(func.count()).select_from(Document)) == documents_before
    public = text(client.get(f"/offentlige-hoeringer/{hearing_id}"))
    assert "genbrug-oplaeg.txt" in public


def test_a_document_not_offered_is_refused_as_material(app, client, people, proposal):
    from datetime import timedelta

    from engine.models import utcnow

    proposal.complete("secretary", {"screening": "complete", "hearing": "yes"})
    people.login(client, "secretary")
    task = proposal.task()
    page = text(client.get(f"/opgaver/{task.id}"))
    response = client.post(f"/opgaver/{task.id}", data={
        "version": version_of(page), "title": "Genbrug før køb", "summary": "Høring om genbrug",
        "deadline": (utcnow().date() + timedelta(weeks=6)).isoformat(), "reminder_days": "7",
        "material_documents": "999999"})
    assert response.status_code == 422 and 'id="e-material_documents"' in text(response)


def test_a_position_task_shows_the_proposals_hearing_note(app, client, people, proposal):
    """The hearing the proposal went through, with its note's points (records made directly: the hearing's
    own flow is tested in test_hearings_web)."""
    from engine.models import utcnow
    from web.extensions import db
    from workflows.hearing import Hearing, HearingParty, HearingResponse, NotePoint

    council, meeting, tasks = position_task(app, people, proposal)
    with app.app_context():
        record = proposal.record()
        hearing = Hearing(title=record.title, summary="Høring", proposal_id=record.id,
                          working_group_id=record.working_group_id, case_id=proposal.case_id,
                          deadline=utcnow().date(), status="concluded", note_summary="Notatets resumé om genbrug")
        db.session.add(hearing)
        db.session.flush()
        party = HearingParty(hearing_id=hearing.id, kind="external", name="Leverandør A/S", email="a@lev.example")
        db.session.add(party)
        db.session.flush()
        response = HearingResponse(hearing_id=hearing.id, party_id=party.id, version=1, text="Svar",
                                   submitted_by="Leverandør A/S")
        db.session.add(response)
        db.session.flush()
        db.session.add(NotePoint(hearing_id=hearing.id, response_id=response.id, point="Husk licenserne",
                                 disposition="partly", reason="Licenser nævnes i implikationerne"))
        db.session.commit()
        hearing_id = hearing.id
    people.login(client, "councillor")
    page = text(client.get(f"/opgaver/{tasks['councillor'].id}"))
    assert "Høringsnotat" in page and "Notatets resumé om genbrug" in page
    assert "Leverandør A/S" in page and "Husk licenserne" in page and "Licenser nævnes i implikationerne" in page
    assert f'href="/hoeringer/{hearing_id}"' in page


def test_a_position_task_closed_when_the_meeting_began_says_so(app, client, people, proposal):
    from datetime import timedelta

    import time_machine

    council, meeting, tasks = position_task(app, people, proposal)
    with time_machine.travel(meeting.starts_at + timedelta(hours=1), tick=False):
        council.sweep()  # the meeting begins: the remaining position tasks close
    assert council.tasks(meeting.case_id, "position") == []
    people.login(client, "councillor")
    page = client.get(f"/opgaver/{tasks['councillor'].id}")
    assert page.status_code == 200
    body = text(page)
    assert "Tilkendegiv holdning" in body and "uden at den blev udført" in body
    assert f'href="/sager/{meeting.case_id}"' in body
    stale = client.post(f"/opgaver/{tasks['councillor'].id}", data={"position": "agree", "version": "1"})
    assert stale.status_code == 409 and "uden at den blev udført" in text(stale)
    draft = client.post(f"/opgaver/{tasks['councillor'].id}", data={"position": "agree", "action": "draft"})
    assert draft.status_code == 409



def test_the_hearing_note_task_shows_the_note(app, client, people, proposal):
    """After the deadline the working group writes the note: its task shows the note (not written yet) and
    links to the hearing's page where the points are written."""
    from datetime import timedelta

    import time_machine

    from engine.models import utcnow
    from web.extensions import db
    from workflows.hearing import hearing_for_case

    proposal.complete("secretary", {"screening": "complete", "hearing": "yes"})
    byplan = app.extensions["byplan"]
    with app.app_context():
        hearing_id = hearing_for_case(db.session, proposal.case_id).id
        byplan.hearings.add_external_party(db.session, people.user("secretary"), hearing_id,
                                           {"name": "Leverandør A/S", "email": "hoering@lev.example"})
        db.session.commit()
    deadline = utcnow().date() + timedelta(weeks=6)
    proposal.complete("secretary", {"title": "Genbrug før køb", "summary": "Høring om genbrug",
                                    "deadline": deadline.isoformat(), "reminder_days": "0"})
    with time_machine.travel(utcnow() + timedelta(weeks=7), tick=False):
        byplan.engine.fire_due_timers()
    task = proposal.task()
    assert task.form_key == "hearing.note"
    people.login(client, "lead")
    page = text(client.get(f"/opgaver/{task.id}"))
    assert "Høringsnotat" in page and "Høringsnotatet er ikke skrevet endnu." in page
    assert f'href="/hoeringer/{hearing_id}"' in page
