"""Fixtures: databases (SQLite and a real PostgreSQL), the app, clients, users per role."""
from __future__ import annotations

import itertools
import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from engine_support import TEST_AUDIT_KEY  # noqa: E402

# One audit key for the test apps, CLI runs and engine harnesses, so all of them verify each other's chains.
os.environ.setdefault("BYPLAN_AUDIT_KEY", TEST_AUDIT_KEY)

from pgserver import PostgresServer  # noqa: E402

from web import create_app  # noqa: E402
from web.cli import init_db  # noqa: E402

from support import People, make_app  # noqa: E402

_counter = itertools.count()

# Cheap argon2 parameters: the tests log in hundreds of times; production keeps the defaults.
from argon2 import PasswordHasher  # noqa: E402

from workflows.directory import use_password_hasher  # noqa: E402

use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


# A test that asks for a PostgreSQL server by name (not through a parametrised database fixture, whose
# "postgres" parameter carries the mark already) is a PostgreSQL test too: `make test-quick` leaves it out.
POSTGRES_FIXTURES = {"postgres_server", "postgres_template", "demo_postgres_template"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())) and not item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.postgres)


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
    return server.create_database(f"t_{next(_counter)}", template)


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


@pytest.fixture
def people(app) -> People:
    return People(app)
