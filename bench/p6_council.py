"""P6: recording one position in a council meeting with 20 decision items x 15 members (300 position tasks in
one workflow) vs one with 1 item x 3 members.

Each meeting is created, given its decision items and published through the services (the council process
runs its multi-instance position task per item and member, so the big meeting's one workflow holds 300
ready position tasks). Then a member's position is recorded as the service call `Byplan.complete_task`
(form validation, access check, load, run, engine steps, save, projections, audit, search) in a
transaction that is rolled back, so the same task is completed n times; the commit is not in the figures.
Interleaved, after warm-up rounds. Target: big <= 2 x small.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from .common import Result, Sample, quick, ratio, sqlite_app, state_json_size, timed

TARGET = 2.0


class MeetingBench:
    def __init__(self, items: int, members: int):
        from council_support import CouncilDriver
        from web.extensions import db
        from workflows.council import CouncilMember
        from workflows.directory import COUNCIL_MEMBER, create_user

        self.app, self.people = sqlite_app("byplan-bench-p6-")
        self.byplan = self.app.extensions["byplan"]
        council = CouncilDriver(self.app, self.people)
        names = council.ensure_members(("chair", "councillor"))
        with self.app.app_context():
            s = db.session
            for n in range(members - len(names)):
                user = create_user(s, f"medlem{n}", f"Rådsmedlem {n}", f"medlem{n}@bench.example",
                                   self.people.PASSWORD, (COUNCIL_MEMBER,))
                s.add(CouncilMember(user_id=user.id, term_start=date(2020, 1, 1), organisation=f"Kommune {n}"))
            s.commit()
        meeting_id = council.create_meeting(title=f"Rådsmøde {items}x{members}")
        with self.app.app_context():
            for i in range(items):
                self.byplan.council.add_item(db.session, self.people.user("secretary"), meeting_id,
                                             {"kind": "decision", "title": f"Beslutningspunkt {i + 1}"})
            db.session.commit()
        council.publish_agenda(meeting_id)
        self.case_id = council.meeting(meeting_id).case_id
        self.positions = council.tasks(self.case_id, "position")
        assert len(self.positions) == items * members, len(self.positions)
        self.task = next(t for t in self.positions if t.assignee == "councillor")
        with self.app.app_context():
            self.state_kb = state_json_size(db.session, self.case_id) / 1024

    def record(self, keep: bool = False) -> None:
        from engine.models import Case
        from web.extensions import db

        with self.app.app_context():
            s = db.session
            version = s.scalar(select(Case.version).where(Case.id == self.case_id))
            self.byplan.complete_task(s, self.people.user("councillor"), self.task.id,
                                      {"position": "agree", "comment": "Enig"}, version)
            if keep:
                s.commit()
            else:
                s.rollback()


def run(big: tuple[int, int] | None = None, small: tuple[int, int] = (1, 3), n: int | None = None) -> Result:
    big = big or ((5, 6) if quick() else (20, 15))
    n = n or (5 if quick() else 40)
    benches = {small: MeetingBench(*small), big: MeetingBench(*big)}
    samples = {size: Sample(f"{size[0]:>2} items x {size[1]:>2} members ({b.state_kb:.0f} KB state)")
               for size, b in benches.items()}
    for k in range(n + 3):  # interleaved; 3 warm-up rounds
        for size, bench in benches.items():
            seconds = timed(bench.record)
            if k >= 3:
                samples[size].seconds.append(seconds)
    return Result("P6", f"recording one position: a meeting of {big[0]} items x {big[1]} members "
                        f"({big[0] * big[1]} position tasks) vs {small[0]} x {small[1]} (SQLite, service call, "
                        "rolled back)", [samples[small], samples[big]],
                  [(f"{big[0]}x{big[1]} / {small[0]}x{small[1]}", ratio(samples[big], samples[small]), TARGET, "max")])


if __name__ == "__main__":
    print(run().table())
