"""The access matrix: every route of the app, tried as anonymous and as every role on the demo data.

ACCESS names, for each route ("METHOD rule"), the roles that may use it; API_ACCESS does the same for
the JSON API (bearer tokens). A route that is added without an entry fails
test_every_route_has_an_expectation. Expectations:

- allowed: a GET answers 2xx/3xx (not a redirect to the login); a POST (with an empty form, the
  page's hidden context fields only) is not refused (no 401/403, no login redirect) — it may be a 422
  for the missing input, a 302 after success or a 404/409 for a state the sample is not in;
- not allowed: 403, 404 (the thing is hidden from that role) or, anonymous, the login redirect;
  a refused POST changes nothing (no audit event);
- never a 500.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from reliability_support import ROLES, copy_demo, login, route_urls, sample_values, token
from support import make_app

ANON = "anonymous"
EVERYONE = frozenset({ANON, *ROLES})
SIGNED_IN = frozenset(ROLES)
NOBODY = frozenset()
ADMIN = frozenset({"admin"})
SECRETARIAT = frozenset({"secretary"})
STAFF = SECRETARIAT | ADMIN
GROUP = frozenset({"lead", "member"})            # the working group of the sample proposal
COUNCIL = frozenset({"chair", "councillor"})
CONTACT = frozenset({"contact"})                 # Hjørring: party to the hearing, owns the registration
CONTACTS = CONTACT | {"other_contact"}           # other_contact: Aalborg, no party to the hearing
CASE_READERS = GROUP | STAFF | COUNCIL           # a proposal's case page, diagram and documents
# the next council meeting, agenda not yet published: the council, the staff and the group with an item on it
UNPUBLISHED_MEETING = GROUP | STAFF | COUNCIL
# issue 14: an architecture review's internal pages: its owner (no sample role), the staff (with the council),
# the board (two demo councillors, no sample role) and the working group it was given to (the sample group)
REVIEW_READERS = STAFF | COUNCIL | GROUP
# issue 16: a hearing's staff page and note: the staff (with the council) and the hearing's working group
HEARING_READERS = STAFF | COUNCIL | GROUP
PROCESS_STAFF = STAFF                            # issue 19: analytics and case controls (secretariat, admin)

ACCESS: dict[str, frozenset[str]] = {
    # --- public pages, feeds and links that carry their own token
    "GET /": EVERYONE,
    "GET /forside": EVERYONE,
    "GET /login": EVERYONE,
    "POST /login": EVERYONE,
    "POST /language": EVERYONE,
    "GET /static/<path:filename>": EVERYONE,
    "GET /principper": EVERYONE,
    "GET /principper/<key>": EVERYONE,
    "GET /regler/<key>": EVERYONE,
    "GET /regler/<key>/version/<int:version>": EVERYONE,
    "GET /regler/<key>/forskel": EVERYONE,
    "GET /was": EVERYONE,
    "GET /soeg": EVERYONE,
    "GET /offentlige-hoeringer": EVERYONE,
    "GET /offentlige-hoeringer.ics": EVERYONE,
    "GET /offentlige-hoeringer/<id:hearing_id>": EVERYONE,
    "GET /offentlige-hoeringer/<id:hearing_id>/dokumenter/<id:document_id>": EVERYONE,
    "GET /hoering/svar/<token>": EVERYONE,
    "POST /hoering/svar/<token>": EVERYONE,
    "POST /hoering/svar/<token>/offentliggoerelse": EVERYONE,
    "GET /hoering/svar/<token>/dokumenter/<id:document_id>": EVERYONE,
    "GET /kalender/<token>.ics": EVERYONE,
    "GET /netvaerk/evaluering/<token>": EVERYONE,
    "POST /netvaerk/evaluering/<token>": EVERYONE,
    "GET /netvaerk/moeder.ics": EVERYONE,
    "GET /netvaerk/program/<id:round_id>": EVERYONE,
    "GET /netvaerk/runder/<id:round_id>": EVERYONE,
    "GET /raadet/beslutninger": EVERYONE,
    "GET /raadet/feed.atom": EVERYONE,
    "GET /raadet/moeder": EVERYONE,
    "GET /raadet/moeder.ics": EVERYONE,
    "GET /raadet/moeder/<id:meeting_id>": UNPUBLISHED_MEETING,
    "GET /raadet/moeder/<id:meeting_id>/dokumenter/<id:document_id>": UNPUBLISHED_MEETING,
    "GET /api/openapi.json": EVERYONE,
    "GET /favicon.ico": EVERYONE,
    # --- signed in
    "POST /logout": SIGNED_IN,
    "GET /konto/sessioner": SIGNED_IN,
    "POST /konto/sessioner/afslut": SIGNED_IN,
    "POST /konto/sessioner/afslut-alle": SIGNED_IN,
    "GET /konto/adgangskode": SIGNED_IN,
    "POST /konto/adgangskode": SIGNED_IN,
    "GET /opgaver": SIGNED_IN,
    "GET /konto/beskeder": SIGNED_IN,                # the user's own choice of mail per kind (issue 13)
    "POST /konto/beskeder": SIGNED_IN,
    "GET /opgaver/<task_id>": SECRETARIAT,           # the sample task is the secretariat's screening
    "POST /opgaver/<task_id>": SECRETARIAT,
    "GET /sager": SIGNED_IN,
    "GET /sager/<id:case_id>": CASE_READERS,
    "GET /sager/<id:case_id>/diagram/<process_id>.bpmn": CASE_READERS,
    "POST /sager/<id:case_id>/dokumenter": GROUP | SECRETARIAT,
    "GET /dokumenter/<id:document_id>": CASE_READERS,
    "GET /dokumenter/<id:document_id>/v<id:number>": CASE_READERS,
    "GET /sager/fejl": STAFF,
    "POST /sager/<id:case_id>/data": ADMIN,
    "POST /sager/<id:case_id>/genoptag": ADMIN,
    "GET /forslag/nyt": GROUP,
    "POST /forslag/nyt": GROUP,
    # --- hearings
    "GET /hoeringer": SIGNED_IN - {"outsider"},
    "GET /hoeringer/ny": SECRETARIAT,
    "POST /hoeringer/ny": SECRETARIAT,
    "GET /hoeringer/<id:hearing_id>": SIGNED_IN - {"outsider", "other_contact"},
    "POST /hoeringer/<id:hearing_id>/materiale": SECRETARIAT,
    "POST /hoeringer/<id:hearing_id>/parter/kommuner": SECRETARIAT,
    "POST /hoeringer/<id:hearing_id>/parter/ekstern": SECRETARIAT,
    "POST /hoeringer/<id:hearing_id>/parter/<id:party_id>/fjern": SECRETARIAT,
    "POST /hoeringer/<id:hearing_id>/notat/punkter": GROUP,
    "POST /hoeringer/<id:hearing_id>/notat/punkter/<id:point_id>/slet": GROUP,
    "POST /hoeringer/<id:hearing_id>/svar": CONTACT,
    "POST /hoeringer/svar/<id:response_id>/afgoerelse": SECRETARIAT,
    "GET /post": STAFF,
    # --- council
    "GET /raadet/moeder/nyt": SECRETARIAT,
    "GET /raadet/moeder/<id:meeting_id>/referat-udkast.pdf": SECRETARIAT,  # issue 15: the draft minutes
    "POST /raadet/moeder/nyt": SECRETARIAT,
    "POST /raadet/moeder/<id:meeting_id>/punkter": SECRETARIAT,
    "POST /raadet/moeder/<id:meeting_id>/indsigelse": COUNCIL,
    "POST /raadet/moeder/<id:meeting_id>/frist": SECRETARIAT,
    "POST /raadet/moeder/<id:meeting_id>/udsend": SECRETARIAT,
    "POST /raadet/punkter/<id:item_id>/flyt": SECRETARIAT,
    "POST /raadet/punkter/<id:item_id>/fjern": SECRETARIAT,
    "POST /raadet/punkter/<id:item_id>/materiale": SECRETARIAT,
    "POST /raadet/punkter/<id:item_id>/referat": SECRETARIAT,
    "POST /raadet/punkter/<id:item_id>/holdning": COUNCIL,
    # issue 15: closing an item (the secretariat or the chair), opening it (the chair), postponing it
    "POST /raadet/punkter/<id:item_id>/luk": SECRETARIAT | {"chair"},
    "POST /raadet/punkter/<id:item_id>/aabn": frozenset({"chair"}),
    "POST /raadet/punkter/<id:item_id>/udsaet": SECRETARIAT,
    # issue 15: conflicts of interest (members for themselves, the secretariat for a member; the chair rules),
    # absences with substitutes, the secretariat's attendance
    "POST /raadet/punkter/<id:item_id>/inhabilitet": COUNCIL | SECRETARIAT,
    "POST /raadet/punkter/<id:item_id>/inhabilitet/afgoerelse": frozenset({"chair"}),
    "POST /raadet/moeder/<id:meeting_id>/afbud": COUNCIL | SECRETARIAT,
    "POST /raadet/moeder/<id:meeting_id>/afbud/tilbagekald": COUNCIL | SECRETARIAT,
    "POST /raadet/moeder/<id:meeting_id>/fremmoede": SECRETARIAT,
    # --- networks
    "GET /netvaerk": SIGNED_IN,
    "GET /netvaerk/runder/ny": SECRETARIAT,
    "POST /netvaerk/runder/ny": SECRETARIAT,
    "POST /netvaerk/runder/<id:round_id>/moeder": SECRETARIAT,
    "POST /netvaerk/moeder/<id:meeting_id>/program": SECRETARIAT,
    "POST /netvaerk/moeder/<id:meeting_id>/bekraeft": SECRETARIAT,
    "POST /netvaerk/moeder/<id:meeting_id>/materiale": SECRETARIAT,
    "POST /netvaerk/moeder/<id:meeting_id>/tilmeld": CONTACTS,
    "GET /netvaerk/moeder/<id:meeting_id>/deltagere.csv": SECRETARIAT,
    "GET /netvaerk/moeder/<id:meeting_id>/dokumenter/<id:document_id>": SIGNED_IN,
    "GET /netvaerk/tilmeldinger/<id:registration_id>/afmeld": CONTACT,
    "POST /netvaerk/tilmeldinger/<id:registration_id>/afmeld": CONTACT,
    "POST /netvaerk/tilmeldinger/<id:registration_id>/skift": CONTACT,
    "POST /netvaerk/tilmeldinger/<id:registration_id>/slet-persondata": SECRETARIAT,
    # --- processes and administration
    "GET /processer": STAFF,
    "GET /processer/<id:version_id>": STAFF,
    "GET /processer/<id:version_id>/filer/<file_name>": STAFF,
    "GET /processer/ny": ADMIN,
    "POST /processer/ny": ADMIN,
    "GET /processer/<id:version_id>/migrering": ADMIN,
    "POST /processer/<id:version_id>/migrering": ADMIN,
    # --- issue 17: identity providers (404 where none is configured, as in the demo) and two-factor login
    "GET /saml/metadata": NOBODY,
    "GET /saml/login": NOBODY,
    "POST /saml/acs": NOBODY,
    "GET /saml/slo": NOBODY,
    "POST /saml/slo": NOBODY,
    "GET /oidc/login": NOBODY,
    "GET /oidc/callback": NOBODY,
    "GET /login/totp": NOBODY,                        # only while a password login waits for its code
    "POST /login/totp": NOBODY,
    "GET /login/totp/tilmeld": SIGNED_IN,
    "POST /login/totp/tilmeld": SIGNED_IN,
    "GET /login/totp/qr.svg": SIGNED_IN,
}
ADMIN_PAGES = [
    "GET /admin", "GET /admin/roller", "GET /admin/tokens", "POST /admin/tokens",
    "POST /admin/tokens/<id:token_id>/tilbagekald",
    "GET /admin/brugere", "GET /admin/brugere/ny", "POST /admin/brugere/ny", "GET /admin/brugere/<id:user_id>",
    "POST /admin/brugere/<id:user_id>", "POST /admin/brugere/<id:user_id>/adgangskode",
    "POST /admin/brugere/<id:user_id>/aktiv", "POST /admin/brugere/<id:user_id>/sessioner",
    "POST /admin/brugere/<id:user_id>/totp",
    "GET /admin/arbejdsgrupper", "GET /admin/arbejdsgrupper/ny", "POST /admin/arbejdsgrupper/ny",
    "GET /admin/arbejdsgrupper/<id:group_id>", "POST /admin/arbejdsgrupper/<id:group_id>",
    "POST /admin/arbejdsgrupper/<id:group_id>/medlemmer",
    "POST /admin/arbejdsgrupper/<id:group_id>/medlemmer/<id:user_id>/fjern",
    "POST /admin/arbejdsgrupper/<id:group_id>/medlemmer/<id:user_id>/leder",
    "GET /admin/kommuner", "GET /admin/kommuner/ny", "POST /admin/kommuner/ny",
    "GET /admin/kommuner/<id:municipality_id>", "POST /admin/kommuner/<id:municipality_id>",
    "GET /admin/netvaerk", "GET /admin/netvaerk/ny", "POST /admin/netvaerk/ny",
    "GET /admin/netvaerk/<id:network_id>", "POST /admin/netvaerk/<id:network_id>",
    "POST /admin/netvaerk/<id:network_id>/medlemmer",
    "POST /admin/netvaerk/<id:network_id>/medlemmer/<id:membership_id>/fjern",
    "POST /admin/netvaerk/<id:network_id>/medlemmer/<id:membership_id>/pladser",
    "GET /admin/raad", "POST /admin/raad", "GET /admin/raad/<id:member_id>", "POST /admin/raad/<id:member_id>",
    "POST /admin/raad/<id:member_id>/afslut",
]
ACCESS.update({route: ADMIN for route in ADMIN_PAGES})
ACCESS.update({  # issue 18: access requests, the record of processing, erasure
    "GET /aktindsigt": EVERYONE,
    "POST /aktindsigt": EVERYONE,
    # a personal download link; no sample token is known (tests/test_access_requests.py covers the link)
    "GET /aktindsigt/hent/<token>": NOBODY,
    "GET /aktindsigt/anmodninger": SECRETARIAT,
    "GET /aktindsigt/anmodninger/<int:request_id>": SECRETARIAT,
    "POST /aktindsigt/anmodninger/<int:request_id>/dokumenter": SECRETARIAT,
    "POST /aktindsigt/anmodninger/<int:request_id>/dokumenter/<int:item_id>": SECRETARIAT,
    "POST /aktindsigt/anmodninger/<int:request_id>/aktliste": SECRETARIAT,
    "POST /aktindsigt/anmodninger/<int:request_id>/fristbrev": SECRETARIAT,
    "POST /aktindsigt/anmodninger/<int:request_id>/afgoerelse": SECRETARIAT,
    "GET /admin/behandlingsoversigt": ADMIN,
    "GET /admin/sletning": ADMIN,
    "POST /admin/sletning": ADMIN,
})
ACCESS.update({  # issue 14: architecture reviews, the public register, the architecture board
    "GET /arkitekturvurderinger": SIGNED_IN,         # each sees the reviews they own, review or judge
    "GET /arkitekturvurderinger/ny": SIGNED_IN,      # the form only
    "POST /arkitekturvurderinger/ny": CONTACTS,      # project owners (no sample role) and municipality contacts
    "GET /arkitekturvurderinger/<int:review_id>": REVIEW_READERS,
    "GET /arkitekturvurderinger/<int:review_id>/arkitekturrapport.pdf": REVIEW_READERS,
    "GET /arkitekturvurderinger/<int:review_id>/dispensationer.ics": REVIEW_READERS,
    # the sample review waits in its owner's self-assessment (the owner is no sample role: 403 to the staff,
    # 404 to the rest) and has no working-group review yet (404)
    "GET /arkitekturvurderinger/<int:review_id>/selvvurdering": NOBODY,
    "POST /arkitekturvurderinger/<int:review_id>/selvvurdering": NOBODY,
    "GET /arkitekturvurderinger/<int:review_id>/gennemgang": NOBODY,
    "POST /arkitekturvurderinger/<int:review_id>/gennemgang": NOBODY,
    # the register: public decisions only (sample: the demo's public decided review and its project)
    "GET /register/arkitekturvurderinger": EVERYONE,
    "GET /register/arkitekturvurderinger/regler": EVERYONE,
    "GET /register/arkitekturvurderinger/<int:review_id>": EVERYONE,
    "GET /register/arkitekturvurderinger/projekter/<key>": EVERYONE,
    "GET /admin/arkitekturboard": ADMIN,
    "POST /admin/arkitekturboard": ADMIN,
    "POST /admin/arkitekturboard/medlemmer": ADMIN,
    "POST /admin/arkitekturboard/medlemmer/<int:member_id>/fjern": ADMIN,
})
ACCESS.update({  # issue 16: sections, deadline controls, redaction, the note as a file, subscriptions
    "POST /hoeringer/<id:hearing_id>/afsnit": SECRETARIAT,
    "POST /hoeringer/<id:hearing_id>/afsnit/import": SECRETARIAT,
    "POST /hoeringer/<id:hearing_id>/frist": SECRETARIAT,
    "POST /hoeringer/<id:hearing_id>/luk": SECRETARIAT,
    "POST /hoeringer/svar/<id:response_id>/overstregning": SECRETARIAT,
    "POST /hoeringer/overstregning/<id:redaction_id>/fjern": SECRETARIAT,  # no redaction in the demo: 404
    "GET /hoeringer/<id:hearing_id>/hoeringsnotat.<any(docx, pdf):kind>": HEARING_READERS,
    # a concluded hearing's material version; the demo's hearings are open, so 404 for everyone
    "GET /offentlige-hoeringer/<id:hearing_id>/dokumenter/<id:document_id>/v<int:number>": NOBODY,
    # the subscription form and the links of its mails (no login; real signed tokens in the sample)
    "GET /hoeringer/abonnement": EVERYONE,
    "POST /hoeringer/abonnement": EVERYONE,
    "GET /hoeringer/abonnement/bekraeft/<token>": EVERYONE,
    "POST /hoeringer/abonnement/bekraeft/<token>": EVERYONE,
    "GET /hoeringer/abonnement/afmeld/<token>": EVERYONE,
    "POST /hoeringer/abonnement/afmeld/<token>": EVERYONE,
})
ACCESS.update({  # issue 19: analytics, health and metrics, case controls, saved lists, delegation, comments
    "GET /analyse": PROCESS_STAFF,
    "GET /processer/<id:version_id>/varmekort": PROCESS_STAFF,
    "GET /healthz": EVERYONE,
    "GET /readyz": EVERYONE,                         # the fixture writes a worker heartbeat
    "GET /metrics": ADMIN,                           # no METRICS_TOKEN in the tests: administrators only
    "POST /sager/<id:case_id>/styring": PROCESS_STAFF,
    "POST /sager/<id:case_id>/kommentarer": CASE_READERS,
    "GET /sager/liste": SIGNED_IN,                   # the cases each may see
    "POST /sager/liste/forhaandsvisning": PROCESS_STAFF,
    "POST /sager/liste/udfoer": PROCESS_STAFF,
    "GET /opgaver/liste": SIGNED_IN,
    "POST /lister": SIGNED_IN,                       # one's own saved lists
    "POST /lister/<id:list_id>/slet": SIGNED_IN,     # none in the demo: refused for everyone as unknown
    "GET /konto/fravaer": SIGNED_IN,                 # one's own out-of-office delegations
    "POST /konto/fravaer": SIGNED_IN,
    "POST /konto/fravaer/<id:delegation_id>/tilbagekald": SIGNED_IN,
})
ACCESS.update({  # issue 15: the council's open data, OParl 1.1 (public, read-only; samples: public objects)
    "GET /oparl/v1.1/system": EVERYONE,
    "GET /oparl/v1.1/body": EVERYONE,
    "GET /oparl/v1.1/body/raadet": EVERYONE,
    "GET /oparl/v1.1/body/raadet/<any(organization, person, membership, meeting, agendaItem, paper, consultation, "
    "file):oparl_list>": EVERYONE,
    "GET /oparl/v1.1/organization/<oparl_organization>": EVERYONE,
    "GET /oparl/v1.1/person/<id:oparl_member_id>": EVERYONE,
    "GET /oparl/v1.1/membership/<id:oparl_member_id>": EVERYONE,
    "GET /oparl/v1.1/meeting/<id:oparl_meeting_id>": EVERYONE,
    "GET /oparl/v1.1/location/<id:oparl_meeting_id>": EVERYONE,
    "GET /oparl/v1.1/agendaItem/<id:oparl_item_id>": EVERYONE,
    "GET /oparl/v1.1/consultation/<id:oparl_item_id>": EVERYONE,
    "GET /oparl/v1.1/paper/<id:oparl_paper_id>": EVERYONE,
    "GET /oparl/v1.1/file/<id:oparl_file_id>": EVERYONE,
    "GET /oparl/v1.1/file/<id:oparl_file_id>/access": EVERYONE,
    "GET /oparl/v1.1/file/<id:oparl_file_id>/download": EVERYONE,
    "GET /oparl/v1.1/": NOBODY,                      # any other address: an OParl 404 for everyone
    "GET /oparl/v1.1/<path:oparl_unknown>": NOBODY,
})

# The JSON API, with a bearer token of each role; anonymous (no token) is always a 401.
API_ACCESS: dict[str, frozenset[str]] = {
    "GET /api/v1/cases": SIGNED_IN,
    "POST /api/v1/cases": GROUP,
    "GET /api/v1/cases/<id:case_id>": CASE_READERS,
    "POST /api/v1/cases/<id:case_id>/retry": ADMIN,
    "GET /api/v1/tasks": SIGNED_IN,
    "GET /api/v1/tasks/<task_id>": SECRETARIAT,
    "POST /api/v1/tasks/<task_id>/complete": SECRETARIAT,
    "GET /api/v1/hearings": SIGNED_IN - {"outsider"},
    "POST /api/v1/hearings/<id:hearing_id>/responses": CONTACT,
    "GET /api/v1/search": SIGNED_IN,
    "POST /api/v1/council/meetings": SECRETARIAT,
    "GET /api/v1/council/meetings/<id:meeting_id>": UNPUBLISHED_MEETING,
    "POST /api/v1/council/meetings/<id:meeting_id>/items": SECRETARIAT,
    # issue 14: the public catalogue, without a token too
    "GET /api/v1/catalogue/principles": EVERYONE,
    "GET /api/v1/catalogue/rules/<key>": EVERYONE,
    "GET /api/v1/catalogue/rules/<key>/versions/<int:version>": EVERYONE,
    "POST /api/v1/council/meetings/<id:meeting_id>/deadline": SECRETARIAT,
    "POST /api/v1/council/meetings/<id:meeting_id>/publish": SECRETARIAT,
    # issue 15: closed and postponed items
    "POST /api/v1/council/items/<id:item_id>/close": SECRETARIAT | {"chair"},
    "POST /api/v1/council/items/<id:item_id>/open": frozenset({"chair"}),
    "POST /api/v1/council/items/<id:item_id>/postpone": SECRETARIAT,
    # issue 14: architecture reviews
    "POST /api/v1/reviews": CONTACTS,
    "GET /api/v1/reviews/<id:review_id>": REVIEW_READERS,
    # issue 16: the secretariat's deadline controls and redaction, a response per section
    "POST /api/v1/hearings/<id:hearing_id>/close": SECRETARIAT,
    "POST /api/v1/hearings/<id:hearing_id>/deadline": SECRETARIAT,
    "POST /api/v1/hearings/<id:hearing_id>/section-responses": CONTACT,
    "POST /api/v1/hearing-responses/<id:response_id>/redactions": SECRETARIAT,
}


def _api_bodies(values: dict) -> dict[str, dict]:
    """Valid bodies, so that an allowed role gets past the input validation (which runs first)."""
    return {
        "POST /api/v1/cases": {"process_id": "proposal", "title": "Adgangsprøve",
                               "working_group_id": values["group_id"]},
        "POST /api/v1/cases/<id:case_id>/retry": {"version": 1},
        "POST /api/v1/tasks/<task_id>/complete": {"version": 10**6, "data": {"screening": "complete"}},
        "POST /api/v1/hearings/<id:hearing_id>/responses": {"text": "Et høringssvar."},
        "POST /api/v1/council/meetings": {"title": "Ekstra rådsmøde", "date": "2099-01-10", "start_time": "10:00",
                                          "place": "KL", "item_deadline": "2099-01-01"},
        "POST /api/v1/council/meetings/<id:meeting_id>/items": {"kind": "information", "title": "Orientering"},
        "POST /api/v1/council/meetings/<id:meeting_id>/deadline": {"item_deadline": "2099-01-01", "reason": "Prøve"},
        "POST /api/v1/council/meetings/<id:meeting_id>/publish": {"reason": "Prøve"},
        "POST /api/v1/council/items/<id:item_id>/close": {"reason": "Prøve"},
        "POST /api/v1/council/items/<id:item_id>/open": {"note": "Prøve"},
        "POST /api/v1/council/items/<id:item_id>/postpone": {"meeting_id": 1, "reason": "Prøve"},
        "POST /api/v1/reviews": {"project": "Adgangsprøve", "organisation": "Hjørring Kommune",
                                 "description": "Et projekt til adgangsprøven.", "phase": "idea", "municipal": "yes"},
        "POST /api/v1/hearings/<id:hearing_id>/close": {"close_reason": "Prøve"},
        "POST /api/v1/hearings/<id:hearing_id>/deadline": {"deadline": "2099-01-05", "reason": "Prøve"},  # a Monday
        "POST /api/v1/hearings/<id:hearing_id>/section-responses": {"text": "Et høringssvar."},
        "POST /api/v1/hearing-responses/<id:response_id>/redactions": {"start": 0, "end": 2, "reason": "Prøve"},
    }


@pytest.fixture
def fresh_demo(demo_template, tmp_path):
    apps = []

    def make():
        directory = tmp_path / f"app{len(apps)}"
        directory.mkdir()
        app = make_app(copy_demo(demo_template, directory))
        _heartbeat(app)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            from web.extensions import db

            db.session.remove()
            db.engine.dispose()


def _heartbeat(app) -> None:
    """A worker's heartbeat, as web/worker.py writes it after each sweep: /readyz is ready (issue 19)."""
    from engine.analytics import beat
    from web.extensions import db

    with app.app_context():
        beat(db.session, "access-test", app.extensions["byplan"].engine.clock())
        db.session.commit()


