"""A throwaway PostgreSQL server for tests.

Usage::

    with PostgresServer() as pg:
        engine = sqlalchemy.create_engine(pg.url)
        other_url = pg.create_database("scratch")

The server lives in a fresh directory under /tmp, listens on 127.0.0.1 on a
free port (plus a private Unix socket directory) and trusts every local
connection as the ``postgres`` role.  Durability is switched off because the
data is thrown away anyway.

When the process runs as root the server is run as the ``postgres`` OS user
(PostgreSQL refuses to run as root); otherwise it runs as the current user.

If no PostgreSQL binaries can be found a RuntimeError is raised.  This is
deliberate: tests must not be skipped silently in CI.
"""

from __future__ import annotations

import atexit
import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

DEFAULT_BIN_DIR = "/usr/lib/postgresql/15/bin"
SUPERUSER = "postgres"
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def find_bin_dir() -> Path:
    """Return the directory holding initdb/pg_ctl/postgres.

    Order: $PG_BIN, /usr/lib/postgresql/15/bin, the newest other
    /usr/lib/postgresql/*/bin.
    """
    candidates: list[str] = []
    if os.environ.get("PG_BIN"):
        candidates.append(os.environ["PG_BIN"])
    candidates.append(DEFAULT_BIN_DIR)

    def _version(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    candidates.extend(
        sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    )
    for cand in candidates:
        if _has_server_tools(Path(cand)):
            return Path(cand)
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; looked in "
        + ", ".join(dict.fromkeys(candidates))
        + ". Install them (Debian: apt-get install postgresql-15) or set PG_BIN."
    )


