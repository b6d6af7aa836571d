"""Drives architecture reviews through the service layer for tests: rules in the catalogue, the board, a
review from request to decision, the council's meeting for escalation and the embargo."""
from __future__ import annotations

from datetime import date, timedelta

import time_machine
from sqlalchemy import select

from engine.models import ReadyTask, utcnow

from council_support import CouncilDriver


def add_rules(session, count: int = 3, *, municipal: int = 1, principle_number: int = 1) -> list[int]:
    """One principle with `count` adopted rules (the last `municipal` of them municipal-only); their version ids."""
    from workflows.catalogue import Principle, Rule, RuleStatus, RuleVersion, Scope

    principle = Principle(key=f"princip-{principle_number}", number=principle_number)
    session.add(principle)
    session.flush()
    ids = []
    for n in range(1, count + 1):
        rule = Rule(principle_id=principle.id, number=n, key=f"ar-{principle_number}-{n}")
        session.add(rule)
        session.flush()
        version = RuleVersion(rule_id=rule.id, version=1, title=f"Regel {principle_number}.{n}",
                              text=f"Løsningen følger regel {principle_number}.{n}.",
                              scope=Scope.MUNICIPAL.value if n > count - municipal else Scope.COMMON.value,
                              status=RuleStatus.ADOPTED.value)
        session.add(version)
        session.flush()
        ids.append(version.id)
    return ids


class ReviewDriver:
    def __init__(self, app, people):
        from web.extensions import db

        self.app, self.people, self.db = app, people, db
        self.byplan = app.extensions["byplan"]
        self.council = CouncilDriver(app, people)
        self.review_id: int | None = None
        self.case_id: int | None = None

    # ---------------------------------------------------------------- setup
    def setup(self, rules: int = 3, municipal: int = 1) -> list[int]:
        from workflows.architecture_review import ArchitectureBoard, BoardMember
        from workflows.directory import BOARD_MEMBER, PROJECT_OWNER, UserRole

        with self.app.app_context():
            s = self.db.session
            ids = add_rules(s, rules, municipal=municipal)
            board = ArchitectureBoard(name="Arkitekturboardet", mandate="Afgør arkitekturvurderinger for Rådet.")
            s.add(board)
            s.flush()
            s.add(BoardMember(board_id=board.id, user_id=self.people.user("councillor").id,
                              term_start=date(2020, 1, 1)))
            s.add(UserRole(user_id=self.people.user("councillor").id, role=BOARD_MEMBER))
            s.add(UserRole(user_id=self.people.user("outsider").id, role=BOARD_MEMBER))  # the role, no membership
            s.add(UserRole(user_id=self.people.user("lead").id, role=PROJECT_OWNER))
            s.commit()
            self.rule_version_ids = ids
        return ids

    # ----------------------------------------------------------- actions
    def start(self, username: str = "contact", **values) -> int:
        raw = {"project": "Fælles borgerportal", "organisation": "Hjørring Kommune",
               "description": "En portal til borgernes henvendelser.", "phase": "procurement", "municipal": "yes",
               **values}
        with self.app.app_context():
            try:
                review = self.byplan.reviews.start_review(self.db.session, self.people.user(username), raw)
                self.db.session.commit()
            except Exception:
                self.db.session.rollback()
                raise
            self.review_id, self.case_id = review.id, review.case_id
        return self.review_id

    def tasks(self, form_key: str | None = None) -> list[ReadyTask]:
        with self.app.app_context():
            rows = list(self.db.session.scalars(select(ReadyTask).where(ReadyTask.case_id == self.case_id)))
        return [r for r in rows if form_key is None or r.form_key == form_key]

    def complete(self, username: str, form_key: str, values: dict, version: int | None = None):
        [task] = self.tasks(form_key)
        with self.app.app_context():
            try:
                case = self.byplan.complete_task(self.db.session, self.people.user(username), task.id, values, version)
                self.db.session.commit()
                return case
            except Exception:
                self.db.session.rollback()
                raise

    def answer_ids(self) -> list[int]:
        from workflows.architecture_review import answers

        with self.app.app_context():
            return [a.id for a in answers(self.db.session, self.record())]

    def triage(self, username: str = "secretary", **values):
        raw = {"triage": "accept", "working_group_id": str(self.people.group_id), "reviewers": "member", **values}
        return self.complete(username, "review.triage", raw)

    def assess(self, username: str = "contact", choices: list[str] | None = None, explain: bool = True):
        ids = self.answer_ids()
        choices = choices or ["meets"] * len(ids)
        raw = {}
        for answer_id, value in zip(ids, choices):
            raw[f"assessment_{answer_id}"] = value
            if value != "meets" and explain:
                raw[f"explanation_{answer_id}"] = "Projektet bruger en eksisterende løsning."
        return self.complete(username, "review.self_assessment", raw)

    def wg_review(self, username: str = "member", recommendation: str = "compliant_with_dispensations"):
        raw = {f"agree_{i}": "agree" for i in self.answer_ids()}
        raw["recommendation"] = recommendation
        return self.complete(username, "review.wg_review", raw)

    def decide(self, username: str = "councillor", **values):
        return self.complete(username, "review.board_decision", {"reason": "Begrundet afvigelse.", **values})

    def record(self):
        from workflows.architecture_review import Review

        with self.app.app_context():
            return self.db.session.get(Review, self.review_id)

    def decisions(self):
        from workflows.architecture_review import ReviewDecision

        with self.app.app_context():
            return list(self.db.session.scalars(select(ReviewDecision).where(
                ReviewDecision.review_id == self.review_id)))

    def dispensations(self):
        from workflows.architecture_review import Dispensation

        with self.app.app_context():
            return list(self.db.session.scalars(select(Dispensation).where(Dispensation.review_id == self.review_id)
                                                .order_by(Dispensation.id)))

    def case(self):
        from engine.models import Case

        with self.app.app_context():
            return self.db.session.get(Case, self.case_id)

    def sweep(self) -> None:
        self.council.sweep()

    def hold_council_meeting(self) -> int:
        """A council meeting after now, held through its process: agenda, positions, the chair's decisions."""
        c = self.council
        c.ensure_members()
        meeting_id = c.create_meeting()
        with self.app.app_context():
            from workflows.council import AgendaItem, get_meeting
            s = self.db.session
            meeting = get_meeting(s, meeting_id)
            s.add(AgendaItem(meeting_id=meeting_id, kind="decision", title="Orientering om fælles løsninger",
                             position=1))
            s.commit()
            starts = meeting.starts_at
        c.publish_agenda(meeting_id)
        self.decide_meeting(meeting_id, starts)
        return meeting_id

    def decide_meeting(self, meeting_id: int, starts, outcome: str = "approved") -> None:
        c = self.council
        # every member takes a position before the meeting: the chair decides with a quorum
        c.record_positions(meeting_id, {m: "agree" for m in c.ensure_members()})
        with time_machine.travel(starts + timedelta(minutes=5), tick=False):
            self.sweep()
            meeting = c.meeting(meeting_id)
            while True:
                tasks = c.tasks(meeting.case_id, "decide")
                if not tasks:
                    break
                c.complete("chair", tasks[0], {"decision": outcome, "reason": "Rådet følger indstillingen."})
                self.sweep()
            self.sweep()


def today() -> date:
    return utcnow().date()
