"""Runs a council meeting through its process for tests: members, a meeting, positions, decisions.

Time is moved with time_machine past the item deadline and the agenda publication, as the worker
would experience it; messages to proposal cases are routed as the worker routes them.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import time_machine
from sqlalchemy import select

from engine.models import ReadyTask, utcnow


class CouncilDriver:
    def __init__(self, app, people):
        from web.extensions import db

        self.app, self.people, self.db = app, people, db
        self.byplan = app.extensions["byplan"]

    # ---------------------------------------------------------------- setup
    def ensure_members(self, names=("chair", "councillor")) -> list[str]:
        from workflows.council import CouncilMember

        with self.app.app_context():
            s = self.db.session
            for name in names:
                user = self.people.user(name)
                if s.scalars(select(CouncilMember).where(CouncilMember.user_id == user.id)).unique().first() is None:
                    s.add(CouncilMember(user_id=user.id, term_start=date(2020, 1, 1),
                                        is_chair=user.has_role("council_chair")))
            s.commit()
        return list(names)

    def create_meeting(self, title="Rådsmøde", days_ahead=14, item_deadline_days=3, publish_days=7) -> int:
        today = utcnow().date()
        with self.app.app_context():
            meeting = self.byplan.council.create_meeting(self.db.session, self.people.user("secretary"), {
                "title": title, "date": (today + timedelta(days=days_ahead)).isoformat(), "start_time": "10:00",
                "place": "KL, Weidekampsgade 10",
                "item_deadline": (today + timedelta(days=item_deadline_days)).isoformat(),
                "publish_days": str(publish_days)})
            self.db.session.commit()
            return meeting.id

    # ----------------------------------------------------------- the tasks
    def tasks(self, case_id: int, spec_name: str | None = None) -> list[ReadyTask]:
        with self.app.app_context():
            query = select(ReadyTask).where(ReadyTask.case_id == case_id)
            rows = list(self.db.session.scalars(query))
        return [r for r in rows if spec_name is None or r.spec_name.startswith(spec_name)]

    def complete(self, username: str, task: ReadyTask, values: dict):
        with self.app.app_context():
            try:
                case = self.byplan.complete_task(self.db.session, self.people.user(username), task.id, values, None)
                self.db.session.commit()
                return case
            except Exception:
                self.db.session.rollback()
                raise

    def schedule(self, proposal_case_id: int, meeting_id: int) -> None:
        [task] = self.tasks(proposal_case_id, "schedule")
        self.complete("secretary", task, {"meeting_id": str(meeting_id)})

    def meeting(self, meeting_id: int):
        from workflows.council import get_meeting

        with self.app.app_context():
            return get_meeting(self.db.session, meeting_id)

    def sweep(self) -> None:
        self.byplan.engine.fire_due_timers()
        self.byplan.engine.route_messages()

    def publish_agenda(self, meeting_id: int) -> None:
        """Past the item deadline, build the agenda, past the publication time: positions open."""
        meeting = self.meeting(meeting_id)
        with time_machine.travel(meeting.deadline_moment + timedelta(minutes=1), tick=False):
            self.sweep()
            [task] = self.tasks(meeting.case_id, "build_agenda")
            self.complete("secretary", task, {})
        with time_machine.travel(max(meeting.publish_moment, meeting.deadline_moment) + timedelta(minutes=2),
                                 tick=False):
            self.sweep()

    def record_positions(self, meeting_id: int, positions: dict[str, str]) -> None:
        meeting = self.meeting(meeting_id)
        for task in self.tasks(meeting.case_id, "position"):
            if task.assignee in positions:
                self.complete(task.assignee, task, {"position": positions[task.assignee], "comment": ""})

    def decide_all(self, meeting_id: int, decisions: dict[int, dict]) -> None:
        """decisions: {agenda item id: form values}; the chair decides item after item."""
        meeting = self.meeting(meeting_id)
        with self.at_meeting(meeting_id):
            for _ in range(len(decisions)):
                [task] = self.tasks(meeting.case_id, "decide")
                with self.app.app_context():
                    view = self.byplan.task_view(self.db.session, self.people.user("chair"), task.id)
                    item_id = view.task_data["item"]["item_id"]
                self.complete("chair", task, decisions[item_id])
                self.byplan.engine.route_messages()

    @contextmanager
    def at_meeting(self, meeting_id: int, minutes: int = 1):
        """At the meeting (`minutes` after its start), the worker's timers fired: the chair's decisions
        are ready (the process waits for the start)."""
        meeting = self.meeting(meeting_id)
        with time_machine.travel(meeting.starts_at + timedelta(minutes=minutes), tick=True):
            self.sweep()
            yield

    def items(self, meeting_id: int):
        from workflows.council import items

        with self.app.app_context():
            return items(self.db.session, meeting_id)

    def decide_proposal(self, proposal_case_id: int, values: dict, *, members=("chair", "councillor")) -> int:
        """The whole council path for one proposal waiting at 'schedule': returns the meeting id."""
        self.ensure_members(members)
        meeting_id = self.create_meeting()
        self.schedule(proposal_case_id, meeting_id)
        self.publish_agenda(meeting_id)
        self.record_positions(meeting_id, {m: "agree" for m in members})
        [item] = [i for i in self.items(meeting_id) if i.proposal_id is not None]
        self.decide_all(meeting_id, {item.id: values})
        return meeting_id
