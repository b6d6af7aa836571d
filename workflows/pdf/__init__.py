"""Documents that leave the system as accessible PDF (PDF/UA-1, tagged).

Every family renders its documents (agenda packs, minutes, hearing notes,
review reports, decision letters) from Jinja templates through this one
module: ``render_pdf("council/pdf/minutes.html", {...}, title=...)``.
Templates live beside the family (``workflows/<family>/pdf/*.html``) and
extend ``pdf/base.html``, which carries the language, the document title, the
page numbers and the print styles. Headings become the PDF's bookmarks.
WeasyPrint writes the PDF/UA variant: a structure tree (tags), the title shown
by the viewer, the document language and embedded fonts.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..dates import COPENHAGEN

ROOT = Path(__file__).resolve().parent.parent
PDF_VARIANT = "pdf/ua-1"


def _date(value: date | datetime | None) -> str:
    """Danish long date: "3. februar 2027"."""
    if value is None:
        return ""
    from babel.dates import format_date

    if isinstance(value, datetime):
        value = value.astimezone(COPENHAGEN).date() if value.tzinfo else value.date()
    return format_date(value, "d. MMMM y", locale="da")


def _datetime(value: datetime | None) -> str:
    """Danish date and time without seconds: "3. februar 2027 kl. 10.00"."""
    if value is None:
        return ""
    local = value.astimezone(COPENHAGEN) if value.tzinfo else value
    return f"{_date(local)} kl. {local:%H.%M}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(ROOT)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_date"] = _date
    env.filters["long_datetime"] = _datetime
    return env


_ENV = _environment()


def render_html(template: str, context: Mapping[str, Any], *, title: str, lang: str = "da") -> str:
    """The document as HTML (the same markup the PDF is made from)."""
    return _ENV.get_template(template).render(**context, title=title, lang=lang)


def render_pdf(template: str, context: Mapping[str, Any], *, title: str, lang: str = "da") -> bytes:
    """A tagged PDF/UA-1 document with title, language, bookmarks and page numbers."""
    from weasyprint import HTML  # imported late: it loads Pango

    html = render_html(template, context, title=title, lang=lang)
    return HTML(string=html, base_url=str(ROOT)).write_pdf(pdf_variant=PDF_VARIANT)
