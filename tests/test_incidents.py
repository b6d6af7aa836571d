"""Incidents in the case engine (SQLite and PostgreSQL): a failure wherever the engine runs a case
leaves the case saved as an incident with the element, the task and the time; an operator fixes
a variable and retries."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select
from SpiffWorkflow.util.task import TaskState

from engine.audit_people import Pseudonyms
from engine import NoIncident, StaleCase, current_execution
from engine.models import AuditEvent, Blob, Case, CompletedTask, OutboxMessage, ReadyTask, WaitingTimer
from engine_support import Harness, deploy

T0 = datetime(2031, 5, 5, 8, 0, tzinfo=timezone.utc)


class Register:
    """The handler of the service task probe.fetch: fails while `down`, writing a row first."""

    def __init__(self):
        self.down = True
        self.calls = 0

    def __call__(self, params, data):
        self.calls += 1
        session = current_execution.get().session
        session.add(Blob(sha256=f"{self.calls:064d}", size=0, content=b""))
        session.flush()
        if self.down:
            raise RuntimeError(f"register {params['register']} is down")
        return {"register": params["register"], "count": 3}


@pytest.fixture
def register():
    return Register()


@pytest.fixture
def h(db_url, register):
    harness = Harness(db_url, services={"probe.fetch": register})
    yield harness
    harness.dispose()


def _deploy(h, *names, replace=None):
    with h.session() as s, s.begin():
        deploy(h.engine, s, *names, replace=replace)


def _start(h, process_id="service_probe", data=None):
    with h.session() as s, s.begin():
        instance = h.engine.start(s, process_id, actor="starter",
                                  data={"register": "cvr", "total": 10, "parts": 2, **(data or {})})
        return instance.id


def _case(h, case_id) -> Case:
    with h.session() as s:
        return s.get(Case, case_id)


def _ready(h, case_id):
    with h.session() as s:
        return {r.spec_name: r.id for r in s.scalars(select(ReadyTask).where(ReadyTask.case_id == case_id))}


def _kinds(h, case_id):
    with h.session() as s:
        return [e.kind for e in s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                          .order_by(AuditEvent.seq))]


def _events(h, case_id, kind):
    with h.session() as s:
        return Pseudonyms().reveal(s, s.scalars(  # the log names people by reference (issue 18)
            select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.kind == kind).order_by(AuditEvent.seq)))


def _retry(h, case_id, actor="admin", version=None):
    with h.session() as s, s.begin():
        instance = h.engine.retry(s, case_id, actor=actor, expected_version=version)
        return instance.failure


def _complete(h, case_id, spec_name, data=None):
    with h.session() as s, s.begin():
        return h.engine.complete_task(s, case_id, _ready(h, case_id)[spec_name], data or {}, actor="clerk")


def test_failing_service_task_at_start_is_an_incident_and_a_retry_after_the_fix_runs_on(h, register):
    _deploy(h, "service_probe")
    with time_machine.travel(T0, tick=False) as traveller:
        case_id = _start(h)
        case = _case(h, case_id)
        assert case.status == "incident"
        assert (case.incident_element, case.incident_element_name) == ("fetch", "Fetch from register")
        assert "register cvr is down" in case.error and case.incident_at == T0
        with h.session() as s:
            [failed] = h.engine.load(s, case_id).failed_tasks()
            assert str(failed.id) == case.incident_task_id and failed.task_spec.name == "fetch"
        assert _ready(h, case_id) == {}
        assert _kinds(h, case_id) == ["start", "incident"]
        # the failed handler's own writes were rolled back with its savepoint
        assert h.count(Blob) == 0

        # still failing: the incident stays, with the new error and time
        traveller.move_to(T0 + timedelta(hours=2))
        register.down = True
        failure = _retry(h, case_id)
        assert failure is not None and failure.element == "fetch"
        case = _case(h, case_id)
        assert case.status == "incident" and case.incident_at == T0 + timedelta(hours=2)
        assert case.incident_element == "fetch" and "register cvr is down" in case.error
        assert _kinds(h, case_id) == ["start", "incident", "retry", "incident"]
        assert _events(h, case_id, "retry")[0][2]["succeeded"] is False

        # fixed: the retry runs the service task and goes on to the user task
        register.down = False
        traveller.move_to(T0 + timedelta(hours=3))
        assert _retry(h, case_id) is None
        case = _case(h, case_id)
        assert case.status == "running"
        assert (case.error, case.incident_element, case.incident_element_name, case.incident_task_id,
                case.incident_at) == (None, None, None, None, None)
        assert list(_ready(h, case_id)) == ["review"]
        with h.session() as s:
            instance = h.engine.load(s, case_id)
            assert instance.data["fetched"] == {"register": "cvr", "count": 3}
            assert instance.failed_tasks() == []
        assert _kinds(h, case_id) == ["start", "incident", "retry", "incident", "retry"]
        assert h.count(Blob) == 1  # only the successful call's write stays
    _complete(h, case_id, "review")
    assert _case(h, case_id).status == "completed"
    with h.session() as s:
        assert h.audit.verify(s) is None


def test_user_completion_into_a_failing_script_stands_and_the_data_fix_lets_the_retry_finish(h, register):
    register.down = False
    _deploy(h, "service_probe")
    case_id = _start(h)
    review = _ready(h, case_id)["review"]
    with time_machine.travel(T0, tick=False):
        instance = _complete(h, case_id, "review", {"parts": 0, "note": "checked"})
    # no exception: the completion is saved, the script task that failed after it is in ERROR
    assert instance.failure is not None and instance.failure.element == "tally"
    case = _case(h, case_id)
    assert case.status == "incident" and "ZeroDivisionError" in case.error
    assert (case.incident_element, case.incident_element_name, case.incident_at) == ("tally", "Tally shares", T0)
    with h.session() as s:
        done = s.get(CompletedTask, review)
        assert (done.case_id, done.completed_by) == (case_id, "clerk")
        failed = h.engine.load(s, case_id).failed_tasks()
        assert [t.task_spec.name for t in failed] == ["tally"]
        assert failed[0].data["note"] == "checked" and failed[0].data["parts"] == 0
    assert _ready(h, case_id) == {}
    assert _kinds(h, case_id) == ["start", "complete", "incident"]

    version = _case(h, case_id).version
    with h.session() as s, s.begin():
        old, existed = h.engine.fix_data(s, case_id, "parts", 4, actor="admin", expected_version=version)
    assert (old, existed) == (0, True)
    [(actor, _summary, detail)] = _events(h, case_id, "fix_data")
    assert actor == "admin"
    assert (detail["variable"], detail["old"], detail["new"], detail["element"]) == ("parts", "0", "4", "tally")
    assert _case(h, case_id).status == "incident"  # a fix alone does not resolve it

    assert _retry(h, case_id) is None
    assert _case(h, case_id).status == "completed"
    with h.session() as s:
        assert h.engine.load(s, case_id).workflow.data["share"] == 2.5
    assert _kinds(h, case_id)[-2:] == ["fix_data", "retry"]


def test_failed_task_inside_a_call_activity_is_retried_where_it_failed(h, register):
    _deploy(h, "service_probe", "call_parent",
            replace={"call_parent": {'calledElement="call_child"': 'calledElement="service_probe"'}})
    case_id = _start(h, "call_parent")
    case = _case(h, case_id)
    assert case.status == "incident" and case.incident_element == "fetch"
    register.down = False
    assert _retry(h, case_id) is None
    assert list(_ready(h, case_id)) == ["review"]
    _complete(h, case_id, "review")
    assert list(_ready(h, case_id)) == ["after_call"]
    assert _case(h, case_id).status == "running"


POST_SCRIPT = {"service_probe": {
    '<bpmn:userTask id="review" name="Review">':
        '<bpmn:userTask id="review" name="Review"><bpmn:extensionElements>'
        '<spiffworkflow:postScript>checked = total / parts</spiffworkflow:postScript>'
        '</bpmn:extensionElements>'}}


def test_failing_post_script_of_a_user_task_is_rerun_without_the_user(h, register):
    register.down = False
    _deploy(h, "service_probe", replace=POST_SCRIPT)
    case_id = _start(h)
    instance = _complete(h, case_id, "review", {"parts": 0})
    assert instance.failure.element == "review"
    assert _case(h, case_id).status == "incident" and _ready(h, case_id) == {}
    with h.session() as s, s.begin():
        h.engine.fix_data(s, case_id, "parts", 5, actor="admin")
    assert _retry(h, case_id) is None
    assert _case(h, case_id).status == "completed"
    with h.session() as s:
        data = h.engine.load(s, case_id).workflow.data
        assert (data["checked"], data["share"]) == (2, 2)


PRE_SCRIPT = {"service_probe": {
    '<bpmn:userTask id="review" name="Review">':
        '<bpmn:userTask id="review" name="Review"><bpmn:extensionElements>'
        '<spiffworkflow:preScript>prepared = total / parts</spiffworkflow:preScript>'
        '</bpmn:extensionElements>'}}


def test_failing_pre_script_of_a_user_task_makes_it_ready_on_retry_not_done(h, register):
    register.down = False
    _deploy(h, "service_probe", replace=PRE_SCRIPT)
    case_id = _start(h, data={"parts": 0})
    case = _case(h, case_id)
    assert (case.status, case.incident_element) == ("incident", "review") and _ready(h, case_id) == {}
    with h.session() as s, s.begin():
        h.engine.fix_data(s, case_id, "parts", 5, actor="admin")
    assert _retry(h, case_id) is None
    assert list(_ready(h, case_id)) == ["review"] and _case(h, case_id).status == "running"
    _complete(h, case_id, "review")
    with h.session() as s:
        data = h.engine.load(s, case_id).workflow.data
        assert (data["prepared"], data["share"]) == (2, 2)


def test_stale_or_needless_retry_and_fix_are_conflicts(h, register):
    _deploy(h, "service_probe")
    case_id = _start(h)
    version = _case(h, case_id).version
    with h.session() as s, s.begin():
        h.engine.fix_data(s, case_id, "register", "cpr", actor="admin", expected_version=version)
    register.down = False
    with pytest.raises(StaleCase):
        _retry(h, case_id, version=version)  # the fix changed the case since
    assert _case(h, case_id).status == "incident"
    assert _retry(h, case_id, version=version + 1) is None
    with h.session() as s:
        assert h.engine.load(s, case_id).data["fetched"]["register"] == "cpr"
    with pytest.raises(NoIncident):
        _retry(h, case_id)
    with pytest.raises(NoIncident), h.session() as s, s.begin():
        h.engine.fix_data(s, case_id, "parts", 1, actor="admin")


def test_a_user_completion_on_another_path_keeps_the_incident(h, register):
    """A non-interrupting reminder's script fails; the user still completes the main task, and the
    case stays an incident until the retry."""
    bad = {"boundary_timer": {"<bpmn:script>reminded = True</bpmn:script>":
                              "<bpmn:script>reminded = 1 / divisor</bpmn:script>"}}
    _deploy(h, "boundary_timer", replace=bad)
    with time_machine.travel(T0, tick=False) as traveller:
        with h.session() as s, s.begin():
            case_id = h.engine.start(s, "boundary_timer", actor="starter", data={"divisor": 0}).id
        traveller.move_to(T0 + timedelta(days=1, minutes=1))
        assert h.engine.fire_due_timers() == 0
        assert _case(h, case_id).incident_element == "count_reminder"
        _complete(h, case_id, "work")
        case = _case(h, case_id)
        assert case.status == "incident" and case.incident_element == "count_reminder"
        with h.session() as s, s.begin():
            h.engine.fix_data(s, case_id, "divisor", 1, actor="admin")
        assert _retry(h, case_id) is None
        assert _case(h, case_id).status == "completed"


FAILING_RECEIVER = {"msg_receiver": {
    '<bpmn:userTask id="got_ping" name="Got ping">': '<bpmn:scriptTask id="got_ping" name="Got ping">',
    "</bpmn:userTask>": "<bpmn:script>n = 1 / len(ping['greeting'])</bpmn:script></bpmn:scriptTask>"}}


def test_failure_after_message_delivery_is_an_incident_on_the_receiver(h):
    _deploy(h, "msg_sender")
    _deploy(h, "msg_receiver", replace=FAILING_RECEIVER)
    receiver = _start(h, "msg_receiver", data={"case_key": "K-1"})
    sender = _start(h, "msg_sender", data={"case_key": "K-1"})
    _complete(h, sender, "compose", {"greeting": ""})
    with time_machine.travel(T0, tick=False):
        assert h.engine.route_messages() == 1
    case = _case(h, receiver)
    assert case.status == "incident" and case.incident_element == "got_ping" and case.incident_at == T0
    with h.session() as s:
        [msg] = s.scalars(select(OutboxMessage)).all()
        assert msg.delivered_at is not None and msg.target_case_id == receiver
    assert _kinds(h, receiver) == ["start", "message", "incident"]
    with h.session() as s, s.begin():
        h.engine.fix_data(s, receiver, "ping", {"greeting": "hello", "case_key": "K-1"}, actor="admin")
    assert _retry(h, receiver) is None
    assert _case(h, receiver).status == "completed"


def test_message_to_a_stopped_case_waits_for_the_retry(h):
    """A message for a case stopped by an incident is neither delivered nor counted as a failed attempt."""
    _deploy(h, "msg_sender", "msg_receiver")
    receiver = _start(h, "msg_receiver", data={"case_key": "K-2"})
    sender = _start(h, "msg_sender", data={"case_key": "K-2"})
    _complete(h, sender, "compose", {"greeting": "hello"})
    with h.session() as s, s.begin():
        s.get(Case, receiver).status = "incident"  # stopped, e.g. by a failure on another branch
    for _ in range(3):
        assert h.engine.route_messages() == 0
    with h.session() as s:
        [msg] = s.scalars(select(OutboxMessage)).all()
        assert (msg.delivered_at, msg.attempts) == (None, 0)
    with h.session() as s, s.begin():
        s.get(Case, receiver).status = "running"  # what a successful retry leaves
    assert h.engine.route_messages() == 1
    assert _case(h, receiver).status == "running"


def test_failed_task_stays_in_error_state_in_the_saved_workflow(h):
    _deploy(h, "service_probe")
    case_id = _start(h)
    with h.session() as s:
        instance = h.engine.load(s, case_id)
        [task] = instance.failed_tasks()
        assert task.state == TaskState.ERROR
        assert not instance.workflow.is_completed()


def test_a_failing_timer_expression_is_fixed_and_retried(h):
    """A timer expression fails while the engine updates the task (it is never in ERROR): the fix and the
    retry must still reach it, and the case must not come back as running with nothing to move it."""
    _deploy(h, "timer_wait", replace={"timer_wait": {'wait_for = "PT1H"': 'ready_to_wait = True'}})
    with time_machine.travel(T0, tick=False) as traveller:
        case_id = _start(h, "timer_wait")
        case = _case(h, case_id)
        assert case.status == "incident" and case.incident_element == "wait" and "wait_for" in case.error
        assert _retry(h, case_id) is not None  # still failing: still an incident, not a silent "running"
        assert _case(h, case_id).status == "incident"
        with h.session() as s, s.begin():
            h.engine.fix_data(s, case_id, "wait_for", "PT1H", actor="admin")
        assert _retry(h, case_id) is None
        assert _case(h, case_id).status == "running"
        with h.session() as s:
            assert [t.spec_name for t in s.scalars(select(WaitingTimer).where(WaitingTimer.case_id == case_id))] \
                == ["Wait"]
        traveller.move_to(T0 + timedelta(hours=2))
        assert h.engine.fire_due_timers() == 1
        assert list(_ready(h, case_id)) == ["after_wait"]
