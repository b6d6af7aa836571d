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


def greeting(party, contact_names: list[str] | None = None) -> str:
    """The mail's first line: the municipality's contacts by name ("Kære Karen Kontakt"), never the bare
    municipality ("Kære Odense"); a municipality without a named contact, or an external party, is
    addressed as the organisation it is ("Til Odense Kommune")."""
    if contact_names:
        names = sorted(contact_names)
        return "Kære " + (" og ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0])
    if party.municipality_id is not None and not party.name.lower().endswith("kommune"):
        return f"Til {party.name} Kommune"
    return f"Til {party.name}"


def invitation(hearing, party, answer_url: str, public_url: str, contact_names: list[str] | None = None
               ) -> tuple[str, str]:
    return compose("invite", hearing=hearing, party=party, answer_url=answer_url, public_url=public_url,
                   greeting=greeting(party, contact_names))


def reminder(hearing, party, contact_names: list[str] | None = None) -> tuple[str, str]:
    return compose("reminder", hearing=hearing, party=party, greeting=greeting(party, contact_names))
