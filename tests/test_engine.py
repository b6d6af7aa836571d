"""The generic case engine on SQLite and PostgreSQL: versions, state, projections, locking,
timers, messages, call activities, the audit chain and documents."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select, text
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.audit_people import subject_of
from engine import (
    Conflict,
    DocumentRejected,
    DocumentStore,
    InvalidBpmn,
    NotFound,
    StaleCase,
    TaskNotReady,
    UploadPolicy,
)
from engine.documents import safe_filename
from engine.models import (
    AuditEvent,
    Blob,
    Case,
    CompletedTask,
    Document,
    DocumentVersion,
    MessageSubscription,
    OutboxMessage,
    ProcessVersion,
    ReadyTask,
    WaitingTimer,
)
from engine_support import Harness, deploy

T0 = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)

FORM_KEY = '<spiffworkflow:property name="formKey" value="test.simple" />'
WITH_DUE_IN = FORM_KEY + '\n          <spiffworkflow:property name="dueIn" value="P14D" />'


@pytest.fixture
def h(db_url):
    harness = Harness(db_url)
    yield harness
    harness.dispose()


def _deploy(h, *names, replace=None):
    with h.session() as s, s.begin():
        return [pv.id for pv in deploy(h.engine, s, *names, replace=replace)]


def _start(h, process_id, data=None, title="", scope=None):
    with h.session() as s, s.begin():
        instance = h.engine.start(s, process_id, actor="starter", title=title, scope=scope, data=data)
        return instance.id


def _ready(h, case_id):
    """{spec name: ReadyTask} of a case."""
    with h.session() as s:
        return {r.spec_name: r for r in s.scalars(select(ReadyTask).where(ReadyTask.case_id == case_id))}


def _timers(h, case_id):
    with h.session() as s:
        return sorted((t.spec_name, t.due_at) for t in
                      s.scalars(select(WaitingTimer).where(WaitingTimer.case_id == case_id)))


def _complete(h, case_id, spec_name, data=None, actor="worker"):
    task_id = _ready(h, case_id)[spec_name].id
    with h.session() as s, s.begin():
        return h.engine.complete_task(s, case_id, task_id, data or {}, actor=actor).version


def _case(h, case_id) -> Case:
    with h.session() as s:
        return s.get(Case, case_id)


def _audit(h, case_id):
    with h.session() as s:
        return [(e.kind, e.summary, e.detail) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq))]


# ================================================================= deployment and versions

def test_deploy_stores_each_process_once_per_content_hash(h):
    before = h.count(ProcessVersion)
    created = _deploy(h, "call_parent", "call_child", "timer_wait")
    assert len(created) == 3
    assert h.count(ProcessVersion) == before + 3
    deploys = h.count(AuditEvent, AuditEvent.kind == "deploy")

    assert _deploy(h, "call_parent", "call_child", "timer_wait") == []
    assert h.count(ProcessVersion) == before + 3
    assert h.count(AuditEvent, AuditEvent.kind == "deploy") == deploys

    with h.session() as s:
        pv = h.engine.latest_version(s, "call_parent")
        assert pv.id in created
        assert set(pv.source) == {"call_parent.bpmn", "call_child.bpmn"}
        assert len(pv.content_hash) == 64


def test_deploy_rejects_an_unresolved_call_activity(h):
    before = h.count(ProcessVersion)
    with pytest.raises(InvalidBpmn) as info:
        _deploy(h, "call_parent")
    assert info.value.problems
    assert h.count(ProcessVersion) == before


def test_changed_file_makes_a_new_version_and_running_cases_keep_theirs(h):
    [v1] = _deploy(h, "call_child")
    old_case = _start(h, "call_child")
    renamed = {"call_child": {'name="Child task"': 'name="Child task, revised"'}}
    [v2] = _deploy(h, "call_child", replace=renamed)
    assert v2 != v1
    assert _deploy(h, "call_child", replace=renamed) == []
    new_case = _start(h, "call_child")

    assert _case(h, old_case).process_version_id == v1
    assert _case(h, new_case).process_version_id == v2
    assert _ready(h, old_case)["child_task"].title == "Child task"
    assert _ready(h, new_case)["child_task"].title == "Child task, revised"

    # A fresh engine (no spec cache) still runs the old case on its own version.
    other = Harness(h.url, create=False)
    try:
        with other.session() as s:
            assert other.engine.load(s, old_case).ready_human_tasks[0].task_spec.bpmn_name == "Child task"
    finally:
        other.dispose()

    for case_id in (old_case, new_case):
        _complete(h, case_id, "child_task")
        assert _case(h, case_id).status == "completed"
        assert _ready(h, case_id) == {}


def test_redeploying_an_earlier_file_makes_it_current_again(h):
    """Regression: deploying v1, v2, then v1 again used to leave v2 current (the hash of v1
    already existed, so nothing was created and latest_version() took the highest id)."""
    [v1] = _deploy(h, "call_child")
    [v2] = _deploy(h, "call_child", replace={"call_child": {'name="Child task"': 'name="Child v2"'}})
    on_v2 = _start(h, "call_child")
    versions = h.count(ProcessVersion)
    _deploy(h, "call_child")  # back to the original file
    assert h.count(ProcessVersion) == versions  # still stored once per content hash
    with h.session() as s:
        assert h.engine.latest_version(s, "call_child").id == v1
    case_id = _start(h, "call_child")
    assert _case(h, case_id).process_version_id == v1
    assert _ready(h, case_id)["child_task"].title == "Child task"
    assert _case(h, on_v2).process_version_id == v2  # running cases keep theirs
    assert _deploy(h, "call_child") == []  # deploying the current file again changes nothing
    with h.session() as s:
        assert h.engine.latest_version(s, "call_child").id == v1


def test_rolled_back_deployment_does_not_poison_the_spec_cache(sqlite_url):
    """Regression (SQLite): the engine cached specs by ProcessVersion.id. A rolled-back
    deployment's id is handed out again by SQLite (INTEGER PRIMARY KEY reuses max(id)+1), so the
    next version's cases ran the rolled-back spec."""
    h = Harness(sqlite_url)
    try:
        with h.session() as s:
            with s.begin():
                deploy(h.engine, s, "call_child",
                       replace={"call_child": {'name="Child task"': 'name="Rolled back"'}})
                h.engine.start(s, "call_child", actor="trial")
                s.rollback()
        _deploy(h, "call_child")
        case_id = _start(h, "call_child")
        assert _ready(h, case_id)["child_task"].title == "Child task"
    finally:
        h.dispose()


