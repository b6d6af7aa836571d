"""Drives the proposal process through the service layer, as the web and API do."""
from __future__ import annotations

from sqlalchemy import select

from engine.models import ReadyTask


class ProposalDriver:
    def __init__(self, app, people):
        from web.extensions import db

        self.app, self.people, self.db = app, people, db
        self.byplan = app.extensions["byplan"]
        self.case_id: int | None = None

    def start(self, username: str, title: str, kind: str = "principle") -> int:
        with self.app.app_context():
            case = self.byplan.start_proposal(self.db.session, self.people.user(username), self.people.group_id,
                                              title, kind)
            self.db.session.commit()
            self.case_id = case.id
        return self.case_id

    def task(self, case_id: int | None = None) -> ReadyTask | None:
        with self.app.app_context():
            return self.db.session.scalar(select(ReadyTask).where(ReadyTask.case_id == (case_id or self.case_id)))

    def complete(self, username: str, values: dict, case_id: int | None = None, version: int | None = None):
        task = self.task(case_id)
        assert task is not None, "the case has no ready task"
        with self.app.app_context():
            try:
                case = self.byplan.complete_task(self.db.session, self.people.user(username), task.id, values,
                                                 version)
                self.db.session.commit()
                return case
            except Exception:
                self.db.session.rollback()
                raise

    def submit(self, username: str, **values):
        task = self.task()
        with self.app.app_context():
            view = self.byplan.task_view(self.db.session, self.people.user(username), task.id)
        data = {**view.values, **values}
        return self.complete(username, data)

    def record(self):
        from workflows.proposal import proposal_for_case

        with self.app.app_context():
            return proposal_for_case(self.db.session, self.case_id)

    def case(self):
        from engine.models import Case

        with self.app.app_context():
            return self.db.session.get(Case, self.case_id)
