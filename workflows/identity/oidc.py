"""OpenID Connect for staff (Authlib's OAuth 2 client, joserfc for the ID token): the authorization code
flow with PKCE (S256), `state` and `nonce`, discovery from `<issuer>/.well-known/openid-configuration`,
the ID token's signature checked against the provider's JWKS and its claims (iss, aud, azp, exp, iat,
nonce) validated, and RP-initiated logout at the provider's end-session endpoint.

A sign-in is refused, each with its reason (audited by the caller): `state` (the callback's state is not
the one this browser was sent with, or none is waiting), `nonce`, `signature` (the ID token is not signed
by a key of the provider), `expired` (or issued in the future), `issuer` (the discovery document's or the
token's issuer is not the configured one), `audience`, `idp_status` (the provider answered with an error)
and `invalid` (anything else unreadable).
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable
from urllib.parse import urlencode

from engine.models import utcnow

from ..i18n import N_
from .mapping import Claims, Mapping, claims_from
from .provision import SignInRefused

MESSAGES = {
    "state": N_("The answer from the login service does not belong to a login started in this browser. Try "
                "to log in again."),
    "nonce": N_("The login service's ID token does not belong to this login."),
    "signature": N_("The login service's ID token is not signed by the login service Byplan trusts."),
    "expired": N_("The login service's ID token has expired or is not valid yet. Try to log in again."),
    "issuer": N_("The answer comes from a login service Byplan does not know."),
    "audience": N_("The login service's ID token was issued to another service."),
    "idp_status": N_("The login service did not log you in."),
    "invalid": N_("The answer from the login service could not be read."),
}
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
FLOW_SECONDS = 600
TIMEOUT = 10


def refusal(reason: str) -> SignInRefused:
    return SignInRefused(MESSAGES[reason], reason)


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str | None
    redirect_uri: str
    scopes: str = "openid profile email"
    mapping: Mapping = Mapping()
    leeway: int = 60


@dataclass(frozen=True)
class OidcSignIn:
    claims: Claims
    name_id: str  # issuer + " " + sub: what the provider's logout names
    session_index: str | None  # the OP's sid, when it sends one
    next_url: str


class OidcClient:
    def __init__(self, settings: OidcSettings, clock: Callable[[], datetime] = utcnow, http=None):
        self.settings = settings
        self.clock = clock
        self._discovery: dict | None = None
        self._jwks = None
        self._http = http

    # ------------------------------------------------------------ discovery
    def _session(self):
        if self._http is None:
            import requests

            self._http = requests.Session()
        return self._http

    def discovery(self) -> dict:
        """The provider's metadata; its `issuer` must be the configured issuer, exactly."""
        if self._discovery is None:
            url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                response = self._session().get(url, timeout=TIMEOUT)
                response.raise_for_status()
                doc = response.json()
            except Exception:  # noqa: BLE001 - the provider unreachable or its answer unreadable
                raise refusal("invalid") from None
            if doc.get("issuer") != self.settings.issuer:
                raise refusal("issuer")
            self._discovery = doc
        return self._discovery

    def keys(self, refresh: bool = False):
        from joserfc.jwk import KeySet

        if self._jwks is None or refresh:
            response = self._session().get(self.discovery()["jwks_uri"], timeout=TIMEOUT)
            response.raise_for_status()
            self._jwks = KeySet.import_key_set(response.json())
        return self._jwks

    def _oauth(self):
        from authlib.integrations.requests_client import OAuth2Session

        return OAuth2Session(self.settings.client_id, self.settings.client_secret, scope=self.settings.scopes,
                             redirect_uri=self.settings.redirect_uri, code_challenge_method="S256",
                             token_endpoint_auth_method="client_secret_basic" if self.settings.client_secret
                             else "none")

    # ---------------------------------------------------------------- login
    def begin(self, next_url: str) -> tuple[str, dict]:
        """(the authorization URL, what the browser's session keeps until the callback)."""
        from authlib.common.security import generate_token

        state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), generate_token(64)
        url, _state = self._oauth().create_authorization_url(self.discovery()["authorization_endpoint"],
                                                             state=state, nonce=nonce, code_verifier=verifier)
        return url, {"state": state, "nonce": nonce, "verifier": verifier, "next": (next_url or "")[:500],
                     "at": int(time.time())}

    def finish(self, flow: dict | None, args: dict) -> OidcSignIn:
        """The callback: `flow` is what `begin` stored (popped by the caller), `args` the query."""
        if not flow or not args.get("state") or not secrets.compare_digest(str(flow.get("state", "")),
                                                                          str(args.get("state"))):
            raise refusal("state")
        if time.time() - flow.get("at", 0) > FLOW_SECONDS:
            raise refusal("state")
        if args.get("error"):
            raise refusal("idp_status")
        if args.get("iss") and args["iss"] != self.settings.issuer:  # RFC 9207
            raise refusal("issuer")
        if not args.get("code"):
            raise refusal("invalid")
        try:
            token = self._oauth().fetch_token(self.discovery()["token_endpoint"], code=args["code"],
                                              code_verifier=flow["verifier"], timeout=TIMEOUT)
        except SignInRefused:
            raise
        except Exception:  # noqa: BLE001 - the provider refused the code, or its answer is unreadable
            raise refusal("idp_status") from None
        id_token = token.get("id_token")
        if not id_token:
            raise refusal("invalid")
        claims = self.validate(id_token, flow["nonce"])
        values = dict(claims)
        userinfo_url = self.discovery().get("userinfo_endpoint")
        if userinfo_url and token.get("access_token"):
            try:
                response = self._session().get(userinfo_url, timeout=TIMEOUT,
                                               headers={"Authorization": f"Bearer {token['access_token']}"})
                info = response.json() if response.ok else {}
            except Exception:  # noqa: BLE001 - userinfo is extra: the ID token has signed the user in
                info = {}
            if info.get("sub") == claims["sub"]:
                values = {**info, **values}
        subject = f"{self.settings.issuer} {claims['sub']}"
        mapped = claims_from(values, self.settings.mapping, subject_default=subject)
        if self.settings.mapping.unique_id:
            mapped = Claims(f"{self.settings.issuer} {mapped.subject}"[:300], mapped.name, mapped.email,
                            mapped.organisation, mapped.provider_roles)
        return OidcSignIn(claims=mapped, name_id=subject[:300], session_index=claims.get("sid"),
                          next_url=flow.get("next", ""))

    def validate(self, id_token: str, nonce: str) -> dict:
        """The ID token's claims, once its signature and claims hold; else SignInRefused."""
        from joserfc import jwt
        from joserfc.errors import (
            BadSignatureError, ExpiredTokenError, InvalidClaimError, InvalidTokenError, JoseError, MissingClaimError,
        )

        try:
            try:
                token = jwt.decode(id_token, self.keys(), algorithms=ALGORITHMS)
            except (BadSignatureError, ValueError):
                token = jwt.decode(id_token, self.keys(refresh=True), algorithms=ALGORITHMS)  # keys rotated
        except BadSignatureError:
            raise refusal("signature") from None
        except (JoseError, ValueError, KeyError):
            raise refusal("signature") from None
        claims = token.claims
        registry = jwt.JWTClaimsRegistry(leeway=self.settings.leeway, iss={"essential": True},
                                         sub={"essential": True}, aud={"essential": True},
                                         exp={"essential": True}, iat={"essential": True})
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            raise refusal("expired") from None
        except (InvalidClaimError, MissingClaimError, InvalidTokenError) as exc:
            name = getattr(exc, "claim", "") or ""
            raise refusal("expired" if name in ("iat", "nbf", "exp") else "invalid") from None
        if claims.get("iat", 0) > time.time() + self.settings.leeway:
            raise refusal("expired")
        if claims["iss"] != self.settings.issuer:
            raise refusal("issuer")
        audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if self.settings.client_id not in audience or (len(audience) > 1
                                                       and claims.get("azp") != self.settings.client_id):
            raise refusal("audience")
        if not claims.get("nonce") or not secrets.compare_digest(str(claims["nonce"]), nonce):
            raise refusal("nonce")
        return claims

    # --------------------------------------------------------------- logout
    def logout_location(self, post_logout_redirect_uri: str) -> str | None:
        try:
            endpoint = self.discovery().get("end_session_endpoint")
        except SignInRefused:
            return None
        if not endpoint:
            return None
        query = urlencode({"client_id": self.settings.client_id,
                           "post_logout_redirect_uri": post_logout_redirect_uri})
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
