"""Hostile uploads: too large, content that is not what the name says, path tricks in the name,
HTML/SVG, and a DOCX zip bomb. Driven through the case page's upload form (the working group's lead on
the demo proposal) and, where the route differs, the hearing material and a hearing party's link.

The policy (engine/documents.py UploadPolicy): only the listed extensions; the content must be what the
extension says (a .pdf has a %PDF header, a .docx/.xlsx/.pptx/.odt is a zip archive, a .png/.jpg is that
image, a .txt/.md/.csv is text, not binary) — otherwise the upload is refused with a clear message (422)
and nothing is stored; the stored name is stripped of directories and control characters; downloads
are always attachments with the stored content type and `nosniff`.
"""
from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from sqlalchemy import func, select

from reliability_support import PARTY_TOKEN, PROPOSAL_CASE_TITLE, login, sample_values

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _docx(text: str = "Et notat") -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _counts(app) -> dict:
    from engine.models import AuditEvent, Blob, DocumentVersion
    from web.extensions import db

    with app.app_context():
        return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
                for m in (Blob, DocumentVersion, AuditEvent)}


def _stored_names(app) -> list[str]:
    from engine.models import DocumentVersion
    from web.extensions import db

    with app.app_context():
        return list(db.session.scalars(select(DocumentVersion.filename).order_by(DocumentVersion.id)))


@pytest.fixture
def lead(demo_app):
    client = login(demo_app.test_client(), "lead")
    case_id = sample_values(demo_app)["case_id"]

    def upload(filename: str, content: bytes, **extra):
        return client.post(f"/sager/{case_id}/dokumenter", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(content), filename), **extra})

    upload.client = client
    upload.case_id = case_id
    return upload


def test_the_demo_case_is_the_one_uploaded_to(demo_app, lead):
    assert PROPOSAL_CASE_TITLE.encode() in lead.client.get(f"/sager/{lead.case_id}").data


def test_a_file_over_the_upload_limit_is_413_and_nothing_is_stored(demo_app, lead):
    before = _counts(demo_app)
    response = lead("stor.pdf", b"%PDF-1.4 " + b"x" * demo_app.config["MAX_UPLOAD_BYTES"])
    assert response.status_code == 413
    assert _counts(demo_app) == before


def test_a_request_over_the_content_limit_is_413_on_every_upload_route(demo_app, lead):
    secretary = login(demo_app.test_client(), "secretary")
    before = _counts(demo_app)
    big = b"%PDF-1.4 " + b"x" * (demo_app.config["MAX_CONTENT_LENGTH"] + 1)
    assert lead("stor.pdf", big).status_code == 413
    hearing_id = sample_values(demo_app)["hearing_id"]
    response = secretary.post(f"/hoeringer/{hearing_id}/materiale", content_type="multipart/form-data",
                              data={"file": (io.BytesIO(big), "stor.pdf")})
    assert response.status_code == 413
    response = demo_app.test_client().post(f"/hoering/svar/{PARTY_TOKEN}", content_type="multipart/form-data",
                                           data={"text": "Svar", "files": (io.BytesIO(big), "stor.pdf")})
    assert response.status_code == 413
    assert _counts(demo_app) == before


@pytest.mark.parametrize("filename, content", [
    ("notat.pdf", PNG),               # an image named .pdf
    ("notat.pdf", EXE),               # a Windows program named .pdf
    ("notat.pdf", b"just some text"),
    ("notat.docx", PDF),              # a PDF named .docx
    ("notat.docx", b"PK not a zip"),
    ("billede.png", PDF),
    ("billede.jpg", PNG),
    ("notat.txt", EXE),               # binary named .txt
    ("notat.txt", ELF),
    ("data.csv", b"a;b\x00\x01\x02"),
    ("notat.md", "tekst i UTF-16".encode("utf-16")),
])
def test_content_that_does_not_match_the_extension_is_refused(demo_app, lead, filename, content):
    before = _counts(demo_app)
    response = lead(filename, content)
    assert response.status_code == 422, response.status_code
    assert b'role="alert"' in response.data or b"error" in response.data
    assert _counts(demo_app) == before


def test_a_mismatch_is_explained_on_the_page(demo_app, lead):
    from web.errors import upload_message
    from engine import DocumentRejected

    response = lead("notat.pdf", PNG)
    with demo_app.test_request_context():
        message = upload_message(DocumentRejected("", "mismatch"))
    from markupsafe import escape

    assert str(escape(message)).encode() in response.data


@pytest.mark.parametrize("filename, content", [
    ("notat.pdf", PDF), ("notat.docx", _docx()), ("billede.png", PNG), ("foto.JPG", b"\xff\xd8\xff\xe0 jpeg"),
    ("notat.txt", "Æblegrød og ☃ og עברית".encode()), ("data.csv", "kommune;ja\nHjørring;1".encode("cp1252")),
    ("side.txt", b"<html><script>alert(1)</script></html>"),  # text is text, served as text/plain
])
def test_content_that_matches_is_stored(demo_app, lead, filename, content):
    assert lead(filename, content).status_code == 302
    assert _stored_names(demo_app)[-1] == filename


