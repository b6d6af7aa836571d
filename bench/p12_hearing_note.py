"""P12 (issue 16): generating the hearing note (høringsnotat) as DOCX and as accessible PDF, for a hearing with 100
parties and 300 points vs one with 5 parties and 15 points.

Each hearing is created through the services; its ten sections, parties (a tenth of them silent, some late
and admitted or rejected, some anonymous), responses and note points (three per answering party, spread
over the sections) are bulk inserted. Timed: `Publication.draft` (read the record, build the document), in
a read-only session. Target: the big note within 25 x the small one (its content is 20 x larger).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import insert, select

from .common import Result, Sample, quick, ratio, sqlite_app, timed

T0 = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)
TARGET = 25.0
DISPOSITIONS = ["incorporated", "partly", "not_incorporated", "noted"]


class NoteBench:
    def __init__(self, parties: int, points: int):
        from web.extensions import db
        from workflows.hearing import HearingParty, HearingResponse, NotePoint
        from workflows.hearing.records import HearingSection

        self.app, self.people = sqlite_app()
        self.byplan = self.app.extensions["byplan"]
        with self.app.app_context():
            s = db.session
            hearing = self.byplan.hearings.create(s, self.people.user("secretary"),
                                                  title=f"Høring med {parties} parter", summary="Benchmark",
                                                  working_group_id=self.people.group_id)
            hearing.published_at, hearing.note_summary = T0, "Høringen gav bred støtte. " * 20
            s.execute(insert(HearingSection), [{"hearing_id": hearing.id, "number": str(i + 1), "title": f"Afsnit {i}",
                                                "position": i} for i in range(10)])
            s.execute(insert(HearingParty), [
                {"hearing_id": hearing.id, "kind": "external", "name": f"Part {i:03d}", "email": f"p{i}@bench.example",
                 "unpublish_requested": i % 7 == 0} for i in range(parties)])
            party_ids = list(s.scalars(select(HearingParty.id).where(HearingParty.hearing_id == hearing.id)))
            answering = party_ids[: max(1, parties * 9 // 10)]
            s.execute(insert(HearingResponse), [
                {"hearing_id": hearing.id, "party_id": pid, "version": 1, "current": i % 11 != 5,
                 "late": i % 11 in (4, 5), "late_status": {4: "admitted", 5: "rejected"}.get(i % 11),
                 "text": "Vi støtter forslaget. " * 20, "submitted_at": T0, "submitted_by": f"p{i}"}
                for i, pid in enumerate(answering)])
            response_ids = list(s.scalars(select(HearingResponse.id).where(HearingResponse.hearing_id == hearing.id)))
            section_ids = list(s.scalars(select(HearingSection.id).where(HearingSection.hearing_id == hearing.id)))
            s.execute(insert(NotePoint), [
                {"hearing_id": hearing.id, "response_id": response_ids[k % len(response_ids)],
                 "section_id": section_ids[k % 10] if k % 5 else None, "point": f"Bemærkning {k}: " + "tekst " * 15,
                 "disposition": DISPOSITIONS[k % 4], "reason": "Begrundelse " * 10, "created_by": "lead",
                 "updated_at": T0} for k in range(points)])
            s.commit()
            self.hearing_id = hearing.id

    def generate(self, kind: str) -> bytes:
        from web.extensions import db

        with self.app.app_context():
            _name, content = self.byplan.hearings.publication.draft(db.session, self.hearing_id, kind)
            db.session.rollback()
            return content


def run(small: tuple[int, int] = (5, 15), big: tuple[int, int] | None = None, n: int | None = None) -> Result:
    big = big or ((20, 60) if quick() else (100, 300))
    n = n or (2 if quick() else 10)
    benches = {small: NoteBench(*small), big: NoteBench(*big)}
    samples, ratios = [], []
    for kind in ("docx", "pdf"):
        pair = {size: Sample(f"note {kind:<4} {size[0]:>3} parties {size[1]:>3} points") for size in benches}
        for k in range(n + 1):  # interleaved; one warm-up round
            for size, bench in benches.items():
                seconds = timed(lambda: bench.generate(kind))
                if k >= 1:
                    pair[size].seconds.append(seconds)
        samples += [pair[small], pair[big]]
        ratios.append((f"note {kind} {big[0]}/{big[1]} vs {small[0]}/{small[1]}", ratio(pair[big], pair[small]),
                       TARGET, "max"))
    return Result("P12", f"hearing note generation, {big[0]} parties and {big[1]} points vs {small[0]} and {small[1]} "
                        "(SQLite, service call)", samples, ratios)


def main():
    result = run()
    print(result.table())
    return result


if __name__ == "__main__":
    main()
