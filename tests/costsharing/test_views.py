"""Cost-sharing pages (issue 14, done when): the host's administrator enters the terms and a
year's costs, previews an option beside the current run, makes and approves a run and reads
each member's workings; a member's manager reads its own statement and no other; forms sent
back with errors name the field and save nothing."""
import pytest
from sqlalchemy import func, select

import tenants
from marketplace.costsharing.models import CostLine, CostSharingTerms
from marketplace.extensions import db

from ..helpers import assert_constant_queries, sign_in
from . import factories


@pytest.fixture
def placed(world, time_machine):
    time_machine.move_to("2026-05-01 10:00 +00:00", tick=False)
    return factories.placements(world)


def _terms_form(world, **changes):
    form = {"effective_from": ["1", "4", "2026"], "fixed_percent": "50",
            "usage_measure": "placement_days", "include_off_framework": "yes",
            "host_pays_share": "no", "participants": [world.member.id, world.other_member.id],
            "damping_percent": "", "tolerance_points": "3"}
    form.update(changes)
    return form


def test_the_host_shares_a_year_in_the_browser(world, client, placed):
    sign_in(client, world.host_admin)
    assert client.get("/cost-sharing").status_code == 200
    response = client.post("/cost-sharing", data=_terms_form(world))
    assert response.status_code == 302
    response = client.post("/cost-sharing/2026-27/costs", data={
        "lines-0-category": "staff", "lines-0-amount": "60,000", "lines-0-note": "Hub team",
        "lines-2-category": "system", "lines-2-amount": "40000.00",
        "income-0-source": "Provider fees", "income-0-amount": "10000"})
    assert response.status_code == 302
    page = client.get("/cost-sharing/2026-27/costs").get_data(as_text=True)
    assert "£90,000.00" in page

    preview = client.post("/cost-sharing/2026-27/preview", data={
        "kind": "budget", "fixed_percent": "100", "usage_measure": ""})
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "Preview (not saved)" in text and "£45,000.00" in text

    made = client.post("/cost-sharing/2026-27/runs", data={"kind": "budget"})
    assert made.status_code == 302
    run_page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "£52,527.42" in run_page and "£37,472.58" in run_page
    assert "Usage, placement days (weight 100%): figure 182; share 182 / 547" in run_page
    run_id = int(made.headers["Location"].rstrip("/").split("/")[-1])
    assert client.post(f"/cost-sharing/runs/{run_id}/approve").status_code == 302
    assert "Approved" in client.get(f"/cost-sharing/runs/{run_id}").get_data(as_text=True)
    again = client.post(f"/cost-sharing/runs/{run_id}/approve")
    assert again.status_code == 409

    sign_in(client, world.manager)
    listed = client.get("/cost-sharing/statements").get_data(as_text=True)
    assert "£52,527.42" in listed and "£37,472.58" not in listed
    own = client.get(f"/cost-sharing/runs/{run_id}/statements/{world.member.id}")
    assert own.status_code == 200
    text = own.get_data(as_text=True)
    assert "£52,527.42" in text and "£90,000.00" in text and "£37,472.58" not in text
    other = client.get(f"/cost-sharing/runs/{run_id}/statements/{world.other_member.id}")
    assert other.status_code == 404
    assert client.get(f"/cost-sharing/runs/{run_id}").status_code == 404


def test_the_terms_form_names_each_bad_field_and_saves_nothing(world, client):
    sign_in(client, world.host_admin)
    response = client.post("/cost-sharing", data=_terms_form(
        world, fixed_percent="150", **{f"cap-{world.member.id}": "lots"}))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "There is a problem" in text
    assert f'href="#cap-{world.member.id}"' in text
    response = client.post("/cost-sharing", data=_terms_form(world, fixed_percent="150"))
    assert "The fixed percentage must be between 0 and 100" in response.get_data(as_text=True)
    response = client.post("/cost-sharing", data=_terms_form(
        world, usage_measure="blend", **{"weight-placement_days": "50",
                                          "weight-population": "40"}))
    assert "must add up to 100" in response.get_data(as_text=True)
    with tenants.scoped_to(world.host):
        assert db.session.scalar(select(func.count(CostSharingTerms.id))) == 0


