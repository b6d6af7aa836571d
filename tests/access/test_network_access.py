"""The network family's access rules, at the service level: what each caller may see and do.

Callers: anonymous (None), the secretariat, an administrator, the council chair and a member, a working
group's lead and member, a member of another group, the contact of a member municipality and the contact
of another member municipality. The route-level matrix (tests/reliability/test_access.py) stays; this
module checks the rules where they live, so a new page or API cannot bypass them.
"""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from engine import Forbidden, NotFound
from network_support import NetworkDriver
from support import People, make_app

STAFF = ("secretary", "admin")
OTHERS = ("chair", "councillor", "lead", "member", "outsider", "contact", "contact2")
EVERYONE = (None, *STAFF, *OTHERS)


@pytest.fixture(scope="module")
def app(sqlite_template, tmp_path_factory):
    """One database for the module: every check runs in a transaction that is rolled back."""
    target = tmp_path_factory.mktemp("network_access") / "byplan.sqlite"
    shutil.copyfile(sqlite_template, target)
    app = make_app(f"sqlite:///{target}")
    yield app
    with app.app_context():
        from web.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def people(app) -> People:
    return People(app)


@pytest.fixture(scope="module")
def world(app, people):
    """A network with two member municipalities, a published round with a registration from the first
    municipality and material on its meeting, and a round still being planned (draft) with material."""
    from web.extensions import db
    from workflows.directory import MUNICIPALITY_CONTACT, Municipality, create_user
    from workflows.network import MeetingDocument

    net = NetworkDriver(app, people)
    network_id = net.network(municipalities=("Hjørring", "Aalborg"))
    with app.app_context():
        s = db.session
        aalborg = s.scalar(select(Municipality).where(Municipality.name == "Aalborg"))
        create_user(s, "contact2", "Contact Two", "contact2@example.org", people.PASSWORD, (MUNICIPALITY_CONTACT,),
                    aalborg)
        s.commit()
    published, (meeting_id,) = net.create_round(network_id, theme="Åben runde")
    byplan = app.extensions["byplan"]
    with app.app_context():
        s = db.session
        reg = byplan.networks.register(s, people.user("contact"), meeting_id,
                                       {"name": "Kollega", "email": "kollega@hjoerring.dk"})
        byplan.networks.add_material(s, people.user("secretary"), meeting_id, "oplaeg.pdf",
                                     b"%PDF-1.4 published material")
        draft = byplan.networks.create_round(s, people.user("secretary"), network_id, {
            "theme": "Kladde", "format": "talk", "registration_deadline": "2099-01-01"})
        draft_meeting = byplan.networks.add_meeting(s, people.user("secretary"), draft.id, {
            "region": "Sjælland", "day": "2099-02-01", "starts": "09:30", "ends": "15:30", "venue": "Rådhuset",
            "capacity": "40"})
        version = byplan.networks.add_material(s, people.user("secretary"), draft_meeting.id, "kladde.pdf",
                                               b"%PDF-1.4 draft material")
        s.commit()
        published_doc = s.scalar(select(MeetingDocument.document_id).where(MeetingDocument.meeting_id == meeting_id))
        return {"published": published, "meeting": meeting_id, "registration": reg.id, "draft": draft.id,
                "draft_meeting": draft_meeting.id, "draft_doc": version.document_id, "published_doc": published_doc}


def as_user(app, people, name):
    return people.user(name) if name else None


def call(app, people, name, fn):
    """Run `fn(service, session, user)` as `name`; the outcome: "ok", "forbidden" or "not found"."""
    from web.extensions import db

    with app.app_context():
        try:
            fn(app.extensions["byplan"].networks, db.session, as_user(app, people, name))
        except Forbidden:
            return "forbidden"
        except NotFound:
            return "not found"
        finally:
            db.session.rollback()
        return "ok"


@pytest.mark.parametrize("name", EVERYONE)
def test_rounds_being_planned_are_listed_only_for_the_secretariat_and_administrators(app, people, world, name):
    from web.extensions import db

    with app.app_context():
        ids = {r.id for r in app.extensions["byplan"].networks.rounds(db.session, as_user(app, people, name))}
    assert world["published"] in ids
    assert (world["draft"] in ids) == (name in STAFF)


@pytest.mark.parametrize("name", EVERYONE)
def test_a_draft_round_is_not_found_for_anyone_but_staff(app, people, world, name):
    outcome = call(app, people, name, lambda svc, s, u: svc.round_view(s, world["draft"], u))
    assert outcome == ("ok" if name in STAFF else "not found")


