"""The SAML 2.0 service provider (pysaml2, which signs, verifies and decrypts with xmlsec1).

Web browser SSO: an AuthnRequest by HTTP-Redirect (signed), the response by HTTP-POST. Assertions must be
signed by a key in the IdP's metadata; encrypted assertions are decrypted with the SP's encryption key.
A response is refused, each with its own reason (audited by the caller) when it is: not signed or signed
by another key (`signature`), for another audience (`audience`), expired (`expired`) or not yet valid
(`not_yet_valid`), an assertion id seen before (`replay`), unsolicited while that is not allowed
(`unsolicited`), an answer to a request this SP never sent or that has expired (`unknown_request`), an IdP
error status (`idp_status`), or otherwise unreadable (`invalid`).

Requests in flight and seen assertion ids are rows (models.SamlRequest, SamlAssertionSeen), so they hold
across the processes of a server. Single logout both ways: `logout_location` (SP-initiated, HTTP-Redirect)
and `handle_logout_request` (the IdP's LogoutRequest, answered with a signed LogoutResponse).
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from defusedxml import ElementTree
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.models import utcnow

from ..i18n import N_
from .mapping import Claims, Mapping, claims_from
from .models import SamlAssertionSeen, SamlRequest
from .provision import SignInRefused

REQUEST_LIFETIME = timedelta(minutes=15)

MESSAGES = {
    "signature": N_("The answer from the login service was not signed, or not signed by the login service "
                    "Byplan trusts."),
    "audience": N_("The answer from the login service was meant for another service."),
    "expired": N_("The answer from the login service has expired. Try to log in again."),
    "not_yet_valid": N_("The answer from the login service is not valid yet. Check the clocks and try again."),
    "replay": N_("The answer from the login service has been used before."),
    "unsolicited": N_("Byplan did not ask the login service for this answer. Start the login from Byplan."),
    "unknown_request": N_("The answer from the login service answers a request Byplan did not send (or one "
                          "that has expired). Try to log in again."),
    "idp_status": N_("The login service did not log you in."),
    "invalid": N_("The answer from the login service could not be read."),
}


def refusal(reason: str) -> SignInRefused:
    return SignInRefused(MESSAGES[reason], reason)


@dataclass(frozen=True)
class SamlSettings:
    entity_id: str
    base_url: str  # the site's address: ACS and SLO are below it
    idp_metadata: str  # a file name, or an http(s) URL
    key_file: str
    cert_file: str
    encryption_key_file: str | None = None
    encryption_cert_file: str | None = None
    idp_entity_id: str | None = None  # needed when the metadata holds several IdPs
    allow_unsolicited: bool = False
    xmlsec_binary: str | None = None
    clock_skew: int = 60  # seconds of clock difference allowed
    mapping: Mapping = Mapping()

    @property
    def acs_url(self) -> str:
        return self.base_url.rstrip("/") + "/saml/acs"

    @property
    def slo_url(self) -> str:
        return self.base_url.rstrip("/") + "/saml/slo"


def build_config(settings: SamlSettings):
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
    from saml2.config import SPConfig
    from saml2.sigver import get_xmlsec_binary

    if settings.idp_metadata.startswith(("http://", "https://")):
        metadata = {"remote": [{"url": settings.idp_metadata}]}
    else:
        metadata = {"local": [settings.idp_metadata]}
    conf = {
        "entityid": settings.entity_id,
        "xmlsec_binary": settings.xmlsec_binary or get_xmlsec_binary(["/usr/bin", "/usr/local/bin"]),
        "key_file": settings.key_file,
        "cert_file": settings.cert_file,
        "encryption_keypairs": [{"key_file": settings.encryption_key_file or settings.key_file,
                                 "cert_file": settings.encryption_cert_file or settings.cert_file}],
        "metadata": metadata,
        "allow_unknown_attributes": True,
        "accepted_time_diff": settings.clock_skew,
        "service": {"sp": {
            "name": "Byplan",
            "endpoints": {
                "assertion_consumer_service": [(settings.acs_url, BINDING_HTTP_POST)],
                "single_logout_service": [(settings.slo_url, BINDING_HTTP_REDIRECT),
                                          (settings.slo_url, BINDING_HTTP_POST)],
            },
            "allow_unsolicited": settings.allow_unsolicited,
            "authn_requests_signed": True,
            "logout_requests_signed": True,
            "logout_responses_signed": True,
            "want_assertions_signed": True,
            "want_response_signed": False,
        }},
    }
    config = SPConfig()
    config.load(conf)
    return config


@dataclass(frozen=True)
class SamlSignIn:
    claims: Claims
    name_id: str  # the NameID, coded (saml2.ident.code) for the logout request later
    session_index: str | None
    next_url: str


def _values(assertion) -> dict[str, list[str]]:
    """The assertion's attributes by Name (and FriendlyName), values as text."""
    out: dict[str, list[str]] = {}
    for statement in assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            values = [v.text.strip() for v in attribute.attribute_value or [] if v.text and v.text.strip()]
            for key in {attribute.name, attribute.friendly_name} - {None, ""}:
                out.setdefault(key, []).extend(values)
    return out


