"""The architecture-review family's service: starting a review (who may), what each user may see of a review,
the public register (after the embargo), rule usage, a project's history, the review report (PDF), the board's
administration, and what a rule's change does to the reviews and dispensations that cite it.

Access: a review is seen by its owner, the secretariat and the council (staff), the board's members and the
members of its working group; anyone else gets 404. The public register shows decided rounds only once their
embargo has ended, from aggregate rows (RuleUsage) and plain records, never from a workflow.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from engine import Forbidden, NotFound
from engine.models import Case, ReadyTask

from .. import lanes
from ..catalogue import Rule, RuleVersion, rule_code
from ..catalogue.models import Principle
from ..catalogue.publish import on_rule_change
from ..directory import BOARD_MEMBER, MUNICIPALITY_CONTACT, PROJECT_OWNER, SECRETARIAT, User
from ..forms import FormInvalid, load_values
from ..i18n import N_
from ..proposal.models import slugify
from . import mail
from .embargo import Messages
from .search import index_review
from .forms import ASSESSMENTS, RequestForm
from .models import (
    OUTCOMES, PROCESS_ID, STATUS_LABELS, Dispensation, DispensationStatus, Review, ReviewAnswer, ReviewDecision,
    ReviewStatus, RuleUsage, board_member_for,
)
from .tasks import ServiceTasks, today
from .views import AnswerRow, ReviewRecord, review_context, rule_rows  # noqa: F401 (the family's names)

REGISTER_PAGE = 25
DISPENSATIONS_SHOWN = 50


@dataclass
class RegisterRow:
    review_id: int
    project: str
    project_key: str
    organisation: str
    round: int
    outcome: str
    body: str
    decided_at: datetime
    public_at: datetime
    dispensations: int


@dataclass
class UsageRow:
    rule_version_id: int
    code: str
    title: str
    version: int
    status: str
    meets: int
    deviates: int
    not_applicable: int
    dispensations: int


class Reviews:
    def __init__(self, engine, documents=None, *, links=None, clock: Callable[[], datetime] | None = None,
                 search=None):
        self.engine = engine
        self.documents = documents
        self.links = links
        self.clock = clock or engine.clock
        self.search = search
        self.messages = Messages(engine)
        engine.after_save.append(self.messages.after_save)
        engine.after_save.append(self._index_case)
        _LATEST[0] = self  # the catalogue's rule-change hook tells owners through the newest services (links)

    def service_handlers(self) -> dict:
        return ServiceTasks(self.clock, self.links, self.messages.post).handlers()

    # ------------------------------------------------------------ access
    @staticmethod
    def may_request(user: User | None) -> bool:
        return user is not None and user.has_role(PROJECT_OWNER, MUNICIPALITY_CONTACT)

    def may_view(self, session: Session, user: User | None, review: Review) -> bool:
        if user is None:
            return False
        return (lanes.is_staff(user) or user.id == review.owner_id
                or board_member_for(session, user, today(self.clock())) is not None
                or (review.working_group_id is not None and review.working_group_id in user.group_ids))

    def get(self, session: Session, user: User | None, review_id: int) -> Review:
        review = session.get(Review, review_id)
        if review is None or not self.may_view(session, user, review):
            raise NotFound(f"review {review_id}")
        return review

    # ------------------------------------------------------------ start
    def start_review(self, session: Session, user: User | None, raw: dict) -> Review:
        """A project owner's request (checked with RequestForm; a wished date in the past is a field error)."""
        if not self.may_request(user):
            raise Forbidden(N_("Only project owners and municipality contacts request architecture reviews."))
        values = load_values(RequestForm, raw)
        now = self.clock()
        wished = values.get("wished_decision_on")
        if wished is not None and wished <= today(now):
            raise FormInvalid({"wished_decision_on": [N_("The date must be after today.")]})
        review = Review(project=values["project"], project_key=slugify(f"{values['organisation']} {values['project']}"),
                        organisation=values["organisation"], description=values["description"],
                        phase=values["phase"], municipal=values["municipal"] == "yes", wished_decision_on=wished,
                        owner_id=user.id, owner=user, created_at=now, updated_at=now)
        session.add(review)
        session.flush()
        instance = self.engine.start(session, PROCESS_ID, actor=user.username, title=review.project,
                                     data={"review_id": review.id, "owner": user.username})
        review.case_id = instance.id
        self._index(session, review)
        mail.send(session, "submitted", mail.SUBMITTED, mail.secretariat(session), case_id=instance.id, now=now,
                  review=review, url=self.links("review", review_id=review.id) if self.links else "")
        return review

    # ------------------------------------------------------------ reading (internal)
    def review_page(self, session: Session, user: User | None, review_id: int) -> tuple[ReviewRecord, list[ReadyTask]]:
        review = self.get(session, user, review_id)
        tasks = [t for t in session.scalars(select(ReadyTask).where(ReadyTask.case_id == review.case_id))
                 if lanes.may_take(user, t)]
        record = review_context(session, review)
        case = session.get(Case, review.case_id) if review.case_id else None
        record.case_visible = case is not None and lanes.may_view_case(user, case.scope)
        return record, tasks

    def my_reviews(self, session: Session, user: User) -> list[Review]:
        query = select(Review).order_by(Review.updated_at.desc()).limit(200)
        if not lanes.is_staff(user) and board_member_for(session, user, today(self.clock())) is None:
            query = query.where((Review.owner_id == user.id) | Review.working_group_id.in_(user.group_ids or [0]))
        return list(session.scalars(query))

    def task_for(self, session: Session, user: User, review_id: int, form_key: str) -> ReadyTask:
        """The ready task of the review with this form, which the user may take (404 otherwise)."""
        review = self.get(session, user, review_id)
        task = session.scalar(select(ReadyTask).where(ReadyTask.case_id == review.case_id,
                                                      ReadyTask.form_key == form_key))
        if task is None:
            raise NotFound(f"{form_key} of review {review_id}")
        if not lanes.may_take(user, task):
            raise Forbidden(N_("This task belongs to another role."))
        return task

    def case_version(self, session: Session, review: Review) -> int:
        return session.get(Case, review.case_id).version

    # ------------------------------------------------------------ public
    def register(self, session: Session, page: int = 1) -> tuple[list[RegisterRow], int]:
        """Public decided rounds, newest first (one page), with their number of dispensations."""
        total = session.scalar(select(func.count()).select_from(ReviewDecision)
                               .where(ReviewDecision.public_at.is_not(None))) or 0
        query = (self._register_query().where(ReviewDecision.public_at.is_not(None))
                 .order_by(ReviewDecision.public_at.desc(), ReviewDecision.id.desc())
                 .limit(REGISTER_PAGE).offset((max(page, 1) - 1) * REGISTER_PAGE))
        return [RegisterRow(*r) for r in session.execute(query)], total

    @staticmethod
    def _register_query():
        # the dispensations are counted for the rows shown only (a correlated count on an indexed column)
        count = (select(func.count()).select_from(Dispensation).where(Dispensation.decision_id == ReviewDecision.id)
                 .correlate(ReviewDecision).scalar_subquery())
        return (select(Review.id, Review.project, Review.project_key, Review.organisation, ReviewDecision.round,
                       ReviewDecision.outcome, ReviewDecision.body, ReviewDecision.decided_at, ReviewDecision.public_at,
                       count)
                .join(Review, Review.id == ReviewDecision.review_id))

    def public_dispensations(self, session: Session,
                             limit: int = DISPENSATIONS_SHOWN) -> list[tuple[Dispensation, str]]:
        rows = list(session.scalars(select(Dispensation)
                                    .options(selectinload(Dispensation.review))
                                    .join(ReviewDecision, ReviewDecision.id == Dispensation.decision_id)
                                    .where(ReviewDecision.public_at.is_not(None))
                                    .order_by(Dispensation.expires_on, Dispensation.id).limit(limit)))
        codes = rule_rows(session, [d.rule_version_id for d in rows])
        return [(d, codes.get(d.rule_version_id, ("", None))[0]) for d in rows]

    def rule_usage(self, session: Session) -> list[UsageRow]:
        rows = session.execute(
            select(RuleUsage, RuleVersion.title, RuleVersion.version, RuleVersion.status, Principle.number, Rule.number)
            .join(RuleVersion, RuleVersion.id == RuleUsage.rule_version_id)
            .join(Rule, RuleVersion.rule_id == Rule.id).join(Principle, Rule.principle_id == Principle.id)
            .order_by(Principle.number, Rule.number, RuleVersion.version))
        return [UsageRow(u.rule_version_id, rule_code(p, r), title, version, status, u.meets, u.deviates,
                         u.not_applicable, u.dispensations) for u, title, version, status, p, r in rows]

    def project_history(self, session: Session, project_key: str) -> list[RegisterRow]:
        rows = [r for r in self._public_rows(session, Review.project_key == project_key)]
        if not rows:
            raise NotFound(project_key)
        return rows

    def _public_rows(self, session: Session, where) -> list[RegisterRow]:
        query = self._register_query().where(ReviewDecision.public_at.is_not(None), where).order_by(
            ReviewDecision.decided_at)
        return [RegisterRow(*r) for r in session.execute(query)]

    def public_review(self, session: Session, review_id: int) -> ReviewRecord:
        review = session.get(Review, review_id)
        if review is None:
            raise NotFound(f"review {review_id}")
        record = review_context(session, review, public=True)
        if not record.decisions:
            raise NotFound(f"review {review_id}")  # under embargo, or not decided: the public may not know it
        return record

    def embargoed(self, session: Session) -> int:
        """How many decided rounds wait for the council's next meeting (a number the public may see)."""
        return session.scalar(select(func.count()).select_from(ReviewDecision)
                              .where(ReviewDecision.public_at.is_(None))) or 0

    # ------------------------------------------------------------ the report
    def report_pdf(self, session: Session, user: User | None, review_id: int, *, store: bool = False) -> bytes:
        from ..pdf import render_pdf

        review = self.get(session, user, review_id)
        record = review_context(session, review)
        title = f"Arkitekturrapport: {review.project}"
        data = render_pdf("architecture_review/pdf/report.html", {
            "review": record, "assessments": dict(ASSESSMENTS), "outcomes": dict(OUTCOMES),
            "statuses": STATUS_LABELS, "generated": self.clock()}, title=title, lang="da")
        if store and self.documents is not None and review.case_id:
            self.documents.add(session, case_id=review.case_id, filename=f"arkitekturrapport-{review.id}.pdf",
                               content=data, actor=user.username if user else None, title=title)
        return data

    def expiry_calendar(self, session: Session, user: User | None, review_id: int) -> bytes:
        """The review's dispensations' expiry dates as iCalendar (for the owner's calendar)."""
        from .calendar import expiry_calendar

        review = self.get(session, user, review_id)
        record = review_context(session, review)
        return expiry_calendar(record.dispensations, self.links, f"Dispensationer: {review.project}")

    # ------------------------------------------------------------ rule changes (catalogue hook)
    def rule_changed(self, session: Session, old: RuleVersion, new: RuleVersion | None, now: datetime) -> int:
        """Flag the open reviews and the live dispensations that cite `old`; tell their owners. An open review
        still in self-assessment follows the catalogue: the answer moves to `new` (or goes, when retired)."""
        code = rule_rows(session, [old.id]).get(old.id, ("", None))[0]
        note = (f"{code} version {old.version} er erstattet af version {new.version}" if new is not None
                else f"{code} version {old.version} er udfaset")
        told = 0
        for answer, review in session.execute(select(ReviewAnswer, Review)
                                              .join(Review, Review.id == ReviewAnswer.review_id)
                                              .where(ReviewAnswer.rule_version_id == old.id,
                                                     ReviewAnswer.round == Review.round, ReviewAnswer.active.is_(True),
                                                     Review.status.in_([ReviewStatus.REQUESTED.value,
                                                                        ReviewStatus.SELF_ASSESSMENT.value,
                                                                        ReviewStatus.WG_REVIEW.value,
                                                                        ReviewStatus.BOARD.value,
                                                                        ReviewStatus.COUNCIL.value]))).all():
            answer.flag_note = note
            review.flagged = True
            if review.status == ReviewStatus.SELF_ASSESSMENT:
                if new is None:
                    answer.active = False
                else:
                    answer.rule_version_id, answer.assessment, answer.explanation = new.id, None, ""
            self._tell(session, review, code, replaced=new is not None, dispensation=False, now=now)
            told += 1
        for d in session.scalars(select(Dispensation).where(Dispensation.rule_version_id == old.id,
                                                            Dispensation.status == DispensationStatus.LIVE.value)):
            d.flagged, d.flag_note = True, note
            self._tell(session, d.review, code, replaced=new is not None, dispensation=True, now=now)
            told += 1
        return told

    def _tell(self, session: Session, review: Review, code: str, *, replaced: bool, dispensation: bool, now) -> None:
        mail.send(session, "rule_changed", mail.RULE_CHANGED, [review.owner], case_id=review.case_id, now=now,
                  review=review, rule=code, replaced=replaced, dispensation=dispensation,
                  url=self.links("review", review_id=review.id) if self.links else "")

    # ------------------------------------------------------------ search
    def _index_case(self, session: Session, case: Case) -> None:
        if case.process_id != PROCESS_ID or self.search is None:
            return
        review = session.scalar(select(Review).where(Review.case_id == case.id))
        if review is not None:
            self._index(session, review)

    def _index(self, session: Session, review: Review) -> None:
        if self.search is not None:
            index_review(self.search, session, review)


_ = (SECRETARIAT, BOARD_MEMBER, date)
_LATEST: list = [None]


@on_rule_change
def _rule_changed(session: Session, old: RuleVersion, new: RuleVersion | None, now: datetime) -> None:
    """The council superseded or retired an adopted rule version (workflows.catalogue.publish)."""
    reviews = _LATEST[0]
    if reviews is not None:
        reviews.rule_changed(session, old, new, now)
