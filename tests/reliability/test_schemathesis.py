"""Property-based tests of the JSON API against its own OpenAPI document (schemathesis).

The app runs on the demo data, on SQLite and on PostgreSQL (which enforces column lengths and integer
ranges, so a field without its limit in the schema shows here); each operation gets generated requests with a bearer token of
the secretariat (broad rights), of a working group's lead and of a municipality contact. Checks: no 5xx, every status code and response body as documented.
Bounded: a fixed seed (derandomized), a few examples per operation, no deadline.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from schemathesis.specs.openapi.checks import positive_data_acceptance

from reliability_support import BACKENDS, ROLES, demo_url, token
from support import make_app


@pytest.fixture(scope="module", params=BACKENDS)
def api_app(request, tmp_path_factory):
    app = make_app(demo_url(request, tmp_path_factory.mktemp("schemathesis")))
    app.config["TOKENS"] = {role: token(app, role) for role in ROLES}
    app.config["BACKEND"] = request.param
    yield app
    with app.app_context():
        from web.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(api_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", api_app)


# A schema-valid body may still break a domain rule the schema cannot express (a working group that
# does not exist, a date in the past): that is a documented 422, not a rejected valid request.
EXCLUDED = [positive_data_acceptance]


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


# schemathesis' own pytest integration (schema.parametrize) does not work with pytest 9 yet:
# each operation runs through hypothesis here, and the failures are collected per operation.
@pytest.mark.parametrize("role, examples", [("secretary", 15), ("lead", 6), ("contact", 6)])
def test_api_conforms_to_its_openapi_document(api_app, api_schema, role, examples):
    headers = {"Authorization": f"Bearer {api_app.config['TOKENS'][role]}"}
    failures = {}
    operations = list(_operations(api_schema))
    assert len(operations) >= 13
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def check(case):
            case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)

        try:
            check()
        except BaseException as exc:  # noqa: BLE001 - a hypothesis failure group; reported per operation
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures[operation.label] = f"{type(exc).__name__}: {exc}"
    assert failures == {}, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
