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
        # 12 demo users, and the project owner of the architecture reviews' demo (issue 14)
        assert conn.execute("select count(*) from user_account").fetchone()[0] == 13
        statuses = dict(conn.execute("select title, status from proposal").fetchall())
        assert set(statuses.values()) == {"draft", "submitted", "scheduled", "approved"}
        assert conn.execute("select count(*) from council_member").fetchone()[0] == 7
        # issue 14: the flat principle table is now the catalogue's principle versions (the demo's own catalogue
        # has no proposals; the one principle approved through the process has)
        approved = "from catalogue_principle_version where proposal_id is not null"
        assert conn.execute(f"select meeting_id {approved}").fetchone()[0] is not None
        assert conn.execute(f"select count(*) {approved}").fetchone()[0] == 1


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


# ------------------------------------------------------------------ deploy and migrate

BPMN = __import__("pathlib").Path(__file__).parent / "bpmn"


def test_deploy_prints_each_new_version_and_check_deploys_nothing(cli):
    cli("init-db")
    review = str(BPMN / "review_v1.bpmn")
    checked = cli("deploy", "--check", review)
    assert checked.exit_code == 0 and "valid, would deploy review_flow" in checked.output
    with sqlite3.connect(cli.db_file) as conn:
        assert conn.execute("select count(*) from process_version where process_id='review_flow'").fetchone()[0] == 0
    result = cli("deploy", review)
    assert result.exit_code == 0
    with sqlite3.connect(cli.db_file) as conn:
        version_id, content_hash, who = conn.execute(
            "select id, content_hash, deployed_by from process_version where process_id='review_flow'").fetchone()
    assert f"deployed review_flow {content_hash[:12]} (version {version_id})" in result.output and who == "cli"
    assert "nothing new" in cli("deploy", review).output


def test_deploy_lists_every_problem_and_exits_non_zero(cli, tmp_path):
    cli("init-db")
    broken = tmp_path / "broken.bpmn"
    broken.write_text("<definitions>\n  <process id='p'>\n</definitions>")
    parent = tmp_path / "call_parent.bpmn"
    parent.write_bytes((BPMN / "call_parent.bpmn").read_bytes())
    result = CliRunner().invoke(main, ["deploy", str(broken), str(parent), str(BPMN / "review_v1.bpmn")])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("broken.bpmn:3: malformed XML")
    assert any(line.startswith("call_parent.bpmn:") and ": call: calls the process 'call_child'" in line
               for line in lines)
    assert any(line.endswith(": lane_team: no role acts in the lane 'Team'") for line in lines)
    assert lines[-1] == f"{len(lines) - 1} problem(s): nothing deployed"
    with sqlite3.connect(cli.db_file) as conn:
        assert conn.execute("select count(*) from process_version where process_id='review_flow'").fetchone()[0] == 0


def test_migrate_dry_run_and_run(cli):
    cli("init-db")
    cli("deploy", str(BPMN / "review_v1.bpmn"))
    from web import create_app
    from web.extensions import db

    app = create_app()
    with app.app_context():
        case_id = app.extensions["byplan"].engine.start(db.session, "review_flow", actor="t").id
        db.session.commit()
        db.engine.dispose()
    cli("deploy", str(BPMN / "review_v2.bpmn"))
    with sqlite3.connect(cli.db_file) as conn:
        v2 = conn.execute("select max(id) from process_version where process_id='review_flow'").fetchone()[0]
    dry = cli("migrate", "review_flow", "--to", str(v2), "--dry-run")
    assert dry.exit_code == 0 and f"case {case_id}: can migrate" in dry.output
    with sqlite3.connect(cli.db_file) as conn:
        assert conn.execute("select process_version_id from \"case\" where id=?", (case_id,)).fetchone()[0] != v2
    done = cli("migrate", "review_flow", "--to", str(v2))
    assert done.exit_code == 0 and "1 case(s) migrated, 0 refused" in done.output
    with sqlite3.connect(cli.db_file) as conn:
        assert conn.execute("select process_version_id from \"case\" where id=?", (case_id,)).fetchone()[0] == v2
    assert CliRunner().invoke(main, ["migrate", "proposal", "--to", str(v2)]).exit_code == 2
