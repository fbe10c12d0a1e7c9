"""A contract's value forecast for its readers (issue 13 §3): the service, the page, the XLSX
(§6) and the API; the register's committed totals in a fixed number of statements; and the
block contracts as their own line in the authority's forecast (§4), on its page, downloads and
API, with a constant statement count. Figures are worked by hand in the comments (the
arithmetic of the check figure is in test_value.py)."""
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

import tenants
from marketplace.contracts import forecasting
from marketplace.contracts.models import Contract, ContractStatus, UpliftConvention
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.placements import forecasts
from marketplace.placements.models import ForecastSetting

from ..helpers import assert_constant_queries, bearer_token, count_queries
from ..placements.fee_factories import cpi
from ..placements.test_forecasts import make_placement
from . import factories


def _auth(user):
    return {"Authorization": f"Bearer {bearer_token(user).token}"}


def _check(world, **options):
    """DESIGN §3's check contract: Manchester's £916,502 a year with Brookvale, 2.5% on each
    anniversary, 48 months from 1 September 2026 and three 12-month options."""
    options = {"kind": "fixed_anniversary", "percent_bp": 250, **options}
    return factories.contract(world.member, world.provider, title="Therapies in special schools",
                              **options)


@pytest.fixture
def today(time_machine):
    time_machine.move_to("2026-12-02 10:00 +00:00", tick=False)


def _as(user, action, *args):
    with tenants.scoped_to(user.organisation):
        return action(user, *args)


# ---------------------------------------------------------------- the service

def test_issue_13_s3_the_forecast_of_the_check_contract(world, today):
    """One extension taken: committed 481,743,559p (the first five rates), the initial term
    380,578,887p, with all extensions 691,723,482p = £6,917,234.82 (test_value.py)."""
    contract = _check(world, decisions=("taken",))
    result = _as(world.officer, forecasting.contract_forecast, contract.id)
    assert (result.committed_pence, result.initial_term_pence,
            result.with_all_extensions_pence) == (481743559, 380578887, 691723482)
    assert [(row.period.term, row.committed) for row in result.years] == [
        ("initial", True)] * 4 + [("extension 1", True), ("extension 2", False),
                                  ("extension 3", False)]
    assert result.financial_years[0].label == "2026-27"
    assert result.financial_years[0].committed_pence == 53232445
    assert result.uplift_rule == "2.5% on each anniversary of the start"
    assert result.uplift_convention == "from_first_anniversary"
    assert "Year one is at the annual value" in result.convention_text
    assert result.estimated is False
    # The supplier reads it too, with the same figures.
    theirs = _as(world.provider_user, forecasting.contract_forecast, contract.id)
    assert theirs.with_all_extensions_pence == 691723482
    # Everyone else is told it does not exist.
    for outsider in (world.other_manager, world.other_officer, world.other_provider_user):
        with pytest.raises(NotFound):
            _as(outsider, forecasting.contract_forecast, contract.id)


def test_issue_13_s3_from_year_one_and_a_terminated_contract(world, today):
    """Uplifted from year one: £7,090,165.69 with every option. Terminated on 28 February
    2028: 91,650,200 + 46,457,386 (181 of year 2's 366 days) in every total."""
    year_one = _check(world, convention=UpliftConvention.FROM_YEAR_ONE)
    assert _as(world.manager, forecasting.contract_forecast,
               year_one.id).with_all_extensions_pence == 709016569
    ended = _check(world, state=ContractStatus.TERMINATED, terminated_on=date(2028, 2, 28))
    result = _as(world.manager, forecasting.contract_forecast, ended.id)
    assert result.terminated
    assert (result.committed_pence == result.initial_term_pence
            == result.with_all_extensions_pence == 138107586)
    assert result.years[-1].last == date(2028, 2, 28)


