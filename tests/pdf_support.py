"""Checks that a generated PDF is an accessible document (tags, title, language, bookmarks)."""
from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader


@dataclass
class PdfFacts:
    reader: PdfReader
    title: str
    lang: str
    bookmarks: list[str]
    text: str

    @property
    def pages(self) -> int:
        return len(self.reader.pages)


def _titles(outline) -> list[str]:
    out: list[str] = []
    for entry in outline:
        if isinstance(entry, list):
            out.extend(_titles(entry))
        else:
            out.append(entry.title)
    return out


def read_pdf(data: bytes) -> PdfFacts:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    root = reader.trailer["/Root"]
    return PdfFacts(reader, str(reader.metadata.title or ""), str(root.get("/Lang", "")),
                    _titles(reader.outline), text)


def assert_accessible_pdf(data: bytes, *, title: str, lang: str = "da") -> PdfFacts:
    """The structure WCAG / PDF/UA asks of a document: tagged, titled, with language and bookmarks."""
    assert data[:5] == b"%PDF-", "not a PDF"
    facts = read_pdf(data)
    root = facts.reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]), "the PDF is not tagged"
    assert "/StructTreeRoot" in root, "the PDF has no structure tree"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"]), "the viewer would show the file name"
    assert facts.title == title
    assert facts.lang == lang
    assert facts.bookmarks, "the PDF has no bookmarks"
    return facts
