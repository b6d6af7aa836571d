"""Sessions that really end (issue 11): a copy of the login cookie opens nothing once the session ended by
logout, a password reset or change, deactivation, "end all", idle time or age; the sessions page."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from reliability_support import DEMO_USERS, PASSWORD, copy_demo, login
from support import make_app
from workflows.sessions import SessionPolicy

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


@pytest.fixture
def make_demo(demo_template, tmp_path):
    apps = []

    def make(**config):
        directory = tmp_path / f"app{len(apps)}"
        directory.mkdir()
        apps.append(make_app(copy_demo(demo_template, directory), **config))
        return apps[-1]

    yield make
    for app in apps:
        with app.app_context():
            from web.extensions import db

            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_demo):
    return make_demo()


def _copy(app, client, user_agent: str | None = None):
    """Another client (the attacker) with a copy of `client`'s session cookie."""
    thief = app.test_client()
    if user_agent:
        thief.environ_base["HTTP_USER_AGENT"] = user_agent
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _refused(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _user_id(app, role: str) -> int:
    from web.extensions import db
    from workflows.directory import User

    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == DEMO_USERS[role]))


def _session_rows(app, role: str | None = None) -> int:
    from web.extensions import db
    from workflows.sessions import LoginSession

    with app.app_context():
        stmt = select(func.count()).select_from(LoginSession)
        if role:
            stmt = stmt.where(LoginSession.user_id == _user_id(app, role))
        return db.session.scalar(stmt)


def test_a_copied_cookie_is_refused_after_logout(app):
    client = login(app.test_client(), "secretary")
    assert client.get("/post").status_code == 200
    thief = _copy(app, client)
    assert thief.get("/post").status_code == 200  # a copy works while the session lives ...
    assert client.post("/logout").status_code == 302
    assert _refused(thief.get("/post"))  # ... and not after the logout
    assert thief.get("/api/v1/tasks").status_code == 401
    assert _session_rows(app, "secretary") == 0  # the record is deleted, not flagged


def test_a_copied_cookie_is_refused_after_an_administrators_password_reset(app):
    client = login(app.test_client(), "secretary")
    thief = _copy(app, client)
    admin = login(app.test_client(), "admin")
    response = admin.post(f"/admin/brugere/{_user_id(app, 'secretary')}/adgangskode",
                          data={"password": "a brand new password"})
    assert response.status_code == 302
    assert _refused(thief.get("/post"))
    assert _refused(client.get("/post"))
    assert admin.get("/admin").status_code == 200


def test_a_copied_cookie_is_refused_after_the_users_own_password_change(app):
    client = login(app.test_client(), "secretary")
    thief = _copy(app, client)
    elsewhere = login(app.test_client(), "secretary")
    response = client.post("/konto/adgangskode", data={"current_password": PASSWORD,
                                                       "new_password": "my new long password",
                                                       "repeat_password": "my new long password"})
    assert response.status_code == 302
    assert client.get("/post").status_code == 200  # this browser got a new session
    assert _refused(thief.get("/post"))
    assert _refused(elsewhere.get("/post"))
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "sekretariat", "password": PASSWORD}).status_code == 422
    assert fresh.post("/login", data={"username": "sekretariat",
                                      "password": "my new long password"}).status_code == 302


def test_the_password_change_page_checks_its_input(app):
    client = login(app.test_client(), "secretary")
    page = client.get("/konto/adgangskode")
    assert page.status_code == 200 and b'autocomplete="current-password"' in page.data
    for data, field in [({"current_password": "wrong one", "new_password": "a long new password",
                          "repeat_password": "a long new password"}, b"f-current_password"),
                        ({"current_password": PASSWORD, "new_password": "short", "repeat_password": "short"},
                         b"f-new_password"),
                        ({"current_password": PASSWORD, "new_password": "a long new password",
                          "repeat_password": "another long password"}, b"f-repeat_password")]:
        response = client.post("/konto/adgangskode", data=data)
        assert response.status_code == 422 and b'href="#' + field in response.data
    assert client.get("/post").status_code == 200  # nothing changed, still signed in
    assert _refused(app.test_client().post("/konto/adgangskode", data={}))


