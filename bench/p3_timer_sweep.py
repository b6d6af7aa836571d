"""P3: a timer sweep (`engine.fire_due_timers()`) with 10,000 waiting cases of which 100 are due,
vs 100 waiting cases of which 100 are due, on SQLite.

The due cases are published standalone hearings created through the services (create, add two
municipalities and one external party, complete the prepare task, which publishes it), so each
waits at two timers: the reminder and the deadline; when the clock passes both, one sweep fires
both in one load/save (the reminder's mails are queued, the hearing closes). The other 9,900
waiting cases of the big database are bulk copies of one such published hearing case (case row
with its state and its timer projection) whose timers are due years later.

Measured, with time_machine moving the clock, in rounds: each round creates 100 hearings in both
databases, moves the clock past their deadline and times one sweep in each. Target: 10,000 waiting
<= 1.3 x 100 waiting.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

import time_machine
from sqlalchemy import func, select

from engine.workdays import next_working_day

from .common import Result, Sample, clone_cases, quick, ratio, sqlite_app

T0 = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)  # a Monday, 10:00 in Copenhagen
CHUNK = 100  # hearings per transaction
TARGET = 1.3


class Bench:
    def __init__(self):
        from web.extensions import db
        from workflows.directory import Municipality

        self.app, self.people = sqlite_app()
        self.byplan = self.app.extensions["byplan"]
        self.db = db
        with self.app.app_context():
            s = db.session
            munis = [Municipality(code=f"9{i:02d}", name=f"Benchkommune {i}", region="Sjælland",
                                  email=f"hoering@bench{i}.example") for i in range(2)]
            s.add_all(munis)
            s.commit()
            self.municipality_ids = [m.id for m in munis]

    def create(self, count: int, deadline: date, reminder_days: int, prefix: str) -> list[int]:
        """`count` published hearings, CHUNK per transaction; returns their ids."""
        from engine.models import ReadyTask

        service = self.byplan.hearings
        ids: list[int] = []
        with self.app.app_context():
            s = self.db.session
            secretary = self.people.user("secretary")
            for start in range(0, count, CHUNK):
                for i in range(start, min(start + CHUNK, count)):
                    title = f"{prefix} høring {i}"
                    hearing = service.create(s, secretary, title=title, summary="Benchmark",
                                             working_group_id=self.people.group_id)
                    service.add_municipalities(s, secretary, hearing.id, self.municipality_ids)
                    service.add_external_party(s, secretary, hearing.id,
                                               {"name": f"Leverandør {i}", "email": f"lev{i}@{prefix.lower()}.example"})
                    task = s.scalar(select(ReadyTask.id).where(ReadyTask.case_id == hearing.case_id))
                    self.byplan.complete_task(s, secretary, task, {
                        "title": title, "summary": "Benchmark", "deadline": deadline.isoformat(),
                        "reminder_days": str(reminder_days)}, None)
                    ids.append(hearing.id)
                s.commit()
        return ids

    def waiting(self) -> int:
        from engine.models import WaitingTimer

        with self.app.app_context():
            return self.db.session.scalar(select(func.count(func.distinct(WaitingTimer.case_id)))) or 0

    def statuses(self, ids: list[int]) -> dict[str, int]:
        from workflows.hearing import Hearing

        with self.app.app_context():
            rows = self.db.session.execute(select(Hearing.status, func.count()).where(Hearing.id.in_(ids))
                                           .group_by(Hearing.status))
            return dict(rows.all())

    def mails(self, tag: str) -> int:
        from engine.mail import OutboxMail

        with self.app.app_context():
            return self.db.session.scalar(select(func.count()).select_from(OutboxMail)
                                          .where(OutboxMail.tag == tag)) or 0

    def sweep(self, label: str, expected_due: int) -> dict:
        waiting = self.waiting()
        t0 = time.perf_counter()
        fired = self.byplan.engine.fire_due_timers()
        seconds = time.perf_counter() - t0
        assert fired == expected_due, f"{label}: fired {fired}, expected {expected_due}"
        return {"label": label, "waiting": waiting, "due": fired, "seconds": seconds}


def run(big: int | None = None, due: int | None = None, rounds: int | None = None) -> Result:
    from web.extensions import db
    from workflows.hearing import Hearing

    big = big or (1000 if quick() else 10_000)
    due = due or (20 if quick() else 100)
    rounds = rounds or (1 if quick() else 5)
    small_db, big_db = Bench(), Bench()
    samples = {"small": Sample(f"{due} waiting, {due} due"), "big": Sample(f"{big} waiting, {due} due")}
    far = T0 + timedelta(days=3650)
    with time_machine.travel(T0, tick=False) as clock:
        # the big database's other waiting cases: copies of one published hearing, due in ten years
        template = big_db.create(1, (far + timedelta(days=30)).date(), 7, "T")[0]
        with big_db.app.app_context():
            s = db.session
            case_id = s.scalar(select(Hearing.case_id).where(Hearing.id == template))
            clone_cases(s, case_id, big - due - 1, title="Ventende høring {i}", timer_due=lambda i: far)
            s.commit()
        now = T0
        for k in range(rounds):
            # a hearing's deadline falls on a working day (a weekend's or holiday's moves to the next one)
            deadline = next_working_day((now + timedelta(days=5)).date())
            created = {name: bench.create(due, deadline, 2, f"R{k}")
                       for name, bench in (("small", small_db), ("big", big_db))}
            assert small_db.waiting() == due and big_db.waiting() == big
            now = datetime.combine(deadline + timedelta(days=1), T0.timetz())  # past their reminders and deadlines
            clock.move_to(now)
            order = (("small", small_db), ("big", big_db)) if k % 2 == 0 else (("big", big_db), ("small", small_db))
            for name, bench in order:
                samples[name].seconds.append(bench.sweep(name, due)["seconds"])
                assert bench.statuses(created[name]) == {"closed": due}
            now += timedelta(days=1)
            clock.move_to(now)
    small, large = samples["small"], samples["big"]
    for sample in (small, large):
        sample.note = f"({sample.median_ms / due:.1f} ms per due case)"
    return Result("P3", f"timer sweep: {big} waiting cases with {due} due vs {due} waiting with {due} due (SQLite)",
                  [small, large], [(f"{big} waiting / {due} waiting", ratio(large, small), TARGET, "max")],
                  notes=["each sample: one fire_due_timers() over the due hearings (reminder and deadline each)"])


def main():
    result = run()
    print(result.table())
    return result


if __name__ == "__main__":
    main()
