"""The council's access rules, at the service (workflows.council.Council): for anonymous callers and each
role, what they may do (allowed / Forbidden / NotFound) and what they see of a meeting (filtered).

Internal (`sees_internal`): the secretariat, administrators, the council and working-group members (of
any group). Everyone else — anonymous callers, municipality contacts — sees a meeting once its agenda is
published, and its decisions, item minutes and minutes summary only with the published minutes;
with the proposed outcome; positions, objections, member names and the case stay internal.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from council_support import CouncilDriver
from engine import Forbidden, NotFound
from engine.models import utcnow

ANONYMOUS = None
INTERNAL = ("secretary", "admin", "chair", "councillor", "lead", "member", "outsider")  # outsider: another group
PUBLIC = (ANONYMOUS, "contact")
EVERYONE = PUBLIC + INTERNAL
COUNCIL = ("chair", "councillor")


@pytest.fixture
def scene(app, people):
    """A meeting in preparation; a meeting whose item is decided (rejected) with its minutes out for
    approval and an objection — nothing of the decision is public yet."""
    from web.extensions import db

    council = CouncilDriver(app, people)
    council.ensure_members(COUNCIL)
    service = app.extensions["byplan"].council
    draft = council.create_meeting(title="Forberedes", days_ahead=40, item_deadline_days=30)
    decided = council.create_meeting(title="Besluttet")
    with app.app_context():
        secretary = people.user("secretary")
        draft_item = service.add_item(db.session, secretary, draft, {"kind": "decision", "title": "Hemmeligt"}).id
        item = service.add_item(db.session, secretary, decided, {"kind": "decision", "title": "Åbne standarder"}).id
        draft_document = service.add_material(db.session, secretary, draft_item, "udkast.txt", b"Udkast").document_id
        service.add_material(db.session, secretary, item, "bilag.txt", b"Bilag")
        db.session.commit()
    council.publish_agenda(decided)
    council.record_positions(decided, {"chair": "object", "councillor": "agree"})
    council.decide_all(decided, {item: {"decision": "rejected", "reason": "Ikke modent endnu"}})
    [task] = council.tasks(council.meeting(decided).case_id, "draft_minutes")
    council.complete("secretary", task, {"minutes_summary": "Udkast til referat"})
    with app.app_context():
        service.object_to_minutes(db.session, people.user("councillor"), decided, {"text": "Ret punkt 1"})
        db.session.commit()
    return {"council": council, "service": service, "draft": draft, "draft_item": draft_item,
            "draft_document": draft_document, "decided": decided, "item": item}


def _user(people, role):
    return None if role is ANONYMOUS else people.user(role)


def _view(app, people, scene, role, meeting_id):
    from web.extensions import db

    with app.app_context():
        return scene["service"].meeting_view(db.session, meeting_id, _user(people, role))


def test_a_meeting_before_its_agenda_is_published_is_internal(app, people, scene):
    from web.extensions import db

    for role in EVERYONE:
        with app.app_context():
            user = _user(people, role)
            listed = [m.id for m in scene["service"].meetings(db.session, user)]
            if role in PUBLIC:
                with pytest.raises(NotFound):
                    scene["service"].meeting_view(db.session, scene["draft"], user)
                with pytest.raises(NotFound):
                    scene["service"].meeting_document(db.session, user, scene["draft"], scene["draft_document"])
                assert scene["draft"] not in listed and scene["decided"] in listed, role
            else:
                view = scene["service"].meeting_view(db.session, scene["draft"], user)
                assert [i.title for i in view.items] == ["Hemmeligt"] and not view.public, role
                _doc, _version, content = scene["service"].meeting_document(db.session, user, scene["draft"],
                                                                           scene["draft_document"])
                assert content == b"Udkast", role
                assert scene["draft"] in listed, role
    with app.app_context(), pytest.raises(NotFound):
        scene["service"].meeting_view(db.session, 424242, people.user("secretary"))


def test_a_decision_stays_internal_until_the_minutes_are_published(app, people, scene):
    """The leak of issue 12 §1: the service itself hides the outcome, reason, positions, proposed
    outcome, objections and the minutes' draft from the public (no view or template filters them)."""
    for role in PUBLIC:
        view = _view(app, people, scene, role, scene["decided"])
        [item] = view.items
        assert view.public, role
        assert (item.outcome, item.changes, item.reason, item.decided_at) == (None, None, None, None), role
        assert (item.proposed_outcome, item.counts, item.positions) == (None, None, []), role
        assert view.meeting.minutes_summary == "" and view.meeting.case_id is None, role
        assert view.objections == [] and view.names == {} and not view.may_edit, role
        assert item.title == "Åbne standarder" and [d.document.title for d in item.documents] == ["bilag.txt"]
    for role in INTERNAL:
        view = _view(app, people, scene, role, scene["decided"])
        [item] = view.items
        assert not view.public, role
        assert (item.outcome, item.reason) == ("rejected", "Ikke modent endnu"), role
        assert item.counts == {"agree": 1, "object": 1, "abstain": 0}, role
        assert sorted(p.member for p in item.positions) == ["chair", "councillor"], role
        assert view.meeting.minutes_summary == "Udkast til referat" and view.meeting.case_id is not None, role
        assert [o.text for o in view.objections] == ["Ret punkt 1"], role
        assert view.may_edit == (role == "secretary"), role
        assert (view.member is not None) == (role in COUNCIL), role


