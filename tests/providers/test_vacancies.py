"""Vacancies a provider declares: edited and withdrawn by the provider, listed for authorities."""
from datetime import date

from sqlalchemy import select

import tenants
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.providers.models import Vacancy

from ..factories import provider as make_provider
from ..factories import user as make_user
from ..helpers import assert_constant_queries, bearer_token
from . import factories

FORM = {"placement_type": "residential_38", "need_codes": ["ASD", "SLCN"], "age_from": "8",
        "age_to": "14", "available_from": ["1", "9", "2027"], "places": "2"}


def _vacancies(provider):
    with tenants.scoped_to(provider):
        return db.session.scalars(select(Vacancy).order_by(Vacancy.id)
                                  .execution_options(populate_existing=True)).all()


def test_the_provider_declares_changes_and_withdraws_a_vacancy(client, world, as_user):
    as_user(world.provider_user)
    base = f"/providers/{world.provider.id}/vacancies"
    assert client.post(base + "/new", data=FORM).status_code == 302
    (vacancy,) = _vacancies(world.provider)
    assert (vacancy.placement_type, vacancy.need_codes, vacancy.age_from, vacancy.age_to,
            vacancy.available_from, vacancy.places) == (
        "residential_38", ["SLCN", "ASD"], 8, 14, date(2027, 9, 1), 2)

    client.post(f"{base}/{vacancy.id}", data={**FORM, "places": "1"})
    assert _vacancies(world.provider)[0].places == 1
    client.post(f"{base}/{vacancy.id}/withdraw")
    assert _vacancies(world.provider)[0].withdrawn_at is not None
    assert client.post(f"{base}/{vacancy.id}", data=FORM).status_code == 409
    with tenants.scoped_to(world.provider):
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "Vacancy").order_by(AuditEvent.id)).all()
    assert actions == ["vacancy.declared", "vacancy.changed", "vacancy.withdrawn"]

    assert "No vacancies match" in as_user(world.officer).get(
        "/providers/vacancies").get_data(as_text=True)


def test_bad_vacancies_are_explained(client, world, as_user):
    as_user(world.provider_user)
    page = client.post(f"/providers/{world.provider.id}/vacancies/new", data={
        **FORM, "age_from": "15", "age_to": "9", "places": "0",
        "available_from": ["1", "1", "2020"]}).get_data(as_text=True)
    assert "<title>Error:" in page
    for message in ("The oldest age must be the same as or more than the youngest",
                    "Enter the number of places, a whole number from 1 to 200",
                    "The date must be today or in the future"):
        assert message in page
    assert _vacancies(world.provider) == []


def test_authorities_list_open_vacancies_by_type_and_need(client, world, as_user):
    factories.vacancy(world.provider_user, placement_type="day", need_codes=["ASD"])
    factories.vacancy(world.other_provider_user, placement_type="residential_38",
                      need_codes=["SEMH"])
    withdrawn = factories.vacancy(world.provider_user, placement_type="residential_38",
                                  need_codes=["SEMH"])
    with tenants.scoped_to(world.provider):
        from marketplace.providers import services
        services.withdraw_vacancy(world.provider_user, world.provider.id, withdrawn.id)
    as_user(world.other_officer)

    def providers(query):
        page = client.get("/providers/vacancies" + query).get_data(as_text=True)
        return page.count("Brookvale School Ltd"), page.count("Larchfield School Ltd")

    assert providers("") == (1, 1)
    assert providers("?placement_type=residential_38") == (0, 1)
    assert providers("?need_code=ASD") == (1, 0)
    headers = {"Authorization": f"Bearer {bearer_token(world.other_officer).token}"}
    found = client.get("/api/v1/providers/vacancies?need_code=SEMH", headers=headers).json
    assert [(v["provider_name"], v["placement_type"], v["status"]) for v in found] == [
        ("Larchfield School Ltd", "residential_38", "open")]


def test_the_vacancy_list_runs_a_constant_number_of_queries(client, world, as_user):
    as_user(world.manager)

    def add(n):
        for _ in range(n):
            factories.vacancy(make_user(make_provider()), need_codes=["ASD", "HI"])

    def load():
        response = client.get("/providers/vacancies")
        assert response.status_code == 200

    assert_constant_queries(add, load)
    headers = {"Authorization": f"Bearer {bearer_token(world.manager).token}"}
    assert_constant_queries(add, lambda: client.get("/api/v1/providers/vacancies",
                                                    headers=headers), sizes=(7, 12))


def test_vacancies_through_the_api(client, world):
    headers = {"Authorization": f"Bearer {bearer_token(world.provider_user).token}"}
    url = f"/api/v1/providers/{world.provider.id}/vacancies"
    bad = client.post(url, json={"placement_type": "boarding", "age_from": 9},
                      headers=headers)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert {"placement_type", "need_codes", "age_to", "available_from", "places"} <= {
        e["field"] for e in bad.json["errors"]}
    created = client.post(url, json={"placement_type": "day", "need_codes": ["ASD"],
                                     "age_from": 9, "age_to": 12,
                                     "available_from": "2030-01-06", "places": 3},
                          headers=headers)
    assert created.status_code == 201
    vacancy_url = f"{url}/{created.json['id']}"
    assert client.patch(vacancy_url, json={"places": 2}, headers=headers).json["places"] == 2
    withdrawn = client.post(vacancy_url + "/withdraw", headers=headers)
    assert withdrawn.json["status"] == "withdrawn"
    again = client.post(vacancy_url + "/withdraw", headers=headers)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    member = {"Authorization": f"Bearer {bearer_token(world.manager).token}"}
    assert client.get(vacancy_url, headers=member).json["status"] == "withdrawn"
