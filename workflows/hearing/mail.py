"""The hearing's mails: one Jinja template per kind of mail and language in mail/<language>/
(workflows/mailtext.py), rendered without Flask."""
from __future__ import annotations

from pathlib import Path

from ..mailtext import MailTemplates

TEMPLATES = MailTemplates(Path(__file__).resolve().parent / "mail")


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
    return TEMPLATES.render("invite", hearing=hearing, party=party, answer_url=answer_url, public_url=public_url,
                            greeting=greeting(party, contact_names))


def reminder(hearing, party, contact_names: list[str] | None = None) -> tuple[str, str]:
    return TEMPLATES.render("reminder", hearing=hearing, party=party, greeting=greeting(party, contact_names))