def test_a_copied_cookie_is_refused_after_deactivation(app):
    client = login(app.test_client(), "secretary")
    thief = _copy(app, client)
    admin = login(app.test_client(), "admin")
    assert admin.post(f"/admin/brugere/{_user_id(app, 'secretary')}/aktiv", data={"active": "0"}).status_code == 302
    assert _refused(thief.get("/post"))
    assert _session_rows(app, "secretary") == 0


def test_ending_all_other_sessions(app):
    client = login(app.test_client(), "secretary")
    thief = _copy(app, client)
    other = login(app.test_client(), "secretary")
    assert other.post("/konto/sessioner/afslut-alle").status_code == 302
    assert _refused(thief.get("/post"))
    assert _refused(client.get("/post"))
    assert other.get("/post").status_code == 200  # the browser that asked stays signed in


def test_an_administrator_ends_every_session_of_a_user(app):
    client = login(app.test_client(), "secretary")
    thief = _copy(app, client)
    user_id = _user_id(app, "secretary")
    assert login(app.test_client(), "lead").post(f"/admin/brugere/{user_id}/sessioner").status_code == 403
    assert thief.get("/post").status_code == 200
    admin = login(app.test_client(), "admin")
    page = admin.get(f"/admin/brugere/{user_id}")
    assert f'action="/admin/brugere/{user_id}/sessioner"'.encode() in page.data
    assert admin.post(f"/admin/brugere/{user_id}/sessioner").status_code == 302
    assert _refused(thief.get("/post")) and _refused(client.get("/post"))


def test_a_password_changed_elsewhere_ends_the_sessions_too(app):
    """The record is bound to the password hash: a change by a path that does not end sessions (here
    straight in the database) still ends them."""
    from web.extensions import db
    from workflows.directory import User

    client = login(app.test_client(), "secretary")
    with app.app_context():
        user = db.session.get(User, _user_id(app, "secretary"))
        user.set_password("changed by a script")
        db.session.commit()
    assert _refused(client.get("/post"))


def test_a_copied_cookie_in_another_browser_is_refused(app):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = FIREFOX
    login(client, "secretary")
    assert _refused(_copy(app, client, CHROME).get("/post"))
    assert client.get("/post").status_code == 302  # the session is ended, for the owner too
    assert _session_rows(app, "secretary") == 0


def test_the_session_id_is_renewed_at_login_and_the_language_kept(app):
    client = app.test_client()
    client.post("/language", data={"lang": "en", "next": "/login"})
    before = login(client, "secretary").get_cookie("session").value
    stale = _copy(app, client)
    login(client, "secretary")
    assert client.get_cookie("session").value != before
    assert _refused(stale.get("/post"))  # the session of the first login ended with the second
    page = client.get("/opgaver")
    assert page.status_code == 200 and b'lang="en"' in page.data
    assert _session_rows(app, "secretary") == 1


def test_the_default_idle_time_and_lifetime(sqlite_url, monkeypatch):
    from web import create_app

    monkeypatch.delenv("BYPLAN_SESSION_IDLE_MINUTES", raising=False)
    monkeypatch.delenv("BYPLAN_SESSION_MAX_HOURS", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "TESTING": True, "SECRET_KEY": "test"})
    policy = app.extensions["byplan_sessions"].policy
    assert policy.idle == timedelta(minutes=30) and policy.lifetime == timedelta(hours=12)
    monkeypatch.setenv("BYPLAN_SESSION_IDLE_MINUTES", "45")
    monkeypatch.setenv("BYPLAN_SESSION_MAX_HOURS", "8")
    policy = create_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "TESTING": True,
                         "SECRET_KEY": "test"}).extensions["byplan_sessions"].policy
    assert policy.idle == timedelta(minutes=45) and policy.lifetime == timedelta(hours=8)


def test_idle_timeout(make_demo):
    app = make_demo(SESSION_IDLE_MINUTES=30, SESSION_MAX_HOURS=12)  # the defaults (the test suite's are long)
    start = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        client = login(app.test_client(), "secretary")
        for _ in range(3):  # used every 25 minutes: stays signed in well past 30 minutes
            traveller.shift(timedelta(minutes=25))
            assert client.get("/post").status_code == 200
        traveller.shift(timedelta(minutes=31))
        assert _refused(client.get("/post"))


