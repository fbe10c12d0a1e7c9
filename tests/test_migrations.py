"""The migrations and the models agree: the test database is built by Alembic alone (see
conftest), and comparing it with the models finds nothing for autogenerate to add. CI runs this
on PostgreSQL as well as SQLite, so every model change must ship with its migration."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from marketplace.extensions import db


def test_the_migrated_database_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
