"""HTTP rules of the whole site: who may cache what, the API's WWW-Authenticate, and the favicon.

- A response to a signed-in user, and every API response to a request with a token, is `no-store`: no
  browser or proxy keeps a copy of what a role may see.
- The public pages and feeds (PUBLIC_ENDPOINTS), asked for without a login, may be cached:
  `public, max-age`, a weak ETag over the page (the CSRF token of the language form left out, since it
  differs per request but not in meaning) and 304 to a conditional GET. A response that sets a cookie is
  never public (it would hand that cookie to others).
- Every other answer is `no-store` unless its view said otherwise (personal links, the login page).
- An API 401 says how to authenticate (RFC 6750 §3): `Bearer realm="byplan"`, with
  `error="invalid_token"` when a token was sent but is wrong or revoked.
"""
from __future__ import annotations

import hashlib
import re

from flask import Blueprint, current_app, g, request, send_from_directory, session
from flask_login import current_user

bp = Blueprint("site", __name__)

PUBLIC_ENDPOINTS = frozenset({
    "public.catalogue", "public.principle", "catalogue.rule", "catalogue.rule_version", "catalogue.rule_diff",
    "hearings.public_list", "hearings.public_hearing", "hearings.public_calendar",
    "council.meetings", "council.meeting", "council.decisions", "council.feed", "council.calendar",
    "network.round_page", "network.programme", "network.calendar",
})
PUBLIC_MAX_AGE = 300  # seconds
REALM = "byplan"
_CSRF_VALUE = re.compile(rb'(name="csrf_token" value=")[^"]*"')


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)


def _signed_in() -> bool:
    if request.path.startswith("/api/"):
        return bool(request.headers.get("Authorization")) or g.get("api_user") is not None
    return "_user_id" in session and current_user.is_authenticated


def _bearer_token_sent() -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def _public_etag(response) -> None:
    body = _CSRF_VALUE.sub(rb'\1"', response.get_data())
    response.set_etag(hashlib.sha256(body).hexdigest()[:32], weak=True)


def cache_rules(response):
    if request.endpoint in ("static", "site.favicon"):
        return response
    if request.path.startswith("/api/") and response.status_code == 401:
        challenge = f'Bearer realm="{REALM}"'
        if _bearer_token_sent():
            challenge += ', error="invalid_token", error_description="The token is wrong, revoked or its user ' \
                         'deactivated."'
        response.headers["WWW-Authenticate"] = challenge
    if _signed_in():
        response.headers["Cache-Control"] = "no-store"
    elif (request.method in ("GET", "HEAD") and response.status_code == 200
          and (request.endpoint in PUBLIC_ENDPOINTS or (request.endpoint or "").startswith("oparl."))  # issue 15
          and not session.modified and not response.is_streamed):
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
        response.vary.add("Cookie")  # the language is in the cookie
        _public_etag(response)
        response.make_conditional(request)
    else:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def register(app) -> None:
    app.register_blueprint(bp)
    app.after_request(cache_rules)
