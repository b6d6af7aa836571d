"""Process analytics for the secretariat: the heatmap of a process version (engine/analytics.py's aggregates
with the diagram's element names), lead times per family (workflows/lead_times.py) and the secretariat's
dashboard. Reads aggregate and projection rows only; no workflow is deserialized.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import analytics, versions
from engine.models import VERSION_NEWEST_FIRST, Case, ProcessVersion, ReadyTask, WaitingTimer, utcnow

from . import lanes, lead_times
from .dates import end_of_day
from .directory import User, WorkingGroup, group_scope
from .errors import DomainError
from .i18n import N_

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
LEVELS = 5  # colour steps of the heatmap, 1 (short) … 5 (long); 0: no passes


class FilterError(DomainError):
    """Bad filter values: {field: message id}."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(N_("Check the filter."))
        self.errors = errors


@dataclass
class HeatFilter:
    first: str | None = None  # YYYY-MM
    last: str | None = None
    group_id: int | None = None
    case_id: int | None = None

    @property
    def scope(self) -> str | None:
        return None if self.group_id is None else group_scope(self.group_id)


@dataclass
class HeatRow:
    element: str
    name: str
    kind: str
    passed: int
    now: int
    median: float | None
    p90: float | None
    level: int
    case_seconds: float | None = None  # the compared case's time here

    @property
    def case_ratio(self) -> float | None:
        if self.case_seconds is None or not self.median:
            return None
        return self.case_seconds / self.median


@dataclass
class Heatmap:
    version: ProcessVersion
    versions: list[ProcessVersion]  # every version of the process, newest first (the version filter)
    groups: list[WorkingGroup]
    rows: list[HeatRow]
    filter: HeatFilter
    file_name: str = ""  # the BPMN file that draws the version's process
    case: Case | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def overlay(self) -> dict[str, dict]:
        """{element: {level, passed, now, median, p90}} for the diagram's script (data attribute)."""
        return {r.element: {"level": r.level, "passed": r.passed, "now": r.now,
                            "median": r.median, "p90": r.p90} for r in self.rows}


def parse_filter(args: dict) -> tuple[HeatFilter, dict[str, str]]:
    """The heatmap's filter from query parameters (fra, til: YYYY-MM; gruppe: working group id; sag: case id).
    Returns the filter (bad values left out) and {field: message id} of what was wrong."""
    errors, flt = {}, HeatFilter()
    for name, attr in (("fra", "first"), ("til", "last")):
        value = (args.get(name) or "").strip()
        if value:
            if MONTH.match(value):
                setattr(flt, attr, value)
            else:
                errors[name] = N_("Give a month as YYYY-MM.")
    if flt.first and flt.last and flt.first > flt.last:
        errors["til"] = N_("The period must end after it begins.")
        flt.last = None
    for name, attr in (("gruppe", "group_id"), ("sag", "case_id")):
        value = (args.get(name) or "").strip()
        if value:
            if value.isdigit() and 0 < int(value) < 2**31:
                setattr(flt, attr, int(value))
            else:
                errors[name] = N_("Choose one from the list.") if name == "gruppe" else N_("Give a case number.")
    return flt, errors


def element_names(engine, pv: ProcessVersion) -> dict[str, str]:
    """{element id: name} of every task spec of the version (its own process and the processes it calls)."""
    spec, subprocess_specs = engine._spec_for(pv)
    names = {}
    for s in [spec, *subprocess_specs.values()]:
        for name, task_spec in s.task_specs.items():
            label = getattr(task_spec, "bpmn_name", None)
            if label and getattr(task_spec, "bpmn_id", None):
                names.setdefault(name, label)
    return names


