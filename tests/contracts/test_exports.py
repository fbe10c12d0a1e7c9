"""The contract register as CSV and XLSX (issue 13 §6), in the Local Government Transparency
Code 2015's shape for contracts over £5,000. The clock is 2 December 2026 (London)."""
import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

import tenants
from marketplace.contracts import exports
from marketplace.contracts.models import ContractService, ContractStatus
from marketplace.errors import PermissionDenied
from marketplace.extensions import db

from ..helpers import assert_constant_queries
from . import factories

D = date


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to("2026-12-02 10:00 +00:00", tick=False)


@pytest.fixture
def register(world):
    """Manchester's register: a speech and language contract with Brookvale (its company
    number known) with three 12-month options, the first taken and the second declined; an
    occupational therapy contract with an NHS trust named only, whose title starts with "="
    (formula injection) and no options; a draft (left out); a £4,000 one-year contract (under
    £5,000, left out); and Stockport's (not Manchester's)."""
    world.provider.companies_house_number = "01234567"
    db.session.commit()
    salt = factories.contract(
        world.member, world.provider, title="Speech and language therapy",
        annual_value_pence=91650200, start=D(2026, 9, 1), months=48,
        extensions=(12, 12, 12), decisions=("taken", "declined"))
    salt.description = "SALT across the special schools"
    salt.decision_reference = "KD-2026-041"
    ot = factories.contract(
        world.member, supplier_name="=HYPERLINK(\"http://x\")Trust",
        title="=1+1 occupational therapy", service=ContractService.OCCUPATIONAL_THERAPY,
        annual_value_pence=12000000, start=D(2025, 4, 1), months=24, extensions=())
    db.session.commit()
    factories.contract(world.member, world.provider, state=ContractStatus.DRAFT)
    factories.contract(world.member, world.provider, annual_value_pence=400000, months=12,
                       extensions=())
    factories.contract(world.other_member, world.provider, title="Stockport's")
    return salt, ot


def _csv(user):
    with tenants.scoped_to(user.organisation):
        text = exports.csv_bytes(user).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _xlsx(user):
    with tenants.scoped_to(user.organisation):
        data = exports.xlsx_bytes(user)
    return load_workbook(io.BytesIO(data))["Contracts"]


def test_the_csv_has_the_transparency_code_columns_and_a_row_per_contract_over_5000(
        world, register):
    salt, ot = register
    lines = _csv(world.officer)
    assert lines[0] == list(exports.COLUMNS)
    assert "Total value (committed)" in lines[0]
    rows = {line[0]: dict(zip(lines[0], line)) for line in lines[1:]}
    assert set(rows) == {salt.reference, ot.reference}
    assert [line[0] for line in lines[1:]] == [ot.reference, salt.reference]  # by start
    row = rows[salt.reference]
    assert row == {
        "Reference": salt.reference, "Title": "Speech and language therapy",
        "Description": "SALT across the special schools",
        "Department": "Speech and language therapy", "Supplier name": "Brookvale School Ltd",
        "Supplier company number": "01234567", "Supplier charity number": "",
        "Start date": "2026-09-01", "End date": "2031-08-31",
        "Review date (next extension decision)": "",
        "Extension options": "3 options: 12, 12 and 12 months",
        "Extensions taken": "Option 1 (12 months) taken; option 2 (12 months) declined",
        "Annual value": "916502.00", "Total value (committed)": "4582510.00",
        "Status": "Active", "Decision reference": "KD-2026-041"}


def test_the_committed_total_is_the_value_engines_and_named_text_never_a_formula(
        world, register):
    salt, ot = register
    rows = {line[0]: dict(zip(_csv(world.officer)[0], line)) for line in _csv(world.officer)}
    row = rows[ot.reference]
    assert row["Total value (committed)"] == "240000.00"  # 24 months at £120,000, no uplift
    assert row["Title"] == "'=1+1 occupational therapy"
    assert row["Supplier name"] == "'=HYPERLINK(\"http://x\")Trust"
    assert row["Supplier company number"] == ""
    assert row["Department"] == "Occupational therapy"
    assert row["Extension options"] == "None"
    assert row["Extensions taken"] == "None decided"
    assert (row["End date"], row["Status"]) == ("2027-03-31", "Active")
    assert row["Annual value"] == "120000.00"


