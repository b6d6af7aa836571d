"""The hearing's mails: one Jinja template per kind of mail and language in mail/<language>/
(workflows/mailtext.py), rendered without Flask."""
from __future__ import annotations

from pathlib import Path

from ..mailtext import MailTemplates

TEMPLATES = MailTemplates(Path(__file__).resolve().parent / "mail")


def invitation(hearing, party, answer_url: str, public_url: str) -> tuple[str, str]:
    return TEMPLATES.render("invite", hearing=hearing, party=party, answer_url=answer_url, public_url=public_url)


def reminder(hearing, party) -> tuple[str, str]:
    return TEMPLATES.render("reminder", hearing=hearing, party=party)
