"""The archive export: cases with their documents, metadata, task history and audit events as one zip
(docs/archive-export.md describes the structure), for a records-management system or an archive.

Every file in the zip except `manifest.json` is listed in the manifest with its sha256 and size;
`verify_archive` re-reads a zip and checks each file against it (and that nothing is missing or extra).
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit_people import Pseudonyms
from engine.models import AuditEvent, Blob, Case, CompletedTask, Document, ReadyTask, utcnow

FORMAT = "byplan-archive/1"
MANIFEST = "manifest.json"


class ArchiveError(ValueError):
    """The selection is empty or wrong, or an archive does not match its manifest."""


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=_default).encode("utf-8")


def _default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _safe(name: str) -> str:
    name = PurePosixPath(name.replace("\\", "/")).name
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name) or "fil"


@dataclass
class ArchiveResult:
    cases: list[int] = field(default_factory=list)
    files: int = 0
    documents: int = 0


def select_cases(session: Session, case_id: int | None = None, since: date | None = None) -> list[Case]:
    query = select(Case).order_by(Case.id)
    if case_id is not None:
        query = query.where(Case.id == case_id)
    if since is not None:
        query = query.where(Case.updated_at >= datetime.combine(since, time(0), timezone.utc))
    cases = list(session.scalars(query))
    if case_id is not None and not cases:
        raise ArchiveError(f"case {case_id} does not exist")
    return cases


def export_archive(session: Session, out, *, case_id: int | None = None, since: date | None = None,
                   now: datetime | None = None) -> ArchiveResult:
    """Write the archive of the selected cases (all, one with `case_id`, or those changed since `since`) to
    `out` (a path or a binary file)."""
    cases = select_cases(session, case_id, since)
    result = ArchiveResult()
    files: dict[str, dict] = {}
    names = Pseudonyms()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        def put(path: str, content: bytes) -> None:
            zf.writestr(path, content)
            files[path] = {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}

        for case in cases:
            base = f"cases/{case.id}"
            put(f"{base}/case.json", _json({
                "id": case.id, "process_id": case.process_id, "process_version_id": case.process_version_id,
                "title": case.title, "scope": case.scope, "status": case.status, "created_at": case.created_at,
                "updated_at": case.updated_at, "created_by": case.created_by}))
            put(f"{base}/tasks.json", _json({
                "completed": [{"task_id": t.id, "task": t.spec_name, "completed_at": t.completed_at,
                               "completed_by": t.completed_by} for t in session.scalars(
                    select(CompletedTask).where(CompletedTask.case_id == case.id)
                    .order_by(CompletedTask.completed_at))],
                "open": [{"task_id": t.id, "task": t.spec_name, "title": t.title, "lane": t.lane}
                         for t in session.scalars(select(ReadyTask).where(ReadyTask.case_id == case.id))],
            }))
            events = list(session.scalars(select(AuditEvent).where(AuditEvent.stream == f"case:{case.id}")
                                          .order_by(AuditEvent.seq)))
            known = names.resolve(session, [e.actor for e in events])
            put(f"{base}/audit.json", _json([{
                "seq": e.seq, "at": e.at, "kind": e.kind, "actor": e.actor, "actor_name": known.get(e.actor or ""),
                "summary": e.summary, "detail": e.detail, "data_digest": e.data_digest, "prev_hash": e.prev_hash,
                "hash": e.hash} for e in events]))
            docs = []
            for doc in session.scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id)):
                versions = []
                for v in doc.versions:
                    path = f"{base}/files/{doc.id}/{v.number}-{_safe(v.filename)}"
                    put(path, session.get(Blob, v.sha256).content)
                    versions.append({"number": v.number, "filename": v.filename, "content_type": v.content_type,
                                     "size": v.size, "sha256": v.sha256, "uploaded_at": v.uploaded_at,
                                     "uploaded_by": v.uploaded_by, "file": path})
                    result.files += 1
                docs.append({"id": doc.id, "title": doc.title, "created_at": doc.created_at,
                             "created_by": doc.created_by, "versions": versions})
                result.documents += 1
            put(f"{base}/documents.json", _json(docs))
            result.cases.append(case.id)
        zf.writestr(MANIFEST, _json({
            "format": FORMAT, "created_at": now or utcnow(),
            "selection": {"case": case_id, "since": since.isoformat() if since else None},
            "cases": result.cases, "files": files,
            "structure": "docs/archive-export.md"}))
    return result


def verify_archive(source) -> dict:
    """Re-read an archive: every file listed in the manifest has its sha256 and size, no file is unlisted.
    Returns the manifest; raises ArchiveError naming the first mismatch."""
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    with zipfile.ZipFile(source) as zf:
        try:
            manifest = json.loads(zf.read(MANIFEST))
        except KeyError:
            raise ArchiveError("the archive has no manifest.json") from None
        if manifest.get("format") != FORMAT:
            raise ArchiveError(f"not a {FORMAT} archive")
        listed = manifest["files"]
        present = set(zf.namelist()) - {MANIFEST}
        for path in sorted(present - set(listed)):
            raise ArchiveError(f"{path} is not in the manifest")
        for path, entry in sorted(listed.items()):
            if path not in present:
                raise ArchiveError(f"{path} is in the manifest but not in the archive")
            content = zf.read(path)
            if hashlib.sha256(content).hexdigest() != entry["sha256"] or len(content) != entry["size"]:
                raise ArchiveError(f"{path} does not match its sha256 in the manifest")
    return manifest
