"""Network meetings: rounds held in four regions, purchased seats, registrations, materials, evaluation.

Registrations, seats and evaluations are records; the round's workflow carries the order of work
(publication, the registration deadline, each regional meeting's materials and evaluation).
"""
from __future__ import annotations

import csv
import io
import secrets
from datetime import date, datetime, time, timedelta, timezone

from marshmallow import ValidationError, validates_schema
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine import Forbidden, NotFound, current_execution
from engine.mail import fit_subject, queue_mail
from engine.models import Base, Document, utcnow

from .errors import DomainError
from .dates import COPENHAGEN, end_of_day
from .directory import Municipality, User, token_hash
from .forms import (
    FormDef, FormInvalid, FormSchema, choice, date_field, email, integer, load_values, register, text,
)
from .i18n import N_
from .lanes import require_secretariat

PROCESS_ID = "network_round"
REGIONS = ["Midt-Nord", "Hovedstaden", "Sjælland", "Syddanmark"]
FORMATS = [("talk", N_("Talks")), ("workshop", N_("Workshop")), ("virtual", N_("Virtual"))]
ROUND_STATUS = {"draft": N_("Being planned"), "open": N_("Open for registration"),
                "closed": N_("Registration closed"), "done": N_("Concluded")}
EVALUATION_DAYS = 14


class NetworkError(DomainError):
    key = "network"


# ------------------------------------------------------------------ records

class Network(Base):
    __tablename__ = "network"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")


class NetworkMembership(Base):
    """A member municipality and the seats it buys per meeting (the default for each meeting)."""

    __tablename__ = "network_membership"
    __table_args__ = (UniqueConstraint("network_id", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    seats_per_meeting: Mapped[int] = mapped_column(Integer, default=2)

    municipality: Mapped[Municipality] = relationship(lazy="joined")


class Round(Base):
    __tablename__ = "network_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    theme: Mapped[str] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(20), default="talk")
    registration_deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    published_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    network: Mapped[Network] = relationship(lazy="joined")


class RegionalMeeting(Base):
    __tablename__ = "regional_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("network_round.id", ondelete="CASCADE"), index=True)
    region: Mapped[str] = mapped_column(String(50))
    day: Mapped[date] = mapped_column(Date)
    starts: Mapped[str] = mapped_column(String(5), default="09:30")
    ends: Mapped[str] = mapped_column(String(5), default="15:30")
    venue: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=40)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    evaluation_deadline: Mapped[date | None] = mapped_column(Date)

    round: Mapped[Round] = relationship(lazy="joined")
    programme: Mapped[list[ProgrammeItem]] = relationship(lazy="selectin", cascade="all, delete-orphan",
                                                           order_by="ProgrammeItem.position")
    documents: Mapped[list[MeetingDocument]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def title(self) -> str:
        return f"{self.round.theme} – {self.region}"

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.day, time.fromisoformat(self.starts), COPENHAGEN).astimezone(timezone.utc)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.day, time.fromisoformat(self.ends), COPENHAGEN).astimezone(timezone.utc)


class ProgrammeItem(Base):
    __tablename__ = "programme_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("regional_meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20), default="talk")  # talk | case
    title: Mapped[str] = mapped_column(String(300))
    speaker: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")


class MeetingDocument(Base):
    __tablename__ = "regional_meeting_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("regional_meeting.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))

    document: Mapped[Document] = relationship(lazy="joined")


class Registration(Base):
    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("regional_meeting.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="registered", index=True)  # registered|waiting|cancelled
    waiting_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))
    evaluation_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    anonymised_at: Mapped[datetime | None]

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    meeting: Mapped[RegionalMeeting] = relationship(lazy="joined")


