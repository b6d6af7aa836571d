"""Where time goes in a process: per process version and element, how many passed, how many are there
now, and the median and 90th percentile of the time spent.

Kept as aggregate rows that each save updates, never computed from the events on a page view:

- `element_time`: one row per (process version, element, kind, scope, month, duration bucket) with a
  count. The buckets are a log-scale histogram (eight per doubling, so a bucket spans 9 %): merging the
  rows of a period and scope gives the median and p90 without reading a single event. A save adds its
  passes with one `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`, so concurrent saves of
  different cases never lose a count (no read-modify-write).
- `element_wait`: the timers and message waits a case is in now, with the time they started, so a
  wait's duration is known when it ends and "now" can be counted per element. It is rewritten only by
  saves whose waits changed.

"User" passes are a human task's ready → completed; "timer" and "message" passes are the waiting time
of a timer or message catch event (for a timer also its lag, due → fired, for the metrics).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, Case, ReadyTask

# Eight buckets per doubling of the duration in seconds.
BUCKETS_PER_DOUBLING = 8
KINDS = ("user", "timer", "message")
ALL = "*"  # the roll-up over every scope or every month (see record)


class ElementTime(Base):
    """Aggregate: how many passes through an element took a duration in one histogram bucket."""

    __tablename__ = "element_time"

    process_version_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    element: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    scope: Mapped[str] = mapped_column(String(100), primary_key=True)  # "" for a case without one
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM of the pass's end
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class ElementWait(Base):
    """Projection: a timer or message wait a case is in, since when (and a timer's due time)."""

    __tablename__ = "element_wait"

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)  # spiff task uuid
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    element: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    since: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column()


def bucket_of(seconds: float) -> int:
    return max(0, int(math.floor(BUCKETS_PER_DOUBLING * math.log2(max(seconds, 1.0)))))


def bucket_bounds(bucket: int) -> tuple[float, float]:
    return 2 ** (bucket / BUCKETS_PER_DOUBLING), 2 ** ((bucket + 1) / BUCKETS_PER_DOUBLING)


