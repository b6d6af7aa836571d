"""Lead times per process family: a small registry a family adds its definitions to.

A definition names what it measures (an English message id, translated by the web layer) and a function
that, given a session and the start of the period, returns the durations in seconds of the cases that
finished in it and any further figures (shares, rates). The existing families register theirs below;
a new family (architecture review, access requests) calls `register(LeadTime(...))` from its own package:

    register(LeadTime("review", N_("Review request → decision"), measure_reviews))

Each definition reads its family's own record columns (one query of one row per case), never a workflow.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from engine.models import CompletedTask

from .i18n import N_


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

DECIDED = ("approved", "approved_with_changes", "rejected", "sent_back")


def measure_proposals(session: Session, since: datetime | None, now: datetime) -> Measured:
    """Proposal submission (the first completion of its draft task) → the council's decision."""
    from .proposal.models import Proposal

    submitted = (select(CompletedTask.case_id, func.min(CompletedTask.completed_at).label("at"))
                 .where(CompletedTask.spec_name == "draft").group_by(CompletedTask.case_id).subquery())
    query = (select(submitted.c.at, Proposal.updated_at, Proposal.decision)
             .join(Proposal, Proposal.case_id == submitted.c.case_id))
    durations, waiting = [], 0
    for at, updated, decision in session.execute(query):
        if decision and updated is not None:
            if since is None or updated >= since:
                durations.append(_seconds(at, updated))
        else:
            waiting += 1
    return Measured(durations, open_count=waiting)


def measure_hearings(session: Session, since: datetime | None, now: datetime) -> Measured:
    """Hearing publication → note approved (concluded), with the response rate and the share of late
    responses of the hearings concluded in the period."""
    from .hearing.models import Hearing, HearingResponse

    query = select(Hearing.id, Hearing.published_at, Hearing.concluded_at, Hearing.parties_count,
                   Hearing.answered_count).where(Hearing.published_at.is_not(None))
    durations, waiting, parties, answered, ids = [], 0, 0, 0, []
    for hid, published, concluded, n_parties, n_answered in session.execute(query):
        if concluded is None:
            waiting += 1
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
        total, late = session.execute(
            select(func.count(), func.count().filter(HearingResponse.late.is_(True)))
            .where(and_(HearingResponse.hearing_id.in_(ids), HearingResponse.current.is_(True)))).one()
        if total:
            figures[N_("Late responses")] = late / total
    return Measured(durations, figures, open_count=waiting)


register(LeadTime("proposal", N_("Proposal submission → decision"), measure_proposals))
register(LeadTime("hearing", N_("Hearing publication → note approved"), measure_hearings,
                  shares=frozenset({N_("Response rate"), N_("Late responses")})))
