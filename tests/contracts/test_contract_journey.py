"""Issue 13's "Done when": a manager records a contract, takes an extension, downloads the
register and sees the contract in the authority's financial-year forecast — in the browser and
through the API. The clock is 1 June 2027 (London).

The forecast figure is worked by hand: a contract starting 1 September 2027 has a first
contract year of 366 days (to 31 August 2028, 29 February 2028 in it); financial year 2027-28
holds 213 of them (1 September to 31 March), before any uplift (the first falls after it).
"""
import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ..helpers import bearer_token

FORM = {"title": "Occupational therapy in special schools", "service": "occupational_therapy",
        "supplier_provider_id": "", "supplier_name": "Bridgewater Community Healthcare NHS Trust",
        "annual_value": "240000.00", "start_date": ["1", "9", "2027"],
        "initial_term_months": "24", "extension_options": "12, 12", "decision_notice_months": "6",
        "kind": "fixed_anniversary", "percent": "2.5", "index": "", "reference_month": "",
        "cap": "", "floor": "", "review_above": "",
        "uplift_convention": "from_first_anniversary", "decision_reference": "KD-2027-012",
        "retrospective_note": "", "description": "", "status": "active"}


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to("2027-06-01 09:00 +01:00", tick=False)


def test_a_manager_records_extends_downloads_and_forecasts_a_contract_in_the_browser(
        world, as_user):
    manager = as_user(world.manager)
    recorded = manager.post("/contracts/new", data=FORM)
    assert recorded.status_code == 302
    contract_url = recorded.headers["Location"]
    reference = f"CT-{world.member.ons_code}-0001"
    page = manager.get(contract_url).get_data(as_text=True)
    assert reference in page and "31 August 2029" in page  # 24 months from 1 September 2027

    taken = manager.post(f"{contract_url}/extensions/1/decision",
                         data={"decision": "taken", "reason": "Cabinet approved the extension"},
                         follow_redirects=True)
    body = taken.get_data(as_text=True)
    assert "Option 1 is recorded as taken." in body
    assert "31 August 2030" in body  # the current end, one year on

    register = manager.get("/contracts/register.csv")
    assert register.status_code == 200 and register.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(register.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["Reference"], r["End date"], r["Extensions taken"]) for r in rows] == [
        (reference, "2030-08-31", "Option 1 (12 months) taken")]
    # Three committed years: £240,000, then £246,000 and £252,150 after each 2.5% uplift.
    assert rows[0]["Total value (committed)"] == "738150.00"
    xlsx = manager.get("/contracts/register.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data))["Contracts"]
    assert sheet["A2"].value == reference

    forecast = manager.get("/forecasts?financial_year=2027-28").get_data(as_text=True)
    assert "Block contracts" in forecast
    assert reference in forecast and "£139,672.13" in forecast  # £240,000 × 213 / 366


def test_a_manager_records_extends_downloads_and_forecasts_a_contract_through_the_api(
        client, world):
    headers = {"Authorization": f"Bearer {bearer_token(world.manager).token}"}

    def call(method, url, body=None):
        return client.open(url, method=method, headers=headers, json=body)

    made = call("POST", "/api/v1/contracts", {
        "title": "Speech and language therapy in special schools",
        "service": "speech_and_language",
        "supplier_name": "Manchester University NHS Foundation Trust",
        "annual_value": "916502.00", "start_date": "2027-09-01", "initial_term_months": 48,
        "extension_options": [{"months": 12}, {"months": 12}, {"months": 12}],
        "uplift_rule": {"kind": "fixed_anniversary", "percent": "2.5"},
        "decision_reference": "KD-2025-041", "status": "active"})
    assert made.status_code == 201, made.json
    contract_id = made.json["id"]

    taken = call("POST", f"/api/v1/contracts/{contract_id}/extensions/1/decision",
                 {"decision": "taken", "reason": "Performing well"})
    assert taken.status_code == 200, taken.json
    assert taken.json["end_date"] == "2032-08-31"
    assert taken.json["extension_options"][0]["decision"] == "taken"

    forecast = call("GET", f"/api/v1/contracts/{contract_id}/forecast")
    assert forecast.status_code == 200
    # The check figure: £916,502 a year, 2.5% on each anniversary, 4 + 3 years.
    assert forecast.json["with_all_extensions_total"] == "6917234.82"
    assert forecast.json["initial_term_total"] == "3805788.87"
    # Five committed years: the initial four and the first extension (£1,011,646.72).
    assert forecast.json["committed_total"] == "4817435.59"

    register = call("GET", "/api/v1/contracts")
    assert [(c["reference"], c["end_date"]) for c in register.json] == [
        (made.json["reference"], "2032-08-31")]

    year = call("GET", "/api/v1/forecasts?financial_year=2027-28")
    assert year.status_code == 200
    block = year.json["block_contracts"]
    assert [c["reference"] for c in block["contracts"]] == [made.json["reference"]]
    assert block["total"] == "533374.11"  # 91,650,200p × 213 / 366, to the penny
    assert Decimal(year.json["all_committed_total"]) == (
        Decimal(year.json["total"]) + Decimal(block["total"]))
