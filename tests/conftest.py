"""Fixtures: databases (SQLite and a real PostgreSQL), the app, clients, users per role."""
from __future__ import annotations

import itertools
import shutil
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).parent))

from pgserver import PostgresServer  # noqa: E402

from web import create_app  # noqa: E402
from web.cli import init_db  # noqa: E402

_counter = itertools.count()

# Cheap argon2 parameters: the tests log in hundreds of times; production keeps the defaults.
from argon2 import PasswordHasher  # noqa: E402

from workflows.directory import use_password_hasher  # noqa: E402

use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


# ------------------------------------------------------------------ databases

@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite database with the bundled processes deployed, copied per test."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True})
    init_db(app)
    with app.app_context():
        from web.extensions import db

        db.engine.dispose()  # the last connection checkpoints the WAL into the file we copy
    return path


@pytest.fixture(scope="session")
def postgres_server():
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_template(postgres_server) -> str:
    url = postgres_server.create_database("byplan_template")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    init_db(app)
    with app.app_context():
        from web.extensions import db

        db.engine.dispose()
    return "byplan_template"


def _sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "byplan.sqlite"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


def _postgres_url(server: PostgresServer, template: str) -> str:
    name = f"t_{next(_counter)}"
    with psycopg.connect(server.conninfo_for("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return server.url_for(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, sqlite_template, tmp_path) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return _sqlite_url(sqlite_template, tmp_path)
    server = request.getfixturevalue("postgres_server")
    return _postgres_url(server, request.getfixturevalue("postgres_template"))


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path) -> str:
    return _sqlite_url(sqlite_template, tmp_path)


# ------------------------------------------------------------------------ app

def make_app(url: str, **config):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                       "SECRET_KEY": "test", **config})


@pytest.fixture
def app(db_url):
    app = make_app(db_url)
    yield app
    with app.app_context():
        from web.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def byplan(app):
    return app.extensions["byplan"]


@pytest.fixture
def session(app):
    from web.extensions import db

    with app.app_context():
        yield db.session


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


@pytest.fixture
def people(app) -> People:
    return People(app)