def quantile(histogram: dict[int, int], q: float) -> float | None:
    """The q-quantile (seconds) of a bucket histogram, interpolated geometrically inside its bucket."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank, seen = q * total, 0
    for bucket in sorted(histogram):
        count = histogram[bucket]
        if seen + count >= rank:
            low, high = bucket_bounds(bucket)
            if bucket == 0:
                low = 0.0
            fraction = (rank - seen) / count if count else 0
            return low + (high - low) * fraction if low == 0 else low * (high / low) ** fraction
        seen += count
    return bucket_bounds(max(histogram))[1]


@dataclass(frozen=True)
class Pass:
    """One pass through an element that ended in this save."""
    element: str
    kind: str
    seconds: float


def month_of(at: datetime) -> str:
    return f"{at.year:04d}-{at.month:02d}"


def record(session: Session, process_version_id: int, scope: str | None, passes: list[Pass],
           at: datetime) -> None:
    """Add passes to the aggregate: one upsert statement for all of them.

    Each pass counts in four roll-ups: its scope and month, its scope over all time (month "*"), all
    scopes in its month (scope "*"), and all scopes over all time. A heatmap then reads a bounded number
    of rows whatever its filter: at most (elements × buckets) for one roll-up, × months for a period."""
    if not passes:
        return
    counts = Counter((p.element[:200], p.kind, bucket_of(p.seconds)) for p in passes)
    month, scope = month_of(at), (scope or "")[:100]
    keys = {(scope, month), (scope, ALL), (ALL, month), (ALL, ALL)}
    rows = [{"process_version_id": process_version_id, "element": element, "kind": kind, "scope": s,
             "month": m, "bucket": bucket, "n": n}
            for (element, kind, bucket), n in counts.items() for s, m in keys]
    # A plain executemany of one prepared statement: the save pays one round of the driver, not the ORM's
    # statement building (this runs in every completion; bench P1).
    connection = session.connection()
    connection.exec_driver_sql(_UPSERT[connection.dialect.name], rows)


# The same statement in the two drivers' parameter styles (sqlite3: named :x; psycopg: %(x)s).
_COLUMNS = ("process_version_id", "element", "kind", "scope", "month", "bucket", "n")
_UPSERT = {
    "sqlite": "INSERT INTO element_time ({cols}) VALUES ({vals}) ON CONFLICT ({key}) DO UPDATE SET n = "
              "element_time.n + excluded.n".format(cols=", ".join(_COLUMNS), key=", ".join(_COLUMNS[:-1]),
                                                   vals=", ".join(f":{c}" for c in _COLUMNS)),
    "postgresql": "INSERT INTO element_time ({cols}) VALUES ({vals}) ON CONFLICT ({key}) DO UPDATE SET n = "
                  "element_time.n + excluded.n".format(cols=", ".join(_COLUMNS), key=", ".join(_COLUMNS[:-1]),
                                                       vals=", ".join(f"%({c})s" for c in _COLUMNS)),
}


# ----------------------------------------------------------------- waits

def current_waits(workflow) -> dict[str, tuple[str, str, datetime | None]]:
    """{task id: (element, kind, due)} of the timer and message catch events the workflow waits in."""
    from .instance import TIMER_EVENTS, parse_time

    out = {}
    for task in list(workflow.event_manager.tasks.values()):
        definition = getattr(task.task_spec, "event_definition", None)
        kind_name = type(definition).__name__
        if kind_name in TIMER_EVENTS:
            value = task._get_internal_data("event_value")
            try:
                due = parse_time(value) if isinstance(value, str) else None
            except ValueError:
                due = None
            out[str(task.id)] = (task.task_spec.name, "timer", due)
        elif kind_name == "MessageEventDefinition":
            out[str(task.id)] = (task.task_spec.name, "message", None)
    return out


@dataclass
class WaitChange:
    passes: list[Pass] = field(default_factory=list)
    timer_lags: list[float] = field(default_factory=list)  # seconds from due to fired


def update_waits(session: Session, case_id: int, workflow, now: datetime, had_waits: bool) -> WaitChange:
    """Bring the case's `element_wait` rows to the workflow's waits; the waits that ended are passes.

    `had_waits`: whether the case had timer or message projections before this save (if not, there is
    nothing to read). A wait that ended because its task was cancelled (an interrupting boundary event
    elsewhere) is not a pass."""
    from SpiffWorkflow.util.task import TaskState

    change = WaitChange()
    waits = current_waits(workflow)
    existing = {}
    if had_waits:
        existing = {w.task_id: w for w in session.scalars(select(ElementWait).where(ElementWait.case_id == case_id))}
    for tid, row in existing.items():
        if tid in waits:
            continue
        session.delete(row)
        task = find_task(workflow, tid)
        if task is None or task.state != TaskState.COMPLETED:
            continue
        change.passes.append(Pass(row.element, row.kind, _seconds(now - row.since)))
        if row.kind == "timer" and row.due_at is not None:
            change.timer_lags.append(max(0.0, _seconds(now - row.due_at)))
    for tid, (element, kind, due) in waits.items():
        if tid not in existing:
            session.add(ElementWait(task_id=tid, case_id=case_id, element=element[:200], kind=kind,
                                    since=now, due_at=due))
    return change


def find_task(workflow, task_id: str):
    """The workflow's task with that id, or None: a task cancelled by a boundary event leaves the tree."""
    from uuid import UUID

    from SpiffWorkflow.exceptions import TaskNotFoundException

    if not _is_uuid(task_id):
        return None
    try:
        return workflow.get_task_from_id(UUID(task_id))
    except TaskNotFoundException:
        return None


def _is_uuid(text: str) -> bool:
    try:
        from uuid import UUID
        UUID(text)
        return True
    except ValueError:
        return False


def _seconds(delta: timedelta) -> float:
    return max(0.0, delta.total_seconds())


# ----------------------------------------------------------------- reading

@dataclass
class ElementStat:
    element: str
    kind: str
    passed: int = 0
    now: int = 0
    median: float | None = None  # seconds
    p90: float | None = None


