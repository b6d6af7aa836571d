"""Issue 16: working-day deadlines, extending a running hearing's deadline and closing it early (the timers
move), and e-mail subscriptions with double opt-in and one-click unsubscribe."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from test_hearings_web import DEADLINE, T0, clock, hearings, municipalities, text_of  # noqa: F401

from engine.mail import MailSettings, OutboxMail, build_message
from engine.models import WaitingTimer
from web.extensions import db
from workflows.dates import end_of_day
from workflows.hearing import Hearing, HearingResponse
from workflows.hearing.records import DeadlineChange, HearingSection, Subscription


def _timers(app, hearing_id) -> dict[str, datetime]:
    with app.app_context():
        case_id = db.session.get(Hearing, hearing_id).case_id
        return {t.spec_name: t.due_at for t in db.session.scalars(select(WaitingTimer).where(
            WaitingTimer.case_id == case_id))}


def _mails(app, tag: str) -> list[OutboxMail]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMail).where(OutboxMail.tag == tag).order_by(OutboxMail.id)))
        for r in rows:
            db.session.expunge(r)
        return rows


def _task_post(client, hearings, hearing_id, **values):  # noqa: F811
    task = hearings.task(hearing_id)
    data = {"title": "Høring", "summary": "Resumé", "deadline": DEADLINE.isoformat(), "reminder_days": "5",
            "version": "1", **values}
    page = client.get(f"/opgaver/{task.id}").data.decode()
    data["version"] = re.search(r'name="version" value="(\d+)"', page).group(1)
    return client.post(f"/opgaver/{task.id}", data=data)


def test_holiday_deadline_is_refused_and_reminders_count_working_days(client, app, people, municipalities,
                                                                      hearings, clock):  # noqa: F811
    hearing_id = hearings.draft("Påskehøring", municipalities=[municipalities["Aarhus"]])
    people.login(client, "secretary")
    before = _task_post(client, hearings, hearing_id, deadline=(T0 - timedelta(days=1)).date().isoformat())
    assert before.status_code == 422 and "Høringsfristen skal ligge efter i dag." in before.data.decode()
    assert hearings.hearing(hearing_id).status == "draft" and hearings.count(OutboxMail) == 0

    # 11 April 2031 is Good Friday (Langfredag): in preparation the deadline moves to the next working day
    # (Easter Monday is off too: Tuesday 15 April), with a warning on the pages
    moved_id = hearings.draft("Flyttet frist", municipalities=[municipalities["Aarhus"]])
    assert _task_post(client, hearings, moved_id, deadline="2031-04-11").status_code == 302
    assert hearings.hearing(moved_id).deadline == date(2031, 4, 15)
    page = text_of(client.get(f"/hoeringer/{moved_id}").data.decode())
    assert "Fristen flyttet til næste arbejdsdag" in page and "Langfredag 11.04.2031 er ikke en arbejdsdag." in page

    # 7 working days before Tuesday 22 April 2031 pass Easter: Tuesday 8 April (7 calendar days: 15 April)
    ok = _task_post(client, hearings, hearing_id, deadline="2031-04-22", reminder_days="7", reminder_unit="working")
    assert ok.status_code == 302
    hearing = hearings.hearing(hearing_id)
    assert hearing.reminder_at == end_of_day(date(2031, 4, 8))
    assert _timers(app, hearing_id)["Påmindelsesdato"] == end_of_day(date(2031, 4, 8))
    # published 3 March with a deadline 22 April: not short; a three-week hearing gets the warning
    assert "kortere end fire uger" not in client.get(f"/hoeringer/{hearing_id}").data.decode()
    short = hearings.draft("Kort høring", municipalities=[municipalities["Aarhus"]])
    hearings.publish(short, DEADLINE)
    assert "Høringsperioden er kortere end fire uger" in client.get(f"/hoeringer/{short}").data.decode()


def test_extending_the_deadline_moves_the_timers_and_tells_the_silent_parties(client, app, people, municipalities,
                                                                              hearings, clock):  # noqa: F811
    m = municipalities
    hearing_id = hearings.draft("Forlænget høring", municipalities=[m["Aarhus"], m["Frederiksberg"]])
    tokens = hearings.publish(hearing_id, DEADLINE, 5)
    client.post(f"/hoering/svar/{tokens['hoering@aarhus.example']}", data={"text": "Aarhus svarer"})
    assert _timers(app, hearing_id) == {"Påmindelsesdato": end_of_day(DEADLINE - timedelta(days=5)),
                                        "Høringsfrist": end_of_day(DEADLINE)}
    people.login(client, "secretary")
    url = f"/hoeringer/{hearing_id}/frist"
    # bad input: a holiday, before today, earlier than the current deadline, no reason: nothing changes
    for data, message in (({"deadline": "2031-04-11", "reason": "x"}, "ikke er en arbejdsdag"),
                          ({"deadline": "2031-03-01", "reason": "x"}, "Høringsfristen skal ligge efter i dag."),
                          ({"deadline": "2031-03-20", "reason": "x"}, "skal ligge efter den nuværende"),
                          ({"deadline": "2031-04-07", "reason": ""}, "Feltet skal udfyldes.")):
        bad = client.post(url, data=data)
        assert bad.status_code == 422 and message in text_of(bad.data.decode()), data
    assert hearings.hearing(hearing_id).deadline == DEADLINE and hearings.count(DeadlineChange) == 0
    assert _mails(app, "hearing.extend") == []

    new = date(2031, 4, 7)  # a Monday
    assert client.post(url, data={"deadline": new.isoformat(), "reason": "Mange har bedt om mere tid"}
                       ).status_code == 302
    hearing = hearings.hearing(hearing_id)
    assert hearing.deadline == new and hearing.deadline_at == end_of_day(new)
    # the timers really moved: the projection, and the worker does not close the hearing at the old deadline
    assert _timers(app, hearing_id) == {"Påmindelsesdato": end_of_day(new - timedelta(days=5)),
                                        "Høringsfrist": end_of_day(new)}
    mails = _mails(app, "hearing.extend")
    assert [m.to_address for m in mails] == ["hoering@frb.example"]  # Aarhus has answered
    assert "07.04.2031" in mails[0].body and "Mange har bedt om mere tid" in mails[0].body
    public = text_of(client.get(f"/offentlige-hoeringer/{hearing_id}").data.decode())
    assert "Fristen forlænget" in public and "Mange har bedt om mere tid" in public

    clock.move_to(end_of_day(DEADLINE) + timedelta(hours=2))
    hearings.byplan.engine.fire_due_timers()
    assert hearings.hearing(hearing_id).status == "open"
    assert _mails(app, "hearing.reminder") == []  # the old reminder date has passed too: nothing
    clock.move_to(end_of_day(new - timedelta(days=5)) + timedelta(minutes=1))
    hearings.byplan.engine.fire_due_timers()
    assert [m.to_address for m in _mails(app, "hearing.reminder")] == ["hoering@frb.example"]
    clock.move_to(end_of_day(new) + timedelta(minutes=1))
    hearings.byplan.engine.fire_due_timers()
    assert hearings.hearing(hearing_id).status == "closed"


def test_closing_early_closes_now_with_the_reason(client, app, people, municipalities, hearings, clock):  # noqa: F811
    hearing_id = hearings.draft("Lukket høring", municipalities=[municipalities["Aarhus"]])
    hearings.publish(hearing_id, DEADLINE, 5)
    people.login(client, "secretary")
    assert client.post(f"/hoeringer/{hearing_id}/luk", data={"close_reason": ""}).status_code == 422
    assert hearings.hearing(hearing_id).status == "open"
    people.login(client, "lead")
    assert client.post(f"/hoeringer/{hearing_id}/luk", data={"close_reason": "x"}).status_code == 403
    people.login(client, "secretary")
    assert client.post(f"/hoeringer/{hearing_id}/luk", data={"close_reason": "Forslaget er trukket"}
                       ).status_code == 302
    hearing = hearings.hearing(hearing_id)
    assert hearing.status == "closed" and hearing.deadline == T0.date()
    assert _timers(app, hearing_id) == {}
    assert _mails(app, "hearing.reminder") == []
    assert [m.to_address for m in _mails(app, "hearing.close")] == ["hoering@aarhus.example"]
    assert hearings.task(hearing_id) is not None  # the working group's note task is ready
    assert "Forslaget er trukket" in client.get(f"/offentlige-hoeringer/{hearing_id}").data.decode()
    again = client.post(f"/hoeringer/{hearing_id}/luk", data={"close_reason": "igen"})
    assert again.status_code == 422


def test_subscription_double_opt_in_news_and_one_click_unsubscribe(client, app, people, municipalities, hearings,
                                                                   clock):  # noqa: F811
    for bad in ({"email": "ikke-en-adresse", "new_hearings": "1"}, {"email": "a@b.example"},
                {"email": "a@b.example", "new_hearings": "1", "working_group_id": "999999"}):
        response = client.post("/hoeringer/abonnement", data=bad)
        assert response.status_code == 422
    assert _mails(app, "hearing.subscribe") == [] and _count(app) == 0

    assert client.post("/hoeringer/abonnement", data={"email": "Borger@Example.dk", "new_hearings": "1",
                                                      "notes": "1"}).status_code == 302
    [confirm_mail] = _mails(app, "hearing.subscribe")
    link = re.search(r"http://\S+/hoeringer/abonnement/bekraeft/(\S+)", confirm_mail.body)
    token = link.group(1)
    # not confirmed yet: a new hearing sends nothing to the address
    first = hearings.draft("Første høring", municipalities=[municipalities["Aarhus"]])
    hearings.publish(first)
    assert _mails(app, "hearing.subscription.hearing") == []

    page = client.get(f"/hoeringer/abonnement/bekraeft/{token}")
    assert page.status_code == 200 and "Bekræft abonnementet" in page.data.decode()
    with app.app_context():
        assert db.session.scalar(select(Subscription.confirmed_at)) is None  # opening the link confirms nothing
    assert client.post(f"/hoeringer/abonnement/bekraeft/{token}").status_code == 302
    assert client.get(f"/hoeringer/abonnement/bekraeft/{token[:-3]}xyz").status_code == 422

    second = hearings.draft("Anden høring", municipalities=[municipalities["Aarhus"]])
    hearings.publish(second)
    [news] = _mails(app, "hearing.subscription.hearing")
    assert news.to_address == "borger@example.dk" and "Anden høring" in news.body
    unsubscribe = re.search(r"(http://\S+/hoeringer/abonnement/afmeld/\S+)", news.body).group(1)
    message = build_message(news, MailSettings(backend="sink"))
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # one click (RFC 8058: a POST without a session or CSRF token): the address is deleted
    path = unsubscribe.split("://", 1)[1].split("/", 1)[1]
    client.get("/logout")
    response = client.post(f"/{path}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "Din e-mailadresse er slettet" in response.data.decode()
    assert _count(app) == 0
    assert client.get(f"/{path}").status_code == 200  # the link again: it says the subscription has ended

    # an expired confirmation link: a clear error, nothing confirmed
    client.post("/hoeringer/abonnement", data={"email": "sen@example.dk", "new_hearings": "1"})
    token = re.search(r"/bekraeft/(\S+)", _mails(app, "hearing.subscribe")[-1].body).group(1)
    clock.move_to(T0 + timedelta(days=4))
    expired = client.post(f"/hoeringer/abonnement/bekraeft/{token}")
    assert expired.status_code == 422 and "Bekræftelseslinket er udløbet" in expired.data.decode()
    with app.app_context():
        assert db.session.scalar(select(Subscription.confirmed_at).where(Subscription.email == "sen@example.dk")) \
            is None


def _count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Subscription)).all())


def test_the_api_refuses_bad_input_per_field_and_changes_nothing(client, app, people, municipalities, hearings,
                                                                 clock):  # noqa: F811
    hearing_id = hearings.draft("API-høring", municipalities=[municipalities["Hjørring"]])
    with app.app_context():
        hearings.service.sections.enter(db.session, people.user("secretary"), hearing_id, "1 Formål\n2 Data")
        db.session.commit()
    hearings.publish(hearing_id)
    secretary = {"Authorization": f"Bearer {people.token('secretary')}"}
    contact = {"Authorization": f"Bearer {people.token('contact')}"}
    holiday = client.post(f"/api/v1/hearings/{hearing_id}/deadline", headers=secretary,
                          json={"deadline": "2031-04-11", "reason": "Påske"})
    assert holiday.status_code == 422 and "deadline" in holiday.get_json()["errors"]["json"]
    assert client.post(f"/api/v1/hearings/{hearing_id}/deadline", headers=contact,
                       json={"deadline": "2031-04-08", "reason": "x"}).status_code == 403
    unknown = client.post(f"/api/v1/hearings/{hearing_id}/section-responses", headers=contact,
                          json={"text": "Svar", "section_comments": {"999999": "Findes ikke"}})
    assert unknown.status_code == 422 and set(unknown.get_json()["errors"]["json"]) == {"section-999999"}
    assert hearings.count(HearingResponse) == 0
    with app.app_context():
        section = db.session.scalar(select(HearingSection.id).where(HearingSection.number == "2"))
    ok = client.post(f"/api/v1/hearings/{hearing_id}/section-responses", headers=contact,
                     json={"text": "Svar", "section_comments": {str(section): "Data skal genbruges"}})
    assert ok.status_code == 201, ok.get_json()
    extended = client.post(f"/api/v1/hearings/{hearing_id}/deadline", headers=secretary,
                           json={"deadline": "2031-04-08", "reason": "Flere har bedt om det"})
    assert extended.status_code == 201 and extended.get_json()["new_deadline"] == "2031-04-08"
    assert _timers(app, hearing_id)["Høringsfrist"] == end_of_day(date(2031, 4, 8))
    assert hearings.count(DeadlineChange) == 1
