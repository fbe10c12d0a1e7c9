"""Providers keep their profile; authorities and the host read it and search the directory;
other providers are told it does not exist."""
from sqlalchemy import select

import tenants
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.providers import Provider
from marketplace.providers.models import OfstedRating

from ..factories import provider as make_provider
from ..factories import user as make_user
from ..helpers import assert_constant_queries, bearer_token
from . import factories

PROFILE = {
    "name": "Brookvale School Ltd", "companies_house_number": "09876543", "charity_number": "",
    "dfe_urn": "149001", "ofsted_urn": "2650001", "address_line_1": "Brookvale House",
    "address_line_2": "", "town": "Macclesfield", "postcode": "SK10 2AB",
    "ofsted_rating": "good", "ofsted_inspected_on": ["14", "5", "2024"],
    "need_codes": ["ASD", "SEMH"], "age_from": "7", "age_to": "19",
    "genders": ["female", "male"], "placement_types": ["day", "residential_38"],
    "childrens_home_urn": "",
}


def _fresh(provider):
    return db.session.scalars(select(Provider).where(Provider.id == provider.id)
                              .execution_options(populate_existing=True)).one()


def test_the_provider_edits_its_profile_and_the_change_is_audited(client, world, as_user):
    response = as_user(world.provider_user).post(f"/providers/{world.provider.id}/edit",
                                                 data=PROFILE, follow_redirects=True)
    assert "Your organisation&#39;s profile has been saved" in response.get_data(as_text=True)
    provider = _fresh(world.provider)
    assert (provider.need_codes, provider.placement_types, provider.age_from, provider.age_to,
            provider.ofsted_rating, str(provider.ofsted_inspected_on), provider.genders) == (
        ["SEMH", "ASD"], ["day", "residential_38"], 7, 19, OfstedRating.GOOD, "2024-05-14",
        ["female", "male"])
    with tenants.scoped_to(world.provider):
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "provider.profile_changed")).one()
    assert event.after["need_codes"] == ["SEMH", "ASD"] and event.actor_user_id == \
        world.provider_user.id

    page = as_user(world.officer).get(f"/providers/{world.provider.id}").get_data(as_text=True)
    assert "Autistic Spectrum Disorder" in page and "7 to 19" in page and "Good" in page
    assert "Change your organisation" not in page


def test_52_week_residential_needs_a_childrens_home_registration(client, world, as_user):
    as_user(world.provider_user)
    page = client.post(f"/providers/{world.provider.id}/edit", data={
        **PROFILE, "placement_types": ["day", "residential_52"]}).get_data(as_text=True)
    assert "Enter the children&#39;s home registration (Ofsted SC URN)" in page
    assert _fresh(world.provider).placement_types == []
    client.post(f"/providers/{world.provider.id}/edit", data={
        **PROFILE, "placement_types": ["day", "residential_52"],
        "childrens_home_urn": "sc480001"})
    provider = _fresh(world.provider)
    assert (provider.placement_types, provider.childrens_home_urn) == (
        ["day", "residential_52"], "SC480001")


def test_only_the_provider_changes_its_profile(client, world, as_user):
    for person in (world.host_admin, world.manager):
        assert as_user(person).get(f"/providers/{world.provider.id}/edit").status_code == 403
        assert client.post(f"/providers/{world.provider.id}/edit",
                           data=PROFILE).status_code == 403
    assert as_user(world.other_provider_user).get(
        f"/providers/{world.provider.id}/edit").status_code == 404
    assert _fresh(world.provider).town is None


