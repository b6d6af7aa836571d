"""`byplan backup FILE` and `byplan restore FILE` on SQLite and PostgreSQL.

A database with the demo, a few more completed tasks and uploaded documents is backed up and
restored into an empty database; every row of every table comes back equal, every document's bytes
match its content hash, the audit chains verify, the search index finds a document's text, and the
restored system goes on working (new rows get fresh ids). Errors are clear and change nothing: a
non-empty target (unless --force), a backup of the other database kind, missing directories and
files, a file that is no backup, an existing backup file. A password in the URL is never shown or
put on a command line.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import sqlite3
import subprocess

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, select, text
from support import make_app

from engine import AuditLog
from engine.backup import BackupError, backup, restore
from engine.models import Base, Blob, Case, DocumentVersion, ReadyTask
from web.cli import main

_names = itertools.count()
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8  # binary content, every byte value
NOTE = "Referat: brugerstyring og fællesoffentlig login (backupprøve)".encode()


def cli(url, *args):
    return CliRunner().invoke(main, list(args), env={"DATABASE_URL": url}, catch_exceptions=False)


def _empty_target(db_url, tmp_path, request) -> str:
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / f'restored{next(_names)}.sqlite'}"
    return request.getfixturevalue("postgres_server").create_database(f"restored_{next(_names)}")


def _fill(url) -> dict:
    """The demo, two more completed tasks and two uploaded documents."""
    from web.extensions import db
    from workflows.directory import User, WorkingGroup

    assert cli(url, "demo").exit_code == 0
    app = make_app(url)
    byplan = app.extensions["byplan"]
    with app.app_context():
        s = db.session
        lead = s.scalar(select(User).where(User.username == "arbejdsgruppe"))
        secretary = s.scalar(select(User).where(User.username == "sekretariat"))
        group = s.scalar(select(WorkingGroup).where(WorkingGroup.name == "Brugerstyring"))
        case = byplan.start_proposal(s, lead, group.id, "Backup-forslag")
        draft = s.scalar(select(ReadyTask).where(ReadyTask.case_id == case.id))
        byplan.complete_task(s, lead, draft.id, {"kind": "principle", "title": "Backup-forslag",
                                                 "summary": "Resumé", "statement": "Tag backup",
                                                 "rationale": "", "implications": ""}, case.version)
        screen = s.scalar(select(ReadyTask).where(ReadyTask.case_id == case.id))
        byplan.complete_task(s, secretary, screen.id, {"screening": "complete"}, s.get(Case, case.id).version)
        byplan.upload(s, lead, case.id, "diagram.png", PNG)
        byplan.upload(s, lead, case.id, "referat.txt", NOTE)
        s.commit()
        db.engine.dispose()
    return {"case_id": case.id}


def _tables(url) -> dict[str, list[tuple]]:
    """Every row of every table (and the Alembic revision), in primary-key order."""
    import web  # noqa: F401 - every model module registers its tables

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = {}
            for table in Base.metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                rows[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
            rows["alembic_version"] = [tuple(r) for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
            return rows
    finally:
        engine.dispose()


def test_backup_and_restore_into_an_empty_database(db_url, tmp_path, request):
    filled = _fill(db_url)
    source = _tables(db_url)
    assert len(source["case"]) >= 9 and len(source["blob"]) >= 3 and len(source["audit_event"]) > 40

    backup_file = tmp_path / "byplan.backup"
    made = cli(db_url, "backup", str(backup_file))
    assert made.exit_code == 0, made.output
    assert hashlib.sha256(backup_file.read_bytes()).hexdigest() in made.output
    target = _empty_target(db_url, tmp_path, request)
    restored = cli(target, "restore", str(backup_file))
    assert restored.exit_code == 0, restored.output

    copy = _tables(target)
    assert copy.keys() == source.keys()
    for name in source:
        assert copy[name] == source[name], name  # every case (state, version, status), task, document ...

    app = make_app(target)
    byplan = app.extensions["byplan"]
    from web.extensions import db
    from workflows.directory import User

    with app.app_context():
        s = db.session
        assert AuditLog().verify(s) is None
        for version in s.scalars(select(DocumentVersion)):
            content = s.get(Blob, version.sha256).content
            assert hashlib.sha256(content).hexdigest() == version.sha256 and len(content) == version.size
        assert {s.get(Blob, hashlib.sha256(b).hexdigest()).content for b in (PNG, NOTE)} == {PNG, NOTE}
        for case in s.scalars(select(Case)):  # every stored workflow loads
            byplan.engine.load(s, case.id)
        secretary = s.scalar(select(User).where(User.username == "sekretariat"))
        _, total, _ = byplan.search.find(s, secretary, "backupprøve")
        assert total >= 1, "the search index came back"
        # the restored system goes on: new rows get fresh ids (PostgreSQL sequences restored)
        lead = s.scalar(select(User).where(User.username == "arbejdsgruppe"))
        group_id = next(iter(lead.group_ids))
        case = byplan.start_proposal(s, lead, group_id, "Efter gendannelse")
        byplan.upload(s, lead, case.id, "efter.txt", b"efter gendannelsen")
        s.commit()
        assert case.id > filled["case_id"]
        assert AuditLog().verify(s) is None
        db.engine.dispose()
    assert cli(target, "audit", "verify").exit_code == 0


def test_restore_refuses_a_database_that_is_not_empty(db_url, tmp_path, request):
    backup_file = tmp_path / "byplan.backup"
    assert cli(db_url, "backup", str(backup_file)).exit_code == 0
    target = _empty_target(db_url, tmp_path, request)
    assert cli(target, "init-db").exit_code == 0
    app_case = make_app(target)
    from web.extensions import db

    with app_case.app_context():
        db.session.execute(text("INSERT INTO municipality (code, name, region) "
                                "VALUES ('999', 'Prøvekommune', 'Sjælland')"))
        db.session.commit()
        db.engine.dispose()
    before = _tables(target)

    refused = cli(target, "restore", str(backup_file))
    assert refused.exit_code == 1
    assert "not empty" in refused.output and "--force" in refused.output
    assert _tables(target) == before  # nothing changed

    forced = cli(target, "restore", "--force", str(backup_file))
    assert forced.exit_code == 0, forced.output
    assert _tables(target) == _tables(db_url)


def test_bad_paths_and_files_give_clear_errors(db_url, tmp_path):
    missing_dir = cli(db_url, "backup", str(tmp_path / "no" / "such" / "dir" / "b.backup"))
    assert missing_dir.exit_code == 1 and "no such directory" in missing_dir.output
    assert cli(db_url, "backup", str(tmp_path)).output.count("is a directory") == 1

    existing = tmp_path / "exists.backup"
    existing.write_bytes(b"keep me")
    refused = cli(db_url, "backup", str(existing))
    assert refused.exit_code == 1 and "--force" in refused.output
    assert existing.read_bytes() == b"keep me"
    assert cli(db_url, "backup", "--force", str(existing)).exit_code == 0
    assert existing.read_bytes() != b"keep me"

    gone = cli(db_url, "restore", str(tmp_path / "nothing.backup"))
    assert gone.exit_code == 1 and "no such file" in gone.output
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all")
    not_backup = cli(db_url, "restore", str(junk))
    assert not_backup.exit_code == 1 and "not a Byplan backup" in not_backup.output
    assert "Traceback" not in gone.output + not_backup.output + refused.output


def test_a_backup_of_the_other_kind_is_refused(sqlite_url, postgres_server, tmp_path):
    sqlite_backup = tmp_path / "lite.backup"
    assert cli(sqlite_url, "backup", str(sqlite_backup)).exit_code == 0
    pg = postgres_server.create_database(f"kind_{next(_names)}")
    wrong = cli(pg, "restore", str(sqlite_backup))
    assert wrong.exit_code == 1
    assert "is a SQLite backup, but the database is PostgreSQL" in wrong.output
    assert inspect(create_engine(pg)).get_table_names() == []

    assert cli(pg, "init-db").exit_code == 0
    pg_backup = tmp_path / "pg.backup"
    assert cli(pg, "backup", str(pg_backup)).exit_code == 0
    target = tmp_path / "empty.sqlite"
    wrong = cli(f"sqlite:///{target}", "restore", str(pg_backup))
    assert wrong.exit_code == 1
    assert "is a PostgreSQL backup, but the database is SQLite" in wrong.output
    assert not target.exists() or target.stat().st_size == 0

    with pytest.raises(BackupError, match="SQLite and PostgreSQL"):
        backup("mysql://u@localhost/x", tmp_path / "m.backup")
    memory = cli("sqlite://", "backup", str(tmp_path / "m.backup"))
    assert memory.exit_code == 1 and "in a file" in memory.output


def test_the_password_stays_off_command_lines_and_out_of_messages(postgres_server, tmp_path, monkeypatch):
    url = postgres_server.create_database(f"secret_{next(_names)}").replace("postgres@", "postgres:s3cr3t-pw@")
    seen = []
    real_run = subprocess.run

    def run(cmd, *args, **kwargs):
        seen.append((cmd, kwargs.get("env") or {}))
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", run)
    done = backup(url, tmp_path / "pw.backup")  # the test server trusts local connections: the password is unused
    assert done.kind == "postgresql" and done.size > 0
    assert seen and all("s3cr3t-pw" not in " ".join(cmd) for cmd, _ in seen)
    assert seen[0][1]["PGPASSWORD"] == "s3cr3t-pw"

    unreachable = url.replace(f":{postgres_server.port}/", ":1/")
    with pytest.raises(BackupError) as failed:
        backup(unreachable, tmp_path / "never.backup")
    assert "s3cr3t-pw" not in str(failed.value) and "***" in str(failed.value)
    with pytest.raises(BackupError) as failed:
        restore(tmp_path / "pw.backup", unreachable)
    assert "s3cr3t-pw" not in str(failed.value)
    assert not (tmp_path / "never.backup").exists()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".partial")]


def test_the_sqlite_backup_is_one_consistent_file(sqlite_url, tmp_path):
    """A copy made with the online backup API while a writer's transaction is open: the committed
    state only, in a single file with no -wal beside it, that passes an integrity check."""
    path = sqlite_url.removeprefix("sqlite:///")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO municipality (code, name, region) VALUES ('998', 'Ikke committet', 'Sjælland')")
    try:
        assert cli(sqlite_url, "backup", str(tmp_path / "live.backup")).exit_code == 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert not (tmp_path / "live.backup-wal").exists()
    copy = sqlite3.connect(tmp_path / "live.backup")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert copy.execute("SELECT count(*) FROM municipality WHERE code = '998'").fetchone()[0] == 0
    assert copy.execute("SELECT count(*) FROM process_version").fetchone()[0] > 0
    copy.close()

