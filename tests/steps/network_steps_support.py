"""Helpers for the network meeting steps (features/network.feature).

Everything goes through the Networks service, the round's task forms and the public web pages.
The clock is the scenario's time_machine traveller (tick=False): time moves only when a step
moves it, and then (unless the step says otherwise) the worker's sweep runs due timers.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine.mail import OutboxMail
from engine.models import Case, ReadyTask

from network_support import NetworkDriver

from .common import Plumbing

PASSWORD = "correct horse battery"
NETWORK = "Kommunernes It-arkitekturnetværk (KITA)"

# The 68 member municipalities of 2017 by the network's four regions (Hjørring exists in tests/support.py).
MEMBERS = {
    "Midt-Nord": ["Aalborg", "Brønderslev", "Frederikshavn", "Hjørring", "Jammerbugt", "Mariagerfjord", "Morsø",
                  "Rebild", "Thisted", "Vesthimmerland", "Aarhus", "Favrskov", "Hedensted", "Herning", "Holstebro",
                  "Horsens", "Ikast-Brande", "Lemvig", "Norddjurs", "Odder", "Randers", "Silkeborg", "Skanderborg",
                  "Skive", "Struer", "Syddjurs", "Viborg"],
    "Hovedstaden": ["Albertslund", "Allerød", "Ballerup", "Bornholm", "Brøndby", "Egedal", "Fredensborg",
                    "Frederiksberg", "Frederikssund", "Furesø", "Gentofte", "Gladsaxe", "Gribskov", "Halsnæs",
                    "Helsingør", "Herlev", "Hillerød", "Hvidovre", "Høje-Taastrup", "København", "Lyngby-Taarbæk",
                    "Rødovre"],
    "Sjælland": ["Guldborgsund", "Holbæk", "Kalundborg", "Køge", "Lolland", "Næstved", "Ringsted", "Roskilde",
                 "Slagelse", "Sorø", "Vordingborg"],
    "Syddanmark": ["Aabenraa", "Esbjerg", "Fredericia", "Haderslev", "Kolding", "Middelfart", "Odense", "Svendborg"],
}


class NetworkScene(Plumbing):
    """One scenario's network, round and regional meetings, on top of NetworkDriver."""

    def __init__(self, app, people, clock):
        from web.extensions import db

        self.app, self.people, self.db, self.clock = app, people, db, clock
        self.byplan = app.extensions["byplan"]
        self.networks = self.byplan.networks
        self.driver = NetworkDriver(app, people)
        self.network_id: int | None = None
        self.round_id: int | None = None
        self.case_id: int | None = None
        self.meeting_ids: dict[str, int] = {}  # region -> meeting id
        self.registrations: dict[str, int] = {}  # participant name -> registration id
        self.tokens: dict[str, str] = {}  # participant name -> evaluation token (from the mail)

    # ------------------------------------------------------------ plumbing

    def move_to(self, moment: datetime, sweep: bool = True) -> None:
        self.clock.move_to(moment)
        if sweep:
            self.sweep()

    def sweep(self) -> None:
        self.byplan.engine.fire_due_timers()
        self.byplan.engine.route_messages()
        with self.read() as s:
            case = s.get(Case, self.case_id) if self.case_id else None
            assert case is None or case.status in ("running", "completed"), case.error

    def public_get(self, path: str, username: str | None = None):
        client = self.app.test_client()
        if username:
            self.people.login(client, username)
        return client.get(path)

    # ----------------------------------------------------------- directory
    def create_members(self, seats: int) -> list[str]:
        from workflows.directory import Municipality

        names = [name for region in MEMBERS.values() for name in region]
        with self.work() as s:
            existing = set(s.scalars(select(Municipality.name)))
            code = 900
            for region, region_names in MEMBERS.items():
                for name in region_names:
                    if name not in existing:
                        code += 1
                        s.add(Municipality(code=str(code), name=name, region=region))
        self.network_id = self.driver.network(NETWORK, municipalities=names, seats=seats)
        return names

    def memberships(self) -> list[tuple[str, int]]:
        from workflows.network import NetworkMembership

        with self.read() as s:
            return sorted((m.municipality.name, m.seats_per_meeting) for m in s.scalars(
                select(NetworkMembership).where(NetworkMembership.network_id == self.network_id)))

    def add_contact(self, username: str, municipality: str) -> None:
        from workflows.directory import MUNICIPALITY_CONTACT, Municipality, create_user

        if username == "contact":  # tests/support.py's contact of Hjørring
            with self.read() as s:
                assert self.user("contact").municipality.name == municipality
            return
        with self.work() as s:
            muni = s.scalar(select(Municipality).where(Municipality.name == municipality))
            create_user(s, username, f"Kontaktperson {municipality}", f"{username}@example.org", PASSWORD,
                        (MUNICIPALITY_CONTACT,), muni)

    def municipality_id(self, name: str) -> int:
        from workflows.directory import Municipality

        with self.read() as s:
            return s.scalar(select(Municipality.id).where(Municipality.name == name))

    # ------------------------------------------------------------ planning
    def create_round(self, username: str, theme: str, deadline) -> None:
        with self.work() as s:
            row = self.networks.create_round(s, self.user(username), self.network_id, {
                "theme": theme, "format": "talk", "registration_deadline": deadline.isoformat()})
            self.round_id, self.case_id = row.id, row.case_id

    def add_meeting(self, username: str, region: str, day, venue: str, address: str, capacity: int) -> None:
        with self.work() as s:
            m = self.networks.add_meeting(s, self.user(username), self.round_id, {
                "region": region, "day": day.isoformat(), "starts": "09:30", "ends": "15:30", "venue": venue,
                "address": address, "capacity": str(capacity)})
            self.meeting_ids[region] = m.id

    def add_programme_item(self, username: str, region: str, kind: str, title: str, speaker: str,
                           organisation: str) -> None:
        with self.work() as s:
            self.networks.add_programme_item(s, self.user(username), self.meeting_ids[region], {
                "kind": kind, "title": title, "speaker": speaker, "organisation": organisation})

    def confirm(self, username: str, region: str) -> None:
        with self.work() as s:
            self.networks.confirm_meeting(s, self.user(username), self.meeting_ids[region])

    def warnings(self) -> list[tuple[str, int, int]]:
        with self.read() as s:
            return [(m.region, sold, m.capacity) for m, sold in self.networks.capacity_warnings(s, self.round_id)]

    def tasks(self, spec_name: str | None = None) -> list[tuple[str, str, str | None]]:
        with self.read() as s:
            return [(t.spec_name, t.title, t.lane) for t in s.scalars(
                select(ReadyTask).where(ReadyTask.case_id == self.case_id).order_by(ReadyTask.ready_since))
                if spec_name is None or t.spec_name == spec_name]

    def complete(self, username: str, spec_name: str, values: dict | None = None) -> None:
        self.driver.complete_single(self.case_id, username, values or {}, spec_name)
        self.sweep()

    def round(self) -> dict:
        with self.read() as s:
            row = self.networks.round_view(s, self.round_id, self.user("secretary"))["round"]
            return {"status": row.status, "published_at": row.published_at}

    def meeting(self, region: str) -> dict:
        from workflows.network import get_meeting

        with self.read() as s:
            m = get_meeting(s, self.meeting_ids[region])
            return {"title": m.title, "day": m.day, "venue": m.venue, "capacity": m.capacity,
                    "evaluation_deadline": m.evaluation_deadline, "documents": [d.document_id for d in m.documents],
                    "programme": [(p.kind, p.title, p.speaker, p.organisation) for p in m.programme]}

    def publish_seed_round(self, theme: str, deadline, meetings: list[tuple], programme: list[tuple]) -> None:
        self.create_round("secretary", theme, deadline)
        for region, day, venue, address, capacity in meetings:
            self.add_meeting("secretary", region, day, venue, address, capacity)
            self.confirm("secretary", region)
        for item in programme:
            self.add_programme_item("secretary", *item)
        self.complete("secretary", "plan_round")
        assert self.round()["status"] == "open"

    # -------------------------------------------------------- registration
    def register(self, username: str, region: str, name: str, email: str, job_title: str = "",
                 municipality: str | None = None) -> str:
        muni_id = self.municipality_id(municipality) if municipality else None
        with self.work() as s:
            reg = self.networks.register(s, self.user(username), self.meeting_ids[region],
                                         {"name": name, "email": email, "job_title": job_title}, muni_id)
            self.registrations[name] = reg.id
            return reg.status

    def cancel(self, username: str, name: str) -> list[str]:
        with self.work() as s:
            return [r.name for r in self.networks.cancel(s, self.user(username), self.registrations[name])]

    def swap(self, username: str, old: str, name: str, email: str) -> None:
        """'Kom som du er': another colleague takes `old`'s seat (the registration keeps its id)."""
        with self.work() as s:
            reg = self.networks.swap(s, self.user(username), self.registrations[old],
                                     {"name": name, "email": email, "job_title": "It-arkitekt"})
            self.registrations[name] = reg.id

    def anonymise(self, username: str, name: str) -> None:
        with self.work() as s:
            self.networks.anonymise(s, self.user(username), self.registrations[name])

    def registration(self, name: str) -> dict:
        from workflows.network import Registration

        with self.read() as s:
            r = s.get(Registration, self.registrations[name])
            return {"name": r.name, "email": r.email, "job_title": r.job_title, "status": r.status,
                    "municipality": r.municipality.name, "anonymised_at": r.anonymised_at,
                    "evaluation_token_hash": r.evaluation_token_hash}

    def statuses(self, region: str) -> dict[str, list[str]]:
        from workflows.network import registrations

        out: dict[str, list[str]] = {"registered": [], "waiting": [], "cancelled": []}
        with self.read() as s:
            for r in registrations(s, self.meeting_ids[region]):
                out[r.status].append(r.name)
        return out

    def participants_csv(self, region: str) -> list[list[str]]:
        with self.read() as s:
            text = self.networks.participants_csv(s, self.user("secretary"), self.meeting_ids[region])
        return [line.split(";") for line in text.strip().splitlines()]

    # ------------------------------------------------- materials, evaluation
    def add_material(self, username: str, region: str, filename: str, content: bytes) -> None:
        with self.work() as s:
            self.networks.add_material(s, self.user(username), self.meeting_ids[region], filename, content)

    def evaluate_summary(self, region: str) -> dict:
        with self.read() as s:
            return self.networks.evaluation_summary(s, self.meeting_ids[region])

    # -------------------------------------------------------------- outbox
    def mails(self, tag: str | None = None, subject: str | None = None) -> list[dict]:
        with self.read() as s:
            query = select(OutboxMail).order_by(OutboxMail.id)
            if tag:
                query = query.where(OutboxMail.tag == tag)
            if subject:
                query = query.where(OutboxMail.subject == subject)
            return [{"to": m.to_address, "to_name": m.to_name, "subject": m.subject, "body": m.body, "ics": m.ics,
                     "tag": m.tag} for m in s.scalars(query)]
