"""Architecture reviews through the service layer: the whole path, the embargo, escalation, rule changes,
dispensation expiry, and the bad inputs (per-field errors, 403, 409; nothing changes)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from engine import Forbidden, StaleCase
from workflows.service import FormInvalid

from review_support import ReviewDriver, today

pytestmark = pytest.mark.usefixtures("sqlite_url")


@pytest.fixture
def app(sqlite_url):
    from support import make_app

    return make_app(sqlite_url)


@pytest.fixture
def driver(app, people):
    d = ReviewDriver(app, people)
    d.setup()
    return d


def _to_board(driver, choices=("meets", "deviates", "not_applicable")):
    driver.start()
    driver.triage()
    driver.assess(choices=list(choices))
    driver.wg_review()


def test_a_review_goes_from_request_to_a_board_decision_with_dispensations(driver):
    _to_board(driver, ("deviates", "deviates", "meets"))
    assert driver.record().status == "board"
    expires = (today() + timedelta(days=200)).isoformat()
    driver.decide(outcome="approved_with_dispensations", expires_on=expires, conditions="Genvurderes ved udbud.")
    [decision] = driver.decisions()
    assert decision.outcome == "approved_with_dispensations" and decision.public_at is None
    assert len(driver.dispensations()) == 2
    assert driver.record().status == "decided"
    with driver.app.app_context():
        rows, total = driver.byplan.reviews.register(driver.db.session)
    assert total == 0  # under embargo until the council's next meeting has been held


def test_the_embargo_ends_when_the_councils_next_meeting_is_held(driver):
    _to_board(driver, ("meets", "meets", "not_applicable"))
    driver.decide(outcome="approved")
    driver.hold_council_meeting()
    driver.sweep()
    [decision] = driver.decisions()
    assert decision.public_at is not None and decision.lifted_by_meeting_id is not None
    with driver.app.app_context():
        rows, total = driver.byplan.reviews.register(driver.db.session)
        usage = driver.byplan.reviews.rule_usage(driver.db.session)
    assert total == 1 and rows[0].outcome == "approved"
    assert [(u.meets, u.not_applicable) for u in usage] == [(1, 0), (1, 0), (0, 1)]
    assert driver.case().status == "completed"


def test_explanations_are_required_field_by_field_and_nothing_changes(driver):
    driver.start()
    driver.triage()
    ids = driver.answer_ids()
    version = driver.case().version
    with pytest.raises(FormInvalid) as error:
        driver.assess(choices=["deviates", "not_applicable", "meets"], explain=False)
    assert set(error.value.errors) == {f"explanation_{ids[0]}", f"explanation_{ids[1]}"}
    assert driver.case().version == version and driver.record().status == "self_assessment"


def test_a_decision_by_someone_outside_the_board_is_forbidden(driver):
    _to_board(driver)
    with pytest.raises(Forbidden):
        driver.decide("outsider", outcome="not_approved")
    assert driver.decisions() == [] and driver.record().status == "board"


def test_a_dispensation_expiring_in_the_past_is_refused(driver):
    _to_board(driver, ("deviates", "meets", "meets"))
    with pytest.raises(FormInvalid) as error:
        driver.decide(outcome="approved_with_dispensations", expires_on=today().isoformat())
    assert set(error.value.errors) == {"expires_on"}
    assert driver.dispensations() == []


def test_a_stale_completion_is_a_conflict(driver):
    driver.start()
    version = driver.case().version
    driver.triage()
    with pytest.raises(StaleCase):
        driver.complete("contact", "review.self_assessment",
                        {f"assessment_{i}": "meets" for i in driver.answer_ids()}, version=version)


def test_the_board_sends_a_review_to_the_council_which_decides_it_as_an_agenda_item(driver):
    _to_board(driver, ("deviates", "meets", "meets"))
    driver.decide(outcome="escalate")
    assert driver.record().status == "council"
    c = driver.council
    c.ensure_members()
    meeting_id = c.create_meeting()
    driver.complete("secretary", "review.schedule_council", {"meeting_id": str(meeting_id)})
    [item] = [i for i in c.items(meeting_id) if i.id == driver.record().agenda_item_id]
    c.publish_agenda(meeting_id)
    driver.decide_meeting(meeting_id, c.meeting(meeting_id).starts_at)
    driver.sweep()
    [decision] = driver.decisions()
    assert decision.body == "council" and decision.outcome == "approved_with_dispensations"
    assert decision.meeting_id == meeting_id and decision.public_at is not None  # decided in the open meeting
    assert len(driver.dispensations()) == 1


def test_a_dispensation_reminds_its_owner_then_lapses_and_the_project_is_reviewed_again(driver):
    from engine.mail import OutboxMail

    _to_board(driver, ("deviates", "meets", "meets"))
    expires = today() + timedelta(days=40)
    driver.decide(outcome="approved_with_dispensations", expires_on=expires.isoformat())
    driver.hold_council_meeting()
    driver.sweep()
    with time_machine.travel(expires - timedelta(days=20), tick=False):
        driver.sweep()
    [d] = driver.dispensations()
    assert d.reminded_at is not None and d.status == "live"
    with driver.app.app_context():
        subjects = list(driver.db.session.scalars(select(OutboxMail.subject)))
    assert any("Dispensation udløber" in s for s in subjects)
    with time_machine.travel(expires + timedelta(days=1), tick=False):
        driver.sweep()
    [d] = driver.dispensations()
    assert d.status == "lapsed" and driver.record().status == "re_review"
    driver.complete("contact", "review.re_review", {"re_review": "re_review"})
    review = driver.record()
    assert review.round == 2 and review.status == "self_assessment"
    assert len(driver.answer_ids()) == 3


def test_a_rule_change_flags_open_reviews_and_live_dispensations_and_tells_their_owners(driver):
    from workflows.catalogue import RuleStatus, RuleVersion
    from workflows.catalogue.publish import _rule_changed

    driver.start()
    driver.triage()
    old_id = driver.rule_version_ids[0]
    with driver.app.app_context():
        s = driver.db.session
        old = s.get(RuleVersion, old_id)
        new = RuleVersion(rule_id=old.rule_id, version=2, title=old.title, text="Ny tekst.",
                          status=RuleStatus.ADOPTED.value, scope=old.scope)
        s.add(new)
        old.status = RuleStatus.SUPERSEDED.value
        s.flush()
        _rule_changed(s, old, new, driver.byplan.engine.clock())
        s.commit()
        new_id = new.id
    review = driver.record()
    assert review.flagged
    with driver.app.app_context():
        from workflows.architecture_review import answers
        rows = answers(driver.db.session, review)
        assert rows[0].rule_version_id == new_id and rows[0].flag_note
    from engine.mail import OutboxMail
    with driver.app.app_context():
        told = list(driver.db.session.scalars(select(OutboxMail.subject).where(
            OutboxMail.to_address == "contact@example.org", OutboxMail.tag == "review.rule_changed")))
    assert told and "AR 1.1" in told[0]
    driver.assess()  # the review now follows the new version
    assert driver.record().status == "wg_review"


def test_a_self_assessment_against_a_retired_rule_version_is_refused(driver):
    from workflows.catalogue import RuleStatus, RuleVersion

    driver.start()
    driver.triage()
    ids = driver.answer_ids()
    with driver.app.app_context():
        driver.db.session.get(RuleVersion, driver.rule_version_ids[1]).status = RuleStatus.RETIRED.value
        driver.db.session.commit()
    with pytest.raises(FormInvalid) as error:
        driver.assess()
    assert set(error.value.errors) == {f"assessment_{ids[1]}"}
    assert driver.record().status == "self_assessment"


def test_only_project_owners_request_reviews_and_bad_requests_get_field_errors(driver):
    with pytest.raises(Forbidden):
        driver.start("member")
    with pytest.raises(FormInvalid) as error:
        driver.start(project="", wished_decision_on="2001-01-01")
    assert "project" in error.value.errors
    with pytest.raises(FormInvalid) as error:
        driver.start(wished_decision_on=today().isoformat())
    assert set(error.value.errors) == {"wished_decision_on"}
