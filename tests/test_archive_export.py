"""`byplan export-archive` (workflows/archive.py): a zip of cases with documents, metadata, task history and
audit events, and a manifest of sha256 sums that a re-read checks every file against."""
from __future__ import annotations

import json
import zipfile

import pytest
import time_machine
from access_support import T0, act, add_document, submit
from click.testing import CliRunner

from web.cli import main
from workflows.archive import ArchiveError, verify_archive


def _export(db_url, monkeypatch, *args):
    monkeypatch.setenv("DATABASE_URL", db_url)
    return CliRunner().invoke(main, ["export-archive", *args], catch_exceptions=False)


@pytest.fixture
def decided(app, people):
    with time_machine.travel(T0, tick=False):
        request_id, _ = submit(app)
        doc = add_document(app, "Notat", b"Et notat")
        act(app, people, "add_documents", request_id, [doc])
        from access_support import request_row

        item = request_row(app, request_id)
        from web.extensions import db
        from workflows.access_request import AccessDocument

        with app.app_context():
            item_id = db.session.query(AccessDocument.id).filter_by(request_id=request_id).scalar()
        act(app, people, "assess", request_id, item_id, {"assessment": "full"})
        act(app, people, "decide", request_id, True)
        return item.case_id


def test_an_export_is_re_read_and_every_file_matches_the_manifest(decided, db_url, monkeypatch, tmp_path):
    target = tmp_path / "arkiv.zip"
    outcome = _export(db_url, monkeypatch, "--case", str(decided), str(target))
    assert outcome.exit_code == 0, outcome.output
    manifest = verify_archive(target.read_bytes())
    assert manifest["cases"] == [decided] and manifest["format"] == "byplan-archive/1"
    with zipfile.ZipFile(target) as zf:
        names = set(zf.namelist())
        base = f"cases/{decided}"
        assert {f"{base}/case.json", f"{base}/tasks.json", f"{base}/audit.json", f"{base}/documents.json"} <= names
        docs = json.loads(zf.read(f"{base}/documents.json"))
        letter = next(d for d in docs if d["title"].startswith("Afgørelse"))
        assert zf.read(letter["versions"][0]["file"])[:5] == b"%PDF-"
        audit = json.loads(zf.read(f"{base}/audit.json"))
        assert [e["seq"] for e in audit] == list(range(1, len(audit) + 1))
        assert audit[0]["prev_hash"] == "0" * 64
        assert [t["task"] for t in json.loads(zf.read(f"{base}/tasks.json"))["completed"]] == ["assess"]


def test_a_changed_file_or_an_unknown_case_is_refused(decided, db_url, monkeypatch, tmp_path):
    target = tmp_path / "arkiv.zip"
    assert _export(db_url, monkeypatch, "--since", "2026-01-01", str(target)).exit_code == 0
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(target) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            dst.writestr(info, content + b" " if info.filename.endswith("case.json") else content)
    with pytest.raises(ArchiveError, match="does not match its sha256"):
        verify_archive(tampered.read_bytes())
    missing = _export(db_url, monkeypatch, "--case", "999999", str(tmp_path / "ingen.zip"))
    assert missing.exit_code == 1 and "case 999999 does not exist" in missing.output
    assert not (tmp_path / "ingen.zip").exists()
