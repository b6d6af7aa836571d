"""P10: the last minute before a network round's registration deadline on PostgreSQL.

98 member municipalities (two seats each per meeting), one round with 4 regional meetings whose venues hold
fewer than the seats sold (so waiting lists form), and 50 concurrent clients: each client is a thread with
its own database session, taking the next registration from a shared queue and calling the service
`Networks.register` (validation, the municipality's seats, the venue's capacity, the waiting list, the
confirmation mail into the outbox) in its own transaction, as the web request does.

The clock runs: it starts at 23:59:00 Copenhagen time on the deadline day and advances with the wall clock
(time_machine with `tick=True`), so the registrations really race the deadline (23:59:59). On a machine too
slow to finish the queue within the minute, the rest are refused as "closed", as they would be; that is
reported, not hidden. Figure: registrations per second until the last accepted one (and each one's latency).

Afterwards the database is checked: no meeting holds more registered than its capacity, no municipality
more than its seats; every registration that was accepted is there exactly once (none lost, none
duplicated); the waiting list is in the order the registrations arrived (waiting since, then id) and
nobody waits while their municipality has a free seat in a meeting with room; no call that began after the
deadline was accepted and none that ended before it was refused as closed; no other refusal. The rate has
no target; PASS means the checks held.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from .common import Result, Sample, fast_passwords, quick

REGIONS = ("Midt-Nord", "Hovedstaden", "Sjælland", "Syddanmark")
CLOSED = "Registration is closed for this meeting."  # workflows.network.service: the deadline has passed


def build(app, municipalities: int, meetings: int, seats: int, capacity: int, deadline: date) -> dict:
    """The network, its members' contacts, the open round and its meetings; returns their ids."""
    from web.extensions import db
    from workflows.directory import MUNICIPALITY_CONTACT, Municipality, create_user
    from workflows.network.models import Network, NetworkMembership, RegionalMeeting, Round, RoundStatus

    s = db.session
    network = Network(name="KITA (P10)", description="benchmark")
    s.add(network)
    s.flush()
    contacts = {}
    for i in range(municipalities):
        muni = Municipality(code=f"9{i:02d}", name=f"Kommune P10-{i}", region=REGIONS[i % len(REGIONS)])
        s.add(muni)
        s.flush()
        s.add(NetworkMembership(network_id=network.id, municipality_id=muni.id, seats_per_meeting=seats))
        user = create_user(s, f"p10kontakt{i}", f"Kontakt {i}", f"kontakt{i}@p10.example", "p10-password",
                           (MUNICIPALITY_CONTACT,), muni)
        contacts[muni.id] = user.id
    rnd = Round(network_id=network.id, theme="Sidste minut", registration_deadline=deadline,
                status=RoundStatus.OPEN, created_by="secretary")
    s.add(rnd)
    s.flush()
    meeting_ids = []
    for k in range(meetings):
        m = RegionalMeeting(round_id=rnd.id, region=REGIONS[k % len(REGIONS)], day=deadline + timedelta(days=14 + k),
                            venue=f"Mødested {k}", capacity=capacity, confirmed=True)
        s.add(m)
        s.flush()
        meeting_ids.append(m.id)
    s.commit()
    return {"contacts": contacts, "meetings": meeting_ids}


