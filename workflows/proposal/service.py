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
from ..catalogue.models import Principle
from .models import PROCESS_ID, Proposal, ProposalKind


def new_proposal(session: Session, *, group: WorkingGroup, title: str, kind: str, actor: str,
                 principle_key: str | None = None, now: datetime | None = None) -> Proposal:
    p = Proposal(working_group_id=group.id, working_group=group, title=title, kind=kind,
                 created_by=actor, principle_key=principle_key)
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


class Proposals:
    def __init__(self, engine, search=None, clock: Callable[[], datetime] | None = None):
        self.engine = engine
        self.search = search
        self.clock = clock or engine.clock

    def start_proposal(self, session: Session, user: User, group_id: int, title: str,
                       kind: str | None = ProposalKind.PRINCIPLE.value) -> Case:
        """A new proposal case of a working group, started by one of its members (the input checked with
        the start form, StartForm; `kind` None: the form's default)."""
        raw = {name: value for name, value in (("group_id", group_id), ("title", title), ("kind", kind))
               if value is not None}
        try:
            values, errors = load_values(StartForm, raw), {}
        except FormInvalid as exc:
            values, errors = {}, dict(exc.errors)
        group = None if "group_id" in errors else session.get(WorkingGroup, int(group_id))
        if group is None:
            errors.setdefault("group_id", [CHOOSE])  # every field's error at once, the group's too
        if errors:
            raise FormInvalid(errors)
        if user is None or group.id not in user.group_ids:
            raise Forbidden(N_("Only members of the working group can start its proposals."))
        record = new_proposal(session, group=group, title=values["title"], kind=values["kind"],
                              actor=user.username, now=self.clock())
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