# ================================================================= stored state

def test_stored_state_has_no_spec_and_is_small(h):
    _deploy(h, "call_parent", "call_child")
    case_id = _start(h, "call_parent")
    with h.session() as s:
        instance = h.engine.load(s, case_id)
        state = instance.row.state
        spec_json = instance.row.process_version.spec_json
        full = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).serialize_json(
            instance.workflow)
    stored = json.loads(state)
    assert "spec" not in stored and "subprocess_specs" not in stored
    full_dict = json.loads(full)
    assert "spec" in full_dict and "subprocess_specs" in full_dict
    # the spec is stored once per process version instead: none of it is in the state
    assert '"bpmn_name"' in spec_json and '"bpmn_name"' in full
    assert '"bpmn_name"' not in state and "Call child" not in state
    # for these small fixtures the spec is about half of a full serialization
    assert len(state) * 2 < len(full), (len(state), len(full))
    # and the state round-trips to the same ready task
    with h.session() as s:
        assert [t.task_spec.name for t in h.engine.load(s, case_id).ready_human_tasks] == ["child_task"]


# ================================================================= projections

def test_projections_after_start_and_completion(h):
    _deploy(h, "boundary_timer", replace={"boundary_timer": {FORM_KEY: WITH_DUE_IN}})
    with time_machine.travel(T0, tick=False):
        case_id = _start(h, "boundary_timer", title="Case one", scope="group:7")

    [work] = _ready(h, case_id).values()
    assert (work.spec_name, work.title, work.lane, work.form_key) == ("work", "Work", "Team", "test.simple")
    assert (work.scope, work.case_title, work.process_id) == ("group:7", "Case one", "boundary_timer")
    assert work.ready_since == T0
    assert work.due_at == T0 + timedelta(days=14)
    assert _timers(h, case_id) == [("Deadline (7 days)", T0 + timedelta(days=7)),
                                   ("Remind (1 day)", T0 + timedelta(days=1))]
    with h.session() as s:
        assert [t.id for t in h.engine.tasks_for(s, [("Team", "group:7")])] == [work.id]
        assert h.engine.tasks_for(s, [("Team", "group:8")]) == []
        assert h.engine.next_timer_due(s) == T0 + timedelta(days=1)

    version = _case(h, case_id).version
    # Completion inside a transaction that is rolled back: nothing changes.
    with h.session() as s:
        with s.begin():
            h.engine.complete_task(s, case_id, work.id, {"answer": 42}, actor="worker")
            # within the same transaction the projection already shows the new state
            assert s.scalars(select(ReadyTask).where(ReadyTask.case_id == case_id)).all() == []
            assert s.scalars(select(WaitingTimer).where(WaitingTimer.case_id == case_id)).all() == []
            assert s.get(CompletedTask, work.id) is not None
            s.rollback()
    assert list(_ready(h, case_id)) == ["work"] and _ready(h, case_id)["work"].id == work.id
    assert len(_timers(h, case_id)) == 2
    assert _case(h, case_id).version == version
    assert h.count(CompletedTask, CompletedTask.case_id == case_id) == 0
    assert [k for k, *_ in _audit(h, case_id)] == ["start"]

    # ... and committed, it does.
    _complete(h, case_id, "work", {"answer": 42})
    assert _ready(h, case_id) == {}
    assert _timers(h, case_id) == []
    row = _case(h, case_id)
    assert row.status == "completed" and row.version > version
    assert h.count(CompletedTask, CompletedTask.case_id == case_id) == 1


