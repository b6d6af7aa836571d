"""Hearings through the web pages: the secretariat's preparation, roles, party links, late responses,
the dashboard, the public pages, the calendar feeds and the demo mailbox."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from steps.common import clock_at

from engine.mail import OutboxMail
from engine.models import ReadyTask
from web.extensions import db
from workflows.directory import Municipality
from workflows.hearing import Hearing, HearingParty, HearingResponse, deadline_moment

T0 = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)  # a Monday, 10:00 in Copenhagen
DEADLINE = date(2031, 3, 24)  # three weeks later; the end of that day in Copenhagen
PDF = b"%PDF-1.4 hearing material"


# ------------------------------------------------------------------ fixtures

# The clock stands still at T0 (log in after this, so the session cookie is signed at T0).
clock = clock_at(T0)


@pytest.fixture
def municipalities(app, people) -> dict[str, int]:
    """Hjørring (the contact's municipality) gets a hearing mailbox; three more, Læsø without one."""
    with app.app_context():
        s = db.session
        hjoerring = s.scalar(select(Municipality).where(Municipality.name == "Hjørring"))
        hjoerring.email = "hoering@hjoerring.example"
        s.add_all([Municipality(code="147", name="Frederiksberg", region="Hovedstaden", email="hoering@frb.example"),
                   Municipality(code="751", name="Aarhus", region="Midtjylland", email="hoering@aarhus.example"),
                   Municipality(code="825", name="Læsø", region="Nordjylland")])
        s.commit()
        return {m.name: m.id for m in s.scalars(select(Municipality))}


class Hearings:
    """Sets hearings up through the services (not the pages), in the app context."""

    def __init__(self, app, people):
        self.app = app
        self.people = people
        self.byplan = app.extensions["byplan"]
        self.service = self.byplan.hearings

    def draft(self, title: str, *, municipalities=(), externals=(), material=(), group_id=None) -> int:
        with self.app.app_context():
            s = db.session
            secretary = self.people.user("secretary")
            hearing = self.service.create(s, secretary, title=title, summary=f"Resumé: {title}",
                                          working_group_id=group_id or self.people.group_id)
            if municipalities:
                self.service.add_municipalities(s, secretary, hearing.id, list(municipalities))
            for name, email in externals:
                self.service.add_external_party(s, secretary, hearing.id, {"name": name, "email": email})
            for filename, content, doc_title in material:
                self.service.add_document(s, secretary, hearing.id, filename, content, doc_title)
            s.commit()
            return hearing.id

    def publish(self, hearing_id: int, deadline: date = DEADLINE, reminder_days: int = 7) -> dict[str, str]:
        """Completes the prepare task; returns {party e-mail: link token} read from the invitations."""
        with self.app.app_context():
            s = db.session
            hearing = s.get(Hearing, hearing_id)
            task = s.scalar(select(ReadyTask).where(ReadyTask.case_id == hearing.case_id))
            self.byplan.complete_task(s, self.people.user("secretary"), task.id, {
                "title": hearing.title, "summary": hearing.summary, "deadline": deadline.isoformat(),
                "reminder_days": str(reminder_days)}, None)
            s.commit()
        return self.tokens(hearing_id)

    def tokens(self, hearing_id: int) -> dict[str, str]:
        with self.app.app_context():
            s = db.session
            case_id = s.get(Hearing, hearing_id).case_id
            mails = s.scalars(select(OutboxMail).where(OutboxMail.case_id == case_id,
                                                       OutboxMail.tag == "hearing.invite"))
            return {m.to_address: re.search(r"/hoering/svar/(\S+)", m.body).group(1) for m in mails}

    def hearing(self, hearing_id: int) -> Hearing:
        with self.app.app_context():
            hearing = db.session.get(Hearing, hearing_id)
            db.session.expunge(hearing)
            return hearing

    def responses(self, hearing_id: int) -> list[HearingResponse]:
        with self.app.app_context():
            rows = list(db.session.scalars(select(HearingResponse).where(HearingResponse.hearing_id == hearing_id)
                                           .order_by(HearingResponse.id)))
            for r in rows:
                db.session.expunge(r)
            return rows

    def count(self, model, *where) -> int:
        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(model).where(*where))

    def task(self, hearing_id: int) -> ReadyTask | None:
        with self.app.app_context():
            s = db.session
            task = s.scalar(select(ReadyTask).where(ReadyTask.case_id == s.get(Hearing, hearing_id).case_id))
            if task is not None:
                s.expunge(task)
            return task

    def conclude(self, hearing_id: int) -> None:
        """After the deadline: the sweep closes the hearing; the group writes the note; the secretariat approves."""
        self.byplan.engine.fire_due_timers()
        with self.app.app_context():
            s = db.session
            lead = self.people.user("lead")
            assert s.get(Hearing, hearing_id).status == "closed"
            for r in s.scalars(select(HearingResponse).where(HearingResponse.hearing_id == hearing_id,
                                                             HearingResponse.current.is_(True))):
                if r.considered:
                    self.service.add_point(s, lead, hearing_id, {
                        "response_id": str(r.id), "point": f"Punkt fra {r.party.name}", "disposition": "noted",
                        "reason": f"Begrundelse til {r.party.name}"})
            s.commit()
        for username, values in (("lead", {"note_summary": "Høringsnotatets resumé"}),
                                 ("secretary", {"note_decision": "approve"})):
            with self.app.app_context():
                s = db.session
                task = s.scalar(select(ReadyTask).where(ReadyTask.case_id == s.get(Hearing, hearing_id).case_id))
                self.byplan.complete_task(s, self.people.user(username), task.id, values, None)
                s.commit()
        assert self.hearing(hearing_id).status == "concluded"


