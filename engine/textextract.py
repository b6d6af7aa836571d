"""Plain text out of uploaded files, for the search index.

PDF through pypdf, DOCX through python-docx, text files as UTF-8. Extraction
never raises: a broken, encrypted or oversized file yields what could be read
(often nothing), and the upload goes on; the document is then found by its
title only. The text is capped, and a DOCX whose zip entries would unpack to
more than a set size (a zip bomb) is not opened at all.
"""
from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Control characters other than tab and newline: never useful text, and PostgreSQL cannot store NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str, limit: int | None = None) -> str:
    """NFC-normalized text without control characters, at most `limit` characters."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", text or ""))
    return text[:limit] if limit is not None else text


@dataclass(frozen=True)
class TextExtractor:
    max_chars: int = 1_000_000           # extracted text kept per file
    max_pages: int = 2_000               # PDF pages read
    max_unpacked_bytes: int = 50 * 1024 * 1024  # a DOCX's entries, uncompressed, in total
    max_ratio: int = 200                 # uncompressed/compressed size of one DOCX entry

    def extract(self, filename: str, content: bytes) -> str:
        """The file's text ('' when it has none we can read); never raises."""
        name = (filename or "").lower()
        try:
            if name.endswith(".pdf"):
                text = self._pdf(content)
            elif name.endswith(".docx"):
                text = self._docx(content)
            elif name.endswith((".txt", ".md", ".csv")):
                text = self._plain(content)
            else:
                return ""
        except Exception as exc:  # noqa: BLE001 - a file we cannot read is indexed by its title only
            log.warning("no text extracted from %s: %s: %s", filename, type(exc).__name__, exc)
            return ""
        return clean_text(text, self.max_chars)

    def _plain(self, content: bytes) -> str:
        head = content[: self.max_chars * 4]
        try:
            return head.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Danish files from older office programs are often Windows-1252
            return head.decode("cp1252", errors="replace")

    def _pdf(self, content: bytes) -> str:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            try:  # many "encrypted" PDFs only restrict printing and open with an empty password
                if not reader.decrypt(""):
                    return ""
            except Exception:  # noqa: BLE001 - an encrypted PDF we cannot open has no text for us
                return ""
        parts: list[str] = []
        size = 0
        for number, page in enumerate(reader.pages):
            if number >= self.max_pages or size >= self.max_chars:
                break
            try:
                text = page.extract_text() or ""
            except Exception as exc:  # noqa: BLE001 - one unreadable page does not lose the others
                log.info("page %s not readable: %s", number + 1, exc)
                continue
            parts.append(text)
            size += len(text)
        return "\n".join(parts)

    def _docx(self, content: bytes) -> str:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            total = 0
            for info in archive.infolist():
                total += info.file_size
                if total > self.max_unpacked_bytes or (
                        info.compress_size and info.file_size / info.compress_size > self.max_ratio
                        and info.file_size > 1024 * 1024):
                    log.warning("DOCX not opened: it would unpack to too much data")
                    return ""
        from docx import Document

        document = Document(io.BytesIO(content))
        parts: list[str] = []
        size = 0
        for paragraph in document.paragraphs:
            parts.append(paragraph.text)
            size += len(paragraph.text)
            if size >= self.max_chars:
                return "\n".join(parts)
        for table in document.tables:
            for row in table.rows:
                cells = [cell.text for cell in row.cells]
                parts.append("\t".join(cells))
                size += sum(len(c) for c in cells)
                if size >= self.max_chars:
                    return "\n".join(parts)
        return "\n".join(parts)
