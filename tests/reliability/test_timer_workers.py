"""Two `byplan worker --once` processes sweep 200 due timers at the same time on PostgreSQL
(SELECT ... FOR UPDATE SKIP LOCKED): every timer fires exactly once, both workers take a share,
nothing is logged as a warning or error."""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from click.testing import CliRunner
from engine_support import Harness, deploy
from sqlalchemy import func, select

from engine.models import Case, WaitingTimer

from .faults import FORK, audit_intact, check_case, result, snapshot, start_fresh

T0 = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)
CASES = 200


class _Problems(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(f"{record.name}: {record.getMessage()}")


def _worker(url: str, barrier) -> tuple[str, int, list[str]]:
    from web.cli import main

    problems = _Problems()
    logging.getLogger().addHandler(problems)
    with time_machine.travel(T0 + timedelta(hours=1, minutes=1), tick=False):
        barrier.wait(timeout=60)
        outcome = CliRunner().invoke(main, ["worker", "--once"], env={"DATABASE_URL": url},
                                     catch_exceptions=False)
    return outcome.output, outcome.exit_code, problems.records


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_workers_fire_each_of_200_due_timers_exactly_once(db_url):
    harness = Harness(db_url, create=False)
    with harness.session() as s, s.begin():
        deploy(harness.engine, s, "timer_wait")
    with time_machine.travel(T0, tick=False), harness.session() as s, s.begin():
        cases = [harness.engine.start(s, "timer_wait", actor="t").id for _ in range(CASES)]
    with harness.session() as s:
        before = {c: snapshot(s, c) for c in cases}
        assert all(b["timers"] == [T0 + timedelta(hours=1)] for b in before.values())

    barrier = FORK.Barrier(2)
    workers = [start_fresh(_worker, db_url, barrier, engines=[harness.db]) for _ in range(2)]
    outcomes = [result(w, timeout=300) for w in workers]

    fired = []
    for output, exit_code, problems in outcomes:
        assert exit_code == 0, output
        assert problems == []
        fired.append(int(re.search(r"(\d+) timer\(s\) fired", output).group(1)))
    assert sum(fired) == CASES, outcomes
    assert all(n > 0 for n in fired), fired  # both really swept the same timers at the same time

    with harness.session() as s:
        assert s.scalar(select(func.count()).select_from(WaitingTimer)) == 0
        assert set(s.scalars(select(Case.status).where(Case.id.in_(cases)))) == {"running"}
        for c in cases:
            after = snapshot(s, c)
            assert after["audit"] == ["start", "timer"], (c, after)  # exactly one firing per case
            assert after["version"] == before[c]["version"] + 1
            assert after["ready"] == ["after_wait"] and after["timers"] == []
            check_case(harness.engine, s, c)
        audit_intact(s)
    harness.dispose()
