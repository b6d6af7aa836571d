"""The hearing family's access rules at the service level (workflows.hearing.service): for every read
and action, an anonymous caller (None), each role, a working group's members and another group's, the
contact of a party municipality and of another municipality, and an external party by its link.

The route-level matrix (tests/reliability/test_access.py) checks the same rules through the pages; here
the service itself must refuse, so a new page or API cannot show more than the service returns.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine import Forbidden, NotFound
from engine.mail import OutboxMail
from engine.models import ReadyTask
from web.extensions import db
from workflows.directory import MUNICIPALITY_CONTACT, Municipality, create_user
from workflows.hearing import Hearing, HearingError, HearingResponse, Page

T0 = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)
DEADLINE = date(2031, 3, 24)
AFTER = datetime(2031, 3, 26, 9, 0, tzinfo=timezone.utc)

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, "secretary", "admin", "chair", "councillor", "lead", "member", "outsider", "contact",
         "other_contact")
STAFF = {"secretary", "admin", "chair", "councillor"}  # secretariat, administrators and the council
GROUP = {"lead", "member"}                               # the hearing's working group
ALLOWED, FORBIDDEN, NOT_FOUND = "allowed", Forbidden, NotFound


def outcome(call):
    """What a service call does: "allowed", or the class of the access error it raises."""
    try:
        call()
    except Forbidden:
        return FORBIDDEN
    except NotFound:
        return NOT_FOUND
    finally:
        db.session.rollback()  # an allowed action changes nothing for the next caller
    return ALLOWED


class World:
    """A draft hearing, an open one and a closed one (with a late response awaiting the secretariat),
    each of the first working group, with the contact's municipality and an external vendor as parties."""

    def __init__(self, app, people):
        self.app, self.people = app, people
        self.byplan = app.extensions["byplan"]
        self.service = self.byplan.hearings
        with app.app_context():
            s = db.session
            hjoerring = s.scalar(select(Municipality).where(Municipality.name == "Hjørring"))
            hjoerring.email = "hoering@hjoerring.example"
            aalborg = Municipality(code="851", name="Aalborg", region="Midt-Nord", email="hoering@aalborg.example")
            s.add(aalborg)
            s.flush()
            create_user(s, "other_contact", "Aase Aalborg", "aase@aalborg.example", people.PASSWORD,
                        (MUNICIPALITY_CONTACT,), aalborg)
            s.commit()
            self.hjoerring_id, self.aalborg_id = hjoerring.id, aalborg.id
        self.draft = self._hearing("Udkast")
        self.open = self._hearing("Åben")
        self.closed = self._hearing("Lukket")
        self.open_tokens = self._publish(self.open)
        self.closed_tokens = self._publish(self.closed)
        with app.app_context():
            s = db.session
            self.service.respond_as_contact(s, people.user("contact"), self.closed, {"text": "Til tiden"}, [])
            s.commit()

    def _hearing(self, title: str) -> int:
        with self.app.app_context():
            s = db.session
            secretary = self.people.user("secretary")
            hearing = self.service.create(s, secretary, title=title, summary=f"Resumé: {title}",
                                          working_group_id=self.people.group_id)
            self.service.add_municipalities(s, secretary, hearing.id, [self.hjoerring_id])
            self.service.add_external_party(s, secretary, hearing.id, {"name": "Leverandør", "email": "a@lev.example"})
            self.service.add_document(s, secretary, hearing.id, "materiale.txt", f"Materiale {title}".encode(),
                                      f"Materiale {title}")
            s.commit()
            return hearing.id

    def _publish(self, hearing_id: int) -> str:
        """Completes the prepare task; the vendor's link token (read from its invitation)."""
        with self.app.app_context():
            s = db.session
            hearing = s.get(Hearing, hearing_id)
            task = s.scalar(select(ReadyTask).where(ReadyTask.case_id == hearing.case_id))
            self.byplan.complete_task(s, self.people.user("secretary"), task.id, {
                "title": hearing.title, "summary": hearing.summary, "deadline": DEADLINE.isoformat(),
                "reminder_days": "0"}, None)
            s.commit()
            mail = s.scalar(select(OutboxMail).where(OutboxMail.case_id == hearing.case_id,
                                                     OutboxMail.to_address == "a@lev.example"))
            return re.search(r"/hoering/svar/(\S+)", mail.body).group(1)

    def close(self) -> None:
        """After the deadline: the sweep closes the hearings; the vendor answers the closed one late."""
        self.byplan.engine.fire_due_timers()
        with self.app.app_context():
            s = db.session
            self.late = self.service.respond_by_token(s, self.closed_tokens, {"text": "For sent"}, []).id
            self.on_time = s.scalar(select(HearingResponse.id).where(HearingResponse.hearing_id == self.closed,
                                                                     HearingResponse.late.is_(False)))
            point = self.service.add_point(s, self.people.user("lead"), self.closed, {
                "response_id": str(self.on_time), "point": "Et punkt", "disposition": "noted", "reason": "Fordi"})
            s.commit()
            self.point = point.id
            assert s.get(Hearing, self.closed).status == "closed"

    def user(self, role: str):
        return None if role == ANONYMOUS else self.people.user(role)

    def material(self, hearing_id: int) -> int:
        return self.service.material(db.session, hearing_id)[0].id