def test_due_variable_overrides_due_in(h):
    due = '<spiffworkflow:property name="dueVariable" value="deadline" />'
    _deploy(h, "call_child", replace={"call_child": {FORM_KEY: FORM_KEY + due}})
    case_id = _start(h, "call_child", data={"deadline": "2032-05-01T12:00:00+00:00"})
    assert _ready(h, case_id)["child_task"].due_at == datetime(2032, 5, 1, 12, tzinfo=timezone.utc)


# ================================================================= optimistic locking

def test_stale_expected_version_changes_nothing(h):
    _deploy(h, "call_child")
    case_id = _start(h, "call_child")
    [task] = _ready(h, case_id).values()
    version = _case(h, case_id).version
    events = h.count(AuditEvent)
    with h.session() as s, s.begin():  # committed on purpose: the engine must not have written
        with pytest.raises(StaleCase):
            h.engine.complete_task(s, case_id, task.id, {"x": 1}, actor="late", expected_version=version - 1)
    assert _case(h, case_id).version == version
    assert _case(h, case_id).status == "running"
    assert list(_ready(h, case_id)) == ["child_task"]
    assert h.count(CompletedTask) == 0
    assert h.count(AuditEvent) == events
    # the right version works
    with h.session() as s, s.begin():
        h.engine.complete_task(s, case_id, task.id, {"x": 1}, actor="on-time", expected_version=version)
    assert _case(h, case_id).status == "completed"


def test_completing_a_done_task_is_a_conflict(h):
    _deploy(h, "call_child")
    case_id = _start(h, "call_child")
    [task] = _ready(h, case_id).values()
    _complete(h, case_id, "child_task")
    with h.session() as s, s.begin():
        with pytest.raises(TaskNotReady):
            h.engine.complete_task(s, case_id, task.id, {}, actor="again")


def _complete_in_threads(h, case_id, task_id, names, rendezvous_timeout):
    """Complete one task from several threads, each in its own session.

    A barrier starts them together; `may_complete` then holds each thread (after it has
    loaded the case and found the task ready) until all have, or until the timeout, so on
    PostgreSQL every thread works from the same loaded version. On SQLite BEGIN IMMEDIATE
    makes the second reader wait for the first writer, so the rendezvous just times out.
    """
    start = threading.Barrier(len(names))
    loaded = threading.Condition()
    seen: list[str] = []
    results: dict[str, object] = {}

    def hold(name):
        def may_complete(task):
            with loaded:
                seen.append(name)
                loaded.notify_all()
                loaded.wait_for(lambda: len(seen) == len(names), timeout=rendezvous_timeout)
            return True
        return may_complete

    def worker(name):
        try:
            with h.session() as s:
                start.wait(timeout=10)
                with s.begin():
                    h.engine.complete_task(s, case_id, task_id, {"greeting": name}, actor=name,
                                           may_complete=hold(name))
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - inspected by the caller
            results[name] = exc

    threads = [threading.Thread(target=worker, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results, seen


def test_concurrent_completion_exactly_one_wins(h):
    """Regression (PostgreSQL): the loser used to fail with IntegrityError on the completed_task
    primary key (inserted before the versioned UPDATE of case), and a StaleDataError surfaced as
    InvalidRequestError (save() read the expired row.id after the failed flush)."""
    postgres = h.db.dialect.name == "postgresql"
    _deploy(h, "msg_sender")
    case_id = _start(h, "msg_sender", data={"case_key": "K-1"})
    [task] = _ready(h, case_id).values()
    version = _case(h, case_id).version

    results, seen = _complete_in_threads(h, case_id, task.id, ["alice", "bob"],
                                         rendezvous_timeout=5.0 if postgres else 0.3)
    if postgres:
        assert len(seen) == 2  # both really raced from the same version
    winners = [n for n, r in results.items() if r == "ok"]
    losers = [r for r in results.values() if r != "ok"]
    assert len(winners) == 1, results
    assert len(losers) == 1 and isinstance(losers[0], Conflict), results
    assert isinstance(losers[0], (StaleCase, TaskNotReady))

    row = _case(h, case_id)
    assert row.status == "completed"
    assert row.version == version + 1
    with h.session() as s:
        done = s.scalars(select(CompletedTask).where(CompletedTask.case_id == case_id)).all()
        assert [(c.id, c.completed_by) for c in done] == [(task.id, winners[0])]
        completes = [e for e in s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id))
                     if e.kind == "complete"]
        assert len(completes) == 1 and subject_of(s, completes[0].actor) == winners[0]
        assert completes[0].detail["task_id"] == task.id
        [message] = s.scalars(select(OutboxMessage).where(OutboxMessage.source_case_id == case_id)).all()
        assert json.loads(message.payload)["payload"]["greeting"] == winners[0]
        assert h.audit.verify(s) is None
    assert _ready(h, case_id) == {}


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_write_after_a_concurrent_change_is_stale(h):
    """PostgreSQL only (SQLite serializes writers with BEGIN IMMEDIATE, so this cannot happen
    there): a timer fires on the case between a completion's load and its write."""
    _deploy(h, "boundary_timer")
    with time_machine.travel(T0, tick=False) as traveller:
        case_id = _start(h, "boundary_timer")
        work = _ready(h, case_id)["work"]
        traveller.move_to(T0 + timedelta(days=1, minutes=1))
        fired = []

        def fire_meanwhile(task):
            fired.append(h.engine.fire_due_timers())  # its own session, commits
            return True

        with h.session() as s:
            with pytest.raises(StaleCase):
                with s.begin():
                    h.engine.complete_task(s, case_id, work.id, {}, actor="slow", may_complete=fire_meanwhile)
    assert fired == [1]
    assert [k for k, *_ in _audit(h, case_id)] == ["start", "timer"]
    assert list(_ready(h, case_id)) == ["work"]
    assert h.count(CompletedTask, CompletedTask.case_id == case_id) == 0
    assert _case(h, case_id).status == "running"
    # a retry from fresh state works
    _complete(h, case_id, "work")
    assert _case(h, case_id).status == "completed"


