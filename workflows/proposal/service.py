"""The proposal family's service: starting a proposal (who may) and the public principle catalogue.

The catalogue is public: every current principle and every version's history, for anyone.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Forbidden, NotFound
from engine.models import Case

from ..directory import User, WorkingGroup
from ..forms import CHOOSE, FormInvalid, load_values
from ..i18n import N_
from .forms import StartForm
from ..catalogue import PrincipleVersion, RuleStatus
from ..catalogue.models import Principle, Rule, principle_by_number
from .models import PROCESS_ID, TARGET_KINDS, Proposal, ProposalKind


def new_proposal(session: Session, *, group: WorkingGroup, title: str, kind: str, actor: str,
                 principle_key: str | None = None, now: datetime | None = None,
                 target: Principle | Rule | None = None) -> Proposal:
    """A new proposal record; a change to a rule starts from the rule's current texts."""
    p = Proposal(working_group_id=group.id, working_group=group, title=title, kind=kind,
                 created_by=actor, principle_key=principle_key)
    if isinstance(target, Principle):
        p.target_principle_id = target.id
    elif isinstance(target, Rule):
        p.target_rule_id, p.target_principle_id = target.id, target.principle_id
        current = target.current
        if kind == ProposalKind.RULE_CHANGE and current is not None:
            p.statement, p.rationale, p.implications = current.text, current.background, current.implications
            p.guidance, p.attention, p.scope = current.guidance, current.attention, current.scope
            p.contacts = "\n".join(", ".join(x for x in (c.name, c.organisation, c.email) if x)
                                   for c in current.contacts)
        elif kind == ProposalKind.RULE_RETIREMENT and current is not None:
            p.statement = current.text
    if now is not None:
        p.created_at = p.updated_at = now
    session.add(p)
    session.flush()
    return p


def catalogue(session: Session, include_superseded: bool = False) -> list[PrincipleVersion]:
    """The principles' adopted versions (with `include_superseded`, every decided version), by title."""
    statuses = [RuleStatus.ADOPTED.value] + ([RuleStatus.SUPERSEDED.value, RuleStatus.RETIRED.value]
                                             if include_superseded else [])
    return list(session.scalars(select(PrincipleVersion).where(PrincipleVersion.status.in_(statuses))
                                .order_by(PrincipleVersion.title, PrincipleVersion.version.desc())).unique())


def principle_history(session: Session, key: str) -> list[PrincipleVersion]:
    """A principle's decided versions, newest first."""
    return list(session.scalars(
        select(PrincipleVersion).join(Principle, PrincipleVersion.principle_id == Principle.id)
        .where(Principle.key == key, PrincipleVersion.status.in_(
            [RuleStatus.ADOPTED.value, RuleStatus.SUPERSEDED.value, RuleStatus.RETIRED.value]))
        .order_by(PrincipleVersion.version.desc())).unique())


def find_target(session: Session, kind: str, target: str) -> Principle | Rule | None:
    """The catalogue entry a proposal of `kind` concerns: a principle (by number) for a new rule, an adopted
    rule (by code "AR 2.1" or key "ar-2-1") for a change or a retirement; None if there is none."""
    value = target.strip().lower().replace("ar ", "ar-").replace(".", "-").replace(" ", "")
    if kind == ProposalKind.RULE:
        number = value.removeprefix("principle").removeprefix("princip").strip("- ")
        principle = principle_by_number(session, int(number)) if number.isdigit() and len(number) < 6 else None
        return principle if principle is not None and principle.current is not None else None
    if not value.startswith("ar-"):
        value = f"ar-{value}"
    rule = session.scalar(select(Rule).where(Rule.key == value[:40]))
    if rule is None or rule.current is None or rule.current.status != RuleStatus.ADOPTED:
        return None
    return rule


def target_choices(session: Session) -> list[tuple[str, str]]:
    """What a proposal can concern, for the start form: the principles (by number) and the adopted rules."""
    from ..catalogue.service import overview

    choices = []
    for entry in overview(session):
        choices.append((str(entry.principle.number), f"{entry.principle.number}. {entry.version.title}"))
        choices += [(r.rule.code, f"{r.rule.code} {r.version.title}") for r in entry.rules
                    if r.version.status == RuleStatus.ADOPTED]
    return choices


class Proposals:
    def __init__(self, engine, search=None, clock: Callable[[], datetime] | None = None):
        self.engine = engine
        self.search = search
        self.clock = clock or engine.clock

    def start_proposal(self, session: Session, user: User, group_id: int, title: str,
                       kind: str | None = ProposalKind.PRINCIPLE.value, target: str | None = None) -> Case:
        """A new proposal case of a working group, started by one of its members (the input checked with
        the start form, StartForm; `kind` None: the form's default). `target`: for a new rule the principle
        (its number), for a change or a retirement the rule ("AR 2.1" or its key "ar-2-1")."""
        raw = {name: value for name, value in (("group_id", group_id), ("title", title), ("kind", kind),
                                               ("target", target)) if value is not None}
        try:
            values, errors = load_values(StartForm, raw), {}
        except FormInvalid as exc:
            values, errors = {}, dict(exc.errors)
        group = None if "group_id" in errors else session.get(WorkingGroup, int(group_id))
        if group is None:
            errors.setdefault("group_id", [CHOOSE])  # every field's error at once, the group's too
        entry = None
        if "kind" not in errors and values.get("kind") in TARGET_KINDS:
            entry = find_target(session, values["kind"], values.get("target") or "")
            if entry is None:
                errors.setdefault("target", [N_("Name a principle by its number (new rule) or an adopted rule, "
                                                "e.g. AR 2.1 (change or retirement).")])
        if errors:
            raise FormInvalid(errors)
        if user is None or group.id not in user.group_ids:
            raise Forbidden(N_("Only members of the working group can start its proposals."))
        record = new_proposal(session, group=group, title=values["title"], kind=values["kind"],
                              actor=user.username, now=self.clock(), target=entry)
        instance = self.engine.start(session, PROCESS_ID, actor=user.username, title=record.title,
                                     scope=group.scope, data={"proposal_id": record.id})
        record.case_id = instance.id
        if self.search is not None:  # the start's save indexed the case before its record was linked
            self.search.case(session, instance.row)
        return instance.row

    # ------------------------------------------------------------ catalogue (public)
    def catalogue(self, session: Session) -> list[PrincipleVersion]:
        return catalogue(session)

    def principle_history(self, session: Session, key: str) -> list[PrincipleVersion]:
        history = principle_history(session, key)
        if not history:
            raise NotFound(key)
        return history
