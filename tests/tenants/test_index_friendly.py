"""Tenant scoping stays index-friendly: for every organisation-owned model, the scoped
``select(Model)`` of a member authority, of the host and of a provider can be answered from
indexes.

A rule such as ``organisation_id = :org OR EXISTS (invitation ...)`` cannot use an index: at a
national scale (30,000 call-offs) it read the whole table for every page. With sequential scans
priced out (``enable_seqscan = off``) PostgreSQL still reads a table in full, by a sequential
scan or by walking a whole index with a filter, exactly when no index can answer the predicate,
so the plan tells us.

The models are discovered from ``OrganisationOwned``'s subclasses, so a new model is covered
without touching this test. A model whose rule lets that kind of organisation see every row
(``true()``: lots, windows, vacancies for authorities) is read in full by design, and only that
scan is allowed. PostgreSQL only: SQLite has no such planner setting.
"""
import importlib
import json
import pkgutil

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.sql.elements import True_

import marketplace
import tenants
from config import TestConfig
from marketplace.extensions import db

pytestmark = pytest.mark.skipif(
    not (TestConfig.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql"),
    reason="needs PostgreSQL (TEST_DATABASE_URL): EXPLAIN and enable_seqscan")


def _organisation_owned_models():
    # Every package's models, imported as the app would: collection runs before any app exists.
    for module in pkgutil.walk_packages(marketplace.__path__, "marketplace."):
        if module.name.endswith(".models"):
            importlib.import_module(module.name)
    found, stack = set(), list(tenants.OrganisationOwned.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if "__table__" in cls.__dict__:
            found.add(cls)
    return sorted(found, key=lambda cls: cls.__name__)


MODELS = _organisation_owned_models()
KINDS = list(tenants.ScopeKind)


def _organisation_of(world, kind):
    return {tenants.ScopeKind.MEMBER: world.member, tenants.ScopeKind.HOST: world.host,
            tenants.ScopeKind.PROVIDER: world.provider}[kind]


def _plan(statement):
    """PostgreSQL's plan (JSON) for the SQL the scoped ORM runs for ``statement``."""
    seen = []

    def capture(conn, cursor, sql, parameters, context, executemany):
        seen.append((sql, parameters))

    connection = db.session.connection()
    event.listen(connection, "before_cursor_execute", capture)
    try:
        db.session.execute(statement).unique().all()
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    sql, parameters = seen[0]  # the select itself; selectin loads of nothing run nothing
    [[plan]] = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}", parameters).all()
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _sees_every_row(model, kind, organisation):
    rule = model.__visible_to__(kind, organisation.id, tenants.utcnow())
    return isinstance(rule, True_)


def _full_reads(plan):
    """The plan's scans that read a whole table or index: a sequential scan, or an index scan
    with no condition on the index (what ``enable_seqscan = off`` makes of a predicate that no
    index can answer)."""
    for node in _nodes(plan):
        if node["Node Type"] == "Seq Scan" or (
                node["Node Type"] in ("Index Scan", "Index Only Scan")
                and "Index Cond" not in node):
            yield node


def _describe(node):
    return (f"{node['Node Type']} on {node['Relation Name']}"
            + (f" filtering {node['Filter']}" if "Filter" in node else ""))


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_the_scoped_select_of_every_owned_model_uses_indexes(world, model):
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    table, wrong, plans = model.__table__.name, [], []
    for kind in KINDS:
        organisation = _organisation_of(world, kind)
        with tenants.scoped_to(organisation):
            plan = _plan(select(model))
        everything = _sees_every_row(model, kind, organisation)
        # A filtered full read is a predicate no index answers, whichever table it is on. A
        # sequential scan of the model's own table, even unfiltered, means no index leads to its
        # rows at all; only a kind that may see every row may have one. (An unfiltered index
        # scan feeding a hash join is the planner's choice for many rows, not a missing index.)
        found = [_describe(node) for node in _full_reads(plan)
                 if "Filter" in node or (node["Node Type"] == "Seq Scan"
                                         and node["Relation Name"] == table and not everything)]
        if found:
            wrong.append(f"scoped to a {kind}: {'; '.join(found)}")
            plans.append(json.dumps(plan, indent=1))
    assert not wrong, (
        f"{model.__name__}: " + " | ".join(wrong) + ". Give the rule an indexable form for "
        "that kind, or add the index it needs. Plans:\n" + "\n".join(plans))


def test_the_walk_finds_every_organisation_owned_model():
    names = {model.__name__ for model in MODELS}
    assert {"CallOff", "CallOffInvitation", "Offer", "Award", "Placement", "Vacancy",
            "ProviderDocument", "AuditEvent", "OutboxMessage", "Application"} <= names
    assert len(MODELS) >= 35
