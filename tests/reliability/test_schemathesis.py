"""Property-based tests of the JSON API against its own OpenAPI document (schemathesis).

The app runs on the demo data, on SQLite and on PostgreSQL (which enforces column lengths and integer
ranges, so a field without its limit in the schema shows here); each operation gets generated requests
with a bearer token of the secretariat (broad rights), of a working group's lead and of a municipality
contact. Checks: no 5xx, every status code and response body as documented. Bounded: a fixed seed
(derandomized), a few examples per operation, no deadline. Random strings rarely reach the database, so
one more test sends each body with its strings at their documented maxLength.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from schemathesis.specs.openapi.checks import positive_data_acceptance

from reliability_support import BACKENDS, ROLES, demo_url, sample_values, token
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


def _stretched(body: dict, schema: dict) -> dict:
    """The body with every free-text string property (a maxLength, no enum) as long as the schema allows."""
    out = dict(body)
    for name, prop in schema.get("properties", {}).items():
        if prop.get("type") == "string" and prop.get("maxLength") and "enum" not in prop:
            out[name] = ("Et langt ord " * (prop["maxLength"] // 13 + 1))[:prop["maxLength"] - 1] + "x"
    return out


def test_the_longest_strings_the_openapi_document_allows_are_stored(fresh_demo_db):
    """Random examples rarely reach the database with a long string (most fail a domain rule first), so
    each operation with a body gets one valid body whose strings are all at their documented maxLength,
    from the role that may use it: the API must store it (or refuse it as documented), on PostgreSQL
    too, where a maxLength above its VARCHAR column is a database error."""
    app = fresh_demo_db()
    values = sample_values(app)
    client = app.test_client()
    doc = client.get("/api/openapi.json").get_json()
    schemas = doc["components"]["schemas"]

    def body_schema(path: str) -> dict:
        ref = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return schemas[ref.rsplit("/", 1)[-1]]

    def post(role: str, path: str, url: str, body: dict) -> int:
        response = client.post(url, json=_stretched(body, body_schema(path)),
                               headers={"Authorization": f"Bearer {token(app, role)}"})
        return response.status_code

    task = client.get(f"/api/v1/tasks/{values['task_id']}",
                      headers={"Authorization": f"Bearer {token(app, 'secretary')}"}).get_json()
    data = _stretched({"screening": "complete", "hearing": "no"}, task["form_schema"])
    statuses = {
        "start a case": post("lead", "/api/v1/cases", "/api/v1/cases",
                             {"process_id": "proposal", "working_group_id": values["group_id"]}),
        "answer a hearing": post("contact", "/api/v1/hearings/{hearing_id}/responses",
                                 f"/api/v1/hearings/{values['hearing_id']}/responses", {}),
        "create a meeting": post("secretary", "/api/v1/council/meetings", "/api/v1/council/meetings",
                                 {"date": "2099-01-10", "start_time": "10:00", "item_deadline": "2099-01-01"}),
        "add an item": post("secretary", "/api/v1/council/meetings/{meeting_id}/items",
                            f"/api/v1/council/meetings/{values['council_meeting_id']}/items",
                            {"kind": "information"}),
        "complete a task": post("secretary", "/api/v1/tasks/{task_id}/complete",
                                f"/api/v1/tasks/{values['task_id']}/complete",
                                {"version": task["case_version"], "data": data}),
    }
    expected = {"start a case": 201, "answer a hearing": 201, "create a meeting": 201, "add an item": 201,
                "complete a task": 200}
    assert statuses == expected
