"""Cost sharing through the API (issue 14, API): the host's administrator sets the terms and
a year's costs, previews two options, makes and approves a run; each member's manager reads its
own statement and no other; bad input is a 422 naming each field. Money is pounds strings."""
import pytest

from ..helpers import bearer_token
from . import factories

BASE = "/api/v1/cost-sharing"


def _auth(user):
    return {"Authorization": f"Bearer {bearer_token(user).token}"}


def _fields(response):
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    return {error["field"] for error in response.json["errors"]}


@pytest.fixture
def host(world, client, time_machine):
    time_machine.move_to("2026-05-01 10:00 +00:00", tick=False)
    factories.placements(world)
    return _auth(world.host_admin)


def test_a_year_shared_through_the_api(world, client, host):
    """Terms, costs, two previews side by side, a run approved, each member's statement."""
    response = client.put(f"{BASE}/terms", headers=host, json={
        "effective_from": "2026-04-01", "fixed_percent": "50",
        "usage_measure": "placement_days", "tolerance_points": "3"})
    assert response.status_code == 200, response.json
    assert response.json["fixed_percent"] == "50" and response.json["tolerance_points"] == "3"
    assert client.get(f"{BASE}/terms", headers=host).json["usage_measure"] == "placement_days"

    response = client.put(f"{BASE}/2026-27/costs", headers=host, json={
        "lines": [{"category": "staff", "amount": "60000.00", "note": "Hub team"},
                  {"category": "system", "amount": "40000.00"}],
        "income": [{"source": "Provider fees", "amount": "10000.00"}]})
    assert response.status_code == 200, response.json
    assert (response.json["costs"], response.json["total_income"], response.json["net_cost"]) == (
        "100000.00", "10000.00", "90000.00")

    thirty = client.post(f"{BASE}/2026-27/runs", headers=host, json={
        "kind": "budget", "preview": True, "terms": {"fixed_percent": "30"}})
    fifty = client.post(f"{BASE}/2026-27/runs", headers=host, json={
        "kind": "budget", "preview": True})
    assert thirty.status_code == fifty.status_code == 201
    assert thirty.json["id"] is None and thirty.json["status"] == "preview"
    assert client.get(f"{BASE}/2026-27/runs", headers=host).json == []
    amounts = {c["authority_id"]: c["amount"] for c in fifty.json["contributions"]}
    assert amounts == {world.member.id: "52527.42", world.other_member.id: "37472.58"}
    assert {c["authority_id"]: c["amount"] for c in thirty.json["contributions"]} != amounts

    made = client.post(f"{BASE}/2026-27/runs", headers=host, json={"kind": "budget"})
    assert made.status_code == 201, made.json
    run = made.json
    assert (run["status"], run["net_cost"], run["host_net_cost"]) == ("draft", "90000.00", "0.00")
    manchester = next(c for c in run["contributions"] if c["authority_id"] == world.member.id)
    assert {k: manchester[k] for k in ("ons_code", "membership_days", "fixed", "usage_figure",
                                       "usage", "adjustment", "amount", "true_up")} == {
        "ons_code": world.member.ons_code, "membership_days": 365, "fixed": "22500.00",
        "usage_figure": "365", "usage": "30027.42", "adjustment": "0.00",
        "amount": "52527.42", "true_up": None}
    assert manchester["workings"][0] == "Membership days: 365 of 365"

    statement = f"{BASE}/runs/{run['id']}/statements/{world.member.id}"
    assert client.get(statement, headers=_auth(world.manager)).status_code == 404  # a draft
    approved = client.post(f"{BASE}/runs/{run['id']}/approve", headers=host)
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    again = client.post(f"{BASE}/runs/{run['id']}/approve", headers=host)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"

    own = client.get(statement, headers=_auth(world.manager))
    assert own.status_code == 200
    assert own.json["contribution"]["amount"] == "52527.42"
    assert (own.json["net_cost"], own.json["contributions_total"], own.json["participants"]) == (
        "90000.00", "90000.00", 2)
    region = own.json["region"]
    assert set(region) == {"costs", "income", "days_in_year", "usage_totals", "terms"}
    assert (region["costs"], region["income"], region["usage_totals"]) == (
        "100000.00", "10000.00", {"placement_days": "547"})
    assert "caps" not in region["terms"] and region["terms"]["fixed_percent"] == "50"
    other = client.get(f"{BASE}/runs/{run['id']}/statements/{world.other_member.id}",
                       headers=_auth(world.manager))
    assert other.status_code == 404
    assert client.get(f"{BASE}/runs/{run['id']}", headers=_auth(world.manager)).status_code == 404
    assert client.get(f"{BASE}/runs/{run['id']}/statements/{world.other_member.id}",
                      headers=_auth(world.other_manager)).json["contribution"]["amount"] == (
        "37472.58")


def test_bad_terms_are_a_422_naming_each_field(world, client, host):
    response = client.put(f"{BASE}/terms", headers=host, json={
        "effective_from": "2026-04-01", "fixed_percent": "150",
        "usage_weights": {"placement_days": "50", "population": "40"},
        "caps": {str(world.member.id): "-5.00"}})
    assert {"fixed_percent", "usage_weights", "caps"} <= _fields(response)
    assert client.get(f"{BASE}/terms", headers=host).json == {}


def test_income_above_costs_without_a_note_is_refused(world, client, host):
    response = client.put(f"{BASE}/2026-27/costs", headers=host, json={
        "lines": [{"category": "staff", "amount": "100.00"}],
        "income": [{"source": "Grant", "amount": "200.00"}]})
    assert _fields(response) == {"income"}
    response = client.put(f"{BASE}/2026-27/costs", headers=host, json={
        "lines": [{"category": "travel", "amount": "100.00"}]})
    assert _fields(response) == {"lines.0.category"}
    assert client.get(f"{BASE}/2026-27/costs", headers=host).json["lines"] == []