def element_stats(session: Session, process_version_id: int, *, scope: str | None = None,
                  months: tuple[str | None, str | None] = (None, None)) -> dict[str, ElementStat]:
    """Per element of a process version: passes (in the months, inclusive, YYYY-MM), how many cases are
    there now, median and p90 (seconds). Reads the aggregate rows and the projections only."""
    query = (select(ElementTime.element, ElementTime.kind, ElementTime.bucket, func.sum(ElementTime.n))
             .where(ElementTime.process_version_id == process_version_id)
             .group_by(ElementTime.element, ElementTime.kind, ElementTime.bucket))
    query = query.where(ElementTime.scope == (ALL if scope is None else (scope or "")))
    first, last = months
    if first or last:
        query = query.where(ElementTime.month != ALL)
        if first:
            query = query.where(ElementTime.month >= first)
        if last:
            query = query.where(ElementTime.month <= last)
    else:
        query = query.where(ElementTime.month == ALL)
    histograms: dict[tuple[str, str], dict[int, int]] = {}
    for element, kind, bucket, n in session.execute(query):
        histograms.setdefault((element, kind), {})[bucket] = int(n or 0)
    stats: dict[str, ElementStat] = {}
    for (element, kind), histogram in histograms.items():
        stat = stats.setdefault(element, ElementStat(element, kind))
        # An element has one kind; should two meet (a changed model), the larger count wins the label.
        merged = {b: histogram.get(b, 0) for b in histogram}
        stat.passed += sum(merged.values())
        stat.median, stat.p90 = quantile(merged, 0.5), quantile(merged, 0.9)
    for element, kind, n in now_counts(session, process_version_id, scope=scope):
        stat = stats.setdefault(element, ElementStat(element, kind))
        stat.now += n
    return stats


def now_counts(session: Session, process_version_id: int, *, scope: str | None = None):
    """(element, kind, count) of the cases of a version at each element now: ready tasks and waits."""
    ready = (select(ReadyTask.spec_name, func.count()).join(Case, Case.id == ReadyTask.case_id)
             .where(Case.process_version_id == process_version_id).group_by(ReadyTask.spec_name))
    waits = (select(ElementWait.element, ElementWait.kind, func.count()).join(Case, Case.id == ElementWait.case_id)
             .where(Case.process_version_id == process_version_id)
             .group_by(ElementWait.element, ElementWait.kind))
    if scope is not None:
        ready, waits = ready.where(Case.scope == scope), waits.where(Case.scope == scope)
    out = [(element, "user", int(n)) for element, n in session.execute(ready)]
    out += [(element, kind, int(n)) for element, kind, n in session.execute(waits)]
    return out


def case_times(session: Session, case_id: int, now: datetime) -> dict[str, float]:
    """{element: seconds} of one case: its completed human tasks (ready → completed, the last pass)
    and the tasks and waits it is in now (time so far)."""
    from .models import CompletedTask

    out: dict[str, float] = {}
    rows = session.execute(select(CompletedTask.spec_name, CompletedTask.ready_since, CompletedTask.completed_at)
                           .where(CompletedTask.case_id == case_id, CompletedTask.ready_since.is_not(None))
                           .order_by(CompletedTask.completed_at))
    for element, since, done in rows:
        out[element] = _seconds(done - since)
    for element, since in session.execute(select(ReadyTask.spec_name, ReadyTask.ready_since)
                                          .where(ReadyTask.case_id == case_id)):
        out[element] = _seconds(now - since)
    for element, since in session.execute(select(ElementWait.element, ElementWait.since)
                                          .where(ElementWait.case_id == case_id)):
        out[element] = _seconds(now - since)
    return out


def forget_case(session: Session, case_id: int) -> None:
    """Remove a case's wait rows (e.g. when it is terminated or deleted)."""
    session.execute(delete(ElementWait).where(ElementWait.case_id == case_id))


__all__ = ["ElementStat", "ElementTime", "ElementWait", "Pass", "bucket_of", "case_times", "current_waits",
           "element_stats", "forget_case", "now_counts", "quantile", "record", "update_waits"]


class WorkerHeartbeat(Base):
    """One row per worker (host and process): when it last finished a sweep (/readyz, /metrics)."""

    __tablename__ = "worker_heartbeat"

    worker: Mapped[str] = mapped_column(String(200), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column()


def beat(session: Session, worker: str, now: datetime) -> None:
    """Record a worker's heartbeat (an upsert, so any number of workers can beat at once)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(WorkerHeartbeat.__table__).values(worker=worker[:200], beat_at=now)
    session.execute(stmt.on_conflict_do_update(index_elements=["worker"], set_={"beat_at": stmt.excluded.beat_at}))


def last_heartbeat(session: Session) -> datetime | None:
    return session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
