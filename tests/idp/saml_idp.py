"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP (saml2.server.Server) with its own keys.

`SamlIdp(tmp_path)` makes the IdP's keys and metadata; `attach(sp_metadata)` gives it Byplan's SP
metadata; then it reads AuthnRequests from the redirect URL Byplan sends the browser to and answers with
signed (optionally encrypted) responses, or with the broken ones the refusal tests need. `serve()` runs
it as a small HTTP IdP on a loopback port (for the browser test): its SSO endpoint signs the user in at
once (the user is chosen by the test) and posts the response back through an auto-submitting form.
"""
from __future__ import annotations

import base64
import html
import re
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, make_server

from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

from .keys import keypair

ENTITY_ID = "https://idp.byplan.test/idp"
ATTR_UUID = "https://data.gov.dk/model/core/eid/professional/uuid/persistent"
ATTR_NAME = "https://data.gov.dk/model/core/eid/fullName"
ATTR_EMAIL = "https://data.gov.dk/model/core/eid/email"
ATTR_CVR = "https://data.gov.dk/model/core/eid/professional/cvr"
ATTR_PRIVILEGES = "https://data.gov.dk/model/core/eid/privilegesIntermediate"
CVR = "29189781"  # the test municipality's CVR number (Hjørring in People)
ROLE_CONTACT = "http://byplan.test/roles/jobrole/kontakt/1"
ROLE_SECRETARIAT = "http://byplan.test/roles/jobrole/sekretariat/1"

MAPPING = {"unique_id": ATTR_UUID, "name": ATTR_NAME, "email": ATTR_EMAIL, "organisation": ATTR_CVR,
           "roles": ATTR_PRIVILEGES, "roles_format": "oiosaml-privileges",
           "role_map": {ROLE_CONTACT: ["municipality_contact"], ROLE_SECRETARIAT: ["secretariat"]},
           "organisations": {CVR: "860"}}


def privileges(*roles: str, cvr: str = CVR) -> str:
    xml = ('<bpp:PrivilegeList xmlns:bpp="http://itst.dk/oiosaml/basic_privilege_profile">'
           f'<PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:{cvr}">'
           + "".join(f"<Privilege>{r}</Privilege>" for r in roles) + "</PrivilegeGroup></bpp:PrivilegeList>")
    return base64.b64encode(xml.encode()).decode()


def identity(uuid="7f0c5c4e-0000-4000-8000-000000000001", name="Karen Kontakt", email="karen@hjoerring.test",
             roles=(ROLE_CONTACT,), cvr=CVR) -> dict:
    return {ATTR_UUID: [uuid], ATTR_NAME: [name], ATTR_EMAIL: [email], ATTR_CVR: [cvr],
            ATTR_PRIVILEGES: [privileges(*roles, cvr=cvr)]}


class SamlIdp:
    def __init__(self, directory: Path, base_url: str = "http://127.0.0.1:1", name: str = "idp"):
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.key_file, self.cert_file = keypair(directory, name)
        self.base_url = base_url.rstrip("/")
        self.server: Server | None = None
        self.metadata_file = directory / f"{name}-metadata.xml"
        self.metadata_file.write_text(str(entity_descriptor(self._config())))
        self.session_index: str | None = None
        self.user: dict | None = None  # who the HTTP IdP signs in (serve())

    def _conf(self, sp_metadata: str | None = None) -> dict:
        conf = {
            "entityid": ENTITY_ID,
            "key_file": self.key_file, "cert_file": self.cert_file,
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "allow_unknown_attributes": True,
            "service": {"idp": {
                "name": "Byplan test IdP",
                "endpoints": {
                    "single_sign_on_service": [(self.base_url + "/sso/redirect", BINDING_HTTP_REDIRECT)],
                    "single_logout_service": [(self.base_url + "/slo/redirect", BINDING_HTTP_REDIRECT)],
                },
                "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None,
                                       "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"}},
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            }},
        }
        if sp_metadata:
            conf["metadata"] = {"inline": [sp_metadata]}
        return conf

    def _config(self, sp_metadata: str | None = None) -> IdPConfig:
        config = IdPConfig()
        config.load(self._conf(sp_metadata))
        return config

    def attach(self, sp_metadata: str) -> None:
        self.server = Server(config=self._config(sp_metadata))

    # ----------------------------------------------------------------- SSO
    def read_request(self, location: str):
        """The AuthnRequest in the URL Byplan redirected to (its signature checked by the IdP)."""
        query = parse_qs(urlsplit(location).query)
        args = {k: v[0] for k, v in query.items()}
        assert args.get("Signature") and args.get("SigAlg"), "the AuthnRequest must be signed"
        request = self.server.parse_authn_request(args["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                                  relay_state=args.get("RelayState"), sigalg=args["SigAlg"],
                                                  signature=args["Signature"])
        return request.message

    def response(self, sp_entity_id: str, acs_url: str, in_response_to: str | None, user: dict | None = None,
                 *, sign_assertion: bool = True, sign_response: bool = False, encrypt: bool = False,
                 audience: str | None = None, name_id: str = "persistent-id-1") -> str:
        """A base64 SAMLResponse for the SP."""
        user = user or identity()
        kwargs = {}
        if encrypt:
            kwargs.update(encrypt_assertion=True, encrypt_cert_assertion=self._sp_enc_cert(sp_entity_id),
                          encrypted_advice_attributes=False)
        xml = self.server.create_authn_response(
            user, in_response_to=in_response_to, destination=acs_url, sp_entity_id=audience or sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id, name_qualifier=ENTITY_ID,
                           sp_name_qualifier=sp_entity_id),
            sign_assertion=sign_assertion, sign_response=sign_response, session_not_on_or_after=None,
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password", "authn_auth": ENTITY_ID},
            **kwargs)
        found = re.search(r'SessionIndex="([^"]+)"', str(xml))
        if found:
            self.session_index = found.group(1)  # pysaml2 makes its own: the logout request names it
        return base64.b64encode(str(xml).encode()).decode()

    def _sp_enc_cert(self, sp_entity_id: str) -> str:
        certs = self.server.metadata.certs(sp_entity_id, "spsso", "encryption")
        return "-----BEGIN CERTIFICATE-----\n" + certs[0][1] + "\n-----END CERTIFICATE-----\n"

    # ----------------------------------------------------------------- SLO
    def logout_request_location(self, sp_entity_id: str, name_id: str = "persistent-id-1",
                                session_index: str | None = None) -> str:
        """A signed LogoutRequest to the SP (HTTP-Redirect): the URL to GET."""
        destination = self.server.metadata.single_logout_service(sp_entity_id, BINDING_HTTP_REDIRECT,
                                                                 "spsso")[0]["location"]
        _id, request = self.server.create_logout_request(
            destination, sp_entity_id, name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id,
                                                      name_qualifier=ENTITY_ID, sp_name_qualifier=sp_entity_id),
            session_indexes=[session_index or self.session_index], sign=False)
        info = self.server.apply_binding(BINDING_HTTP_REDIRECT, str(request), destination, "", sign=True)
        return dict(info["headers"])["Location"]

    def read_logout_request(self, location: str):
        args = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        return self.server.parse_logout_request(args["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                                relay_state=args.get("RelayState"), sigalg=args.get("SigAlg"),
                                                signature=args.get("Signature")).message

    def read_logout_response(self, location: str):
        args = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        return self.server.parse_logout_request_response(args["SAMLResponse"], BINDING_HTTP_REDIRECT)

    # ---------------------------------------------------------------- HTTP
    def serve(self, port: int, sp_entity_id: str, acs_url: str):
        """Serve the SSO endpoint on 127.0.0.1:port in a thread; returns the server (call .shutdown())."""
        idp = self

        def app(environ, start_response):
            path = environ.get("PATH_INFO", "")
            location = f"{idp.base_url}{path}?{environ.get('QUERY_STRING', '')}"
            if path == "/sso/redirect":
                request = idp.read_request(location)
                saml_response = idp.response(sp_entity_id, acs_url, request.id, idp.user)
                page = (f'<!doctype html><html lang="en"><head><title>IdP</title></head><body>'
                        f'<form method="post" action="{html.escape(acs_url)}" id="f">'
                        f'<input type="hidden" name="SAMLResponse" value="{saml_response}">'
                        f'<button type="submit" id="continue">Continue to Byplan</button></form></body></html>')
                start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
                return [page.encode()]
            if path == "/slo/redirect":
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [b"logged out at the IdP"]
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        httpd = make_server("127.0.0.1", port, app, handler_class=Quiet)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return httpd
