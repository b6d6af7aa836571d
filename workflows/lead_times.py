"""Lead times per process family: a small registry a family adds its definitions to.

A definition names what it measures (an English message id, translated by the web layer) and a function
that, given a session and the start of the period, returns the durations in seconds of the cases that
finished in it and any further figures (shares, rates). Every family registers its definition below
(proposals, hearings, architecture reviews, access requests); a new family adds one the same way:

    register(LeadTime("review", N_("Review request → decision"), measure_reviews))

Each definition reads its family's own record columns (one query of one row per case), never a workflow.
A case terminated before it finished is not counted as waiting (it will not finish).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import Case, CompletedTask
from engine.workdays import add_working_days

from .dates import COPENHAGEN
from .i18n import N_

TERMINATED = "terminated"  # engine.controls.TERMINATED: a case that will not finish


@dataclass
class Measured:
    durations: list[float]  # seconds, one per case finished in the period
    figures: dict[str, float] = field(default_factory=dict)  # {message id: value} (shares as 0..1)
    open_count: int = 0  # cases started but not finished


@dataclass
class LeadTimeFigures:
    key: str
    label: str  # English message id
    count: int
    median_days: float | None
    p90_days: float | None
    open_count: int
    figures: dict[str, float]
    shares: set[str] = field(default_factory=set)  # which figures are shares (shown as %)


@dataclass(frozen=True)
class LeadTime:
    key: str
    label: str
    measure: Callable[[Session, datetime | None, datetime], Measured]
    shares: frozenset[str] = frozenset()


REGISTRY: dict[str, LeadTime] = {}


def register(definition: LeadTime) -> LeadTime:
    REGISTRY[definition.key] = definition
    return definition


def measure_all(session: Session, now: datetime, since: datetime | None = None) -> list[LeadTimeFigures]:
    out = []
    for definition in REGISTRY.values():
        m = definition.measure(session, since, now)
        days = sorted(d / 86400 for d in m.durations)
        out.append(LeadTimeFigures(
            key=definition.key, label=definition.label, count=len(days),
            median_days=statistics.median(days) if days else None,
            p90_days=_p90(days), open_count=m.open_count, figures=m.figures, shares=set(definition.shares)))
    return out


def _p90(sorted_days: list[float]) -> float | None:
    if not sorted_days:
        return None
    if len(sorted_days) == 1:
        return sorted_days[0]
    return statistics.quantiles(sorted_days, n=10, method="inclusive")[-1]


def _seconds(a: datetime, b: datetime) -> float:
    return max(0.0, (b - a).total_seconds())


# ------------------------------------------------------------ the existing families

# The council's decisions that end a proposal. "Sent back" is a decision too, but the proposal goes back to
# the working group and comes to the council again: it is still waiting (and its record's updated_at then
# moves with the revision, so it could not date the decision anyway).
DECIDED = ("approved", "approved_with_changes", "rejected")


def measure_proposals(session: Session, since: datetime | None, now: datetime) -> Measured:
    """Proposal submission (the first completion of its draft task) → the council's decision that ends it."""
    from .proposal.models import Proposal

    submitted = (select(CompletedTask.case_id, func.min(CompletedTask.completed_at).label("at"))
                 .where(CompletedTask.spec_name == "draft").group_by(CompletedTask.case_id).subquery())
    query = (select(submitted.c.at, Proposal.updated_at, Proposal.decision, Case.status)
             .join(Proposal, Proposal.case_id == submitted.c.case_id)
             .outerjoin(Case, Case.id == Proposal.case_id))
    durations, waiting = [], 0
    for at, updated, decision, case_status in session.execute(query):
        if decision in DECIDED and updated is not None:
            if since is None or updated >= since:
                durations.append(_seconds(at, updated))
        elif case_status != TERMINATED:
            waiting += 1
    return Measured(durations, open_count=waiting)