def test_published_minutes_make_the_decision_public_but_not_the_positions(app, people, scene):
    council = scene["council"]
    meeting = council.meeting(scene["decided"])
    with time_machine.travel(utcnow() + timedelta(days=9), tick=False):
        council.sweep()  # at the deadline the objection sends the minutes back
        [task] = council.tasks(meeting.case_id, "draft_minutes")
        council.complete("secretary", task, {"minutes_summary": "Rettet referat"})
    with time_machine.travel(utcnow() + timedelta(days=18), tick=False):
        council.sweep()  # silence approves the second round
    assert council.meeting(scene["decided"]).minutes_published_at is not None
    internal = _view(app, people, scene, "secretary", scene["decided"])
    for role in PUBLIC:
        view = _view(app, people, scene, role, scene["decided"])
        [item] = view.items
        assert (item.outcome, item.reason) == ("rejected", "Ikke modent endnu"), role
        assert item.decided_at is not None and view.meeting.minutes_summary == "Rettet referat", role
        assert item.proposed_outcome == internal.items[0].proposed_outcome is not None, role
        assert (item.counts, item.positions, view.objections, view.names) == (None, [], [], {}), role


def test_only_the_secretariat_changes_meetings_and_agendas(app, people, scene):
    from web.extensions import db

    service = scene["service"]
    future = (utcnow() + timedelta(days=30)).date()
    actions = {
        "create_meeting": lambda s, u: service.create_meeting(s, u, {
            "title": "Ekstra", "date": future.isoformat(), "start_time": "10:00", "place": "KL",
            "item_deadline": (future - timedelta(days=5)).isoformat(), "publish_days": "3"}),
        "new_meeting_form": lambda s, u: service.new_meeting_form(u),
        "add_item": lambda s, u: service.add_item(s, u, scene["draft"], {"kind": "information", "title": "Nyt"}),
        "move_item": lambda s, u: service.move_item(s, u, scene["draft_item"], 1, None),
        "add_material": lambda s, u: service.add_material(s, u, scene["draft_item"], "b.txt", b"B"),
        "remove_item": lambda s, u: service.remove_item(s, u, scene["draft_item"], None),
    }
    for role in EVERYONE:
        for name, action in actions.items():
            with app.app_context():
                user = _user(people, role)
                if role == "secretary":
                    action(db.session, user)
                else:
                    with pytest.raises(Forbidden):
                        action(db.session, user)
                    assert not db.session.new and not db.session.dirty, (role, name)
                db.session.rollback()
        with app.app_context():
            assert service.may_create_meeting(_user(people, role)) == (role == "secretary")


def test_only_council_members_record_positions_and_object_to_minutes(app, people, scene):
    from web.extensions import db
    from workflows.council import CouncilError

    service = scene["service"]
    for role in INTERNAL + ("contact",):
        with app.app_context():
            user = people.user(role)
            if role in COUNCIL:
                # a member may act; the meeting's state refuses it (decided item, minutes out again later)
                with pytest.raises(CouncilError):
                    service.change_position(db.session, user, scene["item"], {"position": "agree"})
                service.object_to_minutes(db.session, user, scene["decided"], {"text": "Endnu en rettelse"})
            else:
                with pytest.raises(Forbidden):
                    service.change_position(db.session, user, scene["item"], {"position": "agree"})
                with pytest.raises(Forbidden):
                    service.object_to_minutes(db.session, user, scene["decided"], {"text": "Indsigelse"})
            db.session.rollback()


def test_the_public_lists_feeds_and_decisions_hold_only_published_meetings(app, people, scene):
    from web.extensions import db

    with app.app_context():
        service = scene["service"]
        assert service.decisions(db.session) == []  # the decided item's minutes are not published
        assert "Åbne standarder" not in service.atom_feed(db.session).decode()
        calendar = service.meetings_calendar(db.session).decode()
        assert "Besluttet" in calendar and "Forberedes" not in calendar
