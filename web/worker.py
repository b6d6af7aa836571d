"""The timer and message worker, as a loop (`byplan worker`) or a background thread (`byplan serve`)."""
from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)


def run_once(byplan) -> tuple[int, int]:
    fired = byplan.engine.fire_due_timers()
    routed = byplan.engine.route_messages()
    return fired, routed


def run_forever(byplan, interval: float, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            fired, routed = run_once(byplan)
            if fired or routed:
                log.info("worker: %d timer(s) fired, %d message(s) delivered", fired, routed)
        except Exception:  # the loop must survive a bad sweep; the next one retries
            log.exception("worker sweep failed")
        stop.wait(interval)


def start_background_worker(app) -> threading.Thread:
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, name="byplan-worker", daemon=True,
                              args=(app.extensions["byplan"], app.config["WORKER_INTERVAL"], stop))
    thread.start()
    app.extensions["byplan_worker_stop"] = stop
    return thread
