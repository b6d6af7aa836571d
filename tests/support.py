"""Test helpers shared by the conftest files: the app factory for tests and users per role."""
from __future__ import annotations

from sqlalchemy import select

from web import create_app


# Tests travel in time while signed in (deadlines, timers): their sessions neither idle out nor grow too old,
# unless a test sets these itself (tests/reliability/test_sessions.py).
LONG_SESSIONS = {"SESSION_IDLE_MINUTES": 60 * 24 * 365 * 100, "SESSION_MAX_HOURS": 24 * 365 * 100}


def make_app(url: str, **config):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                       "SECRET_KEY": "test", **LONG_SESSIONS, **config})


class People:
    """Users for every role, a working group and a second group; created in the test database."""

    PASSWORD = "correct horse battery"

    def __init__(self, app):
        from web.extensions import db
        from workflows.directory import (
            ADMIN, COUNCIL_CHAIR, COUNCIL_MEMBER, MUNICIPALITY_CONTACT, SECRETARIAT, Municipality,
            WorkingGroup, add_member, create_user,
        )

        self.app = app
        with app.app_context():
            s = db.session
            muni = Municipality(code="860", name="Hjørring", region="Midt-Nord")
            self.group = WorkingGroup(name="Brugerstyring")
            self.other_group = WorkingGroup(name="Data")
            s.add_all([muni, self.group, self.other_group])
            s.flush()
            spec = [("lead", ()), ("member", ()), ("outsider", ()), ("secretary", (SECRETARIAT,)),
                    ("chair", (COUNCIL_CHAIR, COUNCIL_MEMBER)), ("councillor", (COUNCIL_MEMBER,)),
                    ("contact", (MUNICIPALITY_CONTACT,)), ("admin", (ADMIN,))]
            users = {name: create_user(s, name, name.title(), f"{name}@example.org", self.PASSWORD, roles,
                                       muni if name == "contact" else None) for name, roles in spec}
            add_member(s, users["lead"], self.group, lead=True)
            add_member(s, users["member"], self.group)
            add_member(s, users["outsider"], self.other_group)
            s.commit()
            self.ids = {name: u.id for name, u in users.items()}
            self.group_id = self.group.id
            self.other_group_id = self.other_group.id

    def user(self, name: str):
        from web.extensions import db
        from workflows.directory import User

        return db.session.scalar(select(User).where(User.username == name))

    def login(self, client, name: str):
        response = client.post("/login", data={"username": name, "password": self.PASSWORD})
        assert response.status_code == 302, response.data
        return client

    def token(self, name: str) -> str:
        from web.extensions import db
        from workflows.directory import create_token

        with self.app.app_context():
            value = create_token(db.session, self.user(name), "test")
            db.session.commit()
        return value