# ================================================================= timers

def test_fire_due_timers_advances_only_due_cases(h):
    _deploy(h, "timer_wait")
    with time_machine.travel(T0, tick=False) as traveller:
        early = [_start(h, "timer_wait") for _ in range(3)]  # due T0 + 1h
        traveller.move_to(T0 + timedelta(hours=2))
        late = [_start(h, "timer_wait") for _ in range(2)]  # due T0 + 3h
        for c in early:
            assert _timers(h, c) == [("Wait", T0 + timedelta(hours=1))]
            assert _ready(h, c) == {}
        for c in late:
            assert _timers(h, c) == [("Wait", T0 + timedelta(hours=3))]

        traveller.move_to(T0 + timedelta(hours=1, minutes=1))
        # the early cases were not fired while the clock was at T0 + 2h
        assert h.engine.fire_due_timers() == 3
        for c in early:
            assert _timers(h, c) == []
            assert list(_ready(h, c)) == ["after_wait"]
            assert [k for k, *_ in _audit(h, c)] == ["start", "timer"]
        for c in late:
            assert len(_timers(h, c)) == 1 and _ready(h, c) == {}
        assert h.engine.fire_due_timers() == 0  # nothing due any more

        traveller.move_to(T0 + timedelta(hours=3, seconds=1))
        assert h.engine.fire_due_timers() == 2
        assert all(list(_ready(h, c)) == ["after_wait"] for c in late)
        assert h.count(WaitingTimer) == 0
        assert h.engine.fire_due_timers() == 0

    _complete(h, early[0], "after_wait")
    assert _case(h, early[0]).status == "completed"


def test_sweep_with_nothing_due_returns_zero(h):
    _deploy(h, "timer_wait")
    with time_machine.travel(T0, tick=False):
        case_id = _start(h, "timer_wait")
        version = _case(h, case_id).version
        assert h.engine.fire_due_timers() == 0
        assert h.engine.fire_due_timers(now=T0 + timedelta(minutes=59)) == 0
    assert _case(h, case_id).version == version
    assert len(_timers(h, case_id)) == 1


def test_boundary_timers_remind_then_deadline(h):
    _deploy(h, "boundary_timer")
    with time_machine.travel(T0, tick=False) as traveller:
        case_id = _start(h, "boundary_timer")
        work_id = _ready(h, case_id)["work"].id

        traveller.move_to(T0 + timedelta(days=1, minutes=1))
        assert h.engine.fire_due_timers() == 1
        # non-interrupting: the reminder ran and the work task is still ready (the same task)
        assert list(_ready(h, case_id)) == ["work"] and _ready(h, case_id)["work"].id == work_id
        names = [n for n, _ in _timers(h, case_id)]
        assert "Deadline (7 days)" in names
        with h.session() as s:
            instance = h.engine.load(s, case_id)
            assert any(t.task_spec.name == "count_reminder" and t.data.get("reminded") is True
                       for t in instance.workflow.get_tasks())
        assert _case(h, case_id).status == "running"
        assert h.engine.fire_due_timers() == 0

        traveller.move_to(T0 + timedelta(days=7, minutes=1))
        assert h.engine.fire_due_timers() == 1
        assert _ready(h, case_id) == {}
        assert _timers(h, case_id) == []
        assert _case(h, case_id).status == "completed"
        with h.session() as s:
            instance = h.engine.load(s, case_id)
            assert instance.completed
            assert not instance.workflow.get_tasks(state=TaskState.COMPLETED, spec_name="done")
            assert instance.workflow.get_tasks(state=TaskState.COMPLETED, spec_name="expired")
    with h.session() as s, s.begin():
        with pytest.raises(TaskNotReady):
            h.engine.complete_task(s, case_id, work_id, {}, actor="too late")


