"""Process analytics in the engine (engine/analytics.py): the element-time aggregate a save keeps, the wait
projection, the median/p90 from the histogram, the "now" counts and a case's own times."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from engine import analytics
from engine.analytics import ElementTime, ElementWait
from engine.models import CompletedTask, ReadyTask
from engine_support import Harness, deploy

T0 = datetime(2031, 3, 3, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def h(db_url):
    harness = Harness(db_url)
    yield harness
    harness.dispose()


def _start(h, process_id, scope=None):
    with h.session() as s, s.begin():
        return h.engine.start(s, process_id, actor="starter", scope=scope).id


def _complete(h, case_id, spec_name):
    with h.session() as s, s.begin():
        task = s.scalar(select(ReadyTask).where(ReadyTask.case_id == case_id, ReadyTask.spec_name == spec_name))
        h.engine.complete_task(s, case_id, task.id, {}, actor="worker")


def _version(h, case_id):
    from engine.models import Case

    with h.session() as s:
        return s.get(Case, case_id).process_version_id


def test_quantiles_from_the_histogram_are_within_a_bucket():
    durations = [60 * (i + 1) for i in range(100)]  # 1 … 100 minutes
    histogram = {}
    for d in durations:
        b = analytics.bucket_of(d)
        histogram[b] = histogram.get(b, 0) + 1
    median, p90 = analytics.quantile(histogram, 0.5), analytics.quantile(histogram, 0.9)
    assert abs(median - 50.5 * 60) / (50.5 * 60) < 0.1
    assert abs(p90 - 90 * 60) / (90 * 60) < 0.1
    assert analytics.quantile({}, 0.5) is None
    assert analytics.bucket_of(0) == 0 and analytics.bucket_of(0.2) == 0


def test_a_save_adds_user_task_passes_and_the_version_shows_them(h):
    with h.session() as s, s.begin():
        deploy(h.engine, s, "review_v1")
    with time_machine.travel(T0, tick=False) as traveller:
        cases = [_start(h, "review_flow", scope="wg:1") for _ in range(3)]
        traveller.move_to(T0 + timedelta(hours=2))
        for c in cases:
            _complete(h, c, "screen")
        traveller.move_to(T0 + timedelta(hours=2, days=3))
        _complete(h, cases[0], "decide")
        now = T0 + timedelta(hours=2, days=3)
    pv = _version(h, cases[0])
    with h.session() as s:
        stats = analytics.element_stats(s, pv)
        assert stats["screen"].passed == 3 and stats["screen"].now == 0
        assert abs(stats["screen"].median - 7200) / 7200 < 0.1
        assert abs(stats["screen"].p90 - 7200) / 7200 < 0.1
        assert stats["decide"].passed == 1 and stats["decide"].now == 2
        assert abs(stats["decide"].median - 3 * 86400) / (3 * 86400) < 0.1
        # the aggregate is counts, not events: one row per (element, bucket) and roll-up here
        assert s.scalar(select(func.sum(ElementTime.n)).where(ElementTime.element == "screen")) == 3 * 4
        screen_rows = s.scalars(select(ElementTime).where(ElementTime.element == "screen"))
        assert sorted((r.scope, r.month, r.n) for r in screen_rows) == \
            [("*", "*", 3), ("*", "2031-03", 3), ("wg:1", "*", 3), ("wg:1", "2031-03", 3)]
        # filters: another working group or another period has none
        assert analytics.element_stats(s, pv, scope="wg:2").get("screen") is None
        assert analytics.element_stats(s, pv, months=("2031-04", None)).get("screen") is None
        assert analytics.element_stats(s, pv, months=("2031-03", "2031-03"))["screen"].passed == 3
        # the completed task knows when it became ready; the case's own times
        row = s.scalar(select(CompletedTask).where(CompletedTask.case_id == cases[0],
                                                   CompletedTask.spec_name == "screen"))
        assert row.ready_since == T0
        times = analytics.case_times(s, cases[1], now)
        assert times["screen"] == 7200 and times["decide"] == 3 * 86400


def test_a_timer_wait_is_projected_and_its_waiting_time_counted(h):
    with h.session() as s, s.begin():
        deploy(h.engine, s, "timer_wait")
    with time_machine.travel(T0, tick=False) as traveller:
        case_id = _start(h, "timer_wait")
        pv = _version(h, case_id)
        with h.session() as s:
            waits = list(s.scalars(select(ElementWait).where(ElementWait.case_id == case_id)))
            assert [(w.element, w.kind, w.since, w.due_at) for w in waits] == \
                [("wait", "timer", T0, T0 + timedelta(hours=1))]
            assert ("wait", "timer", 1) in analytics.now_counts(s, pv)
        traveller.move_to(T0 + timedelta(hours=1, minutes=5))
        before = _metric("byplan_timer_lag_seconds_count")
        assert h.engine.fire_due_timers() == 1
        assert _metric("byplan_timer_lag_seconds_count") == before + 1
    with h.session() as s:
        assert s.scalar(select(func.count()).select_from(ElementWait).where(ElementWait.case_id == case_id)) == 0
        stat = analytics.element_stats(s, pv)["wait"]
        assert stat.kind == "timer" and stat.passed == 1 and stat.now == 0
        assert abs(stat.median - 3900) / 3900 < 0.1
        assert analytics.element_stats(s, pv)["after_wait"].now == 1


def _metric(name: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name) or 0.0


def test_the_upsert_adds_to_an_existing_row(h):
    with h.session() as s, s.begin():
        analytics.record(s, 1, None, [analytics.Pass("a", "user", 100)] * 2, T0)
    with h.session() as s, s.begin():
        analytics.record(s, 1, None, [analytics.Pass("a", "user", 101)], T0)
    with h.session() as s:
        assert sorted((r.n, r.scope, r.month) for r in s.scalars(select(ElementTime))) == \
            [(3, "", "*"), (3, "", "2031-03"), (3, "*", "*"), (3, "*", "2031-03")]
        assert analytics.element_stats(s, 1)["a"].passed == 3
        assert analytics.element_stats(s, 1, scope="")["a"].passed == 3


def test_the_heartbeat_is_one_row_per_worker(h):
    with h.session() as s, s.begin():
        analytics.beat(s, "w1", T0)
        analytics.beat(s, "w2", T0 + timedelta(seconds=5))
    with h.session() as s, s.begin():
        analytics.beat(s, "w1", T0 + timedelta(seconds=10))
    with h.session() as s:
        assert analytics.last_heartbeat(s) == T0 + timedelta(seconds=10)
        assert s.scalar(select(func.count()).select_from(analytics.WorkerHeartbeat)) == 2


def test_metrics_add_up_over_processes_in_multiprocess_mode(tmp_path):
    """Two processes count completions into PROMETHEUS_MULTIPROC_DIR; the exposition adds them up."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = ("from engine import metrics, analytics; "
             "metrics.observe_save([analytics.Pass('a', 'user', 1.0)] * {n}, [2.0])")
    for n in (2, 3):
        subprocess.run([sys.executable, "-c", count.format(n=n)], env=env, check=True, cwd=os.getcwd())
    out = subprocess.run([sys.executable, "-c", "from engine import metrics; print(metrics.render().decode())"],
                         env=env, check=True, capture_output=True, text=True, cwd=os.getcwd()).stdout
    assert "byplan_task_completions_total 5.0" in out
    assert "byplan_timer_lag_seconds_count 2.0" in out