def test_another_provider_is_told_nothing_exists(client, world, as_user):
    factories.document(world.provider_user)
    vacancy = factories.vacancy(world.provider_user)
    as_user(world.other_provider_user)
    base = f"/providers/{world.provider.id}"
    for path in ("", "/documents", "/rate-card", "/vacancies",
                 f"/vacancies/{vacancy.id}"):
        response = client.get(base + path)
        assert response.status_code == 404 and b"Page not found" in response.data, path
    assert client.get("/providers").status_code == 403
    assert client.get("/providers/vacancies").status_code == 403
    headers = {"Authorization": f"Bearer {bearer_token(world.other_provider_user).token}"}
    for path in ("", "/documents", "/rate-card", "/vacancies"):
        response = client.get(f"/api/v1/providers/{world.provider.id}{path}", headers=headers)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_members_read_the_profile_rate_card_and_vacancies_but_not_documents(client, world,
                                                                          as_user):
    document = factories.document(world.provider_user)
    as_user(world.officer)
    base = f"/providers/{world.provider.id}"
    for path in ("", "/rate-card", "/vacancies"):
        assert client.get(base + path).status_code == 200, path
    assert client.get(base + "/documents").status_code == 404
    assert client.get(f"{base}/documents/{document.id}").status_code == 404
    assert f"{base}/documents".encode() not in client.get(base).data
    headers = {"Authorization": f"Bearer {bearer_token(world.manager).token}"}
    assert client.get(f"/api/v1{base}/documents", headers=headers).status_code == 404
    assert client.get(f"/api/v1{base}/documents/{document.id}/file",
                      headers=headers).status_code == 404


def test_the_directory_filters_by_need_and_placement_type(client, world, as_user):
    factories.profile(world.provider_user, need_codes=["ASD"], placement_types=["day"])
    factories.profile(world.other_provider_user, need_codes=["SEMH"],
                      placement_types=["day", "residential_38"])
    as_user(world.manager)

    def names(query):
        page = client.get("/providers" + query).get_data(as_text=True)
        return [n for n in ("Brookvale School Ltd", "Larchfield School Ltd") if n in page]

    assert names("") == ["Brookvale School Ltd", "Larchfield School Ltd"]
    assert names("?need_code=ASD") == ["Brookvale School Ltd"]
    assert names("?placement_type=residential_38") == ["Larchfield School Ltd"]
    assert names("?need_code=ASD&placement_type=residential_38") == []
    headers = {"Authorization": f"Bearer {bearer_token(world.manager).token}"}
    response = client.get("/api/v1/providers?need_code=SEMH", headers=headers)
    assert [p["name"] for p in response.json] == ["Larchfield School Ltd"]
    bad = client.get("/api/v1/providers?need_code=NOPE", headers=headers)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "need_code"


def test_the_directory_runs_a_constant_number_of_queries(client, world, as_user):
    as_user(world.host_admin)

    def add(n):
        for _ in range(n):
            provider = make_provider()
            factories.profile(make_user(provider))

    def load():
        response = client.get("/providers")
        assert response.status_code == 200

    assert_constant_queries(add, load)
    headers = {"Authorization": f"Bearer {bearer_token(world.host_admin).token}"}
    assert_constant_queries(add, lambda: client.get("/api/v1/providers", headers=headers),
                            sizes=(7, 12))


def test_profile_changes_through_the_api_name_each_bad_field(client, world):
    headers = {"Authorization": f"Bearer {bearer_token(world.provider_user).token}"}
    url = f"/api/v1/providers/{world.provider.id}"
    response = client.patch(url, json={"placement_types": ["residential_52"], "age_from": 12,
                                       "age_to": 9, "need_codes": ["XYZ"]}, headers=headers)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert {e["field"] for e in response.json["errors"]} == {
        "childrens_home_urn", "age_to", "need_codes"}
    response = client.patch(url, json={"age_from": "twelve"}, headers=headers)
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "age_from"

    response = client.patch(url, json={"placement_types": ["residential_52"],
                                       "childrens_home_urn": "SC123456", "age_from": 9,
                                       "age_to": 12}, headers=headers)
    assert response.status_code == 200
    assert (response.json["placement_types"], response.json["childrens_home_urn"]) == (
        ["residential_52"], "SC123456")
    other = {"Authorization": f"Bearer {bearer_token(world.manager).token}"}
    assert client.patch(url, json={"age_from": 5}, headers=other).status_code == 403