def test_failing_timer_case_becomes_an_incident_and_others_fire(h, caplog):
    bad = {"boundary_timer": {'<bpmn:process id="boundary_timer"': '<bpmn:process id="boundary_bad"',
                              'processRef="boundary_timer"': 'processRef="boundary_bad"',
                              "<bpmn:script>reminded = True</bpmn:script>":
                                  "<bpmn:script>reminded = 1 / divisor</bpmn:script>"}}
    _deploy(h, "boundary_timer", replace=bad)
    _deploy(h, "timer_wait")
    with time_machine.travel(T0, tick=False) as traveller:
        broken = _start(h, "boundary_bad", data={"divisor": 0})  # reminder due T0 + 1 day, first in line
        traveller.move_to(T0 + timedelta(days=1) - timedelta(minutes=30))
        good = [_start(h, "timer_wait") for _ in range(2)]  # due T0 + 1 day + 30 min
        deadline = [t for t in _timers(h, broken) if t[0].startswith("Deadline")]

        swept_at = T0 + timedelta(days=1, hours=1)
        traveller.move_to(swept_at)
        assert h.engine.fire_due_timers() == 2
        for c in good:
            assert list(_ready(h, c)) == ["after_wait"] and _timers(h, c) == []
        # the broken case is saved as it failed: the reminder fired, its script task is in ERROR,
        # the case is an incident with the element, its name, the task and the time
        case = _case(h, broken)
        assert case.status == "incident" and "ZeroDivisionError" in case.error
        assert (case.incident_element, case.incident_element_name) == ("count_reminder", "Count reminder")
        assert case.incident_at == swept_at
        with h.session() as s:
            failed = h.engine.load(s, broken).failed_tasks()
            assert [str(t.id) for t in failed] == [case.incident_task_id]
            assert failed[0].state == TaskState.ERROR
        assert _timers(h, broken) == deadline
        assert list(_ready(h, broken)) == ["work"]
        assert [k for k, *_ in _audit(h, broken)] == ["start", "timer", "incident"]
        assert "incident on case" in caplog.text
        # an incident is not swept again until an operator acts
        version = _case(h, broken).version
        traveller.move_to(T0 + timedelta(days=8))
        assert h.engine.fire_due_timers() == 0
        assert _case(h, broken).version == version
        assert [k for k, *_ in _audit(h, broken)] == ["start", "timer", "incident"]
    with h.session() as s:
        assert h.audit.verify(s) is None


TIMED_SENDER = {"msg_sender": {
    'processRef="msg_sender"': 'processRef="timed_sender"',
    '<bpmn:process id="msg_sender" name="Message sender"': '<bpmn:process id="timed_sender" name="Timed sender"',
    '<bpmn:userTask id="compose" name="Compose">': '<bpmn:intermediateCatchEvent id="compose" name="Wait an hour">',
    "</bpmn:userTask>": '<bpmn:timerEventDefinition id="compose_timer"><bpmn:timeDuration '
                        'xsi:type="bpmn:tFormalExpression">"PT1H"</bpmn:timeDuration>'
                        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
}}


def test_message_thrown_after_a_timer_reaches_the_outbox(h):
    """A message thrown in the steps after a timer fires is written by the timer sweep's save."""
    _deploy(h, "msg_receiver")
    _deploy(h, "msg_sender", replace=TIMED_SENDER)
    with time_machine.travel(T0, tick=False) as traveller:
        receiver = _start(h, "msg_receiver", data={"case_key": "T-1"})
        sender = _start(h, "timed_sender", data={"case_key": "T-1", "greeting": "on time"})
        assert _timers(h, sender) == [("Wait an hour", T0 + timedelta(hours=1))]
        traveller.move_to(T0 + timedelta(hours=1, seconds=1))
        assert h.engine.fire_due_timers() == 1
    assert _case(h, sender).status == "completed"
    with h.session() as s:
        [msg] = s.scalars(select(OutboxMessage)).all()
        assert msg.source_case_id == sender and msg.delivered_at is None
    assert h.engine.route_messages() == 1
    assert list(_ready(h, receiver)) == ["got_ping"]
    with h.session() as s:
        assert h.engine.load(s, receiver).data["ping"]["greeting"] == "on time"


# ================================================================= messages

