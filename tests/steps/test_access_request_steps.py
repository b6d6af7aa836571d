"""Step definitions for features/access_request.feature: access requests (the AccessRequests service and the
download route), retention and erasure runs followed by `byplan audit verify`, and the archive export.

The clock is time_machine's (tick=False); moving it runs the worker's timer sweep as in production.
"""
from __future__ import annotations

import io
import zipfile

import pytest
from click.testing import CliRunner
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import func, select

from web.cli import main
from workflows.archive import verify_archive
from workflows.forms import FormInvalid

from .common import clock_at, day, moment

pytestmark = pytest.mark.usefixtures("db_url")

scenarios("access_request.feature")

clock = clock_at(moment("mandag den 2. marts 2026 kl. 10.00"))


class Scene:
    def __init__(self, app, people, client, clock, db_url, monkeypatch):
        self.app, self.people, self.client, self.clock = app, people, client, clock
        self.db_url, self.monkeypatch = db_url, monkeypatch
        self.documents: dict[str, int] = {}
        self.request_id = None
        self.error: FormInvalid | Exception | None = None
        self.output = ""

    @property
    def service(self):
        return self.app.extensions["byplan"].access_requests

    def run(self, method, *args, **kwargs):
        from web.extensions import db

        with self.app.app_context():
            try:
                result = getattr(self.service, method)(db.session, self.people.user("secretary"), *args, **kwargs)
                db.session.commit()
                return result
            except Exception:
                db.session.rollback()
                raise

    def row(self):
        from web.extensions import db
        from workflows.access_request import AccessRequest

        with self.app.app_context():
            req = db.session.get(AccessRequest, self.request_id)
            db.session.expunge(req)
            return req

    def item(self, title: str) -> int:
        from web.extensions import db
        from workflows.access_request import AccessDocument

        with self.app.app_context():
            return db.session.scalar(select(AccessDocument.id).where(
                AccessDocument.request_id == self.request_id, AccessDocument.document_id == self.documents[title]))

    def assessment(self, title: str):
        from web.extensions import db
        from workflows.access_request import AccessDocument

        with self.app.app_context():
            return db.session.get(AccessDocument, self.item(title)).assessment

    def mails(self, tag: str):
        from engine.mail import OutboxMail
        from web.extensions import db

        with self.app.app_context():
            return [(m.to_address, m.subject, m.body) for m in db.session.scalars(
                select(OutboxMail).where(OutboxMail.tag == tag).order_by(OutboxMail.id))]

    def download(self, which: int = -1):
        body = self.mails("access_request.decision")[which][2]
        token = next(line for line in body.splitlines() if "/aktindsigt/hent/" in line).strip().rsplit("/", 1)[1]
        return self.client.get(f"/aktindsigt/hent/{token}")

    def cli(self, *args):
        self.monkeypatch.setenv("DATABASE_URL", self.db_url)
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    def ready(self) -> list[str]:
        from engine.models import ReadyTask
        from web.extensions import db

        case_id = self.row().case_id
        with self.app.app_context():
            return sorted(db.session.scalars(select(ReadyTask.spec_name).where(ReadyTask.case_id == case_id)))


@pytest.fixture
def scene(app, people, client, clock, db_url, monkeypatch):
    return Scene(app, people, client, clock, db_url, monkeypatch)


def _names(zip_bytes: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(zip_bytes)).namelist()


# ------------------------------------------------------------------ given / time
@given(parsers.parse("det er {text}"))
@when(parsers.parse("det er {text}"))
def _at(scene, text):
    scene.clock.move_to(moment(text))
    scene.app.extensions["byplan"].engine.fire_due_timers()


@given(parsers.re(r'sagen har dokumenterne (?P<titles>.+)'))
def _documents(scene, titles):
    from web.extensions import db

    with scene.app.app_context():
        for title in [t.strip().strip('"') for t in titles.replace(" og ", ", ").split(",")]:
            version = scene.app.extensions["byplan"].documents.add(
                db.session, case_id=None, filename=f"{title}.txt", content=f"{title}: indhold".encode(),
                actor="secretary", title=title)
            scene.documents[title] = version.document_id
        db.session.commit()


# ------------------------------------------------------------------ requests
@when(parsers.re(r'"(?P<name>[^"]+)" <(?P<email>[^>]+)> beder om aktindsigt i "(?P<asked>[^"]+)"'))
def _request(scene, name, email, asked):
    from web.extensions import db

    with scene.app.app_context():
        req = scene.service.submit(db.session, {"name": name, "email": email, "asked": asked})
        db.session.commit()
        scene.request_id = req.id
    scene.run("add_documents", scene.request_id, list(scene.documents.values()))  # the secretariat finds them


@when("nogen beder om aktindsigt uden e-mailadresse")
def _request_without_address(scene):
    from web.extensions import db

    with scene.app.app_context():
        try:
            scene.service.submit(db.session, {"name": "Uden Adresse", "asked": "Noget"})
        except FormInvalid as exc:
            scene.error = exc
        db.session.rollback()


