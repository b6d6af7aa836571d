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
