"""The web layer's `workflows.links.Links`: absolute URLs from the app's own routes and BASE_URL,
usable outside a request (worker, CLI) because it binds the URL map to BASE_URL itself."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

from workflows.links import PAGES

# logical page -> Flask endpoint
ENDPOINTS: dict[str, str] = {
    "home": "tasks.home",
    "case": "cases.case",
    "task": "tasks.task",
    "hearing.staff": "hearings.hearing",
    "hearing.public": "hearings.public_hearing",
    "hearing.answer": "hearings.party_link",
    "hearing.document_version": "hearings.public_document_version",
    "hearing.subscription_confirm": "subscriptions.confirm",
    "hearing.unsubscribe": "subscriptions.unsubscribe",
    "council.meeting": "council.meeting",
    "council.meetings": "council.meetings",
    "council.decisions": "council.decisions",
    "council.feed": "council.feed",
    "council.document": "council.document",
    "network.round": "network.round_page",
    "network.programme": "network.programme",
    "network.evaluation": "network.evaluation",
    "account.notifications": "preferences.notifications",
    "access_request.staff": "access_requests.request_page",
    "access_request.download": "access_requests.download",
    "rule": "catalogue.rule",
    "rule.diff": "catalogue.rule_diff",
    "review": "reviews.review",
    "review.register": "reviews.register",
    "oparl.system": "oparl.system",
}
assert set(ENDPOINTS) == set(PAGES), "every logical page needs a route"


class FlaskLinks:
    def __init__(self, app: Flask, base_url: str):
        self.app = app
        parts = urlsplit(base_url.rstrip("/"))
        self._server, self._scheme, self._root = parts.netloc, parts.scheme or "http", parts.path or "/"

    def __call__(self, page: str, **params) -> str:
        adapter = self.app.url_map.bind(self._server, script_name=self._root, url_scheme=self._scheme)
        return adapter.build(ENDPOINTS[page], params, force_external=True)