@pytest.fixture
def world(app, people):
    with time_machine.travel(T0, tick=False) as traveller:
        w = World(app, people)
        w.clock = traveller
        yield w


def check(world, expected: dict[str, object], call) -> None:
    """`call(user)` for every role, in a fresh app context; compares with `expected` per role."""
    got = {}
    for role in ROLES:
        with world.app.app_context():
            got[role] = outcome(lambda: call(world.user(role)))
    assert got == expected


def matrix(allowed: set[str], otherwise=FORBIDDEN, **special) -> dict[str, object]:
    return {role: special.get(role, ALLOWED if role in allowed else otherwise) for role in ROLES}


# ------------------------------------------------------------------ reads

def test_the_hearing_list_is_the_staff_dashboard_or_the_municipality_s_hearings(world):
    service = world.service
    check(world, matrix(STAFF | GROUP | {"outsider", "contact", "other_contact"}),
          lambda user: service.overview(db.session, user))
    check(world, matrix(STAFF | GROUP | {"outsider", "contact", "other_contact"}),
          lambda user: service.listing(db.session, user))
    # the dashboard itself: staff and working-group members (of any group) only
    check(world, matrix(STAFF | GROUP | {"outsider"}), lambda user: service.dashboard(db.session, user))
    with world.app.app_context():
        s = db.session
        kinds = {role: service.overview(s, world.user(role)) for role in ROLES if role != ANONYMOUS}
        assert {r for r, page in kinds.items() if page.kind == "municipality"} == {"contact", "other_contact"}
        assert sorted(h.title for h, _p in kinds["contact"].view) == ["Lukket", "Åben"]  # published ones
        assert kinds["other_contact"].view == []  # Aalborg is a party to nothing
        assert sorted(h.title for h in kinds["secretary"].view) == ["Lukket", "Udkast", "Åben"]
        assert sorted(h.title for h in kinds["member"].view) == ["Lukket", "Udkast", "Åben"]
        assert kinds["outsider"].view == []  # another group's member sees only their group's hearings
        assert {r for r, page in kinds.items() if page.may_create} == {"secretary"}
        assert [h.title for h in service.listing(s, world.user("contact"))] == [h.title for h, _p in
                                                                                 kinds["contact"].view]


def test_the_hearing_page_is_the_staff_page_or_the_party_s_answer_page(world):
    service = world.service
    check(world, matrix(STAFF | GROUP | {"contact"}), lambda user: service.hearing_page(db.session, user, world.open))
    # a draft: not yet seen by the party municipality's contact
    check(world, matrix(STAFF | GROUP, contact=NOT_FOUND),
          lambda user: service.hearing_page(db.session, user, world.draft))
    check(world, matrix(STAFF | GROUP), lambda user: service.staff_view(db.session, user, world.open))
    check(world, matrix({"contact"}, other_contact=FORBIDDEN),
          lambda user: service.contact_view(db.session, user, world.open))
    with world.app.app_context():
        s = db.session
        assert service.hearing_page(s, world.user("contact"), world.open).kind == "party"
        assert service.hearing_page(s, world.user("secretary"), world.open).kind == "staff"
        assert isinstance(service.hearing_page(s, world.user("lead"), world.open), Page)
        with pytest.raises(NotFound):
            service.hearing_page(s, world.user("secretary"), 10**6)


def test_what_the_staff_page_lets_each_user_do(world):
    with world.app.app_context():
        s = db.session
        flags = {role: {k for k in ("may_prepare", "may_decide_late", "may_edit_note", "is_secretariat", "is_group")
                        if world.service.staff_view(s, world.user(role), world.draft)[k]}
                 for role in STAFF | GROUP}
        assert flags == {"secretary": {"may_prepare", "may_decide_late", "is_secretariat"}, "admin": set(),
                         "chair": set(), "councillor": set(), "lead": {"is_group"}, "member": {"is_group"}}
        # only the secretariat is offered the municipalities to add
        assert world.service.staff_view(s, world.user("secretary"), world.draft)["municipalities"]
        assert world.service.staff_view(s, world.user("admin"), world.draft)["municipalities"] == []


def test_the_public_pages_show_published_hearings_only(world):
    service = world.service
    with world.app.app_context():
        s = db.session
        assert service.public_view(s, world.open)["hearing"].id == world.open
        with pytest.raises(NotFound):
            service.public_view(s, world.draft)
        assert {h.id for h in service.public(s)} == {world.open, world.closed}
        assert service.public_document(s, world.open, world.material(world.open))
        with pytest.raises(NotFound):
            service.public_document(s, world.draft, world.material(world.draft))
        with pytest.raises(NotFound):  # a document of another hearing through this one's page
            service.public_document(s, world.open, world.material(world.closed))
        # until the hearing is concluded no response is public
        assert service.public_view(s, world.closed)["responses"] == []
        assert b"Udkast" not in service.public_calendar(s, "Høringsfrister")


