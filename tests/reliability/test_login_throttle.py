"""The brake on password guessing (issue 11): 5 failed logins per user name, 20 per address, within 15
minutes; then 429 with Retry-After and a Danish message, audited. Two app instances on one database stand
for two server processes: the count holds across them, on SQLite and on PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from types import SimpleNamespace

from engine.audit_people import Pseudonyms
import pytest
import time_machine
from sqlalchemy import select

from reliability_support import BACKENDS, PASSWORD, demo_url
from support import make_app

START = datetime(2031, 5, 5, 10, 0, tzinfo=timezone.utc)


@pytest.fixture(params=BACKENDS)
def two_apps(request, tmp_path):
    """Two apps (two processes of one server) on one database."""
    url = demo_url(request, tmp_path)
    apps = [make_app(url), make_app(url)]
    yield apps
    for app in apps:
        with app.app_context():
            from web.extensions import db

            db.session.remove()
            db.engine.dispose()


def _attempt(app, username: str, password: str, address: str = "192.0.2.10"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client.post("/login", data={"username": username, "password": password})


def _throttle_events(app) -> list:
    from engine.models import AuditEvent
    from web.extensions import db

    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "login_throttled")))
        return [SimpleNamespace(actor=actor, detail=detail)  # people resolved from their references (issue 18)
                for actor, _summary, detail in Pseudonyms().reveal(db.session, events)]


def test_five_failures_for_one_user_name_hold_it_back_across_processes(two_apps):
    first, second = two_apps
    with time_machine.travel(START, tick=False) as traveller:
        for i in range(5):  # from two processes and several addresses
            response = _attempt(two_apps[i % 2], "sekretariat", "wrong", f"192.0.2.{i}")
            assert response.status_code == 422, i
        refused = _attempt(second, "sekretariat", PASSWORD, "198.51.100.7")  # even the right password
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "60"
        assert "For mange mislykkede login-forsøg" in refused.get_data(as_text=True)
        assert _attempt(first, "sekretariat", PASSWORD).status_code == 429
        events = _throttle_events(first)
        assert len(events) == 2 and {e.actor for e in events} == {"sekretariat"}
        assert events[0].detail["limit"] == "user"
        assert _attempt(first, "admin", PASSWORD).status_code == 302  # another user name is not held back
        # the delay grows: after the first minute one more failure holds it back for two
        traveller.shift(timedelta(seconds=61))
        assert _attempt(first, "sekretariat", "wrong again").status_code == 422
        again = _attempt(second, "sekretariat", PASSWORD)
        assert again.status_code == 429 and again.headers["Retry-After"] == "120"
        traveller.shift(timedelta(seconds=121))
        assert _attempt(second, "sekretariat", PASSWORD).status_code == 302


def test_twenty_failures_from_one_address_hold_it_back(two_apps):
    with time_machine.travel(START, tick=False):
        for i in range(20):  # a different user name each time: only the address is common
            assert _attempt(two_apps[i % 2], f"guess{i}", "wrong", "203.0.113.5").status_code == 422, i
        refused = _attempt(two_apps[0], "sekretariat", PASSWORD, "203.0.113.5")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 60
        assert _throttle_events(two_apps[0])[0].detail["limit"] == "address"
        assert _attempt(two_apps[1], "sekretariat", PASSWORD, "203.0.113.6").status_code == 302  # another address


def test_a_success_resets_the_user_names_count(two_apps):
    first, second = two_apps
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            assert _attempt(first, "sekretariat", "wrong").status_code == 422
        assert _attempt(second, "sekretariat", PASSWORD).status_code == 302
        for _ in range(4):
            assert _attempt(second, "sekretariat", "wrong").status_code == 422
        assert _attempt(first, "sekretariat", PASSWORD).status_code == 302
        assert _throttle_events(first) == []
        for _ in range(5):  # counted from zero again: the fifth holds the user name back
            assert _attempt(second, "sekretariat", "wrong").status_code == 422
        assert _attempt(first, "sekretariat", PASSWORD).status_code == 429


def test_failures_further_apart_than_the_window_do_not_add_up(two_apps):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(4):
            assert _attempt(two_apps[0], "sekretariat", "wrong").status_code == 422
        traveller.shift(timedelta(minutes=16))
        for _ in range(4):
            assert _attempt(two_apps[1], "sekretariat", "wrong").status_code == 422
        assert _attempt(two_apps[0], "sekretariat", PASSWORD).status_code == 302
        for _ in range(5):
            assert _attempt(two_apps[1], "sekretariat", "wrong").status_code == 422
        assert _attempt(two_apps[0], "sekretariat", PASSWORD).status_code == 429
