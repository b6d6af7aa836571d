"""Step definitions for features/architecture_review.feature (run through the service layer)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import select

from engine import Forbidden, StaleCase
from workflows.service import FormInvalid

from review_support import ReviewDriver, today

pytestmark = pytest.mark.usefixtures("db_url")

scenarios("architecture_review.feature")

WORDS = {"opfylder": "meets", "afviger": "deviates", "ikke relevant": "not_applicable"}


@pytest.fixture
def driver(app, people):
    return ReviewDriver(app, people)


@pytest.fixture
def outcome():
    return {}


def _choices(text: str) -> list[str]:
    return [WORDS[w.strip()] for w in text.split(",")]


def _try(outcome, action):
    try:
        action()
    except (FormInvalid, Forbidden, StaleCase) as exc:
        outcome["error"] = exc


@given("kataloget har tre optagne regler, hvoraf én kun gælder kommuner")
def _rules(driver):
    driver.setup(rules=3, municipal=1)


@given(parsers.parse('Arkitekturboardet har medlemmet "{name}"'))
def _board(driver, name):
    from workflows.architecture_review import board_members

    with driver.app.app_context():
        assert [m.user.username for m in board_members(driver.db.session)] == [name]


@given("en vurdering i selvvurdering")
def _in_assessment(driver):
    driver.start()
    driver.triage()


@given("en vurdering hos boardet med én afvigelse")
def _at_board(driver):
    _in_assessment(driver)
    driver.assess(choices=["deviates", "meets", "meets"])
    driver.wg_review()


@given("en vurdering, som boardet har godkendt")
def _approved(driver):
    _in_assessment(driver)
    driver.assess()
    driver.wg_review(recommendation="compliant")
    driver.decide(outcome="approved")


@given(parsers.parse("en afgjort vurdering med en dispensation, der udløber om {days:d} dage"))
def _with_dispensation(driver, days):
    _at_board(driver)
    driver.decide(outcome="approved_with_dispensations", expires_on=(today() + timedelta(days=days)).isoformat())
    driver.hold_council_meeting()
    driver.sweep()


@given(parsers.parse("regel {n:d} er udfaset i kataloget"))
def _retired(driver, n):
    from workflows.catalogue import RuleStatus, RuleVersion

    with driver.app.app_context():
        driver.db.session.get(RuleVersion, driver.rule_version_ids[n - 1]).status = RuleStatus.RETIRED.value
        driver.db.session.commit()


@when(parsers.parse('"{user}" anmoder om en arkitekturvurdering af "{project}"'))
def _request(driver, user, project):
    driver.start(user, project=project)


@when(parsers.parse('"{user}" accepterer anmodningen med arbejdsgruppen og bedømmeren "{reviewer}"'))
def _accept(driver, user, reviewer):
    driver.triage(user, reviewers=reviewer)


@when(parsers.parse('"{user}" afviser anmodningen med begrundelsen "{reason}"'))
def _refuse(driver, user, reason):
    driver.complete(user, "review.triage", {"triage": "refuse", "reason": reason})


@when(parsers.parse('"{user}" vurderer projektet som "{choices}" med forklaringer'))
def _assess(driver, outcome, user, choices):
    _try(outcome, lambda: driver.assess(user, _choices(choices)))


@when(parsers.parse('"{user}" vurderer projektet som "{choices}" uden forklaringer'))
def _assess_bare(driver, outcome, user, choices):
    _try(outcome, lambda: driver.assess(user, _choices(choices), explain=False))


@when(parsers.parse('"{user}" er enig i selvvurderingen og indstiller "{recommendation}"'))
def _review(driver, user, recommendation):
    driver.wg_review(user, recommendation)


@when(parsers.parse('"{user}" godkender vurderingen med dispensationer, der udløber om {days:d} dage'))
def _grant(driver, user, days):
    driver.decide(user, outcome="approved_with_dispensations",
                  expires_on=(today() + timedelta(days=days)).isoformat(), conditions="Genvurderes ved udbud.")


@when(parsers.parse('"{user}" godkender vurderingen med dispensationer, der udløber i dag'))
def _grant_today(driver, outcome, user):
    _try(outcome, lambda: driver.decide(user, outcome="approved_with_dispensations", expires_on=today().isoformat()))


@when(parsers.parse('"{user}" forsøger at afgøre vurderingen'))
def _outsider_decides(driver, outcome, user):
    _try(outcome, lambda: driver.decide(user, outcome="not_approved"))


@when(parsers.parse('"{user}" sender vurderingen til Rådet'))
def _escalate(driver, user):
    driver.decide(user, outcome="escalate")


@when(parsers.parse('"{user}" sætter vurderingen på et rådsmødes dagsorden'))
def _schedule(driver, user):
    driver.council.ensure_members()
    driver.meeting_id = driver.council.create_meeting()
    driver.complete(user, "review.schedule_council", {"meeting_id": str(driver.meeting_id)})


@when("Rådet godkender punktet på mødet")
def _council_approves(driver):
    driver.council.publish_agenda(driver.meeting_id)
    driver.decide_meeting(driver.meeting_id, driver.council.meeting(driver.meeting_id).starts_at)
    driver.sweep()


@when("Rådets næste møde er holdt")
def _meeting_held(driver):
    driver.hold_council_meeting()
    driver.sweep()


@when(parsers.parse("det er {days:d} dage før udløbet"))
def _before_expiry(driver, days):
    [d] = driver.dispensations()
    with time_machine.travel(d.expires_on - timedelta(days=days), tick=False):
        driver.sweep()


@when("udløbsdatoen er passeret")
def _expired(driver):
    [d] = driver.dispensations()
    with time_machine.travel(d.expires_on + timedelta(days=1), tick=False):
        driver.sweep()


@when(parsers.parse('"{user}" vælger at få projektet genvurderet'))
def _re_review(driver, user):
    driver.complete(user, "review.re_review", {"re_review": "re_review"})


@when(parsers.parse('"{user}" indsender selvvurderingen med en forældet version'))
def _stale(driver, outcome, user):
    version = driver.case().version - 1
    _try(outcome, lambda: driver.complete(user, "review.self_assessment",
                                          {f"assessment_{i}": "meets" for i in driver.answer_ids()}, version=version))


@then(parsers.parse("skal projektet vurdere sig selv mod {n:d} regler"))
def _rules_to_assess(driver, n):
    assert driver.record().status == "self_assessment"
    assert len(driver.answer_ids()) == n
    [task] = driver.tasks("review.self_assessment")
    assert task.assignee == "contact"  # the project's owner, by name


@then(parsers.parse("skal projektet vurdere sig selv mod {n:d} regler i runde {r:d}"))
def _rules_in_round(driver, n, r):
    assert driver.record().round == r
    _rules_to_assess(driver, n)


@then(parsers.parse('er vurderingen afgjort som "{outcome_}" af boardet'))
def _decided_board(driver, outcome_):
    [decision] = driver.decisions()
    assert (decision.outcome, decision.body) == (outcome_, "board")


@then(parsers.parse('er vurderingen afgjort som "{outcome_}" af Rådet'))
def _decided_council(driver, outcome_):
    [decision] = driver.decisions()
    assert (decision.outcome, decision.body, decision.meeting_id) == (outcome_, "council", driver.meeting_id)


@then(parsers.parse('projektet har {n:d} dispensationer ejet af "{user}"'))
def _dispensations(driver, people, n, user):
    rows = driver.dispensations()
    assert len(rows) == n
    with driver.app.app_context():
        assert all(d.owner_id == people.user(user).id for d in rows)


@then("afgørelsen er ikke offentlig endnu")
def _embargoed(driver):
    with driver.app.app_context():
        rows, total = driver.byplan.reviews.register(driver.db.session)
    assert total == 0 and all(d.public_at is None for d in driver.decisions())


@then("er afgørelsen offentlig i registret")
@then("afgørelsen er offentlig i registret")
def _public(driver):
    with driver.app.app_context():
        rows, total = driver.byplan.reviews.register(driver.db.session)
    assert [r.review_id for r in rows] == [driver.review_id]


@then(parsers.parse("regelbrugen viser {n:d} regler, som projektet opfylder"))
def _usage(driver, n):
    with driver.app.app_context():
        usage = driver.byplan.reviews.rule_usage(driver.db.session)
    assert sum(u.meets for u in usage) == n


@then(parsers.parse('har "{user}" fået en påmindelse om dispensationen'))
def _reminded(driver, people, user):
    from engine.mail import OutboxMail

    with driver.app.app_context():
        mails = list(driver.db.session.scalars(select(OutboxMail)
                                               .where(OutboxMail.to_address == f"{user}@example.org")))
    assert any("Dispensation udløber" in m.subject for m in mails)
    assert driver.dispensations()[0].reminded_at is not None


@then("er dispensationen bortfaldet")
def _lapsed(driver):
    assert [d.status for d in driver.dispensations()] == ["lapsed"]
    assert driver.record().status == "re_review"


@then(parsers.parse('er vurderingens status "{status}"'))
def _status(driver, status):
    assert driver.record().status == status


@then("sagen er afsluttet")
def _completed(driver):
    assert driver.case().status == "completed"


@then(parsers.parse("afvises indtastningen med fejl ved forklaringen til regel {a:d} og regel {b:d}"))
def _explanation_errors(driver, outcome, a, b):
    ids = driver.answer_ids()
    assert isinstance(outcome.get("error"), FormInvalid)
    assert set(outcome["error"].errors) == {f"explanation_{ids[a - 1]}", f"explanation_{ids[b - 1]}"}


@then(parsers.parse("afvises indtastningen med fejl ved regel {n:d}"))
def _rule_error(driver, outcome, n):
    assert set(outcome["error"].errors) == {f"assessment_{driver.answer_ids()[n - 1]}"}


@then("afvises indtastningen med fejl ved udløbsdatoen")
def _expiry_error(outcome):
    assert set(outcome["error"].errors) == {"expires_on"}


@then("afvises handlingen som uden for rollen")
def _forbidden(outcome):
    assert isinstance(outcome.get("error"), Forbidden)


@then("afvises indtastningen som forældet")
def _stale_error(outcome):
    assert isinstance(outcome.get("error"), StaleCase)


@then("vurderingen er stadig i selvvurdering")
def _still_assessing(driver):
    assert driver.record().status == "self_assessment" and driver.tasks("review.self_assessment")


@then("vurderingen er stadig hos boardet")
def _still_board(driver):
    assert driver.record().status == "board" and driver.decisions() == []
