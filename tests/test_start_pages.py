"""The start pages (issue 13): each demo role's page at `/` lists what that role must do next, and the
anonymous `/` is the public site's landing page (not a redirect to the catalogue)."""
from __future__ import annotations

import itertools
import shutil
from datetime import timedelta

import pytest
import time_machine
from lxml import html
from sqlalchemy import select

from start_support import DECISION_ITEM, POSITIONS_MEETING, add_meeting_with_positions
from support import make_app

PASSWORD = "byplan-demo"


def _load(url: str) -> None:
    from web.extensions import db
    from workflows.demo import load_demo

    app = make_app(url)
    with app.app_context():
        assert load_demo(db.session, app.extensions["byplan"]) is not None
        db.session.commit()
        add_meeting_with_positions(db.session, app.extensions["byplan"])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def start_template(sqlite_template, tmp_path_factory):
    """The demo data plus a council meeting whose positions are open (tests/start_support.py)."""
    target = tmp_path_factory.mktemp("start") / "demo.sqlite"
    shutil.copyfile(sqlite_template, target)
    _load(f"sqlite:///{target}")
    return target


@pytest.fixture(scope="module")
def start_postgres_template(postgres_server, postgres_template) -> str:
    name = "byplan_start_template"
    _load(postgres_server.create_database(name, postgres_template))
    return name


_copies = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo(request, tmp_path):
    """A fresh copy of that demo, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        target = tmp_path / "demo.sqlite"
        shutil.copyfile(request.getfixturevalue("start_template"), target)
        url = f"sqlite:///{target}"
    else:
        url = request.getfixturevalue("postgres_server").create_database(
            f"start_{next(_copies)}", request.getfixturevalue("start_postgres_template"))
    app = make_app(url)
    yield app
    with app.app_context():
        from web.extensions import db

        db.session.remove()
        db.engine.dispose()


def start_page(app, username: str | None):
    client = app.test_client()
    if username:
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302
    response = client.get("/")
    assert response.status_code == 200, response.data[:500]
    return html.fromstring(response.get_data(as_text=True)).find(".//main")


def text(node) -> str:
    return " ".join(node.text_content().split())


def section(main, heading: str):
    """The <section> whose <h2> reads `heading`."""
    for h2 in main.iter("h2"):
        if text(h2) == heading:
            return h2.getparent()
    raise AssertionError(f"no section {heading!r} in: {text(main)[:600]}")


def task_id(app, case_title: str, spec_prefix: str, assignee: str | None = None) -> str:
    from engine.models import ReadyTask
    from web.extensions import db

    with app.app_context():
        rows = db.session.scalars(select(ReadyTask).where(ReadyTask.case_title == case_title)).all()
    [row] = [r for r in rows if r.spec_name.startswith(spec_prefix) and (assignee is None or r.assignee == assignee)]
    return row.id


def demo_ids(app) -> dict:
    from web.extensions import db
    from workflows.council import Meeting
    from workflows.hearing import Hearing
    from workflows.network import Round

    with app.app_context():
        s = db.session
        return {"hearing": s.scalar(select(Hearing.id)),
                "round": s.scalar(select(Round.id).where(Round.status == "open")),
                "positions_meeting": s.scalar(select(Meeting).where(Meeting.title == POSITIONS_MEETING))}


def next_action(main) -> str:
    [link] = main.xpath(".//a[@id='next-action']")
    return link.get("href")


# ------------------------------------------------------------------ each role's next step

def test_the_secretariat_sees_the_screening_task_first_and_the_meetings_that_need_action(demo):
    main = start_page(demo, "sekretariat")
    assert text(main.find(".//h1")) == "Sekretariatets overblik"
    screening = task_id(demo, "Fælles brugerstyring via Context Handler", "screen")
    assert next_action(main) == f"/opgaver/{screening}"
    tasks = section(main, "Dine opgaver")
    assert tasks.xpath(f".//a[@href='/opgaver/{screening}']")
    overview = text(section(main, "Høringer og møder, der kræver handling"))
    assert "Referatet er sendt til godkendelse" in overview  # today's meeting


def test_the_secretariat_sees_hearings_past_their_deadline_with_late_responses(demo):
    """Past the deadline the hearing closes; a late answer waits for the secretariat's decision, and a
    hearing being prepared waits to be published: both are on the secretariat's overview."""
    from web.extensions import db
    from workflows.directory import User
    from workflows.hearing import Hearing, HearingParty

    byplan = demo.extensions["byplan"]
    with demo.app_context():
        s = db.session
        hearing = s.scalar(select(Hearing).order_by(Hearing.id))  # the demo's first hearing
        past_deadline = hearing.deadline_at + timedelta(hours=2)
        s.commit()  # the worker's sweep takes the write lock in its own transactions
        with time_machine.travel(past_deadline, tick=False):
            byplan.engine.fire_due_timers()
            party = s.scalar(select(HearingParty).where(HearingParty.name == "Favrskov"))
            byplan.hearings.respond(s, party, {"text": "Favrskov svarer for sent."}, [], "link:Favrskov",
                                    allow_late=True)
            s.commit()
        secretariat = s.scalar(select(User).where(User.username == "sekretariat"))
        draft = byplan.hearings.create(s, secretariat, title="Ny høring om datadeling", summary="",
                                       working_group_id=hearing.working_group_id)
        s.commit()
        hearing_id, draft_id = hearing.id, draft.id
    overview = section(start_page(demo, "sekretariat"), "Høringer og møder, der kræver handling")
    rows = {text(tr) for tr in overview.xpath(".//tbody/tr")}
    assert any("Referencearkitektur for brugerstyring" in r and "Sene høringssvar venter på din afgørelse: 1" in r
               for r in rows), rows
    assert any("Ny høring om datadeling" in r and "Under forberedelse" in r for r in rows), rows
    assert overview.xpath(f".//a[@href='/hoeringer/{hearing_id}']")
    assert overview.xpath(f".//a[@href='/hoeringer/{draft_id}']")


