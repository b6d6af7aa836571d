"""One unit of work per user action (cosmicpython's pattern): one transaction, committed only by `commit()`.

    with UnitOfWork(session) as uow:
        result = service.do_something(uow.session, ...)
        uow.commit()
    if uow.stopped_cases: ...   # cases that an automatic step after the action stopped (incidents)

Leaving the block without `commit()`, or by an exception, rolls the transaction back, so a refused
action changes nothing. HTML views, the JSON API, the CLI and the worker all run their actions this way.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

# session.info key: ids of the cases that a save in this session left stopped by an incident.
STOPPED_CASES = "engine.stopped_cases"


def take_stopped_cases(session: Session) -> set[int]:
    """The ids of the cases this session's saves stopped by an incident since the last call (then forgotten)."""
    return session.info.pop(STOPPED_CASES, set())


class UnitOfWork:
    def __init__(self, session: Session):
        self.session = session
        self.committed = False
        self.stopped_cases: set[int] = set()

    def __enter__(self) -> "UnitOfWork":
        return self

    def commit(self) -> None:
        self.session.commit()
        self.committed = True
        self.stopped_cases = take_stopped_cases(self.session)

    def rollback(self) -> None:
        self.session.rollback()
        take_stopped_cases(self.session)

    def __exit__(self, exc_type, exc, tb) -> bool:
        if not self.committed:
            self.rollback()
        return False
