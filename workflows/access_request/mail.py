"""The access request's mails: receipt, delay letter, decision (templates in mail/<language>/)."""
from __future__ import annotations

from pathlib import Path

from ..mailtext import MailTemplates

TEMPLATES = MailTemplates(Path(__file__).resolve().parent / "mail")


def receipt(request) -> tuple[str, str]:
    return TEMPLATES.render("receipt", request=request)


def delay_letter(request) -> tuple[str, str]:
    return TEMPLATES.render("delay_letter", request=request)


def decision(request, decision, url: str, released: int, refused: int) -> tuple[str, str]:
    return TEMPLATES.render("decision", request=request, decision=decision, url=url, released=released,
                            refused=refused)
