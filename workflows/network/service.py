"""The network family's service: planning rounds, registrations on purchased seats with a waiting list,
materials, evaluations, and the views of them, each returning only what the user may see."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import Forbidden, NotFound
from engine.models import utcnow

from .. import lanes
from ..dates import COPENHAGEN, end_of_day
from ..directory import MUNICIPALITY_CONTACT, User, token_hash
from ..forms import load_values
from ..i18n import N_
from ..inbox import WaitingItem
from ..lanes import require_secretariat
from ..links import Links
from . import calendar, mail
from .forms import EvaluationForm, MeetingForm, ProgrammeForm, RegistrationForm, RoundForm, invalid
from .models import (
    PROCESS_ID, Evaluation, MeetingDocument, Network, NetworkError, NetworkMembership, ProgrammeItem,
    RegionalMeeting, Registration, RegistrationStatus, Round, RoundStatus, get_meeting, get_round, meetings,
    promote_waiting, registered_count, registrations, seat_usage, seats_for, seats_sold,
)
from .tasks import RoundTasks


class Networks:
    """The network family's service: every read returns only what the user may see, every action checks
    who may do it (the named checks of workflows.lanes)."""

    def __init__(self, engine, documents, links: Links, clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.documents = documents
        self.links = links
        self.clock = clock
        self.tasks = RoundTasks(links, clock, self.evaluation_summary)

    def service_handlers(self) -> dict:
        return self.tasks.handlers()

    # ------------------------------------------------------------ access
    @staticmethod
    def _sees_drafts(user: User | None) -> bool:
        """Rounds being planned are the secretariat's (and administrators'); nobody else sees them."""
        return lanes.is_process_staff(user)

    def _visible_round(self, session: Session, user: User | None, round_id: int) -> Round:
        row = get_round(session, round_id)
        if row.status == RoundStatus.DRAFT and not self._sees_drafts(user):
            raise NotFound(f"round {round_id}")
        return row

    # ------------------------------------------------------------- reads
    def networks(self, session: Session) -> list[Network]:
        return list(session.scalars(select(Network).order_by(Network.name)))

    def rounds(self, session: Session, user: User | None = None) -> list[Round]:
        """The rounds this user may see, newest first (drafts only for the secretariat)."""
        query = select(Round)
        if not self._sees_drafts(user):
            query = query.where(Round.status != RoundStatus.DRAFT)
        return list(session.scalars(query.order_by(Round.created_at.desc())))

    def index_view(self, session: Session, user: User) -> dict:
        """The network start page: the rounds, and a contact's own registrations."""
        mine = (self.my_registrations(session, user)
                if user.has_role(MUNICIPALITY_CONTACT) and user.municipality_id else [])
        return {"rounds": self.rounds(session, user), "mine": mine, "may_plan": lanes.is_secretariat(user)}

    def round_form(self, session: Session, user: User) -> list[Network]:
        """The networks a new round can be planned for (the secretariat only)."""
        require_secretariat(user)
        return self.networks(session)

    def material(self, session: Session, user: User | None, meeting_id: int, document_id: int):
        """A meeting's material (for logged-in users), only of a round this user may see."""
        if user is None:
            raise Forbidden(N_("Log in to see the meeting's material."))
        meeting = get_meeting(session, meeting_id)
        self._visible_round(session, user, meeting.round_id)
        if document_id not in {d.document_id for d in meeting.documents}:
            raise NotFound(f"document {document_id}")
        return self.documents.get_version(session, document_id)

    def public_calendar(self, session: Session) -> bytes:
        """The iCalendar feed of the published rounds' meetings."""
        return calendar.meetings_feed([m for row in self.rounds(session, None) for m in meetings(session, row.id)],
                                      self.links)

    def registration_place(self, session: Session, registration_id: int) -> tuple[int, int]:
        """(round id, meeting id) of a registration, for sending the user back to the right page."""
        reg = session.get(Registration, registration_id)
        if reg is None:
            raise NotFound(f"registration {registration_id}")
        return reg.meeting.round_id, reg.meeting_id

    # --------------------------------------------------------- planning
    def create_round(self, session: Session, user: User, network_id: int, raw: dict) -> Round:
        require_secretariat(user)
        network = session.get(Network, network_id)
        if network is None:
            raise invalid("network_id", N_("Choose one of the options."))
        values = load_values(RoundForm, raw)
        row = Round(network_id=network.id, network=network, theme=values["theme"], format=values["format"],
                    registration_deadline=values["registration_deadline"], created_by=user.username)
        session.add(row)
        session.flush()
        instance = self.engine.start(session, PROCESS_ID, actor=user.username, title=row.theme,
                                     data={"round_id": row.id})
        row.case_id = instance.id
        return row

    def add_meeting(self, session: Session, user: User, round_id: int, raw: dict) -> RegionalMeeting:
        require_secretariat(user)
        row = get_round(session, round_id)
        if row.status != RoundStatus.DRAFT:
            raise NetworkError(N_("The round is published; its meetings are fixed."))
        values = load_values(MeetingForm, raw)
        if values["day"] <= row.registration_deadline:
            raise invalid("day", N_("The meeting must be after the registration deadline."))
        meeting = RegionalMeeting(round_id=row.id, round=row, **values)
        session.add(meeting)
        session.flush()
        return meeting

    def add_programme_item(self, session: Session, user: User, meeting_id: int, raw: dict) -> ProgrammeItem:
        require_secretariat(user)
        meeting = get_meeting(session, meeting_id)
        values = load_values(ProgrammeForm, raw)
        item = ProgrammeItem(meeting_id=meeting.id, position=len(meeting.programme) + 1, **values)
        meeting.programme.append(item)
        return item

    def confirm_meeting(self, session: Session, user: User, meeting_id: int) -> RegionalMeeting:
        require_secretariat(user)
        meeting = get_meeting(session, meeting_id)
        meeting.confirmed = True
        return meeting

    def capacity_warnings(self, session: Session, round_id: int) -> list[tuple[RegionalMeeting, int]]:
        """Meetings whose venue holds fewer than the seats the municipalities have bought."""
        return [(m, sold) for m in meetings(session, round_id)
                if (sold := seats_sold(session, m)) > m.capacity]

    def capacity_warning(self, session: Session, round_id: int) -> dict | None:
        """The round's one over-booking warning: the seats bought per meeting and the venues that hold fewer
        (the seats are bought per network, so every short venue is short by the same count: one message)."""
        short = self.capacity_warnings(session, round_id)
        if not short:
            return None
        return {"sold": short[0][1], "venues": ", ".join(f"{m.region} ({m.capacity})" for m, _sold in short)}

    def add_material(self, session: Session, user: User, meeting_id: int, filename: str, content: bytes):
        require_secretariat(user)
        meeting = get_meeting(session, meeting_id)
        version = self.documents.add(session, case_id=meeting.round.case_id, filename=filename, content=content,
                                     actor=user.username)
        meeting.documents.append(MeetingDocument(document_id=version.document_id))
        return version

    # ------------------------------------------------------ registration
    def _contact_municipality(self, user: User) -> int:
        if not user.has_role(MUNICIPALITY_CONTACT) or user.municipality_id is None:
            raise Forbidden(N_("Only a municipality contact registers colleagues."))
        return user.municipality_id

    def register(self, session: Session, user: User, meeting_id: int, raw: dict,
                 municipality_id: int | None = None) -> Registration:
        """Register a colleague on the municipality's seats; beyond them, or beyond the venue, on the waiting list."""
        own = self._contact_municipality(user)
        if municipality_id is not None and municipality_id != own:
            raise Forbidden(N_("You can only register colleagues from your own municipality."))
        meeting = get_meeting(session, lock_meeting(session, meeting_id))
        if meeting.round.status != RoundStatus.OPEN or self.clock() > end_of_day(meeting.round.registration_deadline):
            raise NetworkError(N_("Registration is closed for this meeting."))
        if seats_for(session, meeting, own) == 0:
            raise Forbidden(N_("Your municipality has no seats in this network."))
        values = load_values(RegistrationForm, raw)
        email = values["email"].lower()
        if session.scalar(select(Registration.id).where(Registration.meeting_id == meeting.id,
                                                        func.lower(Registration.email) == email,
                                                        Registration.status != RegistrationStatus.CANCELLED)):
            raise invalid("email", N_("This person is already registered for the meeting."))
        reg = Registration(meeting_id=meeting.id, municipality_id=own, name=values["name"], email=email,
                           job_title=values.get("job_title") or "", created_by=user.username)
        full = (registered_count(session, meeting.id, own) >= seats_for(session, meeting, own)
                or registered_count(session, meeting.id) >= meeting.capacity)
        reg.status = RegistrationStatus.WAITING if full else RegistrationStatus.REGISTERED
        reg.waiting_since = self.clock() if full else None
        session.add(reg)
        session.flush()
        if not full:
            self._registration_mail(session, reg, moved_up=False)  # issue 13: notifications
        return reg

    def cancel_view(self, session: Session, user: User, registration_id: int) -> Registration:
        """The registration a contact is about to cancel (the confirmation step), checked as the cancel is."""
        return self._own_registration(session, user, registration_id)

    def cancel(self, session: Session, user: User, registration_id: int) -> list[Registration]:
        """Cancel a registration; returns the waiting registrations that moved up into the freed place."""
        reg = self._own_registration(session, user, registration_id)
        lock_meeting(session, reg.meeting_id)
        reg.status = RegistrationStatus.CANCELLED
        reg.waiting_since = None
        session.flush()
        promoted = promote_waiting(session, reg.meeting)
        for moved in promoted:
            self._registration_mail(session, moved, moved_up=True)  # issue 13: notifications
        return promoted

    def swap(self, session: Session, user: User, registration_id: int, raw: dict) -> Registration:
        """'Kom som du er': another colleague takes the seat, until the deadline."""
        reg = self._own_registration(session, user, registration_id)
        values = load_values(RegistrationForm, raw)
        email = values["email"].lower()
        if email != reg.email and session.scalar(select(Registration.id).where(
                Registration.meeting_id == reg.meeting_id, func.lower(Registration.email) == email,
                Registration.status != RegistrationStatus.CANCELLED)):
            raise invalid("email", N_("This person is already registered for the meeting."))
        reg.name, reg.email, reg.job_title = values["name"], email, values.get("job_title") or ""
        return reg

    # ---------------------------------------------- notifications (issue 13)
    def waiting_for(self, session: Session, user: User | None) -> list[WaitingItem]:
        """For a municipality contact: the rounds open for registration on the municipality's seats, until
        their deadline (one query over the rounds and memberships)."""
        if user is None or not user.has_role(MUNICIPALITY_CONTACT) or user.municipality_id is None:
            return []
        today = self.clock().astimezone(COPENHAGEN).date()
        rows = session.execute(
            select(Round.id, Round.theme, Round.registration_deadline)
            .join(NetworkMembership, NetworkMembership.network_id == Round.network_id)
            .where(NetworkMembership.municipality_id == user.municipality_id, Round.status == RoundStatus.OPEN,
                   Round.registration_deadline >= today, NetworkMembership.seats_per_meeting > 0)
            .order_by(Round.registration_deadline, Round.id)).all()
        return [WaitingItem(kind="network.registration", title=theme, due=deadline,
                            url=self.links("network.round", round_id=round_id),
                            status=N_("Open for registration on your municipality's seats"))
                for round_id, theme, deadline in rows]

    def _registration_mail(self, session: Session, reg: Registration, moved_up: bool) -> None:
        """A registration confirmed or moved up from the waiting list: to the person (no account: at once)
        and to the contact who registered them (as the contact chose)."""
        meeting = reg.meeting
        contact = session.scalar(select(User).where(User.username == reg.created_by)) if reg.created_by else None
        context = {"meeting": meeting, "moved_up": moved_up, "municipality": reg.municipality.name,
                   "contact_name": contact.name if contact else reg.municipality.name,
                   "programme_url": self.links("network.programme", round_id=meeting.round_id)}
        case_id = meeting.round.case_id
        mail.send(session, "registered", to=reg.email, to_name=reg.name, case_id=case_id,
                  tag="network.registration", **context)
        if contact is not None and contact.active and contact.email and contact.email.lower() != reg.email.lower():
            mail.send(session, "registered_contact", to=contact.email, to_name=contact.name, case_id=case_id,
                      tag="network.registration", user_id=contact.id, person=reg.name,
                      url=self.links("network.round", round_id=meeting.round_id), **context)

    def _own_registration(self, session: Session, user: User, registration_id: int) -> Registration:
        own = self._contact_municipality(user)
        reg = session.get(Registration, registration_id)
        if reg is None:
            raise NotFound(f"registration {registration_id}")
        if reg.municipality_id != own:
            raise Forbidden(N_("You can only change your own municipality's registrations."))
        deadline = end_of_day(reg.meeting.round.registration_deadline)
        if reg.meeting.round.status != RoundStatus.OPEN or self.clock() > deadline:
            raise NetworkError(N_("Registration is closed for this meeting."))
        if reg.status == RegistrationStatus.CANCELLED:
            raise NetworkError(N_("The registration is cancelled."))
        return reg

    def anonymise(self, session: Session, user: User, registration_id: int) -> Registration:
        """Delete a participant's personal data on request; the registration still counts."""
        require_secretariat(user)
        reg = session.get(Registration, registration_id)
        if reg is None:
            raise NotFound(f"registration {registration_id}")
        reg.name, reg.email, reg.job_title = "(slettet)", f"slettet-{reg.id}@invalid", ""
        reg.anonymised_at = self.clock()
        reg.evaluation_token_hash = None
        self.engine.audit.append(session, kind="network.anonymise", actor=user.username,
                                 case_id=reg.meeting.round.case_id, summary=f"registration {reg.id}")
        return reg

    def my_registrations(self, session: Session, user: User) -> list[Registration]:
        own = self._contact_municipality(user)
        return list(session.scalars(select(Registration).where(Registration.municipality_id == own)
                                    .order_by(Registration.meeting_id, Registration.id)))

    def participants_csv(self, session: Session, user: User, meeting_id: int) -> str:
        require_secretariat(user)
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["Kommune", "Navn", "E-mail", "Stilling", "Status"])
        for reg in registrations(session, meeting_id):
            if reg.status != RegistrationStatus.CANCELLED:
                writer.writerow([reg.municipality.name, reg.name, reg.email, reg.job_title,
                                 "tilmeldt" if reg.status == RegistrationStatus.REGISTERED else "venteliste"])
        return out.getvalue()

    # ---------------------------------------------------------- evaluation
    def registration_for_token(self, session: Session, token: str) -> Registration:
        reg = session.scalar(select(Registration).where(Registration.evaluation_token_hash == token_hash(token or "")))
        if reg is None:
            raise NotFound("evaluation link")
        return reg

    def evaluate(self, session: Session, token: str, raw: dict) -> Evaluation:
        reg = self.registration_for_token(session, token)
        meeting = reg.meeting
        if meeting.evaluation_deadline is None or self.clock() > end_of_day(meeting.evaluation_deadline):
            raise NetworkError(N_("The evaluation is closed."))
        if session.scalar(select(Evaluation.id).where(Evaluation.registration_id == reg.id)):
            raise NetworkError(N_("You have already answered the evaluation. Thank you."))
        values = load_values(EvaluationForm, raw)
        row = Evaluation(meeting_id=meeting.id, registration_id=reg.id, overall=values["overall"],
                         usefulness=values["usefulness"], comment=values.get("comment") or "")
        session.add(row)
        return row

    def evaluation_summary(self, session: Session, meeting_id: int) -> dict:
        rows = list(session.scalars(select(Evaluation).where(Evaluation.meeting_id == meeting_id)))
        n = len(rows)
        return {"count": n, "participants": registered_count(session, meeting_id),
                "overall": round(sum(r.overall for r in rows) / n, 2) if n else None,
                "usefulness": round(sum(r.usefulness for r in rows) / n, 2) if n else None,
                "comments": [r.comment for r in rows if r.comment]}

    # ------------------------------------------------------------- views
    def round_view(self, session: Session, round_id: int, user: User | None) -> dict:
        row = self._visible_round(session, user, round_id)
        staff = self._sees_drafts(user)
        mlist = meetings(session, row.id)
        return {
            "round": row, "meetings": mlist, "staff": staff,
            "registrations": {m.id: registrations(session, m.id) for m in mlist} if staff else {},
            "seats_used": {m.id: seat_usage(session, m) for m in mlist} if staff else {},
            "capacity_warning": self.capacity_warning(session, row.id) if staff else None,
            "summaries": {m.id: self.evaluation_summary(session, m.id) for m in mlist} if staff else {},
            "mine": self._mine(session, user, mlist),
        }

    def _mine(self, session: Session, user: User | None, mlist) -> dict:
        if user is None or not user.has_role(MUNICIPALITY_CONTACT) or user.municipality_id is None:
            return {}
        return {m.id: {"seats": seats_for(session, m, user.municipality_id),
                       "registrations": [r for r in registrations(session, m.id)
                                         if r.municipality_id == user.municipality_id
                                         and r.status != RegistrationStatus.CANCELLED]}
                for m in mlist}


def lock_meeting(session: Session, meeting_id: int) -> int:
    """Issue 19 (P10): registrations, cancellations and promotions of one meeting take its row lock first
    (PostgreSQL: SELECT ... FOR UPDATE), so concurrent ones count seats and places one after another: no
    meeting is oversold and the waiting list keeps the order of arrival. Returns the id."""
    session.execute(select(RegionalMeeting.id).where(RegionalMeeting.id == meeting_id).with_for_update())
    return meeting_id
