"""Mail texts as Jinja templates, one file per kind of mail and language, beside the family that sends it.

A template (e.g. `workflows/network/mail/da/open.txt`) has two blocks, `subject` and `body`:

    {% block subject %}Tilmelding åben: {{ round.theme }}{% endblock %}
    {% block body %}Kære {{ name }} ...{% endblock %}

Plain text (no HTML escaping), undefined names are errors, and `date`/`datetime` filters print the
Danish forms. Rendered with plain Jinja2, so the domain stays free of Flask.
"""
from __future__ import annotations

import unicodedata
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .dates import COPENHAGEN

DEFAULT_LANGUAGE = "da"


def _date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(COPENHAGEN).date()
    return f"{value:%d.%m.%Y}"


def _time(value: datetime) -> str:
    return f"{value.astimezone(COPENHAGEN):%H.%M}"


@lru_cache(maxsize=None)
def _environment(directory: str) -> Environment:
    env = Environment(loader=FileSystemLoader(directory), autoescape=False, undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["date"] = _date
    env.filters["time"] = _time
    return env


def _one_line(text: str) -> str:
    """A subject as one header line: control characters and line/paragraph separators (as a user may type
    into a title the subject quotes) become spaces, which the outbox would otherwise refuse (a 500)."""
    return " ".join("".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text).split())


class MailTemplates:
    """The mail templates of one family: `MailTemplates(Path(__file__).parent / "mail")`."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def render(self, template_name: str, language: str = DEFAULT_LANGUAGE, **context) -> tuple[str, str]:
        """(subject, body) of template `template_name` (without .txt) in `language`."""
        template = _environment(str(self.directory / language)).get_template(f"{template_name}.txt")
        ctx = template.new_context(context)
        subject = _one_line("".join(template.blocks["subject"](ctx)))
        body = "".join(template.blocks["body"](ctx)).lstrip("\n")
        return subject, body
