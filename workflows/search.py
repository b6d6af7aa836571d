"""One search over cases, documents, principles, hearings, hearing responses, council meetings and
network rounds.

Each record is one entry of the engine's search index, with the visibility
that the record's own pages apply:

- ``public``: anyone (the principle catalogue, published hearings and meetings,
  the material of published hearings and meetings);
- ``secretariat``: the secretariat and administrators (a network round being planned);
- ``internal``: the secretariat, the council, administrators and working-group
  members (meetings before their agenda is published, as `Council.meeting_view`);
- ``staff``: the secretariat, the council and administrators (a case without a scope);
- ``scope:<scope>``: those, and the members of the working group the case
  belongs to (`lanes.may_view_case`); a draft hearing is its group's too, and so is a
  hearing response until it is published (the hearing concluded, the response
  considered, its party not declining publication: `Hearings.public_view`).

Entries are written in the transaction of the change: cases and everything
attached to them after each save of the case (engine hook), documents when a
version is stored (document store hook), network rounds (their meetings and
programmes) and hearing responses after each flush that changes them (a session
listener, `watch`), the rest where the services change it.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from itertools import chain

from marshmallow import fields as ma_fields
from marshmallow import validate
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from engine import Audience, DocumentStore, SearchHit, SearchIndex
from engine.models import Case, Document, DocumentVersion

from . import lanes
from .directory import User
from .forms import FormSchema, choice, load_values, text
from .i18n import N_

PUBLIC, INTERNAL, STAFF, SECRETARIAT = "public", "internal", "staff", "secretariat"

KINDS = [("case", N_("Cases")), ("document", N_("Documents")), ("principle", N_("Principles")),
         ("rule", N_("Architecture rules")), ("hearing", N_("Hearings")), ("response", N_("Hearing responses")),
         ("meeting", N_("Council meetings")),
         ("round", N_("Network rounds")), ("review", N_("Architecture reviews")), ("project", N_("Projects"))]
PAGE_SIZE = 20
MAX_QUERY = 200
MAX_PAGE = 500


def scope_visibility(scope: str | None) -> str:
    return f"scope:{scope}" if scope else STAFF


def audience(user: User | None) -> Audience:
    """The visibility values a user sees: exactly what the records' pages let them open."""
    if user is None or not getattr(user, "is_authenticated", True):
        return Audience.of({PUBLIC})
    if user.has_role(*lanes.SEES_ALL_CASES):
        return Audience.all(hidden=() if user.has_role(*lanes.PROCESS_STAFF) else {SECRETARIAT})
    values = {PUBLIC} | {scope_visibility(s) for s in lanes.my_scopes(user)}
    if user.group_ids:
        values.add(INTERNAL)
    return Audience.of(values)


class SearchForm(FormSchema):
    """The search box; the same schema checks the page's and the API's query."""

    q = text(N_("Search"), max_length=MAX_QUERY)
    type = choice(N_("Show"), KINDS, required=False)
    page = ma_fields.Integer(load_default=1, strict=False,
                             validate=validate.Range(min=1, max=MAX_PAGE, error=N_("The number is out of range.")),
                             error_messages={"invalid": N_("Enter a whole number.")},
                             metadata={"label": N_("Page"), "widget": "number"})


@dataclass
class SearchPage:
    query: str
    kind: str | None
    page: int
    page_size: int
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # hits per kind, whatever kind is shown

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def all_total(self) -> int:
        return sum(self.counts.values())


