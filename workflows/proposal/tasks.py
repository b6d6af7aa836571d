"""What the proposal process does to the records: its task forms (draft, screen, revise, schedule) and its
BPMN service tasks (`proposal.record_decision`, `catalogue.publish` in bpmn/proposal.bpmn).

The council's decision reaches the proposal only as the `council_decision` message (its payload: the
decision, changes, reason, meeting and agenda item); `proposal.record_decision` writes it to the record.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Forbidden, NotFound, current_execution
from engine.models import Case, Document

from ..council import CouncilError, Outcome, open_meetings, schedule_proposal
from ..council import agenda_items as council_items
from ..dates import COPENHAGEN
from ..forms import FormDef, FormInvalid, register
from ..i18n import N_
from ..task_context import DocumentRef, ProposalRecord
from . import mail
from .forms import DraftForm, ScheduleForm, ScreenForm
from ..catalogue import publish as catalogue
from .models import KINDS, TARGET_KINDS, Proposal, ProposalKind, ProposalStatus, Screening, proposal_for_case

DRAFT_FIELDS = ("kind", "title", "summary", "statement", "rationale", "implications", "guidance", "attention",
                "scope", "contacts")


# ------------------------------------------------------------- task forms
# ctx: workflows.service.SubmitContext (session, user, case_id, task_data, clock)

def _draft_initial(ctx) -> dict:
    p = proposal_for_case(ctx.session, ctx.case_id)
    return {k: getattr(p, k) or "" for k in DRAFT_FIELDS} if p else {}


def _draft_submit(ctx, values: dict) -> dict:
    p = proposal_for_case(ctx.session, ctx.case_id)
    if ctx.user is not None and not ctx.user.leads(p.working_group_id):
        raise Forbidden(N_("Only the lead of the working group can submit the proposal."))
    kind = values.get("kind") or p.kind
    if kind != p.kind and (kind in TARGET_KINDS or p.kind in TARGET_KINDS):
        raise FormInvalid({"kind": [N_("A proposal about a rule keeps its kind: start a new proposal instead.")]})
    for key in DRAFT_FIELDS:
        setattr(p, key, values.get(key) or ("common" if key == "scope" else ""))
    try:  # issue 14: a rule's proposed version follows the draft
        catalogue.propose(ctx.session, p, ctx.clock())
    except catalogue.CatalogueError as exc:
        raise FormInvalid({"kind": [str(exc)]}) from None
    # the case (and so every task list) carries the proposal's current title
    ctx.session.get(Case, ctx.case_id).title = p.title
    p.status = ProposalStatus.SUBMITTED.value
    p.revision += 1
    p.updated_at = ctx.clock()
    return {"revision": p.revision}


def _draft_submit_and_notify(ctx, values: dict) -> dict:
    data = _draft_submit(ctx, values)
    with ctx.session.no_autoflush:  # the case row is written once, by the engine's save (one version)
        p = proposal_for_case(ctx.session, ctx.case_id)  # issue 13: the secretariat learns of it
        mail.submitted(ctx.session, p, url=_case_url(ctx), now=ctx.now,
                       submitter=ctx.user.name if ctx.user else p.created_by or "")
    return data


def _case_url(ctx) -> str:
    return ctx.links("case", case_id=ctx.case_id) if ctx.links is not None else ""


def _screen_submit(ctx, values: dict) -> dict:
    from ..hearing import new_hearing_for_proposal  # the hearing family runs as the proposal's call activity

    p = proposal_for_case(ctx.session, ctx.case_id)
    outcome = values["screening"]
    p.status = (ProposalStatus.SCREENED if outcome == Screening.COMPLETE else ProposalStatus.RETURNED).value
    p.screening_reason = values.get("reason")
    p.updated_at = ctx.clock()
    data = {"screening": outcome, "hearing_needed": False}
    if outcome == Screening.COMPLETE and values.get("hearing") == "yes":
        hearing = new_hearing_for_proposal(ctx.session, p, ctx.user.username if ctx.user else "system")
        p.status = ProposalStatus.IN_HEARING.value
        catalogue.to_hearing(ctx.session, p, hearing.id)
        data.update(hearing_needed=True, hearing_id=hearing.id)
    # issue 13: the working group learns the outcome
    mail.screened(ctx.session, p, complete=outcome == Screening.COMPLETE, hearing=data["hearing_needed"],
                  url=_case_url(ctx), now=ctx.now)
    return data


def _revise_submit(ctx, values: dict) -> dict:
    data = _draft_submit(ctx, values)
    proposal_for_case(ctx.session, ctx.case_id).status = ProposalStatus.SCREENED.value
    return data


def _schedule_choices(ctx) -> dict:
    return {"meeting_id": [(str(m.id), f"{m.title} ({m.starts_at.astimezone(COPENHAGEN):%d.%m.%Y})")
                           for m in open_meetings(ctx.session)]}


def _schedule_submit(ctx, values: dict) -> dict:
    p = proposal_for_case(ctx.session, ctx.case_id)
    try:
        item = schedule_proposal(ctx.session, values["meeting_id"], p, ctx.user.username if ctx.user else "system")
    except (CouncilError, NotFound):
        raise FormInvalid({"meeting_id": [N_("Choose a meeting that still takes agenda items.")]}) from None
    p.status = ProposalStatus.SCHEDULED.value
    p.updated_at = ctx.clock()
    return {"agenda_item_id": item.id, "meeting_id": values["meeting_id"]}


# ------------------------------------------------------------ task context

def proposal_record(session: Session, p: Proposal) -> ProposalRecord:
    """A proposal with its case's documents, as a task page shows it (the hearing is added by the caller)."""
    documents = session.scalars(select(Document).where(Document.case_id == p.case_id)
                                .order_by(Document.created_at, Document.id)) if p.case_id else []
    return ProposalRecord(
        id=p.id, case_id=p.case_id, title=p.title, proposal_kind=p.kind,
        kind_label=dict(KINDS).get(p.kind, p.kind), working_group=p.working_group.name,
        summary=p.summary or "", statement=p.statement or "", rationale=p.rationale or "",
        implications=p.implications or "", status=p.status, revision=p.revision,
        screening_reason=p.screening_reason or "", documents=[DocumentRef.of(d) for d in documents],
        catalogue=catalogue_change(session, p))