def check(session, meeting_ids: list[int], accepted: list[tuple[int, str]]) -> list[str]:
    """What is wrong after the run (an empty list: nothing)."""
    from workflows.network.models import NetworkMembership, RegionalMeeting, Registration, RegistrationStatus

    problems = []
    rows = list(session.scalars(select(Registration).where(Registration.meeting_id.in_(meeting_ids))
                                .order_by(Registration.id)))
    keys = [(r.meeting_id, r.email) for r in rows]
    if len(keys) != len(set(keys)):
        problems.append(f"{len(keys) - len(set(keys))} duplicated registrations")
    if sorted(keys) != sorted(accepted):
        problems.append(f"{len(set(accepted) - set(keys))} accepted registrations lost, "
                        f"{len(set(keys) - set(accepted))} not accepted but stored")
    seats = {m: n for m, n in session.execute(select(NetworkMembership.municipality_id,
                                                    NetworkMembership.seats_per_meeting))}
    for meeting_id in meeting_ids:
        meeting = session.get(RegionalMeeting, meeting_id)
        mine = [r for r in rows if r.meeting_id == meeting_id]
        registered = [r for r in mine if r.status == RegistrationStatus.REGISTERED]
        if len(registered) > meeting.capacity:
            problems.append(f"meeting {meeting_id}: {len(registered)} registered, capacity {meeting.capacity}")
        per_muni: dict[int, int] = {}
        for r in registered:
            per_muni[r.municipality_id] = per_muni.get(r.municipality_id, 0) + 1
        over = [m for m, n in per_muni.items() if n > seats.get(m, 0)]
        if over:
            problems.append(f"meeting {meeting_id}: {len(over)} municipalities over their seats")
        waiting = [r for r in mine if r.status == RegistrationStatus.WAITING]
        ordered = sorted(waiting, key=lambda r: (r.waiting_since, r.id))
        if [r.id for r in ordered] != [r.id for r in waiting]:
            problems.append(f"meeting {meeting_id}: the waiting list is not in the order of arrival")
        room = len(registered) < meeting.capacity
        stuck = [r for r in waiting if room and per_muni.get(r.municipality_id, 0) < seats.get(r.municipality_id, 0)]
        if stuck:
            problems.append(f"meeting {meeting_id}: {len(stuck)} wait although a seat is free")
    return problems


