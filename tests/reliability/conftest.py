"""Fixtures of the reliability suite: the demo data as a database (built once per session)."""
from __future__ import annotations

import pytest

from reliability_support import build_demo_database, copy_demo
from support import make_app


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory, sqlite_template):
    return build_demo_database(sqlite_template, tmp_path_factory.mktemp("demo") / "demo.sqlite")


@pytest.fixture
def demo_app(demo_template, tmp_path):
    app = make_app(copy_demo(demo_template, tmp_path))
    yield app
    with app.app_context():
        from web.extensions import db

        db.session.remove()
        db.engine.dispose()
