"""What a review's pages and task pages show of it: plain values read from the records (ReviewRecord), with
the rules' codes and texts from the catalogue."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalogue import Rule, RuleVersion, rule_code
from ..catalogue.models import Principle
from .models import Dispensation, Review, ReviewDecision, answers


@dataclass
class AnswerRow:
    id: int
    rule_version_id: int
    code: str
    title: str
    version: int
    text: str
    status: str
    assessment: str | None
    explanation: str
    wg_agrees: bool | None
    wg_comment: str
    flag_note: str | None


@dataclass
class ReviewRecord:
    """A review as its task pages and its own page show it (plain values)."""

    kind: ClassVar[str] = "review"
    id: int
    case_id: int | None
    project: str
    organisation: str
    description: str
    phase: str
    status: str
    round: int
    owner: str
    working_group: str
    reviewers: str
    recommendation: str | None
    recommendation_comment: str
    flagged: bool
    answers: list[AnswerRow] = field(default_factory=list)
    decisions: list[ReviewDecision] = field(default_factory=list)
    dispensations: list[tuple[Dispensation, str]] = field(default_factory=list)
    case_visible: bool = False  # whether the user may open the case page (lanes.may_view_case)


def rule_rows(session: Session, version_ids: list[int]) -> dict[int, tuple[str, RuleVersion]]:
    rows = session.execute(select(RuleVersion, Principle.number, Rule.number)
                           .join(Rule, RuleVersion.rule_id == Rule.id)
                           .join(Principle, Rule.principle_id == Principle.id)
                           .where(RuleVersion.id.in_(version_ids or [0]))).unique()
    return {v.id: (rule_code(p, r), v) for v, p, r in rows}


def review_context(session: Session, review: Review, *, public: bool = False) -> ReviewRecord:
    with session.no_autoflush:
        rows = answers(session, review)
        rules = rule_rows(session, [a.rule_version_id for a in rows])
        decisions = list(session.scalars(select(ReviewDecision).where(ReviewDecision.review_id == review.id)
                                         .order_by(ReviewDecision.round)))
        if public:
            decisions = [d for d in decisions if d.public_at is not None]
        public_ids = {d.id for d in decisions}
        disps = [d for d in session.scalars(select(Dispensation).where(Dispensation.review_id == review.id)
                                            .order_by(Dispensation.id)) if not public or d.decision_id in public_ids]
        codes = rule_rows(session, [d.rule_version_id for d in disps])
    return ReviewRecord(
        id=review.id, case_id=review.case_id, project=review.project, organisation=review.organisation,
        description=review.description, phase=review.phase, status=review.status, round=review.round,
        owner=review.owner.name, working_group=review.working_group.name if review.working_group else "",
        reviewers=review.reviewers, recommendation=review.recommendation,
        recommendation_comment=review.recommendation_comment or "", flagged=review.flagged,
        answers=[AnswerRow(a.id, a.rule_version_id, rules[a.rule_version_id][0], rules[a.rule_version_id][1].title,
                           rules[a.rule_version_id][1].version, rules[a.rule_version_id][1].text,
                           rules[a.rule_version_id][1].status, a.assessment, a.explanation, a.wg_agrees, a.wg_comment,
                           a.flag_note) for a in rows if a.rule_version_id in rules],
        decisions=decisions, dispensations=[(d, codes.get(d.rule_version_id, ("", None))[0]) for d in disps])