def test_a_council_member_sees_the_position_tasks_with_the_meeting_start(demo):
    main = start_page(demo, "raadsmedlem")
    assert text(main.find(".//h1")) == "Dit overblik som rådsmedlem"
    position = task_id(demo, POSITIONS_MEETING, "position", assignee="raadsmedlem")
    assert next_action(main) == f"/opgaver/{position}"
    [row] = [tr for tr in section(main, "Dine opgaver").xpath(".//tbody/tr")
             if tr.xpath(f".//a[@href='/opgaver/{position}']")]
    assert "Tilkendegiv holdning" in text(row) and "Når mødet begynder" in text(row)
    meeting = demo_ids(demo)["positions_meeting"]
    [moment] = row.xpath(".//time")
    assert moment.get("datetime") == meeting.starts_at.isoformat(timespec="seconds")
    assert "10.00" in text(moment)
    upcoming = section(main, "Næste møder og frister")
    assert upcoming.xpath(f".//a[@href='/raadet/moeder/{meeting.id}']")


def test_a_municipality_contact_sees_the_open_hearing_and_the_registration(demo):
    ids = demo_ids(demo)
    main = start_page(demo, "kommune")
    assert text(main.find(".//h1")) == "Dit overblik som kommunens kontaktperson"
    upcoming = section(main, "Næste møder og frister")
    items = {text(li): li for li in upcoming.xpath(".//li")}
    [hearing] = [li for t, li in items.items() if "Høringsfrist" in t]
    assert hearing.xpath(f".//a[@href='/hoeringer/{ids['hearing']}']")
    assert "Din kommune har svaret" in text(hearing)  # Hjørring answered in the demo
    [registration] = [li for t, li in items.items() if "Tilmeldingsfrist" in t]
    assert registration.xpath(f".//a[@href='/netvaerk/runder/{ids['round']}']")
    assert "Din kommunes pladser er ikke besat endnu" in text(registration)
    # the nearest of them is what the page offers first (the registration closes before the hearing)
    assert next_action(main) == f"/netvaerk/runder/{ids['round']}"
    assert "Tilkendegiv holdning" not in text(main)  # the council's tasks are not the contact's


def test_the_working_group_lead_sees_their_draft(demo):
    main = start_page(demo, "arbejdsgruppe")
    assert text(main.find(".//h1")) == "Dit overblik som medlem af en arbejdsgruppe"
    draft = task_id(demo, "Genbrug før køb før byg", "draft")
    assert next_action(main) == f"/opgaver/{draft}"
    cases = section(main, "Dine sager")
    assert "Genbrug før køb før byg" in text(cases)
    assert cases.xpath(".//a[@href='/forslag/nyt']")
    assert "Sekretariatets overblik" not in text(main)


def test_the_start_page_reads_no_workflow(demo, monkeypatch):
    """Composed from projections and records: loading a workflow here would be a bug."""
    byplan = demo.extensions["byplan"]

    def refuse(*args, **kwargs):
        raise AssertionError("the start page deserialised a workflow")

    monkeypatch.setattr(byplan.engine, "load", refuse)
    for username in ("sekretariat", "raadsmedlem", "formand", "kommune", "arbejdsgruppe", "admin"):
        assert text(start_page(demo, username).find(".//h1"))


# ------------------------------------------------------------------ the public landing page

