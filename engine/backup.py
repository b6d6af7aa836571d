"""Backup and restore of the whole database, documents included (their content is stored in it).

SQLite: the online backup API copies a consistent snapshot while the system runs, into a
single self-contained database file (rollback journal, no -wal file), checked with
``PRAGMA integrity_check`` before it replaces anything.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` from the PostgreSQL client tools
(``$PG_BIN``, the newest ``/usr/lib/postgresql/*/bin`` or ``PATH``). The password never goes
on a command line: the tools get a connection string without it and the password in
``PGPASSWORD``; messages show URLs with the password hidden.

A restore goes into an empty database only, unless `force` is given: then a SQLite file is
replaced as a whole and on PostgreSQL the objects in the dump are dropped and created again.
"""
from __future__ import annotations

import glob
import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and changes nothing."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    kind: str  # "sqlite" or "postgresql"
    size: int
    sha256: str


# ------------------------------------------------------------------ shared helpers

def _url(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise BackupError(f"not a database URL: {exc}") from None


def database_kind(url: str) -> str:
    """'sqlite' or 'postgresql'; BackupError for any other database."""
    backend = _url(url).get_backend_name()
    if backend not in KIND_NAMES:
        raise BackupError(f"backup and restore support SQLite and PostgreSQL, not {backend!r}")
    return backend


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(invalid URL)"


def backup_kind(path: Path) -> str:
    """The kind of database a backup file holds, from its first bytes."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"{path}: no such file")
    if not path.is_file():
        raise BackupError(f"{path}: not a file")
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path}: not a Byplan backup (neither a SQLite database nor a pg_dump custom-format file)")


def _describe(path: Path, kind: str) -> BackupFile:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            sha.update(chunk)
    return BackupFile(path=path, kind=kind, size=path.stat().st_size, sha256=sha.hexdigest())


def _target_file(path: Path, force: bool) -> Path:
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path}: is a directory; give a file name")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such directory")
    if path.exists() and not force:
        raise BackupError(f"{path}: the file exists; choose another name or pass --force to overwrite it")
    return path


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


# ------------------------------------------------------------------ public API

def backup(url: str, path: Path, *, force: bool = False) -> BackupFile:
    """Write a backup of the database at `url` to `path` (refusing to overwrite unless `force`)."""
    kind = database_kind(url)
    path = _target_file(Path(path), force)
    partial = _partial(path)
    try:
        if kind == "sqlite":
            _sqlite_backup(_sqlite_path(url, must_exist=True), partial)
        else:
            _pg_dump(make_url(url), partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return _describe(path, kind)


def restore(path: Path, url: str, *, force: bool = False) -> BackupFile:
    """Restore the backup at `path` into the (empty, unless `force`) database at `url`."""
    kind = database_kind(url)
    found = backup_kind(Path(path))
    if found != kind:
        raise BackupError(f"{path} is a {KIND_NAMES[found]} backup, but the database is {KIND_NAMES[kind]} "
                          f"({safe_url(url)})")
    if kind == "sqlite":
        _sqlite_restore(Path(path), _sqlite_path(url, must_exist=False), force)
    else:
        _pg_restore(Path(path), make_url(url), force)
    return _describe(Path(path), kind)


# ------------------------------------------------------------------------ SQLite

def _sqlite_path(url: str, *, must_exist: bool) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"{safe_url(url)}: only a SQLite database in a file can be backed up or restored")
    path = Path(database)
    if must_exist and not path.is_file():
        raise BackupError(f"{path}: no SQLite database there")
    if not must_exist and not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such directory")
    return path


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def _check(conn: sqlite3.Connection, what: str) -> None:
    result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError(f"{what} is damaged: {'; '.join(result[:5])}")


def _sqlite_backup(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    src = _connect(source)
    dst = _connect(target)
    try:
        src.backup(dst)  # one step: a consistent snapshot even while others write
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        _check(dst, "the backup")
    except sqlite3.Error as exc:
        raise BackupError(f"{source}: {exc}") from None
    finally:
        dst.close()
        src.close()


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _sqlite_restore(backup_path: Path, target: Path, force: bool) -> None:
    try:
        src = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{backup_path}: {exc}") from None
    try:
        try:
            _check(src, str(backup_path))
        except sqlite3.Error as exc:
            raise BackupError(f"{backup_path}: {exc}") from None
        if target.is_dir():
            raise BackupError(f"{target}: is a directory")
        dst = _connect(target)
        try:
            existing = _tables(dst)
            if existing and not force:
                raise BackupError(f"the database {target} is not empty ({len(existing)} tables); restore into "
                                  "an empty database, or pass --force to replace its contents")
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as exc:
            raise BackupError(f"{target}: {exc}") from None
        finally:
            dst.close()
    finally:
        src.close()


# -------------------------------------------------------------------- PostgreSQL

def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client tool (pg_dump, pg_restore)."""
    candidates = []
    if os.environ.get("PG_BIN"):
        candidates.append(Path(os.environ["PG_BIN"]) / name)

    def version(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    candidates += [Path(d) / name for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)]
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"{name} not found: install the PostgreSQL client tools (Debian: postgresql-client) "
                      "or set PG_BIN to their directory")


