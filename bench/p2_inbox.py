"""P2: the inbox with 10,000 open cases vs 100, HTML (`/opgaver`) and API (`GET /api/v1/tasks`).

Two SQLite databases in the same run, one with 100 open proposal cases and one with 10,000. Two
cases of each are started through the engine (one waiting at the working group's draft task, one
at the secretariat's screening); the others are bulk copies of those two (case row with its state,
proposal record, ready-task projection), spread so that what each user sees is realistic:

- the lead of a working group sees the 25 draft tasks of their group (in both databases: the
  other drafts belong to other working groups, 25 cases each);
- the secretariat sees every screening task: half the cases (50 of 100, 5,000 of 10,000), and
  reads them a page at a time: the HTML inbox shows 50 per page, the API client asks `limit=50`.

Measured: the first page for each user, HTML and API, through Flask's test client.
Target: 10,000 cases <= 1.3 x 100 cases, for every row.
"""
from __future__ import annotations

import re

from sqlalchemy import insert, select

from .common import DRAFT, Result, Sample, clone_cases, quick, ratio, sqlite_app, timed

TARGET = 1.3
GROUP_CASES = 25  # the lead's group's open drafts (and every other group's)
PAGE = 50
TASK_LINK = re.compile(rb'href="/opgaver/[0-9a-f-]{36}"')  # a task's page, not the inbox's other pages (/liste)


class Inbox:
    def __init__(self, cases: int):
        from engine.models import ReadyTask
        from web.extensions import db
        from workflows.directory import WorkingGroup, group_scope

        self.cases = cases
        self.app, self.people = sqlite_app()
        byplan = self.app.extensions["byplan"]
        with self.app.app_context():
            s = db.session
            lead = self.people.user("lead")
            draft = byplan.start_proposal(s, lead, self.people.group_id, "Forslag 0").id
            screen = byplan.start_proposal(s, lead, self.people.group_id, "Forslag 1").id
            task = s.scalar(select(ReadyTask.id).where(ReadyTask.case_id == screen))
            byplan.complete_task(s, lead, task, dict(DRAFT), None)
            s.commit()
            screening = cases // 2 - 1
            other_drafts = cases - 2 - screening - (GROUP_CASES - 1)
            groups = max(1, -(-max(other_drafts, screening) // GROUP_CASES))
            first = (s.scalar(select(WorkingGroup.id).order_by(WorkingGroup.id.desc()).limit(1)) or 0) + 1
            s.execute(insert(WorkingGroup), [{"id": first + g, "name": f"Gruppe {g}"} for g in range(groups)])

            def other(i):
                return first + (i // GROUP_CASES) % groups

            clone_cases(s, draft, GROUP_CASES - 1, title="Forslag i gruppen {i}")
            clone_cases(s, draft, other_drafts, group_of=other, scope_of=lambda i: group_scope(other(i)),
                        title="Andet forslag {i}")
            clone_cases(s, screen, screening, group_of=other, scope_of=lambda i: group_scope(other(i)),
                        title="Forslag til screening {i}")
            s.commit()
            self.visible = {name: len(byplan.inbox(s, self.people.user(name), limit=100_000))
                            for name in ("lead", "secretary")}
            assert self.visible == {"lead": GROUP_CASES, "secretary": cases // 2}, self.visible
            self.total = s.scalar(select(__import__("sqlalchemy").func.count()).select_from(ReadyTask))
        self.html = {name: self.people.login(self.app.test_client(), name) for name in ("lead", "secretary")}
        self.api = {name: {"Authorization": f"Bearer {self.people.token(name)}"} for name in ("lead", "secretary")}
        self.api_client = self.app.test_client()

    def page(self, name: str) -> None:
        response = self.html[name].get("/opgaver")
        assert response.status_code == 200
        assert len(TASK_LINK.findall(response.data)) == min(PAGE, self.visible[name])

    def listing(self, name: str) -> None:
        response = self.api_client.get(f"/api/v1/tasks?limit={PAGE}", headers=self.api[name])
        assert response.status_code == 200 and len(response.get_json()) == min(PAGE, self.visible[name])


def run(small: int = 100, big: int | None = None, n: int | None = None) -> Result:
    big = big or (1000 if quick() else 10_000)
    n = n or (10 if quick() else 200)
    dbs = {small: Inbox(small), big: Inbox(big)}
    samples, ratios = [], []
    for kind, label in (("page", "HTML /opgaver"), ("listing", f"API /api/v1/tasks?limit={PAGE}")):
        for name in ("lead", "secretary"):
            pair = {size: Sample(f"{label:<30} {name:<9} {size:>6} cases, sees {db.visible[name]:>5}")
                    for size, db in dbs.items()}
            for k in range(n + 5):  # interleaved, so both see the same machine load; 5 warm-up rounds
                for size, db in dbs.items():
                    seconds = timed(lambda: getattr(db, kind)(name))
                    if k >= 5:
                        pair[size].seconds.append(seconds)
            samples += [pair[small], pair[big]]
            ratios.append((f"{label} {name}, {big} / {small} cases", ratio(pair[big], pair[small]), TARGET, "max"))
    return Result("P2", f"inbox with {big} open cases vs {small} (SQLite, test client, first page of {PAGE})",
                  samples, ratios,
                  notes=[f"ready tasks in the databases: {dbs[small].total} and {dbs[big].total}"])


def main():
    result = run()
    print(result.table())
    return result


if __name__ == "__main__":
    main()
