"""P4: one task completion in a hearing with 500 parties and 500 responses vs one with 5.

Each hearing is a standalone hearing created and published through the services; its parties,
their responses (one each, on time) and the working group's note points (one per response) are
bulk inserted, since only their number matters here. The clock moves past the deadline and a
timer sweep closes the hearing. Then two completions that read every response are timed:

- the working group submits the hearing note (`hearing.note`: every considered response must have
  a point, no late response may wait for a decision);
- the secretariat approves it (`hearing.approve`: the same check, then the `hearing.publish_note`
  service task counts the published responses, and the hearing and its search entry change).

Each is timed as the service call `Byplan.complete_task` (form validation, load, run, save,
projections, audit, search) in a transaction that is then rolled back, so the same task is
completed n times; the commit is not in the figures. Target: 500 parties <= 2 x 5 parties.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import insert, select

from .common import Result, Sample, quick, ratio, sqlite_app, timed

T0 = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)
TARGET = 2.0


class HearingBench:
    def __init__(self, parties: int, clock):
        from engine.models import ReadyTask
        from web.extensions import db
        from workflows.hearing import HearingParty, HearingResponse, NotePoint, recount

        self.parties = parties
        self.app, self.people = sqlite_app()
        byplan = self.byplan = self.app.extensions["byplan"]
        with self.app.app_context():
            s = db.session
            secretary = self.people.user("secretary")
            hearing = byplan.hearings.create(s, secretary, title=f"Høring med {parties} parter",
                                             summary="Benchmark", working_group_id=self.people.group_id)
            s.execute(insert(HearingParty), [
                {"hearing_id": hearing.id, "kind": "external", "name": f"Part {i}", "email": f"part{i}@bench.example"}
                for i in range(parties)])
            recount(s, hearing)
            task = s.scalar(select(ReadyTask.id).where(ReadyTask.case_id == hearing.case_id))
            deadline = (T0 + timedelta(days=14)).date()
            byplan.complete_task(s, secretary, task, {"title": hearing.title, "summary": "Benchmark",
                                                      "deadline": deadline.isoformat(), "reminder_days": "0"}, None)
            party_ids = list(s.scalars(select(HearingParty.id).where(HearingParty.hearing_id == hearing.id)))
            s.execute(insert(HearingResponse), [
                {"hearing_id": hearing.id, "party_id": pid, "version": 1, "current": True,
                 "text": f"Høringssvar {i}: " + "Vi støtter forslaget. " * 20, "submitted_at": T0,
                 "submitted_by": f"part{i}", "late": False} for i, pid in enumerate(party_ids)])
            response_ids = list(s.scalars(select(HearingResponse.id).where(HearingResponse.hearing_id == hearing.id)))
            s.execute(insert(NotePoint), [
                {"hearing_id": hearing.id, "response_id": rid, "point": "Støtte til forslaget",
                 "disposition": "noted", "reason": "Taget til efterretning", "created_by": "lead", "updated_at": T0}
                for rid in response_ids])
            recount(s, hearing)
            s.commit()
            self.hearing_id, self.case_id = hearing.id, hearing.case_id
        clock.move_to(T0 + timedelta(days=16))
        assert byplan.engine.fire_due_timers() == 1

    def ready(self):
        from engine.models import Case, ReadyTask
        from web.extensions import db

        s = db.session
        return s.execute(select(ReadyTask.id, ReadyTask.form_key, Case.version).join(Case, Case.id == ReadyTask.case_id)
                         .where(ReadyTask.case_id == self.case_id)).one()

    def complete(self, user: str, values: dict, keep: bool = False) -> None:
        from web.extensions import db

        with self.app.app_context():
            s = db.session
            task_id, _form, version = self.ready()
            self.byplan.complete_task(s, self.people.user(user), task_id, values, version)
            if keep:
                s.commit()
            else:
                s.rollback()

    def form_key(self) -> str:
        with self.app.app_context():
            return self.ready()[1]


NOTE = ("lead", {"note_summary": "Høringen gav bred støtte."})
APPROVE = ("secretary", {"note_decision": "approve", "reason": ""})


def run(small: int = 5, big: int | None = None, n: int | None = None) -> Result:
    big = big or (50 if quick() else 500)
    n = n or (5 if quick() else 40)
    samples, ratios = [], []
    with time_machine.travel(T0, tick=False) as clock:
        benches = {small: HearingBench(small, clock)}
        clock.move_to(T0)
        benches[big] = HearingBench(big, clock)
        for step, (user, values), form in (("note", NOTE, "hearing.note"), ("approve", APPROVE, "hearing.approve")):
            pair = {size: Sample(f"{form:<16} {size:>4} parties and responses") for size in benches}
            for size, bench in benches.items():
                assert bench.form_key() == form, bench.form_key()
            for k in range(n + 3):  # interleaved; 3 warm-up rounds
                for size, bench in benches.items():
                    seconds = timed(lambda: bench.complete(user, values))
                    if k >= 3:
                        pair[size].seconds.append(seconds)
            samples += [pair[small], pair[big]]
            ratios.append((f"{form} {big} / {small} parties", ratio(pair[big], pair[small]), TARGET, "max"))
            for bench in benches.values():  # on to the next task
                bench.complete(user, values, keep=True)
    return Result("P4", f"one completion in a hearing with {big} parties and responses vs {small} (SQLite, service "
                        "call, rolled back)", samples, ratios)


def main():
    result = run()
    print(result.table())
    return result


if __name__ == "__main__":
    main()
