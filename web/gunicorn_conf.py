"""gunicorn settings for Prometheus's multiprocess mode: `gunicorn -c python:web.gunicorn_conf 'web:create_app()'`
with `PROMETHEUS_MULTIPROC_DIR` set to an empty directory shared by every worker (README: Process analytics
and running it)."""
from __future__ import annotations


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    from engine.metrics import mark_process_dead

    mark_process_dead(worker.pid)
