"""SAML sign-in against a real pysaml2 IdP in the test (tests/idp/saml_idp.py), over HTTP: metadata, the
signed AuthnRequest, JIT users and role refresh, encrypted assertions, every refusal, single logout."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from idp.keys import keypair
from idp.saml_idp import MAPPING, ROLE_SECRETARIAT, SamlIdp, identity
from support import People, make_app

BASE = "http://localhost"
SP_ENTITY = BASE + "/saml/metadata"
ACS = BASE + "/saml/acs"


@pytest.fixture
def saml(sqlite_url, tmp_path):
    yield from _saml_env(sqlite_url, tmp_path)


def _saml_env(url, tmp_path):
    idp = SamlIdp(tmp_path / "idp")
    key, cert = keypair(tmp_path, "sp")
    enc_key, enc_cert = keypair(tmp_path, "sp-enc")
    app = make_app(url, BASE_URL=BASE, SAML_IDP_METADATA=str(idp.metadata_file), SAML_KEY_FILE=key,
                   SAML_CERT_FILE=cert, SAML_ENCRYPTION_KEY_FILE=enc_key, SAML_ENCRYPTION_CERT_FILE=enc_cert,
                   SAML_MAPPING=json.dumps(MAPPING))
    People(app)
    client = app.test_client()
    metadata = client.get("/saml/metadata")
    idp.attach(metadata.get_data(as_text=True))
    yield app, client, idp
    with app.app_context():
        from web.extensions import db

        db.session.remove()
        db.engine.dispose()


def start(client, idp, next_url="/"):
    """Byplan's redirect to the IdP, read by the IdP: the AuthnRequest."""
    response = client.get("/saml/login", query_string={"next": next_url})
    assert response.status_code == 302
    return idp.read_request(response.headers["Location"])


def signed_in(client) -> bool:
    return client.get("/konto/sessioner").status_code == 200


def audit(app, kind=None):
    from engine.audit import AuditEvent
    from web.extensions import db

    from types import SimpleNamespace

    from engine.audit_people import Pseudonyms

    with app.app_context():  # as a reader sees the log: people's references resolved (issue 18)
        rows = [r for r in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
                if kind is None or r.kind == kind]
        return [SimpleNamespace(id=r.id, kind=r.kind, actor=actor, summary=summary, detail=detail)
                for r, (actor, summary, detail) in zip(rows, Pseudonyms().reveal(db.session, rows))]


def user_of(app, email):
    from web.extensions import db
    from workflows.directory import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return None if user is None else (user.username, user.roles, user.municipality and user.municipality.code)


def test_metadata_names_entity_acs_slo_and_both_certificates(saml):
    _app, client, _idp = saml
    response = client.get("/saml/metadata")
    assert response.status_code == 200 and "samlmetadata+xml" in response.content_type
    xml = response.get_data(as_text=True)
    assert f'entityID="{SP_ENTITY}"' in xml
    assert ACS in xml and BASE + "/saml/slo" in xml
    assert 'use="signing"' in xml and 'use="encryption"' in xml
    assert 'AuthnRequestsSigned="true"' in xml and 'WantAssertionsSigned="true"' in xml


