"""P1: completing a user task through the HTTP API vs bare SpiffWorkflow, same case, same run.

Byplan's path: POST /api/v1/tasks/{id}/complete (token auth, form validation,
domain record update, load without spec, run, engine steps, save, projections,
audit, search index, commit) through Flask's test client on SQLite (WAL).
Baseline: SpiffWorkflow's own BpmnWorkflowSerializer.deserialize_json + run +
do_engine_steps + serialize_json of the same workflow at the same task.
Target: Byplan <= 2 x bare (issue 19; it was 1.5 x).
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from .common import DRAFT, Result, Sample, quick, ratio, sqlite_app, timed

TARGET = 2.0


def run(n: int | None = None) -> Result:
    from engine.models import ReadyTask
    from web.extensions import db

    n = n or (20 if quick() else 300)
    warmup = 5
    app, people = sqlite_app()
    token = people.token("lead")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    byplan = app.extensions["byplan"]

    # n cases waiting at the draft task, started through the API
    case_ids, version_of = [], {}
    for i in range(n + warmup):
        response = client.post("/api/v1/cases", headers=headers,
                               json={"process_id": "proposal", "title": f"Forslag {i}",
                                     "working_group_id": people.group_id})
        case_ids.append(response.get_json()["id"])
        version_of[case_ids[-1]] = response.get_json()["version"]
    with app.app_context():
        task_of = dict(db.session.execute(select(ReadyTask.case_id, ReadyTask.id)
                                          .where(ReadyTask.case_id.in_(case_ids))).all())
        # the same workflow, serialized the standard way (spec included), for the baseline
        instance = byplan.engine.load(db.session, case_ids[0])
        serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        bare_json = serializer.serialize_json(instance.workflow)
        script_engine = byplan.engine.script_engine

    def api(case_id):
        response = client.post(f"/api/v1/tasks/{task_of[case_id]}/complete", headers=headers,
                               json={"version": version_of[case_id], "data": DRAFT})
        assert response.status_code == 200, response.get_json()

    def bare():
        wf = serializer.deserialize_json(bare_json)
        wf.script_engine = script_engine
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.set_data(**DRAFT, revision=1)
        task.run()
        wf.do_engine_steps()
        serializer.serialize_json(wf)

    api_sample = Sample("Byplan API: POST /api/v1/tasks/{id}/complete")
    bare_sample = Sample("bare SpiffWorkflow: deserialize_json + run + serialize_json",
                         note=f"(state with spec: {len(bare_json) / 1024:.1f} KB)")
    for k, case_id in enumerate(case_ids):  # interleaved, so both see the same machine load
        a, b = timed(lambda: api(case_id)), timed(bare)
        if k >= warmup:
            api_sample.seconds.append(a)
            bare_sample.seconds.append(b)
    return Result("P1", "task completion through the HTTP API vs bare SpiffWorkflow (SQLite, test client)",
                  [api_sample, bare_sample], [("API / bare", ratio(api_sample, bare_sample), TARGET, "max")])


def main():
    result = run()
    print(result.table())
    return result


if __name__ == "__main__":
    main()