@pytest.mark.parametrize("filename, stored", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\windows\\system.ini.txt", None),  # the multipart header's quoting eats the backslashes
    ("/etc/cron.d/job.txt", "job.txt"),
    ("C:\\Users\\x\\notat.txt", None),
    ("....//....//notat.txt", "notat.txt"),
    (".skjult.txt", "skjult.txt"),
    ("na\x01me\x1f<>:|?*.txt", "name.txt"),
    ("a" * 300 + ".txt", "a" * 196 + ".txt"),
    ("ﬁl\u0301e.txt", "ﬁĺe.txt"),  # NFC-normalised (combining accent composed)
])
def test_path_tricks_in_the_file_name_are_stored_with_a_safe_name(demo_app, lead, filename, stored):
    response = lead(filename, b"indhold")
    assert response.status_code == 302, response.status_code
    name = _stored_names(demo_app)[-1]
    assert stored is None or name == stored
    assert "/" not in name and "\\" not in name and not name.startswith(".") and len(name) <= 200


@pytest.mark.parametrize("filename", ["../../etc/passwd", "/etc/shadow", "..", "", "noext", "x.exe", "x.html",
                                      "x.svg", "x.htm", "x.js", "x.zip", "x.pdf.exe", "x.doc"])
def test_names_without_an_allowed_extension_are_refused(demo_app, lead, filename):
    before = _counts(demo_app)
    response = lead(filename, b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    assert response.status_code == 422
    assert _counts(demo_app) == before


def test_a_nul_in_the_file_name_is_not_stored(demo_app, lead):
    response = lead("notat\x00.txt", b"indhold")
    assert response.status_code in (302, 400, 422)
    assert all("\x00" not in name for name in _stored_names(demo_app))


def test_html_text_is_downloaded_as_a_plain_text_attachment(demo_app, lead):
    assert lead("side.txt", b"<html><body><script>alert(1)</script></body></html>").status_code == 302
    from engine.models import Document
    from web.extensions import db

    with demo_app.app_context():
        document_id = db.session.scalars(select(Document.id).order_by(Document.id.desc())).first()
    response = lead.client.get(f"/dokumenter/{document_id}")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_every_download_route_sends_attachments(demo_app):
    """Case documents, hearing material (public and by party link), council and network material."""
    from reliability_support import route_urls

    urls = route_urls(demo_app)
    client = login(demo_app.test_client(), "secretary")
    routes = [r for r in urls if "dokumenter/<id:document_id>" in r and r.startswith("GET ")]
    assert len(routes) >= 5
    # issue 16: a version of the material is public once its hearing is concluded (the demo has none running
    # that far): conclude the hearing of a material document for this check
    version_route = "GET /offentlige-hoeringer/<id:hearing_id>/dokumenter/<id:document_id>/v<int:number>"
    if version_route in urls:
        from web.extensions import db
        from workflows.hearing import Hearing, HearingDocument, HearingStatus

        with demo_app.app_context():
            material = db.session.scalars(select(HearingDocument).order_by(HearingDocument.id)).first()
            db.session.get(Hearing, material.hearing_id).status = HearingStatus.CONCLUDED
            db.session.commit()
            urls[version_route] = (f"/offentlige-hoeringer/{material.hearing_id}/dokumenter/"
                                   f"{material.document_id}/v1")
    for route in routes:
        response = client.get(urls[route])
        assert response.status_code == 200, route
        assert response.headers["Content-Disposition"].startswith("attachment;"), route
        assert response.headers["X-Content-Type-Options"] == "nosniff", route
        assert response.mimetype not in ("text/html", "image/svg+xml", "application/xhtml+xml"), route


def _zip_bomb(unpacked_mb: int) -> bytes:
    """A .docx whose document part unpacks from a few hundred kB to `unpacked_mb` MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(unpacked_mb):
                part.write(chunk)
    return buffer.getvalue()


def test_a_docx_zip_bomb_is_stored_without_unpacking_it(demo_app, lead):
    bomb = _zip_bomb(200)
    assert len(bomb) < 1024 * 1024
    tracemalloc.start()
    try:
        response = lead("bombe.docx", bomb, title="Pakket bilag")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 302
    assert peak < 50 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB while uploading a zip bomb"
    assert _stored_names(demo_app)[-1] == "bombe.docx"  # stored, found by its title only


def test_safe_filename_strips_windows_and_unix_paths():
    from engine.documents import safe_filename

    assert safe_filename("..\\..\\windows\\system.ini.txt") == "system.ini.txt"
    assert safe_filename("C:\\Users\\x\\notat.txt") == "notat.txt"
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("notat\x00.txt") == "notat.txt"
    assert safe_filename("..") == "fil" and safe_filename("") == "fil"
    assert safe_filename("x" * 500 + ".docx").endswith(".docx") and len(safe_filename("x" * 500 + ".docx")) == 200
