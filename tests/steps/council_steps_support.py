"""Helpers for the council meeting steps (features/council.feature).

Everything goes through the service layer (the Council service, the task forms, the
public web pages), and the clock is the scenario's time_machine traveller (tick=False):
time moves only when a step moves it, and then the worker's sweep (timers, messages) runs.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from engine.mail import OutboxMail
from engine.models import Case, ReadyTask, WaitingTimer

from council_support import CouncilDriver

from .common import COPENHAGEN, Plumbing

PASSWORD = "correct horse battery"


class CouncilScene(Plumbing):
    """One scenario's meeting, its proposals and the members, on top of CouncilDriver."""

    def __init__(self, app, people, clock):
        from web.extensions import db

        self.app, self.people, self.db, self.clock = app, people, db, clock
        self.byplan = app.extensions["byplan"]
        self.council = self.byplan.council
        self.driver = CouncilDriver(app, people)
        self.meeting_id: int | None = None
        self.proposals: dict[str, int] = {}  # proposal title -> its case id

    # ------------------------------------------------------------ plumbing

    def move_to(self, moment: datetime) -> None:
        """Move the clock and let the worker do what is due (timers, then messages)."""
        self.clock.move_to(moment)
        self.driver.sweep()
        assert self.meeting_case().status in ("running", "completed"), self.meeting_case().error

    # ----------------------------------------------------------- directory
    def add_member(self, username: str, name: str, organisation: str, chair: bool) -> None:
        from workflows.council import CouncilMember
        from workflows.directory import COUNCIL_MEMBER, User, create_user

        with self.work() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                user = create_user(s, username, name, f"{username}@example.org", PASSWORD, (COUNCIL_MEMBER,))
            assert user.has_role("council_member"), username
            assert user.has_role("council_chair") == chair, f"{username}: chair is {chair}"
            if s.scalars(select(CouncilMember).where(CouncilMember.user_id == user.id)).unique().first() is None:
                s.add(CouncilMember(user_id=user.id, term_start=date(2024, 1, 1), is_chair=chair,
                                    organisation=organisation))

    def add_group_lead(self, group_name: str, username: str) -> None:
        from workflows.directory import User, WorkingGroup, add_member, create_user

        with self.work() as s:
            group = s.scalar(select(WorkingGroup).where(WorkingGroup.name == group_name))
            assert group is not None, group_name
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                user = create_user(s, username, username.title(), f"{username}@example.org", PASSWORD)
            if not user.leads(group.id):
                add_member(s, user, group, lead=True)

    def members(self) -> list[str]:
        from workflows.council import members

        with self.read() as s:
            return [m.user.username for m in members(s)]

    def chair(self) -> str:
        from workflows.council import members

        with self.read() as s:
            [chair] = [m.user.username for m in members(s) if m.is_chair]
        return chair

    # ------------------------------------------------------------ meeting
    def create_meeting(self, title: str, starts_at: datetime, item_deadline: date) -> None:
        today = self.now().astimezone(COPENHAGEN).date()
        self.meeting_id = self.driver.create_meeting(
            title=title, days_ahead=(starts_at.date() - today).days,
            item_deadline_days=(item_deadline - today).days, publish_days=7)
        meeting = self.meeting()
        assert meeting.starts_at.replace(tzinfo=timezone.utc) == starts_at, meeting.starts_at
        assert meeting.item_deadline == item_deadline

    def meeting(self):
        return self.driver.meeting(self.meeting_id)

    def meeting_case(self) -> Case:
        with self.read() as s:
            return s.get(Case, self.meeting().case_id)

    def meeting_tasks(self, spec_name: str | None = None) -> list[ReadyTask]:
        return self.driver.tasks(self.meeting().case_id, spec_name)

    def timers(self) -> list[datetime]:
        with self.read() as s:
            return [t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t
                    for t in s.scalars(select(WaitingTimer.due_at)
                                       .where(WaitingTimer.case_id == self.meeting().case_id))]

    def items(self):
        return self.driver.items(self.meeting_id)

    def item(self, title: str):
        from workflows.council import AgendaItem

        with self.read() as s:
            row = s.scalar(select(AgendaItem).where(AgendaItem.meeting_id == self.meeting_id,
                                                    AgendaItem.title == title))
        assert row is not None, f"no agenda item {title!r}"
        return row

    def add_item(self, username: str, kind: str, title: str, reason: str | None = None):
        with self.work() as s:
            return self.council.add_item(s, self.user(username), self.meeting_id,
                                         {"kind": kind, "title": title,
                                          "description": f"{title}: orientering fra sekretariatet",
                                          "reason": reason or ""}).id

    def agenda_changes(self):
        from workflows.council import AgendaChange

        with self.read() as s:
            return list(s.scalars(select(AgendaChange).where(AgendaChange.meeting_id == self.meeting_id)))

    def pass_item_deadline(self) -> None:
        self.move_to(self.call()["item_deadline_at"] + timedelta(seconds=1))

    def call(self) -> dict:
        """The moments open_call computed: item deadline and agenda publication (UTC)."""
        meeting = self.meeting()
        return {"item_deadline_at": meeting.deadline_moment, "publish_at": meeting.publish_moment}

    def build_agenda(self, username: str = "secretary") -> None:
        [task] = self.meeting_tasks("build_agenda")
        self.driver.complete(username, task, {"note": ""})

    def publish(self) -> None:
        """From a collecting meeting to a published agenda, the way the worker does it."""
        self.pass_item_deadline()
        self.build_agenda()
        self.move_to(self.call()["publish_at"] + timedelta(seconds=1))
        assert self.meeting().agenda_published_at is not None

    def hold_meeting(self) -> None:
        """The meeting has begun (a timer fires once its moment has passed)."""
        self.move_to(self.meeting().starts_at.replace(tzinfo=timezone.utc) + timedelta(seconds=1))

    # ------------------------------------------------------------ proposals
    def screened_proposal(self, group_name: str, lead: str, title: str) -> int:
        """A principle proposal from the group, submitted by its lead and screened as complete."""
        from workflows.directory import WorkingGroup

        with self.work() as s:
            group_id = s.scalar(select(WorkingGroup.id).where(WorkingGroup.name == group_name))
            case = self.byplan.start_proposal(s, self.user(lead), group_id, title, "principle")
            case_id = case.id
        self.proposals[title] = case_id
        [draft] = self.driver.tasks(case_id, "draft")
        self.driver.complete(lead, draft, {"kind": "principle", "title": title,
                                           "summary": f"Resumé: {title}", "statement": f"Princip: {title}",
                                           "rationale": "Begrundelse", "implications": ""})
        [screen] = self.driver.tasks(case_id, "screen")
        self.driver.complete("secretary", screen, {"screening": "complete", "hearing": "no"})
        assert [t.spec_name for t in self.driver.tasks(case_id)] == ["schedule"]
        return case_id

    def schedule(self, title: str) -> None:
        self.driver.schedule(self.proposals[title], self.meeting_id)

    def proposal(self, title: str):
        from workflows.proposal import proposal_for_case

        with self.read() as s:
            return proposal_for_case(s, self.proposals[title])

    def proposal_case(self, title: str) -> Case:
        with self.read() as s:
            return s.get(Case, self.proposals[title])

    def inbox(self, username: str, case_id: int | None = None) -> list[str]:
        with self.read() as s:
            return [t.title for t in self.byplan.inbox(s, self.user(username))
                    if case_id is None or t.case_id == case_id]

    # ------------------------------------------------------------ positions
    def position_tasks(self) -> list[tuple[ReadyTask, dict]]:
        """The ready position tasks with the request each carries ({item_id, member})."""
        rows = []
        for task in self.meeting_tasks("position"):
            with self.read() as s:
                view = self.byplan.task_view(s, self.user(task.assignee), task.id)
            rows.append((task, view.task_data["request"]))
        return rows

    def record_positions(self, positions: dict[tuple[str, int], str]) -> None:
        """positions: {(member, item id): position}; completes the members' position tasks."""
        for task, request in self.position_tasks():
            key = (request["member"], request["item_id"])
            if key in positions:
                assert task.assignee == request["member"]
                self.driver.complete(task.assignee, task, {"position": positions[key],
                                                           "comment": "Indsigelse" if positions[key] == "object"
                                                           else ""})

    def change_position(self, username: str, item_id: int, position: str, comment: str = ""):
        with self.work() as s:
            return self.council.change_position(s, self.user(username), item_id,
                                                {"position": position, "comment": comment})

    def positions(self, item_id: int):
        from workflows.council import positions

        with self.read() as s:
            return positions(s, item_id)

    # ------------------------------------------------------------ decisions
    def decide_task(self) -> tuple[ReadyTask, dict, dict]:
        """The chair's one ready decide task, its initial form values and its task data."""
        [task] = self.meeting_tasks("decide")
        with self.read() as s:
            view = self.byplan.task_view(s, self.user(self.chair()), task.id)
        return task, view.values, view.task_data

    def decide(self, title: str, values: dict, username: str | None = None) -> None:
        task, _, data = self.decide_task()
        assert data["item"]["item_id"] == self.item(title).id, "the chair decides the items in agenda order"
        self.driver.complete(username or self.chair(), task, values)
        self.driver.sweep()

    def decide_all_approved(self) -> None:
        while self.meeting_tasks("decide"):
            task, _, data = self.decide_task()
            self.driver.complete(self.chair(), task, {"decision": "approved"})
            self.driver.sweep()

    # ------------------------------------------------------------ minutes
    def write_item_minutes(self, username: str, title: str, text: str) -> None:
        item_id = self.item(title).id  # read first: one session at a time (SQLite takes the write lock at BEGIN)
        with self.work() as s:
            self.council.write_minutes(s, self.user(username), item_id, text)

    def minutes_task_initial(self, username: str = "secretary") -> dict:
        [task] = self.meeting_tasks("draft_minutes")
        with self.read() as s:
            return self.byplan.task_view(s, self.user(username), task.id).values

    def send_minutes(self, username: str, summary: str) -> None:
        [task] = self.meeting_tasks("draft_minutes")
        self.driver.complete(username, task, {"minutes_summary": summary})
        self.driver.sweep()

    def object_to_minutes(self, username: str, text: str):
        with self.work() as s:
            return self.council.object_to_minutes(s, self.user(username), self.meeting_id, {"text": text})

    def pass_minutes_deadline(self) -> None:
        deadline = self.meeting().minutes_deadline_at.replace(tzinfo=timezone.utc)
        self.move_to(deadline + timedelta(seconds=1))

    def mails(self, tag: str) -> list[OutboxMail]:
        with self.read() as s:
            return list(s.scalars(select(OutboxMail).where(OutboxMail.case_id == self.meeting().case_id,
                                                           OutboxMail.tag == tag).order_by(OutboxMail.id)))

    def count(self, model, *where) -> int:
        with self.read() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where)) or 0

    # ------------------------------------------------------------ public web
    def public_get(self, url: str):
        return self.app.test_client().get(url)

    def public_page(self):
        return self.public_get(f"/raadet/moeder/{self.meeting_id}")
