"""Providers accept the versions in force and upcoming; call-offs invite only providers that have
accepted every version in force of the specifications that apply."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

import tenants

from marketplace.audit import AuditEvent
from marketplace.errors import Conflict, PermissionDenied
from marketplace.extensions import db
from marketplace.specifications import services
from marketplace.specifications.models import SpecificationAcceptance, SpecificationKind

from ..helpers import assert_constant_queries, bearer_token
from ..purchasing import factories as purchasing_factories
from . import factories

NOW = "2026-11-24 10:00 +00:00"


@pytest.fixture
def documents(world):
    """Core v1 and contract terms v1 in force since April 2025; core v2 from 15 December 2026."""
    core = factories.specification(world.host, title="Core")
    terms = factories.specification(world.host, SpecificationKind.CONTRACT_TERMS, title="Terms")
    return {
        "core": core, "terms": terms,
        "core_v1": factories.version(world.host, core),
        "terms_v1": factories.version(world.host, terms),
        "core_v2": factories.version(world.host, core, effective_on=date(2026, 12, 15),
                                     summary="Stricter reporting."),
    }


def test_a_provider_accepts_a_version_from_its_page(world, as_user, documents, scoped,
                                                    time_machine):
    time_machine.move_to(NOW, tick=False)
    client = as_user(world.provider_user)
    page = client.get("/specifications/acceptances")
    assert page.status_code == 200
    text = page.data.decode()
    # What to accept, and by when: v1 of each is overdue, v2 is due on its effective date.
    assert text.count("Overdue") == 2 and "15 December 2026" in text
    response = client.post(f"/specifications/versions/{documents['core_v2'].id}/accept",
                           data={"next": "acceptances"})
    assert response.status_code == 302 and response.location.endswith(
        "/specifications/acceptances")
    page = client.get(response.location)
    assert "You have accepted Version 2 of Core." in page.data.decode()
    with scoped(world.provider):
        acceptance = db.session.scalars(select(SpecificationAcceptance)).one()
        assert (acceptance.version_id, acceptance.organisation_id, acceptance.accepted_by_id) == (
            documents["core_v2"].id, world.provider.id, world.provider_user.id)
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "specification.accepted")).one()
        assert event.after == {"specification": "Core", "number": 2}


def test_acceptances_are_read_by_the_provider_the_host_and_authorities_but_not_competitors(
        world, documents, scoped, as_user):
    factories.acceptance(world.provider, documents["core_v1"])
    version_id = documents["core_v1"].id
    for organisation, expected in ((world.provider, [world.provider.id]),
                                   (world.host, [world.provider.id]),
                                   (world.member, [world.provider.id]),
                                   (world.other_provider, [])):
        with scoped(organisation):
            assert [a.organisation_id for a in services.list_acceptances(version_id)] == expected
    page = as_user(world.officer).get(f"/specifications/versions/{version_id}")
    assert world.provider.name.encode() in page.data
    page = as_user(world.other_provider_user).get(f"/specifications/versions/{version_id}")
    assert world.provider.name.encode() not in page.data


def test_a_version_is_accepted_once_and_a_superseded_one_not_at_all(
        world, documents, scoped, time_machine):
    time_machine.move_to("2027-01-05 09:00 +00:00", tick=False)  # v2 is in force
    with scoped(world.provider):
        services.accept_version(world.provider_user, documents["core_v2"].id)
        with pytest.raises(Conflict, match="has already accepted Version 2 of Core"):
            services.accept_version(world.provider_user, documents["core_v2"].id)
        with pytest.raises(Conflict, match="Version 1 of Core has been superseded by Version 2"):
            services.accept_version(world.provider_user, documents["core_v1"].id)


def test_only_providers_accept(world, documents, scoped, as_user):
    with scoped(world.member):
        with pytest.raises(PermissionDenied):
            services.accept_version(world.manager, documents["core_v1"].id)
    assert as_user(world.host_admin).get("/specifications/acceptances").status_code == 403


def test_providers_that_accepted_v1_but_not_v2_drop_out_from_v2s_effective_date(
        world, documents, scoped, time_machine):
    """The call-off rule: a provider that has not accepted the version in force is not
    invited after its effective date; accepting it puts the provider back."""
    factories.acceptance(world.provider, documents["core_v1"])
    factories.acceptance(world.provider, documents["terms_v1"])
    factories.acceptance(world.other_provider, documents["core_v1"])  # never accepted terms
    ids = {world.provider.id, world.other_provider.id}
    time_machine.move_to("2026-12-14 23:59 +00:00", tick=False)
    with scoped(world.member):
        assert services.providers_with_accepted_specifications(
            ids, tenants.utcnow()) == {world.provider.id}
    time_machine.move_to("2026-12-15 00:00 +00:00", tick=False)
    with scoped(world.member):
        assert services.providers_with_accepted_specifications(ids, tenants.utcnow()) == set()
        assert [v.id for v in services.versions_in_force(tenants.utcnow())] == [
            documents["core_v2"].id, documents["terms_v1"].id]
    factories.acceptance(world.provider, documents["core_v2"])
    with scoped(world.member):
        assert services.providers_with_accepted_specifications(
            ids, tenants.utcnow()) == {world.provider.id}
        # The rule is about the time asked, not the clock: before v2, v1 still counts.
        assert services.providers_with_accepted_specifications(
            ids, datetime(2026, 12, 1, tzinfo=timezone.utc)) == {world.provider.id}


def test_a_lot_specification_binds_only_call_offs_in_its_lot(world, documents, scoped):
    day = purchasing_factories.lot(world.host, "DAY")
    residential = purchasing_factories.lot(world.host, "RES52")
    lot_spec = factories.specification(world.host, SpecificationKind.LOT, title="Day", lot=day)
    lot_v1 = factories.version(world.host, lot_spec)
    factories.acceptance(world.provider, documents["core_v1"])
    factories.acceptance(world.provider, documents["terms_v1"])
    at = datetime(2026, 6, 1, tzinfo=timezone.utc)
    with scoped(world.member):
        assert {v.id for v in services.versions_in_force(at, day.id)} == {
            documents["core_v1"].id, documents["terms_v1"].id, lot_v1.id}
        assert services.providers_with_accepted_specifications(
            [world.provider.id], at, lot_id=day.id) == set()
        assert services.providers_with_accepted_specifications(
            [world.provider.id], at, lot_id=residential.id) == {world.provider.id}
        assert services.providers_with_accepted_specifications(
            [world.provider.id], at) == {world.provider.id}


def test_a_specification_with_no_version_in_force_imposes_nothing(world, scoped):
    core = factories.specification(world.host, title="Core")
    factories.version(world.host, core, published=False)
    future = factories.specification(world.host, SpecificationKind.CONTRACT_TERMS)
    factories.version(world.host, future, effective_on=date(2030, 1, 1))
    at = datetime(2026, 6, 1, tzinfo=timezone.utc)
    with scoped(world.member):
        assert services.versions_in_force(at) == []
        assert services.providers_with_accepted_specifications(
            [world.provider.id, world.other_provider.id], at) == {
                world.provider.id, world.other_provider.id}


def test_accepting_through_the_api(world, documents, client, scoped, time_machine):
    headers = {"Authorization": f"Bearer {bearer_token(world.provider_user).token}"}
    time_machine.move_to(NOW, tick=False)
    spec_id, version_id = documents["core"].id, documents["core_v2"].id
    response = client.post(f"/api/v1/specifications/{spec_id}/versions/{version_id}/accept",
                           headers=headers)
    assert response.status_code == 201
    assert response.json["provider_id"] == str(world.provider.id)
    assert response.json["version_number"] == 2
    again = client.post(f"/api/v1/specifications/{spec_id}/versions/{version_id}/accept",
                        headers=headers)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    wrong = client.post(f"/api/v1/specifications/{documents['terms'].id}/versions/"
                        f"{version_id}/accept", headers=headers)
    assert wrong.status_code == 404
    listed = client.get("/api/v1/specifications/acceptances", headers=headers)
    assert [a["version_id"] for a in listed.json] == [str(version_id)]


def test_the_acceptances_list_has_constant_queries(world, client, scoped):
    headers = {"Authorization": f"Bearer {bearer_token(world.host_admin).token}"}
    spec = factories.specification(world.host, title="Core")

    def make_rows(n):
        for _ in range(n):
            factories.acceptance(world.provider, factories.version(world.host, spec))

    def request():
        response = client.get("/api/v1/specifications/acceptances", headers=headers)
        assert response.status_code == 200
        assert {a["provider_name"] for a in response.json} == {world.provider.name}

    assert_constant_queries(make_rows, request)


def test_the_providers_page_has_constant_queries(world, as_user, time_machine):
    time_machine.move_to(NOW, tick=False)
    client = as_user(world.provider_user)
    made = []

    def make_rows(n):
        for _ in range(n):
            spec = factories.specification(world.host, SpecificationKind.LOT,
                                           lot=purchasing_factories.lot(world.host))
            factories.acceptance(world.provider, factories.version(world.host, spec))
            factories.version(world.host, spec, effective_on=date(2027, 2, 1))
            made.append(spec)

    def request():
        page = client.get("/specifications/acceptances")
        assert page.data.count(b"To accept</strong>") == len(made)
        assert page.data.count(b"Accepted</strong>") == len(made)

    assert_constant_queries(make_rows, request)


def test_the_providers_dashboard_counts_what_needs_accepting(world, as_user, documents,
                                                              time_machine):
    time_machine.move_to(NOW, tick=False)
    factories.acceptance(world.provider, documents["core_v1"])
    page = as_user(world.provider_user).get("/dashboard").data.decode()
    assert "2 specification versions need accepting." in page
    assert 'href="/specifications/acceptances"' in page
