"""P1: completing a user task through the HTTP API vs bare SpiffWorkflow, same case, same run.

Byplan's path: POST /api/v1/tasks/{id}/complete (token auth, form validation,
domain record update, load without spec, run, engine steps, save, projections,
audit, commit) through Flask's test client on SQLite.
Baseline: SpiffWorkflow's own BpmnWorkflowSerializer.deserialize_json + run +
do_engine_steps + serialize_json of the same workflow at the same task.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from argon2 import PasswordHasher
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

DRAFT = {"kind": "principle", "title": "Genbrug før køb", "summary": "Genbrug",
         "statement": "Genbrug før køb før byg", "rationale": "", "implications": ""}


def run(n: int = 200) -> dict:
    from support import People, make_app
    from web.cli import init_db
    from web.extensions import db
    from workflows.directory import use_password_hasher

    use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    tmp = tempfile.mkdtemp()
    app = make_app(f"sqlite:///{tmp}/bench.sqlite")
    init_db(app)
    people = People(app)
    token = people.token("lead")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    byplan = app.extensions["byplan"]

    # n cases waiting at the draft task
    tasks = []
    for i in range(n):
        case = client.post("/api/v1/cases", headers=headers,
                           json={"process_id": "proposal", "title": f"Forslag {i}",
                                 "working_group_id": people.group_id}).get_json()
        task = [t for t in client.get("/api/v1/tasks?limit=500", headers=headers).get_json() if t["case_id"] == case["id"]][0]
        tasks.append((task["id"], case["version"]))

    # the same workflow, serialized the standard way (spec included), for the baseline
    with app.app_context():
        instance = byplan.engine.load(db.session, 1)
        serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        bare_json = serializer.serialize_json(instance.workflow)
        script_engine = byplan.engine.script_engine

    api_times, bare_times = [], []
    for task_id, version in tasks:
        t0 = time.perf_counter()
        response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=headers,
                               json={"version": version, "data": DRAFT})
        api_times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.get_json()

        t0 = time.perf_counter()
        wf = serializer.deserialize_json(bare_json)
        wf.script_engine = script_engine
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.set_data(revision=1)
        task.run()
        wf.do_engine_steps()
        serializer.serialize_json(wf)
        bare_times.append(time.perf_counter() - t0)

    api_ms = statistics.median(api_times) * 1000
    bare_ms = statistics.median(bare_times) * 1000
    return {"n": n, "api_ms": api_ms, "bare_ms": bare_ms, "ratio": api_ms / bare_ms,
            "state_bytes": len(bare_json)}


def main():
    result = run()
    print("P1  task completion: HTTP API vs bare SpiffWorkflow (median of %d)" % result["n"])
    print(f"    Byplan API              {result['api_ms']:8.2f} ms")
    print(f"    bare deserialize+run+serialize {result['bare_ms']:8.2f} ms  (state with spec: {result['state_bytes']} B)")
    print(f"    ratio                   {result['ratio']:8.2f}x")
    return result


if __name__ == "__main__":
    main()