def test_first_sign_in_creates_the_user_with_mapped_roles_and_a_session(saml):
    app, client, idp = saml
    request = start(client, idp, "/konto/sessioner")
    assert request.assertion_consumer_service_url == ACS
    response = client.post("/saml/acs", data={"SAMLResponse": idp.response(SP_ENTITY, ACS, request.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/konto/sessioner")
    assert signed_in(client)
    username, roles, municipality = user_of(app, "karen@hjoerring.test")
    assert roles == {"municipality_contact"} and municipality == "860"
    logins = audit(app, "login")
    assert logins[-1].actor == username and logins[-1].detail["method"] == "saml"
    changes = audit(app, "identity_roles")
    assert changes[-1].detail["added"] == ["municipality_contact"]
    # Nothing of the assertion is in the audit log: not the persistent id, nor the privileges.
    text = " ".join(f"{e.summary} {json.dumps(e.detail)}" for e in audit(app))
    assert "7f0c5c4e" not in text and "PrivilegeList" not in text and "persistent-id-1" not in text


def test_roles_are_refreshed_at_every_sign_in(saml):
    app, client, idp = saml
    request = start(client, idp)
    client.post("/saml/acs", data={"SAMLResponse": idp.response(SP_ENTITY, ACS, request.id)})
    request = start(client, idp)
    user = identity(roles=(ROLE_SECRETARIAT,))
    response = client.post("/saml/acs", data={"SAMLResponse": idp.response(SP_ENTITY, ACS, request.id, user)})
    assert response.status_code == 302
    assert user_of(app, "karen@hjoerring.test")[1] == {"secretariat"}
    change = audit(app, "identity_roles")[-1]
    assert change.detail["added"] == ["secretariat"] and change.detail["removed"] == ["municipality_contact"]


def test_an_encrypted_assertion_signs_in(saml):
    app, client, idp = saml
    request = start(client, idp)
    data = idp.response(SP_ENTITY, ACS, request.id, encrypt=True)
    assert b"EncryptedAssertion" in __import__("base64").b64decode(data)
    assert client.post("/saml/acs", data={"SAMLResponse": data}).status_code == 302
    assert signed_in(client)


def test_no_byplan_role_is_a_no_access_page_without_user_or_session(saml):
    app, client, idp = saml
    request = start(client, idp)
    user = identity(roles=("http://byplan.test/roles/jobrole/other/1",), email="nobody@hjoerring.test")
    response = client.post("/saml/acs", data={"SAMLResponse": idp.response(SP_ENTITY, ACS, request.id, user)})
    assert response.status_code == 403
    assert "Ingen adgang til Byplan" in response.get_data(as_text=True)
    assert not signed_in(client)
    assert user_of(app, "nobody@hjoerring.test") is None
    assert audit(app, "login_failed")[-1].detail == {"method": "saml", "reason": "no_role"}


def _refused(app, client, response, reason, message):
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    assert message in response.get_data(as_text=True)
    assert not signed_in(client)
    assert audit(app, "login_failed")[-1].detail == {"method": "saml", "reason": reason}


def test_refused_unsigned_assertion(saml):
    app, client, idp = saml
    request = start(client, idp)
    data = idp.response(SP_ENTITY, ACS, request.id, sign_assertion=False)
    _refused(app, client, client.post("/saml/acs", data={"SAMLResponse": data}), "signature", "ikke underskrevet")


def test_refused_signed_response_with_an_unsigned_assertion(saml):
    app, client, idp = saml
    request = start(client, idp)
    data = idp.response(SP_ENTITY, ACS, request.id, sign_assertion=False, sign_response=True)
    _refused(app, client, client.post("/saml/acs", data={"SAMLResponse": data}), "signature", "ikke underskrevet")


def test_refused_assertion_changed_after_signing(saml):
    import base64

    app, client, idp = saml
    request = start(client, idp)
    xml = base64.b64decode(idp.response(SP_ENTITY, ACS, request.id)).decode()
    assert "Karen Kontakt" in xml
    forged = base64.b64encode(xml.replace("Karen Kontakt", "Mallory Mellemmand").encode()).decode()
    _refused(app, client, client.post("/saml/acs", data={"SAMLResponse": forged}), "signature", "ikke underskrevet")


def test_refused_assertion_signed_by_another_key(saml, tmp_path):
    app, client, idp = saml
    request = start(client, idp)
    other = SamlIdp(tmp_path / "other", name="other")  # same entity id, its own key: not in the metadata
    other.attach(client.get("/saml/metadata").get_data(as_text=True))
    data = other.response(SP_ENTITY, ACS, request.id)
    _refused(app, client, client.post("/saml/acs", data={"SAMLResponse": data}), "signature", "ikke underskrevet")


def test_refused_response_for_another_audience(saml):
    app, client, idp = saml
    request = start(client, idp)
    data = idp.response(SP_ENTITY, ACS, request.id, audience="https://other.example/sp")
    _refused(app, client, client.post("/saml/acs", data={"SAMLResponse": data}), "audience", "en anden tjeneste")


def test_refused_expired_assertion(saml):
    app, client, idp = saml
    request = start(client, idp)
    data = idp.response(SP_ENTITY, ACS, request.id)
    with time_machine.travel(timedelta(minutes=10)):  # the IdP's assertions live 5 minutes
        _refused(app, client, client.post("/saml/acs", data={"SAMLResponse": data}), "expired", "udløbet")


def test_refused_assertion_not_yet_valid(saml):
    app, client, idp = saml
    request = start(client, idp)
    with time_machine.travel(timedelta(minutes=10)):  # an IdP whose clock is 10 minutes ahead
        data = idp.response(SP_ENTITY, ACS, request.id)
    _refused(app, client, client.post("/saml/acs", data={"SAMLResponse": data}), "not_yet_valid",
             "ikke gyldigt endnu")


def test_refused_replayed_assertion(saml):
    app, client, idp = saml
    request = start(client, idp)
    data = idp.response(SP_ENTITY, ACS, request.id)
    assert client.post("/saml/acs", data={"SAMLResponse": data}).status_code == 302
    other = app.test_client()  # an attacker with a copy of the posted response
    _refused(app, other, other.post("/saml/acs", data={"SAMLResponse": data}), "replay", "brugt før")


def test_refused_unsolicited_response(saml):
    app, client, idp = saml
    data = idp.response(SP_ENTITY, ACS, None)
    _refused(app, client, client.post("/saml/acs", data={"SAMLResponse": data}), "unsolicited",
             "Byplan bad ikke")


def test_refused_response_to_a_request_never_sent(saml):
    app, client, idp = saml
    start(client, idp)
    data = idp.response(SP_ENTITY, ACS, "id-never-sent-by-byplan")
    _refused(app, client, client.post("/saml/acs", data={"SAMLResponse": data}), "unknown_request",
             "som Byplan ikke har sendt")


def test_refused_garbage(saml):
    app, client, _idp = saml
    _refused(app, client, client.post("/saml/acs", data={"SAMLResponse": "not base64 <xml"}), "invalid",
             "kunne ikke læses")


def _sign_in(client, idp):
    request = start(client, idp)
    assert client.post("/saml/acs", data={"SAMLResponse": idp.response(SP_ENTITY, ACS, request.id)}) \
        .status_code == 302


def test_logout_from_the_idp_ends_the_byplan_session(saml):
    app, client, idp = saml
    _sign_in(client, idp)
    response = client.get(idp.logout_request_location(SP_ENTITY).replace(BASE, ""))
    assert response.status_code == 302
    answer = idp.read_logout_response(response.headers["Location"])
    assert answer.status_ok()
    assert not signed_in(client)
    assert audit(app, "session_ended")[-1].detail == {"method": "saml", "count": 1}


def test_logout_from_byplan_ends_the_session_and_tells_the_idp(saml):
    app, client, idp = saml
    _sign_in(client, idp)
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"].startswith(idp.base_url + "/slo/redirect")
    request = idp.read_logout_request(response.headers["Location"])
    assert request.name_id.text == "persistent-id-1" and request.session_index[0].text == idp.session_index
    assert not signed_in(client)


def test_an_api_token_works_for_a_saml_user(saml):
    app, client, idp = saml
    _sign_in(client, idp)
    from web.extensions import db
    from workflows.directory import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "karen@hjoerring.test"))
        token = app.extensions["byplan"].create_token(db.session, user, "test")
        db.session.commit()
    api = app.test_client()
    assert api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_sign_in_and_replay_on_both_databases(db_url, tmp_path):
    for app, client, idp in _saml_env(db_url, tmp_path):
        request = start(client, idp)
        data = idp.response(SP_ENTITY, ACS, request.id)
        assert client.post("/saml/acs", data={"SAMLResponse": data}).status_code == 302
        assert signed_in(client)
        other = app.test_client()
        _refused(app, other, other.post("/saml/acs", data={"SAMLResponse": data}), "replay", "brugt før")
