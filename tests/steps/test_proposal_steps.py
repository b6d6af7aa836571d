"""Step definitions for features/proposal.feature (run through the service layer)."""
from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from engine import Forbidden
from workflows.service import FormInvalid

from council_support import CouncilDriver

from .proposal_driver import ProposalDriver

# Every scenario runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("db_url")

scenarios("proposal.feature")


@pytest.fixture
def driver(app, people):
    return ProposalDriver(app, people)


@pytest.fixture
def council(app, people):
    return CouncilDriver(app, people)


@given(parsers.parse('arbejdsgruppen "{group}" med lederen "{lead}"'))
def _group(people, group, lead):
    assert people.group.name == group
    with people.app.app_context():
        assert people.user(lead).leads(people.group_id)


@given(parsers.parse('sekretariatet "{secretary}" og rådsformanden "{chair}"'))
def _roles(people, secretary, chair):
    with people.app.app_context():
        assert people.user(secretary).has_role("secretariat")
        assert people.user(chair).has_role("council_chair")


@given(parsers.parse('principkataloget indeholder det godkendte princip "{title}"'))
def _existing_principle(driver, council, title):
    driver.start("lead", title)
    driver.submit("lead", summary="Første version", statement="Første version")
    driver.complete("secretary", {"screening": "complete"})
    council.decide_proposal(driver.case_id, {"decision": "approved"})


@when(parsers.parse('"{user}" opretter forslaget "{title}" som et arkitekturprincip'))
def _start_principle(driver, user, title):
    driver.start(user, title, "principle")


@when(parsers.parse('"{user}" opretter forslaget "{title}" som en referencearkitektur'))
def _start_reference(driver, user, title):
    driver.start(user, title, "reference_architecture")


@when(parsers.parse('"{user}" indsender forslaget med princippet "{statement}"'))
def _submit(driver, user, statement):
    driver.submit(user, summary="Resumé af forslaget", statement=statement, rationale="Begrundelse")


@when(parsers.parse('"{user}" indsender forslaget med resuméet "{summary}"'))
def _submit_summary(driver, user, summary):
    driver.submit(user, summary=summary)


@when(parsers.parse('"{user}" screener forslaget som komplet'))
def _screen_ok(driver, user):
    driver.complete(user, {"screening": "complete"})


@when(parsers.parse('"{user}" returnerer forslaget med begrundelsen "{reason}"'))
def _screen_return(driver, user, reason):
    driver.complete(user, {"screening": "return", "reason": reason})


@when(parsers.parse('rådet på et møde træffer beslutningen "{decision}"'))
def _decide(driver, council, decision):
    council.decide_proposal(driver.case_id, {"decision": decision})


@when(parsers.parse('rådet på et møde sender forslaget tilbage med begrundelsen "{reason}"'))
def _send_back(driver, council, reason):
    council.decide_proposal(driver.case_id, {"decision": "sent_back", "reason": reason})


@when(parsers.parse('rådet på et møde afviser forslaget med begrundelsen "{reason}"'))
def _reject(driver, council, reason):
    council.decide_proposal(driver.case_id, {"decision": "rejected", "reason": reason})


@when(parsers.parse('rådet på et møde godkender forslaget med ændringerne "{changes}"'))
def _approve_changes(driver, council, changes):
    council.decide_proposal(driver.case_id, {"decision": "approved_with_changes", "changes": changes})


@then("principkataloget linker til mødet, der godkendte versionen")
def _catalogue_meeting(driver):
    with driver.app.app_context():
        assert all(p.meeting_id is not None for p in driver.byplan.catalogue(driver.db.session))


@then(parsers.parse('har "{user}" opgaven "{title}"'))
def _has_task(driver, people, user, title):
    with people.app.app_context():
        from web.extensions import db

        inbox = driver.byplan.inbox(db.session, people.user(user))
        assert [t.title for t in inbox if t.case_id == driver.case_id] == [title]


@then("er sagen afsluttet")
def _completed(driver):
    assert driver.case().status == "completed"
    assert driver.task() is None


@then(parsers.parse('forslagets status er "{status}"'))
def _status(driver, status):
    assert driver.record().status == status


@then(parsers.parse('forslagets begrundelse er "{reason}"'))
def _reason(driver, reason):
    assert driver.record().screening_reason == reason


@then(parsers.parse('principkataloget indeholder "{title}" i version {version:d}'))
def _catalogue_has(driver, title, version):
    with driver.app.app_context():
        current = [(p.name, p.version) for p in driver.byplan.catalogue(driver.db.session)]
    assert (title, version) in current


@then(parsers.parse('principkataloget viser ændringerne "{changes}"'))
def _catalogue_changes(driver, changes):
    with driver.app.app_context():
        assert [p.decision_changes for p in driver.byplan.catalogue(driver.db.session)] == [changes]


@then(parsers.parse('version 1 af "{title}" er erstattet'))
def _superseded(driver, title):
    from workflows.proposal import principle_history, slugify

    with driver.app.app_context():
        history = principle_history(driver.db.session, slugify(title))
    assert [(p.version, p.status) for p in history] == [(2, "adopted"), (1, "superseded")]  # issue 14: RuleStatus


@then("principkataloget er tomt")
def _catalogue_empty(driver):
    with driver.app.app_context():
        assert driver.byplan.catalogue(driver.db.session) == []


@then("revisionssporet for sagen kan verificeres")
def _audit(driver):
    with driver.app.app_context():
        assert driver.byplan.engine.audit.verify(driver.db.session) is None


@then(parsers.parse('kan "{user}" ikke screene forslaget, og sagen er uændret'))
def _wrong_role(driver, user):
    before = driver.case().version
    with pytest.raises(Forbidden):
        driver.complete(user, {"screening": "complete"})
    assert driver.case().version == before
    assert driver.record().status == "submitted"


@then(parsers.parse('kan "{user}" ikke returnere forslaget uden begrundelse, og sagen er uændret'))
def _invalid(driver, user):
    before = driver.case().version
    with pytest.raises(FormInvalid) as err:
        driver.complete(user, {"screening": "return", "reason": "   "})
    assert set(err.value.errors) == {"reason"}
    assert driver.case().version == before
    assert driver.record().status == "submitted"


@then(parsers.parse('kan "{user}" ikke se arbejdsgruppens opgaver'))
def _outsider(driver, people, user):
    with people.app.app_context():
        from web.extensions import db

        assert driver.byplan.inbox(db.session, people.user(user)) == []
        with pytest.raises(Forbidden):
            driver.byplan.case_view(db.session, people.user(user), driver.case_id)
