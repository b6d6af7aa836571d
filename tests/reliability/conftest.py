"""Fixtures of the reliability suite: the demo data as a database (built once per session).

`demo_app` runs on SQLite; `demo_db_app` runs its test once on SQLite and once on PostgreSQL, where
VARCHAR lengths, integer ranges and NUL-free text are enforced.
"""
from __future__ import annotations

import pytest

from reliability_support import BACKENDS, build_demo_database, copy_demo, demo_url, load_demo_into
from support import make_app


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory, sqlite_template):
    return build_demo_database(sqlite_template, tmp_path_factory.mktemp("demo") / "demo.sqlite")


@pytest.fixture(scope="session")
def demo_postgres_template(postgres_server, postgres_template) -> str:
    """The demo data in a PostgreSQL database that serves as the template of each test's database."""
    name = "byplan_demo_template"
    load_demo_into(postgres_server.create_database(name, postgres_template))
    return name


def _serve(app):
    yield app
    with app.app_context():
        from web.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def demo_app(demo_template, tmp_path):
    yield from _serve(make_app(copy_demo(demo_template, tmp_path)))


@pytest.fixture(params=BACKENDS)
def fresh_demo_db(request, tmp_path):
    """Makes apps on fresh copies of the demo database, once on SQLite and once on PostgreSQL: the
    records have the same ids in every copy."""
    apps = []

    def make():
        directory = tmp_path / f"db{len(apps)}"
        directory.mkdir()
        apps.append(make_app(demo_url(request, directory)))
        return apps[-1]

    yield make
    for app in apps:
        for _ in _serve(app):
            pass


@pytest.fixture
def demo_db_app(fresh_demo_db):
    """The demo app, once on SQLite and once on PostgreSQL."""
    return fresh_demo_db()
