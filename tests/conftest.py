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
