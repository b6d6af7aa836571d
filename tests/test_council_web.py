"""The council's pages: meetings (public once the agenda is published), agenda changes, material,
positions, minutes objections, decisions and the Atom and iCalendar feeds."""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from council_support import CouncilDriver
from engine.models import utcnow

ATOM = "{http://www.w3.org/2005/Atom}"
REASON_NEEDED = "Dagsordenen er offentliggjort: Angiv en begrundelse for ændringen."
DECIDED = "Rådsformanden har truffet beslutning i punktet; holdningerne kan ikke længere ændres."


# ------------------------------------------------------------------ helpers

@pytest.fixture
def council(app, people) -> CouncilDriver:
    driver = CouncilDriver(app, people)
    driver.ensure_members(("chair", "councillor"))
    return driver


def add_item(app, people, meeting_id: int, title: str, kind: str = "decision", **extra) -> int:
    from web.extensions import db

    with app.app_context():
        item = app.extensions["byplan"].council.add_item(db.session, people.user("secretary"), meeting_id,
                                                         {"kind": kind, "title": title, **extra})
        db.session.commit()
        return item.id


def published_meeting(council, app, people, title="Rådsmøde", items=(("Fælles brugerstyring", "decision"),),
                      **kwargs) -> tuple[int, list[int]]:
    meeting_id = council.create_meeting(title=title, **kwargs)
    item_ids = [add_item(app, people, meeting_id, t, k) for t, k in items]
    council.publish_agenda(meeting_id)
    return meeting_id, item_ids


def decide(council, meeting_id: int, decisions: dict[int, dict]) -> None:
    council.record_positions(meeting_id, {"chair": "agree", "councillor": "agree"})
    council.decide_all(meeting_id, decisions)


def send_minutes(council, meeting_id: int, text: str = "Rådet traf beslutning.") -> None:
    meeting = council.meeting(meeting_id)
    [task] = council.tasks(meeting.case_id, "draft_minutes")
    council.complete("secretary", task, {"minutes_summary": text})


def pass_minutes_deadline(council) -> None:
    with time_machine.travel(utcnow() + timedelta(days=9), tick=False):
        council.sweep()


def model(app, cls, ident):
    from web.extensions import db

    with app.app_context():
        return db.session.get(cls, ident)


def count(app, cls) -> int:
    from web.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(cls))


def logout(client):
    client.post("/logout")


# --------------------------------------------------------------- meetings

def test_only_meetings_with_a_published_agenda_are_public(client, app, people, council):
    draft = council.create_meeting(title="Forberedes stadig", days_ahead=40, item_deadline_days=30)
    add_item(app, people, draft, "Hemmeligt udkast")
    public, _items = published_meeting(council, app, people, title="Offentligt rådsmøde")

    listing = client.get("/raadet/moeder").data.decode()
    assert "Offentligt rådsmøde" in listing and "Forberedes stadig" not in listing
    assert client.get(f"/raadet/moeder/{draft}").status_code == 404
    page = client.get(f"/raadet/moeder/{public}")
    assert page.status_code == 200 and "Fælles brugerstyring" in page.data.decode()
    assert client.get("/raadet/moeder/424242").status_code == 404

    people.login(client, "contact")  # logged in, but neither staff nor in a working group
    assert "Forberedes stadig" not in client.get("/raadet/moeder").data.decode()
    assert client.get(f"/raadet/moeder/{draft}").status_code == 404
    logout(client)

    for staff in ("secretary", "councillor"):
        people.login(client, staff)
        listing = client.get("/raadet/moeder").data.decode()
        assert "Offentligt rådsmøde" in listing and "Forberedes stadig" in listing, staff
        page = client.get(f"/raadet/moeder/{draft}")
        assert page.status_code == 200 and "Hemmeligt udkast" in page.data.decode(), staff
        logout(client)


def test_new_meeting_page_is_for_the_secretariat_and_shows_field_errors(client, app, people):
    from workflows.council import Meeting

    people.login(client, "chair")
    assert client.get("/raadet/moeder/nyt").status_code == 403
    assert client.post("/raadet/moeder/nyt", data={"title": "x"}).status_code == 403
    logout(client)
    people.login(client, "secretary")
    today = utcnow().date()
    response = client.post("/raadet/moeder/nyt", data={
        "title": "Rådsmøde", "date": (today + timedelta(days=14)).isoformat(), "start_time": "10:00",
        "place": "KL", "item_deadline": (today + timedelta(days=20)).isoformat(), "publish_days": "7"})
    assert response.status_code == 422
    assert 'value="Rådsmøde"' in response.data.decode()
    assert count(app, Meeting) == 0
    response = client.post("/raadet/moeder/nyt", data={
        "title": "Rådsmøde", "date": (today + timedelta(days=14)).isoformat(), "start_time": "10:00",
        "place": "KL", "item_deadline": (today + timedelta(days=3)).isoformat(), "publish_days": "7"})
    assert response.status_code == 302 and re.search(r"/raadet/moeder/\d+$", response.headers["Location"])