@dataclass
class Outcome:
    """What the clients saw: each accepted call (meeting, email, began, ended on the app's clock), each call
    refused because registration had closed (began, ended), their latencies (s), any other refusal."""

    accepted: list[tuple[int, str, datetime, datetime]] = field(default_factory=list)
    closed: list[tuple[datetime, datetime]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def load(app, jobs: "queue.Queue", clients: int) -> Outcome:
    """`clients` threads registering until the queue is empty."""
    from web.extensions import db
    from workflows.directory import User
    from workflows.network.models import NetworkError

    byplan = app.extensions["byplan"]
    clock = byplan.networks.clock
    out = Outcome()
    lock = threading.Lock()

    def client():
        mine = Outcome()
        with app.app_context():
            s = db.session
            while True:
                try:
                    user_id, meeting_id, name, email = jobs.get_nowait()
                except queue.Empty:
                    break
                t0, began = time.perf_counter(), clock()
                try:
                    user = s.get(User, user_id)
                    byplan.networks.register(s, user, meeting_id, {"name": name, "email": email})
                    s.commit()
                    mine.accepted.append((meeting_id, email, began, clock()))
                    mine.latencies.append(time.perf_counter() - t0)
                except NetworkError as exc:
                    s.rollback()
                    if str(exc) == CLOSED:
                        mine.closed.append((began, clock()))
                    else:
                        mine.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    s.rollback()
                    mine.errors.append(f"{type(exc).__name__}: {exc}"[:200])
            db.session.remove()
        with lock:
            out.accepted.extend(mine.accepted)
            out.closed.extend(mine.closed)
            out.latencies.extend(mine.latencies)
            out.errors.extend(mine.errors)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def check_deadline(out: Outcome, deadline: datetime) -> list[str]:
    """The deadline held: nothing that began after it was accepted, nothing that ended before it was refused
    as closed."""
    problems = []
    after = sum(1 for _m, _e, began, _end in out.accepted if began > deadline)
    if after:
        problems.append(f"{after} registrations accepted although they began after the deadline")
    early = sum(1 for _began, ended in out.closed if ended <= deadline)
    if early:
        problems.append(f"{early} registrations refused as closed before the deadline")
    if out.errors:
        problems.append(f"{len(out.errors)} refused for another reason")
    return problems


def run(municipalities: int | None = None, meetings: int = 4, clients: int | None = None, per_municipality: int = 3,
        seats: int = 2, url: str | None = None, before_deadline: float = 60.0) -> Result:
    """`url`: an existing empty PostgreSQL database (the tests' server); by default a throwaway server.
    `before_deadline`: how many seconds before 23:59:59 on the deadline day the clock starts (it then runs)."""
    municipalities = municipalities or (20 if quick() else 98)
    clients = clients or (10 if quick() else 50)
    args = (municipalities, meetings, clients, per_municipality, seats, before_deadline)
    if url is not None:
        return _run(url, *args)
    from pgserver import PostgresServer

    from .p5_throughput import durable

    with PostgresServer("byplan_bench_p10") as pg:
        durable(pg)
        return _run(pg.url, *args)


def _run(url: str, municipalities: int, meetings: int, clients: int, per_municipality: int, seats: int,
         before_deadline: float) -> Result:
    from support import make_app

    from web.cli import init_db
    from web.extensions import db

    fast_passwords()
    app = make_app(url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": clients + 5, "max_overflow": 10})
    init_db(app)
    deadline = date(2031, 3, 14)
    capacity = municipalities * seats * 3 // 4  # fewer places than seats sold: the waiting lists form
    with app.app_context():
        ids = build(app, municipalities, meetings, seats, capacity, deadline)
    jobs: queue.Queue = queue.Queue()
    # every municipality registers `per_municipality` colleagues (one more than its seats) for every meeting,
    # the municipalities interleaved as the last minute's clients are
    for n in range(per_municipality):
        for meeting_id in ids["meetings"]:
            for i, (muni_id, user_id) in enumerate(ids["contacts"].items()):
                jobs.put((user_id, meeting_id, f"Kollega {i}-{n}", f"kollega{i}.{n}.{meeting_id}@p10.example"))
    total = jobs.qsize()
    from workflows.dates import end_of_day

    closes = end_of_day(deadline)  # 23:59:59 in Copenhagen: a registration later than this is refused
    with time_machine.travel(closes - timedelta(seconds=before_deadline), tick=True):
        t0 = time.perf_counter()
        out = load(app, jobs, clients)
        elapsed = time.perf_counter() - t0
    accepted = [(m, e) for m, e, _b, _e in out.accepted]
    with app.app_context():
        problems = check(db.session, ids["meetings"], accepted) + check_deadline(out, closes)
        from workflows.network.models import Registration, RegistrationStatus

        waiting = db.session.scalar(select(func.count()).select_from(Registration)
                                    .where(Registration.status == RegistrationStatus.WAITING))
        db.session.remove()
        db.engine.dispose()
    # the rate of the race: accepted registrations from the first call to the last acceptance
    start = closes - timedelta(seconds=before_deadline)
    span = max((end for _m, _e, _b, end in out.accepted), default=start) - start
    rate = len(accepted) / span.total_seconds() if span.total_seconds() > 0 else 0.0
    sample = Sample(f"{clients} clients, {total} registrations", out.latencies,
                    note=f"{rate:7.1f} registrations/s")
    notes = [f"{municipalities} municipalities x {seats} seats, {meetings} meetings of {capacity} places; the clock "
             f"runs from {before_deadline:.0f} s before the deadline (23:59:59 Copenhagen)",
             f"{len(accepted)} accepted ({waiting} on waiting lists) in {span.total_seconds():.1f} s "
             "on the app's clock, "
             f"{len(out.closed)} refused after the deadline, {len(out.errors)} refused otherwise; "
             f"{elapsed:.1f} s in all",
             "checks: " + ("no seat oversold, none lost or duplicated, waiting lists in order, the deadline held"
                           if not problems else "; ".join(problems))]
    if out.errors:
        notes.append("first refusal: " + out.errors[0])
    result = Result("P10", "registrations in the last minute before the deadline (PostgreSQL, service calls)",
                    [sample], [("registrations per second", rate, 0.0, "info"),
                               ("checks held afterwards (1 = all)", 0.0 if problems else 1.0, 1.0, "min")], notes)
    result.problems = problems
    result.refused = out.errors
    result.closed = out.closed
    return result


if __name__ == "__main__":
    print(run().table())
