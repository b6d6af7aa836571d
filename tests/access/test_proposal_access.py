"""The proposal family's access rules, at the service: who starts a proposal, who reads its case and
documents and takes its tasks, and the public catalogue — for anonymous callers and each role
(allowed / Forbidden / NotFound)."""
from __future__ import annotations

import pytest

from engine import Forbidden, NotFound
from steps.proposal_driver import ProposalDriver

ANONYMOUS = None
GROUP = ("lead", "member")
STAFF = ("secretary", "admin")
COUNCIL = ("chair", "councillor")
OUTSIDE = ("outsider", "contact")  # outsider: a member of another working group
SIGNED_IN = GROUP + STAFF + COUNCIL + OUTSIDE


def _user(people, role):
    return None if role is ANONYMOUS else people.user(role)


def test_only_members_of_the_working_group_start_its_proposals(app, people):
    from web.extensions import db

    byplan = app.extensions["byplan"]
    for role in (ANONYMOUS,) + SIGNED_IN:
        with app.app_context():
            user = _user(people, role)
            if role in GROUP:
                case = byplan.start_proposal(db.session, user, people.group_id, f"Forslag af {role}")
                assert case.scope is not None, role
            else:
                with pytest.raises(Forbidden):
                    byplan.start_proposal(db.session, user, people.group_id, "Forslag udefra")
                assert not db.session.new, role
            db.session.rollback()
    with app.app_context(), pytest.raises(Forbidden):  # a group's own member, for another group
        byplan.start_proposal(db.session, people.user("outsider"), people.group_id, "Ikke min gruppe")


@pytest.fixture
def proposal(app, people) -> ProposalDriver:
    driver = ProposalDriver(app, people)
    driver.start("lead", "Genbrug før køb")
    with app.app_context():
        from web.extensions import db

        app.extensions["byplan"].upload(db.session, people.user("lead"), driver.case_id, "notat.txt", b"Notat")
        db.session.commit()
    return driver


def test_the_case_and_its_documents_are_for_the_group_the_staff_and_the_council(app, people, proposal):
    from web.extensions import db

    byplan = app.extensions["byplan"]
    with app.app_context():
        [document] = byplan.case_view(db.session, people.user("lead"), proposal.case_id).documents
        document_id = document.id
    for role in SIGNED_IN:
        with app.app_context():
            user = people.user(role)
            if role in OUTSIDE:
                with pytest.raises(Forbidden):
                    byplan.case_view(db.session, user, proposal.case_id)
                with pytest.raises(Forbidden):
                    byplan.download(db.session, user, document_id)
            else:
                view = byplan.case_view(db.session, user, proposal.case_id)
                assert view.proposal.title == "Genbrug før køb", role
                assert byplan.download(db.session, user, document_id)[2] == b"Notat", role
    with app.app_context():
        with pytest.raises(Forbidden):
            byplan.download(db.session, None, document_id)
        with pytest.raises(NotFound):
            byplan.case_view(db.session, people.user("secretary"), 424242)


def test_only_the_lead_submits_and_only_the_secretariat_screens(app, people, proposal):
    from web.extensions import db

    byplan = app.extensions["byplan"]
    draft = {"kind": "principle", "title": "Genbrug før køb", "summary": "Resumé", "statement": "Genbrug"}
    for role in SIGNED_IN:
        if role == "lead":
            continue
        with app.app_context():
            task = proposal.task()
            with pytest.raises(Forbidden):
                byplan.complete_task(db.session, people.user(role), task.id, draft, None)
            db.session.rollback()
    proposal.complete("lead", draft)
    assert proposal.record().status == "submitted"
    for role in SIGNED_IN:
        if role == "secretary":
            continue
        with app.app_context():
            task = proposal.task()
            with pytest.raises(Forbidden):
                byplan.task_view(db.session, people.user(role), task.id)
            with pytest.raises(Forbidden):
                byplan.complete_task(db.session, people.user(role), task.id, {"screening": "complete"}, None)
            db.session.rollback()
    proposal.complete("secretary", {"screening": "complete"})
    assert proposal.record().status == "screened"


def test_the_catalogue_is_public_and_an_unknown_principle_is_not_found(app, people):
    from web.extensions import db

    byplan = app.extensions["byplan"]
    with app.app_context():
        assert byplan.catalogue(db.session) == []
        with pytest.raises(NotFound):
            byplan.principle_history(db.session, "findes-ikke")