def _audit_count(app) -> int:
    from engine.models import AuditEvent
    from web.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def test_every_route_has_an_expectation(demo_app):
    routes = set(route_urls(demo_app))
    web_routes = {r for r in routes if not r.split(" ", 1)[1].startswith("/api/v1")}
    api_routes = routes - web_routes
    assert web_routes - set(ACCESS) == set(), "routes without an entry in ACCESS"
    assert set(ACCESS) - web_routes == set(), "ACCESS names routes that do not exist"
    assert api_routes ^ set(API_ACCESS) == set(), "API_ACCESS does not match the API routes"


@pytest.mark.parametrize("role", (ANON,) + ROLES)
def test_get_routes(fresh_demo, role):
    app = fresh_demo()
    client = login(app.test_client(), role)
    problems = []
    for route, url in sorted(route_urls(app).items()):
        method, rule = route.split(" ", 1)
        if method != "GET" or rule.startswith("/api/v1"):
            continue
        response = client.get(url)
        status = response.status_code
        if role in ACCESS[route]:
            ok = status < 400 and not _login_redirect(response)
        else:  # anonymous: the login, or a 401 where a machine asks (/metrics wants a bearer token)
            ok = status in (403, 404) or (role == ANON and (_login_redirect(response) or status == 401))
        if not ok:
            problems.append(f"{route} ({url}): {status} {response.headers.get('Location', '')}")
    assert problems == [], f"{role}: " + "; ".join(problems)