class Search:
    def __init__(self, index: SearchIndex, documents: DocumentStore | None = None):
        self.index = index
        self.documents = documents

    # ------------------------------------------------------------- reading
    def search(self, session: Session, user: User | None, raw: dict, page_size: int = PAGE_SIZE) -> SearchPage:
        """Validate the query (FormInvalid with errors per field) and return one page of hits."""
        values = load_values(SearchForm, raw)
        result = SearchPage(query=values.get("q") or "", kind=values.get("type"), page=values["page"],
                            page_size=page_size)
        result.hits, result.total, result.counts = self.find(session, user, result.query, result.kind,
                                                             limit=page_size, offset=(result.page - 1) * page_size)
        return result

    def find(self, session: Session, user: User | None, query: str, kind: str | None = None, *,
             limit: int = PAGE_SIZE, offset: int = 0) -> tuple[list[SearchHit], int, dict[str, int]]:
        """Hits the user may see (of one kind, or all), their number, and the number per kind."""
        if not (query or "").strip():
            return [], 0, {}
        who = audience(user)
        counts = self.index.counts(session, query, visibility_filter=who)
        hits, total = self.index.query(session, query, visibility_filter=who, kinds=[kind] if kind else None,
                                       limit=limit, offset=offset, counts=counts)
        return hits, total, counts

    # ------------------------------------------------------------- writing
    def case(self, session: Session, case: Case, record=None, *, find_record: bool = True) -> None:
        """Index a case; its proposal is `record`, or looked up unless `find_record` is False (none)."""
        from .proposal import proposal_for_case

        body = [case.process_version.name if case.process_version else case.process_id]
        if record is None and find_record:
            record = proposal_for_case(session, case.id)
        if record is not None:
            body += [record.summary, record.statement, record.rationale, record.implications]
        self.index.put(session, "case", case.id, case.title, "\n".join(b for b in body if b),
                       ref={"case_id": case.id, "status": case.status, "process_id": case.process_id},
                       visibility=scope_visibility(case.scope))

    def case_records(self, session: Session, case: Case) -> None:
        """A case and the records that live in it (engine hook: after every save)."""
        from . import council, hearing as hearing_family, proposal
        from .council import Meeting
        from .hearing import Hearing
        from .proposal import proposal_for_case

        record = proposal_for_case(session, case.id) if case.process_id == proposal.PROCESS_ID else None
        self.case(session, case, record, find_record=False)
        if case.process_id in (proposal.PROCESS_ID, hearing_family.PROCESS_ID):
            for hearing in session.scalars(select(Hearing).where(Hearing.case_id == case.id)):
                self.hearing(session, hearing)
        if case.process_id == council.PROCESS_ID:
            for meeting in session.scalars(select(Meeting).where(Meeting.case_id == case.id)):
                self.meeting(session, meeting)
        if record is not None:  # issue 14: the catalogue's entries the proposal changed
            from .catalogue.search import index_for_proposal

            index_for_proposal(self, session, record)

    def hearing(self, session: Session, hearing) -> None:
        body = [hearing.summary]
        if hearing.status == "concluded":
            body.append(hearing.note_summary)
        visibility = PUBLIC if hearing.is_public else scope_visibility(hearing.scope)
        before = self._visibility(session, "hearing", hearing.id)
        self.index.put(session, "hearing", hearing.id, hearing.title, "\n".join(b for b in body if b),
                       ref={"hearing_id": hearing.id, "status": hearing.status}, visibility=visibility)
        if before == visibility:
            return  # its material's visibility follows the hearing's: unchanged too
        from .hearing import HearingDocument

        for document_id in session.scalars(select(HearingDocument.document_id)
                                           .where(HearingDocument.hearing_id == hearing.id)):
            self.retag_document(session, document_id)

    def meeting(self, session: Session, meeting, retag_material: bool = False) -> None:
        from .council import items

        rows = items(session, meeting.id)
        body = [meeting.place]
        for item in rows:
            if item.hidden_publicly:  # issue 15: a closed item is never in the meeting's (public) entry
                continue
            body += [item.title, item.description]
            if meeting.minutes_published_at is not None:
                body.append(item.minutes)
        if meeting.minutes_published_at is not None:
            body.append(meeting.minutes_summary)
        visibility = PUBLIC if meeting.is_public else INTERNAL
        before = self._visibility(session, "meeting", meeting.id)
        self.index.put(session, "meeting", meeting.id, meeting.title, "\n".join(b for b in body if b),
                       ref={"meeting_id": meeting.id, "status": meeting.status,
                            "starts_at": meeting.starts_at.isoformat()}, visibility=visibility)
        if before == visibility and not retag_material:
            return
        for item in rows:
            for link in item.documents:
                self.retag_document(session, link.document_id)

    def round(self, session: Session, row) -> None:
        """A network round with its regional meetings (region, venue, address) and their programmes
        (titles, speakers, organisations); found by everyone once published, by the secretariat before."""
        from .network import ProgrammeItem, RegionalMeeting

        meetings = list(session.scalars(select(RegionalMeeting).where(RegionalMeeting.round_id == row.id)
                                        .order_by(RegionalMeeting.day, RegionalMeeting.id)))
        programme = list(session.scalars(select(ProgrammeItem)
                                         .where(ProgrammeItem.meeting_id.in_([m.id for m in meetings]))
                                         .order_by(ProgrammeItem.meeting_id, ProgrammeItem.position,
                                                   ProgrammeItem.id))) if meetings else []
        body = [row.network.name if row.network else ""]
        for meeting in meetings:
            body += [meeting.region, meeting.venue, meeting.address]
            body += [part for item in programme if item.meeting_id == meeting.id
                     for part in (item.title, item.speaker, item.organisation)]
        visibility = SECRETARIAT if row.status == "draft" else PUBLIC
        self.index.put(session, "round", row.id, row.theme, "\n".join(b for b in body if b),
                       ref={"round_id": row.id, "status": row.status}, visibility=visibility)

    def response(self, session: Session, response) -> None:
        """A hearing response: public as on the hearing's public page, else its group's and staff's (the
        staff page lists current and late responses; a superseded version is not indexed)."""
        from .hearing import Hearing, HearingParty

        if not (response.current or response.late):
            self.index.remove(session, "response", response.id)
            return
        hearing = session.get(Hearing, response.hearing_id)
        party = session.get(HearingParty, response.party_id)
        if hearing is None or party is None:
            return
        public = hearing.status == "concluded" and response.considered and not party.unpublish_requested
        from .hearing.records import response_texts  # published: the redacted texts only

        files = [f.document.title for f in response.files if f.document is not None]
        self.index.put(session, "response", response.id, f"{party.name} – {hearing.title}",
                       "\n".join(b for b in [*response_texts(session, response, public), *files] if b),
                       ref={"hearing_id": hearing.id, "response_id": response.id},
                       visibility=PUBLIC if public else scope_visibility(hearing.scope))

    # ------------------------------------------------------ flush listener
    def watch(self, session_factory) -> None:
        """Index the rounds and responses that a flush changes, on every session bound to the engine of
        `session_factory` (the web's and the worker's sessions alike)."""
        probe = session_factory()
        if not isinstance(probe, Session):  # a build without a database (checking process files): no index
            return
        with probe:
            bind = probe.get_bind()
        _WATCHING[getattr(bind, "engine", bind)] = self
        if not event.contains(Session, "after_flush", _after_flush):
            event.listen(Session, "after_flush", _after_flush)
            event.listen(Session, "after_flush_postexec", _after_flush_postexec)

    def changes(self, session: Session) -> dict[str, set]:
        """In a flush (its rows written, its lists not yet cleared): what the flush changes for the index."""
        from .hearing import Hearing, HearingParty, HearingResponse
        from .network import ProgrammeItem, RegionalMeeting, Round

        found: dict[str, set] = {"rounds": set(), "meetings": set(), "responses": set(), "hearings": set(),
                                 "parties": set()}
        for obj in chain(session.new, session.dirty, session.deleted):
            if isinstance(obj, Round):
                found["rounds"].add(obj.id)
            elif isinstance(obj, RegionalMeeting):
                found["rounds"].add(obj.round_id)
            elif isinstance(obj, ProgrammeItem):
                found["meetings"].add(obj.meeting_id)
            elif isinstance(obj, HearingResponse):
                found["responses"].add(obj.id)
            elif isinstance(obj, Hearing) and obj not in session.new and _changed(obj, "status", "title"):
                found["hearings"].add(obj.id)
            elif isinstance(obj, HearingParty) and _changed(obj, "unpublish_requested", "name"):
                found["parties"].add(obj.id)
        return found

    def follow(self, session: Session, changed: dict[str, set]) -> None:
        """After a flush: re-index the rounds and responses it changed (or remove their entries)."""
        from .hearing import HearingResponse
        from .network import RegionalMeeting, Round

        rounds = set(changed["rounds"])
        if changed["meetings"]:
            rounds |= set(session.scalars(select(RegionalMeeting.round_id)
                                          .where(RegionalMeeting.id.in_(changed["meetings"]))))
        for round_id in sorted(r for r in rounds if r is not None):
            row = session.get(Round, round_id)
            if row is None:
                self.index.remove(session, "round", round_id)
            else:
                self.round(session, row)
        responses = set(changed["responses"])
        if changed["hearings"] or changed["parties"]:
            responses |= set(session.scalars(select(HearingResponse.id).where(
                HearingResponse.hearing_id.in_(changed["hearings"])
                | HearingResponse.party_id.in_(changed["parties"]))))
        for response_id in sorted(r for r in responses if r is not None):
            response = session.get(HearingResponse, response_id)
            if response is None:
                self.index.remove(session, "response", response_id)
            else:
                self.response(session, response)

    def _visibility(self, session: Session, kind: str, key) -> str | None:
        return self.index.visibility(session, kind, key)

    def principle(self, session: Session, principle) -> None:
        body = "\n".join(b for b in (principle.statement, principle.rationale, principle.implications) if b)
        self.index.put(session, "principle", principle.key, principle.name, body,
                       ref={"key": principle.key, "version": principle.version}, visibility=PUBLIC)

    def document(self, session: Session, document: Document, version: DocumentVersion, text_: str) -> None:
        """Document store hook: a new version's text replaces the document's entry."""
        visibility, ref = self._document_target(session, document)
        ref.update(version=version.number, filename=version.filename)
        self.index.put(session, "document", document.id, document.title, f"{version.filename}\n{text_}",
                       ref=ref, visibility=visibility)

    def retag_document(self, session: Session, document_id: int) -> None:
        """The document's visibility again (its hearing or meeting was published), its text unchanged."""
        document = session.get(Document, document_id)
        if document is None:
            return
        before = self.index.ref(session, "document", document_id)
        if before is None:
            return
        visibility, ref = self._document_target(session, document)
        ref.update({k: v for k, v in before.items() if k in ("version", "filename")})
        self.index.retag(session, "document", document_id, visibility=visibility, ref=ref)

    def _document_target(self, session: Session, document: Document) -> tuple[str, dict]:
        """Who may open a document, and the page that serves it to them."""
        from .council import AgendaItem, AgendaItemDocument
        from .hearing import Hearing, HearingDocument

        hearing = session.scalar(select(Hearing).join(HearingDocument, HearingDocument.hearing_id == Hearing.id)
                                 .where(HearingDocument.document_id == document.id).limit(1))
        if hearing is not None and hearing.is_public:
            return PUBLIC, {"document_id": document.id, "hearing_id": hearing.id}
        item = session.scalar(select(AgendaItem).join(AgendaItemDocument, AgendaItemDocument.item_id == AgendaItem.id)
                              .where(AgendaItemDocument.document_id == document.id,
                                     AgendaItem.removed.is_(False)).limit(1))
        if item is not None and item.hidden_publicly:  # issue 15: a closed item's material is staff's only
            return STAFF, {"document_id": document.id, "meeting_id": item.meeting_id}
        if item is not None and item.meeting.is_public:
            return PUBLIC, {"document_id": document.id, "meeting_id": item.meeting_id}
        case = session.get(Case, document.case_id) if document.case_id is not None else None
        return scope_visibility(case.scope if case else None), {"document_id": document.id,
                                                                "case_id": document.case_id}

    # ------------------------------------------------------------ rebuild
    def reindex(self, session: Session) -> dict[str, int]:
        """Empty the index and index every record again (documents: their current version's text)."""
        from .council import Meeting
        from .hearing import Hearing, HearingResponse
        from .network import Round
        from .catalogue.search import reindex_catalogue

        self.index.clear(session)
        counts = dict.fromkeys((k for k, _ in KINDS), 0)
        for case in session.scalars(select(Case).order_by(Case.id)):
            self.case(session, case)
            counts["case"] += 1
        for hearing in session.scalars(select(Hearing).order_by(Hearing.id)):
            self.hearing(session, hearing)
            counts["hearing"] += 1
        for meeting in session.scalars(select(Meeting).order_by(Meeting.id)):
            self.meeting(session, meeting)
            counts["meeting"] += 1
        for row in session.scalars(select(Round).order_by(Round.id)):
            self.round(session, row)
            counts["round"] += 1
        for response in session.scalars(select(HearingResponse).where(HearingResponse.current | HearingResponse.late)
                                        .order_by(HearingResponse.id)):
            self.response(session, response)
            counts["response"] += 1
        for kind, n in reindex_catalogue(self, session).items():
            counts[kind] = counts.get(kind, 0) + n
        from .architecture_review.search import reindex_reviews  # issue 14

        counts.update(reindex_reviews(self, session))
        for document in session.scalars(select(Document).order_by(Document.id)):
            version = document.current
            if version is None:
                continue
            text_ = self.documents.text_of(session, version) if self.documents else ""
            self.document(session, document, version, text_)
            counts["document"] += 1
        self.index.mark_built(session)
        return counts


_WATCHING: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> Search


def _changed(obj, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _watcher(session: Session):
    try:
        bind = session.get_bind()
    except Exception:  # noqa: BLE001  (an unbound session raises one of several errors: nothing of ours)
        return None
    return _WATCHING.get(getattr(bind, "engine", bind))


_PENDING = "byplan.search.changes"


def _after_flush(session: Session, _flush_context) -> None:
    """Note what changed while the flush's lists are still there; the work waits for postexec, when the
    identity map holds the flushed rows (loading them earlier would put a second copy there)."""
    search = _watcher(session)
    if search is not None:
        changed = search.changes(session)
        if any(changed.values()):
            session.info[_PENDING] = changed


def _after_flush_postexec(session: Session, _flush_context) -> None:
    changed = session.info.pop(_PENDING, None)
    search = _watcher(session) if changed else None
    if search is not None:
        search.follow(session, changed)


__all__ = ["INTERNAL", "KINDS", "PUBLIC", "SECRETARIAT", "STAFF", "Search", "SearchForm", "SearchPage", "audience",
           "scope_visibility"]
