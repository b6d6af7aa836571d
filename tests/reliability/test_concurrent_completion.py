"""Two clients complete the same task at the same moment through a real HTTP server, on SQLite and
PostgreSQL: from two threads against one threaded server, and against two server processes sharing
the database (as under gunicorn with two workers). Exactly one gets 200, the other 409, and the case
is consistent afterwards.

A barrier releases both requests together; on the server each completion is then held, after it
loaded the case, until the other has loaded it too. On PostgreSQL both therefore work from the same
version and the loser fails at the versioned UPDATE. SQLite serializes writers (BEGIN IMMEDIATE),
so there the second request waits for the first and the hold just times out.
"""
from __future__ import annotations

import threading

import pytest
from engine_support import Harness
from sqlalchemy import select

from workflows.proposal import Proposal

from .faults import (
    Rendezvous,
    audit_intact,
    check_case,
    hold_completions,
    http_json,
    serve_in_process,
    serve_in_thread,
    snapshot,
)

ROUNDS = 3


def _draft(base, token, group_id, title):
    status, case = http_json(base, "POST", "/api/v1/cases", token,
                             {"process_id": "proposal", "title": title, "working_group_id": group_id})
    assert status == 201, case
    status, tasks = http_json(base, "GET", "/api/v1/tasks", token)
    [task] = [t for t in tasks if t["case_id"] == case["id"]]
    status, detail = http_json(base, "GET", f"/api/v1/tasks/{task['id']}", token)
    assert status == 200, detail
    return case["id"], detail


def _race(bases, token, task_id, version, titles):
    """Both clients post at once (a barrier), each to its own base URL; returns [(status, body)] per client."""
    barrier = threading.Barrier(len(bases))
    results = [None] * len(bases)

    def client(i):
        data = {"kind": "principle", "title": titles[i], "summary": "Resumé", "statement": "Princip",
                "rationale": "Begrundelse", "implications": "Konsekvenser"}
        barrier.wait(timeout=30)
        results[i] = http_json(bases[i], "POST", f"/api/v1/tasks/{task_id}/complete", token,
                               {"version": version, "data": data})

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(bases))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results


def _rounds(url, bases, token, group_id, rendezvous):
    postgres = url.startswith("postgresql")
    harness = Harness(url, create=False)
    try:
        for n in range(ROUNDS):
            case_id, draft = _draft(bases[0], token, group_id, f"Runde {n}")
            with harness.session() as s:
                before = snapshot(s, case_id)
            titles = [f"Runde {n} fra klient {i}" for i in range(len(bases))]
            results = _race(bases, token, draft["id"], draft["case_version"], titles)

            statuses = sorted(status for status, _ in results)
            assert statuses == [200, 409], results
            winner = titles[[status for status, _ in results].index(200)]
            if postgres:
                assert rendezvous.arrivals(draft["id"]) == 2  # both loaded the case before either wrote
            with harness.session() as s:
                after = snapshot(s, case_id)
                assert after["version"] == before["version"] + 1
                assert after["completed"] == [draft["id"]]
                assert after["audit"] == before["audit"] + ["complete"]
                assert after["ready"] != before["ready"]
                record = s.scalar(select(Proposal).where(Proposal.case_id == case_id))
                assert (record.status, record.revision, record.title) == ("submitted", 1, winner)
                check_case(harness.engine, s, case_id)
                audit_intact(s)
    finally:
        harness.dispose()


def test_two_threads_complete_the_same_task_over_http(app, people, db_url, tmp_path):
    rendezvous = Rendezvous(tmp_path, timeout=10.0 if db_url.startswith("postgresql") else 0.3)
    hold_completions(app.extensions["byplan"].engine, rendezvous)
    base, server = serve_in_thread(app)
    try:
        _rounds(db_url, [base, base], people.token("lead"), people.group_id, rendezvous)
    finally:
        server.shutdown()


def test_two_server_processes_complete_the_same_task(app, people, db_url, tmp_path):
    from web.extensions import db

    token = people.token("lead")
    rendezvous = Rendezvous(tmp_path, timeout=10.0 if db_url.startswith("postgresql") else 0.3)
    with app.app_context():
        engines = [db.engine]
    servers = [serve_in_process(db_url, rendezvous, engines=engines) for _ in range(2)]
    try:
        _rounds(db_url, [base for base, _ in servers], token, people.group_id, rendezvous)
    finally:
        for _, proc in servers:
            proc.kill()
            proc.join(10)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