def test_a_party_link_opens_its_own_hearing_only(world):
    service = world.service
    with world.app.app_context():
        s = db.session
        view = service.token_view(s, world.open_tokens)
        assert view["hearing"].id == world.open and view["party"].name == "Leverandør"
        assert service.token_document(s, world.open_tokens, world.material(world.open))
        with pytest.raises(NotFound):
            service.token_document(s, world.open_tokens, world.material(world.closed))
        for forged in ("", "x", world.open_tokens[:-2] + "xx"):
            with pytest.raises(NotFound):
                service.token_view(s, forged)


def test_new_hearings_are_for_the_secretariat(world):
    service = world.service
    check(world, matrix({"secretary"}), lambda user: service.new_form(db.session, user))
    check(world, matrix({"secretary"}), lambda user: service.create(
        db.session, user, title="Ny", summary="", working_group_id=world.people.group_id))


def test_the_demo_mailbox_is_for_the_secretariat_and_administrators_with_the_sink_backend(world):
    service = world.service
    check(world, matrix({"secretary", "admin"}, otherwise=NOT_FOUND),
          lambda user: service.demo_mailbox(db.session, user, sink_backend=True))
    check(world, matrix(set(), otherwise=NOT_FOUND),
          lambda user: service.demo_mailbox(db.session, user, sink_backend=False))


def test_the_personal_calendar_follows_the_user(world):
    service = world.service
    with world.app.app_context():
        s = db.session
        titles = {role: sorted(h.title for h in service.for_user(s, world.user(role)))
                  for role in ROLES if role != ANONYMOUS}
        assert titles["contact"] == ["Lukket", "Åben"] and titles["other_contact"] == []
        assert titles["secretary"] == titles["councillor"] == ["Lukket", "Åben"]  # published ones
        assert titles["outsider"] == []
        contact = world.user("contact")
        assert b"Lukket" in service.user_calendar(s, contact.id, "Frister – {name}")
        contact.active = False
        s.flush()
        with pytest.raises(NotFound):
            service.user_calendar(s, contact.id, "Frister – {name}")
        with pytest.raises(NotFound):
            service.user_calendar(s, 10**6, "Frister – {name}")
        s.rollback()


# ---------------------------------------------------------------- actions

def test_the_preparation_is_the_secretariat_s(world):
    service = world.service

    def party_id(hearing_id):
        return service.staff_view(db.session, world.user("secretary"), hearing_id)["parties"][0].id

    for action in (
        lambda user: service.add_municipalities(db.session, user, world.draft, [world.aalborg_id]),
        lambda user: service.add_external_party(db.session, user, world.draft, {"name": "B", "email": "b@b.example"}),
        lambda user: service.remove_party(db.session, user, world.draft, party_id(world.draft)),
        lambda user: service.add_document(db.session, user, world.draft, "bilag.txt", b"Bilag", None),
    ):
        check(world, matrix({"secretary"}), action)
    with world.app.app_context():  # published: even the secretariat cannot change parties or material
        with pytest.raises(HearingError):
            service.add_external_party(db.session, world.user("secretary"), world.open,
                                       {"name": "B", "email": "b@b.example"})


def test_a_municipality_answers_for_itself_only(world):
    service = world.service
    check(world, matrix({"contact"}), lambda user: service.respond_as_contact(
        db.session, user, world.open, {"text": "Vi støtter"}, []))
    # a draft hearing is not yet open to its parties
    check(world, matrix(set(), contact=NOT_FOUND), lambda user: service.respond_as_contact(
        db.session, user, world.draft, {"text": "Vi støtter"}, []))
    with world.app.app_context():
        response = service.respond_by_token(db.session, world.open_tokens, {"text": "Leverandørens svar"}, [])
        assert response.party.name == "Leverandør" and not response.late
        db.session.rollback()
        with pytest.raises(NotFound):
            service.respond_by_token(db.session, "forged", {"text": "x"}, [])
        service.unpublish_by_token(db.session, world.open_tokens, True)
        db.session.rollback()


def test_late_responses_are_decided_by_the_secretariat_and_the_note_by_the_working_group(world):
    world.clock.move_to(AFTER)
    world.close()
    service = world.service
    check(world, matrix({"secretary"}), lambda user: service.decide_late(
        db.session, user, world.late, {"decision": "admit", "reason": "Rimelig grund"}))
    check(world, matrix(GROUP), lambda user: service.add_point(db.session, user, world.closed, {
        "response_id": str(world.on_time), "point": "Endnu et", "disposition": "partly", "reason": "Derfor"}))
    check(world, matrix(GROUP), lambda user: service.delete_point(db.session, user, world.closed, world.point))
    with world.app.app_context():  # the party's own page says the deadline has passed
        assert service.token_view(db.session, world.closed_tokens)["past_deadline"]