def heatmap(engine, session: Session, user: User, version_id: int, flt: HeatFilter,
            errors: dict[str, str] | None = None, clock: Callable[[], datetime] = utcnow) -> Heatmap:
    """The heatmap of a process version for the secretariat: per element passes, now, median and p90."""
    lanes.require_process_staff(user)
    pv = versions.version_with_source(session, version_id)
    file_name, _xml = versions.version_process_file(pv, pv.process_id)
    errors = dict(errors or {})
    groups = list(session.scalars(select(WorkingGroup).order_by(WorkingGroup.name)))
    if flt.group_id is not None and flt.group_id not in {g.id for g in groups}:
        errors["gruppe"] = N_("Choose one from the list.")
        flt.group_id = None
    case = None
    if flt.case_id is not None:
        case = session.get(Case, flt.case_id)
        if case is None or case.process_version_id != pv.id or not lanes.may_view_case(user, case.scope):
            errors["sag"] = N_("No case with this number runs on this version.")
            case, flt.case_id = None, None
    stats = analytics.element_stats(session, pv.id, scope=flt.scope, months=(flt.first, flt.last))
    names = element_names(engine, pv)
    times = analytics.case_times(session, case.id, clock()) if case is not None else {}
    longest = max((s.median or 0 for s in stats.values()), default=0)
    rows = []
    for element, s in stats.items():
        rows.append(HeatRow(element=element, name=names.get(element, element), kind=s.kind, passed=s.passed,
                            now=s.now, median=s.median, p90=s.p90, level=level(s.median, longest),
                            case_seconds=times.get(element)))
    for element, seconds in times.items():
        if element not in stats:
            rows.append(HeatRow(element, names.get(element, element), "user", 0, 0, None, None, 0, seconds))
    rows.sort(key=lambda r: (-(r.median or 0), r.name))
    siblings = list(session.scalars(select(ProcessVersion).where(ProcessVersion.process_id == pv.process_id)
                                    .order_by(*VERSION_NEWEST_FIRST)))
    return Heatmap(version=pv, versions=siblings, groups=groups, rows=rows, filter=flt, case=case, errors=errors,
                   file_name=file_name)


def level(median: float | None, longest: float) -> int:
    """The colour step of a median against the longest median shown (log scale: a day against a month
    is not invisible)."""
    if not median or longest <= 0:
        return 0
    if longest <= 1:
        return LEVELS
    share = math.log1p(median) / math.log1p(longest)
    return max(1, min(LEVELS, math.ceil(share * LEVELS)))


# ---------------------------------------------------------------- dashboard

@dataclass
class DueItem:
    at: datetime
    title: str
    case_id: int
    case_title: str
    process_id: str
    kind: str  # "task", "timer" or "deadline" (kept in a family's records; `title` is then a message id)
    task_id: str | None = None
    may_take: bool = False  # the task page is the viewer's to open (else the case page is the link)


@dataclass
class Dashboard:
    now: datetime
    overdue: list[DueItem]
    overdue_count: int
    upcoming: list[DueItem]
    by_state: list[tuple[str, str, int]]  # (process id, status, count)
    incidents: int
    lead_times: list[lead_times.LeadTimeFigures]


UPCOMING_DAYS = 14
LIST_LIMIT = 50