def _quote(value: str) -> str:
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _conninfo(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying the password."""
    parts = {"dbname": url.database, "host": url.host, "port": url.port, "user": url.username}
    for key, value in url.query.items():  # e.g. sslmode, or host=/var/run/postgresql
        parts[key] = value if isinstance(value, str) else value[-1]
    if not parts.get("dbname"):
        raise BackupError(f"{url.render_as_string(hide_password=True)}: the URL names no database")
    env = dict(os.environ)
    env.pop("PGPASSWORD", None)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = " ".join(f"{k}={_quote(v)}" for k, v in parts.items() if v not in (None, ""))
    return conninfo, env


def _run(cmd: list[str], env: dict[str, str], what: str, url: URL) -> None:
    try:
        proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=3600)
    except OSError as exc:
        raise BackupError(f"{what}: {exc}") from None
    if proc.returncode != 0:
        message = (proc.stderr or proc.stdout).strip()
        if url.password:
            message = message.replace(str(url.password), "***")
        raise BackupError(f"{what} failed for {url.render_as_string(hide_password=True)}:\n{message}")


def _pg_dump(url: URL, target: Path) -> None:
    conninfo, env = _conninfo(url)
    target.unlink(missing_ok=True)
    _run([pg_tool("pg_dump"), "--format=custom", "--no-password", f"--file={target}", f"--dbname={conninfo}"],
         env, "pg_dump", url)
    # a dump that pg_restore cannot read is no backup
    _run([pg_tool("pg_restore"), "--list", str(target)], env, "pg_restore --list", url)


def _pg_relations(url: URL) -> int:
    """How many tables, views and sequences the database has outside the system schemas."""
    import psycopg

    conninfo, env = _conninfo(url)
    try:
        with psycopg.connect(conninfo, password=env.get("PGPASSWORD"), connect_timeout=30) as conn:
            return conn.execute(
                "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', "
                "'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'").fetchone()[0]
    except psycopg.Error as exc:
        message = str(exc).strip()
        if url.password:
            message = message.replace(str(url.password), "***")
        raise BackupError(f"cannot connect to {url.render_as_string(hide_password=True)}: {message}") from None


def _pg_restore(backup_path: Path, url: URL, force: bool) -> None:
    conninfo, env = _conninfo(url)
    _run([pg_tool("pg_restore"), "--list", str(backup_path)], env, f"reading {backup_path}", url)
    count = _pg_relations(url)
    if count and not force:
        raise BackupError(f"the database {url.render_as_string(hide_password=True)} is not empty ({count} tables, "
                          "views or sequences); restore into an empty database (createdb), or pass --force "
                          "to drop and replace the objects in the backup")
    cmd = [pg_tool("pg_restore"), "--no-password", "--no-owner", "--no-privileges", "--exit-on-error",
           "--single-transaction", f"--dbname={conninfo}"]
    if count:
        cmd += ["--clean", "--if-exists"]
    _run(cmd + [str(backup_path)], env, "pg_restore", url)
