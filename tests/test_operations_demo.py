"""The demo data of issue 19 (workflows/operations_demo.py): a suspended case with its reason on the case page,
an active out-of-office delegation the delegate sees, and internal comments whose mentions are mails in
the outbox."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select

from support import make_app


def test_the_demo_has_a_suspended_case_a_delegation_and_comments_with_mentions(sqlite_url):
    from engine.mail import OutboxMail
    from engine.models import Case
    from web.extensions import db
    from workflows.comments import CaseComment
    from workflows.delegation import Delegation, principals_for, today
    from workflows.demo import DEMO_PASSWORD, load_demo
    from workflows.operations_demo import SUSPEND_REASON

    app = make_app(sqlite_url)
    with app.app_context():
        assert load_demo(db.session, app.extensions["byplan"]) is not None
        db.session.commit()
        [held] = db.session.scalars(select(Case).where(Case.status == "suspended")).all()
        assert held.control_reason == SUSPEND_REASON and held.control_by == "sekretariat"
        [away] = db.session.scalars(select(Delegation)).all()
        now = datetime.now(timezone.utc)
        assert principals_for(db.session, "raad6", today(now)) == ["raad5"]
        assert away.starts_on <= today(now) <= away.ends_on and away.revoked_at is None
        comments = list(db.session.scalars(select(CaseComment).order_by(CaseComment.id)))
        assert [c.mentions for c in comments] == [["arbejdsgruppe"], ["sekretariat"]]
        mentioned = list(db.session.scalars(select(OutboxMail.to_address).where(OutboxMail.tag == "case.mention")
                                            .order_by(OutboxMail.id)))
        assert mentioned == ["arbejdsgruppe@byplan.example", "sekretariat@byplan.example"]
        held_id, commented = held.id, comments[0].case_id
    client = app.test_client()
    assert client.post("/login", data={"username": "sekretariat", "password": DEMO_PASSWORD}).status_code == 302
    page = client.get(f"/sager/{held_id}").get_data(as_text=True)
    assert "Projektets styregruppe har sat projektet på pause" in page
    assert "mangler vi jeres bilag" in client.get(f"/sager/{commented}").get_data(as_text=True)
    client.get("/logout")
    assert client.post("/login", data={"username": "raad6", "password": DEMO_PASSWORD}).status_code == 302
    away_page = client.get("/konto/fravaer").get_data(as_text=True)
    assert re.search(r">raad5</td><td[^>]*>raad6</td>", away_page)