@then(parsers.parse('afvises anmodningen med en fejl ved "{field}", og ingen anmodning er gemt'))
def _request_refused(scene, field):
    from web.extensions import db
    from workflows.access_request import AccessRequest

    assert isinstance(scene.error, FormInvalid) and field in scene.error.errors
    with scene.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccessRequest)) == 0


@then(parsers.parse("får anmoderen en kvittering med anmodningens nummer og fristen {deadline}"))
def _receipt(scene, deadline):
    [(to, subject, body)] = scene.mails("access_request.receipt")
    req = scene.row()
    assert req.number in subject and req.number in body
    assert req.deadline == day(deadline) and f"{req.deadline:%d.%m.%Y}" in body


@then(parsers.parse("oversigten viser anmodningen med {days:d} arbejdsdage tilbage"))
def _dashboard(scene, days):
    scene.people.login(scene.client, "secretary")
    page = scene.client.get("/aktindsigt/anmodninger").get_data(as_text=True)
    assert scene.row().number in page and f"{days} arbejdsdage" in page


# ------------------------------------------------------------------ assessment
@when(parsers.parse('sekretariatet vurderer "{title}" som udleveret fuldt ud'))
def _full(scene, title):
    scene.run("assess", scene.request_id, scene.item(title), {"assessment": "full"})


@when(parsers.re(r'sekretariatet vurderer "(?P<title>[^"]+)" som udleveret delvis med overstregningen '
                 r'"(?P<redactions>[^"]+)" begrundet "(?P<reason>[^"]+)" efter § (?P<basis>\d+)'))
def _partial(scene, title, redactions, reason, basis):
    scene.run("assess", scene.request_id, scene.item(title),
              {"assessment": "partial", "redactions": redactions, "reason": reason, "legal_basis": basis},
              redacted=(f"{title}-overstreget.txt", f"{title} uden navne".encode()))


@when(parsers.re(r'sekretariatet vurderer "(?P<title>[^"]+)" som afslået efter § (?P<basis>\d+) '
                 r'begrundet "(?P<reason>[^"]+)"'))
def _refused(scene, title, basis, reason):
    scene.run("assess", scene.request_id, scene.item(title),
              {"assessment": "refused", "legal_basis": basis, "reason": reason})


@when(parsers.parse('sekretariatet forsøger at afslå "{title}" uden hjemmel'))
def _refuse_without_basis(scene, title):
    try:
        scene.run("assess", scene.request_id, scene.item(title), {"assessment": "refused", "reason": "Internt"})
    except FormInvalid as exc:
        scene.error = exc


@when(parsers.parse('sekretariatet forsøger at udlevere "{title}" delvis uden begrundelse for overstregningen'))
def _partial_without_reason(scene, title):
    try:
        scene.run("assess", scene.request_id, scene.item(title), {"assessment": "partial", "redactions": "Navne"})
    except FormInvalid as exc:
        scene.error = exc


@then(parsers.parse('afvises vurderingen med en fejl ved "{field}", og "{title}" er ikke vurderet'))
def _assessment_refused(scene, field, title):
    assert isinstance(scene.error, FormInvalid) and field in scene.error.errors
    assert scene.assessment(title) is None


# ------------------------------------------------------------------ delay letter
@then("er der ingen opgave om fristbrev")
def _no_delay_task(scene):
    assert scene.ready() == ["assess"]


@then("er der en opgave om at sende fristbrev")
def _delay_task(scene):
    assert scene.ready() == ["delay_letter"]


@when(parsers.parse('sekretariatet sender fristbrevet med begrundelsen "{reason}" og datoen {expected}'))
def _send_delay(scene, reason, expected):
    scene.run("send_delay_letter", scene.request_id, {"reason": reason, "expected": day(expected).isoformat()})


@then(parsers.parse("er fristen {deadline}"))
def _deadline(scene, deadline):
    assert scene.row().deadline == day(deadline) and scene.ready() == ["assess_after_delay"]


@then("anmoderen får fristbrevet med begrundelsen")
def _delay_mail(scene):
    [(to, _subject, body)] = scene.mails("access_request.delay")
    assert to == scene.row().email and scene.row().delay_reason in body


# ------------------------------------------------------------------ decisions and downloads
@when("sekretariatet sender den endelige afgørelse")
def _final(scene):
    scene.run("decide", scene.request_id, True)


@when("sekretariatet sender en delafgørelse")
def _partial_decision(scene):
    scene.run("decide", scene.request_id, False)


@then("får anmoderen afgørelsen med et personligt link")
def _decision_mail(scene):
    [(to, subject, body)] = scene.mails("access_request.decision")
    assert to == scene.row().email and "/aktindsigt/hent/" in body and scene.row().status == "decided"


