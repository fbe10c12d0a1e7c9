"""Fixtures: one app per test session on a migrated database, and a transaction per test.

With TEST_DATABASE_URL / TEST_REDIS_URL set (CI sets both) the tests talk to that PostgreSQL and
Redis; otherwise to a fresh SQLite file and the in-process fakeredis.
"""
import contextvars
from dataclasses import dataclass

import flask_migrate
import pytest

from flask.testing import FlaskClient

import tenants
from config import TestConfig
from marketplace import create_app, jobs
from marketplace.accounts.models import Role
from marketplace.extensions import AppSession, db, limiter

from . import factories
from .helpers import sign_in


def make_test_app(database_url, **settings):
    config = type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, **settings})
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()
    return app


def _database_name_for(request):
    return "".join(c if c.isalnum() else "_" for c in request.node.module.__name__.split(".")[-1])


@pytest.fixture
def own_app(request, app):
    """An app on a PostgreSQL database of the test's own, created empty, migrated, and dropped
    afterwards: for tests whose transactions must really commit and run at the same time (mark
    them ``own_database``; the rest of the suite runs inside one rolled-back transaction)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    if not (TestConfig.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): SQLite serialises writers")
    url = make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    name = f"{url.database}_{_database_name_for(request)}"[:63]
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    own = make_test_app(url.set(database=name).render_as_string(hide_password=False))
    try:
        yield own
    finally:
        with own.app_context():
            jobs.get_queue().empty()  # its jobs name rows of this database only
            db.session.remove()
            db.engine.dispose()
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()
        limiter.init_app(app)  # the limiter is one object: give it back the suite's storage


@pytest.fixture
def fresh_app(app):
    """``fresh_app(**settings)``: another app, as a newly started worker would build it with
    those settings, on the suite's database and inside this test's rolled-back transaction
    (every session joins it). The limiter is one object shared by every app, so it is handed
    back to the suite's app afterwards."""
    made = []

    def make(**settings):
        config = type("Config", (TestConfig,), {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **settings})
        made.append(create_app(config))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()
    limiter.init_app(app)
    # init_app does not clear Flask-Limiter's "storage is down" flag, which an app on an
    # unreachable Redis leaves set; the suite's limits must be back on the suite's storage.
    limiter._storage_dead = False


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = TestConfig.SQLALCHEMY_DATABASE_URI or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}")
    app = make_test_app(url)
    # With a real Redis, jobs queued by tests (e.g. invitation emails for rows that are then
    # rolled back) are never run; start and end with an empty queue.
    with app.app_context():
        jobs.get_queue().empty()
    yield app
    with app.app_context():
        jobs.get_queue().empty()


@pytest.fixture(autouse=True)
def session(request):
    """Run the test inside a transaction that is rolled back, whatever the services commit.

    The accessibility checks serve a real app from another thread on their own database, and
    ``own_database`` tests commit for real in a database of their own, so both keep the
    ordinary session."""
    if request.node.get_closest_marker("a11y") or request.node.get_closest_marker(
            "own_database"):
        yield None
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # Every session (the test's, and each request's) joins the outer transaction.
        db.session = db._make_scoped_session({
            "class_": AppSession, "expire_on_commit": False, "bind": connection,
            "join_transaction_mode": "create_savepoint",
        })
        limiter.reset()
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs as in production: in a fresh app context (its
    own ``g``, database session and organisation scope), not inside the test's."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    return IsolatedClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@dataclass
class World:
    """A small region: the host, two members and two providers, with a user per role."""

    host: tenants.Authority
    member: tenants.Authority
    other_member: tenants.Authority
    provider: object
    host_admin: object
    evaluator: object
    manager: object
    officer: object
    other_manager: object
    other_officer: object
    provider_user: object
    other_provider: object
    other_provider_user: object


@pytest.fixture
def world():
    return make_world()


def make_world():
    """The world fixture's region, for tests that build it in a database of their own."""
    host = factories.authority("Cheshire East", host=True)
    member = factories.authority("Manchester")
    other = factories.authority("Stockport")
    provider = factories.provider("Brookvale School Ltd")
    other_provider = factories.provider("Larchfield School Ltd")
    return World(
        host=host, member=member, other_member=other, provider=provider,
        host_admin=factories.user(host, Role.HOST_ADMIN),
        evaluator=factories.user(host, Role.EVALUATOR),
        manager=factories.user(member, Role.AUTHORITY_MANAGER),
        officer=factories.user(member, Role.PLACEMENT_OFFICER),
        other_manager=factories.user(other, Role.AUTHORITY_MANAGER),
        other_officer=factories.user(other, Role.PLACEMENT_OFFICER),
        provider_user=factories.user(provider, Role.PROVIDER_USER),
        other_provider=other_provider,
        other_provider_user=factories.user(other_provider, Role.PROVIDER_USER),
    )


@pytest.fixture
def as_user(client):
    """``as_user(user)`` signs ``user`` in on the test client and returns the client."""
    return lambda user: sign_in(client, user)


@pytest.fixture
def scoped():
    """``with scoped(organisation):`` runs test code on behalf of that organisation."""
    return tenants.scoped_to