def _in_response_to(saml_response: str) -> tuple[bool, str | None]:
    """(readable, InResponseTo) of a posted response, read before pysaml2 checks it."""
    try:
        xml = base64.b64decode(saml_response, validate=False)
        root = ElementTree.fromstring(xml)
    except (binascii.Error, ValueError, ElementTree.ParseError):
        return False, None
    except Exception:  # noqa: BLE001 - defusedxml refuses entities, DTDs and the like with its own errors
        return False, None
    return True, root.get("InResponseTo")


class ServiceProvider:
    def __init__(self, settings: SamlSettings, clock: Callable[[], datetime] = utcnow):
        self.settings = settings
        self.clock = clock
        self._client = None

    @property
    def client(self):
        if self._client is None:
            from saml2.client import Saml2Client

            self._client = Saml2Client(config=build_config(self.settings))
        return self._client

    def idp_entity_id(self) -> str:
        if self.settings.idp_entity_id:
            return self.settings.idp_entity_id
        idps = list(self.client.metadata.identity_providers())
        if len(idps) != 1:
            raise RuntimeError("SAML_IDP_ENTITY_ID must name the IdP: the metadata holds "
                               f"{len(idps)} identity providers")
        return idps[0]

    def metadata_xml(self) -> str:
        from saml2.metadata import entity_descriptor

        return str(entity_descriptor(self.client.config))

    # ------------------------------------------------------------------ login
    def login_location(self, session: Session, next_url: str) -> str:
        """Where to send the browser: the IdP's SSO endpoint with a signed AuthnRequest (HTTP-Redirect)."""
        from saml2 import BINDING_HTTP_REDIRECT

        request_id, info = self.client.prepare_for_authenticate(entityid=self.idp_entity_id(),
                                                                binding=BINDING_HTTP_REDIRECT)
        session.add(SamlRequest(request_id=request_id, next_url=(next_url or "")[:500], created_at=self.clock()))
        session.flush()
        return dict(info["headers"])["Location"]

    def accept(self, session: Session, saml_response: str) -> SamlSignIn:
        """Check a posted response; the sign-in it carries, or SignInRefused with the reason."""
        from saml2 import BINDING_HTTP_POST
        from saml2.response import IncorrectlySigned, SignatureError, StatusError, UnsolicitedResponse
        from saml2.validate import ResponseLifetimeExceed, ToEarly

        readable, in_response_to = _in_response_to(saml_response or "")
        if not readable:
            raise refusal("invalid")
        outstanding: dict[str, str] = {}
        if in_response_to:
            row = session.scalar(select(SamlRequest).where(SamlRequest.request_id == in_response_to[:100]))
            if row is None or self.clock() - row.created_at > REQUEST_LIFETIME:
                raise refusal("unknown_request")
            outstanding[row.request_id] = row.next_url
        elif not self.settings.allow_unsolicited:
            raise refusal("unsolicited")
        try:
            response = self.client.parse_authn_request_response(saml_response, BINDING_HTTP_POST,
                                                                outstanding=outstanding)
        except UnsolicitedResponse:
            raise refusal("unknown_request" if in_response_to else "unsolicited") from None
        except (SignatureError, IncorrectlySigned):
            raise refusal("signature") from None
        except ResponseLifetimeExceed:
            raise refusal("expired") from None
        except ToEarly:
            raise refusal("not_yet_valid") from None
        except StatusError:
            raise refusal("idp_status") from None
        except Exception as exc:  # noqa: BLE001 - pysaml2 raises bare Exceptions for some checks
            text = str(exc)
            if "AudienceRestriction" in text or "audience" in text.lower():
                raise refusal("audience") from None
            if "ignature" in text:
                raise refusal("signature") from None
            raise refusal("invalid") from None
        if response is None or response.assertion is None:
            raise refusal("invalid")
        assertion = response.assertion
        if assertion.signature is None:  # want_assertions_signed checked it; this makes sure
            raise refusal("signature")
        self._remember(session, assertion)
        from saml2.ident import code

        name_id = response.name_id
        info = response.session_info()
        values = _values(assertion)
        subject_default = name_id.text.strip() if name_id is not None and name_id.text else ""
        claims = claims_from(values, self.settings.mapping, subject_default=subject_default)
        return SamlSignIn(claims=claims, name_id=code(name_id) if name_id is not None else "",
                          session_index=info.get("session_index"),
                          next_url=outstanding.get(in_response_to or "", ""))

    def _remember(self, session: Session, assertion) -> None:
        """Record the assertion's id until it could no longer be valid; a second use is a replay."""
        assertion_id = (assertion.id or "")[:200]
        if not assertion_id:
            raise refusal("invalid")
        if session.scalar(select(SamlAssertionSeen.id).where(SamlAssertionSeen.assertion_id == assertion_id)):
            raise refusal("replay")
        expires = self.clock() + timedelta(hours=1)
        conditions = assertion.conditions
        if conditions is not None and conditions.not_on_or_after:
            try:
                when = datetime.strptime(conditions.not_on_or_after[:19], "%Y-%m-%dT%H:%M:%S")
                expires = max(expires, when.replace(tzinfo=timezone.utc) + timedelta(seconds=120))
            except ValueError:
                pass
        try:
            with session.begin_nested():
                session.add(SamlAssertionSeen(assertion_id=assertion_id, expires_at=expires))
        except IntegrityError:
            raise refusal("replay") from None

    # ----------------------------------------------------------------- logout
    def logout_location(self, name_id_code: str, session_index: str | None) -> str | None:
        """The IdP's SLO endpoint with a signed LogoutRequest (HTTP-Redirect); None when it has none."""
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.ident import decode

        idp = self.idp_entity_id()
        endpoints = self.client.metadata.single_logout_service(idp, BINDING_HTTP_REDIRECT, "idpsso")
        if not endpoints or not name_id_code:
            return None
        destination = endpoints[0]["location"]
        _id, request = self.client.create_logout_request(
            destination, idp, name_id=decode(name_id_code),
            session_indexes=[session_index] if session_index else None, sign=False)
        info = self.client.apply_binding(BINDING_HTTP_REDIRECT, str(request), destination, "", sign=True)
        return dict(info["headers"])["Location"]

    def handle_logout_request(self, saml_request: str, binding: str, relay_state: str | None,
                              sigalg: str | None, signature: str | None) -> tuple[str, list[str], dict]:
        """The IdP's LogoutRequest checked: (coded NameID, session indexes, the HTTP answer for the IdP:
        {"location": …} for a redirect or {"html": …} for a POST form). Raises SignInRefused("invalid")."""
        from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
        from saml2.ident import code
        from saml2.s_utils import success_status_factory

        binding = BINDING_HTTP_POST if binding == "post" else BINDING_HTTP_REDIRECT
        try:
            request = self.client.parse_logout_request(saml_request, binding, relay_state=relay_state,
                                                       sigalg=sigalg, signature=signature)
        except Exception:  # noqa: BLE001 - a bad signature or unreadable message is refused alike
            request = None
        if request is None or request.message is None or request.message.name_id is None:
            raise refusal("invalid")
        if binding == BINDING_HTTP_REDIRECT and not signature and not request.message.signature:
            raise refusal("signature")
        message = request.message
        indexes = [si.text for si in message.session_index or [] if si.text]
        response = self.client.create_logout_response(message, [BINDING_HTTP_REDIRECT],
                                                      status=success_status_factory(), sign=False)
        rinfo = self.client.response_args(message, [BINDING_HTTP_REDIRECT])
        info = self.client.apply_binding(rinfo["binding"], response, rinfo["destination"], relay_state or "",
                                         response=True, sign=True)
        return code(message.name_id), indexes, {"location": dict(info["headers"])["Location"]}

    def check_logout_response(self, saml_response: str, binding: str) -> bool:
        """The IdP's answer to our LogoutRequest (the Byplan session already ended before we sent it)."""
        from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

        try:
            response = self.client.parse_logout_request_response(
                saml_response, BINDING_HTTP_POST if binding == "post" else BINDING_HTTP_REDIRECT)
        except Exception:  # noqa: BLE001
            return False
        return response is not None



def sweep(session: Session, now: datetime) -> int:
    """Forget requests past their lifetime and assertion ids that could no longer be valid (the worker)."""
    removed = session.execute(delete(SamlRequest).where(SamlRequest.created_at < now - REQUEST_LIFETIME)).rowcount
    removed += session.execute(delete(SamlAssertionSeen).where(SamlAssertionSeen.expires_at < now)).rowcount
    return removed or 0
