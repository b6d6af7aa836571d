"""End to end over a real SMTP server: publishing a hearing sends the invitations, the worker
delivers them once, and the reminder reaches only the parties that have not answered."""
from __future__ import annotations

from engine.workdays import add_working_days

import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from support import make_app
from test_mail import SmtpServer

from engine.models import ReadyTask, utcnow
from web.worker import run_once


def test_invitations_and_reminders_go_out_over_smtp(db_url, people):
    from web.extensions import db
    from workflows.directory import Municipality

    smtp = SmtpServer().start()
    try:
        app = make_app(db_url, MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1", MAIL_PORT=str(smtp.port),
                       BASE_URL="https://byplan.example")
        byplan = app.extensions["byplan"]
        t0 = utcnow()
        with time_machine.travel(t0, tick=False) as clock:
            with app.app_context():
                s = db.session
                munis = [Municipality(code=f"9{i}", name=name, region="Sjælland", email=f"hoering{i}@kommune.example")
                         for i, name in enumerate(["Næstved", "Sorø", "Lolland"])]
                s.add_all(munis)
                s.flush()
                secretary = people.user("secretary")
                hearing = byplan.hearings.create(s, secretary, title="Brugerstyring", summary="Udkast til høring",
                                                 working_group_id=people.group_id)
                byplan.hearings.add_municipalities(s, secretary, hearing.id, [m.id for m in munis])
                task = s.scalar(select(ReadyTask).where(ReadyTask.case_id == hearing.case_id))
                byplan.complete_task(s, secretary, task.id, {
                    "title": "Brugerstyring", "summary": "Udkast til høring",
                    "deadline": add_working_days((t0 + timedelta(days=31)).date(), -1).isoformat(),  # a working day
                    "reminder_days": "7"}, None)
                s.commit()
                hearing_id = hearing.id
            assert smtp.envelopes == []  # queued in the transaction, sent by the worker
            assert run_once(byplan)[2] == 3
            assert run_once(byplan)[2] == 0  # sent once
            invitations = smtp.messages()
            assert sorted(m["To"].addresses[0].addr_spec for m in invitations) == [
                "hoering0@kommune.example", "hoering1@kommune.example", "hoering2@kommune.example"]
            first = invitations[0]
            assert first["Subject"].startswith("Høring: Brugerstyring – svarfrist")
            body = first.get_content()
            link = re.search(r"https://byplan\.example/hoering/svar/(\S+)", body)
            assert link, body

            # one party answers through its link; the reminder goes to the other two only
            with app.app_context():
                party = byplan.hearings.party_for_token(db.session, link.group(1))
                byplan.hearings.respond(db.session, party, {"text": "Vi støtter"}, [], "link", allow_late=True)
                db.session.commit()
                answered = party.email
            run_once(byplan)  # the answer's receipt and the secretariat's notice go at once (issue 13)
            clock.move_to(t0 + timedelta(days=24))
            fired, _routed, sent = run_once(byplan)
            assert fired == 1 and sent == 2
            reminders = [m for m in smtp.messages() if m["Subject"].startswith("Påmindelse")]
            assert len(reminders) == 2
            assert answered not in {m["To"].addresses[0].addr_spec for m in reminders}
            with app.app_context():
                from workflows.hearing import get_hearing

                assert get_hearing(db.session, hearing_id).reminded_at is not None
    finally:
        smtp.stop()