def test_absolute_lifetime_and_configured_idle_time(make_demo):
    app = make_demo(SESSION_IDLE_MINUTES=600, SESSION_MAX_HOURS=12)
    start = datetime(2031, 3, 3, 7, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        client = login(app.test_client(), "secretary")
        traveller.shift(timedelta(hours=6))
        assert client.get("/post").status_code == 200  # six idle hours are within the configured 10
        traveller.shift(timedelta(hours=5, minutes=59))
        assert client.get("/post").status_code == 200
        traveller.shift(timedelta(minutes=2))
        assert _refused(client.get("/post"))  # 12 hours after the login, however busy


def test_the_worker_removes_expired_session_records(make_demo):
    from web.worker import run_once

    app = make_demo(SESSION_IDLE_MINUTES=30, SESSION_MAX_HOURS=12)
    start = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        login(app.test_client(), "secretary")
        login(app.test_client(), "admin")
        assert _session_rows(app) == 2
        traveller.shift(timedelta(minutes=20))
        live = login(app.test_client(), "councillor")
        traveller.shift(timedelta(minutes=15))
        with app.app_context():
            run_once(app.extensions["byplan"], app.extensions["byplan_sessions"])
        assert _session_rows(app) == 1
        assert live.get("/opgaver").status_code == 200


def test_the_sessions_page(app):
    first = app.test_client()
    first.environ_base["HTTP_USER_AGENT"] = FIREFOX
    login(first, "secretary")
    second = app.test_client()
    second.environ_base["HTTP_USER_AGENT"] = CHROME
    login(second, "secretary")
    login(app.test_client(), "admin")  # someone else's session is not listed
    page = second.get("/konto/sessioner")
    assert page.status_code == 200
    assert b'href="/konto/sessioner"' in page.data  # linked from the header
    html = page.data.decode()
    assert "Firefox, Linux" in html and "Chrome, Windows" in html
    assert html.count('name="session_id"') == 1  # this browser's own session ends by the header's "Log out"
    from web.extensions import db
    from workflows.sessions import LoginSession

    with app.app_context():
        firefox = db.session.scalar(select(LoginSession.id).where(LoginSession.browser == "Firefox, Linux"))
    assert second.post("/konto/sessioner/afslut", data={"session_id": str(firefox)}).status_code == 302
    assert _refused(first.get("/post"))
    assert second.get("/post").status_code == 200
    # ending someone else's session, or one that does not exist, changes nothing
    assert second.post("/konto/sessioner/afslut", data={"session_id": "999999"}).status_code == 302
    assert second.post("/konto/sessioner/afslut", data={"session_id": "x"}).status_code == 302
    assert _session_rows(app) == 2
    # ending this browser's own session from the list logs out
    with app.app_context():
        own = db.session.scalar(select(LoginSession.id).where(LoginSession.browser == "Chrome, Windows"))
    assert _refused(second.post("/konto/sessioner/afslut", data={"session_id": str(own)}))
    assert _refused(second.get("/post"))


def test_sessions_end_on_both_databases(fresh_demo_db):
    """The same on PostgreSQL: logout, the administrator's reset, the sweep of expired records."""
    from web.worker import run_once

    app = fresh_demo_db()
    app.extensions["byplan_sessions"].policy = SessionPolicy()  # the defaults: 30 minutes, 12 hours
    client = login(app.test_client(), "secretary")
    thief = _copy(app, client)
    client.post("/logout")
    assert _refused(thief.get("/post"))
    client = login(app.test_client(), "secretary")
    thief = _copy(app, client)
    admin = login(app.test_client(), "admin")
    assert admin.post(f"/admin/brugere/{_user_id(app, 'secretary')}/adgangskode",
                      data={"password": "a brand new password"}).status_code == 302
    assert _refused(thief.get("/post"))
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(minutes=45), tick=False):
        with app.app_context():
            run_once(app.extensions["byplan"], app.extensions["byplan_sessions"])
    assert _session_rows(app) == 0
