"""P8: the case page of a case with 2,000 timeline events vs one with 20.

One SQLite database, two proposal cases started through the services and submitted (so both wait at the
secretariat's screening, with the same workflow and diagram); then audit events are appended to each
through the audit log (document uploads in words: "… uploaded the document …"), a real hash chain, until
one has 20 and the other 2,000. Measured: `GET /sager/<id>` as the secretariat through Flask's test
client (the page with its diagram states, tasks, documents and the first page of the timeline: the
timeline is paged, 50 events a page, `?tidslinje=N`), interleaved. Target: 2,000 events <= 1.5 x 20.
"""
from __future__ import annotations

from sqlalchemy import func, select

from .common import DRAFT, Result, Sample, quick, ratio, sqlite_app, timed

TARGET = 1.5


def _case_with_events(app, people, events: int) -> int:
    from engine.models import AuditEvent, ReadyTask
    from web.extensions import db

    byplan = app.extensions["byplan"]
    with app.app_context():
        s = db.session
        case_id = byplan.start_proposal(s, people.user("lead"), people.group_id, f"Forslag med {events}").id
        task = s.scalar(select(ReadyTask.id).where(ReadyTask.case_id == case_id))
        byplan.complete_task(s, people.user("lead"), task, dict(DRAFT), None)
        have = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case_id))
        for i in range(max(0, events - have)):
            byplan.engine.audit.append(s, kind="document", actor="lead", case_id=case_id,
                                       summary=f"Bilag {i} v1", detail={"document_id": i})
            if i % 500 == 499:
                s.flush()
        s.commit()
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case_id)) == \
            max(events, have)
    return case_id


def run(small: int = 20, big: int | None = None, n: int | None = None) -> Result:
    big = big or (400 if quick() else 2000)
    n = n or (20 if quick() else 200)
    app, people = sqlite_app()
    cases = {small: _case_with_events(app, people, small), big: _case_with_events(app, people, big)}
    client = people.login(app.test_client(), "secretary")

    def page(case_id):
        response = client.get(f"/sager/{case_id}")
        assert response.status_code == 200 and response.data.count(b'<li><time datetime=') <= 50

    pair = {size: Sample(f"GET /sager/<id>, {size:>5} timeline events") for size in cases}
    for k in range(n + 5):
        for size, case_id in (cases.items() if k % 2 else reversed(list(cases.items()))):
            seconds = timed(lambda: page(case_id))
            if k >= 5:
                pair[size].seconds.append(seconds)
    samples = [pair[small], pair[big]]
    return Result("P8", f"case page with {big} timeline events vs {small} (SQLite, test client, paged timeline)",
                  samples, [(f"{big} / {small} events", ratio(pair[big], pair[small]), TARGET, "max")])


def main():
    result = run()
    print(result.table())
    return result


if __name__ == "__main__":
    main()
