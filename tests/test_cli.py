"""The byplan command: init-db, demo, token create, audit verify, worker."""
from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from web.cli import main


@pytest.fixture
def cli(tmp_path, monkeypatch):
    db_file = tmp_path / "cli.sqlite"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_file}")
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        return result

    run.db_file = db_file
    return run


def test_init_db_deploys_the_bundled_processes_once(cli):
    first = cli("init-db")
    assert first.exit_code == 0 and "deployed proposal" in first.output
    second = cli("init-db")
    assert second.exit_code == 0 and "deployed" not in second.output


def test_demo_is_idempotent_and_prints_logins(cli):
    result = cli("demo")
    assert result.exit_code == 0
    for login in ("sekretariat", "formand", "raadsmedlem", "arbejdsgruppe", "kommune", "admin"):
        assert login in result.output
    again = cli("demo")
    assert again.exit_code == 0 and "already present" in again.output
    with sqlite3.connect(cli.db_file) as conn:
        assert conn.execute("select count(*) from user_account").fetchone()[0] == 12
        statuses = dict(conn.execute("select title, status from proposal").fetchall())
        assert set(statuses.values()) == {"draft", "submitted", "scheduled", "approved"}
        assert conn.execute("select count(*) from council_member").fetchone()[0] == 7
        assert conn.execute("select meeting_id from principle").fetchone()[0] is not None
        assert conn.execute("select count(*) from principle").fetchone()[0] == 1


def test_token_create_and_use(cli):
    cli("demo")
    result = cli("token", "create", "sekretariat")
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("bp_")
    from web import create_app

    app = create_app()
    response = app.test_client().get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and len(response.get_json()) == 1
    missing = CliRunner().invoke(main, ["token", "create", "nobody"])
    assert missing.exit_code == 1


def test_audit_verify_detects_tampering(cli):
    cli("demo")
    ok = cli("audit", "verify")
    assert ok.exit_code == 0 and "intact" in ok.output
    with sqlite3.connect(cli.db_file) as conn:
        event_id = conn.execute("select id from audit_event where kind='complete' order by id limit 1").fetchone()[0]
        conn.execute("update audit_event set actor='mallory' where id=?", (event_id,))
    broken = CliRunner().invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"audit event {event_id} " in broken.output


def test_worker_once(cli):
    cli("init-db")
    result = cli("worker", "--once")
    assert result.exit_code == 0 and "0 timer(s) fired" in result.output and "0 mail(s) sent" in result.output
