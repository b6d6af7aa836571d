"""Plain Danish in the UI (issue 13, items 3, 5 and 6): process names, a timeline in words with people's names,
no case version; Danish numbers, times and plurals; the network registration feedback and the paged mailbox."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, select

from council_support import CouncilDriver
from network_support import NetworkDriver
from steps.proposal_driver import ProposalDriver


@pytest.fixture
def driver(app, people):
    return ProposalDriver(app, people)


@pytest.fixture
def net(app, people):
    return NetworkDriver(app, people)


def text(response) -> str:
    assert response.status_code == 200, response.data[:500]
    return response.data.decode()


def rename(app, **names):
    """Give users display names that differ from their login names."""
    from web.extensions import db
    from workflows.directory import User

    with app.app_context():
        for username, name in names.items():
            db.session.scalar(select(User).where(User.username == username)).name = name
        db.session.commit()


def audit(app, case_id: int, **values):
    from web.extensions import db

    with app.app_context():
        app.extensions["byplan"].engine.audit.append(db.session, case_id=case_id, **values)
        db.session.commit()


# ------------------------------------------------------------ item 3: no technical text

def test_case_list_names_the_process_not_its_id(client, people, driver):
    driver.start("lead", "Genbrug før køb før byg")
    people.login(client, "secretary")
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", text(client.get("/sager")))
    assert "Arkitekturforslag" in cells
    assert "proposal" not in cells


def test_timeline_in_words_with_peoples_names_and_no_case_version(client, people, driver, app):
    rename(app, lead="Lone Leder", councillor="Rikke Rådsmedlem")
    case_id = driver.start("lead", "Genbrug før køb før byg")
    audit(app, case_id, kind="council.position", actor="councillor", summary="Genbrug før køb før byg: object",
          detail={"item_id": 1, "position": "object"})
    audit(app, case_id, kind="timer", actor="timer", summary="timer fired")
    audit(app, case_id, kind="something.new", actor="nobody-known", summary="x: y")
    people.login(client, "secretary")
    page = text(client.get(f"/sager/{case_id}"))
    timeline = page[page.index('id="h-timeline"'):]
    assert "Lone Leder oprettede sagen" in timeline
    assert "Rikke Rådsmedlem gjorde indsigelse mod »Genbrug før køb før byg«" in timeline
    assert "Fristen udløb" in timeline
    assert "Systemet ændrede sagen" in timeline  # an actor who is no user: never the login name
    for technical in ("council.position", "timer fired", ": object", "councillor", "nobody-known", "lead:"):
        assert technical not in timeline, technical
    assert "Sagsversion" not in page

    # English UI: the same sentences translated, the names unchanged
    client.post("/language", data={"lang": "en", "next": "/"})
    english = text(client.get(f"/sager/{case_id}"))
    assert "Rikke Rådsmedlem objected to »Genbrug før køb før byg«" in english
    assert "The deadline passed" in english and "Case version" not in english


def test_timeline_names_are_resolved_in_one_query_per_page(app, people, driver):
    from engine.models import AuditEvent
    from web.extensions import db
    from workflows import timeline

    case_id = driver.start("lead", "Genbrug før køb før byg")
    for actor in ("councillor", "chair", "secretary", "councillor", "timer", "party:7"):
        audit(app, case_id, kind="council.position", actor=actor, summary="Punkt: agree",
              detail={"position": "agree"})
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)))
        statements = []
        listener = lambda conn, cursor, statement, *a: statements.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            entries = timeline.entries(db.session, events)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert len(entries) == len(events) == 7
    assert len([s for s in statements if "user_account" in s]) == 1
    assert [e.params["actor"] for e in entries[1:]] == ["Councillor", "Chair", "Secretary", "Councillor", None, None]


def test_task_page_keeps_the_version_as_a_hidden_field_only(client, people, driver):
    case_id = driver.start("lead", "Genbrug før køb før byg")
    people.login(client, "lead")
    case_page = text(client.get(f"/sager/{case_id}"))
    link = re.search(r'href="(/opgaver/[0-9a-f-]{36})"', case_page).group(1)
    page = text(client.get(link))
    assert re.search(r'<input type="hidden" name="version" value="\d+">', page)
    assert "Sagsversion" not in page


# ------------------------------------------------------------ item 5: Danish forms

def test_times_without_seconds_decimal_comma_and_one_datetime_style(app):
    from web.formats import datetime_text, filesize_text, time_text

    with app.test_request_context():
        assert datetime_text(datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)) == "1. dec. 2026 10.00"
        assert time_text(datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc)) == "10.00"  # summer time
        assert time_text("09:30") == "09.30"
        assert filesize_text(800) == "0,8 kB"
        assert filesize_text(3 * 1024 * 1024) == "3 MB"
    assert app.jinja_env.filters["datetimeformat"] is datetime_text  # every template uses the one style


def test_document_size_uses_the_decimal_comma(client, people, driver):
    case_id = driver.start("lead", "Genbrug før køb før byg")
    people.login(client, "lead")
    response = client.post(f"/sager/{case_id}/dokumenter", data={
        "title": "Udkast", "file": (io.BytesIO(b"%PDF-1.4 " + b"x" * 810), "udkast.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    page = text(client.get(f"/sager/{case_id}"))
    assert "0,8 kB" in page and "0.8 kB" not in page


def test_one_day_before_the_meeting_is_singular(client, app, people):
    council = CouncilDriver(app, people)
    council.ensure_members()
    meeting_id = council.create_meeting(publish_days=1)
    people.login(client, "secretary")
    page = text(client.get(f"/raadet/moeder/{meeting_id}"))
    assert "Dagsordenen offentliggøres 1 dag før mødet." in page
    assert "1 dage" not in page


def test_meeting_times_have_no_seconds(client, app, people, net):
    council = CouncilDriver(app, people)
    council.ensure_members()
    meeting_id = council.create_meeting()  # starts at 10:00
    network_id = net.network(municipalities=("Hjørring",))
    round_id, _meetings = net.create_round(network_id)
    people.login(client, "secretary")
    for path in (f"/raadet/moeder/{meeting_id}", "/raadet/moeder", f"/netvaerk/runder/{round_id}"):
        page = text(client.get(path))
        assert not re.search(r"\b\d{1,2}[.:]\d\d[.:]\d\d\b", page), path  # 10.00.00 or 09:30:00
    assert " 10.00" in text(client.get(f"/raadet/moeder/{meeting_id}"))


def test_screening_task_is_named_in_plain_danish(client, people, driver):
    driver.start("lead", "Genbrug før køb før byg")
    driver.submit("lead", summary="Resumé", statement="Genbrug før køb før byg", rationale="Billigere")
    people.login(client, "secretary")
    inbox = text(client.get("/opgaver"))
    assert "Vurdér forslaget" in inbox and "Screen forslag" not in inbox


# ------------------------------------------------------------ item 6: network feedback

def register(client, meeting_id: int, name: str, email: str):
    return client.post(f"/netvaerk/moeder/{meeting_id}/tilmeld", data={"name": name, "email": email})


def flashes(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<p class="flash flash-(\w+)">([^<]*)</p>', page)


def registration_id(app, email: str) -> int:
    from web.extensions import db
    from workflows.network import Registration

    with app.app_context():
        return db.session.scalar(select(Registration.id).where(Registration.email == email))


def test_waitlisted_registration_is_information_not_an_error_beside_saved(client, app, people, net):
    network_id = net.network(municipalities=("Hjørring",), seats=1)
    round_id, (meeting_id,) = net.create_round(network_id)
    people.login(client, "contact")
    register(client, meeting_id, "Anne Andersen", "anne@hjoerring.dk")
    assert flashes(text(client.get(f"/netvaerk/runder/{round_id}"))) == [("message", "Tilmeldingen er gemt.")]
    register(client, meeting_id, "Bo Bech", "bo@hjoerring.dk")
    shown = flashes(text(client.get(f"/netvaerk/runder/{round_id}")))
    assert len(shown) == 1, shown
    category, message = shown[0]
    assert category == "info" and message.startswith("Bo Bech er på venteliste")


def test_cancelling_asks_first_and_says_who_moved_up(client, app, people, net):
    network_id = net.network(municipalities=("Hjørring",), seats=1)
    round_id, (meeting_id,) = net.create_round(network_id)
    people.login(client, "contact")
    register(client, meeting_id, "Anne Andersen", "anne@hjoerring.dk")
    register(client, meeting_id, "Bo Bech", "bo@hjoerring.dk")
    anne = registration_id(app, "anne@hjoerring.dk")

    round_page = text(client.get(f"/netvaerk/runder/{round_id}"))
    # the round page offers a link to the confirmation step, not a button that cancels at once
    assert f'href="/netvaerk/tilmeldinger/{anne}/afmeld"' in round_page
    assert f'action="/netvaerk/tilmeldinger/{anne}/afmeld"' not in round_page
    confirm = text(client.get(f"/netvaerk/tilmeldinger/{anne}/afmeld"))
    assert "Vil du melde afbud for Anne Andersen" in confirm
    assert f'<form method="post" action="/netvaerk/tilmeldinger/{anne}/afmeld"' in confirm
    assert registration_id(app, "anne@hjoerring.dk") and _status(app, "anne@hjoerring.dk") == "registered"

    response = client.post(f"/netvaerk/tilmeldinger/{anne}/afmeld")
    assert response.status_code == 302
    shown = flashes(text(client.get(f"/netvaerk/runder/{round_id}")))
    assert ("message", "Afbuddet er registreret.") in shown
    assert ("info", "Bo Bech (Hjørring) er rykket op fra ventelisten og er nu tilmeldt.") in shown
    assert _status(app, "bo@hjoerring.dk") == "registered"


def test_cancel_confirmation_is_the_contacts_own(client, app, people, net):
    network_id = net.network(municipalities=("Hjørring",))
    round_id, (meeting_id,) = net.create_round(network_id)
    people.login(client, "contact")
    register(client, meeting_id, "Anne Andersen", "anne@hjoerring.dk")
    anne = registration_id(app, "anne@hjoerring.dk")
    assert client.get("/netvaerk/tilmeldinger/424242/afmeld").status_code == 404
    client.post("/logout")
    people.login(client, "secretary")
    assert client.get(f"/netvaerk/tilmeldinger/{anne}/afmeld").status_code == 403


def _status(app, email: str) -> str:
    from web.extensions import db
    from workflows.network import Registration

    with app.app_context():
        return db.session.scalar(select(Registration.status).where(Registration.email == email))


def test_capacity_warning_once_per_round(client, app, people, net):
    network_id = net.network(municipalities=("Hjørring", "Aarhus", "Odense"), seats=2)  # 6 seats sold
    round_id, _meetings = net.create_round(network_id, regions=(("Midt-Nord", 20, 4), ("Sjælland", 21, 5),
                                                                ("Syddanmark", 22, 40)))
    people.login(client, "secretary")
    page = text(client.get(f"/netvaerk/runder/{round_id}"))
    warnings = [m for c, m in flashes(page) if c == "error"]
    assert warnings == ["Kommunerne har købt 6 pladser pr. møde – flere, end disse mødesteder har plads til: "
                        "Midt-Nord (4), Sjælland (5)."]


# ------------------------------------------------------------ item 6: the demo mailbox

def test_mailbox_is_paged_with_working_links(client, app, people):
    from engine.mail import queue_mail
    from web.extensions import db

    with app.app_context():
        for n in range(30):
            queue_mail(db.session, to=f"p{n}@example.org", to_name=f"Person {n}", subject=f"Mail {n}",
                       body=f"Kære Person {n}\n\nSe https://byplan.example/hoeringer/{n}\n")
        db.session.commit()
    people.login(client, "secretary")
    first = text(client.get("/post"))
    assert first.count('<article class="mail">') == 25
    assert "Mail 29" in first and "Mail 4<" not in first
    assert '<a href="https://byplan.example/hoeringer/29"' in first  # the link in the body can be followed
    assert 'href="/post?page=2"' in first and "page=0" not in first
    second = text(client.get("/post?page=2"))
    assert second.count('<article class="mail">') == 5 and "Mail 0<" in second
    assert 'href="/post?page=1"' in second and "page=3" not in second
    assert client.get("/post?page=abc").status_code == 200  # a bad page number is page 1, not a 500


def test_round_mails_avoid_a_genitive_after_a_parenthesis_and_greet_by_name(app, people, net):
    from engine.mail import OutboxMail
    from web.extensions import db

    network_id = net.network(municipalities=("Hjørring",))  # "Kommunernes It-arkitekturnetværk (KITA)"
    net.create_round(network_id)
    with app.app_context():
        mails = list(db.session.scalars(select(OutboxMail).where(OutboxMail.tag == "network.open")))
    assert mails
    for m in mails:
        assert ")s " not in m.body and ")s " not in m.subject
        assert m.body.lstrip().startswith("Kære Contact\n")  # the contact's name, not the municipality's
        assert "i Kommunernes It-arkitekturnetværk (KITA)" in m.body


def test_process_pages_name_the_deployer_not_the_login(app, client, people):
    from pathlib import Path

    from engine.models import ProcessVersion
    from web.extensions import db

    rename(app, admin="Anne Administrator")
    people.login(client, "admin")
    bpmn = Path(__file__).parent / "bpmn" / "external" / "spiffarena_document_review.bpmn"
    response = client.post("/processer/ny", data={"files": [(io.BytesIO(bpmn.read_bytes()), bpmn.name)]},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        version_id = db.session.scalar(select(ProcessVersion.id).where(
            ProcessVersion.process_id == "Process_document_review_q3x9z1b"))
    for path in ("/processer", f"/processer/{version_id}"):
        page = text(client.get(path))
        assert "Anne Administrator" in page, path
        assert not re.search(r">\s*admin\s*<|af admin\b", page), path