def test_message_routed_by_correlation(h):
    _deploy(h, "msg_sender", "msg_receiver")
    rx_a = _start(h, "msg_receiver", data={"case_key": "A-1"})
    rx_b = _start(h, "msg_receiver", data={"case_key": "B-2"})
    sender = _start(h, "msg_sender", data={"case_key": "A-1"})
    with h.session() as s:
        subs = {(m.case_id, m.message_name) for m in s.scalars(select(MessageSubscription))}
        assert {(rx_a, "ping"), (rx_b, "ping")} <= subs
    assert h.count(OutboxMessage) == 0

    compose = _ready(h, sender)["compose"].id
    # the outbox row is written in the completing transaction: rolled back, it is gone too
    with h.session() as s:
        with s.begin():
            h.engine.complete_task(s, sender, compose, {"greeting": "hello"}, actor="sender")
            assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1
            s.rollback()
    assert h.count(OutboxMessage) == 0
    _complete(h, sender, "compose", {"greeting": "hello"})
    with h.session() as s:
        [msg] = s.scalars(select(OutboxMessage)).all()
        assert (msg.source_case_id, msg.message_name, msg.delivered_at) == (sender, "ping", None)
        assert json.loads(msg.correlation) == {"ping_key": {"case_key": "A-1"}}

    assert h.engine.route_messages() == 1
    got = _ready(h, rx_a)
    assert list(got) == ["got_ping"]
    with h.session() as s:
        assert h.engine.load(s, rx_a).data["ping"] == {"greeting": "hello", "case_key": "A-1"}
        [msg] = s.scalars(select(OutboxMessage)).all()
        assert msg.delivered_at is not None and msg.target_case_id == rx_a
        assert s.scalars(select(MessageSubscription).where(MessageSubscription.case_id == rx_a)).all() == []
        assert len(s.scalars(select(MessageSubscription).where(MessageSubscription.case_id == rx_b)).all()) == 1
    assert _ready(h, rx_b) == {}
    assert [k for k, *_ in _audit(h, rx_a)] == ["start", "message"]
    assert [k for k, *_ in _audit(h, rx_b)] == ["start"]

    assert h.engine.route_messages() == 0  # nothing is delivered twice
    assert [k for k, *_ in _audit(h, rx_a)] == ["start", "message"]
    _complete(h, rx_a, "got_ping")
    assert _case(h, rx_a).status == "completed"


def test_message_waits_for_a_receiver(h):
    _deploy(h, "msg_sender", "msg_receiver")
    other = _start(h, "msg_receiver", data={"case_key": "Z-9"})
    sender = _start(h, "msg_sender", data={"case_key": "C-3"})
    _complete(h, sender, "compose", {"greeting": "early"})

    assert h.engine.route_messages() == 0
    with h.session() as s:
        [msg] = s.scalars(select(OutboxMessage)).all()
        assert msg.delivered_at is None and msg.target_case_id is None and msg.attempts == 1
    assert _ready(h, other) == {}

    receiver = _start(h, "msg_receiver", data={"case_key": "C-3"})
    assert h.engine.route_messages() == 1
    assert list(_ready(h, receiver)) == ["got_ping"]
    assert _ready(h, other) == {}
    with h.session() as s:
        [msg] = s.scalars(select(OutboxMessage)).all()
        assert msg.target_case_id == receiver and msg.delivered_at is not None
        assert h.engine.load(s, receiver).data["ping"]["greeting"] == "early"
    assert h.engine.route_messages() == 0


# ================================================================= call activity

def test_call_activity_runs_child_task(h):
    _deploy(h, "call_parent", "call_child")
    case_id = _start(h, "call_parent", title="Parent")
    [child] = _ready(h, case_id).values()
    assert (child.spec_name, child.lane, child.title, child.process_id) == \
        ("child_task", "Team", "Child task", "call_parent")
    with h.session() as s:
        assert [t.id for t in h.engine.tasks_for(s, [("Team", None)])] == [child.id]

    _complete(h, case_id, "child_task", {"answer": "yes"})
    assert list(_ready(h, case_id)) == ["after_call"]
    with h.session() as s:
        assert h.engine.load(s, case_id).data["answer"] == "yes"
    _complete(h, case_id, "after_call")
    assert _ready(h, case_id) == {}
    assert _case(h, case_id).status == "completed"
    assert h.count(CompletedTask, CompletedTask.case_id == case_id) == 2


# ================================================================= audit

def _busy_history(h):
    """A case with start, complete, timer, message and document events. Returns case ids."""
    _deploy(h, "timer_wait", "msg_sender", "msg_receiver")
    with time_machine.travel(T0, tick=False) as traveller:
        timer_case = _start(h, "timer_wait")
        traveller.move_to(T0 + timedelta(hours=2))
        assert h.engine.fire_due_timers() == 1
    _complete(h, timer_case, "after_wait", {"note": "done"})
    receiver = _start(h, "msg_receiver", data={"case_key": "K"})
    sender = _start(h, "msg_sender", data={"case_key": "K"})
    _complete(h, sender, "compose", {"greeting": "hi"})
    assert h.engine.route_messages() == 1
    with h.session() as s, s.begin():
        DocumentStore(h.audit).add(s, case_id=receiver, filename="note.txt", content=b"hello", actor="clerk")
    return timer_case, receiver, sender


def test_every_action_appends_audit_events(h):
    timer_case, receiver, sender = _busy_history(h)
    assert [k for k, *_ in _audit(h, timer_case)] == ["start", "timer", "complete"]
    assert [k for k, *_ in _audit(h, receiver)] == ["start", "message", "document"]
    assert [k for k, *_ in _audit(h, sender)] == ["start", "complete"]
    with h.session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.case_id == timer_case)
                           .order_by(AuditEvent.seq)).all()
        assert [e.seq for e in events] == [1, 2, 3]
        assert events[0].prev_hash == "0" * 64
        assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:]))
        assert [subject_of(s, e.actor) for e in events] == ["starter", "timer", "worker"]
        assert h.audit.verify(s) is None


