"""The keyed audit chain (engine/audit.py) against someone who can write the database, on SQLite and
PostgreSQL: a stream rewritten with recomputed unkeyed hashes is detected, also when its head is
relabelled as unkeyed; a wrong key is reported once as a wrong key; a signed list of heads published
earlier catches a rewrite or a cut made by someone who holds the key; chains from before the key
(migration 0006) keep verifying by the old rule, and a change to them is still detected.
"""
from __future__ import annotations

import json
import os
import stat

import pytest
from click.testing import CliRunner
from engine_support import Harness, audit_key, deploy
from sqlalchemy import create_engine, delete, select, text, update

from engine import DocumentStore
from engine.audit import AuditKeyError, AuditLog, event_hash, head_mac, keyed_event_hash
from engine.models import AuditEvent, AuditHead
from web.cli import MIGRATIONS, main

KEY = audit_key().encode()


def _events(harness, stream):
    with harness.session() as s:
        return s.scalars(select(AuditEvent).where(AuditEvent.stream == stream).order_by(AuditEvent.seq)).all()


@pytest.fixture
def log(db_url, monkeypatch):
    """A case with three keyed audit events (start, document, complete); returns (harness, stream, events)."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    harness = Harness(db_url, create=False)
    with harness.session() as s, s.begin():
        deploy(harness.engine, s, "msg_sender")
        case_id = harness.engine.start(s, "msg_sender", actor="t", data={"case_key": "A"}).id
        DocumentStore(harness.audit).add(s, case_id=case_id, filename="notat.txt", content=b"notat", actor="t")
        [task] = harness.engine.load(s, case_id).ready_human_tasks
        harness.engine.complete_task(s, case_id, str(task.id), {"greeting": "hej"}, actor="t")
    stream = f"case:{case_id}"
    yield harness, stream, _events(harness, stream)
    harness.dispose()


def _cli(*args):
    return CliRunner().invoke(main, ["audit", *args], catch_exceptions=False)


def _fields(ev, **changes):
    values = {c: getattr(ev, c) for c in ("prev_hash", "stream", "seq", "case_id", "at", "actor", "kind",
                                          "summary", "detail", "data_digest")}
    values.update(changes)
    return (values["prev_hash"], values["stream"], values["seq"], values["case_id"], values["at"], values["actor"],
            values["kind"], values["summary"], values["detail"] or {}, values["data_digest"])


def _rewrite(session, events, start, rehash, **changes):
    """Change events[start] and recompute every hash from it to the head (the head row included)."""
    prev = events[start - 1].hash if start else "0" * 64
    for i, ev in enumerate(events[start:]):
        fields = _fields(ev, prev_hash=prev, **(changes if i == 0 else {}))
        new_hash = rehash(*fields)
        session.execute(update(AuditEvent).where(AuditEvent.id == ev.id)
                        .values(prev_hash=prev, hash=new_hash, **(changes if i == 0 else {})))
        prev = new_hash
    return prev


def test_a_keyed_log_verifies_and_says_what_it_checked(log):
    outcome = _cli("verify")
    assert outcome.exit_code == 0, outcome.output
    assert "every chain is intact" in outcome.output
    assert "keyed" in outcome.output and "BROKEN" not in outcome.output


def test_a_stream_rewritten_with_recomputed_unkeyed_hashes_is_detected(log):
    harness, stream, events = log
    with harness.session() as s, s.begin():
        last = _rewrite(s, events, 1, event_hash, summary="notat v2 (slettet)")
        s.execute(update(AuditHead).where(AuditHead.stream == stream).values(hash=last))
    outcome = _cli("verify")
    assert outcome.exit_code == 1, outcome.output
    assert f"BROKEN: audit event {events[1].id} ({stream} #2): content does not match its hash" in outcome.output


def test_a_stream_relabelled_as_unkeyed_and_recomputed_is_detected(log):
    harness, stream, events = log
    with harness.session() as s, s.begin():
        last = _rewrite(s, events, 0, event_hash, summary="forfalsket start")
        s.execute(update(AuditHead).where(AuditHead.stream == stream)
                  .values(hash=last, keyed_from=None, key_id=None, mac=None))
    outcome = _cli("verify")
    assert outcome.exit_code == 1, outcome.output
    assert f"({stream} #3): its head has no MAC in a keyed log" in outcome.output


def test_moving_where_the_keyed_chain_starts_is_detected(log):
    harness, stream, events = log
    with harness.session() as s, s.begin():
        last = _rewrite(s, events, 0, event_hash, summary="forfalsket start")
        s.execute(update(AuditHead).where(AuditHead.stream == stream).values(hash=last, keyed_from=4))
    outcome = _cli("verify")
    assert outcome.exit_code == 1, outcome.output
    assert "its head's MAC does not match" in outcome.output


def test_a_wrong_key_is_reported_once_as_a_wrong_key(log, monkeypatch):
    monkeypatch.setenv("BYPLAN_AUDIT_KEY", "another-key-entirely-0123456789")
    outcome = _cli("verify")
    assert outcome.exit_code == 2, outcome.output
    assert "WRONG KEY" in outcome.output and "BROKEN" not in outcome.output
    assert len(outcome.output.strip().splitlines()) == 2, outcome.output  # one message, one hint
    with log[0].session() as s:  # with the right key the same log is intact
        assert AuditLog(key=KEY).check(s).problem is None


def test_a_writer_without_the_key_cannot_extend_a_keyed_stream(log):
    harness, stream, events = log
    with harness.session() as s, s.begin():
        with pytest.raises(AuditKeyError, match="keyed"):
            AuditLog().append(s, kind="note", actor="t", case_id=events[0].case_id)
        with pytest.raises(AuditKeyError, match="key id"):
            AuditLog(key="another-key-entirely-0123456789").append(s, kind="note", actor="t",
                                                                   case_id=events[0].case_id)


# ------------------------------------------------------------------ published heads

def _publish(tmp_path):
    path = tmp_path / "heads.json"
    made = _cli("heads", "--output", str(path))
    assert made.exit_code == 0, made.output
    document = json.loads(path.read_text())
    assert document["format"] == "byplan-audit-heads/1" and document["mac"] and document["at"]
    return path, document


def test_published_heads_verify_while_the_log_grows(log, tmp_path):
    harness, stream, events = log
    path, document = _publish(tmp_path)
    assert document["heads"][stream] == {"seq": 3, "hash": events[2].hash}
    printed = _cli("heads")
    assert printed.exit_code == 0 and json.loads(printed.output)["heads"] == document["heads"]
    with harness.session() as s, s.begin():
        harness.audit.append(s, kind="note", actor="t", case_id=events[0].case_id, summary="senere")
    outcome = _cli("verify", "--heads", str(path))
    assert outcome.exit_code == 0, outcome.output
    assert f"{len(document['heads'])} head(s) published at {document['at']} found unchanged" in outcome.output


def test_a_rewrite_with_the_key_after_publication_is_caught_by_the_heads(log, tmp_path):
    harness, stream, events = log
    path, document = _publish(tmp_path)
    with harness.session() as s, s.begin():  # someone holding the key rewrites and recomputes everything
        last = _rewrite(s, events, 1, lambda *f: keyed_event_hash(KEY, *f), summary="notat v2 (slettet)")
        head = s.get(AuditHead, stream)
        s.execute(update(AuditHead).where(AuditHead.stream == stream)
                  .values(hash=last, mac=head_mac(KEY, stream, head.keyed_from, head.seq, last)))
    assert _cli("verify").exit_code == 0  # the key alone cannot tell
    outcome = _cli("verify", "--heads", str(path))
    assert outcome.exit_code == 1, outcome.output
    assert f"audit event {events[2].id} ({stream} #3): differs from the head published at" in outcome.output


def test_a_cut_with_the_key_after_publication_is_caught_by_the_heads(log, tmp_path):
    harness, stream, events = log
    path, _ = _publish(tmp_path)
    with harness.session() as s, s.begin():
        s.execute(delete(AuditEvent).where(AuditEvent.id == events[2].id))
        head = s.get(AuditHead, stream)
        s.execute(update(AuditHead).where(AuditHead.stream == stream)
                  .values(seq=2, hash=events[1].hash, mac=head_mac(KEY, stream, head.keyed_from, 2, events[1].hash)))
    assert _cli("verify").exit_code == 0
    outcome = _cli("verify", "--heads", str(path))
    assert outcome.exit_code == 1, outcome.output
    assert "cut short after it was published" in outcome.output


def test_a_changed_heads_file_or_one_signed_with_another_key(log, tmp_path, monkeypatch):
    harness, stream, events = log
    path, document = _publish(tmp_path)
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**document, "heads": {**document["heads"], stream: {"seq": 2, "hash": "0" * 64}}}))
    outcome = _cli("verify", "--heads", str(forged))
    assert outcome.exit_code == 1 and "heads file: its signature does not match" in outcome.output
    other = tmp_path / "other.json"
    with harness.session() as s:
        other.write_text(json.dumps(AuditLog(key="another-key-entirely-0123456789").heads(s)))
    outcome = _cli("verify", "--heads", str(other))
    assert outcome.exit_code == 2 and "WRONG KEY: the heads file is signed with key id" in outcome.output
    (tmp_path / "junk.json").write_text("not json")
    outcome = _cli("verify", "--heads", str(tmp_path / "junk.json"))
    assert outcome.exit_code == 1 and "not a JSON list of heads" in outcome.output


def test_heads_of_a_broken_log_are_not_published(log):
    harness, stream, events = log
    with harness.session() as s, s.begin():
        s.execute(update(AuditEvent).where(AuditEvent.id == events[1].id).values(summary="forfalsket"))
    outcome = _cli("heads")
    assert outcome.exit_code == 1 and "no heads published" in outcome.output


# ------------------------------------------------------------------ carried over by the migration

def _upgrade(url, revision):
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, revision)


def test_an_unkeyed_chain_from_before_the_key_is_carried_over(tmp_path, monkeypatch):
    from datetime import datetime, timezone

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    _upgrade(url, "0004")
    old = create_engine(url)
    prev, at = "0" * 64, datetime(2030, 1, 1, tzinfo=timezone.utc)
    with old.begin() as conn:  # a chain written by the unkeyed release
        for seq in (1, 2):
            fields = (prev, "case:7", seq, 7, at, "gammel", "start", f"gammel {seq}", {}, "d" * 64)
            prev_hash, prev = prev, event_hash(*fields)
            conn.execute(text("INSERT INTO audit_event (stream, seq, case_id, at, actor, kind, summary, detail, "
                              "data_digest, prev_hash, hash) VALUES ('case:7', :seq, 7, :at, 'gammel', 'start', "
                              ":summary, '{}', :digest, :prev, :hash)"),
                         {"seq": seq, "at": at.replace(tzinfo=None), "summary": f"gammel {seq}", "digest": "d" * 64,
                          "prev": prev_hash, "hash": prev})
        conn.execute(text("INSERT INTO audit_head (stream, seq, hash) VALUES ('case:7', 2, :hash)"), {"hash": prev})
        lone = event_hash("0" * 64, "system", 1, None, at, "gammel", "deploy", "", {}, "d" * 64)
        conn.execute(text("INSERT INTO audit_event (stream, seq, case_id, at, actor, kind, summary, detail, "
                          "data_digest, prev_hash, hash) VALUES ('system', 1, NULL, :at, 'gammel', 'deploy', '', "
                          "'{}', :digest, :prev, :hash)"),
                     {"at": at.replace(tzinfo=None), "digest": "d" * 64, "prev": "0" * 64, "hash": lone})
        conn.execute(text("INSERT INTO audit_head (stream, seq, hash) VALUES ('system', 1, :hash)"), {"hash": lone})
    old.dispose()
    _upgrade(url, "head")

    harness = Harness(url, create=False)
    try:
        with harness.session() as s:
            head = s.get(AuditHead, "case:7")
            assert (head.keyed_from, head.mac) == (3, None)  # the old head is where the keyed chain starts
            assert AuditLog(key=KEY).check(s).problem is None
        with harness.session() as s, s.begin():
            harness.audit.append(s, kind="note", actor="ny", case_id=7, summary="efter nøglen")
        with harness.session() as s:
            outcome = AuditLog(key=KEY).check(s)
            assert outcome.problem is None, str(outcome.problem)
            assert (outcome.unkeyed, outcome.keyed) == (3, 1)
            # the first keyed write sealed every carried-over head, also of a stream it did not touch
            assert s.get(AuditHead, "case:7").mac is not None
            assert (s.get(AuditHead, "system").keyed_from, s.get(AuditHead, "system").mac is not None) == (2, True)
        monkeypatch.setenv("DATABASE_URL", url)
        assert _cli("verify").exit_code == 0
        with harness.session() as s, s.begin():  # the old part is still protected by its chain
            s.execute(update(AuditEvent).where(AuditEvent.stream == "case:7", AuditEvent.seq == 1)
                      .values(summary="omskrevet"))
        outcome = _cli("verify")
        assert outcome.exit_code == 1 and "(case:7 #1): content does not match its hash" in outcome.output
    finally:
        harness.dispose()


# ------------------------------------------------------------------ the key's setting

def test_production_refuses_to_start_without_an_audit_key(monkeypatch, tmp_path):
    from web import create_app

    monkeypatch.delenv("BYPLAN_AUDIT_KEY", raising=False)
    monkeypatch.setenv("BYPLAN_ENV", "production")
    with pytest.raises(RuntimeError, match="BYPLAN_AUDIT_KEY must be set in production"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}", "SECRET_KEY": "x"})
    monkeypatch.delenv("BYPLAN_ENV")
    monkeypatch.setenv("BYPLAN_SECRET_KEY", "a-configured-secret")  # a configured secret means production too
    with pytest.raises(RuntimeError, match="BYPLAN_AUDIT_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}"})
    monkeypatch.setenv("BYPLAN_AUDIT_KEY", "short")
    with pytest.raises(RuntimeError, match="too short"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}"})


def test_development_generates_its_audit_key_in_the_instance_folder(tmp_path):
    from web.config import instance_secret as _instance_secret

    key = _instance_secret(str(tmp_path), "audit_key")
    assert len(key) == 64 and _instance_secret(str(tmp_path), "audit_key") == key
    assert stat.S_IMODE(os.stat(tmp_path / "audit_key").st_mode) == 0o600
