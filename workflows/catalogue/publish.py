"""What a proposal does to the catalogue, step by step with its process.

- ``propose``: the working group submits a rule proposal → the rule's proposed version (status proposed),
  rewritten on every revision;
- ``to_hearing``: the secretariat sends it to hearing → in_hearing, linked to the hearing;
- ``decide``: the council's decision (the proposal's `council_decision` message, never anything else) →
  adopted (the version before it superseded, pointing at it), retired, or rejected.

Only ``decide`` sets a decided status (adopted, retired, superseded); it runs inside the proposal process's
service tasks (`proposal.record_decision`, `catalogue.publish`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import DomainError
from ..i18n import N_
from .models import (
    Principle, PrincipleVersion, ReferenceArchitecture, ReferenceArchitectureVersion, Rule, RuleContact, RuleStatus,
    RuleVersion, Scope, rule_key,
)

# the proposal kinds (workflows.proposal.ProposalKind's values; the catalogue does not import the proposal family)
PRINCIPLE, RULE, RULE_CHANGE, RULE_RETIREMENT, REFERENCE_ARCHITECTURE = (
    "principle", "rule", "rule_change", "rule_retirement", "reference_architecture")
RULE_KINDS = (RULE, RULE_CHANGE)
APPROVED = ("approved", "approved_with_changes")


class CatalogueError(DomainError):
    key = "catalogue"


#: called as listener(session, old_version, new_version_or_None, now) when the council's decision supersedes
#: (new_version) or retires (None) an adopted rule version — the architecture reviews flag what cites it
RULE_CHANGE_LISTENERS: list = []


def on_rule_change(listener):
    """Register a listener for adopted rule versions that the council superseded or retired (decorator)."""
    if listener not in RULE_CHANGE_LISTENERS:
        RULE_CHANGE_LISTENERS.append(listener)
    return listener


def _rule_changed(session: Session, old: RuleVersion, new: RuleVersion | None, now: datetime) -> None:
    for listener in list(RULE_CHANGE_LISTENERS):
        listener(session, old, new, now)


def slug(value: str) -> str:
    from ..proposal.models import slugify  # one slug rule for the whole catalogue

    return slugify(value)


# ------------------------------------------------------------------ while the proposal is prepared

def parse_contacts(text: str) -> list[tuple[str, str, str]]:
    """"Name, organisation, e-mail" per line → (name, organisation, email)."""
    contacts = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.split(",")]
        if parts and parts[0]:
            parts += ["", ""]
            contacts.append((parts[0][:200], parts[1][:200], parts[2][:254]))
    return contacts


def proposed_version(session: Session, proposal_id: int) -> RuleVersion | None:
    return session.scalar(select(RuleVersion).where(RuleVersion.proposal_id == proposal_id,
                                                    RuleVersion.status.in_([RuleStatus.PROPOSED.value,
                                                                            RuleStatus.IN_HEARING.value])))


def propose(session: Session, proposal, now: datetime) -> RuleVersion | None:
    """A new rule or a rule change: the proposal's texts become (or rewrite) the rule's proposed version."""
    if proposal.kind not in RULE_KINDS:
        return None
    version = proposed_version(session, proposal.id)
    if version is None:
        if proposal.kind == RULE:
            principle = session.get(Principle, proposal.target_principle_id or 0)
            if principle is None:
                raise CatalogueError(N_("Choose the principle the rule belongs under."))
            number = (session.scalar(select(func.max(Rule.number)).where(Rule.principle_id == principle.id)) or 0) + 1
            rule = Rule(principle_id=principle.id, principle=principle, number=number,
                        key=rule_key(principle.number, number), created_at=now)
            session.add(rule)
            session.flush()
        else:
            rule = session.get(Rule, proposal.target_rule_id or 0)
            if rule is None or rule.current is None or rule.current.status != RuleStatus.ADOPTED:
                raise CatalogueError(N_("Only an adopted rule can be changed."))
        latest = session.scalar(select(func.max(RuleVersion.version)).where(RuleVersion.rule_id == rule.id)) or 0
        version = RuleVersion(rule_id=rule.id, rule=rule, version=latest + 1, proposal_id=proposal.id,
                              status=RuleStatus.PROPOSED.value, created_at=now)
        session.add(version)
    version.title = proposal.title
    version.text = proposal.statement or ""
    version.implications = proposal.implications or ""
    version.background = proposal.rationale or ""
    version.guidance = proposal.guidance or ""
    version.attention = proposal.attention or ""
    version.scope = proposal.scope if proposal.scope in (Scope.COMMON, Scope.MUNICIPAL) else Scope.COMMON.value
    version.working_group_id = proposal.working_group_id
    version.contacts = [RuleContact(position=n, name=name, organisation=org, email=email)
                        for n, (name, org, email) in enumerate(parse_contacts(proposal.contacts))]
    session.flush()
    return version


def to_hearing(session: Session, proposal, hearing_id: int) -> None:
    version = proposed_version(session, proposal.id)
    if version is not None:
        version.status = RuleStatus.IN_HEARING.value
        version.hearing_id = hearing_id


# ------------------------------------------------------------------ the council's decision

def decide(session: Session, proposal, message: dict, now: datetime) -> dict:
    """The council decided the proposal (its `council_decision` message): change the catalogue.

    Approved (with or without changes): the entry's new version is adopted (or the rule retired); rejected:
    the proposed version is marked not adopted; sent back: the proposed version waits for the revision.
    Returns what changed (ids), for the case's data.
    """
    decision = message.get("decision")
    provenance = dict(proposal_id=proposal.id, meeting_id=_int(message.get("meeting_id")),
                      agenda_item_id=_int(message.get("item_id")), hearing_id=_hearing_id(session, proposal.id),
                      decision=decision, decision_changes=message.get("changes") or None, decided_at=now)
    if decision == "rejected":
        version = proposed_version(session, proposal.id)
        if version is not None:
            version.status = RuleStatus.REJECTED.value
            version.decision, version.decided_at = decision, now
        return {}
    if decision not in APPROVED:
        return {}
    if proposal.kind == PRINCIPLE:
        return _adopt_principle(session, proposal, provenance, now)
    if proposal.kind in RULE_KINDS:
        return _adopt_rule(session, proposal, provenance)
    if proposal.kind == RULE_RETIREMENT:
        return _retire_rule(session, proposal, provenance)
    if proposal.kind == REFERENCE_ARCHITECTURE:
        return _adopt_reference(session, proposal, provenance, now)
    return {}


def _int(value) -> int | None:
    return int(value) if value not in (None, "") else None


def _hearing_id(session: Session, proposal_id: int) -> int | None:
    from ..hearing.models import Hearing  # the hearing family is below the catalogue's users, not its models

    return session.scalar(select(Hearing.id).where(Hearing.proposal_id == proposal_id)
                          .order_by(Hearing.id.desc()).limit(1))


def _adopt_principle(session, proposal, provenance, now) -> dict:
    key = proposal.principle_key or principle_key_for(session, proposal.title, proposal.working_group_id)
    principle = session.scalar(select(Principle).where(Principle.key == key))
    if principle is None:
        if proposal.target_principle_id:
            principle = session.get(Principle, proposal.target_principle_id)
        if principle is None:
            number = (session.scalar(select(func.max(Principle.number))) or 0) + 1
            principle = Principle(key=key, number=number, working_group_id=proposal.working_group_id, created_at=now)
            session.add(principle)
            session.flush()
    latest = session.scalar(select(func.max(PrincipleVersion.version))
                            .where(PrincipleVersion.principle_id == principle.id)) or 0
    version = PrincipleVersion(principle_id=principle.id, principle=principle, version=latest + 1,
                               title=proposal.title, statement=proposal.statement or "",
                               rationale=proposal.rationale or "", implications=proposal.implications or "",
                               status=RuleStatus.ADOPTED.value, working_group_id=proposal.working_group_id,
                               created_at=now, **provenance)
    session.add(version)
    session.flush()
    for old in session.scalars(select(PrincipleVersion).where(PrincipleVersion.principle_id == principle.id,
                                                              PrincipleVersion.id != version.id,
                                                              PrincipleVersion.status == RuleStatus.ADOPTED.value)):
        old.status, old.superseded_by_id = RuleStatus.SUPERSEDED.value, version.id
    proposal.principle_key = principle.key
    return {"principle_id": principle.id, "key": principle.key, "version": version.version}


def principle_key_for(session: Session, title: str, group_id: int | None) -> str:
    """The same title from the same working group is that group's principle (a new version); a title
    another group already uses gets a key of its own, so one group never replaces another's principle."""
    base = slug(title)
    key, n = base, 1
    while True:
        owner = session.execute(select(Principle.working_group_id).where(Principle.key == key)).first()
        if owner is None or owner[0] == group_id:
            return key
        n += 1
        key = f"{base}-{n}"