def test_anonymous_home_is_the_public_landing_page(demo):
    """Not a redirect: the landing page with the open hearings, the council's latest decisions and next
    meetings, the network programmes, search and log in."""
    from web.extensions import db

    ids = demo_ids(demo)
    byplan = demo.extensions["byplan"]
    with demo.app_context():  # past the minutes' deadline they are published, with their decisions
        from workflows.council import Meeting

        held = db.session.scalar(select(Meeting).where(Meeting.status == "minutes_review"))
        held_id, past_deadline = held.id, held.minutes_deadline_at + timedelta(hours=1)
        db.session.commit()  # the worker's sweep takes the write lock in its own transactions
        with time_machine.travel(past_deadline, tick=False):
            byplan.engine.fire_due_timers()
            byplan.engine.route_messages()
    response = demo.test_client().get("/")
    assert response.status_code == 200
    main = html.fromstring(response.get_data(as_text=True)).find(".//main")
    assert text(main.find(".//h1")).startswith("Byplan")
    hearings = section(main, "Åbne offentlige høringer")
    assert hearings.xpath(f".//a[@href='/offentlige-hoeringer/{ids['hearing']}']")
    assert "høringsfrist" in text(hearings)
    decisions = section(main, "Rådets seneste beslutninger")
    assert "Data genbruges på tværs" in text(decisions) and "Godkendt" in text(decisions)
    assert decisions.xpath(f".//a[starts-with(@href, '/raadet/moeder/{held_id}#punkt-')]")
    assert POSITIONS_MEETING in text(section(main, "Rådets næste møder"))
    assert section(main, "Netværkenes programmer").xpath(f".//a[@href='/netvaerk/program/{ids['round']}']")
    assert main.xpath(".//form[@role='search'][@action='/soeg']")
    assert main.xpath(".//a[@href='/login']")
    assert section(main, "Principkatalog").xpath(".//a[@href='/principper']")
    assert DECISION_ITEM not in text(main)  # an item of a meeting without published minutes


def test_a_signed_in_user_reaches_the_landing_page_at_its_own_address(demo):
    client = demo.test_client()
    client.post("/login", data={"username": "kommune", "password": PASSWORD})
    main = html.fromstring(client.get("/forside").get_data(as_text=True)).find(".//main")
    assert text(main.find(".//h1")).startswith("Byplan")
    assert main.xpath(".//a[@href='/']") and not main.xpath(".//a[@href='/login']")


def test_a_contact_sees_the_network_meetings_the_municipality_is_registered_for(demo):
    from web.extensions import db
    from workflows.directory import User
    from workflows.network import RegionalMeeting, Round

    byplan = demo.extensions["byplan"]
    with demo.app_context():
        s = db.session
        meeting = s.scalars(select(RegionalMeeting).join(Round).where(Round.status == "open")
                            .order_by(RegionalMeeting.day)).first()
        byplan.networks.register(s, s.scalar(select(User).where(User.username == "kommune")), meeting.id,
                                 {"name": "Kim Kollega", "email": "kim@hjoerring.example", "job_title": "Arkitekt"})
        s.commit()
        round_id, venue = meeting.round_id, meeting.venue
    upcoming = section(start_page(demo, "kommune"), "Næste møder og frister")
    [registered] = [li for li in upcoming.xpath(".//li") if "Netværksmøde" in text(li)]
    assert venue in text(registered) and registered.xpath(f".//a[@href='/netvaerk/runder/{round_id}']")
    [deadline] = [li for li in upcoming.xpath(".//li") if "Tilmeldingsfrist" in text(li)]
    assert "Din kommune har tilmeldt deltagere" in text(deadline)


def test_work_waiting_beyond_tasks_is_listed_with_links_on_this_site(demo, monkeypatch):
    """The place for the notification items (workflows/inbox.py `waiting_for`): each is listed with a link
    on this site (not the absolute BASE_URL of mails) and, with no task, is the first thing to do."""
    import sys
    import types
    from collections import namedtuple
    from datetime import date

    WaitingItemStub = namedtuple("WaitingItemStub", "kind title url status due")  # workflows.inbox.WaitingItem
    seen = []

    def waiting_for(session, user, services):
        seen.append((user.username, {type(s).__name__ for s in services}))
        return [WaitingItemStub("hearing.answer", "Referencearkitektur for brugerstyring",
                                "http://byplan.example/hoeringer/1?x=1", "Your municipality has not answered",
                                date(2030, 1, 31))]

    monkeypatch.setitem(sys.modules, "workflows.inbox", types.SimpleNamespace(waiting_for=waiting_for))
    main = start_page(demo, "kommune")
    waiting = section(main, "Venter på dig ud over opgaverne")
    assert waiting.xpath(".//a[@href='/hoeringer/1?x=1']") and "Din kommune har ikke svaret" in text(waiting)
    assert next_action(main) == "/hoeringer/1?x=1"
    assert seen == [("kommune", {"Hearings", "Networks", "Council"})]
