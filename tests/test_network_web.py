"""Network meetings through the pages: the secretariat plans a round and its regional meetings, municipality
contacts register colleagues on their seats (waiting list, cancel, swap, deadline), participant lists, personal
data deletion, the public programme, materials, the iCalendar feed and the evaluation link."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from engine.models import utcnow
from network_support import NetworkDriver

THEME = "Brug af rammearkitekturen"
BOM = b"\xef\xbb\xbf"


# ------------------------------------------------------------------ helpers

@pytest.fixture
def net(app, people) -> NetworkDriver:
    return NetworkDriver(app, people)


def logout(client):
    client.post("/logout")


def text(response) -> str:
    return response.data.decode()


def registration(app, email: str):
    from web.extensions import db
    from workflows.network import Registration

    with app.app_context():
        reg = db.session.scalar(select(Registration).where(Registration.email == email))
        db.session.expunge_all()
        return reg


def register(client, meeting_id: int, name: str, email: str, job_title: str = "", **extra):
    return client.post(f"/netvaerk/moeder/{meeting_id}/tilmeld",
                       data={"name": name, "email": email, "job_title": job_title, **extra})


def add_contact(app, username: str, municipality: str) -> None:
    """A municipality contact of another municipality (created if missing)."""
    from web.extensions import db
    from workflows.directory import MUNICIPALITY_CONTACT, Municipality, create_user
    from support import People

    with app.app_context():
        s = db.session
        muni = s.scalar(select(Municipality).where(Municipality.name == municipality))
        if muni is None:
            muni = Municipality(code=f"m{len(municipality)}", name=municipality, region="Syddanmark")
            s.add(muni)
            s.flush()
        create_user(s, username, username.title(), f"{username}@example.org", People.PASSWORD,
                    (MUNICIPALITY_CONTACT,), muni)
        s.commit()


def open_round(net, seats=2, municipalities=("Hjørring",), regions=(("Midt-Nord", 20, 40),)):
    network_id = net.network(municipalities=municipalities, seats=seats)
    return net.create_round(network_id, regions=regions)


def case_of(app, round_id: int) -> int:
    from web.extensions import db
    from workflows.network import Round

    with app.app_context():
        return db.session.get(Round, round_id).case_id


# ------------------------------------------------------------ planning

def draft_round(app, people, network_id: int, deadline: date) -> int:
    from web.extensions import db

    with app.app_context():
        row = app.extensions["byplan"].networks.create_round(db.session, people.user("secretary"), network_id, {
            "theme": THEME, "format": "talk", "registration_deadline": deadline.isoformat()})
        db.session.commit()
        return row.id


def test_new_round_page_is_for_the_secretariat_and_shows_field_errors(client, app, people, net):
    from web.extensions import db
    from workflows.network import Round

    network_id = net.network(municipalities=("Hjørring",))
    people.login(client, "contact")
    assert client.get("/netvaerk/runder/ny").status_code == 403
    assert client.post("/netvaerk/runder/ny", data={"theme": "x"}).status_code == 403
    logout(client)

    people.login(client, "secretary")
    page = client.get("/netvaerk/runder/ny")
    assert page.status_code == 200 and 'id="f-theme"' in text(page) and 'id="f-registration_deadline"' in text(page)
    response = client.post("/netvaerk/runder/ny", data={"network_id": network_id, "theme": "", "format": "talk",
                                                       "registration_deadline": "31-12-2030"})
    assert response.status_code == 422
    body = text(response)
    assert 'id="e-theme"' in body and "Feltet skal udfyldes." in body
    assert 'id="e-registration_deadline"' in body and "Skriv en dato, der findes." in body
    response = client.post("/netvaerk/runder/ny", data={"network_id": network_id, "theme": THEME, "format": "talk",
                                                       "registration_deadline": ""})
    assert response.status_code == 422 and 'id="e-registration_deadline"' in text(response)
    assert 'id="e-theme"' not in text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Round)) == 0


def test_new_round_page_creates_a_round(client, app, people, net):
    network_id = net.network(municipalities=("Hjørring",))
    people.login(client, "secretary")
    deadline = utcnow().date() + timedelta(days=10)
    response = client.post("/netvaerk/runder/ny", data={"network_id": network_id, "theme": THEME, "format": "talk",
                                                       "registration_deadline": deadline.isoformat()})
    assert response.status_code == 302, re.findall(r'href="#f-[^"]*">[^<]*', text(response))
    assert re.search(r"/netvaerk/runder/\d+$", response.headers["Location"])


def test_secretariat_adds_meetings_programme_and_sees_the_capacity_warning(client, app, people, net):
    from web.extensions import db
    from workflows.network import RegionalMeeting, Round

    network_id = net.network(municipalities=("Hjørring", "Favrskov"), seats=2)  # 4 seats bought per meeting
    deadline = utcnow().date() + timedelta(days=10)
    round_id = draft_round(app, people, network_id, deadline)  # (the new-round page cannot create one; see above)
    people.login(client, "secretary")
    page = text(client.get(f"/netvaerk/runder/{round_id}"))
    assert f'action="/netvaerk/runder/{round_id}/moeder"' in page

    good = {"region": "Midt-Nord", "day": (deadline + timedelta(days=10)).isoformat(), "starts": "09:30",
            "ends": "15:30", "venue": "Rådhuset", "address": "Torvet 1", "online_link": "", "capacity": "3"}
    for bad, field, message in (
            ({"day": deadline.isoformat()}, "day", "Mødet skal ligge efter tilmeldingsfristen."),
            ({"day": (deadline - timedelta(days=1)).isoformat()}, "day", "Mødet skal ligge efter tilmeldingsfristen."),
            ({"starts": "9.30"}, "starts", "Skriv et klokkeslæt som TT:MM."),
            ({"ends": "25:00"}, "ends", "Skriv et klokkeslæt som TT:MM."),
            ({"venue": "", "online_link": ""}, "venue", "Angiv et mødested eller et link til onlinemøde.")):
        response = client.post(f"/netvaerk/runder/{round_id}/moeder", data={**good, **bad})
        assert response.status_code == 422, bad
        assert f'id="e-{field}"' in text(response) and message in text(response), bad
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RegionalMeeting)) == 0

    response = client.post(f"/netvaerk/runder/{round_id}/moeder", data=good)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/netvaerk/runder/{round_id}#moeder")
    with app.app_context():
        meeting_id = db.session.scalar(select(RegionalMeeting.id))

    page = text(client.get(f"/netvaerk/runder/{round_id}"))
    # the over-booking warning, once per round (issue 13 item 6: the wording changed with it)
    assert "Kommunerne har købt 4 pladser pr. møde – flere, end disse mødesteder har plads til: Midt-Nord (3)." in page
    assert "ikke bekræftet" in page

    assert client.post(f"/netvaerk/moeder/{meeting_id}/program", data={"kind": "talk", "title": ""}).status_code == 422
    response = client.post(f"/netvaerk/moeder/{meeting_id}/program", data={
        "kind": "case", "title": "Fælles brugerstyring i praksis", "speaker": "Anne Berg",
        "organisation": "Hjørring Kommune"})
    assert response.status_code == 302
    assert client.post(f"/netvaerk/moeder/{meeting_id}/bekraeft").status_code == 302
    page = text(client.get(f"/netvaerk/runder/{round_id}"))
    assert "Fælles brugerstyring i praksis – Anne Berg (Hjørring Kommune)" in page and "ikke bekræftet" not in page
    logout(client)

    # a draft round is not public
    assert client.get(f"/netvaerk/program/{round_id}").status_code == 404
    assert client.get(f"/netvaerk/runder/{round_id}").status_code == 404

    net.complete_single(case_of(app, round_id), "secretary", {})  # publish
    with app.app_context():
        assert db.session.get(Round, round_id).status == "open"
        assert db.session.get(RegionalMeeting, meeting_id).confirmed
    page = client.get(f"/netvaerk/program/{round_id}")
    assert page.status_code == 200 and "Fælles brugerstyring i praksis" in text(page)

    people.login(client, "secretary")
    response = client.post(f"/netvaerk/runder/{round_id}/moeder", data={**good, "region": "Sjælland"})
    assert response.status_code == 422  # the round is published; its meetings are fixed
    assert client.post("/netvaerk/moeder/424242/bekraeft").status_code == 404


# --------------------------------------------------------- registration

def test_contact_registers_colleagues_waiting_list_cancel_swap_and_deadline(client, app, people, net):
    from web.extensions import db
    from workflows.network import Registration

    round_id, (first, second) = open_round(net, regions=(("Midt-Nord", 20, 40), ("Sjælland", 21, 40)))
    people.login(client, "contact")
    page = client.get(f"/netvaerk/runder/{round_id}")
    assert page.status_code == 200 and f'action="/netvaerk/moeder/{first}/tilmeld"' in text(page)

    response = register(client, first, "Anne Andersen", "Anne@Hjoerring.dk", "Arkitekt")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#moede-{first}")
    assert "Tilmeldingen er gemt." in text(client.get(f"/netvaerk/runder/{round_id}"))
    assert register(client, first, "Bo Bech", "bo@hjoerring.dk").status_code == 302
    response = register(client, first, "Carl Clausen", "carl@hjoerring.dk")
    assert response.status_code == 302
    page = text(client.get(f"/netvaerk/runder/{round_id}"))
    assert "Carl Clausen er på venteliste" in page
    assert "Jeres kommunes pladser: 2 / 2" in page
    assert [registration(app, e).status for e in ("anne@hjoerring.dk", "bo@hjoerring.dk", "carl@hjoerring.dk")] \
        == ["registered", "registered", "waiting"]

    response = register(client, first, "Anne igen", "ANNE@hjoerring.dk")
    assert response.status_code == 422 and "Denne person er allerede tilmeldt mødet." in text(response)
    response = register(client, first, "Dorte", "dorte(at)hjoerring.dk")
    assert response.status_code == 422
    assert f'id="e-email-{first}"' in text(response) and "Skriv en gyldig e-mailadresse." in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert register(client, first, "", "dorte@hjoerring.dk").status_code == 422
    assert register(client, first, "Dorte", "dorte@hjoerring.dk", municipality_id="999").status_code == 403
    assert register(client, 424242, "Dorte", "dorte@hjoerring.dk").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 3

    # cancelling moves the waiting colleague up
    anne = registration(app, "anne@hjoerring.dk")
    assert client.post(f"/netvaerk/tilmeldinger/{anne.id}/afmeld").status_code == 302
    assert registration(app, "anne@hjoerring.dk").status == "cancelled"
    assert registration(app, "carl@hjoerring.dk").status == "registered"
    assert client.post(f"/netvaerk/tilmeldinger/{anne.id}/afmeld").status_code == 422  # already cancelled

    # 'kom som du er': another colleague takes Bo's seat
    bo = registration(app, "bo@hjoerring.dk")
    response = client.post(f"/netvaerk/tilmeldinger/{bo.id}/skift",
                           data={"name": "Dorte Dahl", "email": "dorte@hjoerring.dk", "job_title": "Projektleder"})
    assert response.status_code == 302
    swapped = registration(app, "dorte@hjoerring.dk")
    assert (swapped.id, swapped.name, swapped.status, swapped.job_title) == (bo.id, "Dorte Dahl", "registered",
                                                                            "Projektleder")
    assert client.post(f"/netvaerk/tilmeldinger/{bo.id}/skift", data={"name": "X", "email": "x"}).status_code == 422

    assert register(client, first, "Frida Friis", "frida@hjoerring.dk").status_code == 302  # third: waiting
    assert register(client, second, "Eva Ebbesen", "eva@hjoerring.dk").status_code == 302

    # the contact's overview lists the colleagues across meetings
    overview = text(client.get("/netvaerk"))
    for name in ("Dorte Dahl", "Carl Clausen", "Frida Friis", "Eva Ebbesen"):
        assert name in overview, name
    assert f"{THEME} – Midt-Nord" in overview and f"{THEME} – Sjælland" in overview
    assert "Venteliste" in overview

    # the participant list is the secretariat's
    assert client.get(f"/netvaerk/moeder/{first}/deltagere.csv").status_code == 403
    logout(client)
    people.login(client, "secretary")
    response = client.get(f"/netvaerk/moeder/{first}/deltagere.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(BOM)
    rows = response.data[len(BOM):].decode("utf-8").splitlines()
    assert rows[0] == "Kommune;Navn;E-mail;Stilling;Status"
    assert sorted(rows[1:]) == sorted(["Hjørring;Carl Clausen;carl@hjoerring.dk;;tilmeldt",
                                       "Hjørring;Dorte Dahl;dorte@hjoerring.dk;Projektleder;tilmeldt",
                                       "Hjørring;Frida Friis;frida@hjoerring.dk;;venteliste"])

    # deleting personal data keeps the registration and its count
    frida = registration(app, "frida@hjoerring.dk")
    assert client.post(f"/netvaerk/tilmeldinger/{frida.id}/slet-persondata").status_code == 302
    rows = client.get(f"/netvaerk/moeder/{first}/deltagere.csv").data[len(BOM):].decode("utf-8").splitlines()
    assert len(rows) == 4 and not any("Frida" in r or "frida@" in r for r in rows)
    assert f"Hjørring;(slettet);slettet-{frida.id}@invalid;;venteliste" in rows
    with app.app_context():
        gone = db.session.get(Registration, frida.id)
        assert (gone.status, gone.anonymised_at is not None) == ("waiting", True)
    page = text(client.get(f"/netvaerk/runder/{round_id}"))
    assert re.search(r"<td[^>]*>Hjørring</td><td[^>]*>2</td><td[^>]*>2</td><td[^>]*>1</td>", page)
    logout(client)
    people.login(client, "contact")
    assert client.post(f"/netvaerk/tilmeldinger/{frida.id}/slet-persondata").status_code == 403

    # after the registration deadline nothing changes any more
    with time_machine.travel(utcnow() + timedelta(days=11), tick=False):
        response = register(client, first, "Gitte Gram", "gitte@hjoerring.dk")
        assert response.status_code == 422 and "Tilmeldingen til dette møde er lukket." in text(response)
        carl = registration(app, "carl@hjoerring.dk")
        assert client.post(f"/netvaerk/tilmeldinger/{carl.id}/afmeld").status_code == 422
        assert client.post(f"/netvaerk/tilmeldinger/{carl.id}/skift",
                           data={"name": "Gitte Gram", "email": "gitte@hjoerring.dk"}).status_code == 422
    assert registration(app, "carl@hjoerring.dk").status == "registered"
    assert registration(app, "gitte@hjoerring.dk") is None


def test_only_contacts_of_member_municipalities_register(client, app, people, net):
    from web.extensions import db
    from workflows.network import Registration

    round_id, (meeting_id,) = open_round(net)
    add_contact(app, "fremmed", "Favrskov")  # a contact, but Favrskov is not a member of the network
    people.login(client, "fremmed")
    response = register(client, meeting_id, "Hans Hansen", "hans@favrskov.dk")
    assert response.status_code == 403 and "Jeres kommune har ingen pladser i dette netværk." in text(response)
    logout(client)
    for username in ("secretary", "lead"):
        people.login(client, username)
        assert register(client, meeting_id, "Hans Hansen", "hans@favrskov.dk").status_code == 403, username
        logout(client)
    # not logged in: to the login page
    assert register(client, meeting_id, "Hans Hansen", "hans@favrskov.dk").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0

    # a contact cannot cancel another municipality's registration
    people.login(client, "contact")
    assert register(client, meeting_id, "Anne Andersen", "anne@hjoerring.dk").status_code == 302
    logout(client)
    people.login(client, "fremmed")
    anne = registration(app, "anne@hjoerring.dk")
    assert client.post(f"/netvaerk/tilmeldinger/{anne.id}/afmeld").status_code == 403
    assert client.post("/netvaerk/tilmeldinger/424242/afmeld").status_code == 404
    assert registration(app, "anne@hjoerring.dk").status == "registered"


def test_registration_error_summary_links_to_the_field(client, people, net):
    round_id, (meeting_id,) = open_round(net)
    people.login(client, "contact")
    response = register(client, meeting_id, "Dorte", "dorte(at)hjoerring.dk")
    assert response.status_code == 422
    body = text(response)
    assert f'id="f-email-{meeting_id}"' in body
    assert f'href="#f-email-{meeting_id}"' in body


def test_registration_form_keeps_the_typed_values_after_an_error(client, people, net):
    round_id, (meeting_id,) = open_round(net)
    people.login(client, "contact")
    response = register(client, meeting_id, "Bo Bech", "bo(at)hjoerring.dk", "Arkitekt")
    assert response.status_code == 422
    assert 'value="Bo Bech"' in text(response) and 'value="bo(at)hjoerring.dk"' in text(response)


def test_swap_to_an_already_registered_colleague_is_refused(client, app, people, net):
    round_id, (meeting_id,) = open_round(net)
    people.login(client, "contact")
    register(client, meeting_id, "Anne Andersen", "anne@hjoerring.dk")
    register(client, meeting_id, "Bo Bech", "bo@hjoerring.dk")
    bo = registration(app, "bo@hjoerring.dk")
    response = client.post(f"/netvaerk/tilmeldinger/{bo.id}/skift",
                           data={"name": "Anne Andersen", "email": "anne@hjoerring.dk"})
    assert response.status_code == 422


# --------------------------------------------- programme, materials, feed

def test_public_programme_materials_and_calendar(client, app, people, net):
    from icalendar import Calendar

    from web.extensions import db
    from workflows.network import MeetingDocument, RegionalMeeting

    round_id, (meeting_id,) = open_round(net)
    # a draft round of the same network stays out of the feed
    with app.app_context():
        s = db.session
        networks = app.extensions["byplan"].networks
        from workflows.network import Network

        draft = networks.create_round(s, people.user("secretary"), s.scalar(select(Network.id)), {
            "theme": "Hemmeligt udkast", "format": "workshop",
            "registration_deadline": (utcnow().date() + timedelta(days=10)).isoformat()})
        networks.add_meeting(s, people.user("secretary"), draft.id, {
            "region": "Syddanmark", "day": (utcnow().date() + timedelta(days=30)).isoformat(), "starts": "10:00",
            "ends": "12:00", "venue": "", "online_link": "https://moede.example/abc", "capacity": "20"})
        s.commit()
        draft_id = draft.id

    people.login(client, "secretary")
    response = client.post(f"/netvaerk/moeder/{meeting_id}/materiale", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"%PDF-1.4 oplaeg"), "oplaeg.pdf")})
    assert response.status_code == 302
    assert client.post(f"/netvaerk/moeder/{meeting_id}/materiale", data={}).status_code == 422
    logout(client)
    with app.app_context():
        document_id = db.session.scalar(select(MeetingDocument.document_id))
    url = f"/netvaerk/moeder/{meeting_id}/dokumenter/{document_id}"

    page = client.get(f"/netvaerk/program/{round_id}")
    assert page.status_code == 200
    assert THEME in text(page) and "Rådhuset, Torvet 1" in text(page)
    assert "log ind for at se dem" in text(page) and url not in text(page)
    assert client.get(f"/netvaerk/program/{draft_id}").status_code == 404
    assert client.get("/netvaerk/program/424242").status_code == 404
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]

    people.login(client, "contact")
    assert url in text(client.get(f"/netvaerk/program/{round_id}"))
    assert url in text(client.get(f"/netvaerk/runder/{round_id}"))
    response = client.get(url)
    assert response.status_code == 200 and response.data == b"%PDF-1.4 oplaeg"
    assert "oplaeg.pdf" in response.headers["Content-Disposition"]
    assert client.get(f"/netvaerk/moeder/{meeting_id}/dokumenter/{document_id + 1000}").status_code == 404
    logout(client)

    response = client.get("/netvaerk/moeder.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = [c for c in calendar.walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == [f"{THEME} – Midt-Nord"]
    with app.app_context():
        meeting = db.session.get(RegionalMeeting, meeting_id)
        starts, ends = meeting.starts_at, meeting.ends_at
    assert events[0].decoded("dtstart") == starts and events[0].decoded("dtend") == ends
    assert str(events[0]["location"]) == "Rådhuset, Torvet 1"
    assert str(events[0]["url"]).endswith(f"/netvaerk/program/{round_id}")


# ------------------------------------------------------------ evaluation

def test_evaluation_link_accepts_one_answer(client, app, people, net):
    from engine.mail import OutboxMail
    from web.extensions import db
    from workflows.network import Evaluation

    round_id, (meeting_id,) = open_round(net)
    people.login(client, "contact")
    assert register(client, meeting_id, "Anne Andersen", "anne@hjoerring.dk").status_code == 302
    logout(client)
    engine = app.extensions["byplan"].engine
    start = utcnow()
    with time_machine.travel(start + timedelta(days=11), tick=False):
        assert engine.fire_due_timers() >= 1  # the registration deadline
    with time_machine.travel(start + timedelta(days=21), tick=False):
        assert engine.fire_due_timers() >= 1  # the meeting has been held
        net.complete_single(case_of(app, round_id), "secretary", {}, "upload_materials")
        with app.app_context():
            mail = db.session.scalar(select(OutboxMail).where(OutboxMail.tag == "network.evaluation",
                                                              OutboxMail.to_address == "anne@hjoerring.dk"))
            token = re.search(r"/netvaerk/evaluering/(\S+)", mail.body).group(1)
        link = f"/netvaerk/evaluering/{token}"

        page = client.get(link)
        assert page.status_code == 200 and f"{THEME} – Midt-Nord" in text(page)
        for bad in ({"overall": "6", "usefulness": "3"}, {"overall": "0", "usefulness": "3"},
                    {"overall": "4", "usefulness": ""}, {"overall": "fem", "usefulness": "3"}):
            response = client.post(link, data=bad)
            assert response.status_code == 422, bad
        response = client.post(link, data={"overall": "6", "usefulness": "3"})
        assert 'id="e-overall"' in text(response) and "Tallet ligger uden for det tilladte interval." in text(response)
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 0

        response = client.post(link, data={"overall": "5", "usefulness": "4", "comment": "Godt møde"})
        assert response.status_code == 302
        assert "Tak for din evaluering." in text(client.get(link))
        response = client.post(link, data={"overall": "1", "usefulness": "1"})
        assert response.status_code == 422 and "Du har allerede besvaret evalueringen. Tak." in text(response)

        forged = "x" + token[1:] if token[0] != "x" else "y" + token[1:]
        assert client.get(f"/netvaerk/evaluering/{forged}").status_code == 404
        assert client.post(f"/netvaerk/evaluering/{forged}", data={"overall": "5", "usefulness": "5"}).status_code \
            == 404
        with app.app_context():
            rows = db.session.scalars(select(Evaluation)).all()
            assert [(r.overall, r.usefulness, r.comment) for r in rows] == [(5, 4, "Godt møde")]

        people.login(client, "secretary")
        page = text(client.get(f"/netvaerk/runder/{round_id}"))
        assert "1 / 1" in page and "Godt møde" in page


# ----------------------------------------------------------- list pages

def test_network_pages_do_not_deserialize_workflows(client, app, people, net, monkeypatch):
    round_id, (meeting_id,) = open_round(net)
    people.login(client, "contact")
    assert register(client, meeting_id, "Anne Andersen", "anne@hjoerring.dk").status_code == 302
    engine = app.extensions["byplan"].engine

    def boom(*args, **kwargs):
        raise AssertionError("a list page deserialized a workflow")

    monkeypatch.setattr(engine, "load", boom)
    for url in ("/netvaerk", f"/netvaerk/runder/{round_id}", f"/netvaerk/program/{round_id}", "/netvaerk/moeder.ics"):
        assert client.get(url).status_code == 200, url
    assert register(client, meeting_id, "Bo Bech", "bo@hjoerring.dk").status_code == 302
    logout(client)
    people.login(client, "secretary")
    for url in ("/netvaerk", f"/netvaerk/runder/{round_id}", f"/netvaerk/moeder/{meeting_id}/deltagere.csv"):
        assert client.get(url).status_code == 200, url


def test_the_public_meeting_calendar_has_a_name(client):
    """Calendar readers show X-WR-CALNAME as the subscribed calendar's name (the other feeds have one)."""
    from icalendar import Calendar

    calendar = Calendar.from_ical(client.get("/netvaerk/moeder.ics").data)
    assert str(calendar["X-WR-CALNAME"]) == "Byplan – netværksmøder"