def _adopt_rule(session, proposal, provenance) -> dict:
    version = proposed_version(session, proposal.id)
    if version is None:  # a proposal submitted before the catalogue had rules: take its texts now
        version = propose(session, proposal, provenance["decided_at"])
    for key, value in provenance.items():
        setattr(version, key, value)
    version.status = RuleStatus.ADOPTED.value
    for old in session.scalars(select(RuleVersion).where(RuleVersion.rule_id == version.rule_id,
                                                         RuleVersion.id != version.id,
                                                         RuleVersion.status == RuleStatus.ADOPTED.value)):
        old.status, old.superseded_by_id = RuleStatus.SUPERSEDED.value, version.id
        _rule_changed(session, old, version, provenance["decided_at"])
    session.flush()
    return {"rule_id": version.rule_id, "rule_version_id": version.id, "version": version.version}


def _retire_rule(session, proposal, provenance) -> dict:
    rule = session.get(Rule, proposal.target_rule_id or 0)
    current = rule.current if rule is not None else None
    if current is None or current.status != RuleStatus.ADOPTED:
        return {}  # retired meanwhile by another decision: nothing left to retire
    current.status = RuleStatus.RETIRED.value
    current.retired_proposal_id = proposal.id
    current.retired_meeting_id = provenance["meeting_id"]
    current.retired_agenda_item_id = provenance["agenda_item_id"]
    current.retired_at = provenance["decided_at"]
    _rule_changed(session, current, None, provenance["decided_at"])
    return {"rule_id": rule.id, "rule_version_id": current.id, "retired": True}


