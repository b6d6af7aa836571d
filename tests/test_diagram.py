"""Element states for the BPMN diagram (engine/diagram.py), over the test processes in tests/bpmn."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.diagram import ACTIVE, COMPLETED, ERROR, WAITING, CalledProcess, element_states, process_file
from engine.models import ProcessVersion
from engine_support import Harness, bpmn_bytes, deploy, deploy_probe


@pytest.fixture
def h(sqlite_url):
    harness = Harness(sqlite_url)
    yield harness
    harness.dispose()


def _start(h, process_id):
    with h.session() as s, s.begin():
        return h.engine.start(s, process_id, actor="tester").id


def _states(h, case_id):
    with h.session() as s:
        return element_states(h.engine.load(s, case_id).workflow)


def _complete_ready(h, case_id):
    with h.session() as s, s.begin():
        instance = h.engine.load(s, case_id)
        (task,) = instance.ready_human_tasks
        h.engine.complete_task(s, case_id, str(task.id), {}, actor="tester")


def test_call_activity_waits_while_the_called_process_has_the_active_task(h):
    with h.session() as s, s.begin():
        deploy(h.engine, s, "call_parent", "call_child")
    case_id = _start(h, "call_parent")

    state = _states(h, case_id)
    assert state.root == "call_parent"
    assert state.of("call_parent") == {"start": COMPLETED, "call": WAITING}  # nothing predicted is marked
    assert state.of("call_child") == {"start": COMPLETED, "child_task": ACTIVE}
    assert state.calls == [CalledProcess("call_parent", "call", "call_child")]
    assert state.processes == ["call_parent", "call_child"]
    assert state.process_names == {"call_parent": "Call parent", "call_child": "Call child"}
    assert state.name("call_child", "child_task") == "Child task"

    _complete_ready(h, case_id)
    state = _states(h, case_id)
    assert state.of("call_parent") == {"start": COMPLETED, "call": COMPLETED, "after_call": ACTIVE}
    assert state.of("call_child") == {"start": COMPLETED, "child_task": COMPLETED, "end": COMPLETED}
    assert state.calls == [CalledProcess("call_parent", "call", "call_child")]  # finished calls stay linked

    _complete_ready(h, case_id)
    assert set(_states(h, case_id).of("call_parent").values()) == {COMPLETED}


def test_timer_waits_then_is_completed(h):
    with h.session() as s, s.begin():
        deploy(h.engine, s, "timer_wait")
    case_id = _start(h, "timer_wait")
    assert _states(h, case_id).of("timer_wait") == {"start": COMPLETED, "set_wait": COMPLETED, "wait": WAITING}

    with h.session() as s:
        (due,) = [d for _n, d in h.engine.load(s, case_id).waiting_timers()]
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        assert h.engine.fire_due_timers() == 1
    assert _states(h, case_id).of("timer_wait") == {"start": COMPLETED, "set_wait": COMPLETED,
                                                    "wait": COMPLETED, "after_wait": ACTIVE}


def test_embedded_subprocess_elements_belong_to_the_enclosing_diagram(h):
    with h.session() as s, s.begin():
        h.engine.deploy(s, {"embedded_sub.bpmn": bpmn_bytes("embedded_sub")}, "tester")
    case_id = _start(h, "embedded_sub")
    state = _states(h, case_id)
    assert state.states == {"embedded_sub": {"start": COMPLETED, "sub": WAITING, "sub_start": COMPLETED,
                                             "inner": ACTIVE}}
    assert state.calls == [] and state.processes == ["embedded_sub"]


def test_a_failed_script_is_an_error(h):
    with h.session() as s, s.begin():
        (pv,) = deploy_probe(h.engine, s, script="x = 1 / 0")
        spec, subprocess_specs = h.engine.serializer.load_spec(s.get(ProcessVersion, pv.id).spec_json)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=h.engine.script_engine)
    with pytest.raises(SpiffWorkflowException):
        workflow.do_engine_steps()
    assert element_states(workflow).of("script_probe") == {"start": COMPLETED, "probe_script": ERROR}


def test_an_element_that_ran_more_than_once_shows_its_most_pressing_state(h):
    """A multi-instance task with one instance done and two ready is active, not completed."""
    with h.session() as s, s.begin():
        deploy(h.engine, s, "multi_assignee")
        case_id = h.engine.start(s, "multi_assignee", actor="tester", data={"people": ["anne", "bent", "carl"]}).id
    with h.session() as s, s.begin():
        first = h.engine.load(s, case_id).ready_human_tasks[0]
        h.engine.complete_task(s, case_id, str(first.id), {"answer": "ok"}, actor="tester")
    with h.session() as s:
        workflow = h.engine.load(s, case_id).workflow
        done = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "review" and t.state == TaskState.COMPLETED]
        assert done, "the fixture no longer has a completed instance next to ready ones"
        assert element_states(workflow).of("multi_assignee")["review"] == ACTIVE
    for _ in range(2):
        _complete_ready_first(h, case_id)
    assert _states(h, case_id).of("multi_assignee")["review"] == COMPLETED


def _complete_ready_first(h, case_id):
    with h.session() as s, s.begin():
        task = h.engine.load(s, case_id).ready_human_tasks[0]
        h.engine.complete_task(s, case_id, str(task.id), {"answer": "ok"}, actor="tester")


def test_process_file_finds_the_file_that_defines_a_process():
    sources = {"call_parent.bpmn": bpmn_bytes("call_parent").decode(),
               "call_child.bpmn": bpmn_bytes("call_child").decode(), "broken.bpmn": "<not xml"}
    assert process_file(sources, "call_child") == ("call_child.bpmn", sources["call_child.bpmn"])
    assert process_file(sources, "call_parent")[0] == "call_parent.bpmn"
    assert process_file(sources, "call_parent_participant") is None  # a participant is not a process
    assert process_file(sources, "nowhere") is None