class Evaluation(Base):
    __tablename__ = "meeting_evaluation"
    __table_args__ = (UniqueConstraint("registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("regional_meeting.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id", ondelete="SET NULL"))
    overall: Mapped[int] = mapped_column(Integer)
    usefulness: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


# -------------------------------------------------------------------- forms

class RoundForm(FormSchema):
    theme = text(N_("Theme"), required=True, max_length=300)
    format = choice(N_("Format"), FORMATS)
    registration_deadline = date_field(N_("Registration deadline"))


class MeetingForm(FormSchema):
    region = choice(N_("Region"), [(r, r) for r in REGIONS])
    day = date_field(N_("Date"))
    starts = text(N_("Starts (HH:MM)"), required=True, max_length=5)
    ends = text(N_("Ends (HH:MM)"), required=True, max_length=5)
    venue = text(N_("Venue"), max_length=200)
    address = text(N_("Address"), max_length=300)
    online_link = text(N_("Online link"), max_length=500)
    capacity = integer(N_("Capacity (places)"), minimum=1, maximum=1000)

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **kwargs):
        for key in ("starts", "ends"):
            if data.get(key):
                try:
                    time.fromisoformat(data[key])
                except ValueError:
                    raise ValidationError(N_("Enter a time as HH:MM."), key) from None
        if not data.get("venue") and not data.get("online_link"):
            raise ValidationError(N_("Give a venue or an online link."), "venue")


class ProgrammeForm(FormSchema):
    kind = choice(N_("Kind"), [("talk", N_("Talk")), ("case", N_("Municipal case"))])
    title = text(N_("Title"), required=True, max_length=300)
    speaker = text(N_("Speaker"), max_length=200)
    organisation = text(N_("Organisation"), max_length=200)


class RegistrationForm(FormSchema):
    name = text(N_("Name"), required=True, max_length=200)
    email = email(N_("E-mail"), required=True)
    job_title = text(N_("Job title"), max_length=200)


class EvaluationForm(FormSchema):
    overall = integer(N_("Overall, how was the meeting? (1–5)"), minimum=1, maximum=5)
    usefulness = integer(N_("How useful was it for your work? (1–5)"), minimum=1, maximum=5)
    comment = text(N_("Comments"), widget="textarea", max_length=5000)


class PlanForm(FormSchema):
    note = text(N_("Note"), widget="textarea", max_length=2000)


class MaterialsForm(FormSchema):
    note = text(N_("Note"), widget="textarea", max_length=2000,
                help=N_("Upload presentations, canvases and photos on the meeting's page."))


def _invalid(field: str, message: str):
    return FormInvalid({field: [message]})


# ------------------------------------------------------------------ helpers

def get_round(session: Session, round_id: int) -> Round:
    row = session.get(Round, round_id)
    if row is None:
        raise NotFound(f"round {round_id}")
    return row


def get_meeting(session: Session, meeting_id: int) -> RegionalMeeting:
    row = session.get(RegionalMeeting, meeting_id)
    if row is None:
        raise NotFound(f"meeting {meeting_id}")
    return row


def meetings(session: Session, round_id: int) -> list[RegionalMeeting]:
    return list(session.scalars(select(RegionalMeeting).where(RegionalMeeting.round_id == round_id)
                                .order_by(RegionalMeeting.day, RegionalMeeting.id)))


def registrations(session: Session, meeting_id: int, status: str | None = None) -> list[Registration]:
    query = select(Registration).where(Registration.meeting_id == meeting_id)
    if status:
        query = query.where(Registration.status == status)
    return list(session.scalars(query.order_by(Registration.waiting_since.is_not(None), Registration.waiting_since,
                                               Registration.id)))


def seats_for(session: Session, meeting: RegionalMeeting, municipality_id: int) -> int:
    membership = session.scalar(select(NetworkMembership).where(
        NetworkMembership.network_id == meeting.round.network_id,
        NetworkMembership.municipality_id == municipality_id))
    return membership.seats_per_meeting if membership else 0


def _registered_count(session: Session, meeting_id: int, municipality_id: int | None = None) -> int:
    query = select(func.count()).select_from(Registration).where(Registration.meeting_id == meeting_id,
                                                                Registration.status == "registered")
    if municipality_id is not None:
        query = query.where(Registration.municipality_id == municipality_id)
    return session.scalar(query) or 0


def seats_sold(session: Session, meeting: RegionalMeeting) -> int:
    return session.scalar(select(func.coalesce(func.sum(NetworkMembership.seats_per_meeting), 0)).where(
        NetworkMembership.network_id == meeting.round.network_id)) or 0


def promote_waiting(session: Session, meeting: RegionalMeeting) -> list[Registration]:
    """Move waiting registrations up, oldest first, while their municipality has a free seat and the venue room."""
    promoted = []
    for reg in registrations(session, meeting.id, "waiting"):
        if _registered_count(session, meeting.id) >= meeting.capacity:
            break
        if _registered_count(session, meeting.id, reg.municipality_id) >= seats_for(session, meeting,
                                                                                    reg.municipality_id):
            continue
        reg.status = "registered"
        reg.waiting_since = None
        session.flush()
        promoted.append(reg)
    return promoted


def _practical_ics(meeting: RegionalMeeting, base_url: str) -> str:
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Byplan//Netværksmøder//DA")
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = Event()
    event.add("uid", f"network-meeting-{meeting.id}@byplan")
    event.add("summary", meeting.title)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("dtstamp", utcnow())
    event.add("location", ", ".join(x for x in (meeting.venue, meeting.address) if x) or meeting.online_link)
    event.add("url", f"{base_url}/netvaerk/program/{meeting.round_id}")
    cal.add_component(event)
    return cal.to_ical().decode()


# --------------------------------------------------------------- the service

class Networks:
    def __init__(self, engine, documents, base_url: str):
        self.engine = engine
        self.documents = documents
        self.base_url = base_url.rstrip("/")

    def networks(self, session: Session) -> list[Network]:
        return list(session.scalars(select(Network).order_by(Network.name)))

    def rounds(self, session: Session, public: bool = False) -> list[Round]:
        query = select(Round)
        if public:
            query = query.where(Round.status != "draft")
        return list(session.scalars(query.order_by(Round.created_at.desc())))

    # --------------------------------------------------------- planning
    def create_round(self, session: Session, user: User, network_id: int, raw: dict) -> Round:
        require_secretariat(user)
        network = session.get(Network, network_id)
        if network is None:
            raise _invalid("network_id", N_("Choose one of the options."))
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
        if row.status != "draft":
            raise NetworkError(N_("The round is published; its meetings are fixed."))
        values = load_values(MeetingForm, raw)
        if values["day"] <= row.registration_deadline:
            raise _invalid("day", N_("The meeting must be after the registration deadline."))
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

    def add_material(self, session: Session, user: User, meeting_id: int, filename: str, content: bytes):
        require_secretariat(user)
        meeting = get_meeting(session, meeting_id)
        version = self.documents.add(session, case_id=meeting.round.case_id, filename=filename, content=content,
                                     actor=user.username)
        meeting.documents.append(MeetingDocument(document_id=version.document_id))
        return version

    # ------------------------------------------------------ registration
    def _contact_municipality(self, user: User) -> int:
        if not user.has_role("municipality_contact") or user.municipality_id is None:
            raise Forbidden(N_("Only a municipality contact registers colleagues."))
        return user.municipality_id

    def register(self, session: Session, user: User, meeting_id: int, raw: dict,
                 municipality_id: int | None = None) -> Registration:
        """Register a colleague on the municipality's seats; beyond them, or beyond the venue, on the waiting list."""
        own = self._contact_municipality(user)
        if municipality_id is not None and municipality_id != own:
            raise Forbidden(N_("You can only register colleagues from your own municipality."))
        meeting = get_meeting(session, meeting_id)
        if meeting.round.status != "open" or utcnow() > end_of_day(meeting.round.registration_deadline):
            raise NetworkError(N_("Registration is closed for this meeting."))
        if seats_for(session, meeting, own) == 0:
            raise Forbidden(N_("Your municipality has no seats in this network."))
        values = load_values(RegistrationForm, raw)
        email = values["email"].lower()
        if session.scalar(select(Registration.id).where(Registration.meeting_id == meeting.id,
                                                        func.lower(Registration.email) == email,
                                                        Registration.status != "cancelled")):
            raise _invalid("email", N_("This person is already registered for the meeting."))
        reg = Registration(meeting_id=meeting.id, municipality_id=own, name=values["name"], email=email,
                           job_title=values.get("job_title") or "", created_by=user.username)
        full = (_registered_count(session, meeting.id, own) >= seats_for(session, meeting, own)
                or _registered_count(session, meeting.id) >= meeting.capacity)
        reg.status = "waiting" if full else "registered"
        reg.waiting_since = utcnow() if full else None
        session.add(reg)
        session.flush()
        return reg

    def cancel(self, session: Session, user: User, registration_id: int) -> list[Registration]:
        reg = self._own_registration(session, user, registration_id)
        reg.status = "cancelled"
        reg.waiting_since = None
        session.flush()
        return promote_waiting(session, reg.meeting)

    def swap(self, session: Session, user: User, registration_id: int, raw: dict) -> Registration:
        """'Kom som du er': another colleague takes the seat, until the deadline."""
        reg = self._own_registration(session, user, registration_id)
        values = load_values(RegistrationForm, raw)
        email = values["email"].lower()
        if email != reg.email and session.scalar(select(Registration.id).where(
                Registration.meeting_id == reg.meeting_id, func.lower(Registration.email) == email,
                Registration.status != "cancelled")):
            raise _invalid("email", N_("This person is already registered for the meeting."))
        reg.name, reg.email, reg.job_title = values["name"], email, values.get("job_title") or ""
        return reg

    def _own_registration(self, session: Session, user: User, registration_id: int) -> Registration:
        own = self._contact_municipality(user)
        reg = session.get(Registration, registration_id)
        if reg is None:
            raise NotFound(f"registration {registration_id}")
        if reg.municipality_id != own:
            raise Forbidden(N_("You can only change your own municipality's registrations."))
        if reg.meeting.round.status != "open" or utcnow() > end_of_day(reg.meeting.round.registration_deadline):
            raise NetworkError(N_("Registration is closed for this meeting."))
        if reg.status == "cancelled":
            raise NetworkError(N_("The registration is cancelled."))
        return reg

    def anonymise(self, session: Session, user: User, registration_id: int) -> Registration:
        """Delete a participant's personal data on request; the registration still counts."""
        require_secretariat(user)
        reg = session.get(Registration, registration_id)
        if reg is None:
            raise NotFound(f"registration {registration_id}")
        reg.name, reg.email, reg.job_title = "(slettet)", f"slettet-{reg.id}@invalid", ""
        reg.anonymised_at = utcnow()
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
            if reg.status != "cancelled":
                writer.writerow([reg.municipality.name, reg.name, reg.email, reg.job_title,
                                 "tilmeldt" if reg.status == "registered" else "venteliste"])
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
        if meeting.evaluation_deadline is None or utcnow() > end_of_day(meeting.evaluation_deadline):
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
        return {"count": n, "participants": _registered_count(session, meeting_id),
                "overall": round(sum(r.overall for r in rows) / n, 2) if n else None,
                "usefulness": round(sum(r.usefulness for r in rows) / n, 2) if n else None,
                "comments": [r.comment for r in rows if r.comment]}

    # ------------------------------------------------------------- views
    def round_view(self, session: Session, round_id: int, user: User | None) -> dict:
        row = get_round(session, round_id)
        staff = user is not None and user.has_role("secretariat", "admin")
        if not staff and row.status == "draft":
            raise NotFound(f"round {round_id}")
        mlist = meetings(session, row.id)
        return {
            "round": row, "meetings": mlist, "staff": staff,
            "registrations": {m.id: registrations(session, m.id) for m in mlist} if staff else {},
            "seats_used": {m.id: _seat_usage(session, m) for m in mlist} if staff else {},
            "warnings": self.capacity_warnings(session, row.id) if staff else [],
            "summaries": {m.id: self.evaluation_summary(session, m.id) for m in mlist} if staff else {},
            "mine": self._mine(session, user, mlist),
        }

    def _mine(self, session: Session, user: User | None, mlist) -> dict:
        if user is None or not user.has_role("municipality_contact") or user.municipality_id is None:
            return {}
        return {m.id: {"seats": seats_for(session, m, user.municipality_id),
                       "registrations": [r for r in registrations(session, m.id)
                                         if r.municipality_id == user.municipality_id and r.status != "cancelled"]}
                for m in mlist}

    # --------------------------------------------------- service-task code
    def service_handlers(self) -> dict:
        return {"network.publish": self._publish, "network.close": self._close,
                "network.send_evaluation": self._send_evaluation, "network.summarise": self._summarise,
                "network.conclude": self._conclude}

    def _ctx(self, params):
        ctx = current_execution.get()
        return ctx.session, get_round(ctx.session, int(params["round_id"]))

    def _publish(self, params, data) -> dict:
        session, row = self._ctx(params)
        row.status = "open"
        row.published_at = utcnow()
        contacts = session.scalars(select(User).join(NetworkMembership, NetworkMembership.municipality_id ==
                                                     User.municipality_id)
                                   .where(NetworkMembership.network_id == row.network_id)).unique()
        for contact in contacts:
            if contact.has_role("municipality_contact") and contact.email:
                queue_mail(session, to=contact.email, to_name=contact.name, case_id=row.case_id,
                           tag="network.open", subject=fit_subject(f"Tilmelding åben: {row.theme}"),
                           body=(f"Kære {contact.name}\n\nTilmeldingen til {row.network.name}s runde »{row.theme}« "
                                 f"er åben til og med {row.registration_deadline:%d.%m.%Y}.\n"
                                 f"Tilmeld dine kolleger på kommunens pladser: "
                                 f"{self.base_url}/netvaerk/runder/{row.id}\n"))
        return {"deadline_at": end_of_day(row.registration_deadline).isoformat()}

    def _close(self, params, data) -> dict:
        session, row = self._ctx(params)
        row.status = "closed"
        mlist = meetings(session, row.id)
        for meeting in mlist:
            ics = _practical_ics(meeting, self.base_url)
            for reg in registrations(session, meeting.id, "registered"):
                if reg.anonymised_at is not None:
                    continue  # personal data deleted on request: no address to write to
                queue_mail(session, to=reg.email, to_name=reg.name, case_id=row.case_id, tag="network.practical",
                           subject=fit_subject(f"Praktisk information: {meeting.title}"), ics=ics,
                           body=(f"Kære {reg.name}\n\nDu er tilmeldt {meeting.title} den {meeting.day:%d.%m.%Y} "
                                 f"kl. {meeting.starts}–{meeting.ends}.\nSted: {meeting.venue}, {meeting.address}"
                                 f"{(' · ' + meeting.online_link) if meeting.online_link else ''}\n"
                                 f"Program: {self.base_url}/netvaerk/program/{row.id}\n\nKom som du er.\n"))
        return {"meetings": [{"meeting_id": m.id, "ends_at": m.ends_at.isoformat(), "title": m.title}
                             for m in mlist]}

    def _send_evaluation(self, params, data) -> dict:
        ctx = current_execution.get()
        session = ctx.session
        meeting = get_meeting(session, int(params["meeting_id"]))
        meeting.evaluation_deadline = utcnow().astimezone(COPENHAGEN).date() + timedelta(days=EVALUATION_DAYS)
        for reg in registrations(session, meeting.id, "registered"):
            if reg.anonymised_at is not None:
                continue
            token = secrets.token_urlsafe(24)
            reg.evaluation_token_hash = token_hash(token)
            queue_mail(session, to=reg.email, to_name=reg.name, case_id=meeting.round.case_id,
                       tag="network.evaluation", subject=fit_subject(f"Evaluering: {meeting.title}"),
                       body=(f"Kære {reg.name}\n\nTak for din deltagelse i {meeting.title}. Materialerne ligger på "
                             f"{self.base_url}/netvaerk/program/{meeting.round_id}\n"
                             f"Evaluér mødet senest {meeting.evaluation_deadline:%d.%m.%Y}:\n"
                             f"{self.base_url}/netvaerk/evaluering/{token}\n"))
        return {"deadline_at": end_of_day(meeting.evaluation_deadline).isoformat()}

    def _summarise(self, params, data) -> dict:
        ctx = current_execution.get()
        return self.evaluation_summary(ctx.session, int(params["meeting_id"]))

    def _conclude(self, params, data) -> dict:
        session, row = self._ctx(params)
        row.status = "done"
        return {"done": True}


def _seat_usage(session: Session, meeting: RegionalMeeting) -> list[tuple[str, int, int, int]]:
    """(municipality, seats bought, registered, waiting) for the municipalities that use the meeting."""
    rows = []
    for membership in session.scalars(select(NetworkMembership).where(
            NetworkMembership.network_id == meeting.round.network_id)):
        registered = _registered_count(session, meeting.id, membership.municipality_id)
        waiting = session.scalar(select(func.count()).select_from(Registration).where(
            Registration.meeting_id == meeting.id, Registration.municipality_id == membership.municipality_id,
            Registration.status == "waiting")) or 0
        if registered or waiting:
            rows.append((membership.municipality.name, membership.seats_per_meeting, registered, waiting))
    return sorted(rows)


# ------------------------------------------------------------- task forms

def _plan_submit(ctx, values: dict) -> dict:
    row = get_round(ctx.session, ctx.task_data["round_id"])
    mlist = meetings(ctx.session, row.id)
    if not mlist:
        raise _invalid("note", N_("Add the round's regional meetings before publishing."))
    unconfirmed = [m.region for m in mlist if not m.confirmed]
    if unconfirmed:
        raise FormInvalid({"note": [N_("Confirm every regional meeting before publishing:"), ", ".join(unconfirmed)]})
    if end_of_day(row.registration_deadline) <= utcnow():
        raise _invalid("note", N_("The registration deadline has passed; change the round first."))
    return {}


register(FormDef("network.plan", PlanForm, _plan_submit))
register(FormDef("network.materials", MaterialsForm, lambda ctx, values: {}))
