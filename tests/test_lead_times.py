"""Lead times per family (workflows/lead_times.py) and the secretariat dashboard's coverage of every family
(workflows/analytics.py): architecture review request → decision, access requests decided within the
statutory 7 working days (and by a delay letter's date), hearings' response rate and share of late
responses, proposals sent back still waiting; an access request's deadline among the overdue and upcoming
deadlines. Each figure is read from the family's records, never from a workflow."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from access_support import T0, act, add_document, fire_timers, submit
from sqlalchemy import select

from review_support import ReviewDriver


def _figures(app, now: datetime, since: datetime | None = None) -> dict:
    from web.extensions import db
    from workflows import lead_times

    with app.app_context():
        return {f.key: f for f in lead_times.measure_all(db.session, now, since=since)}


def _decide_in_full(app, people, request_id: int) -> None:
    from web.extensions import db
    from workflows.access_request import AccessRequest

    doc = add_document(app, f"Notat {request_id}")
    act(app, people, "add_documents", request_id, [doc])
    with app.app_context():
        [item_id] = [d.id for d in db.session.get(AccessRequest, request_id).documents]
    act(app, people, "assess", request_id, item_id, {"assessment": "full"})
    act(app, people, "decide", request_id, True)


def _case_of(app, request_id: int) -> int:
    from web.extensions import db
    from workflows.access_request import AccessRequest

    with app.app_context():
        return db.session.get(AccessRequest, request_id).case_id


def test_access_requests_decided_in_time_against_the_statutory_deadline(app, people):
    from workflows.access_request import DEADLINE_WORKING_DAYS

    assert DEADLINE_WORKING_DAYS == 7  # the label says "7 working days"
    with time_machine.travel(T0, tick=False) as clock:  # Monday 2 March 2026: the deadline is 11 March
        in_time, _ = submit(app)
        delayed, _ = submit(app, email="bo@example.org")
        waiting, _ = submit(app, email="cai@example.org")
        clock.move_to("2026-03-05T09:00:00+00:00")
        _decide_in_full(app, people, in_time)  # 3 days after receipt
        clock.move_to("2026-03-10T08:00:00+00:00")  # after the 5th working day: the delay letter is due
        assert fire_timers(app) >= 1
        act(app, people, "send_delay_letter", delayed, {"reason": "Mange dokumenter", "expected": "2026-03-20"})
        clock.move_to("2026-03-18T09:00:00+00:00")  # after the statutory deadline, before the letter's date
        _decide_in_full(app, people, delayed)
        now = datetime(2026, 3, 19, 12, tzinfo=timezone.utc)
    figures = _figures(app, now)["access_request"]
    assert figures.count == 2 and figures.open_count == 1
    assert abs(figures.median_days - (3 + 16) / 2) < 0.01  # 3 days and 16 days
    assert figures.figures == {"Decided within the statutory deadline": 0.5, "Delay letter sent": 0.5,
                               "Decided by the delay letter's date": 1.0}
    assert {"Decided within the statutory deadline", "Delay letter sent"} <= figures.shares
    # the period counts the decisions made in it
    later = _figures(app, now, since=datetime(2026, 3, 10, tzinfo=timezone.utc))["access_request"]
    assert later.count == 1 and later.figures["Decided within the statutory deadline"] == 0.0
    # a terminated request will not be decided: it is not waiting either
    from engine import controls
    from web.extensions import db

    with app.app_context():
        controls.terminate(app.extensions["byplan"].engine, db.session, _case_of(app, waiting), actor="secretary",
                           reason="Anmodningen er trukket tilbage")
        db.session.commit()
    assert _figures(app, now)["access_request"].open_count == 0


@pytest.fixture
def driver(app, people):
    d = ReviewDriver(app, people)
    d.setup()
    return d


def test_review_request_to_decision(driver):
    from web.extensions import db
    from workflows.architecture_review import Review

    app = driver.app
    start = datetime(2026, 4, 1, 8, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        driver.start()
        with app.app_context():
            db.session.get(Review, driver.review_id).wished_decision_on = date(2026, 4, 20)
            db.session.commit()
        driver.triage()
        clock.move_to(start + timedelta(days=4))
        driver.assess(choices=["meets", "meets", "meets"])
        driver.wg_review(recommendation="compliant")
        clock.move_to(start + timedelta(days=12))
        driver.decide(outcome="approved")
        first = driver.review_id
        driver.start(project="Fælles ydelsesoverblik")  # requested, not decided
        driver.start(project="Fælles mødebooking")
        driver.triage(triage="refuse", reason="Ikke et fælleskommunalt projekt")  # refused: not a decision
        now = start + timedelta(days=13)
    figures = _figures(app, now)["review"]
    assert figures.count == 1 and abs(figures.median_days - 12) < 0.01
    assert figures.open_count == 1
    assert figures.figures == {"Decided by the wished date": 1.0}
    with app.app_context():
        db.session.get(Review, first).wished_decision_on = date(2026, 4, 10)
        db.session.commit()
    assert _figures(app, now)["review"].figures == {"Decided by the wished date": 0.0}


def test_hearing_late_responses_count_the_late_answers_not_yet_admitted(app, people):
    """The share of late responses: answering parties whose only answers came after the deadline. A late
    answer stays not "current" until the secretariat admits it, and it still came late."""
    from web.extensions import db
    from workflows.hearing.models import Hearing, HearingParty, HearingResponse, recount

    published = datetime(2026, 5, 1, 8, tzinfo=timezone.utc)
    with app.app_context():
        s = db.session
        hearing = Hearing(working_group_id=people.group_id, title="Høring", status="concluded",
                          deadline=date(2026, 5, 29), published_at=published,
                          concluded_at=published + timedelta(days=40))
        s.add(hearing)
        s.flush()
        parties = [HearingParty(hearing_id=hearing.id, kind="external", name=n, email=f"{n}@example.org")
                   for n in ("a", "b", "c", "d")]
        s.add_all(parties)
        s.flush()
        a, b, c, _d = parties
        s.add_all([
            HearingResponse(hearing_id=hearing.id, party_id=a.id, version=1, submitted_by="a"),
            # b answered only after the deadline; the answer awaits the secretariat's decision
            HearingResponse(hearing_id=hearing.id, party_id=b.id, version=1, submitted_by="b", late=True,
                            current=False, late_status="pending"),
            # c answered in time and sent a late addition: its answer came in time
            HearingResponse(hearing_id=hearing.id, party_id=c.id, version=1, submitted_by="c"),
            HearingResponse(hearing_id=hearing.id, party_id=c.id, version=2, submitted_by="c", late=True,
                            current=False, late_status="pending"),
        ])
        recount(s, hearing)
        s.commit()
    figures = _figures(app, published + timedelta(days=41))["hearing"]
    assert figures.count == 1 and abs(figures.median_days - 40) < 0.01
    assert figures.figures["Response rate"] == 0.75  # a, b and c of four parties
    assert abs(figures.figures["Late responses"] - 1 / 3) < 1e-9  # b, of the three that answered


def test_a_proposal_sent_back_is_still_waiting(app, people):
    from engine.models import CompletedTask
    from web.extensions import db
    from workflows.proposal.models import Proposal

    byplan = app.extensions["byplan"]
    with app.app_context():
        case = byplan.start_proposal(db.session, people.user("lead"), people.group_id, "Genbrug", "principle")
        db.session.commit()
        from engine.models import ReadyTask

        [task] = db.session.scalars(select(ReadyTask).where(ReadyTask.case_id == case.id))
        byplan.complete_task(db.session, people.user("lead"), task.id,
                             {"kind": "principle", "title": "Genbrug", "summary": "s", "statement": "s",
                              "rationale": "r", "implications": "i"}, None)
        db.session.commit()
        done = db.session.scalar(select(CompletedTask.completed_at).where(CompletedTask.case_id == case.id))
        proposal = db.session.scalar(select(Proposal).where(Proposal.case_id == case.id))
        proposal.decision, proposal.updated_at = "sent_back", done + timedelta(days=5)
        db.session.commit()
    figures = _figures(app, done + timedelta(days=6))["proposal"]
    assert figures.count == 0 and figures.open_count == 1
    with app.app_context():
        proposal = db.session.scalar(select(Proposal).where(Proposal.case_id == case.id))
        proposal.decision, proposal.updated_at = "rejected", done + timedelta(days=9)
        db.session.commit()
    figures = _figures(app, done + timedelta(days=10))["proposal"]
    assert figures.count == 1 and figures.open_count == 0 and abs(figures.median_days - 9) < 0.01


def test_the_dashboard_shows_an_access_requests_deadline_overdue_and_upcoming(app, client, people):
    with time_machine.travel(T0, tick=False) as clock:
        late, _ = submit(app)  # deadline Wednesday 11 March 2026
        clock.move_to("2026-03-12T09:00:00+00:00")
        fresh, _ = submit(app, email="bo@example.org")  # received Thursday 12 March: deadline 23 March
        decided, _ = submit(app, email="cai@example.org")
        _decide_in_full(app, people, decided)
        people.login(client, "secretary")
        page = client.get("/analyse").get_data(as_text=True)
    overdue = page.split('id="h-overdue"')[1].split('id="h-upcoming"')[0]
    upcoming = page.split('id="h-upcoming"')[1].split('id="h-states"')[0]
    assert re.search(r'id="count-overdue">1<', page)
    assert f"/sager/{_case_of(app, late)}" in overdue and "Afgørelse om aktindsigt" in overdue
    assert f"/sager/{_case_of(app, fresh)}" in upcoming and f"/sager/{_case_of(app, fresh)}" not in overdue
    assert f"/sager/{_case_of(app, decided)}" not in page.split('id="h-states"')[0]
    for key in ("proposal", "hearing", "review", "access_request"):
        assert f'data-lead-time="{key}"' in page
    lead = page.split('data-lead-time="access_request"')[1].split("</tr>")[0]
    assert "Aktindsigt: anmodning → afgørelse (frist: 7 arbejdsdage)" in lead
    assert "Afgjort inden for lovens frist: 100 %" in lead


def test_the_dashboard_names_suspended_and_terminated_cases(app, client, people):
    from engine import controls
    from web.extensions import db

    byplan = app.extensions["byplan"]
    with app.app_context():
        held = byplan.start_proposal(db.session, people.user("lead"), people.group_id, "I bero", "principle")
        ended = byplan.start_proposal(db.session, people.user("lead"), people.group_id, "Afsluttet", "principle")
        db.session.flush()
        controls.suspend(byplan.engine, db.session, held.id, actor="secretary", reason="Afventer budget")
        controls.terminate(byplan.engine, db.session, ended.id, actor="secretary", reason="Trukket tilbage")
        db.session.commit()
    people.login(client, "secretary")
    states = client.get("/analyse").get_data(as_text=True).split('id="h-states"')[1].split("</table>")[0]
    assert re.search(r">proposal</th><td[^>]*>Stillet i bero</td><td class=\"num\"[^>]*>1<", states)
    assert re.search(r">proposal</th><td[^>]*>Afsluttet</td><td class=\"num\"[^>]*>1<", states)
