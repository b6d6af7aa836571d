"""Out-of-office delegation and internal comments (issue 19): a council member's positions go to the delegate
in the period (inbox, task page, API) and are recorded as "Y for X"; @-mentions notify through the outbox."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from council_support import CouncilDriver


def _meeting_with_positions(app, people) -> tuple[CouncilDriver, int]:
    from web.extensions import db

    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    meeting_id = council.create_meeting()
    with app.app_context():
        app.extensions["byplan"].council.add_item(db.session, people.user("secretary"), meeting_id,
                                                  {"kind": "decision", "title": "Fælles datamodel"})
        db.session.commit()
    council.publish_agenda(meeting_id)
    return council, council.meeting(meeting_id).case_id


def test_a_delegate_records_the_absent_members_position(app, client, people):
    from engine.models import AuditEvent, CompletedTask
    from web.extensions import db
    from workflows.council import Position

    council, case_id = _meeting_with_positions(app, people)
    [task] = [t for t in council.tasks(case_id, "position") if t.assignee == "councillor"]
    people.login(client, "member")
    assert client.get(f"/opgaver/{task.id}").status_code == 403  # no delegation yet

    people.login(client, "councillor")
    today = date.today()
    bad = client.post("/konto/fravaer", data={"delegate": "nobody", "starts_on": today.isoformat(),
                                              "ends_on": today.isoformat()})
    assert bad.status_code == 422 and 'id="e-delegate"' in bad.get_data(as_text=True)
    backwards = client.post("/konto/fravaer", data={"delegate": "member", "starts_on": today.isoformat(),
                                                    "ends_on": (today - timedelta(days=1)).isoformat()})
    assert backwards.status_code == 422
    assert client.post("/konto/fravaer", data={"delegate": "member", "starts_on": today.isoformat(),
                                               "ends_on": (today + timedelta(days=7)).isoformat()}).status_code == 302
    overlap = client.post("/konto/fravaer", data={"delegate": "lead", "starts_on": today.isoformat(),
                                                  "ends_on": today.isoformat()})
    assert overlap.status_code == 422

    people.login(client, "member")
    inbox = client.get("/opgaver").get_data(as_text=True)
    assert f"/opgaver/{task.id}" in inbox and "bp-for" in inbox
    page = client.get(f"/opgaver/{task.id}")
    assert page.status_code == 200 and "bp-acting-for" in page.get_data(as_text=True)
    others = [t for t in council.tasks(case_id, "position") if t.assignee == "chair"]
    assert client.get(f"/opgaver/{others[0].id}").status_code == 403  # only the principal's tasks
    done = client.post(f"/opgaver/{task.id}", data={"position": "object", "comment": "For Councillor"})
    assert done.status_code == 302, done.get_data(as_text=True)

    with app.app_context():
        position = db.session.scalar(select(Position).where(Position.member == "councillor"))
        assert position.position == "object"  # the principal's position
        completed = db.session.get(CompletedTask, task.id)
        assert completed.completed_by == "member"
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                         .order_by(AuditEvent.seq)))
        from engine.audit_people import Pseudonyms  # the log names people by reference (issue 18)

        acted = [(e.kind, actor, detail.get("acting_for"))
                 for e, (actor, _summary, detail) in zip(events, Pseudonyms().reveal(db.session, events))
                 if detail.get("acting_for")]
        assert ("council.position", "member", "councillor") in acted and ("complete", "member", "councillor") in acted
    people.login(client, "secretary")
    timeline = client.get(f"/sager/{case_id}").get_data(as_text=True)
    assert "Member for Councillor" in timeline


def test_the_delegation_ends_with_its_period_and_when_revoked(app, client, people):
    from web.extensions import db
    from workflows.delegation import Delegation

    council, case_id = _meeting_with_positions(app, people)
    [task] = [t for t in council.tasks(case_id, "position") if t.assignee == "councillor"]
    with app.app_context():
        db.session.add(Delegation(principal="councillor", delegate="member", starts_on=date.today() - timedelta(days=9),
                                  ends_on=date.today() - timedelta(days=2)))
        db.session.commit()
    people.login(client, "member")
    assert client.get(f"/opgaver/{task.id}").status_code == 403  # the period is over
    people.login(client, "councillor")
    client.post("/konto/fravaer", data={"delegate": "member", "starts_on": date.today().isoformat(),
                                        "ends_on": date.today().isoformat()})
    with app.app_context():
        current = db.session.scalar(select(Delegation.id).where(Delegation.ends_on == date.today()))
    people.login(client, "member")
    assert client.get(f"/opgaver/{task.id}").status_code == 200
    assert client.post(f"/konto/fravaer/{current}/tilbagekald").status_code == 422  # not theirs to revoke
    people.login(client, "councillor")
    assert client.post(f"/konto/fravaer/{current}/tilbagekald").status_code == 302
    people.login(client, "member")
    assert client.get(f"/opgaver/{task.id}").status_code == 403


def test_the_api_lists_and_completes_delegated_tasks(app, client, people):
    council, case_id = _meeting_with_positions(app, people)
    [task] = [t for t in council.tasks(case_id, "position") if t.assignee == "councillor"]
    people.login(client, "councillor")
    client.post("/konto/fravaer", data={"delegate": "member", "starts_on": date.today().isoformat(),
                                        "ends_on": date.today().isoformat()})
    headers = {"Authorization": f"Bearer {people.token('member')}"}
    listed = client.get("/api/v1/tasks", headers=headers)
    assert listed.status_code == 200 and task.id in listed.get_data(as_text=True)
    from engine.models import Case
    from web.extensions import db

    with app.app_context():
        version = db.session.get(Case, case_id).version
    assert client.get(f"/api/v1/tasks/{task.id}", headers=headers).status_code == 200
    done = client.post(f"/api/v1/tasks/{task.id}/complete", headers=headers,
                       json={"data": {"position": "agree", "comment": ""}, "version": version})
    assert done.status_code in (200, 201), done.get_data(as_text=True)


def test_a_mention_notifies_through_the_outbox_as_the_user_chose(app, client, people):
    from engine.mail import OutboxMail
    from web.extensions import db
    from workflows.comments import CaseComment
    from workflows.notifications import HeldNotification, NotificationPreference

    with app.app_context():
        case = app.extensions["byplan"].start_proposal(db.session, people.user("lead"), people.group_id, "Forslag")
        db.session.add(NotificationPreference(user_id=people.ids["chair"], kind="case.mention", mode="digest"))
        db.session.commit()
        case_id = case.id
    people.login(client, "secretary")
    unknown = client.post(f"/sager/{case_id}/kommentarer", data={"body": "Se her @ghost"})
    assert unknown.status_code == 422 and 'id="e-body"' in unknown.get_data(as_text=True)
    blind = client.post(f"/sager/{case_id}/kommentarer", data={"body": "Til @outsider"})  # another group's member
    assert blind.status_code == 422
    assert client.post(f"/sager/{case_id}/kommentarer", data={"body": ""}).status_code == 422
    ok = client.post(f"/sager/{case_id}/kommentarer", data={"body": "@lead og @chair: kig på punkt 3, tak."})
    assert ok.status_code == 302
    with app.app_context():
        mails = list(db.session.scalars(select(OutboxMail).where(OutboxMail.tag == "case.mention")))
        assert [m.to_address for m in mails] == ["lead@example.org"]
        assert "punkt 3" in mails[0].body and f"/sager/{case_id}" in mails[0].body
        held = list(db.session.scalars(select(HeldNotification).where(HeldNotification.kind == "case.mention")))
        assert [h.to_address for h in held] == ["chair@example.org"]  # the chair chose the digest
        [comment] = db.session.scalars(select(CaseComment)).all()
        assert comment.mentions == ["lead", "chair"]
    page = client.get(f"/sager/{case_id}").get_data(as_text=True)
    assert "kig på punkt 3" in page
    people.login(client, "contact")  # may not see the case: neither page nor comment
    assert client.post(f"/sager/{case_id}/kommentarer", data={"body": "hej"}).status_code == 403
