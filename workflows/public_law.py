"""What public law asks of the system (issue 18), attached to the Byplan object by runtime.build:
access-to-documents requests, the retention run and erasure requests."""
from __future__ import annotations

from .access_request import tasks as _access_request_tasks  # noqa: F401  (registers the task forms at import)


def attach(byplan, engine, documents, links, clock) -> None:
    from .access_request import AccessRequests
    from .retention import Erasure, Retention

    byplan.access_requests = AccessRequests(engine, documents, links=links, clock=clock)
    byplan.retention = Retention(engine.audit, clock=clock)
    byplan.erasure = Erasure(engine.audit, clock=clock)