@pytest.mark.parametrize("column, value", [
    ("summary", "'nothing happened'"),
    ("actor", "'mallory'"),
    ("detail", "'{\"task\": \"forged\"}'"),
    ("kind", "'start'"),
    ("at", None),
])
def test_tampering_is_detected(h, column, value):
    timer_case, receiver, _ = _busy_history(h)
    with h.session() as s:
        target = s.scalars(select(AuditEvent).where(AuditEvent.case_id == timer_case)
                           .order_by(AuditEvent.seq)).all()[1]
        target_id, stream, seq = target.id, target.stream, target.seq
    if column == "at":
        assignment, params = "at = :at", {"at": (target.at + timedelta(seconds=1)).replace(tzinfo=None)
                                          if h.db.dialect.name == "sqlite" else target.at + timedelta(seconds=1)}
    elif column == "detail" and h.db.dialect.name == "postgresql":
        assignment, params = f"detail = CAST({value} AS JSON)", {}
    else:
        assignment, params = f"{column} = {value}", {}
    with h.db.begin() as conn:
        assert conn.execute(text(f"UPDATE audit_event SET {assignment} WHERE id = :id"),
                            {"id": target_id, **params}).rowcount == 1
    with h.session() as s:
        broken = h.audit.verify(s)
    assert broken is not None
    assert (broken.event_id, broken.stream, broken.seq) == (target_id, stream, seq)
    assert "does not match its hash" in broken.reason
    assert str(target_id) in str(broken)


def test_deleted_event_is_detected(h):
    timer_case, *_ = _busy_history(h)
    with h.session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.case_id == timer_case)
                           .order_by(AuditEvent.seq)).all()
    with h.db.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[1].id})
    with h.session() as s:
        broken = h.audit.verify(s)
    assert broken is not None
    assert (broken.event_id, broken.seq) == (events[2].id, 3)
    assert "gap" in broken.reason


def test_relinked_chain_after_deletion_is_detected(h):
    """Deleting an event and renumbering the rest still breaks the hash links."""
    timer_case, *_ = _busy_history(h)
    with h.session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.case_id == timer_case)
                           .order_by(AuditEvent.seq)).all()
    with h.db.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[1].id})
        conn.execute(text("UPDATE audit_event SET seq = 2 WHERE id = :id"), {"id": events[2].id})
    with h.session() as s:
        broken = h.audit.verify(s)
    assert broken is not None and broken.event_id == events[2].id
    assert "link" in broken.reason


def test_truncated_chain_is_detected(h):
    timer_case, *_ = _busy_history(h)
    with h.session() as s:
        last = s.scalars(select(AuditEvent).where(AuditEvent.case_id == timer_case)
                         .order_by(AuditEvent.seq.desc())).first()
        assert last.kind == "complete"
    with h.db.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": last.id})
    with h.session() as s:
        assert h.audit.verify(s) is not None


# ================================================================= documents

@pytest.fixture
def docs(h):
    _deploy(h, "call_child")
    case_id = _start(h, "call_child")
    return DocumentStore(h.audit, UploadPolicy(max_bytes=1000)), case_id


def test_documents_share_blobs_and_version(h, docs):
    store, case_id = docs
    blobs = h.count(Blob)
    with h.session() as s, s.begin():
        a1 = store.add(s, case_id=case_id, filename="plan.pdf", content=b"%PDF same bytes", actor="a")
        b1 = store.add(s, case_id=case_id, filename="copy.pdf", content=b"%PDF same bytes", actor="b",
                       title="A copy")
        a2 = store.add(s, case_id=case_id, filename="plan-v2.pdf", content=b"%PDF changed", actor="a",
                       document_id=a1.document_id)
        a3 = store.add(s, case_id=case_id, filename="plan.pdf", content=b"%PDF same bytes", actor="a",
                       document_id=a1.document_id)
        ids = (a1.document_id, b1.document_id)
    assert ids[0] != ids[1]
    assert (a1.number, a2.number, a3.number, b1.number) == (1, 2, 3, 1)
    assert a1.sha256 == b1.sha256 == a3.sha256 != a2.sha256
    assert h.count(Blob) == blobs + 2
    assert h.count(Document, Document.case_id == case_id) == 2
    assert h.count(DocumentVersion) == 4
    with h.session() as s:
        doc, version, content = store.get_version(s, ids[0])
        assert (version.number, content, version.content_type) == (3, b"%PDF same bytes", "application/pdf")
        assert store.get_version(s, ids[0], 2)[2] == b"%PDF changed"
        assert store.get_version(s, ids[1])[0].title == "A copy"
        with pytest.raises(NotFound):
            store.get_version(s, ids[0], 9)
    assert [k for k, *_ in _audit(h, case_id)] == ["start"] + ["document"] * 4
    with h.session() as s, s.begin():
        with pytest.raises(NotFound):  # a document of another case
            store.add(s, case_id=None, filename="x.pdf", content=b"%PDF-x", actor="a", document_id=ids[0])