def _adopt_reference(session, proposal, provenance, now) -> dict:
    from engine.models import Document

    key = proposal.principle_key or slug(proposal.title)
    architecture = session.scalar(select(ReferenceArchitecture).where(ReferenceArchitecture.key == key))
    if architecture is None:
        architecture = ReferenceArchitecture(key=key, working_group_id=proposal.working_group_id, created_at=now)
        session.add(architecture)
        session.flush()
    latest = session.scalar(select(func.max(ReferenceArchitectureVersion.version))
                            .where(ReferenceArchitectureVersion.architecture_id == architecture.id)) or 0
    document_id = session.scalar(select(Document.id).where(Document.case_id == proposal.case_id)
                                 .order_by(Document.created_at.desc(), Document.id.desc()).limit(1)) \
        if proposal.case_id else None
    version = ReferenceArchitectureVersion(architecture_id=architecture.id, architecture=architecture,
                                           version=latest + 1, title=proposal.title, summary=proposal.summary or "",
                                           document_id=document_id, status=RuleStatus.ADOPTED.value,
                                           created_at=now, **provenance)
    session.add(version)
    session.flush()
    for old in session.scalars(select(ReferenceArchitectureVersion).where(
            ReferenceArchitectureVersion.architecture_id == architecture.id,
            ReferenceArchitectureVersion.id != version.id,
            ReferenceArchitectureVersion.status == RuleStatus.ADOPTED.value)):
        old.status, old.superseded_by_id = RuleStatus.SUPERSEDED.value, version.id
    proposal.principle_key = key
    return {"reference_architecture_id": architecture.id, "version": version.version}
