"""P-H: the timer sweep over waiting hearings (`engine.fire_due_timers()`), on SQLite.

Every hearing is a published standalone hearing (its own case) with three
parties, so its workflow waits at two timers: the reminder and the deadline.
Hearings are created through the services (create, add parties, complete the
prepare task, which publishes it), a hundred per transaction.

Measured, with time_machine moving the clock:
  * 1,000 hearings, the clock moved past their reminders and deadlines: every one is due;
  * 1,000 waiting hearings, nothing due (the sweep's fixed cost);
  * 1,000 waiting hearings of which 100 are due;
  * 100 waiting hearings, all 100 due;
and the ratio of the last two: does a sweep's cost follow the due cases or the waiting ones?
"""
from __future__ import annotations

import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import time_machine
from argon2 import PasswordHasher
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

T0 = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)  # a Monday, 10:00 in Copenhagen
CHUNK = 100  # hearings per transaction


class Bench:
    def __init__(self):
        from support import People, make_app
        from web.cli import init_db
        from web.extensions import db
        from workflows.directory import Municipality, use_password_hasher

        use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        self.tmp = tempfile.mkdtemp(prefix="byplan-bench-")
        self.app = make_app(f"sqlite:///{self.tmp}/bench.sqlite")
        init_db(self.app)
        self.people = People(self.app)
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


def run(n: int = 1000, due_small: int = 100) -> dict:
    bench = Bench()
    rows = []
    setup = {}
    with time_machine.travel(T0, tick=False) as clock:
        # 100 waiting, all due (nothing else waits)
        t = time.perf_counter()
        small = bench.create(due_small, (T0 + timedelta(days=5)).date(), 2, "S")
        setup["small"] = time.perf_counter() - t
        clock.move_to(T0 + timedelta(days=6))  # past the reminders and the deadlines
        small_row = bench.sweep(f"{due_small} due among {due_small}", due_small)
        assert bench.statuses(small) == {"closed": due_small}, bench.statuses(small)

        # 1,000 waiting, all due: reminder and deadline passed
        now = T0 + timedelta(days=6)
        t = time.perf_counter()
        big = bench.create(n, (now + timedelta(days=21)).date(), 7, "B")
        setup["big"] = time.perf_counter() - t
        assert bench.waiting() == n
        clock.move_to(now + timedelta(days=23))
        rows.append(bench.sweep(f"{n} due among {n}", n))
        assert bench.statuses(big) == {"closed": n}, bench.statuses(big)
        # both timers fired in the one sweep: every party of every hearing was reminded, then it closed
        assert bench.mails("hearing.reminder") == 3 * (due_small + n)
        assert bench.waiting() == 0

        # 1,000 waiting: 900 far off, 100 due soon
        now = now + timedelta(days=23)
        t = time.perf_counter()
        early = bench.create(due_small, (now + timedelta(days=5)).date(), 2, "E")
        far = bench.create(n - due_small, (now + timedelta(days=60)).date(), 7, "F")
        setup["mixed"] = time.perf_counter() - t
        assert bench.waiting() == n
        rows.append(bench.sweep(f"0 due among {n}", 0))
        clock.move_to(now + timedelta(days=6))  # past the early ones' reminder and deadline only
        rows.append(bench.sweep(f"{due_small} due among {n}", due_small))
        assert bench.statuses(early) == {"closed": due_small}
        assert bench.statuses(far) == {"open": n - due_small}
        rows.append(small_row)
    ratio = rows[2]["seconds"] / small_row["seconds"]
    return {"rows": rows, "ratio": ratio, "setup": setup, "created": 2 * n + due_small}


def main():
    result = run()
    setup = result["setup"]
    print("P-H hearing timer sweep: engine.fire_due_timers() on SQLite (each hearing: reminder + deadline timer)")
    print(f"    setup: {result['created']} published hearings through the services, {CHUNK} per transaction, "
          f"{sum(setup.values()):.1f} s ({sum(setup.values()) / result['created'] * 1000:.1f} ms per hearing)")
    print(f"    {'hearings waiting':>16} {'due':>6} {'seconds':>9} {'ms/hearing':>11}")
    for row in result["rows"]:
        per = row["seconds"] * 1000 / (row["due"] or row["waiting"])
        unit = "" if row["due"] else "  (per waiting hearing)"
        print(f"    {row['waiting']:>16} {row['due']:>6} {row['seconds']:>9.3f} {per:>11.3f}{unit}")
    print(f"    ratio 100 due among 1,000 vs 100 due among 100: {result['ratio']:.2f}x")
    return result


if __name__ == "__main__":
    main()
