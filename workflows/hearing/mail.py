"""The hearing's mails: Danish text in Jinja templates (workflows/hearing/templates/*.txt), rendered
without Flask. A template's first line is the subject, the rest after a blank line is the body."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    # Plain text: nothing is HTML-escaped; a missing variable is an error, never an empty gap in a mail.
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, keep_trailing_newline=True,
                      undefined=StrictUndefined)
    env.filters["dkdate"] = lambda d: d.strftime("%d.%m.%Y")
    return env


def compose(name: str, **values) -> tuple[str, str]:
    """(subject, body) of the mail template `name` (e.g. "invite")."""
    text = environment().get_template(f"{name}.txt").render(**values)
    subject, _, body = text.partition("\n\n")
    return subject.strip(), body


def invitation(hearing, party, answer_url: str, public_url: str) -> tuple[str, str]:
    return compose("invite", hearing=hearing, party=party, answer_url=answer_url, public_url=public_url)


def reminder(hearing, party) -> tuple[str, str]:
    return compose("reminder", hearing=hearing, party=party)