def dashboard(session: Session, user: User, clock: Callable[[], datetime] = utcnow) -> Dashboard:
    """Overdue tasks across families, deadlines in the next two weeks, cases by state, incidents, lead times.

    Tasks with a due date and waiting timers come from the projections; deadlines a family keeps in its own
    records instead (an access request's statutory deadline) from `RECORD_DEADLINES`."""
    lanes.require_process_staff(user)
    now = clock()
    soon = now + timedelta(days=UPCOMING_DAYS)
    overdue_query = select(ReadyTask).where(ReadyTask.due_at < now)
    overdue = [_task_item(t, user) for t in session.scalars(overdue_query.order_by(ReadyTask.due_at)
                                                            .limit(LIST_LIMIT))]
    overdue_count = session.scalar(select(func.count()).select_from(ReadyTask).where(ReadyTask.due_at < now)) or 0
    upcoming = [_task_item(t, user) for t in session.scalars(
        select(ReadyTask).where(ReadyTask.due_at >= now, ReadyTask.due_at < soon)
        .order_by(ReadyTask.due_at).limit(LIST_LIMIT))]
    timers = session.execute(
        select(WaitingTimer.due_at, WaitingTimer.spec_name, Case.id, Case.title, Case.process_id)
        .join(Case, Case.id == WaitingTimer.case_id)
        .where(WaitingTimer.due_at >= now, WaitingTimer.due_at < soon)
        .order_by(WaitingTimer.due_at).limit(LIST_LIMIT))
    upcoming += [DueItem(at=due, title=name, case_id=cid, case_title=title, process_id=pid, kind="timer")
                 for due, name, cid, title, pid in timers]
    for source in RECORD_DEADLINES:
        late, late_count = source(session, None, now, LIST_LIMIT)
        overdue += late
        overdue_count += late_count
        upcoming += source(session, now, soon, LIST_LIMIT)[0]
    overdue.sort(key=lambda d: d.at)
    upcoming.sort(key=lambda d: d.at)
    by_state = [(pid, status, int(n)) for pid, status, n in session.execute(
        select(Case.process_id, Case.status, func.count()).group_by(Case.process_id, Case.status)
        .order_by(Case.process_id, Case.status))]
    incidents = session.scalar(select(func.count()).select_from(Case).where(Case.status == "incident")) or 0
    return Dashboard(now=now, overdue=overdue[:LIST_LIMIT], overdue_count=overdue_count,
                     upcoming=upcoming[:LIST_LIMIT], by_state=by_state, incidents=incidents,
                     lead_times=lead_times.measure_all(session, now))


def access_request_deadlines(session: Session, start: datetime | None, end: datetime,
                             limit: int) -> tuple[list[DueItem], int]:
    """Open access requests whose deadline in force (7 working days, or the delay letter's date) ends in
    [start, end): (the nearest `limit` of them, how many). The deadline is the end of its day in Copenhagen;
    the request's tasks carry no due date of their own, so this is their deadline on the dashboard."""
    from engine.controls import TERMINATED

    from .access_request.models import AccessRequest, RequestStatus
    from .dates import COPENHAGEN

    def day(at: datetime):  # the first deadline day whose end falls at or after `at`
        local = at.astimezone(COPENHAGEN)
        return local.date() if end_of_day(local.date()) >= at else local.date() + timedelta(days=1)

    where = [AccessRequest.status != RequestStatus.DECIDED, AccessRequest.deadline < day(end),
             Case.status != TERMINATED]
    if start is not None:
        where.append(AccessRequest.deadline >= day(start))
    base = select(AccessRequest.deadline, AccessRequest.number, Case.id, Case.title, Case.process_id).join(
        Case, Case.id == AccessRequest.case_id).where(*where)
    count = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(AccessRequest.deadline, AccessRequest.id).limit(limit))
    return [DueItem(at=end_of_day(deadline), title=N_("Decision on the access request"), case_id=cid,
                    case_title=title or number, process_id=pid, kind="deadline")
            for deadline, number, cid, title, pid in rows], count


# Deadlines families keep in their records rather than as a task's due date or a timer:
# each source(session, start or None, end, limit) -> (items due in [start, end), their count).
RECORD_DEADLINES: list[Callable[[Session, datetime | None, datetime, int], tuple[list[DueItem], int]]] = [
    access_request_deadlines]


def _task_item(t: ReadyTask, user: User) -> DueItem:
    return DueItem(at=t.due_at, title=t.title, case_id=t.case_id, case_title=t.case_title,
                   process_id=t.process_id, kind="task", task_id=t.id, may_take=lanes.may_take(user, t))


def lead_time_report(session: Session, user: User, since: datetime | None = None,
                     clock: Callable[[], datetime] = utcnow) -> list[lead_times.LeadTimeFigures]:
    lanes.require_process_staff(user)
    return lead_times.measure_all(session, clock(), since=since)
