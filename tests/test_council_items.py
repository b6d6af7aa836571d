"""Closed items (lukket punkt) and postponed items (udsat punkt), issue 15: every public channel shows only
the placeholder, closed material is the council's and staff's (not a conflicted member's), a postponed item
moves with its proposal's case to a later meeting and the old meeting's process stops waiting for it."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from engine.models import utcnow
from workflows.dates import COPENHAGEN

from council_support import CouncilDriver
from steps.proposal_driver import ProposalDriver

SECRET = "Leverandørforhandling Zebrafisk"


def _meeting(app, people, days=14, title="Rådsmøde"):
    from web.extensions import db

    today = utcnow().astimezone(COPENHAGEN).date()
    raw = {"title": title, "date": (today + timedelta(days=days)).isoformat(), "start_time": "10:00",
           "place": "KL, Weidekampsgade 10", "publish_days": "7"}
    with app.app_context():
        meeting = app.extensions["byplan"].council.create_meeting(db.session, people.user("secretary"), raw)
        db.session.commit()
        return meeting.id


def _act(app, fn):
    from web.extensions import db

    with app.app_context():
        try:
            result = fn(app.extensions["byplan"].council, db.session)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise


def _closed_meeting(app, people):
    """A meeting with an open item and a closed one (with material), its agenda published."""
    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    meeting_id = _meeting(app, people)

    def secretary():
        return people.user("secretary")

    _act(app, lambda c, s: c.add_item(s, secretary(), meeting_id, {"kind": "decision", "title": "Fælles datamodel"}))
    closed = _act(app, lambda c, s: c.add_item(s, secretary(), meeting_id, {
        "kind": "decision", "title": SECRET, "description": "Fortroligt tilbud fra Zebrafisk A/S"}).id)
    version = _act(app, lambda c, s: c.add_material(s, secretary(), closed, "tilbud.txt", b"Zebrafisk tilbud 42 mio"))
    _act(app, lambda c, s: c.close_item(s, secretary(), closed, {"reason": "Forhandling med leverandør"}))
    council.publish_agenda(meeting_id)
    return council, meeting_id, closed, version.document_id


def test_a_closed_item_is_only_a_placeholder_in_every_public_channel(app, people, client):
    council, meeting_id, closed, document_id = _closed_meeting(app, people)
    anonymous = app.test_client()
    page = anonymous.get(f"/raadet/moeder/{meeting_id}").data.decode()
    assert "Lukket punkt" in page and "Fælles datamodel" in page
    assert "Zebrafisk" not in page and "Forhandling med leverandør" not in page
    material = f"/raadet/moeder/{meeting_id}/dokumenter/{document_id}"
    assert anonymous.get(material).status_code == 404  # not 403: the public may not know it exists
    assert "Zebrafisk" not in anonymous.get("/raadet/moeder.ics").data.decode()
    found = anonymous.get("/soeg?q=Zebrafisk").data.decode()
    assert "tilbud.txt" not in found and SECRET not in found
    # a working-group member sees internal meetings, but not closed items
    people.login(client, "lead")
    assert client.get(material).status_code == 404
    assert "Zebrafisk" not in client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    api = client.get(f"/api/v1/council/meetings/{meeting_id}",
                     headers={"Authorization": f"Bearer {people.token('lead')}"}).get_json()
    [shown] = [i for i in api["items"] if i["id"] == closed]
    assert (shown["title"], shown["closed"], shown["proposal_id"]) == ("Lukket punkt", True, None)
    assert "Zebrafisk" not in str(api)
    # members and staff see it, with its material
    for name in ("councillor", "secretary"):
        member = app.test_client()
        people.login(member, name)
        assert SECRET in member.get(f"/raadet/moeder/{meeting_id}").data.decode()
        assert member.get(material).status_code == 200
    staff = app.test_client()
    people.login(staff, "secretary")
    assert SECRET in staff.get("/soeg?q=Zebrafisk").data.decode() or "tilbud.txt" in \
        staff.get("/soeg?q=Zebrafisk").data.decode()


def test_decided_closed_items_stay_out_of_the_minutes_feed_and_register_until_the_chair_opens_them(app, people):
    from web.extensions import db
    from workflows.council import get_meeting

    council, meeting_id, closed, _ = _closed_meeting(app, people)
    council.record_positions(meeting_id, {"chair": "agree", "councillor": "agree"})
    items = {i.title: i.id for i in council.items(meeting_id)}
    council.decide_all(meeting_id, {items["Fælles datamodel"]: {"decision": "approved"},
                                    closed: {"decision": "rejected", "reason": "Zebrafisk for dyr"}})
    with app.app_context():  # the minutes published (as by their process; the process is tested elsewhere)
        meeting = get_meeting(db.session, meeting_id)
        meeting.minutes_published_at, meeting.status = utcnow(), "concluded"
        meeting.minutes_summary = "Rådet behandlede to punkter."
        db.session.commit()
    anonymous = app.test_client()
    for url in (f"/raadet/moeder/{meeting_id}", "/raadet/beslutninger", "/raadet/feed.atom"):
        body = anonymous.get(url).data.decode()
        assert "Zebrafisk" not in body and SECRET not in body, url
    assert "Fælles datamodel" in anonymous.get("/raadet/beslutninger").data.decode()
    # only the chair opens it
    with pytest.raises(Exception):
        _act(app, lambda c, s: c.open_item(s, people.user("secretary"), closed, {}))
    _act(app, lambda c, s: c.open_item(s, people.user("chair"), closed, {"note": "Forhandlingen er slut"}))
    for url in (f"/raadet/moeder/{meeting_id}", "/raadet/beslutninger", "/raadet/feed.atom"):
        assert SECRET in anonymous.get(url).data.decode(), url
    with app.app_context():
        from engine.models import AuditEvent

        kinds = set(db.session.scalars(select(AuditEvent.kind).where(AuditEvent.kind.like("council.item_%"))))
    assert {"council.item_closed", "council.item_opened"} <= kinds


def test_closed_material_is_withheld_from_a_conflicted_member_but_not_from_a_substitute(app, people, client):
    from web.extensions import db
    from workflows.council.models import Absence, Conflict

    council, meeting_id, closed, document_id = _closed_meeting(app, people)
    with app.app_context():
        db.session.add(Conflict(item_id=closed, member="councillor", reason="Ejer aktier", declared_by="councillor",
                                ruling="conflicted", ruled_by="chair"))
        db.session.add(Absence(meeting_id=meeting_id, member="chair", substitute="outsider", registered_by="chair"))
        db.session.commit()
    material = f"/raadet/moeder/{meeting_id}/dokumenter/{document_id}"
    people.login(client, "councillor")
    assert client.get(material).status_code == 404
    assert client.get(f"/dokumenter/{document_id}").status_code == 404  # nor through the meeting's case
    assert "materialet er ikke tilgængeligt for dig" in client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    substitute = app.test_client()
    people.login(substitute, "outsider")
    assert substitute.get(material).status_code == 200
    chair = app.test_client()
    people.login(chair, "chair")
    assert chair.get(f"/dokumenter/{document_id}").status_code == 200


def test_postponing_to_a_past_held_or_published_meeting_is_refused_per_field(app, people, client):
    from web.extensions import db
    from workflows.council import get_item
    from workflows.council.models import Postponement

    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    first = _meeting(app, people, days=14)
    earlier = _meeting(app, people, days=7, title="Tidligere møde")
    published = _meeting(app, people, days=20, title="Udsendt møde")
    item = _act(app, lambda c, s: c.add_item(s, people.user("secretary"), first,
                                             {"kind": "decision", "title": "Punktet"}).id)
    _act(app, lambda c, s: c.add_item(s, people.user("secretary"), published, {"kind": "information", "title": "Nyt"}))
    council.publish_agenda(published)
    people.login(client, "secretary")
    url = f"/raadet/punkter/{item}/udsaet"
    for target in (earlier, published, first, "", 999999):
        response = client.post(url, data={"meeting_id": first, "to_meeting_id": target, "reason": "Mangler"})
        assert response.status_code == 422, target
        assert f'id="e-postpone-to-{item}"' in response.data.decode(), target
    later = _meeting(app, people, days=28, title="Senere møde")
    no_reason = client.post(url, data={"meeting_id": first, "to_meeting_id": later, "reason": ""})
    assert no_reason.status_code == 422 and f'id="e-postpone-reason-{item}"' in no_reason.data.decode()
    outsider = app.test_client()
    people.login(outsider, "councillor")
    assert outsider.post(url, data={"meeting_id": first, "to_meeting_id": later, "reason": "X"}).status_code == 403
    with app.app_context():
        assert get_item(db.session, item).meeting_id == first
        assert db.session.scalar(select(func.count()).select_from(Postponement)) == 0
    with time_machine.travel(council.meeting(later).starts_at + timedelta(hours=4), tick=False):  # later is held
        response = client.post(url, data={"meeting_id": first, "to_meeting_id": later, "reason": "Mangler"})
        assert response.status_code == 422
    assert client.post(url, data={"meeting_id": first, "to_meeting_id": later,
                                  "reason": "Materialet mangler"}).status_code == 302
    with app.app_context():
        assert get_item(db.session, item).meeting_id == later
    assert "Udsat til mødet" in client.get(f"/raadet/moeder/{first}").data.decode()
    assert "Udsat fra mødet" in client.get(f"/raadet/moeder/{later}").data.decode()


def _proposal_on(app, people, meeting_id, title="Genbrug før køb") -> ProposalDriver:
    driver = ProposalDriver(app, people)
    driver.start("lead", title)
    driver.submit("lead", summary="Resumé", statement=title)
    driver.complete("secretary", {"screening": "complete"})
    CouncilDriver(app, people).schedule(driver.case_id, meeting_id)
    return driver


def _proposal(app, case_id):
    from web.extensions import db
    from workflows.proposal import proposal_for_case

    with app.app_context():
        return proposal_for_case(db.session, case_id)


def test_a_postponed_item_takes_its_proposal_to_the_later_meeting_which_decides_it(app, people, client):
    """After the agenda is published: the old meeting's position tasks for the item are withdrawn, its
    decision on the item is skipped, the later meeting decides it and the proposal gets that decision."""
    from engine.models import AuditEvent, CompletedTask
    from web.extensions import db

    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    first = _meeting(app, people, days=14, title="Marts")
    later = _meeting(app, people, days=42, title="April")
    proposal = _proposal_on(app, people, first)
    other = _act(app, lambda c, s: c.add_item(s, people.user("secretary"), first,
                                              {"kind": "decision", "title": "Andet punkt"}).id)
    council.publish_agenda(first)
    [item] = [i for i in council.items(first) if i.proposal_id is not None]
    council.record_positions(first, {"councillor": "agree"})
    case_id = council.meeting(first).case_id
    assert len(council.tasks(case_id, "position")) == 2  # the chair's: one per item
    _act(app, lambda c, s: c.postpone_item(s, people.user("secretary"), item.id,
                                           {"meeting_id": later, "reason": "Høringsnotatet mangler"}))
    assert [t.assignee for t in council.tasks(case_id, "position")] == ["chair"]  # only the other item's
    with app.app_context():
        withdrawn = db.session.scalar(select(func.count()).select_from(CompletedTask).where(
            CompletedTask.case_id == case_id, CompletedTask.completed_by == "system"))
        timeline = [e.kind for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.case_id == proposal.case_id))]
    assert withdrawn == 1 and "council.item_postponed" in timeline
    council.record_positions(first, {"chair": "agree"})
    with council.at_meeting(first):
        [task] = council.tasks(case_id, "decide")  # the other item only
        council.complete("chair", task, {"decision": "approved"})
        assert council.tasks(case_id, "decide") == []
        assert council.meeting(first).status == "minutes"
    council.sweep()
    assert _proposal(app, proposal.case_id).decision is None  # no decision reached the proposal
    people.login(client, "lead")
    case_page = client.get(f"/sager/{proposal.case_id}").data.decode()
    assert "April" in case_page
    # the later meeting picks the item up; its positions stay with it
    council.publish_agenda(later)
    later_case = council.meeting(later).case_id
    assert sorted(t.assignee for t in council.tasks(later_case, "position")) == ["chair", "councillor"]
    council.record_positions(later, {"chair": "agree", "councillor": "agree"})
    council.decide_all(later, {item.id: {"decision": "approved"}})
    council.sweep()
    decided = _proposal(app, proposal.case_id)
    assert decided.decision == "approved" and decided.status == "approved"
    assert other not in {i.id for i in council.items(later)}


def test_the_chair_postpones_an_item_without_quorum_to_a_later_meeting(app, people):
    from web.extensions import db

    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor", "lead"))
    first = _meeting(app, people, days=14, title="Marts")
    later = _meeting(app, people, days=42, title="April")
    proposal = _proposal_on(app, people, first)
    council.publish_agenda(first)
    council.record_positions(first, {"chair": "agree"})  # one of three: no quorum
    case_id = council.meeting(first).case_id
    [item] = council.items(first)
    with council.at_meeting(first):
        [task] = council.tasks(case_id, "decide")
        with app.app_context():
            view = app.extensions["byplan"].task_view(db.session, people.user("chair"), task.id)
        [target] = [f for f in view.fields if f.name == "postpone_to"]
        assert [v for v, _ in target.choices] == [str(later)]
        page = app.test_client()
        people.login(page, "chair")
        form = page.get(f"/opgaver/{task.id}").data.decode()
        assert "Udsæt til et senere møde" in form and f'value="{later}"' in form
        with pytest.raises(Exception) as refused:  # postpone needs the meeting
            council.complete("chair", task, {"decision": "postpone", "reason": "Ikke beslutningsdygtigt"})
        assert "postpone_to" in getattr(refused.value, "errors", {})
        council.complete("chair", task, {"decision": "postpone", "postpone_to": str(later),
                                         "reason": "Ikke beslutningsdygtigt"})
        council.sweep()
        assert council.meeting(first).status == "minutes"
    assert [i.id for i in council.items(later)] == [item.id]
    assert _proposal(app, proposal.case_id).decision is None
    council.publish_agenda(later)
    council.record_positions(later, {"chair": "agree", "councillor": "agree"})
    council.decide_all(later, {item.id: {"decision": "approved"}})
    council.sweep()
    assert _proposal(app, proposal.case_id).decision == "approved"


def test_the_meeting_pages_with_closed_and_postponed_items_are_valid_html(app, people, tmp_path):
    """The pages as the secretariat (the forms, with errors), the chair (open), a member and the public see them."""
    from test_html_validity import errors, run_vnu

    council, meeting_id, closed, _ = _closed_meeting(app, people)
    later = _meeting(app, people, days=42, title="April")
    other = [i.id for i in council.items(meeting_id) if i.id != closed][0]
    secretary, chair, member = (app.test_client() for _ in range(3))
    people.login(secretary, "secretary")
    people.login(chair, "chair")
    people.login(member, "councillor")
    pages = {"refused": secretary.post(f"/raadet/punkter/{other}/udsaet",
                                       data={"meeting_id": meeting_id, "to_meeting_id": "", "reason": ""})}
    assert pages["refused"].status_code == 422
    assert secretary.post(f"/raadet/punkter/{other}/udsaet", data={
        "meeting_id": meeting_id, "to_meeting_id": later, "reason": "Mangler materiale"}).status_code == 302
    pages.update(secretary=secretary.get(f"/raadet/moeder/{meeting_id}"),
                 target=secretary.get(f"/raadet/moeder/{later}"), chair=chair.get(f"/raadet/moeder/{meeting_id}"),
                 member=member.get(f"/raadet/moeder/{meeting_id}"),
                 public=app.test_client().get(f"/raadet/moeder/{meeting_id}"))
    assert "Åbn punktet for offentligheden" in pages["chair"].data.decode()
    files = []
    for name, response in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.data)
        files.append(path)
    assert errors(run_vnu(files)) == []


def test_an_item_postponed_while_the_chair_decides_another_is_skipped_by_the_meeting(app, people):
    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    first = _meeting(app, people, days=14, title="Marts")
    later = _meeting(app, people, days=42, title="April")
    add = [_act(app, lambda c, s, t=title: c.add_item(s, people.user("secretary"), first,
                                                       {"kind": "decision", "title": t}).id) for title in ("A", "B")]
    council.publish_agenda(first)
    council.record_positions(first, {"chair": "agree", "councillor": "agree"})
    case_id = council.meeting(first).case_id
    with council.at_meeting(first):
        [task] = council.tasks(case_id, "decide")  # A's
        _act(app, lambda c, s: c.postpone_item(s, people.user("secretary"), add[1],
                                               {"meeting_id": later, "reason": "Tiden slap op"}))
        council.complete("chair", task, {"decision": "approved"})
        assert council.tasks(case_id, "decide") == []  # B is not taken up
        assert [t.spec_name for t in council.tasks(case_id)] == ["draft_minutes"]
        assert council.meeting(first).status == "minutes"
    assert [i.title for i in council.items(later)] == ["B"]


def test_the_api_closes_opens_and_postpones_with_errors_per_field(app, people, client):
    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    first = _meeting(app, people, days=14)
    earlier = _meeting(app, people, days=7, title="Tidligere")
    later = _meeting(app, people, days=28, title="Senere")
    item = _act(app, lambda c, s: c.add_item(s, people.user("secretary"), first,
                                             {"kind": "decision", "title": SECRET}).id)
    secretary = {"Authorization": f"Bearer {people.token('secretary')}"}
    chair = {"Authorization": f"Bearer {people.token('chair')}"}
    missing = client.post(f"/api/v1/council/items/{item}/close", headers=secretary, json={})
    assert missing.status_code == 422 and set(missing.get_json()["errors"]["json"]) == {"reason"}
    closed = client.post(f"/api/v1/council/items/{item}/close", headers=secretary, json={"reason": "Fortroligt"})
    assert closed.status_code == 200 and closed.get_json()["closed"] is True
    assert client.post(f"/api/v1/council/items/{item}/open", headers=secretary, json={}).status_code == 403
    url = f"/api/v1/council/items/{item}/postpone"
    refused = client.post(url, headers=secretary, json={"meeting_id": earlier, "reason": "Mangler"})
    assert refused.status_code == 422 and set(refused.get_json()["errors"]["json"]) == {"meeting_id"}
    moved = client.post(url, headers=secretary, json={"meeting_id": later, "reason": "Mangler"})
    assert moved.status_code == 200, moved.get_json()
    opened = client.post(f"/api/v1/council/items/{item}/open", headers=chair, json={"note": "Slut"})
    assert opened.status_code == 200 and opened.get_json()["title"] == SECRET


def test_an_item_postponed_after_every_position_is_in_is_not_decided_at_the_old_meeting(app, people):
    """The process waits for the meeting's start (every position recorded): the moved item is not taken up."""
    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    first = _meeting(app, people, days=14, title="Marts")
    later = _meeting(app, people, days=42, title="April")
    item = _act(app, lambda c, s: c.add_item(s, people.user("secretary"), first,
                                             {"kind": "decision", "title": "Punktet"}).id)
    council.publish_agenda(first)
    council.record_positions(first, {"chair": "agree", "councillor": "object"})
    case_id = council.meeting(first).case_id
    assert council.tasks(case_id) == []  # waiting for the meeting
    _act(app, lambda c, s: c.postpone_item(s, people.user("secretary"), item,
                                           {"meeting_id": later, "reason": "Udsat"}))
    with council.at_meeting(first):
        assert [t.spec_name for t in council.tasks(case_id)] == ["draft_minutes"]
    assert sorted(p.position for p in _positions(app, item)) == ["agree", "object"]  # they moved with it


def _positions(app, item_id):
    from web.extensions import db
    from workflows.council import positions

    with app.app_context():
        return positions(db.session, item_id)
