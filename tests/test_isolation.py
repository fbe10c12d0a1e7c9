"""The isolation matrix: every route that takes an object's id answers 404 to people of other
organisations, for the web pages and every route added later, found by walking the URL map."""
import re
from dataclasses import dataclass
from typing import Callable

import pytest

import tenants
from config import TestConfig
from marketplace import create_app
from marketplace.extensions import AppSession

from .helpers import bearer_token, sign_in
from .notifications.factories import failed_message
from .purchasing import factories as purchasing_factories
from .calloffs import factories as call_off_factories
from .evaluation import factories as evaluation_factories
from .windows import factories as windows_factories
from .providers import factories as provider_factories
from .specifications import factories as specification_factories
from .placements import fee_factories as placement_fee_factories
from .contracts import factories as contract_factories

# Arguments that are not object ids: static file names, and capability tokens that are
# themselves the secret (an invitation link works for whoever holds it, and only once).
NOT_OBJECT_IDS = {"filename", "token"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _arguments(rule):
    return set(re.findall(r"<(?:\w+:)?(\w+)>", rule))


def _id_taking_routes():
    app = create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))
    routes = []
    for rule in app.url_map.iter_rules():
        if not set(rule.arguments) - NOT_OBJECT_IDS or rule.arguments & NOT_OBJECT_IDS:
            continue
        for method in sorted(rule.methods - IGNORED_METHODS):
            routes.append(pytest.param(rule.rule, rule.endpoint, method,
                                       id=f"{method} {rule.rule}"))
    return routes



@dataclass(frozen=True)
class Owned:
    """How to make the object an id names, who owns it, and who must be told it does not exist."""

    make: Callable
    owner: str = "manager"
    outsiders: tuple = ("other_manager", "other_officer", "provider_user")


def provider_owned(make):
    """An object belonging to the provider "provider": other providers and authorities that have
    no business with it get 404 (the host may see some provider objects; that is tested in its
    package)."""
    return Owned(make, owner="provider_user",
                 outsiders=("other_provider_user", "manager", "other_officer"))


def shared(make):
    """An object every organisation in the region may read (the system, its lots, windows,
    published specifications): there are no outsiders; the host's administrator must reach it."""
    return Owned(make, owner="host_admin", outsiders=())


