"""The catalogue's entries in the search index, with the same visibility as their pages.

A principle's adopted version and a rule's current public version (adopted, retired, superseded or in
hearing) are public; a rule whose only version is proposed or rejected has no page and no entry.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Principle, PrincipleVersion, Rule, RuleStatus, RuleVersion

PUBLIC = "public"


def public_version(rule: Rule) -> RuleVersion | None:
    """The version a rule's page opens with: the newest public one."""
    return next((v for v in rule.versions if v.is_public), None)


def index_principle(search, session: Session, principle: Principle) -> None:
    current = principle.current
    if current is None or current.status != RuleStatus.ADOPTED:
        search.index.remove(session, "principle", principle.key)
        return
    body = "\n".join(b for b in (current.statement, current.rationale, current.implications) if b)
    search.index.put(session, "principle", principle.key, current.title, body,
                     ref={"key": principle.key, "version": current.version, "number": principle.number},
                     visibility=PUBLIC)


def index_rule(search, session: Session, rule: Rule) -> None:
    version = public_version(rule)
    if version is None:
        search.index.remove(session, "rule", rule.key)
        return
    body = "\n".join(b for b in (version.text, version.implications, version.background, version.guidance,
                                 version.attention) if b)
    search.index.put(session, "rule", rule.key, f"{rule.code} {version.title}", body,
                     ref={"key": rule.key, "version": version.version, "status": version.status},
                     visibility=PUBLIC)


def index_for_proposal(search, session: Session, proposal) -> None:
    """After a proposal's save: the principle or rule it changed."""
    if proposal.principle_key:
        principle = session.scalar(select(Principle).where(Principle.key == proposal.principle_key))
        if principle is not None:
            index_principle(search, session, principle)
    from ..proposal.models import TARGET_KINDS

    # only a proposal about a rule (a kind it keeps, workflows/proposal/tasks.py) ever has rule versions
    rule_ids = set(session.scalars(select(RuleVersion.rule_id).where(RuleVersion.proposal_id == proposal.id))
                   ) if proposal.kind in TARGET_KINDS else set()
    if proposal.target_rule_id:
        rule_ids.add(proposal.target_rule_id)
    for rule_id in rule_ids:
        rule = session.get(Rule, rule_id)
        if rule is not None:
            index_rule(search, session, rule)


def reindex_catalogue(search, session: Session) -> dict[str, int]:
    counts = {"principle": 0, "rule": 0}
    for principle in session.scalars(select(Principle).order_by(Principle.number)).unique():
        index_principle(search, session, principle)
        counts["principle"] += principle.current is not None
    for rule in session.scalars(select(Rule).order_by(Rule.id)).unique():
        index_rule(search, session, rule)
        counts["rule"] += public_version(rule) is not None
    return counts


__all__ = ["PrincipleVersion", "index_for_proposal", "index_principle", "index_rule", "public_version",
           "reindex_catalogue"]
