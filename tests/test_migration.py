"""Migrating running cases to another version of their process (engine level, SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from engine.audit_people import subject_of
from engine import StaleCase
from engine.migration import Migration
from engine.models import AuditEvent, Case, ReadyTask, WaitingTimer
from engine_support import Harness, bpmn_bytes, deploy


@pytest.fixture
def h(db_url):
    harness = Harness(db_url)
    yield harness
    harness.dispose()


def _deploy_file(h, name, process_id=None, replace=None):
    with h.session() as s, s.begin():
        [pv] = h.engine.deploy(s, {f"{process_id or name}.bpmn": bpmn_bytes(name, replace)}, "tester")
        return pv.id


def _start(h, process_id):
    with h.session() as s, s.begin():
        return h.engine.start(s, process_id, actor="starter").id


def _ready(h, case_id):
    with h.session() as s:
        return {r.spec_name: r for r in s.scalars(select(ReadyTask).where(ReadyTask.case_id == case_id))}


def _complete(h, case_id, spec_name, data=None):
    task_id = _ready(h, case_id)[spec_name].id
    with h.session() as s, s.begin():
        h.engine.complete_task(s, case_id, task_id, data or {}, actor="worker")


def _case(h, case_id) -> tuple:
    with h.session() as s:
        row = s.get(Case, case_id)
        return row.process_version_id, row.version, row.status


def _state(h, case_id) -> str:
    with h.session() as s:
        return s.scalar(select(Case.state).where(Case.id == case_id))


def _preview(h, version_id, case_ids=None):
    with h.session() as s:
        return Migration(h.engine).preview(s, version_id, case_ids)


def _run(h, version_id, case_ids=None, expected=None):
    with h.session() as s, s.begin():
        return Migration(h.engine).run(s, version_id, case_ids, actor="admin", expected_versions=expected)


def _data(h, case_id):
    with h.session() as s:
        instance = h.engine.load(s, case_id)
        return instance.workflow.last_task.data if instance.workflow.last_task else {}


def test_a_case_waiting_at_a_kept_task_migrates_and_completes_on_the_new_path(h):
    v1 = _deploy_file(h, "review_v1", "review")
    case_id = _start(h, "review_flow")
    v2 = _deploy_file(h, "review_v2", "review")
    before = _ready(h, case_id)["screen"]

    plan = _preview(h, v2)
    assert [(c.case_id, c.migratable) for c in plan.cases] == [(case_id, True)]
    changes = {(c.element, c.change) for c in plan.changes[v1]}
    assert ("check", "added") in changes and ("screen", "changed") in changes
    assert _case(h, case_id)[0] == v1  # the preview changed nothing

    result = _run(h, v2)
    assert [c.case_id for c in result.migrated] == [case_id] and result.refused == []
    version_id, _version, status = _case(h, case_id)
    assert version_id == v2 and status == "running"
    after = _ready(h, case_id)["screen"]
    assert after.id == before.id and after.title == "Screen, revised"  # the projection was rebuilt

    _complete(h, case_id, "screen")
    assert set(_ready(h, case_id)) == {"decide"}
    _complete(h, case_id, "decide")
    assert _case(h, case_id)[2] == "completed"
    assert _data(h, case_id).get("checked") is True  # the script that only v2 has ran

    with h.session() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.kind == "migrate"))
        assert subject_of(s, event.actor) == "admin"  # the log names people by reference (issue 18)
        assert event.detail["from_version_id"] == v1 and event.detail["to_version_id"] == v2
        assert len(event.detail["from_hash"]) == 64 and event.detail["to_hash"] != event.detail["from_hash"]
        assert h.audit.verify(s) is None


def test_a_case_whose_active_task_was_removed_is_refused_and_left_unchanged(h):
    v1 = _deploy_file(h, "review_v1", "review")
    waiting = _start(h, "review_flow")  # at screen, which v3 removes
    done = _start(h, "review_flow")
    v3 = _deploy_file(h, "review_v3", "review")
    _complete(h, done, "screen")  # done with screen... but screen is history v3 cannot hold either

    plan = _preview(h, v3)
    reasons = {c.case_id: c.reasons for c in plan.cases}
    assert reasons[waiting] == ["the active task 'Screen' does not exist in the new version"]
    assert any("'Screen'" in r and "history" in r for r in reasons[done])
    assert ("screen", "removed") in {(c.element, c.change) for c in plan.changes[v1]}

    state, row = _state(h, waiting), _case(h, waiting)
    result = _run(h, v3)
    assert result.migrated == [] and {c.case_id for c in result.refused} == {waiting, done}
    assert _case(h, waiting) == row and _state(h, waiting) == state
    assert h.count(AuditEvent, AuditEvent.kind == "migrate") == 0
    _complete(h, waiting, "screen")  # still runs on v1
    assert set(_ready(h, waiting)) == {"decide"}


def test_selected_cases_only_and_a_stale_preview_is_a_conflict(h):
    _deploy_file(h, "review_v1", "review")
    first, second = _start(h, "review_flow"), _start(h, "review_flow")
    v2 = _deploy_file(h, "review_v2", "review")
    seen = {c.case_id: c.version for c in _preview(h, v2).cases}
    _complete(h, first, "screen")  # the case moves on after the preview

    with pytest.raises(StaleCase):
        _run(h, v2, expected=seen)
    assert h.count(AuditEvent, AuditEvent.kind == "migrate") == 0

    result = _run(h, v2, [second], expected={second: seen[second]})
    assert [c.case_id for c in result.migrated] == [second]
    assert _case(h, first)[0] != v2 and _case(h, second)[0] == v2


def test_a_waiting_timer_keeps_its_due_time(h):
    _deploy_file(h, "timer_wait")
    case_id = _start(h, "timer_wait")
    with h.session() as s:
        [due] = s.scalars(select(WaitingTimer.due_at).where(WaitingTimer.case_id == case_id)).all()
    v2 = _deploy_file(h, "timer_wait", replace={'name="After wait"': 'name="After the wait"'})
    with time_machine.travel(due - timedelta(minutes=10), tick=False):
        assert [c.case_id for c in _run(h, v2).migrated] == [case_id]
    with h.session() as s:
        assert s.scalars(select(WaitingTimer.due_at).where(WaitingTimer.case_id == case_id)).all() == [due]
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        assert h.engine.fire_due_timers() == 1
    assert _ready(h, case_id)["after_wait"].title == "After the wait"


def test_a_case_inside_a_call_activity_migrates_with_the_called_process(h):
    with h.session() as s, s.begin():
        deploy(h.engine, s, "call_parent", "call_child")
    case_id = _start(h, "call_parent")
    assert set(_ready(h, case_id)) == {"child_task"}
    with h.session() as s, s.begin():
        versions = deploy(h.engine, s, "call_parent", "call_child",
                          replace={"call_child": {'name="Child task"': 'name="Child task v2"'}})
        v2 = next(pv.id for pv in versions if pv.process_id == "call_parent")
    assert [c.case_id for c in _run(h, v2).migrated] == [case_id]
    assert _ready(h, case_id)["child_task"].title == "Child task v2"
    _complete(h, case_id, "child_task")
    _complete(h, case_id, "after_call")
    assert _case(h, case_id)[2] == "completed"


def test_a_case_inside_a_call_activity_that_the_new_version_drops_is_refused(h):
    with h.session() as s, s.begin():
        deploy(h.engine, s, "call_parent", "call_child")
    _start(h, "call_parent")
    no_call = {'<bpmn:callActivity id="call" name="Call child" calledElement="call_child">':
               '<bpmn:task id="call" name="Call child">',
               "</bpmn:callActivity>": "</bpmn:task>"}
    v2 = _deploy_file(h, "call_parent", replace=no_call)
    [check] = _preview(h, v2).cases
    assert check.reasons and "call_child" in check.reasons[0] and "'Call child'" in check.reasons[0]