@pytest.mark.parametrize("name", EVERYONE)
def test_participants_and_evaluations_are_in_the_round_view_only_for_staff(app, people, world, name):
    from web.extensions import db

    with app.app_context():
        view = app.extensions["byplan"].networks.round_view(db.session, world["published"],
                                                            as_user(app, people, name))
        registrations = [r.email for regs in view["registrations"].values() for r in regs]
        mine = [r.email for m in view["mine"].values() for r in m["registrations"]]
    assert bool(registrations) == (name in STAFF)
    assert bool(view["summaries"]) == (name in STAFF)
    # a contact sees their own municipality's registrations, never another's
    assert mine == (["kollega@hjoerring.dk"] if name == "contact" else [])


@pytest.mark.parametrize("name", EVERYONE)
def test_material_of_a_draft_round_is_not_found_for_anyone_but_staff(app, people, world, name):
    """The leak of issue 12: the material download skipped the draft-round rule of the round page."""
    outcome = call(app, people, name,
                   lambda svc, s, u: svc.material(s, u, world["draft_meeting"], world["draft_doc"]))
    assert outcome == ("ok" if name in STAFF else "forbidden" if name is None else "not found")


@pytest.mark.parametrize("name", EVERYONE)
def test_material_of_a_published_round_is_for_every_logged_in_user(app, people, world, name):
    outcome = call(app, people, name,
                   lambda svc, s, u: svc.material(s, u, world["meeting"], world["published_doc"]))
    assert outcome == ("forbidden" if name is None else "ok")


def test_a_document_of_another_meeting_is_not_material_of_this_one(app, people, world):
    outcome = call(app, people, "secretary",
                   lambda svc, s, u: svc.material(s, u, world["meeting"], world["draft_doc"]))
    assert outcome == "not found"


SECRETARIAT_ONLY = {
    "plan a round": lambda w: lambda svc, s, u: svc.round_form(s, u),
    "add a meeting": lambda w: lambda svc, s, u: svc.add_meeting(s, u, w["draft"], {
        "region": "Midt-Nord", "day": "2099-03-01", "starts": "09:30", "ends": "15:30", "venue": "X",
        "capacity": "10"}),
    "confirm a meeting": lambda w: lambda svc, s, u: svc.confirm_meeting(s, u, w["draft_meeting"]),
    "upload material": lambda w: lambda svc, s, u: svc.add_material(s, u, w["meeting"], "a.pdf", b"%PDF-1.4 x"),
    "list participants": lambda w: lambda svc, s, u: svc.participants_csv(s, u, w["meeting"]),
    "delete personal data": lambda w: lambda svc, s, u: svc.anonymise(s, u, w["registration"]),
}


@pytest.mark.parametrize("action", sorted(SECRETARIAT_ONLY))
@pytest.mark.parametrize("name", ("secretary", "admin", *OTHERS))
def test_planning_and_participant_data_are_the_secretariats(app, people, world, action, name):
    outcome = call(app, people, name, SECRETARIAT_ONLY[action](world))
    assert outcome == ("ok" if name == "secretary" else "forbidden")


REGISTRATION = {
    "register": lambda w: lambda svc, s, u: svc.register(s, u, w["meeting"], {"name": "Ny", "email": "ny@x.dk"}),
    "see own registrations": lambda w: lambda svc, s, u: svc.my_registrations(s, u),
}


@pytest.mark.parametrize("action", sorted(REGISTRATION))
@pytest.mark.parametrize("name", ("secretary", "admin", *OTHERS))
def test_only_municipality_contacts_register_colleagues(app, people, world, action, name):
    outcome = call(app, people, name, REGISTRATION[action](world))
    assert outcome == ("ok" if name in ("contact", "contact2") else "forbidden")


@pytest.mark.parametrize("action", ["cancel", "swap"])
@pytest.mark.parametrize("name", ("secretary", "admin", *OTHERS))
def test_a_registration_is_changed_only_by_its_own_municipalitys_contact(app, people, world, action, name):
    def fn(svc, s, u):
        if action == "cancel":
            return svc.cancel(s, u, world["registration"])
        return svc.swap(s, u, world["registration"], {"name": "Anden", "email": "anden@hjoerring.dk"})

    assert call(app, people, name, fn) == ("ok" if name == "contact" else "forbidden")


def test_another_municipalitys_contact_cannot_register_on_its_seats(app, people, world):
    outcome = call(app, people, "contact2", lambda svc, s, u: svc.register(
        s, u, world["meeting"], {"name": "Snyd", "email": "snyd@x.dk"},
        municipality_id=u.municipality_id + 1000))
    assert outcome == "forbidden"
