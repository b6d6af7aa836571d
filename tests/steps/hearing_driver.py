"""Drives the hearing process through the service layer, as the web pages and party links do.

Time never passes by itself: the scenario's clock (time_machine, tick=False) is
moved explicitly, and due timers are fired the way the worker fires them.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from engine.mail import OutboxMail
from engine.models import Case, ReadyTask

from .common import COPENHAGEN, Plumbing

LINK = re.compile(r"/hoering/svar/([A-Za-z0-9_\-]+)")

DISPOSITIONS = {"indarbejdet": "incorporated", "delvist indarbejdet": "partly",
                "ikke indarbejdet": "not_incorporated", "taget til efterretning": "noted"}


class HearingDriver(Plumbing):
    def __init__(self, app, people, clock):
        from web.extensions import db

        self.app, self.people, self.db, self.clock = app, people, db, clock
        self.byplan = app.extensions["byplan"]
        self.hearings = self.byplan.hearings
        self.hearing_id: int | None = None
        self.case_id: int | None = None
        self.tokens: dict[str, str] = {}  # party name -> the token of its personal link
        self.vendors: dict[str, str] = {}  # vendor name -> e-mail (from the feature's table)

    # ------------------------------------------------------------ plumbing

    def today(self) -> date:
        return self.now().astimezone(COPENHAGEN).date()

    # ------------------------------------------------------------ directory
    def municipality(self, code: str, name: str, region: str, email: str | None) -> None:
        from workflows.directory import Municipality

        with self.work() as s:
            muni = s.scalar(select(Municipality).where(Municipality.name == name))
            if muni is None:
                s.add(Municipality(code=code, name=name, region=region, email=email))
            else:  # Hjørring exists already (the contact's municipality)
                muni.email = email

    def municipality_ids(self, names: list[str]) -> list[int]:
        from workflows.directory import Municipality

        with self.read() as s:
            rows = {m.name: m.id for m in s.scalars(select(Municipality).where(Municipality.name.in_(names)))}
        assert set(rows) == set(names), f"unknown municipalities: {set(names) - set(rows)}"
        return [rows[n] for n in names]

    def all_municipality_names(self) -> list[str]:
        from workflows.directory import Municipality

        with self.read() as s:
            return list(s.scalars(select(Municipality.name).where(Municipality.email.is_not(None))
                                  .order_by(Municipality.name)))

    # ---------------------------------------------------------- preparation
    def create(self, username: str, title: str, summary: str = "Høring over fælles arkitektur.") -> int:
        with self.work() as s:
            hearing = self.hearings.create(s, self.user(username), title=title, summary=summary,
                                           working_group_id=self.people.group_id)
            s.flush()
            self.hearing_id, self.case_id = hearing.id, hearing.case_id
        return self.hearing_id

    def attach_to_case(self, case_id: int) -> int:
        """A proposal case runs its hearing as a call activity; find that hearing."""
        from workflows.hearing import hearing_for_case

        with self.read() as s:
            hearing = hearing_for_case(s, case_id)
            assert hearing is not None, f"case {case_id} has no hearing"
            self.hearing_id, self.case_id = hearing.id, hearing.case_id
        return self.hearing_id

    def add_municipalities(self, username: str, names: list[str]) -> int:
        ids = self.municipality_ids(names)
        with self.work() as s:
            return self.hearings.add_municipalities(s, self.user(username), self.hearing_id, ids)

    def add_external(self, username: str, name: str, email: str) -> None:
        with self.work() as s:
            self.hearings.add_external_party(s, self.user(username), self.hearing_id, {"name": name, "email": email})

    def remove_party(self, username: str, name: str) -> None:
        party_id = self.party(name).id
        with self.work() as s:
            self.hearings.remove_party(s, self.user(username), self.hearing_id, party_id)

    def upload(self, username: str, filename: str, content: bytes) -> None:
        with self.work() as s:
            self.hearings.add_document(s, self.user(username), self.hearing_id, filename, content)

    # -------------------------------------------------------------- tasks
    def task(self) -> ReadyTask | None:
        with self.read() as s:
            rows = list(s.scalars(select(ReadyTask).where(ReadyTask.case_id == self.case_id)))
        assert len(rows) <= 1, [t.title for t in rows]
        return rows[0] if rows else None

    def inbox_titles(self, username: str) -> list[str]:
        with self.read() as s:
            return [t.title for t in self.byplan.inbox(s, self.user(username)) if t.case_id == self.case_id]

    def complete(self, username: str, values: dict):
        task = self.task()
        assert task is not None, "the hearing's case has no ready task"
        with self.work() as s:
            return self.byplan.complete_task(s, self.user(username), task.id, values, None)

    def publish(self, username: str, deadline: date, reminder_days: int) -> None:
        hearing = self.hearing()
        self.complete(username, {"title": hearing.title, "summary": hearing.summary or "Høringsmateriale.",
                                 "deadline": deadline.isoformat(), "reminder_days": str(reminder_days)})
        self.collect_tokens()

    def collect_tokens(self) -> None:
        """Each invitation carries the party's personal link; remember it by party name."""
        for mail in self.mails("hearing.invite"):
            token = LINK.search(mail.body).group(1)
            with self.read() as s:
                self.tokens[self.hearings.party_for_token(s, token).name] = token

    def fire(self) -> int:
        return self.byplan.engine.fire_due_timers()

    def move_to(self, moment: datetime) -> int:
        """Move the clock and let the worker fire what is due; the case must stay healthy."""
        self.clock.move_to(moment)
        fired = self.fire()
        if self.case_id is not None:
            assert self.case().status in ("running", "completed"), self.case().status
        return fired

    def pass_deadline(self) -> int:
        deadline_at = self.hearing().deadline_at
        fired = self.move_to(deadline_at + timedelta(hours=9))
        assert self.hearing().status == "closed"
        return fired

    # ---------------------------------------------------------- responses
    def respond_link(self, name: str, text: str, files: list[tuple[str, bytes]] | None = None,
                     token: str | None = None):
        """Answer through the party's personal link (late answers are accepted there and marked late)."""
        token = token if token is not None else self.tokens[name]
        with self.work() as s:
            party = self.hearings.party_for_token(s, token)
            response = self.hearings.respond(s, party, {"text": text}, files or [], f"link:{party.name}",
                                             allow_late=True)
            s.flush()
            return response.id

    def respond_contact(self, username: str, text: str):
        """Answer through the ordinary form of a logged-in municipality contact."""
        with self.work() as s:
            user = self.user(username)
            party = self.hearings.party_for_contact(s, user, self.hearing_id)
            response = self.hearings.respond(s, party, {"text": text}, [], user.username, allow_late=False)
            s.flush()
            return response.id

    def request_unpublish(self, name: str) -> None:
        with self.work() as s:
            self.hearings.request_unpublish(s, self.hearings.party_for_token(s, self.tokens[name]))

    def decide_late(self, username: str, name: str, decision: str, reason: str) -> None:
        response = self.latest_response(name)
        with self.work() as s:
            self.hearings.decide_late(s, self.user(username), response.id, {"decision": decision, "reason": reason})

    # ------------------------------------------------------------- the note
    def add_point(self, username: str, name: str, point: str, disposition: str, reason: str) -> None:
        response = self.latest_response(name)
        with self.work() as s:
            self.hearings.add_point(s, self.user(username), self.hearing_id,
                                    {"response_id": str(response.id), "point": point,
                                     "disposition": DISPOSITIONS[disposition], "reason": reason})

    def delete_point(self, username: str, point_id: int) -> None:
        with self.work() as s:
            self.hearings.delete_point(s, self.user(username), self.hearing_id, point_id)

    def write_note(self, username: str, summary: str):
        return self.complete(username, {"note_summary": summary})

    def conclude(self, lead: str = "lead", secretary: str = "secretary") -> None:
        """The rest of a hearing: deadline, a point for every considered response, approval."""
        from workflows.hearing import missing_points

        if self.hearing().status == "open":
            self.pass_deadline()
        with self.read() as s:
            missing = [r.party.name for r in missing_points(s, self.hearing_id)]
        for name in missing:
            self.add_point(lead, name, f"Bemærkning fra {name}", "taget til efterretning", "Noteret")
        self.write_note(lead, "Høringsnotat")
        self.complete(secretary, {"note_decision": "approve"})
        assert self.hearing().status == "concluded"

    # ---------------------------------------------------------------- reads
    def hearing(self):
        from workflows.hearing import get_hearing

        with self.read() as s:
            return get_hearing(s, self.hearing_id)

    def case(self) -> Case:
        with self.read() as s:
            return s.get(Case, self.case_id)

    def parties(self):
        from workflows.hearing import parties

        with self.read() as s:
            return parties(s, self.hearing_id)

    def party(self, name: str):
        matches = [p for p in self.parties() if p.name == name]
        assert len(matches) == 1, f"no single party named {name!r}"
        return matches[0]

    def responses(self, name: str | None = None, current_only: bool = False):
        from workflows.hearing import responses

        with self.read() as s:
            rows = responses(s, self.hearing_id, current_only=current_only)
        return [r for r in rows if name is None or r.party.name == name]

    def current_response(self, name: str):
        current = self.responses(name, current_only=True)
        assert len(current) == 1, f"{name} has {len(current)} current responses"
        return current[0]

    def latest_response(self, name: str):
        """The party's newest response (a late one is not current until it is admitted)."""
        rows = sorted(self.responses(name), key=lambda r: r.version)
        assert rows, f"{name} has not answered"
        return rows[-1]

    def points(self):
        from workflows.hearing import note_points

        with self.read() as s:
            return note_points(s, self.hearing_id)

    def mails(self, tag: str | None = None) -> list[OutboxMail]:
        with self.read() as s:
            query = select(OutboxMail).where(OutboxMail.case_id == self.case_id).order_by(OutboxMail.id)
            if tag:
                query = query.where(OutboxMail.tag == tag)
            return list(s.scalars(query))

    def mail_count(self) -> int:
        with self.read() as s:
            return s.scalar(select(func.count()).select_from(OutboxMail)) or 0

    def dashboard_row(self, username: str = "secretary"):
        with self.read() as s:
            rows = [h for h in self.hearings.dashboard(s, self.user(username), sort="late")
                    if h.id == self.hearing_id]
        assert len(rows) == 1
        return rows[0]

    def snapshot(self) -> tuple:
        """What a refused action must leave untouched."""
        hearing, case, task = self.hearing(), self.case(), self.task()
        return (case.version, case.status, task.id if task else None, hearing.status, hearing.title,
                hearing.deadline, hearing.note_summary, hearing.note_return_reason, hearing.parties_count,
                hearing.answered_count, hearing.late_pending_count, len(self.responses()), len(self.points()),
                self.mail_count())

    # --------------------------------------------------------------- web
    def public_page(self):
        """The public hearing page (no login), parsed."""
        import lxml.html

        response = self.app.test_client().get(f"/offentlige-hoeringer/{self.hearing_id}")
        return response.status_code, (lxml.html.fromstring(response.get_data(as_text=True))
                                      if response.status_code == 200 else None)
