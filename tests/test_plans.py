"""The key pages' SQL keeps the plans that made them fast at national scale (docs/performance.md).

Each page of the benchmark is requested on a tiny national data set (``flask demo national``);
every statement it runs is EXPLAINed on PostgreSQL with sequential scans and sorts priced out
(``enable_seqscan``, ``enable_sort`` off). Then a plan still reads a large table in full, or
still sorts, exactly when no index can give those rows or that order, which at scale 1.0 is a
page that reads a whole table or sorts a provider's 16,000 invitations for 25 of them.
PostgreSQL only: SQLite has no such planner settings.
"""
import json

import pytest
from sqlalchemy import event, text

import tenants
from config import TestConfig
from marketplace import demo, national
from marketplace.accounts.models import User
from marketplace.extensions import db

from .conftest import IsolatedClient
from .helpers import sign_in

pytestmark = pytest.mark.skipif(
    not (TestConfig.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql"),
    reason="needs PostgreSQL (TEST_DATABASE_URL): EXPLAIN and its planner settings")

# The tables that grow with the country's placements: never read whole on a key page.
LARGE = {"call_off", "call_off_invitation", "offer", "offer_receipt", "quality_mark", "award",
         "placement", "audit_event", "clarification_question", "clarification_answer",
         "user_account", "credential", "outbox_message"}


@pytest.fixture
def national_set():
    demo.seed()
    national.build(scale=0.002, seed=11, vacuum=False)
    connection = db.session.connection()

    def one(sql):
        return connection.execute(text(sql)).scalar()

    busiest = one("SELECT organisation_id FROM call_off GROUP BY 1 ORDER BY count(*) DESC "
                  "LIMIT 1")
    provider = one("SELECT provider_id FROM call_off_invitation GROUP BY 1 "
                   "ORDER BY count(*) DESC LIMIT 1")
    evaluated = one(f"SELECT id FROM call_off WHERE organisation_id = {busiest} "
                    "AND status = 'placed' AND route = 'competition' ORDER BY id LIMIT 1")

    def user(organisation_id, role):
        user_id = one(f"SELECT id FROM user_account WHERE organisation_id = {organisation_id} "
                      f"AND role = '{role}' ORDER BY id LIMIT 1")
        with tenants.scoped_to(db.session.get(tenants.Organisation, organisation_id)):
            return db.session.get(User, user_id)

    host = one("SELECT id FROM authority WHERE role = 'host'")
    return {"officer": user(busiest, "placement_officer"),
            "manager": user(busiest, "authority_manager"),
            "provider": user(provider, "provider_user"), "host": user(host, "host_admin"),
            "evaluated": evaluated}


PAGES = [
    ("officer", "/call-offs"), ("officer", "/api/v1/call-offs"),
    ("officer", "/call-offs/{evaluated}/evaluation"),
    ("officer", "/api/v1/call-offs/{evaluated}/evaluation"),
    ("provider", "/call-offs"), ("provider", "/api/v1/call-offs"),
    ("officer", "/placements"), ("officer", "/api/v1/placements"),
    ("provider", "/placements"), ("provider", "/api/v1/placements"),
    ("officer", "/dashboard"), ("manager", "/dashboard"), ("provider", "/dashboard"),
    ("host", "/dashboard"), ("host", "/audit"), ("manager", "/audit"),
    ("officer", "/providers/vacancies"),
]


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


# The host's audit list merges two chains, its own and the system's (``organisation_id IS
# NULL``): PostgreSQL 15 cannot read two index ranges as one ordered stream, so it sorts them.
# Both are small beside the members' chains (1,697 events at scale 1.0, sorted in 10 ms).
ALLOWED_SORTS = {("host", "/audit")}


def _problems(plan, paged=False):
    """What reads more than the page: a large table read whole, an index walked whole with a
    filter, or (under a LIMIT: a paged list) a sort of a large table's rows, which sorts every
    matching row for one page. A sort of a list shown whole (one call-off's offers) is bounded
    by what it shows; the vacancies board sorts vacancies, a few per provider."""
    for node in _nodes(plan):
        if node["Node Type"] == "Limit":
            paged = True
        relation = node.get("Relation Name")
        if node["Node Type"] == "Seq Scan" and relation in LARGE:
            yield f"reads all of {relation}" + (f" filtering {node['Filter']}"
                                               if "Filter" in node else "")
        if (node["Node Type"] in ("Index Scan", "Index Only Scan") and relation in LARGE
                and "Index Cond" not in node and "Filter" in node):
            yield f"walks all of {relation}'s index {node['Index Name']} filtering {node['Filter']}"
        sorted_tables = {n.get("Relation Name") for n in _nodes(node)} & LARGE
        if node["Node Type"] in ("Sort", "Incremental Sort") and paged and sorted_tables:
            yield (f"sorts {', '.join(sorted(sorted_tables))} by "
                   f"{', '.join(node.get('Sort Key', []))} for one page")


def test_the_key_pages_read_only_what_they_show(national_set, app):
    """One data set for every page (building it is the slow part); all problems reported."""
    wrong = []
    for who, path in PAGES:
        wrong += _page_problems(app, national_set, who, path)
    assert not wrong, "\n".join(wrong)


def _page_problems(app, national_set, who, path):
    url = path.format(evaluated=national_set["evaluated"])
    client = sign_in(IsolatedClient(app, app.response_class, use_cookies=True), national_set[who])
    seen = []

    def capture(conn, cursor, sql, parameters, context, executemany):
        if sql.lstrip().upper().startswith("SELECT"):
            seen.append((sql, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert response.status_code == 200, (url, response.text[-1500:])
    assert seen, url
    connection = db.session.connection()
    connection.execute(text("SET LOCAL enable_seqscan = off"))
    sorts_allowed = (who, path) in ALLOWED_SORTS
    connection.execute(text(f"SET LOCAL enable_sort = {'on' if sorts_allowed else 'off'}"))
    wrong = []
    for sql, parameters in seen:
        [[plan]] = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}", parameters).all()
        plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
        found = [problem for problem in _problems(plan)
                 if not (sorts_allowed and problem.startswith("sorts"))]
        if found:
            wrong.append(f"{who} {url}: {'; '.join(found)}\n  in: {' '.join(sql.split())[:300]}")
    connection.execute(text("SET LOCAL enable_seqscan = on"))
    connection.execute(text("SET LOCAL enable_sort = on"))
    return wrong