# For each kind of id, the object the route is asked for. A new route whose argument is missing
# here fails the matrix until it is added.
OWNED_OBJECTS = {
    "user_id": Owned(lambda world: world.officer.id),
    "authority_id": Owned(lambda world: world.member.id),
    "token_id": Owned(lambda world: bearer_token(world.manager).record.id),
    # The host's administrators also see it, by design: the host runs delivery for the region.
    "message_id": Owned(lambda world: failed_message(world.member).id),
    "lot_id": shared(lambda world: purchasing_factories.lot(world.host).id),
    "window_id": shared(lambda world: windows_factories.window(world.host).id),
    # The host's library questionnaire: only the host reads it.
    "question_id": Owned(lambda world: windows_factories.questionnaire(world.host).questions[0].id,
                         owner="host_admin", outsiders=("manager", "provider_user")),
    "application_id": provider_owned(lambda world: windows_factories.application(
        world.provider, windows_factories.window(world.host), submitted=True).id),
    # Admissions are the host's, read by every authority; Brookvale's admission is none of
    # another provider's business.
    "admission_id": Owned(lambda world: evaluation_factories.admission(
        world.host, world.provider).id, owner="host_admin", outsiders=("other_provider_user",)),
    # A provider's profile, rate card and vacancies are read by every authority; other providers
    # are told they do not exist (members cannot read documents either: see tests/providers).
    "provider_id": Owned(lambda world: world.provider.id, owner="provider_user",
                         outsiders=("other_provider_user",)),
    "document_id": provider_owned(lambda world: provider_factories.document(
        world.provider_user).id),
    "vacancy_id": Owned(lambda world: provider_factories.vacancy(world.provider_user).id,
                        owner="provider_user", outsiders=("other_provider_user",)),
    # Published versions are read by everyone (drafts are 404 to all but the host: see
    # tests/specifications/test_versions.py).
    "specification_id": shared(
        lambda world: specification_factories.published_version(world).specification_id),
    "version_id": shared(lambda world: specification_factories.published_version(world).id),
    "schedule_id": Owned(lambda world: specification_factories.local_schedule(world.member).id),
    # One whole call-off (see call_off_factories.case): Manchester's, Brookvale invited, offered,
    # awarded and placed; Larchfield removed before publication, so an outsider to all of it.
    # The offer is Brookvale's; Manchester reads it because its deadline has passed (before
    # then Manchester is an outsider too: tests/calloffs/test_offers.py).
    "call_off_id": Owned(lambda world: call_off_factories.case(world).call_off.id,
                         outsiders=("other_manager", "other_officer", "other_provider_user")),
    "clarification_id": Owned(lambda world: call_off_factories.case(world).question.id,
                              outsiders=("other_manager", "other_officer",
                                         "other_provider_user")),
    "offer_id": Owned(lambda world: call_off_factories.case(world).offer.id,
                      owner="provider_user",
                      outsiders=("other_provider_user", "other_manager", "other_officer")),
    "award_id": Owned(lambda world: call_off_factories.case(world).award.id,
                      outsiders=("other_manager", "other_officer", "other_provider_user")),
    "placement_id": Owned(lambda world: call_off_factories.case(world).placement.id,
                          outsiders=("other_manager", "other_officer", "other_provider_user")),
    "review_id": Owned(lambda world: call_off_factories.case(world).review.id,
                       outsiders=("other_manager", "other_officer", "other_provider_user")),
    # Term dates are read by everyone (a provider's only where its provider_id is visible): the
    # default's and Brookvale's 2026-27 calendars, saved so that reading them finds something.
    "academic_year": shared(lambda world: _term_calendars(world)),
    # Brookvale's uplift proposal on that placement; Manchester decides it.
    "proposal_id": Owned(lambda world: placement_fee_factories.proposal(
        world.provider_user, call_off_factories.case(world).placement).id,
        owner="provider_user", outsiders=("other_provider_user", "other_manager",
                                          "other_officer")),
    # An extension option's number only means something within its contract.
    "number": shared(lambda world: 1),
    # Index series (CPI) are the host's, read by everyone.
    "index_code": shared(lambda world: placement_fee_factories.cpi(
        world.host, {(2026, 9): 380}).code),
    # Manchester's block contract with Brookvale (issue 13), with a KPI and a document: Brookvale,
    # its supplier, reads it (not its re-procurement plan: tests/contracts/test_pipeline.py);
    # Stockport and Larchfield are told it does not exist.
    "contract_id": Owned(lambda world: _monitored_contract(world).contract.id,
                         outsiders=("other_manager", "other_officer", "other_provider_user")),
    "kpi_id": Owned(lambda world: _monitored_contract(world).kpi.id,
                    outsiders=("other_manager", "other_officer", "other_provider_user")),
    "contract_document_id": Owned(lambda world: _monitored_contract(world).document.id,
                                  outsiders=("other_manager", "other_officer",
                                             "other_provider_user")),
    # Cost sharing (issue 14) is the host's working: a year's costs and its runs do not exist
    # for members or providers. A member's statement is its own ("authority_id" decides: the
    # approved run's statement of Manchester is none of Stockport's business).
    "financial_year": Owned(lambda world: "2026-27", owner="host_admin",
                            outsiders=("manager", "other_officer", "provider_user")),
    "run_id": Owned(lambda world: _cost_sharing_run(world), owner="host_admin",
                    outsiders=("manager", "other_manager", "provider_user")),
    # Manchester's invoice for that run: recording its payment is the host's (Manchester reads
    # it in its own list, which takes no id).
    "invoice_id": Owned(lambda world: _cost_sharing_invoice(world), owner="host_admin",
                        outsiders=("manager", "other_manager", "provider_user")),
}


def _monitored_contract(world):
    """One contract of Manchester's with Brookvale, a KPI and a document, cached on the world
    (routes ask for the contract, its KPI and its document separately)."""
    made = getattr(world, "_monitored_contract", None)
    if made is not None:
        return made
    from types import SimpleNamespace

    from marketplace.contracts import monitoring

    from .providers.factories import PDF

    contract = contract_factories.contract(world.member, world.provider)
    with tenants.scoped_to(world.member):
        kpi = monitoring.add_kpi(world.officer, contract.id, name="Seen within 6 weeks",
                                 frequency="quarterly")
        document = monitoring.upload_document(world.officer, contract.id, title="Signed",
                                              filename="contract.pdf", content=PDF)
    made = SimpleNamespace(contract=contract, kpi=kpi, document=document)
    world._monitored_contract = made
    return made