def test_issue_13_s3_an_index_at_the_authoritys_assumed_rate_is_estimated(world, today):
    """CPI at September each 1 April, £100,000 a year, 24 months from 1 September 2026.
    September 2026's CPI is 3.8%: 1 April 2027 → 10,380,000. September 2027 is unknown: 1 April
    2028 at Manchester's assumed 3% → 10,691,400 (the supplier, who cannot read Manchester's
    setting, at the default 2% → 10,587,600), estimated from then on.
    Year 1: (212 × 10,000,000 + 153 × 10,380,000)/365 = 10,159,287.67 → 10,159,288.
    Year 2 (366 days): (213 × 10,380,000 + 153 × 10,691,400)/366 = 10,510,175.41; C =
    20,669,463.08 → 20,669,463, so 10,510,175. At 2%: (213 × 10,380,000 + 153 × 10,587,600)
    /366 = 10,466,783.61; C = 20,626,071.28 → 20,626,071, so 10,466,783."""
    cpi(world.host, {(2026, 9): 380})
    with tenants.scoped_to(world.member):
        db.session.add(ForecastSetting(assumed_index_bp=300))
        db.session.commit()
    contract = factories.contract(world.member, world.provider, annual_value_pence=10000000,
                                  months=24, extensions=(), kind="index_linked",
                                  index_code="CPI", reference_month=9)
    ours = _as(world.manager, forecasting.contract_forecast, contract.id)
    assert [(row.value_pence, row.estimated) for row in ours.years] == [
        (10159288, False), (10510175, True)]
    assert ours.assumed_index_bp == 300 and ours.estimated
    assert ours.uplift_rule == "CPI at September, each 1 April"
    theirs = _as(world.provider_user, forecasting.contract_forecast, contract.id)
    assert [row.value_pence for row in theirs.years] == [10159288, 10466783]
    assert theirs.assumed_index_bp == 200


def test_issue_13_s3_committed_totals_for_many_contracts_in_two_statements(world, today):
    """The register's "total value" column: each contract's committed total, in two
    statements (the index values and the reader's setting) for one contract or several."""
    made = [_check(world), _check(world, decisions=("taken", "taken")),
            factories.contract(world.member, supplier_name="Pennine NHS Trust", months=17,
                               extensions=(12,), kind="fixed_anniversary", percent_bp=250)]
    expected = {made[0].id: 380578887, made[1].id: 380578887 + 101164672 + 103693789,
                made[2].id: 91650200 + 39270608}
    for size in (1, 3):
        with tenants.scoped_to(world.member):
            contracts = db.session.scalars(
                select(Contract).where(Contract.id.in_([c.id for c in made[:size]]))).all()
            for contract in contracts:
                assert contract.extensions is not None  # loaded with the list (selectin)
            with count_queries() as counter:
                totals = forecasting.committed_totals(contracts)
        assert totals == {c.id: expected[c.id] for c in made[:size]}
        assert counter.count == 2, counter.statements
    assert forecasting.committed_totals([]) == {}


# ---------------------------------------------------------------- the API

def test_issue_13_api_the_forecast_shape_and_who_reads_it(world, today, client):
    contract = _check(world, decisions=("taken",))
    response = client.get(f"/api/v1/contracts/{contract.id}/forecast",
                          headers=_auth(world.officer))
    assert response.status_code == 200, response.json
    body = response.json
    assert body["committed_total"] == "4817435.59"
    assert body["initial_term_total"] == "3805788.87"
    assert body["with_all_extensions_total"] == "6917234.82"
    assert body["years"][0] == {
        "from": "2026-09-01", "to": "2027-08-31", "value": "916502.00", "term": "initial",
        "committed": True, "contract_year": 1, "full_year": True, "estimated": False}
    assert [(y["term"], y["committed"], y["value"]) for y in body["years"][4:]] == [
        ("extension_1", True, "1011646.72"), ("extension_2", False, "1036937.89"),
        ("extension_3", False, "1062861.34")]
    assert body["by_financial_year"][0] == {
        "financial_year": "2026-27", "from": "2026-09-01", "to": "2027-03-31",
        "value": "532324.45", "initial_term_value": "532324.45",
        "committed_value": "532324.45", "estimated": False}
    assert sum(Decimal(y["value"]) for y in body["by_financial_year"]) == Decimal("6917234.82")
    assert body["uplift_rule"]["kind"] == "fixed_anniversary"
    assert body["uplift_rule"]["percent"] == "2.5"
    assert body["uplift_convention"] == "from_first_anniversary"
    assert body["estimated"] is False and body["contract_id"] == str(contract.id)

    assert client.get(f"/api/v1/contracts/{contract.id}/forecast",
                      headers=_auth(world.provider_user)).status_code == 200
    for outsider in (world.other_manager, world.other_provider_user):
        refused = client.get(f"/api/v1/contracts/{contract.id}/forecast",
                             headers=_auth(outsider))
        assert refused.status_code == 404
        assert refused.mimetype == "application/problem+json"
    assert client.get("/api/v1/contracts/999999/forecast",
                      headers=_auth(world.officer)).status_code == 404


