"""What the benchmarks share: quick mode, the app on a fresh database, timing, the table, bulk cloning."""
from __future__ import annotations

import json
import math
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

DRAFT = {"kind": "principle", "title": "Genbrug før køb", "summary": "Genbrug",
         "statement": "Genbrug før køb før byg", "rationale": "", "implications": ""}


def quick() -> bool:
    """A smaller smoke run: `BENCH_QUICK=1` or `--quick`."""
    return os.environ.get("BENCH_QUICK") == "1" or "--quick" in sys.argv


def fast_passwords() -> None:
    from argon2 import PasswordHasher

    from workflows.directory import use_password_hasher

    use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def sqlite_app(prefix: str = "byplan-bench-"):
    """A fresh app on a new SQLite file (WAL, as in production), with the test users."""
    from support import People, make_app

    from web.cli import init_db

    fast_passwords()
    tmp = tempfile.mkdtemp(prefix=prefix)
    app = make_app(f"sqlite:///{tmp}/bench.sqlite")
    init_db(app)
    return app, People(app)


# ------------------------------------------------------------------ figures

@dataclass
class Sample:
    label: str
    seconds: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def n(self) -> int:
        return len(self.seconds)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)] * 1000


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


@dataclass
class Result:
    """One benchmark's outcome: its samples, the ratios it reports, and their targets."""

    name: str
    what: str
    samples: list[Sample]
    # (label, ratio, target, direction): "max" means ratio <= target passes, "min" ratio >= target,
    # "info" is reported without a target
    ratios: list[tuple[str, float, float, str]]
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(_passes(r, t, d) for _, r, t, d in self.ratios if d != "info")

    def table(self) -> str:
        width = max([len(s.label) for s in self.samples] + [20])
        lines = [f"{self.name}  {self.what}"]
        lines += [f"    {note}" for note in self.notes]
        lines.append(f"    {'':<{width}} {'median ms':>10} {'p95 ms':>10} {'n':>6}")
        for s in self.samples:
            lines.append(f"    {s.label:<{width}} {s.median_ms:>10.2f} {s.p95_ms:>10.2f} {s.n:>6}"
                         + (f"  {s.note}" if s.note else ""))
        for label, ratio, target, direction in self.ratios:
            if direction == "info":
                lines.append(f"    ratio {label}: {ratio:.2f}x (no target)")
                continue
            sign = "<=" if direction == "max" else ">="
            verdict = "PASS" if _passes(ratio, target, direction) else "MISS"
            lines.append(f"    ratio {label}: {ratio:.2f}x (target {sign} {target}x)  {verdict}")
        return "\n".join(lines)


def _passes(ratio: float, target: float, direction: str) -> bool:
    return ratio <= target if direction == "max" else ratio >= target


def ratio(a: Sample, b: Sample) -> float:
    return a.median_ms / b.median_ms


# ----------------------------------------------------------------- cloning

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _columns(row) -> dict:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def clone_cases(session, template_case_id: int, count: int, *, scope_of: Callable[[int], str | None] | None = None,
                group_of: Callable[[int], int] | None = None, title: str = "Klon {i}",
                timer_due: Callable[[int], object] | None = None, batch: int = 1000) -> list[int]:
    """`count` copies of a case, by bulk INSERTs: the case row with its state (every task id in it
    replaced by a fresh one, the proposal id by the clone's), its ready-task and timer projections
    and its proposal record. `scope_of(i)`/`group_of(i)` give clone i's scope and working group,
    `timer_due(i)` its timers' due time. Returns the new case ids. Setup only: the copies are what
    the engine would have saved for each case, without running it 10,000 times."""
    from sqlalchemy import func, insert, select
    from sqlalchemy.orm import undefer

    from engine.models import Case, ReadyTask, WaitingTimer
    from workflows.proposal import Proposal

    template = session.get(Case, template_case_id, options=[undefer(Case.state)])
    ready = list(session.scalars(select(ReadyTask).where(ReadyTask.case_id == template_case_id)))
    timers = list(session.scalars(select(WaitingTimer).where(WaitingTimer.case_id == template_case_id)))
    record = session.scalar(select(Proposal).where(Proposal.case_id == template_case_id))
    state = template.state
    ids_in_state = sorted(set(_UUID.findall(state)))
    proposal_pattern = re.compile(r'("proposal_id":\s*)%d\b' % record.id) if record is not None else None
    next_case = (session.scalar(select(func.max(Case.id))) or 0) + 1
    next_proposal = (session.scalar(select(func.max(Proposal.id))) or 0) + 1
    base_case, base_ready = _columns(template), [_columns(r) for r in ready]
    base_timers = [_columns(t) for t in timers]
    base_record = _columns(record) if record is not None else None
    new_ids = []
    for start in range(0, count, batch):
        cases, tasks, waits, records = [], [], [], []
        for i in range(start, min(start + batch, count)):
            case_id, proposal_id = next_case + i, next_proposal + i
            mapping = {old: str(uuid.uuid4()) for old in ids_in_state}
            text = _UUID.sub(lambda m: mapping[m.group(0)], state)
            if proposal_pattern is not None:
                text = proposal_pattern.sub(lambda m: f"{m.group(1)}{proposal_id}", text)
            scope = scope_of(i) if scope_of else template.scope
            case_title = title.format(i=i)
            cases.append({**base_case, "id": case_id, "state": text, "scope": scope, "title": case_title,
                          "version": 1})
            for r in base_ready:
                tasks.append({**r, "id": mapping.get(r["id"], str(uuid.uuid4())), "case_id": case_id,
                              "scope": scope, "case_title": case_title})
            for k, t in enumerate(base_timers):
                waits.append({**t, "id": f"{case_id}:{k}", "case_id": case_id,
                              "due_at": timer_due(i) if timer_due else t["due_at"]})
            if base_record is not None:
                records.append({**base_record, "id": proposal_id, "case_id": case_id, "title": case_title,
                                "working_group_id": group_of(i) if group_of else base_record["working_group_id"]})
            new_ids.append(case_id)
        session.execute(insert(Case), cases)
        if records:
            session.execute(insert(Proposal), records)
        if tasks:
            session.execute(insert(ReadyTask), tasks)
        if waits:
            session.execute(insert(WaitingTimer), waits)
    session.flush()
    return new_ids


def state_json_size(session, case_id: int) -> int:
    from sqlalchemy import select

    from engine.models import Case

    return len(session.scalar(select(Case.state).where(Case.id == case_id)) or "")


__all__ = ["DRAFT", "Result", "Sample", "clone_cases", "json", "quick", "ratio", "sqlite_app", "timed"]
