"""Links to Byplan's pages, for mail texts, feeds and calendars, without web paths in the domain.

The services are given a `Links` object by `runtime.build`; the web layer supplies one that builds
absolute URLs from its routes (`web/links.py`). A service asks for a page by a logical name from
`PAGES` and its parameters, e.g. `links("hearing.public", hearing_id=5)`.
"""
from __future__ import annotations

from typing import Protocol

# logical page name -> what it is (the web layer maps each to one of its routes)
PAGES: dict[str, str] = {
    "home": "the front page",
    "case": "a case page (case_id)",
    "task": "a task page (task_id)",
    "hearing.staff": "the secretariat's hearing page (hearing_id)",
    "hearing.public": "a public hearing page (hearing_id)",
    "hearing.answer": "a hearing party's personal answer page (token)",
    "hearing.document_version": "a version of a concluded hearing's material (hearing_id, document_id, number)",
    "hearing.subscription_confirm": "the confirmation of a hearing subscription (token)",
    "hearing.unsubscribe": "the one-click end of a hearing subscription (token)",
    "council.meeting": "a council meeting page (meeting_id)",
    "council.meetings": "the list of council meetings",
    "council.decisions": "the council's public decisions",
    "council.feed": "the Atom feed of the council's decisions and minutes",
    "council.document": "a council meeting's document: material, agenda pack, minutes (meeting_id, document_id)",
    "network.round": "a network round page for staff and contacts (round_id)",
    "network.programme": "a round's public programme (round_id)",
    "network.evaluation": "a participant's personal evaluation form (token)",
    "account.notifications": "the signed-in user's choice of mail per kind (at once, digest, not at all)",
    "access_request.staff": "the secretariat's page of an access request (request_id)",
    "access_request.download": "a requester's personal download of a decision (token)",
    "rule": "a rule's public page in the catalogue (key)",
    "rule.diff": "the word-level difference between two versions of a rule (key, fra, til)",
    "review": "an architecture review's page (review_id)",
    "review.register": "the public register of architecture reviews",
    "oparl.system": "the entry point of the council's open data, OParl 1.1 (issue 15)",
}


class Links(Protocol):
    def __call__(self, page: str, **params) -> str:
        """The absolute URL of `page` (a key of PAGES) with its parameters; an unknown page is a KeyError."""
        ...