# ---------------------------------------------------------------- the page and the XLSX

def test_issue_13_s3_the_page_shows_the_tables_with_totals(world, today, as_user):
    contract = _check(world, decisions=("taken",))
    page = as_user(world.officer).get(f"/contracts/{contract.id}/forecast")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Value forecast" in text and contract.reference in text
    assert "£6,917,234.82" in text and "£4,817,435.59" in text and "£3,805,788.87" in text
    assert "£916,502.00" in text and "£532,324.45" in text
    assert "By contract year" in text and "By financial year" in text
    assert "Uplifted from the first anniversary" in text
    assert "2.5% on each anniversary of the start" in text
    assert "Extension 3" in text and "Year 1" in text
    assert '<span class="govuk-body-s">The initial term and the extensions taken so far' in text
    assert as_user(world.provider_user).get(
        f"/contracts/{contract.id}/forecast").status_code == 200
    for outsider in (world.other_manager, world.other_provider_user):
        assert as_user(outsider).get(f"/contracts/{contract.id}/forecast").status_code == 404
        assert as_user(outsider).get(
            f"/contracts/{contract.id}/forecast.xlsx").status_code == 404


def test_issue_13_s6_the_xlsx_has_the_figures_and_no_formulas(world, today, as_user):
    contract = factories.contract(world.member, world.provider,
                                  title="=HYPERLINK(\"http://evil.example\")",
                                  kind="fixed_anniversary", percent_bp=250)
    response = as_user(world.manager).get(f"/contracts/{contract.id}/forecast.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert contract.reference in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert rows[0][0].startswith("Value forecast: ") and "=HYPERLINK" in rows[0][0]
    by_key = {row[0]: row for row in rows if row and row[0]}
    assert Decimal(str(by_key["Value with all extensions"][1])) == Decimal("6917234.82")
    assert Decimal(str(by_key["Committed value"][1])) == Decimal("3805788.87")
    header = rows.index(list(forecasting.YEAR_COLUMNS))
    years = rows[header + 1:header + 8]
    assert [round(Decimal(str(row[5])) * 100) for row in years] == [
        91650200, 93941455, 96289991, 98697241, 101164672, 103693789, 106286134]
    fy_header = rows.index(list(forecasting.FINANCIAL_YEAR_COLUMNS))
    fys = [row for row in rows[fy_header + 1:] if row[0] and row[0] != "Total"]
    assert sum(round(Decimal(str(row[3])) * 100) for row in fys) == 691723482
    assert sum(round(Decimal(str(row[5])) * 100) for row in fys) == 380578887


# ---------------------------------------------------------------- the authority's forecast

def _year_2026(world, user=None):
    with tenants.scoped_to(world.member):
        return forecasts.forecast(user or world.officer, financial_year="2026-27")


def test_issue_13_s4_block_contracts_join_the_authoritys_forecast(world, today, client,
                                                                  as_user):
    """Manchester's forecast for 2026-27 (today 2 December 2026) counts the check contract's
    committed value in the year, 91,650,200 × 212/365 = 53,232,444.93 → 53,232,445, and to date
    (1 September–1 December, 92 days): 91,650,200 × 92/365 = 23,100,872.33 → 23,100,872,
    as its own line beside a placement (£1,500 a week, 52-week, from 1 September 2026: 212 days
    × 150,000/7 = 4,542,857.14 → 4,542,857). A draft contract and Stockport's are not counted;
    the splits stay the placements'."""
    contract = _check(world)
    factories.contract(world.member, world.provider, title="Not yet let",
                       state=ContractStatus.DRAFT)
    factories.contract(world.other_member, world.provider, title="Stockport's")
    make_placement(world.member, provider=world.provider, type_="residential_52")
    result = _year_2026(world)
    assert result.total_pence == 4542857
    block = result.block_contracts
    assert [(line.reference, line.title, line.supplier, line.total_pence, line.actual_pence)
            for line in block.lines] == [
        (contract.reference, "Therapies in special schools", "Brookvale School Ltd",
         53232445, 23100872)]
    assert block.total_pence == 53232445 and block.actual_pence == 23100872
    assert result.all_committed_pence == 4542857 + 53232445
    assert sum(share.total_pence for share in result.by_funder) == result.total_pence
    assert sum(share.total_pence for share in result.by_provider) == result.total_pence
    # The year's committed value is the contract's own forecast's for that financial year.
    own = _as(world.officer, forecasting.contract_forecast, contract.id)
    assert own.financial_years[0].committed_pence == block.total_pence

    body = client.get("/api/v1/forecasts", query_string={"financial_year": "2026-27"},
                      headers=_auth(world.officer)).json
    assert body["total"] == "45428.57"
    assert body["all_committed_total"] == "577753.02"
    assert body["block_contracts"] == {
        "total": "532324.45", "actual_to_date": "231008.72", "estimated": False,
        "contracts": [{"id": str(contract.id), "reference": contract.reference,
                       "title": "Therapies in special schools",
                       "supplier": "Brookvale School Ltd", "total": "532324.45",
                       "actual_to_date": "231008.72", "estimated": False}]}
    stockport = client.get("/api/v1/forecasts", query_string={"financial_year": "2026-27"},
                           headers=_auth(world.other_manager)).json
    assert [c["title"] for c in stockport["block_contracts"]["contracts"]] == ["Stockport's"]

    page = as_user(world.officer).get("/forecasts?financial_year=2026-27").get_data(
        as_text=True)
    assert "Block contracts" in page and "£532,324.45" in page
    assert "£577,753.02" in page and "All committed spend" in page
    assert "split the placements only" in page and contract.reference in page
    assert '<span class="govuk-body-s">Placements and block contracts</span>' in page

    text = as_user(world.manager).get("/forecasts.csv?financial_year=2026-27").data.decode(
        "utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[1] == ["Total", "45428.57"]
    assert ["Block contracts", "532324.45"] in lines
    assert ["All committed spend", "577753.02"] in lines
    assert [contract.reference, "Therapies in special schools", "Brookvale School Ltd",
            "532324.45", "231008.72", "no"] in lines

    sheet = load_workbook(io.BytesIO(as_user(world.manager).get(
        "/forecasts.xlsx?financial_year=2026-27").data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    contract_row = next(row for row in rows if row[0] == contract.reference)
    assert Decimal(str(contract_row[3])) == Decimal("532324.45")
    assert next(row for row in rows if row[0] == "All committed spend")[1] == pytest.approx(
        577753.02)


def test_issue_13_s4_committed_only_and_terminated_contracts_in_the_forecast(world, today):
    """2030-31 counts only the committed term: with no extension taken the check contract ends
    on 31 August 2030 (41,371,720, test_value.py), taken once it runs all year (100,130,379).
    A contract terminated before the year is not counted."""
    untaken = _check(world)
    taken = _check(world, decisions=("taken",))
    _check(world, state=ContractStatus.TERMINATED, terminated_on=date(2028, 2, 28))
    with tenants.scoped_to(world.member):
        result = forecasts.forecast(world.officer, financial_year="2030-31")
    assert {line.reference: line.total_pence for line in result.block_contracts.lines} == {
        untaken.reference: 41371720, taken.reference: 100130379}
    assert result.block_contracts.actual_pence == 0  # the year has not started


def test_issue_13_s4_the_forecast_load_is_a_fixed_number_of_statements(world, today, client):
    """One statement for the block contracts, however many (with their options and suppliers);
    the page and the API do not grow with them either."""
    kinds = [{"kind": "fixed_anniversary", "percent_bp": 250},
             {"kind": "fixed_april", "percent_bp": 300},
             {"kind": "index_linked", "index_code": "CPI", "reference_month": 9}]

    def make_rows(n):
        for i in range(n):
            factories.contract(world.member, world.provider if i % 2 else None,
                               decisions=("taken",)[: i % 2], **kinds[i % 3])

    headers = _auth(world.officer)

    def request():
        response = client.get("/api/v1/forecasts", query_string={"financial_year": "2026-27"},
                              headers=headers)
        assert response.status_code == 200

    assert_constant_queries(make_rows, request)
    with tenants.scoped_to(world.member), count_queries() as counter:
        result = forecasts.forecast(world.officer, financial_year="2026-27")
    assert len(result.block_contracts.lines) == 6
    # As before (test_forecasts.py), with the block contracts' one statement.
    assert counter.count <= 9, counter.statements