def _cost_sharing_invoice(world):
    from sqlalchemy import select

    from marketplace.costsharing import services as cost_sharing
    from marketplace.costsharing.models import CostSharingInvoice
    from marketplace.extensions import db

    run_id = _cost_sharing_run(world)
    with tenants.scoped_to(world.host):
        found = db.session.scalar(select(CostSharingInvoice.id).where(
            CostSharingInvoice.authority_id == world.member.id))
        if found is None:
            found = next(i.id for i in cost_sharing.raise_invoices(world.host_admin, run_id)
                         if i.authority_id == world.member.id)
    return found


def _cost_sharing_run(world):
    """An approved budget run for 2026-27 sharing the host's costs with Manchester and
    Stockport (made once per test)."""
    from sqlalchemy import select

    from marketplace.costsharing.models import CostSharingRun
    from marketplace.extensions import db

    from .costsharing import factories as cost_sharing_factories

    with tenants.scoped_to(world.host):
        found = db.session.scalar(select(CostSharingRun.id))
    if found is not None:
        return found
    cost_sharing_factories.terms(world)
    cost_sharing_factories.costs(world)
    made = cost_sharing_factories.run(world)
    cost_sharing_factories.approve(world, made.id)
    return made.id


def _term_calendars(world):
    from datetime import date

    from marketplace.placements import calendars

    terms = [{"name": "Autumn 1", "starts_on": date(2026, 9, 3), "ends_on": date(2026, 10, 23)}]
    for user, provider_id in ((world.host_admin, None), (world.provider_user, world.provider.id)):
        with tenants.scoped_to(user.organisation):
            if calendars.get_calendar(user, 2026, provider_id) is None:
                calendars.save_calendar(user, 2026, terms, provider_id)
    return "2026-27"


def _owned(rule_arguments):
    """The route's most private object decides who owns it and who is an outsider."""
    known = [OWNED_OBJECTS[a] for a in sorted(rule_arguments) if a in OWNED_OBJECTS]
    private = [o for o in known if o.outsiders]
    return (private or known or [None])[0]


ROUTES = _id_taking_routes()
MATRIX = [
    pytest.param(*route.values, outsider, id=f"{route.id} as {outsider}")
    for route in ROUTES
    for outsider in (_owned(_arguments(route.values[0])) or Owned(None, "", ("?",))).outsiders
]


def _url(app, endpoint, world):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    missing = rule.arguments - OWNED_OBJECTS.keys()
    assert not missing, f"add {missing} to OWNED_OBJECTS so {rule.rule} joins the matrix"
    with app.test_request_context():
        from flask import url_for
        return url_for(endpoint,
                       **{arg: OWNED_OBJECTS[arg].make(world) for arg in rule.arguments})


def test_the_matrix_finds_the_id_taking_routes():
    """The walk is not empty: it finds the routes we know take ids."""
    endpoints = {p.values[1] for p in ROUTES}
    assert {"accounts.user", "accounts.deactivate_user", "authorities.authority"} <= endpoints


def _api_body(app, url, method):
    """An empty body of the media type the operation reads (JSON, or multipart for uploads), so
    that it is the id, not the body's type (415), that decides the answer."""
    from marketplace.api import _accepted_media_types

    try:
        endpoint, _ = app.url_map.bind("localhost").match(url, method=method)
    except Exception:  # no such method here: the router answers, whatever the body
        return {"json": {}}
    if "multipart/form-data" in _accepted_media_types(app.view_functions[endpoint]):
        return {"data": {"title": ""}, "content_type": "multipart/form-data"}
    return {"json": {}}


def _as(client, user, url):
    """A request function for the person: their session for web pages, a bearer token for the
    API (issued now, so the request itself can run with the hook off)."""
    if url.startswith("/api/"):
        headers = {"Authorization": f"Bearer {bearer_token(user).token}"}
        return lambda method: client.open(url, method=method, headers=headers,
                                          **_api_body(client.application, url, method))
    sign_in(client, user)
    return lambda method: client.open(url, method=method, data={})


