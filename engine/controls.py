"""Case controls: suspend, resume and terminate a case, each with a reason, audited.

A suspended case keeps its state and projections, but waits: the timer sweep selects only running
cases and the message router leaves a message for a suspended receiver in the outbox, so on resume
the next sweep fires the timers that fell due meanwhile and delivers the messages that arrived.
Its tasks cannot be completed (`CaseHeld`, 409). A terminated case's workflow is cancelled and saved,
so its ready tasks, timers and message subscriptions leave the projections; it stays readable.

The caller (a domain service) decides who may do this and whether the transition makes sense to the
user; the functions here refuse a transition from a wrong status with `CaseHeld` (a race).
"""
from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import analytics
from .errors import CaseHeld, CaseNotFound, StaleCase
from .models import Case, MessageSubscription, ReadyTask, WaitingTimer

SUSPENDED = "suspended"
TERMINATED = "terminated"
HELD_STATUSES = (SUSPENDED, TERMINATED)
SUSPENDABLE = ("running", "incident")
TERMINABLE = ("running", "incident", SUSPENDED)
REASON_MAX = 2000


def require_active(row: Case) -> None:
    """Tasks of a held case cannot be completed."""
    if row.status in HELD_STATUSES:
        raise CaseHeld(f"case {row.id} is {row.status}", row.status)


def _row(session: Session, case_id: int, expected_version: int | None) -> Case:
    row = session.get(Case, case_id)
    if row is None:
        raise CaseNotFound(case_id)
    if expected_version is not None and row.version != expected_version:
        raise StaleCase(f"case {case_id} is at version {row.version}, not {expected_version}")
    return row


def _mark(row: Case, status: str, reason: str, actor: str | None, now) -> None:
    row.status = status
    row.control_reason = reason[:REASON_MAX]
    row.control_by = actor
    row.control_at = now
    row.updated_at = now


def _flush(session: Session, case_id: int) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise StaleCase(f"case {case_id} was changed by someone else") from None


def suspend(engine, session: Session, case_id: int, *, actor: str | None, reason: str,
            expected_version: int | None = None) -> Case:
    row = _row(session, case_id, expected_version)
    if row.status not in SUSPENDABLE:
        raise CaseHeld(f"case {case_id} is {row.status} and cannot be suspended", row.status)
    before = row.status
    # An incident stays recorded on the row (error, element); resume brings the case back to it.
    _mark(row, SUSPENDED, reason, actor, engine.clock())
    _flush(session, case_id)
    engine.audit.append(session, kind="case.suspend", actor=actor, case_id=case_id, summary=reason[:500],
                        detail={"reason": reason[:REASON_MAX], "from": before})
    return row


def resume(engine, session: Session, case_id: int, *, actor: str | None, reason: str,
           expected_version: int | None = None) -> Case:
    row = _row(session, case_id, expected_version)
    if row.status != SUSPENDED:
        raise CaseHeld(f"case {case_id} is {row.status}, not suspended", row.status)
    _mark(row, "incident" if row.incident_at is not None else "running", reason, actor, engine.clock())
    _flush(session, case_id)
    engine.audit.append(session, kind="case.resume", actor=actor, case_id=case_id, summary=reason[:500],
                        detail={"reason": reason[:REASON_MAX], "to": row.status})
    return row


def terminate(engine, session: Session, case_id: int, *, actor: str | None, reason: str,
              expected_version: int | None = None) -> Case:
    """Cancel the case's workflow and save it: no ready task, timer or subscription remains projected."""
    row = _row(session, case_id, expected_version)
    if row.status not in TERMINABLE:
        raise CaseHeld(f"case {case_id} is {row.status} and cannot be terminated", row.status)
    before = row.status
    try:
        instance = engine.load(session, case_id)
    except CaseNotFound:
        raise
    except Exception:  # noqa: BLE001 - a state that no longer loads can still be terminated
        instance = None
    _mark(row, TERMINATED, reason, actor, engine.clock())
    detail = {"reason": reason[:REASON_MAX], "from": before}
    if instance is not None:
        instance.workflow.cancel()
        engine.save(session, instance, actor=actor, kind="case.terminate", summary=reason[:500], detail=detail)
    else:
        _flush(session, case_id)
        engine.audit.append(session, kind="case.terminate", actor=actor, case_id=case_id, summary=reason[:500],
                            detail={**detail, "state_loaded": False})
    # Whatever a save could not reach (a state that did not load) leaves the projections too.
    for model in (ReadyTask, WaitingTimer, MessageSubscription):
        session.execute(delete(model).where(model.case_id == case_id))
    analytics.forget_case(session, case_id)  # nor is it counted as waiting on the heatmap
    row.timer_count = row.subscription_count = 0
    _flush(session, case_id)
    return row
