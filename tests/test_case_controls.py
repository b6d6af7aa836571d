"""Case controls in the engine (SQLite and PostgreSQL): a suspended case's timers and messages wait and catch
up on resume, its tasks cannot be completed; a terminated case leaves the projections."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine import CaseHeld, StaleCase, controls
from engine.models import AuditEvent, Case, MessageSubscription, OutboxMessage, ReadyTask, WaitingTimer
from engine_support import Harness, deploy

T0 = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def h(db_url):
    harness = Harness(db_url)
    yield harness
    harness.dispose()


def _start(h, process_id, data=None):
    with h.session() as s, s.begin():
        return h.engine.start(s, process_id, actor="starter", data=data).id


def _do(h, fn, case_id, **kw):
    with h.session() as s, s.begin():
        row = fn(h.engine, s, case_id, actor="sekretariat", reason=kw.pop("reason", "afventer afklaring"), **kw)
        return row.status


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


def test_a_suspended_case_timer_waits_and_fires_on_resume(h):
    with h.session() as s, s.begin():
        deploy(h.engine, s, "timer_wait")
    with time_machine.travel(T0, tick=False) as traveller:
        case_id = _start(h, "timer_wait")
        other = _start(h, "timer_wait")
        assert _do(h, controls.suspend, case_id) == "suspended"
        row = _case(h, case_id)
        assert (row.control_reason, row.control_by) == ("afventer afklaring", "sekretariat")
        traveller.move_to(T0 + timedelta(hours=2))
        assert h.engine.fire_due_timers() == 1  # only the running case
        assert _ready(h, case_id) == {} and list(_ready(h, other)) == ["after_wait"]
        assert h.count(WaitingTimer, WaitingTimer.case_id == case_id) == 1  # still projected, waiting
        assert _do(h, controls.resume, case_id, reason="afklaret") == "running"
        assert h.engine.fire_due_timers() == 1  # the timer that fell due meanwhile catches up
        assert list(_ready(h, case_id)) == ["after_wait"]
    assert _kinds(h, case_id) == ["start", "case.suspend", "case.resume", "timer"]


def test_a_suspended_case_tasks_cannot_be_completed(h):
    with h.session() as s, s.begin():
        deploy(h.engine, s, "msg_sender")
    case_id = _start(h, "msg_sender", data={"case_key": "K-1"})
    task_id = _ready(h, case_id)["compose"]
    _do(h, controls.suspend, case_id)
    with pytest.raises(CaseHeld), h.session() as s, s.begin():
        h.engine.complete_task(s, case_id, task_id, {"greeting": "hej"}, actor="worker")
    assert _case(h, case_id).status == "suspended"
    _do(h, controls.resume, case_id)
    with h.session() as s, s.begin():
        h.engine.complete_task(s, case_id, task_id, {"greeting": "hej"}, actor="worker")
    assert _case(h, case_id).status == "completed"


def test_a_message_for_a_suspended_case_waits_in_the_outbox(h):
    with h.session() as s, s.begin():
        deploy(h.engine, s, "msg_sender", "msg_receiver")
    receiver = _start(h, "msg_receiver", data={"case_key": "A-1"})
    sender = _start(h, "msg_sender", data={"case_key": "A-1"})
    _do(h, controls.suspend, receiver)
    with h.session() as s, s.begin():
        h.engine.complete_task(s, sender, _ready(h, sender)["compose"], {"greeting": "hej"}, actor="sender")
    for _ in range(3):
        assert h.engine.route_messages() == 0
    with h.session() as s:
        [msg] = s.scalars(select(OutboxMessage)).all()
        assert msg.delivered_at is None and msg.attempts == 0  # waiting, not counted as undeliverable
    _do(h, controls.resume, receiver)
    assert h.engine.route_messages() == 1
    assert list(_ready(h, receiver)) == ["got_ping"]


def test_terminate_removes_tasks_timers_and_subscriptions(h):
    with h.session() as s, s.begin():
        deploy(h.engine, s, "timer_wait", "msg_receiver", "msg_sender")
    with time_machine.travel(T0, tick=False) as traveller:
        timed = _start(h, "timer_wait")
        waiting = _start(h, "msg_receiver", data={"case_key": "B-1"})
        tasked = _start(h, "msg_sender", data={"case_key": "B-1"})
        _do(h, controls.suspend, tasked)
        for case_id in (timed, waiting, tasked):
            assert _do(h, controls.terminate, case_id, reason="opgivet") == "terminated"
        assert h.count(WaitingTimer) == 0 and h.count(MessageSubscription) == 0 and h.count(ReadyTask) == 0
        from engine.analytics import ElementWait

        assert h.count(ElementWait) == 0  # the heatmap no longer counts them as waiting
        traveller.move_to(T0 + timedelta(hours=2))
        assert h.engine.fire_due_timers() == 0
    assert _case(h, timed).status == "terminated" and _case(h, timed).control_reason == "opgivet"
    assert _kinds(h, tasked) == ["start", "case.suspend", "case.terminate"]
    with pytest.raises(CaseHeld):
        _do(h, controls.resume, timed)
    with pytest.raises(CaseHeld):
        _do(h, controls.terminate, timed)


def test_a_control_from_a_stale_page_is_refused(h):
    with h.session() as s, s.begin():
        deploy(h.engine, s, "timer_wait")
    case_id = _start(h, "timer_wait")
    version = _case(h, case_id).version
    _do(h, controls.suspend, case_id)
    with pytest.raises(StaleCase):
        _do(h, controls.resume, case_id, expected_version=version)
    assert _case(h, case_id).status == "suspended"


class _Secretary:
    username = "sekretariat"

    @staticmethod
    def has_role(*roles):
        return "secretariat" in roles or "admin" in roles


def test_bulk_migration_reports_each_case_and_goes_on_after_a_failure(h):
    from engine_support import bpmn_bytes
    from workflows.case_controls import CaseControls

    def deploy_file(name):
        with h.session() as s, s.begin():
            [pv] = h.engine.deploy(s, {"review.bpmn": bpmn_bytes(name)}, "tester")
            return pv.id

    deploy_file("review_v1")
    held = _start(h, "review_flow")
    movable = _start(h, "review_flow")
    _do(h, controls.suspend, held)
    v2 = deploy_file("review_v2")
    already = _start(h, "review_flow")  # started on v2
    controls_ = CaseControls(h.engine)
    raw = {"action": "migrate", "target_version": str(v2), "reason": "ny version", "case_ids": [held, already, movable]}
    with h.session() as s:
        plan = controls_.preview(s, _Secretary(), raw)
        s.rollback()
    assert [(c.case_id, c.ok) for c in plan.cases] == [(held, False), (already, False), (movable, True)]
    assert _case(h, movable).process_version_id != v2  # the preview changed nothing
    with h.session() as s, s.begin():
        result = controls_.run(s, _Secretary(), raw, {})
    assert [(c.case_id, c.ok) for c in result.cases] == [(held, False), (already, False), (movable, True)]
    assert _case(h, movable).process_version_id == v2 and _case(h, held).status == "suspended"
    assert "case.bulk" in _kinds(h, movable) and "migrate" in _kinds(h, movable)
