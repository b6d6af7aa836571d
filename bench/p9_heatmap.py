"""P9: the heatmap of a process version with 100,000 completed tasks vs 1,000.

Two SQLite databases. In each, a few proposal cases are started and submitted through the services (so the
version has cases at its tasks now); then the history of N completed tasks is written as the saves write it:
N completed-task rows (bulk INSERT) and their passes added to the element-time aggregate through
`engine.analytics.record` (the same upsert a save runs), spread over twelve months, three working groups and
the proposal's four user tasks, with log-normal durations (minutes to weeks). Measured: `GET
/processer/<version>/varmekort` as the secretariat through Flask's test client (the page, its table and the
diagram's overlay data; the BPMN file itself is fetched by the browser separately), unfiltered and filtered
by a working group and a period, interleaved between the two databases. Target: 100,000 <= 1.5 x 1,000.
"""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select

from .common import DRAFT, Result, Sample, quick, ratio, sqlite_app, timed

TARGET = 1.5
ELEMENTS = ("draft", "screen", "revise", "schedule")
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


class History:
    def __init__(self, completed: int, seed: int = 19):
        from engine import analytics
        from engine.models import Case, CompletedTask, ReadyTask
        from web.extensions import db
        from workflows.directory import group_scope

        self.completed = completed
        self.app, self.people = sqlite_app()
        byplan = self.app.extensions["byplan"]
        rnd = random.Random(seed)
        with self.app.app_context():
            s = db.session
            lead = self.people.user("lead")
            for i in range(3):
                case_id = byplan.start_proposal(s, lead, self.people.group_id, f"Forslag {i}").id
                if i:
                    task = s.scalar(select(ReadyTask.id).where(ReadyTask.case_id == case_id))
                    byplan.complete_task(s, lead, task, dict(DRAFT), None)
            s.commit()
            self.version_id = s.get(Case, case_id).process_version_id
            scopes = [group_scope(self.people.group_id), group_scope(self.people.other_group_id), None]
            batch_rows, passes = [], {}
            for k in range(completed):
                element = ELEMENTS[k % len(ELEMENTS)]
                seconds = rnd.lognormvariate(11, 1.5)  # median about 17 hours
                at = START + timedelta(days=rnd.uniform(0, 365))
                scope = scopes[k % len(scopes)]
                batch_rows.append({"id": str(uuid.uuid4()), "case_id": case_id, "spec_name": element,
                                   "completed_at": at, "completed_by": "lead",
                                   "ready_since": at - timedelta(seconds=seconds)})
                passes.setdefault((scope, at.year, at.month), []).append(analytics.Pass(element, "user", seconds))
                if len(batch_rows) == 5000:
                    s.execute(insert(CompletedTask), batch_rows)
                    batch_rows = []
            if batch_rows:
                s.execute(insert(CompletedTask), batch_rows)
            for (scope, year, month), items in passes.items():
                analytics.record(s, self.version_id, scope, items, datetime(year, month, 15, tzinfo=timezone.utc))
            s.commit()
            self.rows = s.scalar(select(__import__("sqlalchemy").func.count()).select_from(analytics.ElementTime))
        self.client = self.people.login(self.app.test_client(), "secretary")

    def page(self, query: str = "") -> None:
        response = self.client.get(f"/processer/{self.version_id}/varmekort{query}")
        assert response.status_code == 200, response.status_code
        assert b'data-element="draft"' in response.data


def run(small: int = 1000, big: int | None = None, n: int | None = None) -> Result:
    big = big or (10_000 if quick() else 100_000)
    n = n or (20 if quick() else 200)
    dbs = {small: History(small), big: History(big)}
    queries = (("", "unfiltered"), ("?gruppe={group}&fra=2026-03&til=2026-08", "one group, six months"))
    samples, ratios = [], []
    for query, label in queries:
        pair = {}
        for size, db in dbs.items():
            pair[size] = Sample(f"heatmap {label:<22} {size:>7} completed tasks")
        for k in range(n + 5):
            for size, db in (dbs.items() if k % 2 else reversed(list(dbs.items()))):
                q = query.format(group=db.people.group_id)
                seconds = timed(lambda: db.page(q))
                if k >= 5:
                    pair[size].seconds.append(seconds)
        samples += [pair[small], pair[big]]
        ratios.append((f"{label}, {big} / {small} tasks", ratio(pair[big], pair[small]), TARGET, "max"))
    return Result("P9", f"heatmap of a process version with {big} completed tasks vs {small} (SQLite, test client)",
                  samples, ratios,
                  notes=[f"aggregate rows: {dbs[small].rows} and {dbs[big].rows}"])


def main():
    result = run()
    print(result.table())
    return result


if __name__ == "__main__":
    main()