def test_the_costs_form_refuses_income_above_costs_without_a_note(world, client):
    sign_in(client, world.host_admin)
    response = client.post("/cost-sharing/2026-27/costs", data={
        "lines-0-category": "staff", "lines-0-amount": "100",
        "income-1-source": "Grant", "income-1-amount": "200",
        "lines-3-amount": "fifty"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'href="#lines-3-amount"' in text
    response = client.post("/cost-sharing/2026-27/costs", data={
        "lines-0-category": "staff", "lines-0-amount": "100",
        "income-1-source": "Grant", "income-1-amount": "200"})
    assert "add a note" in response.get_data(as_text=True)
    with tenants.scoped_to(world.host):
        assert db.session.scalar(select(func.count(CostLine.id))) == 0


def test_members_and_providers_cannot_reach_the_hosts_pages(world, client):
    for user in (world.manager, world.provider_user):
        sign_in(client, user)
        assert client.get("/cost-sharing/2026-27/costs").status_code == 404
        assert client.get("/cost-sharing/2026-27/runs").status_code == 404
    sign_in(client, world.evaluator)
    assert client.get("/cost-sharing").status_code == 403


def test_the_runs_list_takes_the_same_statements_however_many_runs(world, client, placed):
    factories.terms(world)
    factories.costs(world)
    sign_in(client, world.host_admin)

    def more(n):
        for _ in range(n):
            factories.run(world)

    def listed():
        assert client.get("/cost-sharing/2026-27/runs").status_code == 200

    assert_constant_queries(more, listed, sizes=(1, 4))


def test_the_population_form_saves_figures_and_names_a_bad_one(world, client):
    sign_in(client, world.host_admin)
    response = client.post("/cost-sharing/2026-27/population", data={
        f"population-{world.member.id}": "285,000", f"population-{world.other_member.id}": ""})
    assert response.status_code == 302
    page = client.get("/cost-sharing/2026-27/population").get_data(as_text=True)
    assert 'value="285000"' in page
    response = client.post("/cost-sharing/2026-27/population", data={
        f"population-{world.member.id}": "lots"})
    assert response.status_code == 422
    assert f'href="#population-{world.member.id}"' in response.get_data(as_text=True)


def test_the_host_raises_invoices_and_records_a_payment_in_the_browser(world, client, placed):
    factories.terms(world)
    factories.costs(world)
    run = factories.run(world)
    factories.approve(world, run.id)
    sign_in(client, world.host_admin)
    assert client.post(f"/cost-sharing/runs/{run.id}/invoices").status_code == 302
    page = client.get(f"/cost-sharing/runs/{run.id}").get_data(as_text=True)
    assert "Invoices" in page and "£52,527.42" in page
    from marketplace.costsharing import services
    with tenants.scoped_to(world.host):
        invoice = next(i for i in services.list_invoices(world.host_admin, run.id)
                       if i.authority_id == world.member.id)
    response = client.post(f"/cost-sharing/invoices/{invoice.id}/payment",
                           data={"paid_on": ["30", "4", "2026"]})
    assert response.status_code == 422
    assert "between the date raised and today" in response.get_data(as_text=True)
    response = client.post(f"/cost-sharing/invoices/{invoice.id}/payment",
                           data={"paid_on": ["1", "5", "2026"], "payment_reference": "BACS 9"})
    assert response.status_code == 302
    sign_in(client, world.manager)
    mine = client.get("/cost-sharing/invoices").get_data(as_text=True)
    assert invoice.reference in mine and "Paid" in mine and "BACS 9" in mine
    assert world.other_member.name not in mine
