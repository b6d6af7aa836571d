"""P5: completions per second on PostgreSQL under gunicorn, 4 workers vs 1 (and 2 vs 1).

A throwaway PostgreSQL 15 server (tests/pgserver.py), restarted with the durable defaults
(fsync=on, synchronous_commit=on, full_page_writes=on: what production runs, not the tests'
fsync=off). Open proposal cases waiting at the working group's draft task are bulk copies of one
started through the engine (see common.clone_cases). For each worker count, gunicorn
(sync workers) serves `web:create_app()` on loopback, and 8 client threads (http.client, one
connection each) complete tasks for DURATION seconds: each takes the next pre-created case and
POSTs /api/v1/tasks/{id}/complete with a bearer token and the case version. Every answer must be
200. Figures: completions per second, and each request's latency (median, p95).
Target: 4 workers >= 3 x 1 worker. The machine's cores are printed: with 2 cores a CPU-bound
server cannot reach 3 x (see bench/README.md).
"""
from __future__ import annotations

import http.client
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time

from sqlalchemy import select

from .common import DRAFT, ROOT, Result, Sample, clone_cases, fast_passwords, quick

TARGET = 3.0
CLIENTS = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def durable(pg) -> None:
    """Restart the throwaway server with PostgreSQL's durable defaults instead of the tests' fsync=off."""
    options = f"-h {pg.host} -p {pg.port} -k {pg.socket_dir} -c max_connections=100"
    pg._run("pg_ctl", "restart", "-w", "-m", "fast", "-D", str(pg.data_dir), "-l", str(pg.log_file), "-o", options,
            timeout=120)
    pg._wait_until_ready()


class Server:
    def __init__(self, url: str, workers: int):
        self.port = _free_port()
        env = {**os.environ, "DATABASE_URL": url, "BYPLAN_SECRET_KEY": "bench", "PYTHONPATH": str(ROOT),
               "BYPLAN_AUDIT_KEY": "bench-audit-key-" + "0" * 48}  # production requires one (web/config.py)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "web:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while True:  # every worker answers once it has booted; ask until one does, then give the rest a moment
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/openapi.json")
                conn.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("gunicorn did not start: " + self.process.stderr.read().decode()[-2000:])
                time.sleep(0.2)
        time.sleep(1.0 + 0.5 * workers)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def load(port: int, token: str, tasks: "queue.Queue[tuple[str, int]]", duration: float) -> tuple[int, list[float], int]:
    """CLIENTS threads completing tasks for `duration` seconds: (completions, latencies, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        while time.monotonic() < stop_at:
            try:
                task_id, version = tasks.get_nowait()
            except queue.Empty:
                break
            body = json.dumps({"version": version, "data": DRAFT})
            t0 = time.perf_counter()
            try:
                conn.request("POST", f"/api/v1/tasks/{task_id}/complete", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            if ok:
                mine.append(time.perf_counter() - t0)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors[0]


def run(duration: float | None = None, workers: tuple[int, ...] = (1, 2, 4), warmup: float | None = None) -> Result:
    from pgserver import PostgresServer
    from support import People, make_app

    from engine.models import ReadyTask
    from web.cli import init_db
    from web.extensions import db

    duration = duration or (3.0 if quick() else 20.0)
    warmup = warmup if warmup is not None else (1.0 if quick() else 3.0)
    fast_passwords()
    samples, rates = [], {}
    with PostgresServer("byplan_bench") as pg:
        durable(pg)
        app = make_app(pg.url)
        init_db(app)
        people = People(app)
        token = people.token("lead")
        byplan = app.extensions["byplan"]
        per_run = int((duration + warmup) * 250)  # more than the fastest run can complete (about 130/s here)
        with app.app_context():
            s = db.session
            template = byplan.start_proposal(s, people.user("lead"), people.group_id, "Forslag").id
            s.commit()
            clone_cases(s, template, per_run * len(workers), title="Forslag {i}")
            s.commit()
            pending = list(s.execute(select(ReadyTask.id, ReadyTask.case_id).where(ReadyTask.case_id != template)
                                     .order_by(ReadyTask.case_id)).all())
        app_engine_dispose(app)
        for k, count in enumerate(workers):
            tasks: queue.Queue = queue.Queue()
            for task_id, _case in pending[k * per_run:(k + 1) * per_run]:
                tasks.put((task_id, 1))
            server = Server(pg.url, count)
            try:
                load(server.port, token, tasks, warmup)  # every worker loads its process specs once
                t0 = time.monotonic()
                done, latencies, errors = load(server.port, token, tasks, duration)
                elapsed = time.monotonic() - t0
            finally:
                server.stop()
            if errors or done == 0:
                raise RuntimeError(f"{count} workers: {errors} failed completions, {done} completed")
            rates[count] = done / elapsed
            samples.append(Sample(f"gunicorn -w {count}, {CLIENTS} clients, {duration:.0f} s", latencies,
                                  note=f"{rates[count]:7.1f} completions/s"))
    ratios = []
    if 4 in rates:
        ratios.append(("4 workers / 1 worker, completions per second", rates[4] / rates[1], TARGET, "min"))
    if 2 in rates:
        ratios.append(("2 workers / 1 worker, completions per second", rates[2] / rates[1], 0, "info"))
    return Result("P5", "completions per second through the API on PostgreSQL (fsync=on, synchronous_commit=on) "
                        "under gunicorn", samples, ratios,
                  notes=[f"machine: {os.cpu_count()} cores; the 8 client threads run on the same machine; "
                         "latency per request in the table"])


def app_engine_dispose(app) -> None:
    """Close the setup's connections before the servers start."""
    from web.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main():
    result = run()
    print(result.table())
    return result


if __name__ == "__main__":
    main()
