"""The council as a board (issue 15): conflicts of interest, absences with substitutes acting "Y for X" at one
meeting, attendance per meeting and item, and the quorum read from them (workflows/council/board.py)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine import Forbidden
from engine.models import AuditEvent, CompletedTask

from council_support import CouncilDriver
from test_council_portal import _item, _meeting


def _members(app, people, *extra: str) -> CouncilDriver:
    """chair, councillor and the named extra council members (users with the council member role)."""
    from web.extensions import db
    from workflows.council import CouncilMember
    from workflows.directory import COUNCIL_MEMBER, create_user

    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    with app.app_context():
        for name in extra:
            user = create_user(db.session, name, name.title(), f"{name}@example.org", people.PASSWORD,
                               (COUNCIL_MEMBER,))
            db.session.add(CouncilMember(user_id=user.id, term_start=date(2020, 1, 1)))
        db.session.commit()
    return council


def _do(app, fn):
    """Run one service call in a transaction, as a view does."""
    from web.extensions import db

    with app.app_context():
        try:
            result = fn(db.session)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise


def _board(app):
    from workflows.council.board import Board

    return Board(app.extensions["byplan"].council)


def _count(app, model, *where) -> int:
    from web.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _declare_and_rule(app, people, item_id, member="councillor", by=None, ruling="conflicted", public=False):
    board = _board(app)
    raw = {"reason": "Min arbejdsgiver er leverandør", **({"member": member} if by else {})}
    _do(app, lambda s: board.declare_conflict(s, people.user(by or member), item_id, raw))
    _do(app, lambda s: board.rule_conflict(s, people.user("chair"), item_id, {
        "member": member, "ruling": ruling, "note": "Formanden er enig",
        **({"reason_public": "1"} if public else {})}))


def _tally(app, item_id):
    from engine.models import utcnow
    from web.extensions import db
    from workflows.council import get_item
    from workflows.council.tasks import tally

    with app.app_context():
        return tally(db.session, get_item(db.session, item_id), utcnow())


def test_a_conflict_ruled_before_publication_creates_no_position_task_and_leaves_the_quorum(app, people):
    council = _members(app, people, "raad3")
    meeting_id, _, _ = _meeting(app, people)
    item_id = _item(app, people, meeting_id)
    _declare_and_rule(app, people, item_id)
    council.publish_agenda(meeting_id)
    case_id = council.meeting(meeting_id).case_id
    assert sorted(t.assignee for t in council.tasks(case_id, "position")) == ["chair", "raad3"]
    counts = _tally(app, item_id)
    assert (counts["eligible"], counts["participating"], counts["conflicted"], counts["basis"]) == \
        (2, 0, ["councillor"], "positions")
    assert "councillor" not in counts["missing"]


def test_a_conflict_ruled_after_publication_withdraws_the_task_and_the_position(app, people, client):
    from web.extensions import db
    from workflows.council import CouncilError, Position

    council = _members(app, people, "raad3")
    meeting_id, _, _ = _meeting(app, people)
    item_id = _item(app, people, meeting_id)
    council.publish_agenda(meeting_id)
    case_id = council.meeting(meeting_id).case_id
    [task] = [t for t in council.tasks(case_id, "position") if t.assignee == "councillor"]
    service = app.extensions["byplan"].council
    _do(app, lambda s: service.change_position(s, people.user("councillor"), item_id, {"position": "agree"}))
    # the secretariat raises it for the member; the chair rules
    _declare_and_rule(app, people, item_id, by="secretary")
    assert [t.assignee for t in council.tasks(case_id, "position")].count("councillor") == 0
    with app.app_context():
        done = db.session.get(CompletedTask, task.id)
        assert done.completed_by == "system"
        kinds = set(db.session.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == case_id)))
    assert {"council.conflict_declared", "council.conflict_ruled", "council.position_withdrawn",
            "council.position_removed"} <= kinds
    with app.app_context():  # the log names the members by reference only (issue 18)
        board_events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.kind.like("council.%"))))
        assert board_events and all("councillor" not in f"{e.summary} {e.detail}" for e in board_events)
    assert _count(app, Position, Position.item_id == item_id) == 0
    # a conflicted member cannot record a position: a clear error, nothing changes
    events = _count(app, AuditEvent)
    with pytest.raises(CouncilError, match="conflicted"):
        _do(app, lambda s: service.change_position(s, people.user("councillor"), item_id, {"position": "object"}))
    assert _count(app, Position, Position.item_id == item_id) == 0 and _count(app, AuditEvent) == events
    people.login(client, "secretary")
    timeline = client.get(f"/sager/{case_id}").get_data(as_text=True)
    assert "Chair afgjorde inhabilitet i »Fælles datamodel«" in timeline
    assert "En holdningsopgave til »Fælles datamodel« blev trukket tilbage: inhabilitet" in timeline


def test_only_the_chair_rules_and_a_ruling_is_final(app, people):
    from workflows.council.models import Conflict, CouncilError

    _members(app, people)
    meeting_id, _, _ = _meeting(app, people)
    item_id = _item(app, people, meeting_id)
    board = _board(app)
    _do(app, lambda s: board.declare_conflict(s, people.user("councillor"), item_id, {"reason": "Inhabil"}))
    events = _count(app, AuditEvent)
    for who in ("councillor", "secretary", "lead"):
        with pytest.raises(Forbidden):
            _do(app, lambda s: board.rule_conflict(s, people.user(who), item_id,
                                                   {"member": "councillor", "ruling": "conflicted"}))
    assert _count(app, Conflict, Conflict.ruling.is_not(None)) == 0 and _count(app, AuditEvent) == events
    with pytest.raises(Exception) as invalid:  # a ruling must be chosen
        _do(app, lambda s: board.rule_conflict(s, people.user("chair"), item_id, {"member": "councillor"}))
    assert set(invalid.value.errors) == {"ruling"}
    _do(app, lambda s: board.rule_conflict(s, people.user("chair"), item_id,
                                           {"member": "councillor", "ruling": "not_conflicted"}))
    with pytest.raises(CouncilError):
        _do(app, lambda s: board.rule_conflict(s, people.user("chair"), item_id,
                                               {"member": "councillor", "ruling": "conflicted"}))
    with pytest.raises(CouncilError):  # declared once per member and item
        _do(app, lambda s: board.declare_conflict(s, people.user("councillor"), item_id, {"reason": "Igen"}))
    with pytest.raises(Forbidden):  # only members (for themselves) and the secretariat declare
        _do(app, lambda s: board.declare_conflict(s, people.user("lead"), item_id, {"reason": "X"}))


def test_a_substitute_acts_for_the_absent_member_at_that_meeting_only(app, people):
    from web.extensions import db
    from workflows.council import Position

    council = _members(app, people, "raad3")
    byplan = app.extensions["byplan"]
    first, _, _ = _meeting(app, people, title="Rådsmøde marts")
    item_id = _item(app, people, first, "Fælles datamodel")
    second, _, _ = _meeting(app, people, title="Rådsmøde april")
    other_item = _item(app, people, second, "Fælles brugerstyring")
    board = _board(app)
    _do(app, lambda s: board.register_absence(s, people.user("raad3"), first,
                                              {"substitute": "outsider", "reason": "Ferie"}))
    with app.app_context():  # the substitute is told, in Danish, whom they act for and where
        from engine.mail import OutboxMail

        [mail] = db.session.scalars(select(OutboxMail).where(OutboxMail.tag == "council.substitute"))
        assert mail.to_address == "outsider@example.org" and "stedfortræder for Raad3" in mail.body
        assert "Rådsmøde marts" in mail.subject
    council.publish_agenda(first)
    council.publish_agenda(second)
    first_case, second_case = council.meeting(first).case_id, council.meeting(second).case_id
    with app.app_context():
        inbox = byplan.inbox(db.session, people.user("outsider"))
    assert [(t.case_id, t.assignee) for t in inbox] == [(first_case, "raad3")]  # that meeting's tasks only
    [task] = [t for t in council.tasks(first_case, "position") if t.assignee == "raad3"]
    council.complete("outsider", task, {"position": "object", "comment": "Stedfortræderens indsigelse"})
    with app.app_context():
        row = db.session.scalar(select(Position).where(Position.item_id == item_id, Position.member == "raad3"))
        assert (row.position, row.acting_by) == ("object", "outsider")
        from engine.audit_people import Pseudonyms  # the log names people by reference (issue 18)

        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == first_case)
                                         .order_by(AuditEvent.seq)))
        acted = [(e.kind, actor, detail.get("acting_for"))
                 for e, (actor, _summary, detail) in zip(events, Pseudonyms().reveal(db.session, events))
                 if detail.get("acting_for")]
        assert ("council.position", "outsider", "raad3") in acted and ("complete", "outsider", "raad3") in acted
        page = _board(app).board_page(db.session, first, people.user("secretary"), public=False)
        assert page.items[item_id].substitute_positions == [("Outsider", "Raad3", "object")]
    # outside their meeting: refused, nothing changes
    [elsewhere] = [t for t in council.tasks(second_case, "position") if t.assignee == "raad3"]
    events = _count(app, AuditEvent)
    with pytest.raises(Forbidden):
        council.complete("outsider", elsewhere, {"position": "agree"})
    with app.app_context(), pytest.raises(Forbidden):
        byplan.task_view(db.session, people.user("outsider"), elsewhere.id)
    assert _count(app, Position, Position.item_id == other_item) == 0 and _count(app, AuditEvent) == events
    assert elsewhere.id in {t.id for t in council.tasks(second_case, "position")}


def test_who_may_be_a_substitute(app, people, monkeypatch):
    from workflows.council import CouncilError, models

    _members(app, people, "raad3")
    meeting_id, _, _ = _meeting(app, people)
    board = _board(app)
    for substitute in ("councillor", "raad3", "nobody"):  # a member, the member themselves, no such user
        with pytest.raises(Exception) as refused:
            _do(app, lambda s: board.register_absence(s, people.user("raad3"), meeting_id, {"substitute": substitute}))
        assert set(refused.value.errors) == {"substitute"}, substitute
    _do(app, lambda s: board.register_absence(s, people.user("raad3"), meeting_id, {"substitute": "outsider"}))
    with pytest.raises(Exception) as taken:  # one member's substitute at a time
        _do(app, lambda s: board.register_absence(s, people.user("secretary"), meeting_id,
                                                  {"member": "councillor", "substitute": "outsider"}))
    assert set(taken.value.errors) == {"substitute"}
    with pytest.raises(CouncilError):  # registered once; withdraw first
        _do(app, lambda s: board.register_absence(s, people.user("raad3"), meeting_id, {}))
    _do(app, lambda s: board.withdraw_absence(s, people.user("raad3"), meeting_id, {}))
    monkeypatch.setattr(models, "SUBSTITUTES_ALLOWED", False)
    with pytest.raises(Exception) as off:
        _do(app, lambda s: board.register_absence(s, people.user("raad3"), meeting_id, {"substitute": "outsider"}))
    assert set(off.value.errors) == {"substitute"}
    _do(app, lambda s: board.register_absence(s, people.user("raad3"), meeting_id, {"reason": "Syg"}))
    with pytest.raises(Forbidden):  # someone else's absence: only the secretariat
        _do(app, lambda s: board.register_absence(s, people.user("lead"), meeting_id, {"member": "raad3"}))


def test_attendance_drives_the_quorum_and_substitutes_count_for_their_member(app, people):
    from workflows.council import CouncilError

    council = _members(app, people, "raad3", "raad4")
    meeting_id, starts, _ = _meeting(app, people)
    item_id = _item(app, people, meeting_id)
    board = _board(app)
    _do(app, lambda s: board.register_absence(s, people.user("raad3"), meeting_id, {"substitute": "outsider"}))
    with pytest.raises(CouncilError):  # not before the meeting
        _do(app, lambda s: board.record_attendance(s, people.user("secretary"), meeting_id, {}))
    council.publish_agenda(meeting_id)
    council.record_positions(meeting_id, {"chair": "agree"})
    assert (_tally(app, item_id)["participating"], _tally(app, item_id)["basis"]) == (1, "positions")
    with council.at_meeting(meeting_id, minutes=-30):  # the secretariat records attendance as the meeting opens
        with app.app_context():
            from web.extensions import db

            page = board.board_page(db.session, meeting_id, people.user("secretary"), public=False)
        assert {r.member: (r.status, r.substitute) for r in page.attendance} == {
            "chair": ("present", None), "councillor": ("present", None), "raad3": ("substitute", "outsider"),
            "raad4": ("present", None)}  # prefilled from the absences
        with pytest.raises(Forbidden):
            _do(app, lambda s: board.record_attendance(s, people.user("chair"), meeting_id, {}))
        with pytest.raises(Exception) as invalid:
            _do(app, lambda s: board.record_attendance(s, people.user("secretary"), meeting_id, {
                "status-chair": "present", "status-councillor": "maybe", "status-raad3": "substitute",
                "status-raad4": "substitute", "substitute-raad3": "outsider"}))
        assert set(invalid.value.errors) == {"status-councillor", "substitute-raad4"}
        assert _tally(app, item_id)["basis"] == "positions"  # nothing recorded
        _do(app, lambda s: board.record_attendance(s, people.user("secretary"), meeting_id, {
            "status-chair": "present", "status-councillor": "absent", "status-raad3": "substitute",
            "status-raad4": "absent"}))
        counts = _tally(app, item_id)
        assert (counts["eligible"], counts["participating"], counts["basis"]) == (4, 2, "attendance")
        # raad4 arrives for the item; the chair rules councillor conflicted on it
        _do(app, lambda s: board.record_attendance(s, people.user("secretary"), meeting_id, {
            "item_id": str(item_id), "status-chair": "present", "status-councillor": "absent",
            "status-raad3": "substitute", "status-raad4": "present"}, item_id))
        _declare_and_rule(app, people, item_id)
        counts = _tally(app, item_id)
        assert (counts["eligible"], counts["participating"], counts["conflicted"]) == (3, 3, ["councillor"])


def test_the_meeting_page_names_the_conflicted_member_and_the_public_sees_the_reason_only_if_public(
        app, people, client):
    from workflows.council import get_meeting

    council = _members(app, people, "raad3")
    meeting_id, _, _ = _meeting(app, people)
    item_id = _item(app, people, meeting_id)
    second = _item(app, people, meeting_id, "Fælles brugerstyring")
    _declare_and_rule(app, people, item_id)
    _declare_and_rule(app, people, second, member="raad3", public=True)
    council.publish_agenda(meeting_id)
    line = "Councillor deltog ikke i behandlingen af punktet på grund af inhabilitet."
    people.login(client, "secretary")
    page = client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    assert line in page and "Min arbejdsgiver er leverandør" in page and "Formanden er enig" in page
    anonymous = app.test_client()
    assert line not in anonymous.get(f"/raadet/moeder/{meeting_id}").data.decode()  # with the minutes only

    def publish_minutes(s):
        meeting = get_meeting(s, meeting_id)
        meeting.minutes_published_at = meeting.starts_at

    _do(app, publish_minutes)
    public = anonymous.get(f"/raadet/moeder/{meeting_id}").data.decode()
    assert line in public and "Raad3 deltog ikke i behandlingen af punktet på grund af inhabilitet." in public
    assert public.count("Min arbejdsgiver er leverandør") == 1  # raad3's reason is public, councillor's is not
    assert "Formanden er enig" not in public


def test_the_forms_refuse_bad_input_per_field_and_a_councillor_cannot_rule(app, people, client):
    from workflows.council.models import Absence, Conflict

    _members(app, people)
    meeting_id, _, _ = _meeting(app, people)
    item_id = _item(app, people, meeting_id)
    people.login(client, "councillor")
    empty = client.post(f"/raadet/punkter/{item_id}/inhabilitet", data={"reason": " "})
    assert empty.status_code == 422 and f'id="e-reason-c{item_id}"' in empty.data.decode()
    assert client.post(f"/raadet/punkter/{item_id}/inhabilitet", data={"reason": "Inhabil"}).status_code == 302
    refused = client.post(f"/raadet/punkter/{item_id}/inhabilitet/afgoerelse",
                          data={"member": "councillor", "ruling": "conflicted"})
    assert refused.status_code == 403
    bad = client.post(f"/raadet/moeder/{meeting_id}/afbud", data={"substitute": "chair"})
    assert bad.status_code == 422 and 'id="e-substitute-absence"' in bad.data.decode()
    assert _count(app, Absence) == 0 and _count(app, Conflict, Conflict.ruling.is_not(None)) == 0
    people.login(client, "chair")
    page = client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    assert "Afgør inhabilitet" in page
    ruled = client.post(f"/raadet/punkter/{item_id}/inhabilitet/afgoerelse",
                        data={"member": "councillor", "ruling": "not_conflicted", "note": "Ingen interesse"})
    assert ruled.status_code == 302
    assert _count(app, Conflict, Conflict.ruling == "not_conflicted") == 1


def test_the_decision_context_shows_the_conflicted_and_the_attendance_basis(app, people):
    from web.extensions import db

    council = _members(app, people, "raad3")
    meeting_id, _, _ = _meeting(app, people)
    item_id = _item(app, people, meeting_id)
    _declare_and_rule(app, people, item_id)
    council.publish_agenda(meeting_id)
    council.record_positions(meeting_id, {"chair": "agree", "raad3": "agree"})
    case_id = council.meeting(meeting_id).case_id
    with council.at_meeting(meeting_id):
        [task] = council.tasks(case_id, "decide")
        with app.app_context():
            ctx = app.extensions["byplan"].task_view(db.session, people.user("chair"), task.id).context
        assert (ctx.eligible, ctx.participating, ctx.has_quorum, ctx.conflicted, ctx.basis) == \
            (2, 2, True, ["Councillor"], "positions")
        assert ctx.missing == []


def test_the_demo_s_next_meeting_has_a_ruled_conflict_and_a_substitute(app):
    from web.extensions import db
    from workflows.council.models import Absence, Conflict, Meeting
    from workflows.demo import load_demo

    with app.app_context():
        assert load_demo(db.session, app.extensions["byplan"]) is not None
        db.session.commit()
        upcoming = db.session.scalar(select(Meeting).order_by(Meeting.starts_at.desc()).limit(1))
        [conflict] = db.session.scalars(select(Conflict))
        [absence] = db.session.scalars(select(Absence))
        assert conflict.item_id in {i.id for i in __import__("workflows.council", fromlist=["items"]).items(
            db.session, upcoming.id)}
        assert (conflict.member, conflict.ruling, conflict.reason_public) == ("raad4", "conflicted", True)
        assert (absence.meeting_id, absence.member, absence.substitute) == (upcoming.id, "raad5", "arkitekt")
        meeting_id = upcoming.id
    client = app.test_client()
    client.post("/login", data={"username": "sekretariat", "password": "byplan-demo"})
    page = client.get(f"/raadet/moeder/{meeting_id}").data.decode()
    assert "deltog ikke i behandlingen af punktet på grund af inhabilitet" in page
    assert "Amalie Arkitekt" in page


def test_the_board_forms_on_the_meeting_page_are_valid_html(app, people, tmp_path):
    from test_html_validity import errors, run_vnu

    council = _members(app, people, "raad3")
    meeting_id, _, _ = _meeting(app, people)
    item_id = _item(app, people, meeting_id)
    board = _board(app)
    _do(app, lambda s: board.declare_conflict(s, people.user("councillor"), item_id, {"reason": "Inhabil"}))
    _do(app, lambda s: board.register_absence(s, people.user("raad3"), meeting_id, {"substitute": "outsider"}))
    council.publish_agenda(meeting_id)
    pages = {}
    with council.at_meeting(meeting_id, minutes=-30):
        for name in ("chair", "secretary", "councillor"):
            client = app.test_client()
            people.login(client, name)
            pages[name] = client.get(f"/raadet/moeder/{meeting_id}").data.decode()
            if name == "secretary":  # with the per-field errors of the attendance form
                refused = client.post(f"/raadet/moeder/{meeting_id}/fremmoede", data={"status-chair": "x"})
                assert refused.status_code == 422
                pages["secretary-errors"] = refused.data.decode()
    assert 'name="status-raad3" value="substitute" checked' in pages["secretary"]
    assert "Afgør inhabilitet" in pages["chair"] and "Afgør inhabilitet" not in pages["councillor"]
    files = []
    for name, html in pages.items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(html, "utf-8")
    found = errors(run_vnu(files))
    assert found == [], [(m.get("url", "").rsplit("/", 1)[-1], m["message"], m.get("extract")) for m in found]


def test_a_ruling_or_attendance_while_the_item_is_before_the_chair_counts_again(app, people):
    from web.extensions import db

    council = _members(app, people, "raad3")
    meeting_id, _, _ = _meeting(app, people)
    item_id = _item(app, people, meeting_id)
    council.publish_agenda(meeting_id)
    council.record_positions(meeting_id, {"chair": "agree", "councillor": "object"})
    case_id = council.meeting(meeting_id).case_id
    board = _board(app)

    def context():
        [task] = council.tasks(case_id, "decide")
        with app.app_context():
            return app.extensions["byplan"].task_view(db.session, people.user("chair"), task.id)

    with council.at_meeting(meeting_id):
        view = context()
        assert (view.context.participating, view.context.eligible, view.context.has_quorum) == (2, 3, True)
        _declare_and_rule(app, people, item_id)  # during the meeting: councillor takes no part
        view = context()
        assert (view.context.participating, view.context.eligible, view.context.has_quorum) == (1, 2, False)
        assert view.context.conflicted == ["Councillor"] and view.context.counts["object"] == 0
        _do(app, lambda s: board.record_attendance(s, people.user("secretary"), meeting_id, {
            "status-chair": "present", "status-councillor": "present", "status-raad3": "present"}))
        view = context()
        assert (view.context.participating, view.context.eligible, view.context.has_quorum, view.context.basis) == \
            (2, 2, True, "attendance")
        [task] = council.tasks(case_id, "decide")
        council.complete("chair", task, {"decision": "approved"})  # with a quorum: no exception needed