def test_a_run_without_terms_or_with_a_bad_year_is_named(world, client, host):
    assert _fields(client.post(f"{BASE}/2026-27/runs", headers=host,
                               json={"kind": "budget"})) == {"terms"}
    assert _fields(client.get(f"{BASE}/2026-2027/costs", headers=host)) == {"financial_year"}
    assert _fields(client.post(f"{BASE}/2026-27/runs", headers=host,
                               json={"kind": "forecast"})) == {"kind"}


def test_members_and_providers_are_told_the_hosts_working_does_not_exist(world, client, host):
    for user in (world.manager, world.provider_user):
        assert client.get(f"{BASE}/2026-27/costs", headers=_auth(user)).status_code == 404
        assert client.get(f"{BASE}/terms", headers=_auth(user)).status_code == 404
    assert client.get(f"{BASE}/terms", headers=_auth(world.evaluator)).status_code == 403


def test_a_statement_downloads_as_pdf_and_xlsx(world, client, host):
    """Issue 14 §5: the statement as a PDF or workbook, by the Accept header or the suffix, in
    the API and the browser; the workbook holds the member's figures and the region totals."""
    from io import BytesIO

    from openpyxl import load_workbook

    from ..helpers import sign_in

    factories.terms(world)
    factories.costs(world)
    run = factories.run(world)
    factories.approve(world, run.id)
    manager = _auth(world.manager)
    url = f"{BASE}/runs/{run.id}/statements/{world.member.id}"
    as_pdf = client.get(url, headers={**manager, "Accept": "application/pdf"})
    assert as_pdf.status_code == 200 and as_pdf.mimetype == "application/pdf"
    assert as_pdf.data.startswith(b"%PDF")
    assert client.get(url + ".pdf", headers=manager).data.startswith(b"%PDF")
    workbook = client.get(url + ".xlsx", headers=manager)
    assert workbook.mimetype.endswith("spreadsheetml.sheet")
    cells = {row[0]: row[1] if len(row) > 1 else None
             for row in load_workbook(BytesIO(workbook.data)).active.iter_rows(values_only=True)}
    assert float(cells["Your contribution"]) == 52527.42
    assert float(cells["Net cost shared"]) == 90000.00
    assert client.get(url, headers={**manager, "Accept": "application/json"}).is_json
    other = f"{BASE}/runs/{run.id}/statements/{world.other_member.id}.xlsx"
    assert client.get(other, headers=manager).status_code == 404

    sign_in(client, world.manager)
    page = f"/cost-sharing/runs/{run.id}/statements/{world.member.id}"
    assert client.get(page + ".pdf").data.startswith(b"%PDF")
    assert client.get(page + ".xlsx").status_code == 200
    assert client.get(f"/cost-sharing/runs/{run.id}/statements/{world.other_member.id}.pdf"
                      ).status_code == 404


def test_population_figures_share_the_usage_part(world, client, host):
    """Issue 14 §1: population is a figure per authority per year that the host enters; a run by
    population shares the usage pot by it (all usage: 3 : 1 of £90,000)."""
    response = client.put(f"{BASE}/2026-27/population", headers=host, json={"figures": [
        {"authority_id": world.member.id, "population": 300_000},
        {"authority_id": world.other_member.id, "population": 100_000}]})
    assert response.status_code == 200, response.json
    figures = {f["authority_id"]: f["population"] for f in response.json["figures"]}
    assert figures[world.member.id] == 300_000 and figures[world.host.id] is None
    bad = client.put(f"{BASE}/2026-27/population", headers=host, json={"figures": [
        {"authority_id": world.member.id, "population": -1}]})
    assert _fields(bad) == {f"population.{world.member.id}"}
    factories.terms(world, fixed_percent_bp=0, usage_measure="population")
    factories.costs(world)
    run = client.post(f"{BASE}/2026-27/runs", headers=host, json={"kind": "budget",
                                                                  "preview": True}).json
    assert {c["authority_id"]: c["amount"] for c in run["contributions"]} == {
        world.member.id: "67500.00", world.other_member.id: "22500.00"}


def test_invoices_through_the_api(world, client, host):
    """Raised for an approved run (again: 409), paid with a reference, the member's own list."""
    factories.terms(world)
    factories.costs(world)
    run = factories.run(world)
    factories.approve(world, run.id)
    raised = client.post(f"{BASE}/runs/{run.id}/invoices", headers=host,
                         json={"raised_on": "2026-05-01", "payment_days": 14})
    assert raised.status_code == 201, raised.json
    mine = next(i for i in raised.json if i["authority_id"] == world.member.id)
    assert (mine["amount"], mine["due_on"], mine["status"]) == ("52527.42", "2026-05-15", "raised")
    assert client.post(f"{BASE}/runs/{run.id}/invoices", headers=host, json={}).status_code == 409
    paid = client.post(f"{BASE}/invoices/{mine['id']}/payment", headers=host,
                       json={"paid_on": "2026-05-01", "payment_reference": "BACS 1"})
    assert paid.status_code == 200 and paid.json["status"] == "paid"
    bad = client.post(f"{BASE}/invoices/{mine['id']}/payment", headers=host,
                      json={"paid_on": "2026-05-02"})
    assert bad.status_code == 409
    listed = client.get(f"{BASE}/invoices", headers=_auth(world.manager)).json
    assert [(i["reference"], i["status"]) for i in listed] == [(mine["reference"], "paid")]