def measure_hearings(session: Session, since: datetime | None, now: datetime) -> Measured:
    """Hearing publication → note approved (concluded), with the response rate (parties that answered, of
    those invited) and the share of late responses (answering parties whose every answer came after the
    deadline, whether admitted or not) of the hearings concluded in the period."""
    from .hearing.models import Hearing, HearingResponse

    query = (select(Hearing.id, Hearing.published_at, Hearing.concluded_at, Hearing.parties_count,
                    Hearing.answered_count, Case.status)
             .outerjoin(Case, Case.id == Hearing.case_id).where(Hearing.published_at.is_not(None)))
    durations, waiting, parties, answered, ids = [], 0, 0, 0, []
    for hid, published, concluded, n_parties, n_answered, case_status in session.execute(query):
        if concluded is None:
            waiting += case_status != TERMINATED
            continue
        if since is not None and concluded < since:
            continue
        durations.append(_seconds(published, concluded))
        parties += n_parties or 0
        answered += n_answered or 0
        ids.append(hid)
    figures = {}
    if parties:
        figures[N_("Response rate")] = answered / parties
    if ids:
        # one row per answering party: how many of its answers came in time. A late answer is never the
        # "current" one until admitted, so counting current responses would miss the late ones.
        on_time = (select(HearingResponse.party_id,
                          func.count().filter(HearingResponse.late.is_(False)).label("in_time"))
                   .where(HearingResponse.hearing_id.in_(ids)).group_by(HearingResponse.party_id).subquery())
        total, late = session.execute(
            select(func.count(), func.count().filter(on_time.c.in_time == 0)).select_from(on_time)).one()
        if total:
            figures[N_("Late responses")] = late / total
    return Measured(durations, figures, open_count=waiting)


def measure_reviews(session: Session, since: datetime | None, now: datetime) -> Measured:
    """Architecture review request → the first decision on it (the board's, or the council's when the board
    sent it on), with the share decided by the date the project wished for (of those that named one).
    A request refused at triage is not a decision on the project; a re-review's later round is not counted
    again."""
    from .architecture_review.models import OPEN_STATUSES, Review, ReviewDecision

    first = (select(ReviewDecision.review_id, func.min(ReviewDecision.decided_at).label("at"))
             .where(ReviewDecision.round == 1).group_by(ReviewDecision.review_id).subquery())
    query = (select(Review.created_at, Review.status, Review.wished_decision_on, first.c.at, Case.status)
             .outerjoin(first, first.c.review_id == Review.id).outerjoin(Case, Case.id == Review.case_id))
    durations, waiting, wished, kept = [], 0, 0, 0
    for requested, status, wished_on, decided, case_status in session.execute(query):
        if decided is None:
            waiting += status in OPEN_STATUSES and case_status != TERMINATED
            continue
        if since is not None and decided < since:
            continue
        durations.append(_seconds(requested, decided))
        if wished_on is not None:
            wished += 1
            kept += _local_day(decided) <= wished_on
    figures = {N_("Decided by the wished date"): kept / wished} if wished else {}
    return Measured(durations, figures, open_count=waiting)


def measure_access_requests(session: Session, since: datetime | None, now: datetime) -> Measured:
    """Access request received → the final decision, against the statutory deadline the family uses
    (`DEADLINE_WORKING_DAYS` working days after the day of receipt, offentlighedsloven § 36, stk. 2):
    the share decided within it, the share that needed a delay letter, and of those the share decided by
    the date the delay letter gave."""
    from .access_request.models import DEADLINE_WORKING_DAYS, AccessRequest

    query = (select(AccessRequest.created_at, AccessRequest.received_on, AccessRequest.decided_at,
                    AccessRequest.delayed_at, AccessRequest.deadline, Case.status)
             .outerjoin(Case, Case.id == AccessRequest.case_id))
    durations, waiting, in_time, delayed, kept = [], 0, 0, 0, 0
    for received_at, received_on, decided, delayed_at, deadline, case_status in session.execute(query):
        if decided is None:
            waiting += case_status != TERMINATED
            continue
        if since is not None and decided < since:
            continue
        durations.append(_seconds(received_at, decided))
        day = _local_day(decided)
        in_time += day <= add_working_days(received_on, DEADLINE_WORKING_DAYS)
        if delayed_at is not None:
            delayed += 1
            kept += day <= deadline  # the delay letter's date became the request's deadline
    figures = {}
    if durations:
        figures[N_("Decided within the statutory deadline")] = in_time / len(durations)
        figures[N_("Delay letter sent")] = delayed / len(durations)
    if delayed:
        figures[N_("Decided by the delay letter's date")] = kept / delayed
    return Measured(durations, figures, open_count=waiting)


def _local_day(at: datetime):
    return at.astimezone(COPENHAGEN).date()


register(LeadTime("proposal", N_("Proposal submission → decision"), measure_proposals))
register(LeadTime("hearing", N_("Hearing publication → note approved"), measure_hearings,
                  shares=frozenset({N_("Response rate"), N_("Late responses")})))
register(LeadTime("review", N_("Architecture review request → decision"), measure_reviews,
                  shares=frozenset({N_("Decided by the wished date")})))
register(LeadTime("access_request", N_("Access request → decision (deadline: 7 working days)"),
                  measure_access_requests,
                  shares=frozenset({N_("Decided within the statutory deadline"), N_("Delay letter sent"),
                                    N_("Decided by the delay letter's date")})))