def _open(client, user, url, method):
    return _as(client, user, url)(method)


@pytest.mark.parametrize("rule, endpoint, method, outsider", MATRIX)
def test_other_organisations_get_404(app, client, world, rule, endpoint, method, outsider):
    url = _url(app, endpoint, world)
    response = _open(client, getattr(world, outsider), url, method)
    assert response.status_code != 403, (
        f"{outsider} got 403 from {url}: another organisation's object must not be admitted to "
        "exist (404), whatever the outsider's role")
    assert response.status_code == 404, f"{outsider} got {response.status_code} from {url}"
    if url.startswith("/api/"):
        assert response.mimetype == "application/problem+json"
        assert response.json["status"] == 404
    else:
        assert b"Page not found" in response.data


@pytest.mark.parametrize("rule, endpoint, method", ROUTES)
def test_the_owner_is_not_refused(app, client, world, rule, endpoint, method):
    """The positive control: the object's owner (the member authority's manager, the provider's
    user, the host's administrator for shared objects) is not told it does not exist (a route
    may still refuse a change their role does not allow, with 403, or refuse bad input, 400/422,
    or a change the object's state does not allow, 409)."""
    url = _url(app, endpoint, world)
    owner = _owned(_arguments(rule)).owner
    response = _open(client, getattr(world, owner), url, method)
    assert response.status_code in (200, 201, 302, 400, 403, 409, 422), (
        f"{owner} got {response.status_code} from {url}")


# Routes serving users, who are organisation-owned and visible by scoping alone (tokens and
# authorities also need their owner or role, so they stay hidden with the hook off).
SCOPED_ROUTES = [p for p in ROUTES if "<id:user_id>" in p.values[0]]


@pytest.mark.parametrize("rule, endpoint, method", SCOPED_ROUTES)
def test_without_the_scoping_hook_the_matrix_fails(app, client, world, rule, endpoint, method):
    """Turn the hook off and the matrix catches the leak: it would fail if scoping were removed
    from any organisation-owned model that a route serves."""
    url = _url(app, endpoint, world)
    request = _as(client, world.other_manager, url)
    tenants.uninstall(AppSession)
    try:
        response = request(method)
    finally:
        tenants.install(AppSession)
    assert response.status_code != 404


def test_forecasts_count_only_the_authoritys_own_placements_and_refuse_providers(
        client, world, time_machine):
    """A forecast has no id to ask for: it is the authority's own spend, counted by scoping
    alone. Each authority's forecast counts only its placements; a provider (even one with
    placements at both) and the host's administrator are refused (403), on the page, its
    downloads and the API."""
    from datetime import date

    from .placements.test_forecasts import make_placement

    time_machine.move_to("2026-12-02 10:00 +00:00", tick=False)
    # 52-week, from 1 April 2026 for two years: £700 a week is 365 × 10,000p = £36,500.00 over
    # 2026-27; £1,400 is £73,000.00.
    for authority, weekly in ((world.member, 70000), (world.other_member, 140000)):
        make_placement(authority, provider=world.provider, type_="residential_52",
                       start=date(2026, 4, 1), end=date(2028, 3, 31), core=weekly)
    query = {"financial_year": "2026-27"}
    expected = ((world.manager, "36500.00"), (world.officer, "36500.00"),
                (world.other_manager, "73000.00"), (world.other_officer, "73000.00"))
    refused = (world.provider_user, world.other_provider_user, world.host_admin)
    # The API first: a signed-in session on the client would be read before a bearer token.
    for user, total in expected:
        body = client.get("/api/v1/forecasts", query_string=query,
                          headers={"Authorization": f"Bearer {bearer_token(user).token}"}).json
        assert (body["total"], body["placements"]) == (total, 1), user
    for user in refused:
        api = client.get("/api/v1/forecasts", query_string=query,
                         headers={"Authorization": f"Bearer {bearer_token(user).token}"})
        assert api.status_code == 403, user
    for user, total in expected:
        sign_in(client, user)
        assert f"£{total[:-6]},{total[-6:]}" in client.get("/forecasts", query_string=query) \
            .get_data(as_text=True)
    for user in refused:
        sign_in(client, user)
        for path in ("/forecasts", "/forecasts.csv", "/forecasts.xlsx"):
            assert client.get(path, query_string=query).status_code == 403, (user, path)
