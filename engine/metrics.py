"""Prometheus metrics (prometheus-client), in multiprocess mode under gunicorn.

Counters and histograms are updated where things happen (a request ends, a save completes tasks, a
timer fires). With the environment variable `PROMETHEUS_MULTIPROC_DIR` set (as it must be for gunicorn
or a separate worker process: the same directory for all of them), every process writes its values to
files there and `render()` adds them up; without it the values live in this process. The backlogs,
the incident count and the worker's heartbeat are read from the database at scrape time
(`DatabaseCollector`), so they are right whichever process asks.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUEST_SECONDS = Histogram("byplan_request_seconds", "HTTP request latency by endpoint",
                            ["endpoint", "method"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
TASK_COMPLETIONS = Counter("byplan_task_completions_total", "Human tasks completed")
TIMER_LAG = Histogram("byplan_timer_lag_seconds", "Time from a timer's due time to its firing",
                      buckets=(0.5, 1, 5, 15, 30, 60, 120, 300, 900, 3600, 14400, 86400))
WAITS_ENDED = Counter("byplan_waits_ended_total", "Timer and message waits that ended", ["kind"])


def observe_request(endpoint: str | None, method: str, seconds: float) -> None:
    REQUEST_SECONDS.labels(endpoint or "unknown", method).observe(seconds)


def observe_save(passes, timer_lags) -> None:
    """Called by a save (engine.projections) with its ended passes and the lags of the timers it fired."""
    users = sum(1 for p in passes if p.kind == "user")
    if users:
        TASK_COMPLETIONS.inc(users)
    for lag in timer_lags:
        TIMER_LAG.observe(lag)
        WAITS_ENDED.labels("timer").inc()


class DatabaseCollector:
    """Gauges read from the database when scraped: outbox backlogs, incidents, worker heartbeat age."""

    def __init__(self, read: Callable[[], dict]):
        self.read = read

    def collect(self):
        values = self.read()
        yield _gauge("byplan_message_outbox_backlog", "Thrown messages not yet delivered", values["messages"])
        yield _gauge("byplan_mail_outbox_backlog", "Mails not yet sent", values["mails"])
        yield _gauge("byplan_incidents", "Cases stopped by an error", values["incidents"])
        age = values.get("heartbeat_age")
        yield _gauge("byplan_worker_heartbeat_age_seconds",
                     "Seconds since the most recent worker heartbeat (-1: none yet)", -1 if age is None else age)


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc)
    family.add_metric([], float(value))
    return family


def render(read_database: Callable[[], dict] | None = None) -> bytes:
    """The exposition text: this process's (or, in multiprocess mode, every process's) metrics, plus
    the database gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUEST_SECONDS, TASK_COMPLETIONS, TIMER_LAG, WAITS_ENDED):
            registry.register(collector)
    if read_database is not None:
        registry.register(DatabaseCollector(read_database))
    return generate_latest(registry)


def mark_process_dead(pid: int) -> None:
    """gunicorn's `child_exit` hook: drop a finished worker's live gauges (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