def test_a_date_is_entered_as_day_month_and_year_fields_and_kept_as_typed_on_error(client, app, people, net):
    """DKFDS "Datofelter": one fieldset, three labelled numeric inputs; without JavaScript the parts are joined."""
    from lxml import html as lxml_html

    network_id = net.network(municipalities=("Hjørring",))
    people.login(client, "secretary")
    form = lxml_html.fromstring(text(client.get("/netvaerk/runder/ny")))
    [fieldset] = form.xpath("//fieldset[@id='f-registration_deadline']")
    assert fieldset.xpath("string(legend)").startswith("Tilmeldingsfrist")
    assert [i.get("name") for i in fieldset.xpath(".//input")] == [
        "registration_deadline-day", "registration_deadline-month", "registration_deadline-year"]
    assert [fieldset.xpath(f"string(.//label[@for='{i.get('id')}'])") for i in fieldset.xpath(".//input")] == [
        "Dag", "Måned", "År"]
    assert all(i.get("inputmode") == "numeric" for i in fieldset.xpath(".//input"))

    bad = client.post("/netvaerk/runder/ny", data={
        "network_id": network_id, "theme": THEME, "format": "talk",
        "registration_deadline-day": "31", "registration_deadline-month": "2", "registration_deadline-year": "2031"})
    assert bad.status_code == 422
    page = lxml_html.fromstring(text(bad))
    assert page.xpath("string(//*[@id='e-registration_deadline'])").strip() == "Skriv en dato, der findes."
    assert [i.get("value") for i in page.xpath("//fieldset[@id='f-registration_deadline']//input")] == [
        "31", "2", "2031"]

    deadline = utcnow().date() + timedelta(days=10)
    good = client.post("/netvaerk/runder/ny", data={
        "network_id": network_id, "theme": THEME, "format": "talk",
        "registration_deadline-day": str(deadline.day), "registration_deadline-month": str(deadline.month),
        "registration_deadline-year": str(deadline.year)})
    assert good.status_code == 302
    from web.extensions import db
    from workflows.network import Round
    with app.app_context():
        assert db.session.scalars(select(Round.registration_deadline)).one() == deadline
