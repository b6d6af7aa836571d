"""What the architecture-review process does to the records: its task forms (triage, self-assessment,
working-group review, board decision, scheduling for the council, re-review) and its BPMN service tasks
(`review.*` in bpmn/architecture_review.bpmn).

Every check of a form runs before anything is written: a refused completion changes nothing.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import Forbidden, current_execution
from engine.models import Case

from ..catalogue import RuleStatus, RuleVersion, adopted_rule_versions
from ..council import AgendaItem, CouncilError, ItemKind, get_meeting, next_position, open_meetings
from ..council.models import OPEN_STATUSES as COUNCIL_OPEN
from ..dates import COPENHAGEN, end_of_day
from ..directory import GroupMembership, User, WorkingGroup, group_scope
from ..forms import FormDef, FormInvalid, register
from ..i18n import N_
from . import mail
from .views import review_context
from .forms import (
    ACCEPT, AssessmentForm, BoardDecisionForm, ReReviewForm, ScheduleCouncilForm, TriageForm, WorkingGroupReviewForm,
    answer_errors, future_date, review_errors,
)
from .models import (
    OUTCOMES, Assessment, Dispensation, DispensationStatus, Outcome, Review, ReviewAnswer, ReviewDecision,
    ReviewStatus, RuleUsage, answers, board_member_for, review_for_case,
)

REMIND_DAYS = 30  # the owner is reminded this many days before a dispensation expires
COUNCIL_DISPENSATION_DAYS = 365  # a dispensation the council grants runs a year (its conditions: the changes)


def today(now: datetime) -> date:
    return now.astimezone(COPENHAGEN).date()


def scope_of(review: Review) -> str:
    return "municipal" if review.municipal else "common"


def open_round(session: Session, review: Review) -> list[ReviewAnswer]:
    """The answers of the review's current round: one per rule version adopted now, in catalogue order."""
    rows = []
    for position, version in enumerate(adopted_rule_versions(session, scope_of(review))):
        row = ReviewAnswer(review_id=review.id, round=review.round, rule_version_id=version.id, position=position)
        session.add(row)
        rows.append(row)
    return rows


def _review(ctx) -> Review:
    return review_for_case(ctx.session, ctx.case_id)


def _url(ctx, review: Review) -> str:
    return ctx.links("review", review_id=review.id) if ctx.links is not None else ""


# ------------------------------------------------------------- task forms

def _group_choices(ctx) -> dict:
    groups = ctx.session.scalars(select(WorkingGroup).order_by(WorkingGroup.name))
    return {"working_group_id": [(str(g.id), g.name) for g in groups]}


def _triage_submit(ctx, values: dict) -> dict:
    review = _review(ctx)
    now = ctx.now
    if values["triage"] != ACCEPT:
        review.status = ReviewStatus.REFUSED.value
        review.refusal_reason = values["reason"]
        review.updated_at = now
        return {"accepted": False}
    group = ctx.session.get(WorkingGroup, values["working_group_id"])
    if group is None:
        raise FormInvalid({"working_group_id": [N_("Choose one of the options.")]})
    names = [n.strip() for n in values["reviewers"].split(",") if n.strip()]
    with ctx.session.no_autoflush:
        members = set(ctx.session.scalars(select(User.username)
                                          .join(GroupMembership, GroupMembership.user_id == User.id)
                                          .where(GroupMembership.group_id == group.id)))
    unknown = [n for n in names if n not in members]
    if unknown:
        raise FormInvalid({"reviewers": [N_("Name members of the chosen working group only.")]})
    review.working_group_id, review.working_group = group.id, group
    review.reviewers = ", ".join(names)
    review.status = ReviewStatus.SELF_ASSESSMENT.value
    review.updated_at = now
    ctx.session.get(Case, ctx.case_id).scope = group_scope(group.id)  # the group's lane is this group's
    open_round(ctx.session, review)
    mail.send(ctx.session, "assigned", mail.ASSIGNED, mail.users_named(ctx.session, names), case_id=ctx.case_id,
              now=now, review=review, url=_url(ctx, review))
    return {"accepted": True, "working_group_id": group.id}


def _adopted_ids(session: Session, ids: list[int]) -> set[int]:
    with session.no_autoflush:
        return set(session.scalars(select(RuleVersion.id).where(RuleVersion.id.in_(ids or [0]),
                                                                RuleVersion.status == RuleStatus.ADOPTED.value)))