@then(parsers.re(r'downloaden indeholder (?P<titles>.+), afgørelsesbrevet og dokumentlisten'))
def _download_has(scene, titles):
    names = _names(scene.download().data)
    for title in [t.strip().strip('"') for t in titles.replace(" og ", ", ").split(",")]:
        assert any(n.endswith(f"{title}.txt") for n in names), (title, names)
    assert any(n.startswith("afgoerelse/") for n in names) and "dokumentliste.csv" in names


@then("downloaden er registreret i revisionsloggen")
def _download_audited(scene):
    from engine.models import AuditEvent
    from web.extensions import db

    case_id = scene.row().case_id
    with scene.app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "access_request.download")).all()
        assert len(events) == 1 and events[0].case_id == case_id


@then(parsers.parse('indeholder downloaden fra delafgørelsen "{released}" og ikke "{held}"'))
def _partial_download(scene, released, held):
    names = _names(scene.download(0).data)
    assert any(n.endswith(f"{released}.txt") for n in names) and not any(held in n for n in names)


@then(parsers.parse('indeholder downloaden den overstregede kopi af "{title}" og ikke originalen'))
def _redacted_download(scene, title):
    archive = zipfile.ZipFile(io.BytesIO(scene.download().data))
    copy = next(n for n in archive.namelist() if "overstreget" in n)
    assert archive.read(copy) == f"{title} uden navne".encode()
    assert not any(n.endswith(f"-{title}.txt") for n in archive.namelist())


@then(parsers.parse('afgørelsesbrevet nævner "{text}" og klagevejledningen'))
def _letter(scene, text):
    from pdf_support import read_pdf

    archive = zipfile.ZipFile(io.BytesIO(scene.download().data))
    letter = read_pdf(archive.read(next(n for n in archive.namelist() if n.startswith("afgoerelse/")))).text
    assert text in letter and "Klagevejledning" in letter


@then(parsers.parse('downloaden indeholder ikke "{title}"'))
def _not_in_download(scene, title):
    assert not any(title in n for n in _names(scene.download().data))


@then("svarer downloadlinket 410 med besked om, at linket er udløbet")
def _expired(scene):
    response = scene.download()
    assert response.status_code == 410 and "udløbet" in response.get_data(as_text=True)


# ------------------------------------------------------------------ retention and erasure
@given(parsers.parse('"{username}" loggede ind og blev deaktiveret for tre år siden'))
def _old_user(scene, username):
    from datetime import timedelta

    from web.extensions import db

    start = moment("mandag den 2. marts 2026 kl. 10.00")
    scene.clock.move_to(start - timedelta(days=3 * 365))
    scene.people.login(scene.client, username)
    scene.client.get("/logout")
    with scene.app.app_context():
        scene.people.user(username).active = False
        db.session.commit()
    scene.clock.move_to(start)


@when("slettefristerne afprøves med --dry-run")
def _dry_run(scene):
    scene.output = scene.cli("retention", "--dry-run").output


@then(parsers.parse('nævner afprøvningen brugeren "{username}", og intet er ændret'))
def _dry_listed(scene, username):
    assert f"would anonymise user {scene.people.ids[username]}" in scene.output
    with scene.app.app_context():
        assert scene.people.user(username) is not None


@when("slettefristerne anvendes")
def _apply(scene):
    assert scene.cli("retention").exit_code == 0


@then(parsers.parse('er brugeren "{username}" anonymiseret'))
def _anonymised(scene, username):
    from web.extensions import db
    from workflows.directory import User

    with scene.app.app_context():
        assert db.session.get(User, scene.people.ids[username]).username.startswith("slettet-")


@when(parsers.parse('administratoren beder om sletning af "{person}"'))
def _erase(scene, person):
    scene.people.login(scene.client, "admin")
    scene.response = scene.client.post("/admin/sletning", data={"person": person})


@then("afvises sletningen med listen over åbne sager")
def _erasure_refused(scene):
    page = scene.response.get_data(as_text=True)
    assert scene.response.status_code == 422 and scene.row().number in page
    with scene.app.app_context():
        assert scene.people.user("member") is not None


@then("siger rapporten, hvad der blev slettet, og hvad der blev bevaret og hvorfor")
def _erasure_report(scene):
    page = scene.response.get_data(as_text=True)
    assert scene.response.status_code == 200 and "anonymised and deactivated" in page
    assert "Revisionsloggens hændelser forbliver uændrede" in page


@then('"byplan audit verify" godkender revisionsloggen')
def _verify(scene):
    outcome = scene.cli("audit", "verify")
    assert outcome.exit_code == 0 and "every chain is intact" in outcome.output


# ------------------------------------------------------------------ archive
@when('anmodningens sag udtrækkes med "byplan export-archive"')
def _export(scene, tmp_path):
    scene.archive = tmp_path / "arkiv.zip"
    assert scene.cli("export-archive", "--case", str(scene.row().case_id), str(scene.archive)).exit_code == 0


@then("stemmer hver fil i udtrækket med sin sha256 i manifestet")
def _manifest(scene):
    manifest = verify_archive(scene.archive.read_bytes())
    assert manifest["cases"] == [scene.row().case_id] and len(manifest["files"]) >= 5