def _rejected(h, store, case_id, filename, content):
    counts = (h.count(Blob), h.count(Document), h.count(AuditEvent))
    with h.session() as s, s.begin():
        with pytest.raises(DocumentRejected) as info:
            store.add(s, case_id=case_id, filename=filename, content=content, actor="a")
    assert (h.count(Blob), h.count(Document), h.count(AuditEvent)) == counts
    return info.value


def test_oversized_document_rejected(h, docs):
    store, case_id = docs
    assert _rejected(h, store, case_id, "big.pdf", b"x" * 1001).too_large is True
    with h.session() as s, s.begin():
        assert store.add(s, case_id=case_id, filename="ok.pdf", content=b"%PDF-" + b"x" * 995, actor="a").size == 1000


BAD_DOCUMENTS = [
    ("empty.pdf", b""),
    ("setup.exe", b"MZ..."),
    ("page.html", b"<script>alert(1)</script>"),
    ("image.svg", b"<svg onload='alert(1)'/>"),
    ("report.pdf.exe", b"MZ"),
    ("noextension", b"data"),
    (".txt", b"hidden"),
]


def test_bad_documents_rejected(h, docs):
    store, case_id = docs
    for filename, content in BAD_DOCUMENTS:
        assert _rejected(h, store, case_id, filename, content).too_large is False, filename


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
    ("/abs/path/Plan æøå.pdf", "Plan æøå.pdf"),
    ("..hidden.pdf", "hidden.pdf"),
    ("a\x00b<c>.pdf", "abc.pdf"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_path_traversal_name_is_stored_as_basename(h, docs):
    store, case_id = docs
    with h.session() as s, s.begin():
        version = store.add(s, case_id=case_id, filename="../../etc/passwd.txt", content=b"root:x:0:0",
                            actor="a")
        assert version.filename == "passwd.txt"
        assert version.document.title == "passwd.txt"
        assert version.content_type == "text/plain"


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_timer_sweep_and_a_completion_on_the_same_case_never_deadlock(h, monkeypatch):
    """Regression: the sweep locked waiting_timer rows, the completion the case row; each then
    wanted the other's lock and PostgreSQL aborted one with DeadlockDetected (a 500 for the user).
    The sweep now locks the case row itself, so the two simply serialize."""
    import threading

    _deploy(h, "boundary_timer")
    with time_machine.travel(T0, tick=False) as traveller:
        case_id = _start(h, "boundary_timer")
        work = _ready(h, case_id)["work"]
        traveller.move_to(T0 + timedelta(days=1, minutes=1))
        barrier = threading.Barrier(2, timeout=3)
        original_load = type(h.engine).load

        def load(self, session, cid):
            instance = original_load(self, session, cid)
            try:
                barrier.wait()  # both have read the case before either writes
            except threading.BrokenBarrierError:
                pass  # the sweep's lock made the user wait: that is the fix working
            return instance

        monkeypatch.setattr(type(h.engine), "load", load)
        results = {}

        def sweep():
            try:
                results["sweep"] = h.engine.fire_due_timers()
            except Exception as exc:  # noqa: BLE001 - the test reports any failure type
                results["sweep"] = exc

        def user():
            try:
                with h.session() as s, s.begin():
                    h.engine.complete_task(s, case_id, work.id, {}, actor="user")
                results["user"] = "ok"
            except Exception as exc:  # noqa: BLE001
                results["user"] = exc

        threads = [threading.Thread(target=sweep), threading.Thread(target=user)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
    from engine import Conflict

    assert not isinstance(results["sweep"], Exception), results
    assert results["user"] == "ok" or isinstance(results["user"], Conflict), results
    with h.session() as s:
        assert h.audit.verify(s) is None


def test_multi_instance_tasks_are_assigned_one_per_person(h):
    """The `assignee` property (an expression over the task's data) projects who alone may take a task:
    a multi-instance task over people gives each person their own instance in the inbox."""
    _deploy(h, "multi_assignee")
    case_id = _start(h, "multi_assignee", data={"people": ["anne", "bent", "carl"]})
    with h.session() as s:
        rows = list(s.scalars(select(ReadyTask).where(ReadyTask.case_id == case_id)))
        assert sorted(r.assignee for r in rows) == ["anne", "bent", "carl"]
        for person in ("anne", "bent", "carl"):
            mine = h.engine.tasks_for(s, [("Team", None)], assignee=person)
            assert [t.assignee for t in mine] == [person]
        assert h.engine.tasks_for(s, [("Team", None)], assignee="dora") == []
        by_person = {r.assignee: r.id for r in rows}
    for person in ("anne", "bent", "carl"):
        with h.session() as s, s.begin():
            h.engine.complete_task(s, case_id, by_person[person], {"answer": f"ok from {person}"}, actor=person)
    assert _case(h, case_id).status == "completed"
    with h.session() as s:
        assert h.engine.load(s, case_id).data["answers"] == ["ok from anne", "ok from bent", "ok from carl"]