def _assessment_submit(ctx, values: dict) -> dict:
    review = _review(ctx)
    if ctx.user is not None and ctx.user.id != review.owner_id:
        raise Forbidden(N_("Only the project's owner assesses the project."))
    rows = answers(ctx.session, review)
    checked, errors = answer_errors(rows, values, adopted=_adopted_ids(ctx.session, [a.rule_version_id for a in rows]))
    if errors:
        raise FormInvalid(errors)
    for row in rows:
        row.assessment, row.explanation = checked[row.id]
        row.wg_agrees, row.wg_comment = None, ""
    review.status = ReviewStatus.WG_REVIEW.value
    review.updated_at = ctx.now
    return {"deviations": sum(1 for a, _ in checked.values() if a == Assessment.DEVIATES)}


def _assessment_initial(ctx) -> dict:
    review = _review(ctx)
    out = {}
    for row in answers(ctx.session, review):
        if row.assessment:
            out[f"assessment_{row.id}"] = row.assessment
            out[f"explanation_{row.id}"] = row.explanation
    return out


def _wg_submit(ctx, values: dict) -> dict:
    review = _review(ctx)
    rows = answers(ctx.session, review)
    checked, errors = review_errors(rows, values)
    if errors:
        raise FormInvalid(errors)
    for row in rows:
        row.wg_agrees, row.wg_comment = checked[row.id]
    review.recommendation = values["recommendation"]
    review.recommendation_comment = values.get("recommendation_comment") or ""
    review.status = ReviewStatus.BOARD.value
    review.updated_at = ctx.now
    return {"recommendation": values["recommendation"]}


def deviations(session: Session, review: Review) -> list[ReviewAnswer]:
    return [a for a in answers(session, review) if a.assessment == Assessment.DEVIATES]


def _board_submit(ctx, values: dict) -> dict:
    review = _review(ctx)
    now = ctx.now
    if board_member_for(ctx.session, ctx.user, today(now)) is None:
        raise Forbidden(N_("Only members of the architecture board decide reviews."))
    outcome = values["outcome"]
    if outcome == Outcome.ESCALATE:
        review.status = ReviewStatus.COUNCIL.value
        review.updated_at = now
        return {"outcome": outcome}
    devs = deviations(ctx.session, review)
    errors: dict[str, list[str]] = {}
    if outcome == Outcome.APPROVED and devs:
        errors["outcome"] = [N_("The project deviates from rules: approve it with dispensations, or not at all.")]
    if outcome == Outcome.APPROVED_WITH_DISPENSATIONS and not devs:
        errors["outcome"] = [N_("The project deviates from no rule: there is nothing to dispense from.")]
    terms = []
    if outcome == Outcome.APPROVED_WITH_DISPENSATIONS:
        errors.update(future_date(values.get("expires_on"), today(now), "expires_on"))
        for a in devs:
            expires = values.get("expires_on")
            raw = str(values.get(f"expires_{a.id}") or "").strip()
            if raw:
                try:
                    expires = date.fromisoformat(raw)
                except ValueError:
                    errors[f"expires_{a.id}"] = [N_("Enter a real date.")]
                    continue
                errors.update(future_date(expires, today(now), f"expires_{a.id}"))
            terms.append((a, expires, str(values.get(f"conditions_{a.id}") or values.get("conditions") or "")))
    if errors:
        raise FormInvalid(errors)
    decision = record(ctx.session, review, outcome, values["reason"], "board", ctx.user.username if ctx.user else None,
                      now)
    for a, expires, conditions in terms:
        ctx.session.add(Dispensation(review_id=review.id, decision_id=decision.id, rule_version_id=a.rule_version_id,
                                     reason=a.explanation, conditions=conditions[:5000], owner_id=review.owner_id,
                                     expires_on=expires, created_at=now))
    return {"outcome": outcome}


def record(session: Session, review: Review, outcome: str, reason: str, body: str, actor: str | None,
           now: datetime, meeting_id: int | None = None) -> ReviewDecision:
    decision = ReviewDecision(review_id=review.id, round=review.round, outcome=outcome, reason=reason or "",
                              body=body, decided_by=actor, decided_at=now, meeting_id=meeting_id)
    decision.review = review
    session.add(decision)
    session.flush()
    return decision


def _schedule_choices(ctx) -> dict:
    return {"meeting_id": [(str(m.id), f"{m.title} ({m.starts_at.astimezone(COPENHAGEN):%d.%m.%Y})")
                           for m in open_meetings(ctx.session)]}


def _schedule_submit(ctx, values: dict) -> dict:
    review = _review(ctx)
    try:
        meeting = get_meeting(ctx.session, values["meeting_id"])
    except Exception:  # noqa: BLE001 - an unknown meeting is a field error
        meeting = None
    if meeting is None or meeting.status not in COUNCIL_OPEN:
        raise FormInvalid({"meeting_id": [N_("Choose a meeting that still takes agenda items.")]})
    item = AgendaItem(meeting_id=meeting.id, kind=ItemKind.DECISION.value,
                      title=f"Arkitekturvurdering: {review.project}"[:200],
                      description=(review.recommendation_comment or review.description or "")[:5000],
                      working_group_id=review.working_group_id, position=next_position(ctx.session, meeting))
    ctx.session.add(item)
    ctx.session.flush()
    review.agenda_item_id = item.id
    review.updated_at = ctx.now
    return {"meeting_id": meeting.id, "agenda_item_id": item.id}