def _has_server_tools(path: Path) -> bool:
    return all(
        os.access(path / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """Context manager running a private PostgreSQL cluster."""

    def __init__(
        self,
        database: str = "byplan_test",
        *,
        bin_dir: str | os.PathLike | None = None,
        start_timeout: float = 60.0,
    ) -> None:
        self.bin_dir = Path(bin_dir) if bin_dir else find_bin_dir()
        if not _has_server_tools(self.bin_dir):
            raise RuntimeError(
                f"PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in "
                f"{self.bin_dir}"
            )
        self.database = database
        self.start_timeout = start_timeout
        self.host = "127.0.0.1"
        self.port: int | None = None
        self.base_dir: Path | None = None
        self._running = False
        self._as_root = hasattr(os, "geteuid") and os.geteuid() == 0

    # -- paths ---------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "sock"

    @property
    def log_file(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "postgres.log"

    # -- URLs ----------------------------------------------------------
    def url_for(self, database: str) -> str:
        """SQLAlchemy URL for a database on this server."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def conninfo_for(self, database: str) -> str:
        """libpq/psycopg conninfo for a database on this server."""
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    @property
    def url(self) -> str:
        return self.url_for(self.database)

    @property
    def conninfo(self) -> str:
        return self.conninfo_for(self.database)

    # -- process helpers -------------------------------------------------
    def _cmd(self, tool: str, *args: str) -> list[str]:
        cmd = [str(self.bin_dir / tool), *args]
        if self._as_root:
            cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
        return cmd

    def _run(self, tool: str, *args: str, timeout: float = 120.0) -> None:
        # cwd=base_dir: the postgres user may not be able to read the caller's
        # working directory (e.g. /root/...), which makes initdb complain.
        proc = subprocess.run(
            self._cmd(tool, *args),
            cwd=self.base_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"{tool} failed (exit {proc.returncode}):\n{proc.stdout}{self._log_tail()}"
            )

    def _log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_file.read_text(errors="replace")
        except (OSError, AssertionError):
            return ""
        return "\n--- postgres.log (tail) ---\n" + "\n".join(text.splitlines()[-lines:])

    # -- lifecycle -----------------------------------------------------
    def start(self) -> "PostgresServer":
        if self._running:
            return self
        if self._as_root:
            try:
                import pwd

                pw = pwd.getpwnam(SUPERUSER)
            except KeyError:
                raise RuntimeError(
                    "running as root but there is no 'postgres' OS user to run the "
                    "server as (Debian: apt-get install postgresql-15 creates it)"
                ) from None
        # Always under /tmp (not $TMPDIR, which may sit in a 0700 home directory)
        # so that the postgres user can traverse it.
        self.base_dir = Path(tempfile.mkdtemp(prefix="byplan-pg-", dir="/tmp"))
        try:
            os.chmod(self.base_dir, 0o755)
            self.data_dir.mkdir(mode=0o700)
            self.socket_dir.mkdir(mode=0o755)
            self.log_file.touch()
            if self._as_root:
                for p in (self.base_dir, self.data_dir, self.socket_dir, self.log_file):
                    os.chown(p, pw.pw_uid, pw.pw_gid)

            self._run(
                "initdb",
                "-D", str(self.data_dir),
                "-U", SUPERUSER,
                "--auth=trust",
                "-E", "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
            self._start_server()
        except BaseException:
            self._cleanup_dir()
            raise
        atexit.register(self.stop)
        return self

    def _start_server(self) -> None:
        last_error: Exception | None = None
        for _attempt in range(3):  # a port picked as free may get taken meanwhile
            self.port = _free_port()
            options = " ".join(
                [
                    f"-h {self.host}",
                    f"-p {self.port}",
                    f"-k {self.socket_dir}",
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                    "-c max_connections=100",
                ]
            )
            try:
                self._run(
                    "pg_ctl", "start", "-w",
                    "-t", str(int(self.start_timeout)),
                    "-D", str(self.data_dir),
                    "-l", str(self.log_file),
                    "-o", options,
                    timeout=self.start_timeout + 30,
                )
            except RuntimeError as exc:
                last_error = exc
                self._pg_ctl_stop(quiet=True)
                continue
            self._running = True
            self._wait_until_ready()
            self._create(self.database)
            return
        raise RuntimeError(f"could not start PostgreSQL: {last_error}")

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                with psycopg.connect(self.conninfo_for("postgres"), connect_timeout=5):
                    return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"PostgreSQL did not accept connections within "
                        f"{self.start_timeout:.0f}s: {exc}{self._log_tail()}"
                    ) from exc
                time.sleep(0.1)

    def _create(self, name: str, template: str | None = None) -> None:
        for each in (name, template or name):
            if not _NAME_RE.match(each):
                raise ValueError(f"invalid database name: {each!r}")
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with psycopg.connect(self.conninfo_for("postgres"), autocommit=True) as conn:
            conn.execute(statement)

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create a database — empty, or a copy of the database `template` (which must have no
        open connections) — and return its SQLAlchemy URL."""
        if not self._running:
            raise RuntimeError("server is not running")
        self._create(name, template)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting any sessions still using it."""
        if not _NAME_RE.match(name):
            raise ValueError(f"invalid database name: {name!r}")
        with psycopg.connect(self.conninfo_for("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )

    def _pg_ctl_stop(self, quiet: bool = False) -> None:
        if self.base_dir is None or not (self.data_dir / "postmaster.pid").exists():
            return
        try:
            self._run("pg_ctl", "stop", "-w", "-m", "fast", "-t", "30",
                      "-D", str(self.data_dir), timeout=60)
        except (RuntimeError, subprocess.TimeoutExpired):
            try:
                self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-t", "30",
                          "-D", str(self.data_dir), timeout=60)
            except (RuntimeError, subprocess.TimeoutExpired):
                if not quiet:
                    raise

    def _cleanup_dir(self) -> None:
        if self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None

    def stop(self) -> None:
        """Stop the server and delete its files.  Safe to call twice."""
        try:
            if self._running:
                self._running = False
                self._pg_ctl_stop()
        finally:
            self._cleanup_dir()
            atexit.unregister(self.stop)

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


if __name__ == "__main__":  # manual smoke test: python tests/pgserver.py
    t0 = time.monotonic()
    with PostgresServer() as pg:
        t1 = time.monotonic()
        with psycopg.connect(pg.conninfo) as conn:
            print(conn.execute("select version()").fetchone()[0])
        print("url:", pg.url)
        print("second:", pg.create_database("second"))
        t2 = time.monotonic()
    t3 = time.monotonic()
    print(f"start {t1 - t0:.2f}s, work {t2 - t1:.2f}s, stop {t3 - t2:.2f}s")
