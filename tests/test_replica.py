"""Reports on a read replica: REPLICA_DATABASE_URL gives the read-only reports (dashboards'
counts, the audit trail) a session on a second database, scoped to the organisation exactly as
the primary's, that cannot write; everything else, every write included, stays on the primary.

On PostgreSQL the "replica" is a second database of the test's own, with data of its own, so
each answer shows which database it came from. With no replica nothing changes (both engines).
"""
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InternalError

import tenants
from config import ProductionConfig, TestConfig
from marketplace import jobs
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.audit.models import AuditEvent
from marketplace.database import REPLICA, ReadOnlySession, report_session
from marketplace.extensions import db, limiter
from marketplace.web import dashboards

from . import factories
from .conftest import IsolatedClient, make_test_app, make_world

EXTRA_ON_REPLICA = 3  # people the replica's Manchester has and the primary's has not


def _server_and_names():
    url = make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    names = [f"{url.database}_replica_{which}"[:63] for which in ("primary", "copy")]
    return url, server, names


@pytest.fixture
def primary_and_replica(app):
    """An app on a primary database of its own whose REPLICA_DATABASE_URL names a second one;
    both migrated, each given the same small region (so ids match, as on a real replica), and
    the replica three more people in Manchester. Yields (app, primary world, replica url)."""
    if not (TestConfig.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    url, server, (primary_name, copy_name) = _server_and_names()
    with server.connect() as connection:
        for name in (primary_name, copy_name):
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    copy_url = url.set(database=copy_name).render_as_string(hide_password=False)
    copy = make_test_app(copy_url)
    with copy.app_context():
        replica_world = make_world()
        for _ in range(EXTRA_ON_REPLICA):
            factories.user(replica_world.member)
        db.session.remove()
        db.engine.dispose()
    primary = make_test_app(url.set(database=primary_name).render_as_string(hide_password=False),
                            REPLICA_DATABASE_URL=copy_url)
    with primary.app_context():
        world = make_world()
        db.session.remove()
    try:
        yield primary, world, copy_url
    finally:
        with primary.app_context():
            jobs.get_queue().empty()
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
        with server.connect() as connection:
            for name in (primary_name, copy_name):
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()
        limiter.init_app(app)


def _count_on(url, statement):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(statement)
    finally:
        engine.dispose()


@pytest.mark.own_database
def test_dashboard_counts_come_from_the_replica(primary_and_replica):
    app, world, _ = primary_and_replica
    with app.app_context(), tenants.scoped_to(world.member):
        manager = db.session.get(User, world.manager.id)
        on_primary = db.session.scalar(select(func.count(User.id)))
        board = dashboards.for_user(manager)
    assert on_primary == 2  # the manager and the officer
    assert board.users == 2 + EXTRA_ON_REPLICA


@pytest.mark.own_database
def test_the_audit_trail_is_read_from_the_replica_while_the_sign_in_is_written_to_the_primary(
        primary_and_replica):
    app, world, copy_url = primary_and_replica
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    response = client.post("/sign-in", data={"email": world.manager.email,
                                              "password": factories.PASSWORD})
    assert response.status_code == 302 and response.location == "/dashboard"

    page = client.get("/audit")
    assert page.status_code == 200
    signed_in = select(func.count(AuditEvent.id)).where(AuditEvent.action == "user.signed_in")
    with app.app_context(), tenants.scoped_to(world.member):
        assert db.session.scalar(signed_in) == 1  # written to the primary
        manager = db.session.get(User, world.manager.id)
        events = audit.list_events(manager).rows
        api_page = audit.page_of_events(manager, 1, 100)
    assert _count_on(copy_url, signed_in) == 0  # and not to the replica
    assert "Signed in" not in page.text
    actions = [event.action for event, _, _ in events]
    # The replica's Manchester: its two people and three more created, nobody signed in.
    assert actions.count("user.created") == 2 + EXTRA_ON_REPLICA
    assert "user.signed_in" not in actions
    assert api_page.total == len(events)
    assert {e.id for e in api_page.items} == {event.id for event, _, _ in events}


@pytest.mark.own_database
def test_the_replica_session_is_scoped_like_the_primary(primary_and_replica):
    app, world, copy_url = primary_and_replica
    everyone = _count_on(copy_url, text("SELECT count(*) FROM user_account"))
    with app.app_context():
        with tenants.scoped_to(world.member), report_session() as session:
            assert session is not db.session
            organisations = set(session.scalars(select(User.organisation_id)))
            seen = session.scalar(select(func.count(User.id)))
        with report_session() as session:  # no organisation in scope: nothing owned is visible
            assert session.scalar(select(func.count(User.id))) == 0
    assert organisations == {world.member.id}
    assert seen == 2 + EXTRA_ON_REPLICA < everyone


@pytest.mark.own_database
def test_the_replica_session_refuses_to_write(primary_and_replica):
    app, world, _ = primary_and_replica
    with app.app_context(), tenants.scoped_to(world.member):
        assert db.session.scalar(text("SHOW default_transaction_read_only")) == "off"
        with report_session() as session:
            assert session.scalar(text("SHOW default_transaction_read_only")) == "on"
            with pytest.raises(InternalError, match="read-only transaction"):
                session.execute(text("UPDATE user_account SET full_name = 'Changed'"))
        with report_session() as session:
            officer = session.get(User, world.officer.id)
            officer.full_name = "Changed"
            with pytest.raises(ReadOnlySession):
                session.flush()


def test_with_no_replica_reports_read_the_requests_own_session(app, world):
    """The embedded default and every deployment without REPLICA_DATABASE_URL: one engine, and
    a report sees what this session has written (here inside the test's transaction, which a
    session of its own on the same database could not see)."""
    assert REPLICA not in db.engines and set(db.engines) == {None}
    with tenants.scoped_to(world.member):
        with report_session() as session:
            assert session is db.session
        factories.user(world.member)
        board = dashboards.for_user(world.manager)
    assert board.users == 3  # the manager, the officer and the one just made


def test_production_refuses_a_replica_that_is_not_postgresql():
    settings = type("Settings", (ProductionConfig,), {
        "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/app",
        "REDIS_URL": "redis://redis:6379/0", "REPLICA_DATABASE_URL": "sqlite:///replica.db"})
    with pytest.raises(RuntimeError, match="REPLICA_DATABASE_URL"):
        settings.validate()