def _re_review_submit(ctx, values: dict) -> dict:
    return {"re_review": values["re_review"]}


def _context(ctx):
    review = _review(ctx)
    return review_context(ctx.session, review) if review is not None else None


register(FormDef("review.triage", TriageForm, _triage_submit, choices=_group_choices, context=_context))
register(FormDef("review.self_assessment", AssessmentForm, _assessment_submit, _assessment_initial,
                 context=_context))
register(FormDef("review.wg_review", WorkingGroupReviewForm, _wg_submit, context=_context))
register(FormDef("review.board_decision", BoardDecisionForm, _board_submit, context=_context))
register(FormDef("review.schedule_council", ScheduleCouncilForm, _schedule_submit, choices=_schedule_choices,
                 context=_context))
register(FormDef("review.re_review", ReReviewForm, _re_review_submit, context=_context))


# ------------------------------------------------------ BPMN service tasks

class ServiceTasks:
    def __init__(self, clock: Callable[[], datetime], links=None, post=None):
        self.clock = clock
        self.links = links
        self.post = post  # embargo.Messages.post: a message to a case (the council's decision, the embargo's end)

    def handlers(self) -> dict:
        return {"review.record_council_decision": self.record_council_decision,
                "review.record_decision": self.record_decision, "review.publish": self.publish,
                "review.remind_dispensation": self.remind, "review.lapse_dispensation": self.lapse,
                "review.new_round": self.new_round, "review.close": self.close}

    @staticmethod
    def _review(session: Session, review_id) -> Review:
        review = session.get(Review, int(review_id))
        if review is None:
            raise LookupError(f"review {review_id} does not exist")
        return review

    def _url(self, review: Review) -> str:
        return self.links("review", review_id=review.id) if self.links is not None else ""

    def record_council_decision(self, params: dict, task_data: dict) -> str:
        """The council's decision (message payload) on an escalated review; "sent_back" returns it to the board."""
        session = current_execution.get().session
        review = self._review(session, params["review_id"])
        message = params["message"] or {}
        now = self.clock()
        council = message.get("decision")
        if council == "sent_back":
            review.status = ReviewStatus.BOARD.value
            review.agenda_item_id = None
            return "sent_back"
        devs = deviations(session, review)
        if council in ("approved", "approved_with_changes"):
            outcome = Outcome.APPROVED_WITH_DISPENSATIONS if devs else Outcome.APPROVED
        else:
            outcome = Outcome.NOT_APPROVED
        reason = "\n".join(x for x in (message.get("reason"), message.get("changes")) if x)
        meeting_id = message.get("meeting_id")
        decision = record(session, review, outcome.value, reason, "council", "council", now,
                          meeting_id=int(meeting_id) if meeting_id else None)
        if outcome == Outcome.APPROVED_WITH_DISPENSATIONS:
            expires = today(now) + timedelta(days=COUNCIL_DISPENSATION_DAYS)
            for a in devs:
                session.add(Dispensation(review_id=review.id, decision_id=decision.id,
                                         rule_version_id=a.rule_version_id, reason=a.explanation,
                                         conditions=message.get("changes") or "", owner_id=review.owner_id,
                                         expires_on=expires, created_at=now))
        # decided at the council's meeting, in public: the embargo ends with that meeting
        if self.post is not None and decision.meeting_id:
            decision.lifted_by_meeting_id = decision.meeting_id
            self.post(session, review.case_id, "review_published", review.id,
                      {"review_id": review.id, "meeting_id": decision.meeting_id})
        return outcome.value

    def record_decision(self, params: dict, task_data: dict) -> dict:
        """The round's decision is recorded: its dispensations for the process's timers; the owner is told."""
        session = current_execution.get().session
        review = self._review(session, params["review_id"])
        decision = session.scalar(select(ReviewDecision).where(ReviewDecision.review_id == review.id,
                                                                ReviewDecision.round == review.round))
        review.status = ReviewStatus.DECIDED.value
        review.updated_at = self.clock()
        rows = list(session.scalars(select(Dispensation).where(Dispensation.decision_id == decision.id)
                                    .order_by(Dispensation.id)))
        items = [{"id": d.id, "expires_at": end_of_day(d.expires_on).isoformat(),
                  "remind_at": end_of_day(d.expires_on - timedelta(days=REMIND_DAYS)).isoformat()} for d in rows]
        codes = rule_codes(session, [d.rule_version_id for d in rows])
        body = "Arkitekturboardet" if decision.body == "board" else "Kommunernes It-Arkitekturråd"
        mail.send(session, "decided", mail.DECIDED, [review.owner], case_id=review.case_id, now=self.clock(),
                  review=review, body=body, outcome=dict(OUTCOMES_DA).get(decision.outcome, decision.outcome),
                  dispensations=[{"rule": codes.get(d.rule_version_id, ""), "expires_on": d.expires_on} for d in rows],
                  url=self._url(review))
        return {"count": len(items), "dispensations": items, "decision_id": decision.id}

    def publish(self, params: dict, task_data: dict) -> dict:
        """The embargo has ended: the decision is public, and the rule-usage aggregate counts its round."""
        session = current_execution.get().session
        review = self._review(session, params["review_id"])
        decision = session.scalar(select(ReviewDecision).where(ReviewDecision.review_id == review.id,
                                                                ReviewDecision.round == review.round))
        decision.public_at = self.clock()
        count_usage(session, review, decision)
        return {"public": True}

    def remind(self, params: dict, task_data: dict) -> dict:
        session = current_execution.get().session
        d = session.get(Dispensation, int(params["dispensation_id"]))
        if d.status != DispensationStatus.LIVE:
            return {"reminded": False}
        d.reminded_at = self.clock()
        mail.send(session, "expiring", mail.EXPIRING, [d.owner], case_id=d.review.case_id, now=self.clock(),
                  review=d.review, dispensation=d,
                  rule=rule_codes(session, [d.rule_version_id]).get(d.rule_version_id, ""),
                  url=self._url(d.review))
        return {"reminded": True}

    def lapse(self, params: dict, task_data: dict) -> dict:
        session = current_execution.get().session
        d = session.get(Dispensation, int(params["dispensation_id"]))
        d.status = DispensationStatus.LAPSED.value
        d.lapsed_at = self.clock()
        review = d.review
        if not session.scalar(select(func.count()).select_from(Dispensation).where(
                Dispensation.review_id == review.id, Dispensation.status == DispensationStatus.LIVE.value,
                Dispensation.id != d.id)):
            review.status = ReviewStatus.RE_REVIEW.value
        return {"lapsed": True}

    def new_round(self, params: dict, task_data: dict) -> dict:
        session = current_execution.get().session
        review = self._review(session, params["review_id"])
        review.round += 1
        review.status = ReviewStatus.SELF_ASSESSMENT.value
        review.recommendation = review.recommendation_comment = None
        review.flagged = False
        review.updated_at = self.clock()
        session.flush()
        open_round(session, review)
        return {"round": review.round}

    def close(self, params: dict, task_data: dict) -> dict:
        session = current_execution.get().session
        review = self._review(session, params["review_id"])
        review.status = ReviewStatus.CLOSED.value
        review.updated_at = self.clock()
        return {"closed": True}


