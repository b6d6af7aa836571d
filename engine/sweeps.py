"""The worker's sweeps: due timers fired and outbox messages routed, one case per transaction.

The functions take the case engine (`CaseEngine`, the façade in engine.py); they are its
`fire_due_timers` and `route_messages` methods.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .claims import claim_each
from .errors import StaleCase
from .incidents import incident_fallback
from .models import Case, MessageSubscription, OutboxMessage, WaitingTimer
from .serialization import canonical_json

log = logging.getLogger(__name__)

MAX_MESSAGE_ATTEMPTS = 100  # an undeliverable message is retried by this many sweeps, then left for an operator


def fire_due_timers(engine, now: datetime | None = None, limit: int = 1000) -> int:
    """Fire due timers, one case per transaction; safe with several workers.

    Returns the number of cases advanced. A case whose firing fails is
    logged and skipped; the sweep goes on with the others.
    """
    now = now or engine.clock()
    # Lock the case row, never the projection rows: save() rewrites those, and a worker
    # holding a timer row while a user's completion holds the case would deadlock.
    due_cases = select(WaitingTimer.case_id).where(WaitingTimer.due_at <= now)
    due = (select(Case.id).where(Case.id.in_(due_cases), Case.status == "running")
           .order_by(Case.updated_at))
    fired = 0
    for session, case_id in claim_each(engine.session_factory, due, Case.id, limit):
        try:
            with session.begin_nested():
                instance = engine.load(session, case_id)
                before = instance.waiting_timers()
                failure = engine._attempt(session, instance, "timer", lambda: (
                    instance.workflow.refresh_timers(), instance.workflow.do_engine_steps()))
                if failure is None and instance.waiting_timers() == before \
                        and not instance.workflow.bpmn_events:
                    continue  # not yet due by the engine's clock
                # A failure is saved too: the failed task in ERROR state, the case an incident,
                # out of further sweeps until an operator retries it.
                engine.save(session, instance, actor="timer", kind="timer", summary="timer fired",
                            detail={"due": [n for n, d in before if d <= now]}, incident=failure)
            if failure is None:
                fired += 1
        except StaleCase as exc:
            log.info("timer on case %s not fired, the case changed meanwhile: %s", case_id, exc)
        except SQLAlchemyError:
            raise
        except Exception as exc:  # noqa: BLE001 - one broken case must not stop the sweep
            incident_fallback(engine, session, case_id, "timer", exc)
    return fired


def route_messages(engine, limit: int = 1000) -> int:
    """Deliver undelivered outbox messages to the cases waiting for them.

    A message whose receiver is not waiting yet stays in the outbox and is
    tried again by the next sweep.
    """
    pending = (select(OutboxMessage).where(OutboxMessage.delivered_at.is_(None),
                                           OutboxMessage.attempts < MAX_MESSAGE_ATTEMPTS)
               .order_by(OutboxMessage.id))
    delivered = 0
    for session, message in claim_each(engine.session_factory, pending, OutboxMessage.id, limit):
        target_id, target_status = find_receiver(session, message)
        if target_id is None:
            message.attempts += 1
            continue
        if target_status != "running":
            continue  # the receiver is stopped by an incident: the message waits for its retry
        try:
            with session.begin_nested():
                target = engine.load(session, target_id)
                event = engine.serializer.load_event(message.payload)
                # A failure in the steps after delivery is saved as an incident on the target;
                # the message itself was received.
                failure = engine._attempt(session, target, "router", lambda: (
                    target.workflow.send_event(event), target.workflow.do_engine_steps()))
                engine.save(session, target, actor="router", kind="message",
                            summary=f"received {message.message_name}",
                            detail={"message_id": message.id, "from_case": message.source_case_id},
                            data=message.payload, incident=failure)
        except (StaleCase, SpiffWorkflowException) as exc:
            log.warning("message %s to case %s not delivered: %s", message.id, target_id, exc)
            message.attempts += 1
            continue
        except SQLAlchemyError:
            raise
        except Exception as exc:  # noqa: BLE001 - one broken case must not stop the sweep
            incident_fallback(engine, session, target_id, "router", exc)
            message.attempts += 1
            continue
        message.delivered_at = engine.clock()
        message.target_case_id = target_id
        delivered += 1
    return delivered


def find_receiver(session: Session, message: OutboxMessage) -> tuple[int | None, str | None]:
    """(case id, case status) of the case waiting for the message, preferring a correlated one."""
    pairs = [canonical_json({k: v}) for k, v in sorted(json.loads(message.correlation).items())]
    candidates = pairs + [canonical_json({})]
    rows = session.execute(
        select(MessageSubscription.case_id, MessageSubscription.correlation, Case.status)
        .join(Case, Case.id == MessageSubscription.case_id)
        # A suspended receiver is found too, so its message waits in the outbox (not counted as a miss).
        .where(Case.status.in_(("running", "incident", "suspended")),
               MessageSubscription.message_name == message.message_name,
               MessageSubscription.correlation.in_(candidates))
        .order_by(MessageSubscription.case_id)
    ).all()
    best = next((r for r in rows if r.correlation in pairs), rows[0] if rows else None)
    return (best.case_id, best.status) if best is not None else (None, None)
