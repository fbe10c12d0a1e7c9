"""Engine settings: what every connection the app opens is set to."""
import pytest
from sqlalchemy import text

from config import TestConfig
from marketplace.extensions import db

POSTGRESQL = (TestConfig.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql")


@pytest.mark.skipif(not POSTGRESQL, reason="needs PostgreSQL (TEST_DATABASE_URL): JIT")
def test_postgresql_jit_is_off_on_the_apps_connections(app):
    """An OLTP workload never gains from JIT compilation, and mis-estimated queries paid for it
    on every request (PostgreSQL's default is on)."""
    with app.app_context():
        assert db.session.execute(text("SHOW jit")).scalar() == "off"
        with db.engine.connect() as fresh:  # a new connection, not the test's
            fresh.invalidate()
        with db.engine.connect() as fresh:
            assert fresh.execute(text("SHOW jit")).scalar() == "off"
        with db.engine.connect() as fresh:
            server_default = fresh.execute(text(
                "SELECT boot_val FROM pg_settings WHERE name = 'jit'")).scalar()
    assert server_default == "on"  # so the test can fail: the server would JIT otherwise