def catalogue_change(session: Session, p: Proposal):
    """What a rule proposal changes in the catalogue, as the council sees it (the rule, and for a change the
    word-level difference from the adopted version)."""
    from ..catalogue.models import Principle, Rule
    from ..catalogue.service import field_diffs
    from ..task_context import CatalogueChange

    if p.kind not in TARGET_KINDS:
        return None
    rule = session.get(Rule, p.target_rule_id) if p.target_rule_id else None
    proposed = catalogue.proposed_version(session, p.id)
    if rule is None and proposed is not None:
        rule = proposed.rule
    if rule is None:
        principle = session.get(Principle, p.target_principle_id or 0)
        return CatalogueChange(p.kind, "", principle.current.title if principle and principle.current else "")
    current = rule.current
    diffs = field_diffs(current, proposed) if p.kind == ProposalKind.RULE_CHANGE and current and proposed else []
    return CatalogueChange(p.kind, rule.code, current.title if current else "", rule.key, diffs)


def record_for(session: Session, proposal_id: int) -> ProposalRecord | None:
    p = session.get(Proposal, proposal_id)
    return proposal_record(session, p) if p is not None else None


def _proposal_context(ctx) -> ProposalRecord | None:
    p = proposal_for_case(ctx.session, ctx.case_id)
    return proposal_record(ctx.session, p) if p is not None else None


register(FormDef("proposal.draft", DraftForm, _draft_submit_and_notify, _draft_initial))
register(FormDef("proposal.screen", ScreenForm, _screen_submit, context=_proposal_context))
register(FormDef("proposal.revise", DraftForm, _revise_submit, _draft_initial, context=_proposal_context))
register(FormDef("proposal.schedule", ScheduleForm, _schedule_submit, choices=_schedule_choices,
                 context=_proposal_context))


# ------------------------------------------------------ BPMN service tasks

class ServiceTasks:
    def __init__(self, clock: Callable[[], datetime]):
        self.clock = clock

    def handlers(self) -> dict:
        return {"proposal.record_decision": self.record_decision, "catalogue.publish": self.publish_to_catalogue}

    @staticmethod
    def _proposal(session: Session, proposal_id) -> Proposal:
        p = session.get(Proposal, int(proposal_id))
        if p is None:
            raise LookupError(f"proposal {proposal_id} does not exist")
        return p

    def record_decision(self, params: dict, task_data: dict) -> str:
        """`proposal.record_decision`: the council's decision (the `council_decision` message's payload in
        the parameter `message`) becomes the proposal's decision and status; returns the decision."""
        session = current_execution.get().session
        message = params["message"] or {}
        p = self._proposal(session, params["proposal_id"])
        outcome = Outcome(message["decision"])  # a decision the council does not know is an incident
        p.decision = outcome.value
        p.decision_changes = message.get("changes") or None
        p.decision_reason = message.get("reason") or None
        p.status = outcome.value
        p.updated_at = self.clock()
        if outcome not in (Outcome.APPROVED, Outcome.APPROVED_WITH_CHANGES):  # approved: catalogue.publish
            catalogue.decide(session, p, message, self.clock())
        return outcome.value

    def publish_to_catalogue(self, params: dict, task_data: dict) -> dict:
        """`catalogue.publish`: the council approved the proposal; the catalogue takes its new version (or
        retires the rule), linked to the meeting and agenda item of the decision's message."""
        session = current_execution.get().session
        p = self._proposal(session, params["proposal_id"])
        return catalogue.decide(session, p, task_data.get("council_decision") or {"decision": p.decision},
                                self.clock())


def catalogue_key(session: Session, p: Proposal) -> str:
    """The catalogue key for a proposal's principle (workflows.catalogue.publish.principle_key_for)."""
    return catalogue.principle_key_for(session, p.title, p.working_group_id)


def _item_postponed(session: Session, audit, actor: str, item, source, target, detail: dict) -> None:
    """The council postponed the proposal's agenda item: the proposal's case says so on its timeline."""
    proposal = session.get(Proposal, item.proposal_id)
    if proposal is not None and proposal.case_id is not None:
        audit.append(session, kind="council.item_postponed", actor=actor, case_id=proposal.case_id,
                     summary=f"{proposal.title}: udsat fra {source.title} til {target.title}", detail=detail)


council_items.POSTPONED_LISTENERS.append(_item_postponed)
