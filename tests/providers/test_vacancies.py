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


def test_the_vacancy_board_is_paged_and_keeps_its_filters(client, world, as_user):
    """Issue 10: the board rendered every open vacancy on one page (1.5 MB at a national
    scale). It shows 25 a page, soonest first, with GOV.UK pagination that keeps the filters,
    in the same number of queries whatever the number of vacancies."""
    from datetime import timedelta

    from marketplace.providers.services import london_date

    start = london_date() + timedelta(days=10)
    made = []

    def add(n):
        for _ in range(n):
            made.append(factories.vacancy(world.provider_user, need_codes=["ASD"],
                                          available_from=start + timedelta(days=len(made))))

    as_user(world.officer)

    def rows(query=""):
        page = client.get("/providers/vacancies" + query)
        assert page.status_code == 200
        return page.get_data(as_text=True)

    assert_constant_queries(add, rows, sizes=(26, 31))
    first = rows("?need_code=ASD")
    assert first.count('<tr class="govuk-table__row">') == 1 + 25  # the header row and 25
    assert "31 vacancies, 1 to 25 shown" in first
    assert 'href="/providers/vacancies?page=2&amp;need_code=ASD"' in first
    assert "govuk-pagination__next" in first and "govuk-pagination__prev" not in first
    second = rows("?page=2&need_code=ASD")
    assert second.count('<tr class="govuk-table__row">') == 1 + 6
    assert "26 to 31 shown" in second and "govuk-pagination__prev" in second
    assert f"/vacancies/{made[-1].id}" in second and f"/vacancies/{made[-1].id}" not in first
    assert "No vacancies match" in rows("?page=3")


def test_the_vacancy_board_filters_by_the_childs_age(client, world, as_user):
    young = factories.vacancy(world.provider_user, age_from=5, age_to=11)
    old = factories.vacancy(world.other_provider_user, age_from=11, age_to=19)
    as_user(world.officer)

    def shown(query):
        page = client.get("/providers/vacancies" + query).get_data(as_text=True)
        return {v.id for v in (young, old) if f"/vacancies/{v.id}" in page}

    assert shown("") == shown("?age=11") == {young.id, old.id}
    assert shown("?age=6") == {young.id}
    assert shown("?age=16") == {old.id}
    assert shown("?age=4") == set()
    refused = client.get("/providers/vacancies?age=eleven").get_data(as_text=True)
    assert "<title>Error:" in refused and "govuk-error-summary" in refused
    assert "Enter the child&#39;s age as a whole number from 0 to 25" in refused
    assert 'value="eleven"' in refused  # what was typed stays in the box
