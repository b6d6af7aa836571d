"""The council decides a proposal only through the BPMN message `council_decision`: the council's
process records the decision on its agenda item, and the proposal's process records it on the proposal
(`proposal.record_decision`) and in the catalogue when the message arrives."""
from __future__ import annotations

import ast
from pathlib import Path

from council_support import CouncilDriver
from steps.proposal_driver import ProposalDriver

ROOT = Path(__file__).resolve().parent.parent


def test_the_proposal_learns_the_decision_from_the_message(app, people):
    from sqlalchemy import select

    from web.extensions import db
    from workflows.catalogue import PrincipleVersion as Principle

    proposal = ProposalDriver(app, people)
    proposal.start("lead", "Genbrug før køb")
    proposal.submit("lead", summary="Resumé", statement="Genbrug før køb før byg")
    proposal.complete("secretary", {"screening": "complete"})
    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    meeting_id = council.create_meeting()
    council.schedule(proposal.case_id, meeting_id)
    council.publish_agenda(meeting_id)
    council.record_positions(meeting_id, {"chair": "agree", "councillor": "agree"})
    assert council.tasks(council.meeting(meeting_id).case_id, "decide") == []  # decided at the meeting
    with council.at_meeting(meeting_id):
        [task] = council.tasks(council.meeting(meeting_id).case_id, "decide")
        council.complete("chair", task, {"decision": "approved_with_changes", "changes": "Kun nye systemer"})

        [item] = council.items(meeting_id)
        assert item.outcome == "approved_with_changes"  # the council's own record
        record = proposal.record()
        assert (record.status, record.decision) == ("scheduled", None)  # the message is not delivered yet

        council.sweep()  # the worker routes the message to the proposal case
    record = proposal.record()
    assert (record.status, record.decision, record.decision_changes, record.decision_reason) == (
        "approved_with_changes", "approved_with_changes", "Kun nye systemer", None)
    with app.app_context():
        [principle] = db.session.scalars(select(Principle)).all()
        assert principle.meeting_id == meeting_id  # from the message's payload
        assert principle.decision_changes == "Kun nye systemer"


def _imports(path: Path, package: str) -> set[str]:
    """The workflows modules a module imports (absolute names), lazy imports included."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_the_council_family_does_not_import_the_proposal_family():
    paths = sorted((ROOT / "workflows" / "council").glob("*.py"))
    assert len(paths) >= 7  # the family's package: models, forms, service, tasks, mail, calendar, feed
    for path in paths:
        imported = _imports(path, "workflows.council")
        assert not {m for m in imported if m.startswith("workflows.proposal")}, path.name
