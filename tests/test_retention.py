"""Retention rules (workflows/retention), erasure on request, the record of processing, and the audit chain
that still verifies afterwards (`byplan audit verify`)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from access_support import T0, act, submit
from click.testing import CliRunner
from sqlalchemy import func, select

from engine.mail import OutboxMail
from engine.models import AuditPseudonym
from web.cli import main
from workflows.retention import RULES, ErasureRefused


@pytest.fixture
def clock():
    with time_machine.travel(T0 - timedelta(days=3 * 365), tick=False) as traveller:
        yield traveller


def _cli(db_url, monkeypatch, *args):
    monkeypatch.setenv("DATABASE_URL", db_url)
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _old_data(app, people, client, clock):
    """Three years ago: the outsider signed in (then was deactivated), a request was decided, mail was sent."""
    from web.extensions import db

    people.login(client, "outsider")
    request_id, _ = submit(app, email="gammel@example.org", name="Gammel Anmoder")
    act(app, people, "set_listing", request_id, True)
    act(app, people, "decide", request_id, True)
    with app.app_context():
        user = people.user("outsider")
        user.active = False
        db.session.execute(OutboxMail.__table__.update().values(sent_at=T0 - timedelta(days=3 * 365)))
        db.session.commit()
        return user.id, request_id


def test_dry_run_lists_then_the_run_applies_and_audit_verify_still_passes(app, people, client, clock, db_url,
                                                                           monkeypatch):
    from web.extensions import db
    from workflows.access_request import AccessRequest
    from workflows.directory import User
    from workflows.sessions import LoginSession

    user_id, request_id = _old_data(app, people, client, clock)
    clock.move_to(T0)
    dry = _cli(db_url, monkeypatch, "retention", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"would anonymise user {user_id}" in dry.output
    assert f"would anonymise access request {request_id}" in dry.output
    assert "would delete session" in dry.output and "would anonymise mail" in dry.output
    assert "dry run: nothing changed" in dry.output
    with app.app_context():
        assert db.session.get(User, user_id).username == "outsider"  # nothing changed

    real = _cli(db_url, monkeypatch, "retention")
    assert real.exit_code == 0, real.output
    with app.app_context():
        assert db.session.get(User, user_id).username == f"slettet-{user_id}"
        req = db.session.get(AccessRequest, request_id)
        assert req.name == "(slettet)" and "gammel" not in req.email
        assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0
        assert all(m.body == "(slettet)" for m in db.session.scalars(select(OutboxMail)))
        subjects = set(db.session.scalars(select(AuditPseudonym.subject)))
        assert "outsider" not in subjects and "gammel@example.org" not in subjects
    assert _cli(db_url, monkeypatch, "retention", "--dry-run").output.startswith("0 record(s)")
    verify = _cli(db_url, monkeypatch, "audit", "verify")
    assert verify.exit_code == 0 and "every chain is intact" in verify.output


def test_the_worker_applies_the_rules_once_a_day(app, people, client, clock):
    from workflows.retention import RetentionRun
    from web.extensions import db

    _old_data(app, people, client, clock)
    clock.move_to(T0)
    retention = app.extensions["byplan"].retention
    first = retention.daily(app.extensions["byplan"].engine.session_factory)
    assert first is not None and first.due
    assert retention.daily(app.extensions["byplan"].engine.session_factory) is None  # the same day: nothing
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RetentionRun)) == 1


def test_erasure_of_a_person_with_open_cases_is_refused_with_the_list_and_nothing_changes(app, people, clock):
    from web.extensions import db
    from workflows.access_request import AccessRequest

    request_id, number = submit(app, email="member@example.org")
    with app.app_context():
        with pytest.raises(ErasureRefused) as refused:
            app.extensions["byplan"].erasure.erase(db.session, people.user("admin"), "member")
        db.session.rollback()
        assert refused.value.open_items == [f"aktindsigt {number}"]
        assert people.user("member").email == "member@example.org"
        assert db.session.get(AccessRequest, request_id).name == "Anna Andersen"


def test_erasure_reports_what_was_done_and_kept_and_the_log_verifies(app, people, client, clock, db_url,
                                                                     monkeypatch):
    people.login(client, "councillor")  # an audited login under a reference
    client.get("/logout")
    people.login(client, "admin")
    refused = client.post("/admin/sletning", data={"person": "ingen.saadan"})
    assert refused.status_code == 422 and 'id="e-person"' in refused.get_data(as_text=True)
    done = client.post("/admin/sletning", data={"person": "councillor"})
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "Sletningen er gennemført" in page
    assert "anonymised and deactivated" in page and "Revisionsloggens hændelser forbliver uændrede" in page
    from web.extensions import db

    with app.app_context():
        assert people.user("councillor") is None
        assert "councillor" not in set(db.session.scalars(select(AuditPseudonym.subject)))
    assert _cli(db_url, monkeypatch, "audit", "verify").exit_code == 0


def test_the_record_of_processing_lists_every_rule_from_the_same_table(app, people, client):
    people.login(client, "admin")
    page = client.get("/admin/behandlingsoversigt").get_data(as_text=True)
    for rule in RULES:
        assert f'id="rule-{rule.key}"' in page
    assert "365 dage" in page and "Deltagere i netværksmøder" in page
    client.get("/logout")
    people.login(client, "secretary")
    assert client.get("/admin/behandlingsoversigt").status_code == 403


def test_each_period_is_a_setting_with_its_default(app):
    config = app.config
    for rule in RULES:
        assert config[rule.setting] == rule.days
    assert app.extensions["byplan"].retention.periods() == {r.key: r.days for r in RULES}
