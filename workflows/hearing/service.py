"""The hearing service: every read and action of the hearing pages, the API and the demo, with the
access rules (who may see and do what) decided here and nowhere else.

Reads return only what the user may see, or raise Forbidden / NotFound; `user` None is an anonymous
caller. Actions take plain values and the caller's session (the caller's unit of work commits).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import DocumentStore, Forbidden, NotFound
from engine.models import Document, utcnow

from ..dates import COPENHAGEN
from ..directory import MUNICIPALITY_CONTACT, Municipality, User, WorkingGroup, token_hash
from ..forms import REQUIRED, TOO_LONG, FormInvalid, load_values
from ..i18n import N_
from ..lanes import is_contact_only, is_secretariat, is_staff, require_secretariat
from ..links import Links
from . import notices
from .forms import SUMMARY_MAX, TITLE_MAX, LateDecisionForm, NotePointForm, PartyForm, ResponseForm
from .models import (
    PROCESS_ID, Hearing, HearingDocument, HearingError, HearingParty, HearingResponse, HearingResponseFile,
    HearingStatus, LateDecision, LateStatus, NotePoint, PartyKind, default_deadline, get_hearing,
    is_past_deadline, material, missing_points, note_points, parties, recount, responses,
)
from .deadlines import DeadlineControls, short_period
from .feeds import HearingFeeds
from .records import (
    comments_by_response, deadline_changes, most_commented, note_document, redactions_by_response, section_counts,
    sections,
)
from .publication import Publication
from .subscriptions import Subscriptions
from .sections import Sections
from .tasks import HearingSteps, register_forms


from .access import in_group, may_see_staff_pages, may_view, require_group, require_staff, require_user  # noqa: F401


@dataclass
class Page:
    """What a page shows (`kind` names the variant: "staff" or "party", "staff" or "municipality") and
    the data for it."""

    kind: str
    view: dict | list
    may_create: bool = False  # the list page: this user may open a new hearing
    extra: dict = field(default_factory=dict)  # the staff list: the most commented section per hearing


class Hearings(HearingFeeds):
    """Hearing services. Take plain values and the caller's session; raise named errors."""

    def __init__(self, engine, documents: DocumentStore, *, links: Links, clock: Callable[[], datetime] = utcnow,
                 search=None, subscription_key: bytes | str | None = None):
        self.engine = engine
        self.documents = documents
        self.links = links
        self.clock = clock
        self.search = search
        self.steps = HearingSteps(links, clock)
        register_forms(clock)
        self.sections = Sections()
        self.deadlines = DeadlineControls(engine, links, clock)
        self.publication = Publication(engine, documents, links, clock)
        self.subscriptions = Subscriptions(links, clock, subscription_key)

    def _today(self) -> date:
        return self.clock().astimezone(COPENHAGEN).date()

    # ------------------------------------------------------------- creation
    def new_form(self, session: Session, user: User | None) -> list[WorkingGroup]:
        """The working groups a new hearing may belong to (the secretariat's "new hearing" page)."""
        require_secretariat(user)
        return list(session.scalars(select(WorkingGroup).order_by(WorkingGroup.name)))

    def create(self, session: Session, user: User | None, *, title: str, summary: str,
               working_group_id: int) -> Hearing:
        """A standalone hearing: its own case, prepared by the secretariat."""
        require_secretariat(user)
        group = session.get(WorkingGroup, working_group_id)
        errors = {}
        if not (title or "").strip():
            errors["title"] = [REQUIRED]
        elif len(title.strip()) > TITLE_MAX:
            errors["title"] = [TOO_LONG]
        if len((summary or "").strip()) > SUMMARY_MAX:
            errors["summary"] = [TOO_LONG]
        if group is None:
            errors["working_group_id"] = [N_("Choose one of the options.")]
        if errors:
            raise FormInvalid(errors)
        hearing = Hearing(title=title.strip()[:TITLE_MAX], summary=(summary or "").strip(), working_group_id=group.id,
                          working_group=group, deadline=default_deadline(self._today()), created_by=user.username,
                          created_at=self.clock())
        session.add(hearing)
        session.flush()
        instance = self.engine.start(session, PROCESS_ID, actor=user.username, title=hearing.title,
                                     scope=group.scope if group else None, data={"hearing_id": hearing.id})
        hearing.case_id = instance.id
        if self.search is not None:  # the start's save ran before the hearing knew its case
            self.search.hearing(session, hearing)
        return hearing

    # ---------------------------------------------------------- preparation
    def _editable(self, hearing: Hearing) -> None:
        if hearing.status != HearingStatus.DRAFT:
            raise HearingError(N_("The hearing is published; its parties and material can no longer change."))

    def _prepared(self, session: Session, user: User | None, hearing_id: int) -> Hearing:
        hearing = get_hearing(session, hearing_id)
        require_secretariat(user)
        self._editable(hearing)
        return hearing

    def add_municipalities(self, session: Session, user: User | None, hearing_id: int,
                           municipality_ids: list[int]) -> int:
        hearing = self._prepared(session, user, hearing_id)
        existing = {p.municipality_id for p in parties(session, hearing_id)}
        added = 0
        for muni in session.scalars(select(Municipality).where(Municipality.id.in_(municipality_ids))):
            if muni.id in existing:
                continue
            session.add(HearingParty(hearing_id=hearing.id, kind=PartyKind.MUNICIPALITY, municipality_id=muni.id,
                                     name=muni.name, email=muni.email))
            added += 1
        recount(session, hearing)
        return added

    def add_external_party(self, session: Session, user: User | None, hearing_id: int, raw: dict) -> HearingParty:
        hearing = self._prepared(session, user, hearing_id)
        values = load_values(PartyForm, raw)
        email = values["email"].lower()
        if session.scalar(select(HearingParty.id).where(HearingParty.hearing_id == hearing_id,
                                                        func.lower(HearingParty.email) == email)):
            raise HearingError(N_("This e-mail address is already a party to the hearing."), "email")
        party = HearingParty(hearing_id=hearing.id, kind=PartyKind.EXTERNAL, name=values["name"], email=email)
        session.add(party)
        recount(session, hearing)
        return party

    def remove_party(self, session: Session, user: User | None, hearing_id: int, party_id: int) -> None:
        hearing = self._prepared(session, user, hearing_id)
        party = session.get(HearingParty, party_id)
        if party is None or party.hearing_id != hearing_id:
            raise NotFound(f"party {party_id}")
        session.delete(party)
        recount(session, hearing)

    def add_document(self, session: Session, user: User | None, hearing_id: int, filename: str, content: bytes,
                     title: str | None = None):
        hearing = self._prepared(session, user, hearing_id)
        version = self.documents.add(session, case_id=hearing.case_id, filename=filename, content=content,
                                     actor=user.username, title=title)
        session.add(HearingDocument(hearing_id=hearing.id, document_id=version.document_id))
        return version

    def material(self, session: Session, hearing_id: int) -> list[Document]:
        return material(session, hearing_id)

    # -------------------------------------------------------------- responses
    def party_for_token(self, session: Session, token: str) -> HearingParty:
        party = session.scalar(select(HearingParty).where(HearingParty.token_hash == token_hash(token or "")))
        if party is None:
            raise NotFound("party link")
        return party

    def party_for_contact(self, session: Session, user: User | None, hearing_id: int) -> HearingParty:
        """The party a municipality contact answers for: their municipality's, once the hearing is published."""
        hearing = get_hearing(session, hearing_id)
        party = None
        if user is not None and user.municipality_id is not None and user.has_role(MUNICIPALITY_CONTACT):
            party = session.scalar(select(HearingParty).where(HearingParty.hearing_id == hearing.id,
                                                              HearingParty.municipality_id == user.municipality_id))
        if party is None:
            raise Forbidden(N_("Your municipality is not a party to this hearing."))
        if hearing.status == HearingStatus.DRAFT:
            raise NotFound(f"hearing {hearing_id}")  # not published: parties do not see it yet
        return party

    def respond(self, session: Session, party: HearingParty, raw: dict, files: list[tuple[str, bytes]],
                actor: str, *, allow_late: bool) -> HearingResponse:
        """Store a response (a new version if the party answered before).

        Before the deadline it replaces the previous one. After the deadline it
        is kept, marked late and waits for the secretariat, when `allow_late`
        (the party link says so plainly); the ordinary form refuses.
        """
        hearing = party.hearing
        if hearing.status == HearingStatus.DRAFT:
            raise HearingError(N_("The hearing has not been published yet."))
        if hearing.status == HearingStatus.CONCLUDED:
            raise HearingError(N_("The hearing is concluded; responses can no longer be given."))
        now = self.clock()
        late = is_past_deadline(hearing, now)
        if late and not allow_late:
            raise HearingError(N_("The hearing deadline has passed; the hearing is closed."))
        values = load_values(ResponseForm, raw)
        comments = self.sections.check_comments(session, hearing, values.get("section_comments"))
        files = [(name, content) for name, content in files if name]
        if not values.get("text") and not files and not comments:
            raise FormInvalid({"text": [N_("Write a response or attach a file.")]})
        previous = session.scalars(select(HearingResponse).where(HearingResponse.party_id == party.id)
                                   .order_by(HearingResponse.version.desc())).all()
        for old in previous:
            if not late:
                old.current = False
            elif old.late_status == LateStatus.PENDING:
                old.late_status = LateStatus.SUPERSEDED  # the newest late answer is the one to decide on
        # A late response becomes current only when the secretariat admits it; until then (and
        # if it is rejected) the party's on-time response stays the one that counts.
        response = HearingResponse(hearing_id=hearing.id, party_id=party.id,
                                   version=(previous[0].version + 1) if previous else 1,
                                   text=values.get("text") or "", submitted_by=actor, late=late, current=not late,
                                   late_status=LateStatus.PENDING if late else None, submitted_at=now)
        session.add(response)
        session.flush()
        self.sections.store_comments(session, response, comments)
        for filename, content in files:
            version = self.documents.add(session, case_id=hearing.case_id, filename=filename, content=content,
                                         actor=actor, title=f"Høringssvar fra {party.name}: {filename}")
            response.files.append(HearingResponseFile(document_id=version.document_id))
        self.engine.audit.append(session, kind="hearing.response", actor=actor, case_id=hearing.case_id,
                                 summary=f"{party.name} v{response.version}" + (" (late)" if late else ""),
                                 detail={"hearing_id": hearing.id, "party_id": party.id, "late": late},
                                 data=response.text)
        recount(session, hearing)
        notices.answer_received(session, party, response, self.links, now)  # issue 13: notifications
        return response

    def respond_as_contact(self, session: Session, user: User | None, hearing_id: int, raw: dict,
                           files: list[tuple[str, bytes]]) -> HearingResponse:
        """A municipality contact answers for their municipality (on time only)."""
        party = self.party_for_contact(session, user, hearing_id)
        return self.respond(session, party, raw, files, user.username, allow_late=False)

    def respond_by_token(self, session: Session, token: str, raw: dict,
                         files: list[tuple[str, bytes]]) -> HearingResponse:
        """A party answers through its personal link (late answers wait for the secretariat)."""
        party = self.party_for_token(session, token)
        return self.respond(session, party, raw, files, f"link:{party.name}", allow_late=True)

    def request_unpublish(self, session: Session, party: HearingParty, unpublish: bool = True) -> None:
        if party.hearing.status == HearingStatus.CONCLUDED and not unpublish:
            raise HearingError(N_("The hearing is concluded."))
        party.unpublish_requested = unpublish
        self.engine.audit.append(session, kind="hearing.unpublish", actor=f"party:{party.id}",
                                 case_id=party.hearing.case_id, summary=party.name,
                                 detail={"hearing_id": party.hearing_id, "unpublish": unpublish})

    def unpublish_by_token(self, session: Session, token: str, unpublish: bool) -> None:
        self.request_unpublish(session, self.party_for_token(session, token), unpublish)

    def decide_late(self, session: Session, user: User | None, response_id: int, raw: dict) -> HearingResponse:
        response = session.get(HearingResponse, response_id)
        if response is None:
            raise NotFound(f"response {response_id}")
        require_secretariat(user)
        if not response.late or response.late_status != LateStatus.PENDING:
            raise HearingError(N_("Only a late response that awaits a decision can be decided."))
        hearing = get_hearing(session, response.hearing_id)
        if hearing.status == HearingStatus.CONCLUDED:
            raise HearingError(N_("The hearing is concluded."))
        values = load_values(LateDecisionForm, raw)
        response.late_status = LateStatus.ADMITTED if values["decision"] == LateDecision.ADMIT else LateStatus.REJECTED
        if response.late_status == LateStatus.ADMITTED:
            for other in session.scalars(select(HearingResponse).where(HearingResponse.party_id == response.party_id)):
                other.current = other.id == response.id
        response.late_reason = values["reason"]
        response.late_decided_by = user.username
        response.late_decided_at = self.clock()
        self.engine.audit.append(session, kind="hearing.late", actor=user.username, case_id=hearing.case_id,
                                 summary=f"{response.party.name}: {response.late_status}",
                                 detail={"response_id": response.id, "decision": str(response.late_status)},
                                 data=values["reason"])
        recount(session, hearing)
        return response

    # ------------------------------------------------------------ the note
    def _note_editable(self, hearing: Hearing) -> None:
        if hearing.status != HearingStatus.CLOSED:
            raise HearingError(N_("The hearing note is written after the deadline, until it is approved."))
        if hearing.note_submitted_at is not None:
            raise HearingError(N_("The hearing note awaits the secretariat's approval; it can change again "
                                  "only if it is returned."))

    def add_point(self, session: Session, user: User | None, hearing_id: int, raw: dict) -> NotePoint:
        hearing = get_hearing(session, hearing_id)
        require_group(user, hearing)
        self._note_editable(hearing)
        values = load_values(NotePointForm, raw)
        response = session.get(HearingResponse, values["response_id"])
        if response is None or response.hearing_id != hearing.id or not response.considered:
            raise HearingError(N_("Choose a response that counts in the hearing note."), "response_id")
        section_id = self.sections.check_point_section(session, hearing, values.get("section_id"))
        point = NotePoint(hearing_id=hearing.id, response_id=response.id, section_id=section_id, point=values["point"],
                          disposition=values["disposition"], reason=values["reason"], created_by=user.username,
                          updated_at=self.clock())
        session.add(point)
        return point

    def delete_point(self, session: Session, user: User | None, hearing_id: int, point_id: int) -> None:
        hearing = get_hearing(session, hearing_id)
        require_group(user, hearing)
        self._note_editable(hearing)
        point = session.get(NotePoint, point_id)
        if point is None or point.hearing_id != hearing_id:
            raise NotFound(f"note point {point_id}")
        session.delete(point)

    # ------------------------------------------------------------- views
    def staff_view(self, session: Session, user: User | None, hearing_id: int) -> dict:
        """The secretariat's and the working group's page of a hearing, with what each may do there."""
        hearing = get_hearing(session, hearing_id)
        if not may_view(user, hearing):
            raise Forbidden(N_("You do not have access to this hearing."))
        party_rows = parties(session, hearing.id)
        current = responses(session, hearing.id)
        answered = {r.party_id for r in current}
        late_waiting_or_rejected = [r for r in responses(session, hearing.id, current_only=False)
                                    if r.late and not r.current]
        taken = {p.municipality_id for p in party_rows}
        draft = hearing.status == HearingStatus.DRAFT
        secretariat, group = is_secretariat(user), in_group(user, hearing)
        return {
            "hearing": hearing, "parties": party_rows, "material": material(session, hearing.id),
            "responses": sorted(current + late_waiting_or_rejected, key=lambda r: r.submitted_at),
            "silent": [p for p in party_rows if p.id not in answered],
            "points": note_points(session, hearing.id), "missing": missing_points(session, hearing.id),
            "municipalities": [m for m in session.scalars(select(Municipality).order_by(Municipality.name))
                               if m.id not in taken] if draft and secretariat else [],
            "is_secretariat": secretariat, "is_group": group,
            # what this user may do on the page (the template shows the forms for these only)
            "may_prepare": draft and secretariat,
            "may_decide_late": secretariat and hearing.status != HearingStatus.CONCLUDED,
            "may_edit_note": group and hearing.status == HearingStatus.CLOSED and not hearing.note_submitted_at,
            "considered": [r for r in current if r.considered],
            # issue 16: sections, comments, redactions, deadline controls
            "sections": section_counts(session, hearing.id),
            "section_labels": {sec.id: sec.label for sec in sections(session, hearing.id)},
            "comments": comments_by_response(session, hearing.id),
            "redactions": redactions_by_response(session, hearing.id),
            "deadline_changes": deadline_changes(session, hearing.id),
            "short_period": hearing.published_at is not None and short_period(
                hearing.published_at.astimezone(COPENHAGEN).date(), hearing.deadline),
            "may_control": secretariat and hearing.status == HearingStatus.OPEN,
            "may_redact": secretariat and hearing.status == HearingStatus.CLOSED,
            "may_download_note": hearing.status != HearingStatus.DRAFT,  # a draft note while it is open
            "may_edit_sections": draft and secretariat,
        }

    def party_view(self, session: Session, party: HearingParty) -> dict:
        """What a party sees through its link: the hearing, the material, its own responses only."""
        hearing = party.hearing
        own = list(session.scalars(select(HearingResponse).where(HearingResponse.party_id == party.id)
                                   .order_by(HearingResponse.version.desc())))
        return {"hearing": hearing, "party": party, "material": material(session, hearing.id), "own": own,
                "sections": sections(session, hearing.id), "comments": comments_by_response(session, hearing.id),
                "past_deadline": is_past_deadline(hearing, self.clock()),
                "concluded": hearing.status == HearingStatus.CONCLUDED}

    def hearing_page(self, session: Session, user: User | None, hearing_id: int) -> Page:
        """/hoeringer/<id>: a municipality contact sees their municipality's answer page ("party"),
        staff and the working group the hearing's own page ("staff")."""
        require_user(user)
        if is_contact_only(user):
            return Page("party", self.party_view(session, self.party_for_contact(session, user, hearing_id)))
        return Page("staff", self.staff_view(session, user, hearing_id))

    def token_view(self, session: Session, token: str) -> dict:
        return self.party_view(session, self.party_for_token(session, token))

    def contact_view(self, session: Session, user: User | None, hearing_id: int) -> dict:
        return self.party_view(session, self.party_for_contact(session, user, hearing_id))

    def public_view(self, session: Session, hearing_id: int) -> dict:
        hearing = get_hearing(session, hearing_id)
        if not hearing.is_public:
            raise NotFound(f"hearing {hearing_id}")
        view = {"hearing": hearing, "material": material(session, hearing.id),
                "parties": parties(session, hearing.id), "responses": [], "points": []}
        if hearing.status == HearingStatus.CONCLUDED:
            view["responses"] = [r for r in responses(session, hearing.id)
                                 if r.considered and not r.party.unpublish_requested]
            view["points"] = self.publication.public_points(session, hearing)
        return view | self._public_extras(session, hearing, view["responses"])

    def _public_extras(self, session: Session, hearing: Hearing, published: list) -> dict:
        """Issue 16: the sections, the deadline changes, and once concluded the redacted texts, the section
        comments, "you said, we did" and the frozen note."""
        extras = {"sections": sections(session, hearing.id), "deadline_changes": deadline_changes(session, hearing.id),
                  "texts": {}, "comments": {}, "outcome": [], "note": None}
        if hearing.status == HearingStatus.CONCLUDED:
            extras.update(texts=self.publication.published_texts(session, hearing.id, published),
                          comments=self.publication.published_comments(session, hearing.id, published),
                          outcome=self.publication.outcome(session, hearing), note=note_document(session, hearing.id))
        return extras

    def public_document(self, session: Session, hearing_id: int, document_id: int):
        """A document anyone may download: material of a published hearing, or a published response's file."""
        view = self.public_view(session, hearing_id)
        allowed = {d.id for d in view["material"]}
        if view["note"] is not None:
            allowed.update((view["note"].docx_document_id, view["note"].pdf_document_id))
        for response in view["responses"]:
            allowed.update(f.document_id for f in response.files)
        if document_id not in allowed:
            raise NotFound(f"document {document_id}")
        return self.documents.get_version(session, document_id)

    def party_document(self, session: Session, party: HearingParty, document_id: int):
        view = self.party_view(session, party)
        allowed = {d.id for d in view["material"]}
        for response in view["own"]:
            allowed.update(f.document_id for f in response.files)
        if document_id not in allowed:
            raise NotFound(f"document {document_id}")
        return self.documents.get_version(session, document_id)

    def token_document(self, session: Session, token: str, document_id: int):
        return self.party_document(session, self.party_for_token(session, token), document_id)

    # ------------------------------------------------------------- lists
    def dashboard(self, session: Session, user: User | None, sort: str = "deadline") -> list[Hearing]:
        require_staff(user)
        scope = select(Hearing).where(Hearing.status != HearingStatus.CONCLUDED.value)
        if not is_staff(user):
            scope = scope.where(Hearing.working_group_id.in_(user.group_ids))
        order = {"deadline": (Hearing.deadline_at.is_(None), Hearing.deadline_at),
                 "title": (Hearing.title,),
                 "responses": (Hearing.answered_count.desc(),),
                 "late": (Hearing.late_pending_count.desc(), Hearing.deadline_at)}.get(sort)
        if order is None:
            order = (Hearing.deadline_at.is_(None), Hearing.deadline_at)
        return list(session.scalars(scope.order_by(*order, Hearing.id)))

    def for_municipality(self, session: Session, user: User | None) -> list[tuple[Hearing, HearingParty]]:
        """The published hearings the user's municipality is a party to (none without a municipality)."""
        municipality_id = require_user(user).municipality_id
        if municipality_id is None:
            return []
        rows = session.execute(
            select(Hearing, HearingParty).join(HearingParty, HearingParty.hearing_id == Hearing.id)
            .where(HearingParty.municipality_id == municipality_id, Hearing.status != HearingStatus.DRAFT.value)
            .order_by(Hearing.deadline_at.desc()))
        return [(h, p) for h, p in rows]

    def overview(self, session: Session, user: User | None, sort: str = "deadline") -> Page:
        """/hoeringer: a municipality contact's hearings ("municipality"), or the staff dashboard ("staff")."""
        require_user(user)
        if is_contact_only(user):
            return Page("municipality", self.for_municipality(session, user))
        rows = self.dashboard(session, user, sort)
        return Page("staff", rows, may_create=is_secretariat(user),
                    extra={"top_sections": most_commented(session, [h.id for h in rows])})

    def listing(self, session: Session, user: User | None) -> list[Hearing]:
        """The hearings of the API's list: the municipality's for a contact, the open ones for staff."""
        page = self.overview(session, user)
        return [h for h, _party in page.view] if page.kind == "municipality" else page.view

    def public(self, session: Session) -> list[Hearing]:
        return list(session.scalars(select(Hearing).where(Hearing.status != HearingStatus.DRAFT.value)
                                    .order_by(Hearing.deadline_at.desc())))

    def waiting_for(self, session: Session, user: User | None) -> list:  # issue 13: the inbox
        return notices.waiting_for(session, user, self.links, self.clock())

    # --------------------------------------------------- service-task code
    def service_handlers(self) -> dict:
        """The steps' handlers; publishing a hearing or its note also mails the subscribers, and the approved
        note is frozen as document versions first."""
        handlers = self.steps.service_handlers()
        publish, publish_note = handlers["hearing.publish"], handlers["hearing.publish_note"]

        def publish_and_tell(params, task_data):
            result = publish(params, task_data)
            session, hearing = self.steps._context(params)
            self.subscriptions.notify(session, hearing, "hearing")
            return result

        def freeze_publish_and_tell(params, task_data):
            session, hearing = self.steps._context(params)
            self.publication.freeze(session, hearing.id, "system")
            result = publish_note(params, task_data)
            self.subscriptions.notify(session, hearing, "note")
            return result

        return {**handlers, "hearing.publish": publish_and_tell, "hearing.publish_note": freeze_publish_and_tell}