@pytest.fixture
def hearings(app, people) -> Hearings:
    return Hearings(app, people)


# ------------------------------------------------------------------- helpers

def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def version_of(form_html: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', form_html).group(1))


def upload(content: bytes, name: str):
    return (io.BytesIO(content), name)


def dashboard_rows(html: str) -> list[dict]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        days = re.search(r'<span class="days days-(\w+)">([^<]*)</span>', tr)
        rows.append({"title": re.search(r'<a href="/hoeringer/\d+">([^<]+)</a>', tr).group(1),
                     "level": days.group(1) if days else None,
                     "days": days.group(2).strip() if days else text_of(cells[1]),
                     "responses": text_of(cells[2]), "late": text_of(cells[3]), "late_html": cells[3]})
    return rows


# ================================================== the secretariat prepares

def test_secretariat_creates_prepares_and_publishes_a_hearing(client, app, people, municipalities, hearings, clock):
    people.login(client, "secretary")
    assert client.get("/hoeringer/ny").status_code == 200
    response = client.post("/hoeringer/ny", data={"title": " ", "summary": "x", "working_group_id": people.group_id})
    assert response.status_code == 422 and 'id="e-title"' in response.data.decode()
    assert hearings.count(Hearing) == 0

    response = client.post("/hoeringer/ny", data={"title": "Fælles brugerstyring", "summary": "Referencearkitektur",
                                                  "working_group_id": people.group_id})
    assert response.status_code == 302
    url = response.headers["Location"]
    hearing_id = int(re.fullmatch(r"/hoeringer/(\d+)", url).group(1))
    page = client.get(url).data.decode()
    assert "Fælles brugerstyring" in page
    for name in ("Frederiksberg", "Aarhus", "Hjørring", "Læsø"):
        assert f'name="municipality_id" value="{municipalities[name]}"' in page

    response = client.post(f"{url}/parter/kommuner",
                           data={"municipality_id": [municipalities["Frederiksberg"], municipalities["Aarhus"]]})
    assert response.status_code == 302 and response.headers["Location"].endswith("#parter")
    response = client.post(f"{url}/parter/ekstern", data={"name": "Leverandør A/S", "email": "Hoering@Lev.example"})
    assert response.status_code == 302
    page = client.get(url).data.decode()
    assert "Frederiksberg" in page and "Aarhus" in page and "hoering@lev.example" in page
    # the added municipalities are no longer offered
    assert f'value="{municipalities["Aarhus"]}"' not in page

    # per-field errors; nothing changes
    parties_before = hearings.count(HearingParty)
    bad = client.post(f"{url}/parter/ekstern", data={"name": "Styrelsen", "email": "ikke en adresse"})
    assert bad.status_code == 422
    body = bad.data.decode()
    assert 'id="e-email"' in body and 'aria-invalid="true" aria-describedby="e-email"' in body
    assert "Skriv en gyldig e-mailadresse." in body and 'href="#f-email"' in body
    assert 'value="Styrelsen"' in body  # the input is kept
    duplicate = client.post(f"{url}/parter/ekstern", data={"name": "Leverandør B", "email": "HOERING@lev.example"})
    assert duplicate.status_code == 422
    assert 'id="e-email"' in duplicate.data.decode()
    assert "Denne e-mailadresse er allerede høringspart i høringen." in duplicate.data.decode()
    nameless = client.post(f"{url}/parter/ekstern", data={"name": "", "email": "x@y.example"})
    assert nameless.status_code == 422 and 'id="e-name"' in nameless.data.decode()
    assert hearings.count(HearingParty) == parties_before == 3
    assert hearings.hearing(hearing_id).parties_count == 3

    response = client.post(f"{url}/materiale", data={"title": "Udkast til referencearkitektur",
                                                     "file": upload(PDF, "udkast.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    no_file = client.post(f"{url}/materiale", data={"title": "x"}, content_type="multipart/form-data")
    assert no_file.status_code == 422 and "Vælg den fil, du vil uploade." in no_file.data.decode()
    assert "Udkast til referencearkitektur" in client.get(url).data.decode()

    # the prepare task: a deadline in the past is refused on its field; nothing is published
    task = hearings.task(hearing_id)
    form = client.get(f"/opgaver/{task.id}").data.decode()
    assert f'href="/hoeringer/{hearing_id}"' in form
    version = version_of(form)
    past = client.post(f"/opgaver/{task.id}", data={
        "version": version, "title": "Fælles brugerstyring", "summary": "Referencearkitektur",
        "deadline": (T0 - timedelta(days=1)).date().isoformat(), "reminder_days": "7"})
    assert past.status_code == 422
    body = past.data.decode()
    assert 'id="e-deadline"' in body and 'href="#f-deadline"' in body
    assert "Høringsfristen skal ligge efter i dag." in body
    assert hearings.hearing(hearing_id).status == "draft"
    assert hearings.count(OutboxMail) == 0
    assert hearings.task(hearing_id).id == task.id

    response = client.post(f"/opgaver/{task.id}", data={
        "version": version, "title": "Fælles brugerstyring", "summary": "Referencearkitektur",
        "deadline": DEADLINE.isoformat(), "reminder_days": "5"})
    assert response.status_code == 302
    hearing = hearings.hearing(hearing_id)
    assert hearing.status == "open" and hearing.deadline == DEADLINE
    assert hearing.deadline_at == deadline_moment(DEADLINE) == datetime(2031, 3, 24, 22, 59, 59, tzinfo=timezone.utc)
    assert hearing.reminder_at == hearing.deadline_at - timedelta(days=5)
    tokens = hearings.tokens(hearing_id)
    assert set(tokens) == {"hoering@frb.example", "hoering@aarhus.example", "hoering@lev.example"}
    assert len(set(tokens.values())) == 3
    # published: parties and material are locked
    locked = client.post(f"{url}/parter/ekstern", data={"name": "Sent", "email": "sent@x.example"})
    assert locked.status_code == 422 and hearings.count(HearingParty) == 3


def test_publishing_is_refused_while_a_party_has_no_email(client, people, municipalities, hearings, clock):
    hearing_id = hearings.draft("Åbne data", municipalities=[municipalities["Læsø"], municipalities["Aarhus"]])
    people.login(client, "secretary")
    page = client.get(f"/hoeringer/{hearing_id}").data.decode()
    assert "Læsø" in page and "ingen e-mailadresse" in page
    task = hearings.task(hearing_id)
    data = {"version": version_of(client.get(f"/opgaver/{task.id}").data.decode()), "title": "Åbne data",
            "summary": "Resumé", "deadline": DEADLINE.isoformat(), "reminder_days": "7"}
    response = client.post(f"/opgaver/{task.id}", data=data)
    assert response.status_code == 422
    body = response.data.decode()
    assert "Disse høringsparter har ingen e-mailadresse:" in body and "Læsø" in body
    assert hearings.hearing(hearing_id).status == "draft"
    assert hearings.count(OutboxMail) == 0 and hearings.task(hearing_id).id == task.id

    # removing the party without an address lets it through
    with hearings.app.app_context():
        laesoe = db.session.scalar(select(HearingParty.id).where(HearingParty.hearing_id == hearing_id,
                                                                 HearingParty.name == "Læsø"))
    assert client.post(f"/hoeringer/{hearing_id}/parter/{laesoe}/fjern").status_code == 302
    assert client.post(f"/opgaver/{task.id}", data=data).status_code == 302
    assert hearings.hearing(hearing_id).status == "open"
    assert list(hearings.tokens(hearing_id)) == ["hoering@aarhus.example"]


def test_party_error_on_the_prepare_task_links_to_something(client, people, municipalities, hearings, clock):
    hearing_id = hearings.draft("Åbne data", municipalities=[municipalities["Læsø"]])
    people.login(client, "secretary")
    task = hearings.task(hearing_id)
    body = client.post(f"/opgaver/{task.id}", data={
        "version": version_of(client.get(f"/opgaver/{task.id}").data.decode()), "title": "Åbne data",
        "summary": "Resumé", "deadline": DEADLINE.isoformat(), "reminder_days": "7"}).data.decode()
    targets = re.findall(r'<li><a href="#([^"]+)"', body)
    assert targets == ["f-parties", "f-parties"]
    assert 'id="f-parties"' in body


# ====================================================================== roles

def test_roles_on_the_staff_pages(client, people, municipalities, hearings, clock):
    hearing_id = hearings.draft("Brugerstyring", municipalities=[municipalities["Hjørring"]])
    parties_before = hearings.count(HearingParty)
    people.login(client, "contact")
    assert client.get("/hoeringer/ny").status_code == 403
    assert client.post("/hoeringer/ny", data={"title": "x", "working_group_id": people.group_id}).status_code == 403
    assert client.post(f"/hoeringer/{hearing_id}/parter/ekstern",
                       data={"name": "Leverandør", "email": "lev@x.example"}).status_code == 403
    assert client.post(f"/hoeringer/{hearing_id}/parter/kommuner",
                       data={"municipality_id": municipalities["Aarhus"]}).status_code == 403
    assert client.post(f"/hoeringer/{hearing_id}/materiale", data={"file": upload(PDF, "x.pdf")},
                       content_type="multipart/form-data").status_code == 403
    assert hearings.count(HearingParty) == parties_before
    client.post("/logout")

    people.login(client, "outsider")  # a member of another working group
    assert client.get(f"/hoeringer/{hearing_id}").status_code == 403
    client.post("/logout")
    people.login(client, "member")  # a member of the hearing's group may read it, not change it
    assert client.get(f"/hoeringer/{hearing_id}").status_code == 200
    assert client.post(f"/hoeringer/{hearing_id}/parter/ekstern",
                       data={"name": "Leverandør", "email": "lev@x.example"}).status_code == 403
    assert hearings.count(HearingParty) == parties_before


def test_contact_sees_and_answers_only_their_municipalitys_hearings(client, people, municipalities, hearings, clock):
    ours = hearings.draft("Brugerstyring", municipalities=[municipalities["Hjørring"], municipalities["Aarhus"]],
                          material=[("udkast.pdf", PDF, "Udkast")])
    theirs = hearings.draft("Sag- og dokumentstandard", municipalities=[municipalities["Aarhus"]])
    hearings.publish(ours)
    hearings.publish(theirs)
    people.login(client, "contact")
    listing = client.get("/hoeringer").data.decode()
    assert "Brugerstyring" in listing and "Sag- og dokumentstandard" not in listing
    assert f'href="/hoeringer/{ours}"' in listing

    page = client.get(f"/hoeringer/{ours}").data.decode()
    assert "Hjørring" in page and "Udkast" in page and f'action="/hoeringer/{ours}/svar"' in page
    empty = client.post(f"/hoeringer/{ours}/svar", data={"text": "  "})
    assert empty.status_code == 422 and 'id="e-text"' in empty.data.decode()
    assert "Skriv et høringssvar, eller vedhæft en fil." in empty.data.decode()
    assert hearings.count(HearingResponse) == 0
    response = client.post(f"/hoeringer/{ours}/svar", data={"text": "Hjørring støtter forslaget",
                                                            "files": upload(b"bilag", "bilag.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == f"/hoeringer/{ours}"
    page = client.get(f"/hoeringer/{ours}").data.decode()
    assert "Dit høringssvar er modtaget." in page and "Hjørring støtter forslaget" in page
    [stored] = hearings.responses(ours)
    assert stored.submitted_by == "contact" and stored.version == 1 and not stored.late
    assert hearings.hearing(ours).answered_count == 1

    # not a party: 403 on reading and answering; nothing stored
    forbidden = client.get(f"/hoeringer/{theirs}")
    assert forbidden.status_code == 403
    assert "Din kommune er ikke høringspart i denne høring." in forbidden.data.decode()
    assert client.post(f"/hoeringer/{theirs}/svar", data={"text": "x"}).status_code == 403
    assert hearings.responses(theirs) == []


def test_contact_cannot_see_a_draft_hearing(client, people, municipalities, hearings, clock):
    draft = hearings.draft("Hemmelig kladde", municipalities=[municipalities["Hjørring"]],
                           material=[("kladde.pdf", PDF, "Intern kladde")])
    assert client.get(f"/offentlige-hoeringer/{draft}").status_code == 404
    people.login(client, "contact")
    assert "Hemmelig kladde" not in client.get("/hoeringer").data.decode()
    assert client.get(f"/hoeringer/{draft}").status_code in (403, 404)


def test_dashboard_lists_only_hearings_the_user_may_open(client, people, hearings, clock):
    hearings.draft("Kladde i Brugerstyring")  # people.group; the outsider is in people.other_group
    people.login(client, "outsider")
    page = client.get("/hoeringer")
    assert page.status_code == 200
    assert "Kladde i Brugerstyring" not in page.data.decode()


# ================================================================= party link

def test_party_link_responses_versions_privacy_and_late(client, app, people, municipalities, hearings, clock):
    hearing_id = hearings.draft("Brugerstyring", municipalities=[municipalities["Hjørring"]],
                                externals=[("Leverandør A", "a@lev.example"), ("Leverandør B", "b@lev.example")],
                                material=[("udkast.pdf", PDF, "Udkast til referencearkitektur")])
    tokens = hearings.publish(hearing_id)
    link_a, link_b = f"/hoering/svar/{tokens['a@lev.example']}", f"/hoering/svar/{tokens['b@lev.example']}"
    with app.app_context():
        mail = db.session.scalar(select(OutboxMail).where(OutboxMail.to_address == "a@lev.example"))
        assert f"http://127.0.0.1:5000{link_a}" in mail.body and "24.03.2031" in mail.subject

    # B answers (with a file) before A looks
    response = client.post(link_b, data={"text": "Hemmeligt svar fra B", "files": upload(b"%PDF-1.4 B", "b.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == link_b
    [b_response] = hearings.responses(hearing_id)

    page = client.get(link_a)
    assert page.status_code == 200
    body = page.data.decode()
    assert "Brugerstyring" in body and "Leverandør A" in body and "Udkast til referencearkitektur" in body
    assert "Hemmeligt svar fra B" not in body and "b.pdf" not in body
    assert 'id="late-warning"' not in body
    doc_id = int(re.search(rf'href="{link_a}/dokumenter/(\d+)"', body).group(1))
    download = client.get(f"{link_a}/dokumenter/{doc_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    with app.app_context():
        b_file = db.session.get(HearingResponse, b_response.id).files[0].document_id
    assert client.get(f"{link_a}/dokumenter/{b_file}").status_code == 404  # not A's document
    assert client.get(f"{link_b}/dokumenter/{b_file}").status_code == 200

    empty = client.post(link_a, data={"text": "   "})
    assert empty.status_code == 422
    body = empty.data.decode()
    assert 'id="e-text"' in body and 'href="#f-text"' in body and 'aria-invalid="true"' in body
    assert 'aria-describedby="h-text e-text"' in body
    assert len(hearings.responses(hearing_id)) == 1

    assert client.post(link_a, data={"text": "A støtter forslaget"}).status_code == 302
    body = client.get(link_a).data.decode()
    assert "Dit høringssvar er modtaget. Du kan erstatte det indtil høringsfristen." in body
    assert "version 1" in body and "A støtter forslaget" in body and "Hemmeligt svar fra B" not in body
    clock.shift(timedelta(hours=1))
    assert client.post(link_a, data={"text": "A støtter forslaget med en bemærkning"}).status_code == 302
    body = text_of(client.get(link_a).data.decode())
    assert "version 2" in body and "version 1" in body and "Hemmeligt svar fra B" not in body
    own = [r for r in hearings.responses(hearing_id) if r.party_id != b_response.party_id]
    assert [(r.version, r.current, r.late) for r in own] == [(1, False, False), (2, True, False)]
    assert hearings.hearing(hearing_id).answered_count == 2

    # forged links: 404, nothing stored
    forged = "/hoering/svar/" + tokens["a@lev.example"][:-2] + "xx"
    assert client.get(forged).status_code == 404
    assert client.post(forged, data={"text": "x"}).status_code == 404
    assert client.get("/hoering/svar/x").status_code == 404
    assert client.get(f"/hoering/svar/x/dokumenter/{doc_id}").status_code == 404
    assert len(hearings.responses(hearing_id)) == 3

    # after the deadline (before and after the sweep closes it) the link takes a late response, saying so
    clock.move_to(deadline_moment(DEADLINE) + timedelta(minutes=1))
    body = client.get(link_b).data.decode()
    assert 'id="late-warning"' in body and "Høringsfristen er udløbet." in body
    response = client.post(link_b, data={"text": "B kommer for sent"})
    assert response.status_code == 302
    body = client.get(link_b).data.decode()
    assert "Dit høringssvar er modtaget efter fristen; sekretariatet beslutter, om det tages med." in body
    assert "for sent" in body
    late = hearings.responses(hearing_id)[-1]
    # a late response does not replace the on-time one until the secretariat admits it
    assert (late.version, late.late, late.late_status, late.current) == (2, True, "pending", False)
    assert hearings.hearing(hearing_id).late_pending_count == 1

    hearings.byplan.engine.fire_due_timers()
    assert hearings.hearing(hearing_id).status == "closed"
    assert 'id="late-warning"' in client.get(link_a).data.decode()

    # the ordinary contact form refuses after the deadline
    people.login(client, "contact")
    page = client.get(f"/hoeringer/{hearing_id}").data.decode()
    assert "Høringsfristen er udløbet; høringen er lukket." in page and 'name="text"' not in page
    refused = client.post(f"/hoeringer/{hearing_id}/svar", data={"text": "Hjørring for sent"})
    assert refused.status_code == 422
    assert "Høringsfristen er udløbet; høringen er lukket." in refused.data.decode()
    assert len(hearings.responses(hearing_id)) == 4


# ========================================================= late responses

def test_secretariat_admits_and_rejects_late_responses(client, people, hearings, clock):
    hearing_id = hearings.draft("Brugerstyring", externals=[("Leverandør A", "a@lev.example"),
                                                            ("Leverandør B", "b@lev.example")])
    tokens = hearings.publish(hearing_id)
    clock.move_to(deadline_moment(DEADLINE) + timedelta(hours=2))
    hearings.byplan.engine.fire_due_timers()
    for email, text in (("a@lev.example", "Sent svar fra A"), ("b@lev.example", "Sent svar fra B")):
        assert client.post(f"/hoering/svar/{tokens[email]}", data={"text": text}).status_code == 302
    late_a, late_b = hearings.responses(hearing_id)
    assert hearings.hearing(hearing_id).late_pending_count == 2

    people.login(client, "secretary")
    page = client.get(f"/hoeringer/{hearing_id}").data.decode()
    assert f'action="/hoeringer/svar/{late_a.id}/afgoerelse"' in page
    assert page.count("For sent, afventer afgørelse") == 2

    url = f"/hoeringer/svar/{late_a.id}/afgoerelse"
    no_reason = client.post(url, data={"hearing_id": hearing_id, "decision": "admit", "reason": " "})
    assert no_reason.status_code == 422
    body = no_reason.data.decode()
    assert f'href="#f-reason-{late_a.id}"' in body and "Feltet skal udfyldes." in body
    no_decision = client.post(url, data={"hearing_id": hearing_id, "reason": "Rimelig grund"})
    assert no_decision.status_code == 422 and f'href="#f-decision-{late_a.id}"' in no_decision.data.decode()
    assert hearings.responses(hearing_id)[0].late_status == "pending"
    assert hearings.hearing(hearing_id).late_pending_count == 2

    client.post("/logout")
    people.login(client, "lead")
    assert client.post(url, data={"hearing_id": hearing_id, "decision": "admit", "reason": "x"}).status_code == 403
    client.post("/logout")
    people.login(client, "secretary")

    response = client.post(url, data={"hearing_id": hearing_id, "decision": "admit", "reason": "Teknisk fejl"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#svar-{late_a.id}")
    response = client.post(f"/hoeringer/svar/{late_b.id}/afgoerelse",
                           data={"hearing_id": hearing_id, "decision": "reject", "reason": "Ingen grund"})
    assert response.status_code == 302
    a, b = hearings.responses(hearing_id)
    assert (a.late_status, a.late_reason, a.late_decided_by) == ("admitted", "Teknisk fejl", "secretary")
    assert (b.late_status, b.late_reason) == ("rejected", "Ingen grund")
    assert hearings.hearing(hearing_id).late_pending_count == 0
    page = client.get(f"/hoeringer/{hearing_id}").data.decode()
    assert "Teknisk fejl" in page and "Ingen grund" in page and "/afgoerelse" not in page


def test_late_decision_errors_are_tied_to_the_fields(client, people, hearings, clock):
    hearing_id = hearings.draft("Brugerstyring", externals=[("Leverandør A", "a@lev.example")])
    link = f"/hoering/svar/{hearings.publish(hearing_id)['a@lev.example']}"
    clock.move_to(deadline_moment(DEADLINE) + timedelta(hours=2))
    assert client.post(link, data={"text": "Sent svar"}).status_code == 302
    [late] = hearings.responses(hearing_id)
    people.login(client, "secretary")
    response = client.post(f"/hoeringer/svar/{late.id}/afgoerelse",
                           data={"hearing_id": hearing_id, "decision": "admit", "reason": ""})
    assert response.status_code == 422
    body = response.data.decode()
    for target in re.findall(r'<li><a href="#([^"]+)"', body):
        assert f'id="{target}"' in body, target
    assert 'aria-invalid="true"' in body
    assert re.search(rf'id="admit-{late.id}"[^>]*checked', body)


def test_rejecting_a_late_addition_keeps_the_on_time_response(client, people, hearings, clock):
    hearing_id = hearings.draft("Brugerstyring", externals=[("Leverandør A", "a@lev.example")])
    link = f"/hoering/svar/{hearings.publish(hearing_id)['a@lev.example']}"
    assert client.post(link, data={"text": "Rettidigt svar fra A"}).status_code == 302
    clock.move_to(deadline_moment(DEADLINE) + timedelta(hours=2))
    hearings.byplan.engine.fire_due_timers()
    assert client.post(link, data={"text": "Sen tilføjelse fra A"}).status_code == 302
    on_time, late = hearings.responses(hearing_id)
    people.login(client, "secretary")
    assert client.post(f"/hoeringer/svar/{late.id}/afgoerelse", data={
        "hearing_id": hearing_id, "decision": "reject", "reason": "For sent"}).status_code == 302
    client.post("/logout")
    people.login(client, "lead")  # the group writes the note: the on-time response must be among its choices
    page = client.get(f"/hoeringer/{hearing_id}").data.decode()
    options = re.findall(r'<option value="(\d+)"', page.split('id="f-response_id"', 1)[1].split("</select>", 1)[0])
    assert options == [str(on_time.id)]


# ================================================================== dashboard

def test_dashboard_days_left_responses_late_and_sorting(client, people, municipalities, hearings, clock,
                                                        monkeypatch):
    m = municipalities
    # (title, deadline, parties) published at T0 (3 March); the dashboard is read on 9 March, 10:00
    overdue = hearings.draft("Cirkulær økonomi", externals=[("A", "a@x.example")])
    soon = hearings.draft("Brugerstyring", municipalities=[m["Aarhus"]])
    near = hearings.draft("Arkitekturprincipper", municipalities=[m["Aarhus"], m["Frederiksberg"]])
    ok = hearings.draft("Dokumentstandard", municipalities=[m["Aarhus"], m["Frederiksberg"], m["Hjørring"]])
    hearings.draft("Kladde")
    tokens_overdue = hearings.publish(overdue, date(2031, 3, 6), 2)
    hearings.publish(soon, date(2031, 3, 13), 0)
    hearings.publish(near, date(2031, 3, 19), 0)
    # (issue 16: 10 April 2031, Maundy Thursday, is no longer accepted as a deadline; the day before is)
    tokens_ok = hearings.publish(ok, date(2031, 4, 9), 7)
    for email in ("hoering@aarhus.example", "hoering@frb.example"):
        client.post(f"/hoering/svar/{tokens_ok[email]}", data={"text": f"Svar fra {email}"})

    clock.move_to(datetime(2031, 3, 9, 9, 0, tzinfo=timezone.utc))
    assert client.post(f"/hoering/svar/{tokens_overdue['a@x.example']}", data={"text": "Sent"}).status_code == 302
    people.login(client, "secretary")

    def boom(*args, **kwargs):
        raise AssertionError("the dashboard deserialized a workflow")

    monkeypatch.setattr(hearings.byplan.engine, "load", boom)
    response = client.get("/hoeringer")
    assert response.status_code == 200
    html = response.data.decode()
    rows = {r["title"]: r for r in dashboard_rows(html)}
    assert set(rows) == {"Cirkulær økonomi", "Brugerstyring", "Arkitekturprincipper", "Dokumentstandard", "Kladde"}
    assert (rows["Cirkulær økonomi"]["level"], rows["Cirkulær økonomi"]["days"]) == ("overdue", "fristen er udløbet")
    assert (rows["Brugerstyring"]["level"], rows["Brugerstyring"]["days"]) == ("soon", "5 dage")
    assert (rows["Arkitekturprincipper"]["level"], rows["Arkitekturprincipper"]["days"]) == ("near", "11 dage")
    assert (rows["Dokumentstandard"]["level"], rows["Dokumentstandard"]["days"]) == ("ok", "32 dage")
    assert rows["Kladde"]["level"] is None and "ikke sendt i høring" in rows["Kladde"]["days"]
    assert rows["Dokumentstandard"]["responses"] == "2 / 3"
    assert rows["Brugerstyring"]["responses"] == "0 / 1"
    assert rows["Cirkulær økonomi"]["responses"] == "1 / 1"
    assert rows["Cirkulær økonomi"]["late_html"] == "<strong>1</strong>"
    assert rows["Dokumentstandard"]["late"] == "0"
    assert re.search(r'href="/kalender/\d+-[0-9a-f]{32}\.ics"', html)

    def order(sort):
        response = client.get(f"/hoeringer?sort={sort}")
        assert response.status_code == 200
        return [r["title"] for r in dashboard_rows(response.data.decode())]

    assert order("title") == ["Arkitekturprincipper", "Brugerstyring", "Cirkulær økonomi", "Dokumentstandard",
                              "Kladde"]
    assert order("deadline") == ["Cirkulær økonomi", "Brugerstyring", "Arkitekturprincipper", "Dokumentstandard",
                                 "Kladde"]
    assert order("responses")[:2] == ["Dokumentstandard", "Cirkulær økonomi"]
    assert order("late")[0] == "Cirkulær økonomi"
    assert client.get("/hoeringer?sort=bogus").status_code == 200  # an unknown sort falls back
    assert 'aria-sort="ascending"' in client.get("/hoeringer?sort=title").data.decode()

    # the sweep closes the overdue hearing; it stays on the dashboard until it is concluded
    monkeypatch.undo()
    hearings.byplan.engine.fire_due_timers()
    assert hearings.hearing(overdue).status == "closed"
    monkeypatch.setattr(hearings.byplan.engine, "load", boom)
    rows = {r["title"]: r for r in dashboard_rows(client.get("/hoeringer").data.decode())}
    assert rows["Cirkulær økonomi"]["level"] == "overdue"


def test_dashboard_shows_overdue_on_the_day_after_the_deadline(client, people, hearings, clock):
    hearing_id = hearings.draft("Cirkulær økonomi", externals=[("A", "a@x.example")])
    hearings.publish(hearing_id, date(2031, 3, 6), 2)
    clock.move_to(deadline_moment(date(2031, 3, 6)) + timedelta(hours=10))
    people.login(client, "secretary")
    [row] = dashboard_rows(client.get("/hoeringer").data.decode())
    assert (row["level"], row["days"]) == ("overdue", "fristen er udløbet")


# ============================================================== public pages

def test_public_pages_material_and_responses_after_conclusion(client, app, people, municipalities, hearings, clock):
    hearing_id = hearings.draft("Brugerstyring", municipalities=[municipalities["Aarhus"]],
                                externals=[("Leverandør A", "a@lev.example"), ("Leverandør B", "b@lev.example")],
                                material=[("udkast.pdf", PDF, "Udkast til referencearkitektur")])
    draft_id = hearings.draft("Hemmelig kladde", material=[("kladde.pdf", b"%PDF-1.4 kladde", "Kladde")])
    tokens = hearings.publish(hearing_id)
    link_a, link_b = (f"/hoering/svar/{tokens[e]}" for e in ("a@lev.example", "b@lev.example"))

    listing = client.get("/offentlige-hoeringer")
    assert listing.status_code == 200
    assert "Brugerstyring" in listing.data.decode() and "Hemmelig kladde" not in listing.data.decode()
    assert client.get(f"/offentlige-hoeringer/{draft_id}").status_code == 404
    page = client.get(f"/offentlige-hoeringer/{hearing_id}")
    assert page.status_code == 200
    body = page.data.decode()
    assert "Leverandør A" in body and "Aarhus" in body
    doc_id = int(re.search(rf'href="/offentlige-hoeringer/{hearing_id}/dokumenter/(\d+)"', body).group(1))
    download = client.get(f"/offentlige-hoeringer/{hearing_id}/dokumenter/{doc_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    with app.app_context():
        from workflows.hearing import HearingDocument

        draft_doc = db.session.scalar(select(HearingDocument.document_id).where(HearingDocument.hearing_id == draft_id))
    assert client.get(f"/offentlige-hoeringer/{hearing_id}/dokumenter/{draft_doc}").status_code == 404
    assert client.get(f"/offentlige-hoeringer/{draft_id}/dokumenter/{draft_doc}").status_code == 404

    client.post(link_a, data={"text": "Offentligt svar fra A"})
    client.post(link_b, data={"text": "Fortroligt svar fra B", "files": upload(b"%PDF-1.4 B", "b-bilag.pdf")},
                content_type="multipart/form-data")
    assert client.post(f"{link_b}/offentliggoerelse", data={"unpublish": "1"}).status_code == 302
    assert "Du har bedt om, at dit høringssvar ikke offentliggøres." in client.get(link_b).data.decode()
    body = client.get(f"/offentlige-hoeringer/{hearing_id}").data.decode()
    assert "Offentligt svar fra A" not in body and "Fortroligt svar fra B" not in body  # open: no responses yet

    clock.move_to(deadline_moment(DEADLINE) + timedelta(minutes=5))
    hearings.byplan.engine.fire_due_timers()
    body = client.get(f"/offentlige-hoeringer/{hearing_id}").data.decode()
    assert "Offentligt svar fra A" not in body and "Fortroligt svar fra B" not in body  # closed: not yet either
    hearings.conclude(hearing_id)

    body = client.get(f"/offentlige-hoeringer/{hearing_id}").data.decode()
    assert "Høringsnotatets resumé" in body
    assert "Offentligt svar fra A" in body
    assert "Fortroligt svar fra B" not in body and "b-bilag.pdf" not in body
    points = re.findall(r"<tr><td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>", body, re.S)
    by_point = {point: party.strip() for party, point in points}
    assert by_point["Punkt fra Leverandør A"] == "Leverandør A"
    assert by_point["Punkt fra Leverandør B"] == "En høringspart (anonym)"
    with app.app_context():
        b_doc = db.session.scalars(select(HearingResponse).where(HearingResponse.hearing_id == hearing_id,
                                                                  HearingResponse.text.like("Fortroligt%"))
                                   ).one().files[0].document_id
    assert client.get(f"/offentlige-hoeringer/{hearing_id}/dokumenter/{b_doc}").status_code == 404
    # a concluded hearing takes no more responses, also not through the link
    assert client.post(link_a, data={"text": "Efterslæb"}).status_code == 422
    assert "Høringen er afsluttet; der kan ikke længere afgives høringssvar." in client.get(link_a).data.decode()


# ================================================================== calendars

def _events(data: bytes) -> dict[str, date]:
    cal = Calendar.from_ical(data)
    return {str(e["SUMMARY"]): e["DTSTART"].dt for e in cal.walk("VEVENT")}


def test_public_calendar_has_one_event_per_published_hearing(client, municipalities, hearings, clock):
    first = hearings.draft("Brugerstyring", municipalities=[municipalities["Aarhus"]])
    second = hearings.draft("Åbne data", municipalities=[municipalities["Aarhus"]])
    hearings.draft("Kladde", municipalities=[municipalities["Aarhus"]])
    hearings.publish(first, DEADLINE)
    hearings.publish(second, date(2031, 4, 30))
    response = client.get("/offentlige-hoeringer.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    events = cal.walk("VEVENT")
    assert len(events) == 2
    assert _events(response.data) == {"Høringsfrist: Brugerstyring": DEADLINE,
                                      "Høringsfrist: Åbne data": date(2031, 4, 30)}
    assert all(isinstance(e["DTSTART"].dt, date) and not isinstance(e["DTSTART"].dt, datetime) for e in events)
    assert {str(e["UID"]) for e in events} == {f"hearing-{first}-deadline@byplan", f"hearing-{second}-deadline@byplan"}
    assert any(str(e["URL"]).endswith(f"/offentlige-hoeringer/{first}") for e in events)


def test_personal_calendar_feed(client, app, people, municipalities, hearings, clock):
    ours = hearings.draft("Brugerstyring", municipalities=[municipalities["Hjørring"]])
    theirs = hearings.draft("Åbne data", municipalities=[municipalities["Aarhus"]])
    hearings.draft("Kladde", municipalities=[municipalities["Hjørring"]])
    hearings.publish(ours)
    hearings.publish(theirs, date(2031, 4, 30))

    people.login(client, "secretary")
    secretary_feed = re.search(r'href="(/kalender/[^"]+\.ics)"', client.get("/hoeringer").data.decode()).group(1)
    client.post("/logout")
    people.login(client, "contact")
    contact_feed = re.search(r'href="(/kalender/[^"]+\.ics)"', client.get("/hoeringer").data.decode()).group(1)
    client.post("/logout")
    assert secretary_feed != contact_feed

    anonymous = app.test_client()  # a calendar program has no login
    response = anonymous.get(secretary_feed)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert _events(response.data) == {"Høringsfrist: Brugerstyring": DEADLINE,
                                      "Høringsfrist: Åbne data": date(2031, 4, 30)}
    assert _events(anonymous.get(contact_feed).data) == {"Høringsfrist: Brugerstyring": DEADLINE}

    user_id, mac = secretary_feed[len("/kalender/"):-len(".ics")].split("-")
    other_id = people.ids["contact"] if int(user_id) != people.ids["contact"] else people.ids["lead"]
    forged = [f"/kalender/{user_id}-{'0' * 32}.ics", f"/kalender/{other_id}-{mac}.ics", "/kalender/x.ics",
              f"/kalender/{user_id}-{mac[:-1]}.ics", f"/kalender/{user_id}.ics"]
    for url in forged:
        assert anonymous.get(url).status_code == 404, url


# ============================================================ demo mailbox

def test_demo_mailbox_shows_the_queued_mail_to_the_secretariat_only(client, people, municipalities, hearings, clock):
    hearing_id = hearings.draft("Brugerstyring", municipalities=[municipalities["Aarhus"]],
                                externals=[("Leverandør A", "a@lev.example")])
    tokens = hearings.publish(hearing_id)
    assert client.get("/post").status_code == 302  # login first
    people.login(client, "secretary")
    page = client.get("/post")
    assert page.status_code == 200
    body = page.data.decode()
    assert body.count("Høring: Brugerstyring – svarfrist 24.03.2031") == 2
    assert "&lt;a@lev.example&gt;" in body and "&lt;hoering@aarhus.example&gt;" in body
    assert tokens["a@lev.example"] in body  # the demo shows the link, so the party can be played
    for name in ("lead", "contact", "chair"):
        client.post("/logout")
        people.login(client, name)
        assert client.get("/post").status_code == 404, name


# ============================================================ the mail's greeting (issue 13, item 5)

def test_invitation_greets_the_municipality_contact_by_name_not_the_municipality(app, people, municipalities,
                                                                                  hearings):
    with app.app_context():
        people.user("contact").name = "Karen Kontakt"  # Hjørring's municipality contact
        db.session.commit()
    hearing_id = hearings.draft("Brugerstyring", municipalities=[municipalities["Hjørring"], municipalities["Aarhus"]],
                                externals=[("Leverandør A", "a@lev.example")])
    hearings.publish(hearing_id)
    with app.app_context():
        case_id = db.session.get(Hearing, hearing_id).case_id
        bodies = {m.to_address: m.body for m in db.session.scalars(
            select(OutboxMail).where(OutboxMail.case_id == case_id, OutboxMail.tag == "hearing.invite"))}
    assert bodies["hoering@hjoerring.example"].startswith("Kære Karen Kontakt\n")
    assert bodies["hoering@aarhus.example"].startswith("Til Aarhus Kommune\n")  # no contact: the organisation
    assert bodies["a@lev.example"].startswith("Til Leverandør A\n")
    assert not any(body.startswith(("Kære Hjørring", "Kære Aarhus")) for body in bodies.values())


def test_dashboard_shows_the_next_reminder_as_a_date_and_the_reminder_in_the_singular(
        client, people, municipalities, hearings, clock):
    hearing_id = hearings.draft("Brugerstyring", municipalities=[municipalities["Aarhus"]])
    hearings.publish(hearing_id, reminder_days=1)
    people.login(client, "secretary")
    row = client.get("/hoeringer").data.decode().split("Brugerstyring", 1)[1].split("</tr>", 1)[0]
    assert "23. mar. 2031" in row  # the day before the deadline
    assert "23.59" not in row and "23:59" not in row
    page = client.get(f"/hoeringer/{hearing_id}").data.decode()
    assert "Påmindelse 1 dag før" in page and "1 dage" not in page
