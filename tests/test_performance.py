"""What the benchmarks' fixes promise, checked by behaviour and by the SQL sent (never by timing):
a completion does not read the case's task rows again, an unchanged search entry is not rewritten,
the inbox is paged and read in index order."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timezone

import time_machine
from sqlalchemy import event, select, text

from engine import SearchIndex
from engine.models import ReadyTask
from engine.search import SearchEntry
from web.extensions import db

from bench.common import DRAFT


@contextmanager
def statements(app):
    sent: list[str] = []

    def record(conn, cursor, statement, *args):
        sent.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _start(byplan, people, title="Forslag"):
    case = byplan.start_proposal(db.session, people.user("lead"), people.group_id, title)
    db.session.commit()
    return case


def test_completion_reuses_the_task_row_it_checked_and_projects_the_next(app, byplan, people):
    with app.app_context():
        case = _start(byplan, people)
        draft = db.session.scalar(select(ReadyTask).where(ReadyTask.case_id == case.id))
        db.session.expunge_all()
        with statements(app) as sent:
            byplan.complete_task(db.session, people.user("lead"), draft.id, dict(DRAFT), case.version)
            db.session.commit()
        task_reads = [s for s in sent if s.startswith("SELECT") and "FROM ready_task" in s]
        # the access check reads the task by its id; the projection reuses that row instead of reading again
        assert len(task_reads) == 1 and "WHERE ready_task.id = " in task_reads[0], task_reads
        db.session.expunge_all()
        [screen] = db.session.scalars(select(ReadyTask).where(ReadyTask.case_id == case.id)).all()
        assert (screen.spec_name, screen.lane, screen.scope) == ("screen", "Sekretariat", f"wg:{people.group_id}")
        assert db.session.get(ReadyTask, draft.id) is None


def test_an_unchanged_search_entry_is_not_rewritten(app):
    index = SearchIndex()
    first, later = datetime(2031, 1, 6, 9, tzinfo=timezone.utc), datetime(2031, 1, 7, 9, tzinfo=timezone.utc)
    with app.app_context():
        s = db.session
        with time_machine.travel(first, tick=False):
            index.put(s, "principle", "p1", "Genbrug før køb", "Tekst", ref={"key": "p1"})
            s.commit()
        with time_machine.travel(later, tick=False):
            index.put(s, "principle", "p1", "Genbrug før køb", "Tekst", ref={"key": "p1"})
            s.commit()
            assert s.scalar(select(SearchEntry.updated_at)) == first
            index.put(s, "principle", "p1", "Genbrug før køb", "Tekst", ref={"key": "p1", "version": 2})
            s.commit()
            assert s.scalar(select(SearchEntry.updated_at)) == later
            assert s.scalar(select(SearchEntry.ref)) == {"key": "p1", "version": 2}
        with time_machine.travel(later.replace(day=8), tick=False):
            index.put(s, "principle", "p1", "Genbrug før køb", "Ny tekst", ref={"key": "p1", "version": 2})
            s.commit()
        from engine import Audience

        hits, total = index.query(s, "tekst", visibility_filter=Audience.all())
        assert total == 1 and hits[0].key == "p1"


def test_inbox_pages_fifty_tasks_at_a_time(app, byplan, people, client):
    with app.app_context():
        for n in range(51):
            byplan.start_proposal(db.session, people.user("lead"), people.group_id, f"Forslag {n}")
        db.session.commit()
    people.login(client, "lead")
    first = client.get("/opgaver").data.decode()
    task_link = re.compile(r'href="/opgaver/[0-9a-f-]{36}"')  # a task's page, not the inbox's other pages (/liste)
    assert len(task_link.findall(first)) == 50
    assert 'rel="next" href="/opgaver?page=2"' in first and 'rel="prev"' not in first
    second = client.get("/opgaver?page=2").data.decode()
    assert 'rel="prev" href="/opgaver?page=1"' in second and 'rel="next"' not in second
    assert len(task_link.findall(second)) == 1
    for odd in ("0", "-3", "zwei", "99999999999"):  # not a page: the nearest one, never an error
        assert client.get(f"/opgaver?page={odd}").status_code == 200


def test_inbox_pages_are_stable_when_tasks_share_their_time(app, byplan, people):
    """Tasks made in one save share ready_since (e.g. a council's positions): paging must still see each once."""
    with app.app_context():
        case = _start(byplan, people)
        ready_since = datetime(2031, 1, 6, 9, tzinfo=timezone.utc)
        db.session.add_all(ReadyTask(id=f"00000000-0000-0000-0000-{n:012d}", case_id=case.id, spec_name="t",
                                     title=f"T{n}", lane="Sekretariat", scope=None, process_id="proposal",
                                     case_title="x", ready_since=ready_since) for n in range(120))
        db.session.commit()
        seen = []
        for offset in range(0, 120, 25):
            seen += [t.id for t in byplan.engine.tasks_for(db.session, [("Sekretariat", None)], limit=25,
                                                           offset=offset)]
        assert len(seen) == len(set(seen)) == 120


def test_inbox_reads_a_lane_in_index_order(sqlite_url):
    from support import make_app

    app = make_app(sqlite_url)
    with app.app_context():
        byplan = app.extensions["byplan"]
        order = (ReadyTask.due_at.is_(None), ReadyTask.due_at, ReadyTask.ready_since)
        for where, index in (((ReadyTask.lane == "Sekretariat",), "ix_ready_task_lane_due (lane=?)"),
                             ((ReadyTask.lane == "Arbejdsgruppe", ReadyTask.scope == "wg:1"),
                              "ix_ready_task_lane_scope_due (lane=? AND scope=?)")):
            query = select(ReadyTask).where(*where, ReadyTask.assignee.is_(None)).order_by(*order).limit(50)
            compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
            plan = " ".join(str(row) for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
            assert index in plan and "TEMP B-TREE" not in plan, plan
        assert byplan.engine.tasks_for(db.session, [("Sekretariat", None)]) == []
        db.session.remove()
        db.engine.dispose()


def test_a_completion_reads_each_row_once_and_writes_no_duplicate(app, byplan, people):
    """Bench P1: the proposal is read once (form, mail and search entry share it), the audit head and the
    actor's pseudonym once, the task's drafts are deleted once, and a completed task gets no closed-task row
    (its completed-task row says who and when); the chain still verifies and the draft is gone."""
    from workflows.drafts import ClosedTask, TaskDraft
    from workflows.task_pages import done_task

    with app.app_context():
        case = _start(byplan, people)
        lead = people.user("lead")
        draft = db.session.scalar(select(ReadyTask).where(ReadyTask.case_id == case.id))
        byplan.save_draft(db.session, lead, draft.id, {"title": "Halvfærdig"})
        db.session.commit()
        db.session.expunge_all()
        with statements(app) as sent:
            byplan.complete_task(db.session, people.user("lead"), draft.id, dict(DRAFT), case.version)
            db.session.commit()

        def count(pattern):
            return sum(1 for s in sent if re.match(pattern, s))

        assert count(r"SELECT .* FROM proposal( |$)") == 1, [s for s in sent if "FROM proposal" in s]
        assert count(r"SELECT .* FROM audit_head ") == 1 and count(r"SELECT .* FROM audit_pseudonym ") == 1
        assert count(r"DELETE FROM task_draft ") == 1
        assert count(r"INSERT INTO closed_task ") == 0
        assert count(r'UPDATE "case" ') == 1  # one versioned UPDATE per completion
        db.session.expunge_all()
        assert db.session.get(TaskDraft, (draft.id, "lead")) is None
        assert db.session.get(ClosedTask, draft.id) is None
        done = done_task(db.session, people.user("lead"), draft.id)
        assert done is not None and done.completed_by and done.title
        assert byplan.engine.audit.verify(db.session) is None


def test_an_incident_in_a_completion_chains_both_events_in_one_flush(app, byplan, people):
    """The save writes the action's event and the incident's event to the same stream without an autoflush
    in between: the second must continue from the first (the head is kept for the transaction)."""
    from engine.models import AuditEvent

    with app.app_context():
        case = _start(byplan, people)
        instance = byplan.engine.load(db.session, case.id)
        from engine.context import ProcessError

        byplan.engine.save(db.session, instance, actor="lead", kind="note", summary="a",
                           incident=ProcessError("boom"))
        db.session.commit()
        kinds = [e.kind for e in db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)
                                                    .order_by(AuditEvent.seq))]
        assert kinds[-2:] == ["note", "incident"]
        assert byplan.engine.audit.verify(db.session) is None
        with db.session.no_autoflush:  # a new stream's head is still pending when its second event comes
            for n in range(2):
                byplan.engine.audit.append(db.session, kind="note", actor="system", case_id=10_000, summary=str(n))
        db.session.commit()
        assert [e.seq for e in db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == 10_000))] == [1, 2]
        assert byplan.engine.audit.verify(db.session) is None