def test_the_xlsx_has_the_same_rows_with_numbers_dates_and_text_cells(world, register):
    salt, ot = register
    sheet = _xlsx(world.manager)
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(exports.COLUMNS)
    assert len(rows) == 3
    header = list(exports.COLUMNS)
    by_reference = {row[0]: dict(zip(header, row)) for row in rows[1:]}
    salt_row = by_reference[salt.reference]
    assert salt_row["Start date"] == datetime(2026, 9, 1)
    assert salt_row["End date"] == datetime(2031, 8, 31)
    assert Decimal(str(salt_row["Annual value"])) == Decimal("916502")
    assert Decimal(str(salt_row["Total value (committed)"])) == Decimal("4582510.00")
    assert salt_row["Supplier company number"] == "01234567"
    ot_row = by_reference[ot.reference]
    assert Decimal(str(ot_row["Total value (committed)"])) == Decimal("240000")
    # Cells typed as text: a title starting with "=" is a string, never a formula.
    assert sheet["A2"].value == ot.reference  # the earlier start first
    title_cell = sheet.cell(row=2, column=header.index("Title") + 1)
    assert (title_cell.value, title_cell.data_type) == ("=1+1 occupational therapy", "s")
    money_cell = sheet.cell(row=2, column=header.index("Annual value") + 1)
    assert money_cell.number_format == "#,##0.00"


def test_the_register_downloads_for_officers_and_managers_only(world, register, client,
                                                              as_user):
    salt, _ = register
    for user in (world.officer, world.manager):
        response = as_user(user).get("/contracts/register.csv")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert 'filename="contract-register-2026-12-02.csv"' in response.headers[
            "Content-Disposition"]
        assert salt.reference in response.get_data(as_text=True)
        xlsx = client.get("/contracts/register.xlsx")
        assert xlsx.status_code == 200
        assert load_workbook(io.BytesIO(xlsx.data))["Contracts"]["A2"].value is not None
    for user in (world.provider_user, world.host_admin):
        assert as_user(user).get("/contracts/register.csv").status_code == 403
        assert client.get("/contracts/register.xlsx").status_code == 403
        with pytest.raises(PermissionDenied), tenants.scoped_to(user.organisation):
            exports.register_rows(user)


def test_another_authoritys_register_has_only_its_own_contracts(world, register):
    lines = _csv(world.other_officer)
    assert [line[1] for line in lines[1:]] == ["Stockport's"]


@pytest.mark.parametrize("path", ["/contracts/register.csv", "/contracts/register.xlsx"])
def test_the_downloads_keep_a_constant_statement_count(world, client, as_user, path):
    starts = iter(D(2026, month, 1) for month in range(1, 13))

    def make_rows(n):
        for _ in range(n):
            factories.contract(world.member, world.provider, start=next(starts),
                               extensions=(12, 12), decisions=("taken",))

    as_user(world.officer)

    def request():
        assert client.get(path).status_code == 200

    assert_constant_queries(make_rows, request)


def test_the_5000_threshold_of_the_transparency_code_applies_to_the_committed_total(world):
    """£4,000 a year for 12 months is not over £5,000 and is left out; for 24 months it is
    (£8,000); £4,999.99 for one year uplifted 2.5% from year one is £5,124.99, so it is in."""
    factories.contract(world.member, world.provider, annual_value_pence=400000, months=12,
                       extensions=())
    longer = factories.contract(world.member, world.provider, annual_value_pence=400000,
                                months=24, extensions=(), start=D(2026, 10, 1))
    uplifted = factories.contract(
        world.member, world.provider, annual_value_pence=499999, months=12, extensions=(),
        start=D(2026, 11, 1), convention="from_year_one", kind="fixed_anniversary",
        percent_bp=250)
    with tenants.scoped_to(world.member):
        rows = exports.register_rows(world.officer)
    assert [r["Reference"] for r in rows] == [longer.reference, uplifted.reference]
    assert rows[1]["Total value (committed)"] == 512499