OUTCOMES_DA = [("approved", "godkendt"), ("approved_with_dispensations", "godkendt med dispensationer"),
               ("not_approved", "ikke godkendt")]
assert {k for k, _ in OUTCOMES_DA} <= {k for k, _ in OUTCOMES}


def rule_codes(session: Session, version_ids: list[int]) -> dict[int, str]:
    from ..catalogue import Rule, rule_code
    from ..catalogue.models import Principle

    with session.no_autoflush:
        rows = session.execute(select(RuleVersion.id, Principle.number, Rule.number, RuleVersion.version)
                               .join(Rule, RuleVersion.rule_id == Rule.id)
                               .join(Principle, Rule.principle_id == Principle.id)
                               .where(RuleVersion.id.in_(version_ids or [0])))
        return {vid: f"{rule_code(p, r)} (version {v})" for vid, p, r, v in rows}


def count_usage(session: Session, review: Review, decision: ReviewDecision) -> None:
    """Add a published round to the per-rule-version aggregate (the public register reads only this)."""
    granted = {d.rule_version_id for d in session.scalars(select(Dispensation).where(
        Dispensation.decision_id == decision.id))}
    for a in answers(session, review, decision.round):
        row = session.get(RuleUsage, a.rule_version_id)
        if row is None:
            row = RuleUsage(rule_version_id=a.rule_version_id, meets=0, deviates=0, not_applicable=0, dispensations=0)
            session.add(row)
        if a.assessment == Assessment.MEETS:
            row.meets += 1
        elif a.assessment == Assessment.DEVIATES:
            row.deviates += 1
        elif a.assessment == Assessment.NOT_APPLICABLE:
            row.not_applicable += 1
        if a.rule_version_id in granted:
            row.dispensations += 1


_ = CouncilError  # the council's schedule errors are field errors here
