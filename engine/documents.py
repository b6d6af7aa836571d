"""Content-addressed, versioned documents attached to cases."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .audit import AuditLog
from .errors import EngineError, NotFound
from .models import Blob, Document, DocumentVersion
from .textextract import TextExtractor

# Told of every stored version with its extracted text, in the same transaction (e.g. a search index).
Indexer = Callable[[Session, Document, DocumentVersion, str], None]


class DocumentRejected(EngineError):
    """An upload that is refused: no file chosen, empty, wrong type or too large."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code  # "missing", "too_large", "empty", "type" or "mismatch" (content vs. extension)

    @property
    def too_large(self) -> bool:
        return self.code == "too_large"


@dataclass(frozen=True)
class UploadPolicy:
    max_bytes: int = 10 * 1024 * 1024
    # extension -> content type served back (never inline-executable types)
    allowed: tuple[tuple[str, str], ...] = (
        (".pdf", "application/pdf"),
        (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        (".odt", "application/vnd.oasis.opendocument.text"),
        (".txt", "text/plain"),
        (".md", "text/markdown"),
        (".csv", "text/csv"),
        (".png", "image/png"),
        (".jpg", "image/jpeg"),
        (".jpeg", "image/jpeg"),
    )

    def content_type(self, filename: str) -> str | None:
        lower = filename.lower()
        for ext, ctype in self.allowed:
            if lower.endswith(ext):
                return ctype
        return None

    def content_matches(self, filename: str, content: bytes) -> bool:
        """Whether the content is what the file's extension says: a .pdf must be a PDF, a .docx a zip
        archive, a .png a PNG; a text file must not be binary (an executable, an archive, an image)."""
        sniffed = sniff(content)
        expected = _KIND_OF_EXTENSION.get("." + filename.lower().rsplit(".", 1)[-1])
        if expected == "pdf":  # readers accept a PDF header anywhere in the first kilobyte
            return b"%PDF" in content[:1024]
        if expected is None:  # an extension the policy allows without a known signature
            return sniffed not in ("executable", "binary")
        return sniffed == expected


# Leading bytes of the kinds of files we accept or must recognise to refuse.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"), (b"GIF89a", "gif"),
    (b"\x7fELF", "executable"), (b"\xca\xfe\xba\xbe", "executable"),
    (b"\xcf\xfa\xed\xfe", "executable"),
    (b"\x1f\x8b", "archive"), (b"Rar!", "archive"), (b"7z\xbc\xaf", "archive"),
    (b"\xd0\xcf\x11\xe0", "ole"),  # old Office formats (.doc, .xls), often carriers of macros
)
_KIND_OF_EXTENSION = {
    ".pdf": "pdf", ".docx": "zip", ".xlsx": "zip", ".pptx": "zip", ".odt": "zip", ".png": "png",
    ".jpg": "jpeg", ".jpeg": "jpeg", ".txt": "text", ".md": "text", ".csv": "text",
}


def sniff(content: bytes) -> str:
    """The kind of a file by its leading bytes: one of _SIGNATURES' kinds, "text" or "binary"."""
    for signature, kind in _SIGNATURES:
        if content.startswith(signature):
            return kind
    if content.startswith(b"MZ") and b"\x00" in content[:64]:  # a Windows program (a text may start "MZ")
        return "executable"
    head = content[:8192]
    if b"\x00" in head:
        return "binary"  # UTF-16 text included: not among the text encodings we accept
    return "text"


MAX_FILENAME = 200


def safe_filename(name: str) -> str:
    """Strip directories and control characters; keep letters incl. æøå; a long name keeps its extension."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name).strip().lstrip(".")
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        name = stem[:MAX_FILENAME - len(ext) - 1] + dot + ext if dot and len(ext) <= 10 else name[:MAX_FILENAME]
    return name or "fil"


class DocumentStore:
    def __init__(self, audit: AuditLog, policy: UploadPolicy | None = None, *, indexer: Indexer | None = None,
                 extractor: TextExtractor | None = None):
        self.audit = audit
        self.policy = policy or UploadPolicy()
        self.indexer = indexer
        self.extractor = extractor or TextExtractor()

    def add(self, session: Session, *, case_id: int | None, filename: str, content: bytes,
            actor: str | None, title: str | None = None, document_id: int | None = None,
            text: str | None = None) -> DocumentVersion:
        """A new document (or a new version of `document_id`). `text`: what the index gets, when the caller
        already has the document's text (a generated document); otherwise it is extracted from the content."""
        if not (filename or "").strip() and not content:
            raise DocumentRejected("no file was chosen", "missing")
        filename = safe_filename(filename)
        if len(content) > self.policy.max_bytes:
            raise DocumentRejected(f"the file is larger than {self.policy.max_bytes // (1024 * 1024)} MB",
                                   "too_large")
        if not content:
            raise DocumentRejected("the file is empty", "empty")
        ctype = self.policy.content_type(filename)
        if ctype is None:
            raise DocumentRejected("this file type is not allowed", "type")
        if not self.policy.content_matches(filename, content):
            raise DocumentRejected(f"the content is not a {filename.rsplit('.', 1)[-1].upper()} file "
                                   f"(it looks like: {sniff(content)})", "mismatch")
        # Extracted before any write, so no row lock (e.g. the audit head's) is held while a long PDF is read.
        if text is None and self.indexer is not None:
            text = self.extractor.extract(filename, content)
        sha = hashlib.sha256(content).hexdigest()
        if session.get(Blob, sha) is None:
            session.add(Blob(sha256=sha, size=len(content), content=content))
        if document_id is None:
            doc = Document(case_id=case_id, title=(title or filename)[:300], created_by=actor)
            session.add(doc)
        else:
            doc = session.get(Document, document_id)
            if doc is None or doc.case_id != case_id:
                raise NotFound(f"document {document_id}")
        number = (doc.versions[-1].number + 1) if doc.versions else 1
        version = DocumentVersion(number=number, filename=filename, content_type=ctype,
                                  size=len(content), sha256=sha, uploaded_by=actor)
        doc.versions.append(version)
        session.flush()
        self.audit.append(session, kind="document", actor=actor, case_id=case_id,
                          summary=f"{doc.title} v{number}",
                          detail={"document_id": doc.id, "version": number, "filename": filename}, data=sha)
        if self.indexer is not None:
            self.indexer(session, doc, version, text)
        return version

    def text_of(self, session: Session, version: DocumentVersion) -> str:
        """The extracted text of a stored version (for rebuilding an index)."""
        content = session.scalar(select(Blob.content).where(Blob.sha256 == version.sha256))
        return self.extractor.extract(version.filename, content) if content is not None else ""

    def get_version(self, session: Session, document_id: int, number: int | None = None):
        doc = session.get(Document, document_id)
        if doc is None or not doc.versions:
            raise NotFound(f"document {document_id}")
        version = doc.current if number is None else next(
            (v for v in doc.versions if v.number == number), None)
        if version is None:
            raise NotFound(f"document {document_id} version {number}")
        return doc, version, session.get(Blob, version.sha256).content
