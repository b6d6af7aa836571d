"""Issue 13, item 2: nobody is left unaware.

Work waiting for a user beyond their BPMN tasks is in their inbox; the events people expect send one mail
to the right person through the outbox; each user chooses per kind of mail: at once, a daily digest (the
worker sends it at the digest hour), or not at all.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from council_support import CouncilDriver
from network_support import NetworkDriver
from steps.proposal_driver import ProposalDriver

from workflows.dates import COPENHAGEN


# ------------------------------------------------------------------ helpers

def _mails(app, tag: str | None = None):
    from engine.mail import OutboxMail
    from web.extensions import db

    with app.app_context():
        query = select(OutboxMail).order_by(OutboxMail.id)
        if tag is not None:
            query = query.where(OutboxMail.tag == tag)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def _held(app):
    from web.extensions import db
    from workflows.notifications import HeldNotification

    with app.app_context():
        return [(h.user_id, h.kind) for h in db.session.scalars(select(HeldNotification).order_by(HeldNotification.id))]


def _choose(client, choices: dict):
    return client.post("/konto/beskeder", data=choices)


def _meeting_with_decision_item(app, people, council: CouncilDriver, title="Fælles datamodel") -> int:
    from web.extensions import db

    council.ensure_members(("chair", "councillor"))
    meeting_id = council.create_meeting()
    with app.app_context():
        app.extensions["byplan"].council.add_item(db.session, people.user("secretary"), meeting_id,
                                                  {"kind": "decision", "title": title})
        db.session.commit()
    return meeting_id


def _minutes_out_for_approval(app, people, council: CouncilDriver) -> int:
    """A meeting whose items are decided and whose minutes the secretariat sent for approval."""
    meeting_id = _meeting_with_decision_item(app, people, council)
    council.publish_agenda(meeting_id)
    meeting = council.meeting(meeting_id)
    council.record_positions(meeting_id, {"chair": "agree", "councillor": "agree"})
    with time_machine.travel(meeting.starts_at + timedelta(hours=3), tick=False):
        council.sweep()
        [item] = council.items(meeting_id)
        council.decide_all(meeting_id, {item.id: {"decision": "approved"}})
        [task] = council.tasks(meeting.case_id)
        council.complete("secretary", task, {"minutes_summary": "Rådet godkendte datamodellen."})
        council.sweep()
    assert council.meeting(meeting_id).status == "minutes_review"
    return meeting_id


# --------------------------------------------------------------- the inbox

def test_the_contacts_inbox_lists_the_open_registration_round(app, people):
    network = NetworkDriver(app, people)
    network_id = network.network(municipalities=("Hjørring",))
    round_id, _meetings = network.create_round(network_id, theme="Data på tværs", deadline_days=10)
    client = people.login(app.test_client(), "contact")
    page = client.get("/opgaver").get_data(as_text=True)
    assert "Venter også på dig" in page
    assert f'href="/netvaerk/runder/{round_id}"' in page and "Data på tværs" in page
    assert "Åben for tilmelding på kommunens pladser" in page
    deadline = (datetime.now(timezone.utc).date() + timedelta(days=10)).isoformat()  # as the driver sets it
    assert f'datetime="{deadline}"' in page
    # a user of no member municipality has nothing waiting; after the deadline the round is gone
    assert "Data på tværs" not in people.login(app.test_client(), "lead").get("/opgaver").get_data(as_text=True)
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=12), tick=False):
        assert "Data på tværs" not in client.get("/opgaver").get_data(as_text=True)


def test_a_members_inbox_lists_minutes_out_for_approval_with_the_deadline(app, people):
    council = CouncilDriver(app, people)
    meeting_id = _minutes_out_for_approval(app, people, council)
    meeting = council.meeting(meeting_id)
    client = people.login(app.test_client(), "councillor")
    page = client.get("/opgaver").get_data(as_text=True)
    assert f'href="/raadet/moeder/{meeting_id}"' in page and meeting.title in page
    assert "Referat til godkendelse" in page
    assert f'datetime="{meeting.minutes_deadline_at.astimezone(timezone.utc).isoformat(timespec="seconds")}"' in page
    # not for someone outside the council; and no longer once the member has objected
    assert f'href="/raadet/moeder/{meeting_id}"' not in \
        people.login(app.test_client(), "contact").get("/opgaver").get_data(as_text=True)
    response = client.post(f"/raadet/moeder/{meeting_id}/indsigelse", data={"text": "Punkt 1 er forkert."})
    assert response.status_code == 302
    assert f'href="/raadet/moeder/{meeting_id}"' not in client.get("/opgaver").get_data(as_text=True)


# ------------------------------------------------------------- the events

def test_a_submitted_proposal_mails_the_secretariat_and_its_screening_the_group(app, people):
    proposal = ProposalDriver(app, people)
    proposal.start("lead", "Genbrug før køb")
    proposal.submit("lead", summary="Resumé", statement="Genbrug før køb før byg")
    [submitted] = _mails(app, "proposal.submitted")
    assert submitted.to_address == "secretary@example.org"
    assert "Genbrug før køb" in submitted.subject and f"/sager/{proposal.case_id}" in submitted.body
    proposal.complete("secretary", {"screening": "return", "reason": "Mangler rationale"})
    returned = _mails(app, "proposal.screened")
    assert sorted(m.to_address for m in returned) == ["lead@example.org", "member@example.org"]
    assert all("sendt tilbage" in m.subject and "Mangler rationale" in m.body for m in returned)
    proposal.submit("lead", summary="Resumé", statement="Genbrug før køb før byg", rationale="Spar penge")
    assert len(_mails(app, "proposal.submitted")) == 2
    proposal.complete("secretary", {"screening": "complete"})
    screened = _mails(app, "proposal.screened")[2:]
    assert sorted(m.to_address for m in screened) == ["lead@example.org", "member@example.org"]
    assert all("går videre" in m.subject for m in screened)


def test_a_registration_mails_the_person_and_the_contact_and_so_does_moving_up(app, people):
    from web.extensions import db
    from workflows.network import Registration

    network = NetworkDriver(app, people)
    network_id = network.network(municipalities=("Hjørring",), seats=1)
    _round_id, [meeting_id] = network.create_round(network_id)
    client = people.login(app.test_client(), "contact")
    for name in ("Anne Arkitekt", "Bo Bruger"):
        response = client.post(f"/netvaerk/moeder/{meeting_id}/tilmeld",
                               data={"name": name, "email": f"{name.split()[0].lower()}@hjoerring.dk"})
        assert response.status_code == 302
    confirmed = _mails(app, "network.registration")
    # Anne has the seat (one mail to her, one to the contact); Bo waits, and is not told he is confirmed
    assert sorted(m.to_address for m in confirmed) == ["anne@hjoerring.dk", "contact@example.org"]
    assert all("Tilmelding bekræftet" in m.subject for m in confirmed)
    with app.app_context():
        anne = db.session.scalar(select(Registration.id).where(Registration.email == "anne@hjoerring.dk"))
    assert client.post(f"/netvaerk/tilmeldinger/{anne}/afmeld").status_code == 302
    moved = _mails(app, "network.registration")[2:]
    assert sorted(m.to_address for m in moved) == ["bo@hjoerring.dk", "contact@example.org"]
    assert any("rykket op fra ventelisten" in m.body for m in moved if m.to_address == "bo@hjoerring.dk")


def test_the_published_agenda_mails_date_time_and_place_and_each_member_their_position_tasks(app, people):
    council = CouncilDriver(app, people)
    meeting_id = _meeting_with_decision_item(app, people, council)
    council.publish_agenda(meeting_id)
    meeting = council.meeting(meeting_id)
    starts = meeting.starts_at.astimezone(COPENHAGEN)
    agenda = _mails(app, "council.agenda")
    assert sorted(m.to_address for m in agenda) == ["chair@example.org", "councillor@example.org"]
    assert all(f"{starts:%d.%m.%Y}" in m.body and "kl. 10.00" in m.body and "KL, Weidekampsgade 10" in m.body
               for m in agenda)
    positions = _mails(app, "council.positions")
    assert sorted(m.to_address for m in positions) == ["chair@example.org", "councillor@example.org"]
    assert all("Fælles datamodel" in m.body and f"senest {starts:%d.%m.%Y} kl. 10.00" in m.body for m in positions)


# ----------------------------------------------------------- the choices

def test_the_preferences_page_shows_every_kind_and_refuses_turning_off_a_required_one(app, people):
    from web.extensions import db
    from workflows.notifications import NotificationPreference

    client = people.login(app.test_client(), "councillor")
    page = client.get("/konto/beskeder").get_data(as_text=True)
    assert 'name="council.agenda" value="now" checked' in page  # the default: at once
    assert 'name="council.agenda" value="off"' in page
    assert 'name="council.minutes" value="off"' not in page  # not optional
    assert 'href="/konto/beskeder"' in client.get("/opgaver").get_data(as_text=True)
    response = _choose(client, {"council.agenda": "digest", "council.minutes": "off"})
    assert response.status_code == 422 and "Vælg en af mulighederne" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(NotificationPreference)).all() == []  # nothing changed
    assert _choose(client, {"council.agenda": "digest", "council.minutes": "digest"}).status_code == 302
    page = client.get("/konto/beskeder").get_data(as_text=True)
    assert 'name="council.agenda" value="digest" checked' in page
    # each user sees the kinds their roles receive
    contact = people.login(app.test_client(), "contact").get("/konto/beskeder").get_data(as_text=True)
    assert 'name="network.registration"' in contact and 'name="hearing.receipt"' in contact
    assert 'name="council.agenda"' not in contact and 'name="proposal.submitted"' not in contact


def test_a_digest_holds_the_mails_and_the_worker_sends_one_with_both_at_the_digest_hour(app, people):
    from web.worker import run_once

    client = people.login(app.test_client(), "councillor")
    assert _choose(client, {"council.agenda": "digest", "council.positions": "digest"}).status_code == 302
    council = CouncilDriver(app, people)
    meeting_id = _meeting_with_decision_item(app, people, council)
    council.publish_agenda(meeting_id)
    councillor = people.ids["councillor"]
    # the chair gets both at once; the councillor's are held, not in the outbox
    assert sorted(m.to_address for m in _mails(app) if m.tag.startswith("council.")) == [
        "chair@example.org", "chair@example.org"]
    assert sorted(_held(app)) == [(councillor, "council.agenda"), (councillor, "council.positions")]
    meeting = council.meeting(meeting_id)
    published = meeting.agenda_published_at.astimezone(COPENHAGEN)
    byplan = app.extensions["byplan"]
    next_day = published.date() + timedelta(days=1)
    before = datetime.combine(next_day, datetime.min.time(), COPENHAGEN).replace(hour=6, minute=59)
    with time_machine.travel(before, tick=False):
        run_once(byplan)
    assert _mails(app, "digest") == [] and len(_held(app)) == 2
    at = before + timedelta(minutes=1)  # 7.00, the default digest hour
    with time_machine.travel(at, tick=False):
        run_once(byplan)
        run_once(byplan)  # a second sweep the same day sends nothing more
    [digest] = _mails(app, "digest")
    assert digest.to_address == "councillor@example.org" and digest.sent_at is not None
    assert "Dagsorden: Rådsmøde" in digest.body and "Tilkendegiv din holdning: Rådsmøde" in digest.body
    assert "/konto/beskeder" in digest.body
    assert _held(app) == []


def test_off_sends_nothing_of_that_kind(app, people):
    client = people.login(app.test_client(), "councillor")
    assert _choose(client, {"council.agenda": "off", "council.positions": "off"}).status_code == 302
    council = CouncilDriver(app, people)
    meeting_id = _meeting_with_decision_item(app, people, council)
    council.publish_agenda(meeting_id)
    assert [m.to_address for m in _mails(app) if m.tag in ("council.agenda", "council.positions")] == [
        "chair@example.org", "chair@example.org"]
    assert _held(app) == []


def test_the_digest_hour_is_a_setting(sqlite_url):
    from support import make_app

    app = make_app(sqlite_url, DIGEST_HOUR=18)
    assert app.extensions["byplan"].notifications.digest_hour == 18


# ---------------------------------------------------------------- hearings

def _open_hearing(app, people, title="Brugerstyring", days=30, externals=()) -> int:
    """A published hearing with Hjørring (the contact's municipality, with a hearing mailbox) as a party."""
    from engine.models import ReadyTask
    from web.extensions import db
    from workflows.directory import Municipality

    byplan = app.extensions["byplan"]
    with app.app_context():
        s = db.session
        s.scalar(select(Municipality).where(Municipality.name == "Hjørring")).email = "hoering@hjoerring.example"
        secretary = people.user("secretary")
        hearing = byplan.hearings.create(s, secretary, title=title, summary=f"Resumé: {title}",
                                         working_group_id=people.group_id)
        byplan.hearings.add_municipalities(s, secretary, hearing.id, [people.user("contact").municipality_id])
        for name, email in externals:
            byplan.hearings.add_external_party(s, secretary, hearing.id, {"name": name, "email": email})
        task = s.scalar(select(ReadyTask).where(ReadyTask.case_id == hearing.case_id))
        deadline = _working_day_by(datetime.now(timezone.utc) + timedelta(days=days)).isoformat()
        byplan.complete_task(s, secretary, task.id, {"title": title, "summary": hearing.summary,
                                                     "deadline": deadline, "reminder_days": "7"}, None)
        s.commit()
        return hearing.id


def test_the_contacts_inbox_lists_the_unanswered_hearing_until_it_is_answered(app, people):
    hearing_id = _open_hearing(app, people, "Fælles brugerstyring")
    client = people.login(app.test_client(), "contact")
    page = client.get("/opgaver").get_data(as_text=True)
    assert f'href="/hoeringer/{hearing_id}"' in page and "Fælles brugerstyring" in page
    assert "Kommunen har ikke svaret endnu" in page
    deadline = _working_day_by(datetime.now(timezone.utc) + timedelta(days=30))
    assert f"{deadline.day}." in page  # the deadline is shown
    assert f'href="/hoeringer/{hearing_id}"' not in \
        people.login(app.test_client(), "lead").get("/opgaver").get_data(as_text=True)
    response = client.post(f"/hoeringer/{hearing_id}/svar", data={"text": "Hjørring støtter forslaget"})
    assert response.status_code == 302
    assert f'href="/hoeringer/{hearing_id}"' not in client.get("/opgaver").get_data(as_text=True)


def test_a_hearing_answer_mails_the_secretariat_and_a_receipt_to_the_party(app, people):
    hearing_id = _open_hearing(app, people)
    client = people.login(app.test_client(), "contact")
    assert client.post(f"/hoeringer/{hearing_id}/svar", data={"text": "Vi støtter"}).status_code == 302
    [notice] = _mails(app, "hearing.answer")
    assert notice.to_address == "secretary@example.org" and "Hjørring" in notice.subject
    assert f"/hoeringer/{hearing_id}" in notice.body
    receipts = _mails(app, "hearing.receipt")
    # the municipality's hearing mailbox (the party) and the contact who answered for it
    assert sorted(m.to_address for m in receipts) == ["contact@example.org", "hoering@hjoerring.example"]
    assert all("Kvittering for høringssvar: Brugerstyring" == m.subject for m in receipts)


def test_a_receipt_cannot_be_turned_off_and_an_external_party_always_gets_it_at_once(app, people):
    import re

    client = people.login(app.test_client(), "secretary")
    assert _choose(client, {"hearing.answer": "off"}).status_code == 302
    contact = people.login(app.test_client(), "contact")
    assert _choose(contact, {"hearing.receipt": "off"}).status_code == 422
    _open_hearing(app, people, externals=[("Digitaliseringsstyrelsen", "hoering@digst.example")])
    [invite] = [m for m in _mails(app, "hearing.invite") if m.to_address == "hoering@digst.example"]
    token = re.search(r"/hoering/svar/(\S+)", invite.body).group(1)
    assert app.test_client().post(f"/hoering/svar/{token}", data={"text": "Bemærkninger"}).status_code in (200, 302)
    assert _mails(app, "hearing.answer") == []  # the secretary chose "not at all"
    assert [m.to_address for m in _mails(app, "hearing.receipt")] == ["hoering@digst.example"]


def test_the_secretariats_inbox_lists_late_answers_waiting_for_a_decision(app, people):
    import re

    hearing_id = _open_hearing(app, people, days=10, externals=[("Leverandør A", "a@lev.example")])
    [invite] = [m for m in _mails(app, "hearing.invite") if m.to_address == "a@lev.example"]
    token = re.search(r"/hoering/svar/(\S+)", invite.body).group(1)
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=12), tick=False):
        app.extensions["byplan"].engine.fire_due_timers()
        assert app.test_client().post(f"/hoering/svar/{token}", data={"text": "Sent svar"}).status_code == 302
        client = people.login(app.test_client(), "secretary")
        page = client.get("/opgaver").get_data(as_text=True)
        assert f'href="/hoeringer/{hearing_id}"' in page and "Sene høringssvar venter på din afgørelse" in page
        assert "Sene høringssvar" not in people.login(app.test_client(), "contact").get("/opgaver").get_data(
            as_text=True)


def _working_day_by(moment):
    """The last working day on or before `moment`'s day (issue 16: a hearing deadline is a working day)."""
    from engine.workdays import add_working_days

    return add_working_days(moment.date() + timedelta(days=1), -1)