@pytest.mark.parametrize("role", (ANON,) + ROLES)
def test_post_routes(fresh_demo, role):
    app = fresh_demo()
    client = login(app.test_client(), role)
    values = sample_values(app)
    # the hidden fields the pages send along with their forms
    context = {"meeting_id": values["council_meeting_id"], "hearing_id": values["hearing_id"]}
    routes = sorted((r for r in route_urls(app) if r.startswith("POST ") and not r.startswith("POST /api/")),
                    key=lambda r: (r == "POST /logout", r))  # signing out last
    urls = route_urls(app)
    problems = []
    for route in routes:
        before = _audit_count(app)
        response = client.post(urls[route], data=context)
        status = response.status_code
        if role in ACCESS[route]:
            ok = status < 500 and status not in (401, 403) and not _login_redirect(response)
        else:
            ok = status in (403, 404) or (role == ANON and _login_redirect(response))
            if _audit_count(app) != before:
                problems.append(f"{route}: refused with {status} but changed something")
        if not ok:
            problems.append(f"{route}: {status} {response.headers.get('Location', '')}")
    assert problems == [], f"{role}: " + "; ".join(problems)


@pytest.mark.parametrize("role", (ANON,) + ROLES)
def test_api_routes(fresh_demo, role):
    app = fresh_demo()
    client = app.test_client()
    values = sample_values(app)
    headers = {"Authorization": f"Bearer {token(app, role)}"} if role != ANON else {}
    urls = route_urls(app)
    bodies = _api_bodies(values)
    problems = []
    for route in sorted(API_ACCESS):
        method = route.split(" ", 1)[0]
        url = urls[route] + ("?q=brugerstyring" if route == "GET /api/v1/search" else "")
        before = _audit_count(app)
        response = client.open(url, method=method, json=bodies.get(route), headers=headers)
        status = response.status_code
        assert response.is_json, f"{route}: not JSON"
        if role == ANON:
            ok = status == 401 or (ANON in API_ACCESS[route] and status < 400)
        elif role in API_ACCESS[route]:
            ok = status < 500 and status not in (401, 403)
        else:
            ok = status in (403, 404)
        if role not in API_ACCESS[route] and method == "POST" and _audit_count(app) != before:
            problems.append(f"{route}: refused with {status} but changed something")
        if not ok:
            problems.append(f"{route}: {status} {response.get_json()}")
    assert problems == [], f"{role}: " + "; ".join(problems)
