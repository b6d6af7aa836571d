"""The attribute/claim mapping (workflows/identity/mapping.py): OIOSAML privileges as KOMBIT's Context
Handler sends them, role and organisation mapping, configuration errors; and the throttle on the SSO
endpoints."""
from __future__ import annotations

import base64
import json

import pytest

from support import make_app

from idp.saml_idp import CVR, ROLE_CONTACT, privileges
from workflows.identity.mapping import Mapping, MappingError, claims_from, parse_privileges

CH = {"unique_id": "uuid", "name": "name", "email": "mail", "organisation": "cvr", "roles": "priv",
      "roles_format": "oiosaml-privileges", "role_map": {ROLE_CONTACT: "municipality_contact"},
      "organisations": {CVR: "860"}}


def test_privileges_are_read_from_base64_and_scoped_to_the_users_organisation():
    xml = ('<bpp:PrivilegeList xmlns:bpp="http://itst.dk/oiosaml/basic_privilege_profile">'
           f'<PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:{CVR}"><Privilege>{ROLE_CONTACT}</Privilege>'
           '</PrivilegeGroup><PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:11111111">'
           '<Privilege>http://byplan.test/roles/jobrole/sekretariat/1</Privilege></PrivilegeGroup>'
           '</bpp:PrivilegeList>')
    encoded = base64.b64encode(xml.encode()).decode()
    assert parse_privileges(encoded) == [(f"urn:dk:gov:saml:cvrNumberIdentifier:{CVR}", ROLE_CONTACT),
                                         ("urn:dk:gov:saml:cvrNumberIdentifier:11111111",
                                          "http://byplan.test/roles/jobrole/sekretariat/1")]
    mapping = Mapping.load(CH)
    claims = claims_from({"uuid": ["u-1"], "name": ["Karen"], "mail": ["k@x.dk"], "cvr": [CVR],
                          "priv": [encoded]}, mapping, subject_default="nameid")
    assert claims.subject == "u-1" and claims.organisation == CVR
    assert claims.provider_roles == (ROLE_CONTACT,)  # the other organisation's privilege does not count
    assert claims.byplan_roles(mapping) == {"municipality_contact"} and claims.municipality_code(mapping) == "860"


def test_organisation_comes_from_the_privilege_scope_when_no_attribute_carries_it():
    mapping = Mapping.load({**CH, "organisation": None, "unique_id": None})
    claims = claims_from({"priv": [privileges(ROLE_CONTACT)]}, mapping, subject_default="nameid")
    assert claims.subject == "nameid" and claims.organisation == CVR


@pytest.mark.parametrize("hostile", ["not base64!", base64.b64encode(b"<a><b>").decode(),
                                     base64.b64encode(b'<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>').decode()])
def test_malformed_or_hostile_privileges_grant_nothing(hostile):
    assert parse_privileges(hostile) == []


def test_list_roles_from_claims():
    mapping = Mapping.load(json.dumps({"roles": "groups", "role_map": {"g1": ["secretariat", "admin"]},
                                       "default_roles": []}))
    claims = claims_from({"groups": ["g1", "g2"], "sub": "x"}, mapping, subject_default="iss x")
    assert claims.byplan_roles(mapping) == {"secretariat", "admin"}


def test_mapping_from_a_file(tmp_path):
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(CH))
    assert Mapping.load(str(path)).organisations == {CVR: "860"}


@pytest.mark.parametrize("bad", [{"role_map": {"x": ["emperor"]}}, {"colour": "blue"},
                                 {"roles_format": "csv"}, "[1, 2]", "/no/such/file.json", "{not json"])
def test_configuration_errors_are_named(bad):
    with pytest.raises(MappingError):
        Mapping.load(bad)


def test_failed_sso_answers_are_throttled(sqlite_url, tmp_path):
    from idp.keys import keypair
    from idp.saml_idp import MAPPING, SamlIdp
    from support import People, make_app
    from workflows.throttle import USER_LIMIT

    idp = SamlIdp(tmp_path / "idp")
    key, cert = keypair(tmp_path, "sp")
    app = make_app(sqlite_url, BASE_URL="http://localhost", SAML_IDP_METADATA=str(idp.metadata_file),
                   SAML_KEY_FILE=key, SAML_CERT_FILE=cert, SAML_MAPPING=json.dumps(MAPPING))
    People(app)
    client = app.test_client()
    for _ in range(USER_LIMIT):
        assert client.post("/saml/acs", data={"SAMLResponse": "garbage"}).status_code == 400
    held = client.post("/saml/acs", data={"SAMLResponse": "garbage"})
    assert held.status_code == 429 and held.headers["Retry-After"]
    with app.app_context():
        from web.extensions import db

        db.engine.dispose()


def test_the_worker_forgets_old_requests_and_assertion_ids(sqlite_url):
    from datetime import timedelta

    from sqlalchemy import func, select

    from engine.models import utcnow
    from web.extensions import db
    from workflows.identity.models import SamlAssertionSeen, SamlRequest
    from workflows.identity.saml import sweep

    app = make_app(sqlite_url)
    now = utcnow()
    with app.app_context():
        db.session.add_all([SamlRequest(request_id="old", next_url="", created_at=now - timedelta(hours=1)),
                            SamlRequest(request_id="new", next_url="", created_at=now),
                            SamlAssertionSeen(assertion_id="gone", expires_at=now - timedelta(minutes=1)),
                            SamlAssertionSeen(assertion_id="kept", expires_at=now + timedelta(minutes=5))])
        db.session.commit()
        assert sweep(db.session, now) == 2
        assert db.session.scalar(select(func.count()).select_from(SamlRequest)) == 1
        assert db.session.scalars(select(SamlAssertionSeen.assertion_id)).all() == ["kept"]
        db.session.remove()
        db.engine.dispose()