# ---------------------------------------------------------------- material

def test_material_uploaded_to_an_item_downloads_as_an_attachment(client, app, people, council):
    meeting_id = council.create_meeting()
    people.login(client, "secretary")
    response = client.post(f"/raadet/moeder/{meeting_id}/punkter",
                           data={"kind": "decision", "title": "Referencearkitektur for data", "description": "Udkast"})
    assert response.status_code == 302
    [item] = council.items(meeting_id)
    upload = f"/raadet/punkter/{item.id}/materiale"
    assert client.post(upload, data={"meeting_id": meeting_id}, content_type="multipart/form-data").status_code == 422
    response = client.post(upload, data={"meeting_id": meeting_id,
                                         "file": (io.BytesIO(b"%PDF-1.4 bilag"), "bilag æøå.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    [url] = re.findall(rf'href="(/raadet/moeder/{meeting_id}/dokumenter/\d+)"', page)
    download = client.get(url)
    assert download.status_code == 200 and download.data == b"%PDF-1.4 bilag"
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''bilag%20%C3%A6%C3%B8%C3%A5.pdf" in download.headers["Content-Disposition"]
    assert client.get(f"/raadet/moeder/{meeting_id}/dokumenter/999999").status_code == 404
    logout(client)

    assert client.get(url).status_code == 404  # the meeting is not public yet
    council.publish_agenda(meeting_id)
    public = client.get(url)
    assert public.status_code == 200 and public.data == b"%PDF-1.4 bilag"
    assert public.headers["Content-Disposition"].startswith("attachment;")
    # a document of another meeting is not served under this one
    other = council.create_meeting(title="Andet møde", days_ahead=30, item_deadline_days=20)
    doc_id = url.rsplit("/", 1)[1]
    people.login(client, "secretary")
    assert client.get(f"/raadet/moeder/{other}/dokumenter/{doc_id}").status_code == 404


# ------------------------------------------------------- agenda changes

def test_changes_to_a_published_agenda_need_a_reason_shown_publicly(client, app, people, council):
    from workflows.council import AgendaChange, AgendaItem

    meeting_id = council.create_meeting()
    first = add_item(app, people, meeting_id, "Punkt A")
    second = add_item(app, people, meeting_id, "Punkt B", "information")
    people.login(client, "secretary")
    # before publication the agenda changes freely, and nothing is recorded
    assert client.post(f"/raadet/punkter/{second}/flyt",
                       data={"meeting_id": meeting_id, "direction": "up"}).status_code == 302
    assert [i.title for i in council.items(meeting_id)] == ["Punkt B", "Punkt A"]
    assert client.post(f"/raadet/punkter/{second}/flyt",
                       data={"meeting_id": meeting_id, "direction": "down"}).status_code == 302
    assert count(app, AgendaChange) == 0

    council.publish_agenda(meeting_id)
    response = client.post(f"/raadet/moeder/{meeting_id}/punkter",
                           data={"kind": "information", "title": "Nyt om MitID", "reason": "  "})
    assert response.status_code == 422
    body = response.data.decode()
    assert REASON_NEEDED in body and 'value="Nyt om MitID"' in body
    response = client.post(f"/raadet/punkter/{second}/flyt", data={"meeting_id": meeting_id, "direction": "up"})
    assert response.status_code == 422 and REASON_NEEDED in response.data.decode()
    response = client.post(f"/raadet/punkter/{second}/fjern", data={"meeting_id": meeting_id})
    assert response.status_code == 422 and REASON_NEEDED in response.data.decode()
    assert [i.title for i in council.items(meeting_id)] == ["Punkt A", "Punkt B"]
    assert count(app, AgendaChange) == 0

    assert client.post(f"/raadet/moeder/{meeting_id}/punkter", data={
        "kind": "information", "title": "Nyt om MitID", "reason": "Ny viden efter udsendelsen"}).status_code == 302
    assert client.post(f"/raadet/punkter/{second}/flyt", data={
        "meeting_id": meeting_id, "direction": "up", "reason": "Punkt B er en forudsætning"}).status_code == 302
    assert [i.title for i in council.items(meeting_id)] == ["Punkt B", "Punkt A", "Nyt om MitID"]
    assert model(app, AgendaItem, first).position == 2
    logout(client)

    public = client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    assert "Ændringer efter offentliggørelse" in public
    changes = public.split("Ændringer efter offentliggørelse", 1)[1]
    assert "Punkt tilføjet: Nyt om MitID" in changes and "Ny viden efter udsendelsen" in changes
    assert "Punkt flyttet: Punkt B" in changes and "Punkt B er en forudsætning" in changes
    assert count(app, AgendaChange) == 2


def test_only_the_secretariat_removes_items_and_never_a_proposals_item(client, app, people, council):
    from steps.proposal_driver import ProposalDriver

    proposal = ProposalDriver(app, people)
    proposal.start("lead", "Genbrug før køb")
    proposal.submit("lead", summary="Resumé", statement="Genbrug før køb før byg")
    proposal.complete("secretary", {"screening": "complete"})
    meeting_id = council.create_meeting()
    council.schedule(proposal.case_id, meeting_id)
    adhoc = add_item(app, people, meeting_id, "Ad hoc", "discussion")
    [scheduled] = [i.id for i in council.items(meeting_id) if i.proposal_id is not None]

    people.login(client, "chair")
    assert client.post(f"/raadet/punkter/{adhoc}/fjern", data={"meeting_id": meeting_id}).status_code == 403
    logout(client)
    people.login(client, "secretary")
    response = client.post(f"/raadet/punkter/{scheduled}/fjern", data={"meeting_id": meeting_id})
    assert response.status_code == 422 and "Genbrug før køb" in response.data.decode()
    assert client.post(f"/raadet/punkter/{adhoc}/fjern", data={"meeting_id": meeting_id}).status_code == 302
    assert [i.id for i in council.items(meeting_id)] == [scheduled]


# --------------------------------------------------------------- positions

def test_a_member_changes_their_position_until_the_chair_decides(client, app, people, council):
    from workflows.council import Position

    meeting_id, [item_id] = published_meeting(council, app, people)
    people.login(client, "councillor")
    url = f"/raadet/punkter/{item_id}/holdning"
    page = client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    assert f'action="{url}"' in page
    assert client.post(url, data={"meeting_id": meeting_id, "position": "agree"}).status_code == 302
    response = client.post(url, data={"meeting_id": meeting_id, "position": "object",
                                      "comment": "Kræver en konsekvensanalyse"})
    assert response.status_code == 302
    with app.app_context():
        from web.extensions import db

        [row] = db.session.scalars(select(Position).where(Position.item_id == item_id))
        assert (row.member, row.position, row.replaced, row.comment) == (
            "councillor", "object", 1, "Kræver en konsekvensanalyse")
    assert "Kræver en konsekvensanalyse" in client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    response = client.post(url, data={"meeting_id": meeting_id, "position": "maybe"})
    assert response.status_code == 422

    council.record_positions(meeting_id, {"chair": "agree", "councillor": "object"})
    council.decide_all(meeting_id, {item_id: {"decision": "approved"}})
    response = client.post(url, data={"meeting_id": meeting_id, "position": "agree"})
    assert response.status_code == 422
    assert DECIDED in response.data.decode()
    with app.app_context():
        [row] = db.session.scalars(select(Position).where(Position.item_id == item_id, Position.member == "councillor"))
        assert row.position == "object"
    assert f'action="{url}"' not in client.get(f"/raadet/moeder/{meeting_id}").data.decode()


def test_only_council_members_record_positions(client, app, people, council):
    from web.extensions import db
    from workflows.council import Position
    from workflows.directory import COUNCIL_MEMBER, create_user

    with app.app_context():  # the role alone does not make a member: there is no CouncilMember row
        create_user(db.session, "formerly", "Tidligere medlem", "f@example.org", people.PASSWORD, (COUNCIL_MEMBER,))
        db.session.commit()
    draft = council.create_meeting(title="Ikke udsendt", days_ahead=40, item_deadline_days=30)
    draft_item = add_item(app, people, draft, "Tidligt punkt")
    meeting_id, [item_id, info_id] = published_meeting(
        council, app, people, items=(("Beslutning", "decision"), ("Orientering", "information")))
    url = f"/raadet/punkter/{item_id}/holdning"
    for name in ("secretary", "outsider", "formerly"):
        people.login(client, name)
        response = client.post(url, data={"meeting_id": meeting_id, "position": "agree"})
        assert response.status_code == 403, name
        assert f'action="{url}"' not in client.get(f"/raadet/moeder/{meeting_id}").data.decode(), name
        logout(client)
    assert client.post(url, data={"meeting_id": meeting_id, "position": "agree"}).status_code == 302
    assert "/login" in client.post(url, data={"meeting_id": meeting_id, "position": "agree"}).headers["Location"]

    people.login(client, "councillor")
    response = client.post(f"/raadet/punkter/{info_id}/holdning", data={"meeting_id": meeting_id, "position": "agree"})
    assert response.status_code == 422  # positions are for decision items only
    response = client.post(f"/raadet/punkter/{draft_item}/holdning", data={"meeting_id": draft, "position": "agree"})
    assert response.status_code == 422  # not before the agenda is published
    assert count(app, Position) == 0


# ------------------------------------------------------------------ minutes

def test_a_member_objects_to_the_minutes_during_the_review(client, app, people, council):
    from workflows.council import MinutesObjection

    meeting_id, [item_id] = published_meeting(council, app, people)
    decide(council, meeting_id, {item_id: {"decision": "approved"}})
    url = f"/raadet/moeder/{meeting_id}/indsigelse"
    people.login(client, "councillor")
    response = client.post(url, data={"text": "For tidligt"})
    assert response.status_code == 422  # the minutes are not out for approval yet

    send_minutes(council, meeting_id, "Første udkast til referat")
    assert council.meeting(meeting_id).status == "minutes_review"
    page = client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    assert f'action="{url}"' in page and "Første udkast til referat" in page
    assert client.post(url, data={"text": "  "}).status_code == 422
    assert client.post(url, data={"text": "Beslutningen er gengivet forkert"}).status_code == 302
    logout(client)
    people.login(client, "secretary")
    assert client.post(url, data={"text": "Sekretariatet er ikke medlem"}).status_code == 403
    assert "Beslutningen er gengivet forkert" in client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    logout(client)
    public = client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    assert "Beslutningen er gengivet forkert" not in public and "Første udkast til referat" not in public
    assert count(app, MinutesObjection) == 1

    # the objection sends the minutes back to the secretariat instead of publishing them
    pass_minutes_deadline(council)
    meeting = council.meeting(meeting_id)
    assert meeting.status == "minutes" and meeting.minutes_published_at is None
    send_minutes(council, meeting_id, "Rettet referat")
    assert council.meeting(meeting_id).minutes_round == 2
    pass_minutes_deadline(council)  # round two: silence approves
    meeting = council.meeting(meeting_id)
    assert meeting.status == "concluded" and meeting.minutes_published_at is not None
    assert "Rettet referat" in client.get(f"/raadet/moeder/{meeting_id}").data.decode()


# ------------------------------------------------- decisions and the feeds

@pytest.fixture
def history(app, people, council) -> dict:
    """A concluded meeting, a decided meeting whose minutes are not out, and a meeting in preparation."""
    concluded, [approved, info] = published_meeting(
        council, app, people, title="Junimødet", items=(("Fælles brugerstyring", "decision"),
                                                        ("Orientering om MitID", "information")))
    decide(council, concluded, {approved: {"decision": "approved_with_changes", "changes": "Kun nye systemer"}})
    send_minutes(council, concluded, "Rådet godkendte fælles brugerstyring.")
    pass_minutes_deadline(council)
    assert council.meeting(concluded).status == "concluded"

    undecided, [pending] = published_meeting(council, app, people, title="Augustmødet",
                                             items=(("Åbne standarder", "decision"),),
                                             days_ahead=30, item_deadline_days=20)
    decide(council, undecided, {pending: {"decision": "rejected", "reason": "Ikke modent"}})
    assert council.meeting(undecided).status == "minutes"
    draft = council.create_meeting(title="Decembermødet", days_ahead=60, item_deadline_days=50)
    return {"concluded": concluded, "approved": approved, "undecided": undecided, "pending": pending,
            "draft": draft}


def test_the_decisions_page_lists_published_decisions_only(client, history):
    page = client.get("/raadet/beslutninger")
    assert page.status_code == 200
    body = page.data.decode()
    assert "Fælles brugerstyring" in body and "Kun nye systemer" in body
    assert f'href="/raadet/moeder/{history["concluded"]}#punkt-{history["approved"]}"' in body
    assert "Åbne standarder" not in body and "Ikke modent" not in body
    assert "Orientering om MitID" not in body  # an information item is not a decision
    # the decision shows on the public meeting page once the minutes are published, not before
    assert "Kun nye systemer" in client.get(f"/raadet/moeder/{history['concluded']}").data.decode()
    assert "Ikke modent" not in client.get(f"/raadet/moeder/{history['undecided']}").data.decode()


def test_the_atom_feed_has_entries_for_published_decisions_and_minutes(client, history):
    response = client.get("/raadet/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    entries = {e.findtext(f"{ATOM}title"): e for e in feed.findall(f"{ATOM}entry")}
    assert set(entries) == {"Referat: Junimødet", "Godkendt med ændringer: Fælles brugerstyring"}
    decision = entries["Godkendt med ændringer: Fælles brugerstyring"]
    assert decision.findtext(f"{ATOM}summary") == "Kun nye systemer"
    assert decision.find(f"{ATOM}link").get("href").endswith(
        f"/raadet/moeder/{history['concluded']}#punkt-{history['approved']}")
    assert entries["Referat: Junimødet"].findtext(f"{ATOM}summary") == "Rådet godkendte fælles brugerstyring."
    assert all(e.findtext(f"{ATOM}updated") for e in entries.values())
    text = response.data.decode()
    assert "Ikke modent" not in text and "Decembermødet" not in text and "Åbne standarder" not in text


def test_the_calendar_feed_lists_public_meetings(client, app, history):
    from icalendar import Calendar

    from workflows.council import Meeting

    response = client.get("/raadet/moeder.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = {str(e.get("summary")): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Junimødet", "Augustmødet"}  # not the meeting in preparation
    june = events["Junimødet"]
    meeting = model(app, Meeting, history["concluded"])
    assert june.decoded("dtstart") == meeting.starts_at
    assert june.decoded("dtend") - june.decoded("dtstart") == timedelta(hours=3)
    assert str(june.get("uid")) == f"council-meeting-{meeting.id}@byplan"
    assert str(june.get("url")).endswith(f"/raadet/moeder/{meeting.id}")
    assert str(june.get("location")) == "KL, Weidekampsgade 10"


def test_council_pages_do_not_deserialize_workflows(client, app, people, history, monkeypatch):
    engine = app.extensions["byplan"].engine

    def boom(*args, **kwargs):
        raise AssertionError("a council page deserialized a workflow")

    monkeypatch.setattr(engine, "load", boom)
    urls = ("/raadet/moeder", f"/raadet/moeder/{history['concluded']}", "/raadet/beslutninger",
            "/raadet/feed.atom", "/raadet/moeder.ics")
    for url in urls:
        assert client.get(url).status_code == 200, url
    people.login(client, "secretary")
    listing = client.get("/raadet/moeder")
    assert listing.status_code == 200 and "Decembermødet" in listing.data.decode()
    assert client.get(f"/raadet/moeder/{history['draft']}").status_code == 200


# --------------------------------------------------------------- known bugs

def test_a_published_decision_item_cannot_be_removed_and_the_meeting_goes_on(client, app, people, council):
    meeting_id, [keep, drop] = published_meeting(
        council, app, people, items=(("Beholdes", "decision"), ("Udgår", "decision")))
    people.login(client, "secretary")
    # a published decision item cannot be removed (its position tasks exist); the chair decides it instead
    refused = client.post(f"/raadet/punkter/{drop}/fjern",
                          data={"meeting_id": meeting_id, "reason": "Trukket af forslagsstiller"})
    assert refused.status_code == 422
    council.record_positions(meeting_id, {"chair": "agree", "councillor": "agree"})
    council.decide_all(meeting_id, {keep: {"decision": "approved"},
                                    drop: {"decision": "sent_back", "reason": "Trukket af forslagsstiller"}})
    assert council.meeting(meeting_id).status == "minutes"


def test_a_decision_item_added_after_publication_reaches_the_chair_or_is_refused(client, app, people, council):
    meeting_id, [first] = published_meeting(council, app, people)
    people.login(client, "secretary")
    response = client.post(f"/raadet/moeder/{meeting_id}/punkter", data={
        "kind": "decision", "title": "Hastesag", "reason": "Kom efter udsendelsen"})
    if response.status_code == 422:
        return  # refusing is a fine answer
    decide(council, meeting_id, {first: {"decision": "approved"}})
    late = [i for i in council.items(meeting_id) if i.title == "Hastesag"][0]
    assert council.tasks(council.meeting(meeting_id).case_id, "decide") or late.decided_at is not None
