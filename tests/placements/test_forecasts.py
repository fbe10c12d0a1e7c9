"""Forecasts (issue 12 §10): an authority's committed spend by financial and academic year, with
projected uplifts, splits that add up exactly, the actual to date by the clock, the downloads,
the assumed rate, who may read it, and a constant statement count. Figures are worked by hand
in the comments."""
import csv
import io
import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

import tenants
from marketplace.errors import PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.placements import costing, engine, forecasts
from marketplace.placements.models import (FeeChangeReason, ForecastSetting, IndexSeries,
                                           IndexValue, Placement, PlacementFeeChange)
from marketplace.purchasing.models import PlacementType

from ..helpers import assert_constant_queries, bearer_token, count_queries

_references = itertools.count(1)


def make_placement(authority, *, provider=None, provider_name=None, type_=PlacementType.DAY,
                   start=date(2026, 9, 1), end=date(2028, 8, 31), core=150000, support=0,
                   funding=(100, 0, 0), off_framework=False, rule=None, changes=()):
    """A placement of ``authority`` (made directly: the forecast only reads placements), with
    fee changes given as (effective_from, core, support[, uplift_due_on])."""
    n = next(_references)
    with tenants.scoped_to(authority):
        placement = Placement(
            reference=f"FC-{n:05d}", provider_id=provider.id if provider else None,
            provider_name=provider_name, off_framework=off_framework,
            off_framework_reason="spot_purchase" if off_framework else None,
            case_reference=f"CASE-{n}", birth_year=2014, gender="female", primary_need="ASD",
            secondary_needs=[], postcode_district="M1", placement_type=type_,
            start_date=start, end_date=end, core_weekly_pence=core,
            support_weekly_pence=support, therapies_weekly_pence=0, other_weekly_pence=0,
            weekly_total_pence=core + support, specification_version_ids=[],
            funding_education_percent=funding[0], funding_social_care_percent=funding[1],
            funding_health_percent=funding[2], uplift_notice_months=2,
            **({"uplift_kind": "none"} if rule is None else rule))
        db.session.add(placement)
        db.session.flush()
        for effective_from, new_core, new_support, *due in changes:
            db.session.add(PlacementFeeChange(
                placement_id=placement.id, provider_id=placement.provider_id,
                effective_from=effective_from, core_weekly_pence=new_core,
                support_weekly_pence=new_support, therapies_weekly_pence=0,
                other_weekly_pence=0, weekly_total_pence=new_core + new_support,
                reason=FeeChangeReason.UPLIFT if due else FeeChangeReason.NEGOTIATED,
                uplift_due_on=due[0] if due else None))
        db.session.commit()
        return placement


@pytest.fixture
def pair(world, time_machine):
    """Manchester's two placements across 1 April 2026 (see the comments in the test)."""
    time_machine.move_to("2026-12-02 10:00 +00:00", tick=False)
    # A: 52-week residential with Brookvale from 1 Sep 2025 to 31 Aug 2027, £3,500 a week,
    # renegotiated to £3,600 from 1 April 2026; 60% education, 30% social care, 10% health.
    a = make_placement(world.member, provider=world.provider, type_=PlacementType.RESIDENTIAL_52,
                       start=date(2025, 9, 1), end=date(2027, 8, 31), core=350000,
                       funding=(60, 30, 10), changes=[(date(2026, 4, 1), 360000, 0)])
    # B: a day placement off framework with Oakfield Academy (named, not registered), from
    # 1 Sep 2026 to 31 Aug 2028, £1,500 + £200 support a week, 2.5% each 1 April; no term
    # calendar, so estimated.
    b = make_placement(world.member, provider_name="Oakfield Academy", off_framework=True,
                       core=150000, support=20000,
                       rule={"uplift_kind": "fixed_april", "uplift_percent_bp": 250})
    # Stockport's placement with Brookvale is never Manchester's.
    make_placement(world.other_member, provider=world.provider, core=999900,
                   type_=PlacementType.RESIDENTIAL_52)
    return a, b


def _forecast(user, **year):
    with tenants.scoped_to(user.organisation):
        return forecasts.forecast(user, **year)


def _pence(text):
    return int(Decimal(text) * 100)


def test_a_financial_year_by_hand(world, pair):
    result = _forecast(world.officer, financial_year="2026-27")
    # A: by 31 Mar 2026, 212 days × £3,500/7 = 10,600,000p; to 31 Mar 2027 another 365 days ×
    # £3,600/7 = 18,771,428.57p: round(29,371,428.57) − 10,600,000 = 18,771,429p.
    # B: 1 Sep 2026–31 Mar 2027 is 212 of 2026-27's 365 days, estimated: 170,000p × 190 × 212
    # / (5 × 365) = 3,752,109.59p → 3,752,110p (its 2.5% uplift is due on 1 April 2027, after
    # the year). Total 22,523,539p = £225,235.39.
    assert result.total_pence == 18771429 + 3752110 == 22523539
    lines = {line.reference: line for line in result.placements}
    assert lines[pair[0].reference].total_pence == 18771429
    assert lines[pair[1].reference].total_pence == 3752110
    assert [line.estimated for line in (lines[pair[0].reference], lines[pair[1].reference])] \
        == [False, True]
    assert result.estimated is True
    assert (result.on_framework_pence, result.off_framework_pence) == (18771429, 3752110)
    assert [(s.key, s.name, s.total_pence) for s in result.by_type] == [
        ("residential_52", "52-week residential", 18771429), ("day", "Day placement", 3752110)]
    assert [(s.name, s.total_pence) for s in result.by_provider] == [
        ("Brookvale School Ltd", 18771429), ("Oakfield Academy", 3752110)]
    # A's 18,771,429p: 60% 11,262,857.4, 30% 5,631,428.7, 10% 1,877,142.9 → floors leave 2p,
    # to the largest remainders (health .9, social care .7): 11,262,857 + 5,631,429 +
    # 1,877,143. B is all education.
    assert lines[pair[0].reference].funders == (11262857, 5631429, 1877143)
    assert [(s.key, s.total_pence) for s in result.by_funder] == [
        ("education", 11262857 + 3752110), ("social_care", 5631429), ("health", 1877143)]
    assert sum(s.total_pence for s in result.by_funder) == result.total_pence
    # Actual to date (today 2 Dec 2026): 1 Apr–1 Dec 2026. A: 245 days × £3,600/7 =
    # 12,600,000p exactly; B: 92 days, 170,000 × 190 × 92 / 1825 = 1,628,273.97p → 1,628,274p.
    assert result.actual_to_date_pence == 12600000 + 1628274
    assert result.actual_to == date(2026, 12, 1)


def test_an_academic_year_projects_the_uplift(world, pair):
    result = _forecast(world.manager, academic_year="2026-27")
    assert (result.first_day, result.last_day) == (date(2026, 9, 1), date(2027, 8, 31))
    lines = {line.reference: line.total_pence for line in result.placements}
    # A: C(31 Aug 2026) = 10,600,000 + 153 × 360,000/7 = 18,468,571.43p; a year later
    # 37,240,000p exactly: 37,240,000 − 18,468,571 = 18,771,429p.
    assert lines[pair[0].reference] == 18771429
    # B: the 2.5% uplift on 1 April 2027, per component: £1,500 → £1,537.50, £200 → £205.00,
    # £1,742.50 a week. 3,752,109.59p to 31 March, then 153 days: 174,250 × 190 × 153 / 1825
    # = 2,775,587.67p; round(6,527,697.26) = 6,527,697p.
    assert lines[pair[1].reference] == 6527697
    assert result.total_pence == 18771429 + 6527697


def test_the_actual_to_date_follows_the_clock(world, pair, time_machine):
    time_machine.move_to("2026-03-31 23:30 +00:00", tick=False)  # 1 April 2026 in London
    before = _forecast(world.officer, financial_year="2026-27")
    assert before.actual_to_date_pence == 0 and before.actual_to is None
    time_machine.move_to("2027-06-01 09:00 +00:00", tick=False)
    after = _forecast(world.officer, financial_year="2026-27")
    assert after.actual_to_date_pence == after.total_pence == 22523539
    assert after.actual_to == date(2027, 3, 31)


def test_index_linked_uplifts_use_the_index_else_the_assumed_rate(world, time_machine):
    time_machine.move_to("2026-12-02 10:00 +00:00", tick=False)
    with tenants.scoped_to(world.host):
        series = IndexSeries(code="CPI", name="Consumer prices index")
        db.session.add(series)
        db.session.flush()
        db.session.add(IndexValue(series_id=series.id, year=2025, month=9, value_bp=380))
        db.session.commit()
    # C: 52-week, £1,000 a week from 1 Jan 2026 to 31 Dec 2027, CPI at September: 1 April 2026
    # follows September 2025 (3.8%: £1,038.00); 1 April 2027 follows September 2026 (not known).
    c = make_placement(world.member, provider=world.provider, type_=PlacementType.RESIDENTIAL_52,
                       start=date(2026, 1, 1), end=date(2027, 12, 31), core=100000, rule={
                           "uplift_kind": "index_linked", "uplift_index_code": "CPI",
                           "uplift_reference_month": 9})
    # 2026-27: C(31 Mar 2026) = 90 × 100,000/7 = 1,285,714.29p, then 365 × 103,800/7 =
    # 5,412,428.57p: round(6,698,142.86) − round(1,285,714.29) = 5,412,429p; all known.
    known = _forecast(world.officer, financial_year="2026-27")
    assert known.total_pence == 5412429 and known.estimated is False
    # 2027-28: 275 days at the assumed 2.00% (the default): £1,038 → £1,058.76, 275 × 105,876/7
    # = 4,159,414.29p; round(10,857,557.14) − round(6,698,142.86) = 4,159,414p; estimated.
    assumed = _forecast(world.officer, financial_year="2027-28")
    assert (assumed.total_pence, assumed.estimated, assumed.assumed_index_bp) == (
        4159414, True, 200)
    assert assumed.assumed_index_set is False
    with tenants.scoped_to(world.member):
        with pytest.raises(PermissionDenied):
            forecasts.set_assumed_rate(world.officer, 300)
        with pytest.raises(ValidationFailed) as bad:
            forecasts.set_assumed_rate(world.manager, 5001)
        assert "assumed_index_rate" in bad.value.errors
        with pytest.raises(ValidationFailed):
            forecasts.set_assumed_rate(world.manager, "two")
        forecasts.set_assumed_rate(world.manager, "3")
        forecasts.set_assumed_rate(world.manager, 300)  # the same row, updated
        assert len(db.session.scalars(select(ForecastSetting)).all()) == 1
    # At 3.00%: £1,069.14, 275 × 106,914/7 = 4,200,192.86p; round(10,898,335.71) −
    # 6,698,143 = 4,200,193p.
    assert _forecast(world.officer, financial_year="2027-28").total_pence == 4200193
    # Stockport's default is its own.
    assert _forecast(world.other_officer, financial_year="2027-28").assumed_index_bp == 200


def test_uplifts_already_applied_are_not_projected_again(world, time_machine):
    time_machine.move_to("2026-12-02 10:00 +00:00", tick=False)
    # 52-week, £700 a week from 1 Jan 2026, 10% each 1 April; the job applied 1 April 2026's
    # (£770): 1 April 2027's is projected (£847). FY 2026-27: C(31 Mar 2026) = 90 × 10,000 =
    # 900,000p; 365 days × 11,000 = 4,015,000p. FY 2027-28: 366 days (29 Feb 2028) × 12,100
    # = 4,428,600p.
    placement = make_placement(
        world.member, provider=world.provider, type_=PlacementType.RESIDENTIAL_52,
        start=date(2026, 1, 1), end=date(2028, 12, 31), core=70000,
        rule={"uplift_kind": "fixed_april", "uplift_percent_bp": 1000},
        changes=[(date(2026, 4, 1), 77000, 0, date(2026, 4, 1))])
    assert _forecast(world.officer, financial_year="2026-27").total_pence == 4015000
    assert _forecast(world.officer, financial_year="2027-28").total_pence == 4428600
    # With nothing left to project the forecast is the placement page's figure exactly.
    with tenants.scoped_to(world.member):
        terms = costing.terms_of(db.session.get(Placement, placement.id))
    assert engine.total_pence(terms, date(2026, 4, 1), date(2027, 3, 31)) == 4015000


def test_bad_years_name_the_field(world, pair):
    for year, field in [({}, "financial_year"),
                        ({"financial_year": "2026-28"}, "financial_year"),
                        ({"academic_year": "2026/27"}, "academic_year"),
                        ({"financial_year": "2026-27", "academic_year": "2026-27"},
                         "academic_year")]:
        with pytest.raises(ValidationFailed) as error:
            _forecast(world.officer, **year)
        assert field in error.value.errors


@given(pence=st.integers(min_value=0, max_value=10**10),
       education=st.integers(0, 100), social=st.integers(0, 100))
def test_funder_shares_add_up_exactly(pence, education, social):
    """Any cost shared by any split summing to 100 adds up to the cost, each share within a
    penny of its exact part."""
    social = min(social, 100 - education)
    percents = (education, social, 100 - education - social)
    shares = forecasts.split_by_funder(pence, percents)
    assert sum(shares) == pence
    for share, percent in zip(shares, percents):
        assert abs(share * 100 - pence * percent) < 100


def _auth(user):
    return {"Authorization": f"Bearer {bearer_token(user).token}"}


def test_the_api_gives_the_forecast_to_the_authority_only(world, pair, client):
    body = client.get("/api/v1/forecasts", query_string={"financial_year": "2026-27"},
                      headers=_auth(world.officer))
    assert body.status_code == 200, body.json
    body = body.json
    assert body["financial_year"] == "2026-27" and body["academic_year"] is None
    assert body["total"] == "225235.39" and body["actual_to_date"] == "142282.74"
    assert body["on_framework"] == "187714.29" and body["off_framework"] == "37521.10"
    assert body["by_funder"] == [
        {"funder": "education", "name": "Education (high-needs block)", "total": "150149.67",
         "estimated": True},
        {"funder": "social_care", "name": "Social care", "total": "56314.29", "estimated": True},
        {"funder": "health", "name": "Health", "total": "18771.43", "estimated": True}]
    assert body["by_type"][0] == {"type": "residential_52", "name": "52-week residential",
                                  "total": "187714.29", "estimated": False}
    assert body["by_provider"][1]["name"] == "Oakfield Academy"
    assert body["by_provider"][1]["provider_id"] is None
    assert body["by_provider"][0]["provider_id"] == str(world.provider.id)
    assert body["estimated"] is True and body["assumed_index_rate"] == "2.00"
    academic = client.get("/api/v1/forecasts", query_string={"academic_year": "2026-27"},
                          headers=_auth(world.manager)).json
    assert academic["academic_year"] == "2026-27" and academic["financial_year"] is None
    assert academic["total"] == "252991.26"  # 18,771,429 + 6,527,697 pence

    # Stockport sees only its own: one 52-week placement at £9,999 a week from 1 Sep 2026
    # (212 days to 31 Mar 2027: 212 × 999,900/7 = 30,282,685.71p → £302,826.86).
    theirs = client.get("/api/v1/forecasts", query_string={"financial_year": "2026-27"},
                        headers=_auth(world.other_manager)).json
    assert theirs["total"] == "302826.86" and theirs["placements"] == 1
    for user in (world.provider_user, world.host_admin, world.evaluator):
        refused = client.get("/api/v1/forecasts", query_string={"financial_year": "2026-27"},
                             headers=_auth(user))
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    bad = client.get("/api/v1/forecasts", query_string={"financial_year": "next year"},
                     headers=_auth(world.officer))
    assert bad.status_code == 422 and "financial_year" in str(bad.json)

    rate = client.put("/api/v1/forecasts/assumed-index-rate",
                      json={"assumed_index_rate": "2.75"}, headers=_auth(world.manager))
    assert rate.status_code == 200 and rate.json == {"assumed_index_rate": "2.75"}
    assert client.put("/api/v1/forecasts/assumed-index-rate",
                      json={"assumed_index_rate": "2.75"},
                      headers=_auth(world.officer)).status_code == 403
    assert client.put("/api/v1/forecasts/assumed-index-rate", json={"assumed_index_rate": "99"},
                      headers=_auth(world.manager)).status_code == 422


def test_the_page_shows_the_figures_and_the_managers_form(world, pair, as_user):
    officer = as_user(world.officer)
    page = officer.get("/forecasts")  # the current financial year, 2026-27
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "financial year 2026-27" in text and "£225,235.39" in text
    assert "£142,282.74" in text and "Oakfield Academy" in text and "(estimated)" in text
    assert "Save rate" not in text and "Only your authority" in text
    academic = officer.get("/forecasts?year_type=academic&year=2026-27").get_data(as_text=True)
    assert "academic year 2026-27" in academic and "£252,991.26" in academic
    assert officer.get("/forecasts?financial_year=2026-28").status_code == 422
    assert officer.post("/forecasts/assumed-index-rate",
                        data={"assumed_index_rate": "3"}).status_code == 403

    manager = as_user(world.manager)
    assert "Save rate" in manager.get("/forecasts").get_data(as_text=True)
    wrong = manager.post("/forecasts/assumed-index-rate", data={"assumed_index_rate": "lots"})
    assert wrong.status_code == 422 and "There is a problem" in wrong.get_data(as_text=True)
    saved = manager.post("/forecasts/assumed-index-rate?financial_year=2026-27",
                         data={"assumed_index_rate": "3.5"})
    assert saved.status_code == 302 and "financial_year=2026-27" in saved.location
    assert "3.50% a year" in manager.get("/forecasts").get_data(as_text=True)
    # The dashboard's summary.
    dashboard = manager.get("/dashboard").get_data(as_text=True)
    assert "Forecast spend this financial year" in dashboard and "£225,235.39" in dashboard

    assert as_user(world.provider_user).get("/forecasts").status_code == 403
    assert "Forecast spend" not in as_user(world.provider_user).get(
        "/dashboard").get_data(as_text=True)


def test_the_xlsx_equals_the_engines_costs_per_placement(world, pair, as_user):
    """A manager downloads the financial year's forecast; each placement's figure, and the
    total, equal the engine's cost of that placement over the year, worked out here on its
    own (issue 12, done when)."""
    index_linked = make_placement(
        world.member, provider=world.other_provider, type_=PlacementType.RESIDENTIAL_38,
        start=date(2025, 11, 3), end=date(2027, 7, 16), core=210000, support=12345,
        funding=(50, 25, 25), rule={"uplift_kind": "index_linked", "uplift_index_code": "RPI",
                                    "uplift_reference_month": 1, "uplift_cap_bp": 400})
    response = as_user(world.manager).get("/forecasts.xlsx?financial_year=2026-27")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = rows.index(list(forecasts.PLACEMENT_COLUMNS))
    by_reference = {row[0]: row for row in rows[header + 1:]}

    first, last = engine.financial_year_range(2026)
    expected = {}
    with tenants.scoped_to(world.member):
        for placement in db.session.scalars(select(Placement)):
            terms = costing.terms_of(placement)
            if placement.id == index_linked.id:
                # Unknown RPI for January 2026: 1 April 2026 at the assumed 2.00% (under the
                # 4% cap) on each component, £2,100 → £2,142.00 and £123.45 → £125.92.
                rule = engine.UpliftRule("index_linked", index_code="RPI", reference_month=1,
                                         cap_bp=400)
                fees = engine.add_fee_histories(*(
                    engine.project_fees((engine.FeeStep(placement.start_date, weekly),), rule,
                                        placement.start_date, placement.end_date, {}, 200)
                    for weekly in (210000, 12345)))
                assert fees[1] == engine.FeeStep(date(2026, 4, 1), 214200 + 12592)
                terms = costing.cost_terms(placement, [], terms.calendars, fees=fees)
            expected[placement.reference] = engine.total_pence(terms, first, last)
    assert len(expected) == 3
    cost_column = forecasts.PLACEMENT_COLUMNS.index("Cost in year (£)")
    for reference, pence in expected.items():
        row = by_reference[reference]
        assert round(Decimal(str(row[cost_column])) * 100) == pence
        shares = [round(Decimal(str(row[i])) * 100) for i in (4, 5, 6)]
        assert sum(shares) == pence
    total_row = next(row for row in rows if row[0] == "Total")
    assert round(Decimal(str(total_row[1])) * 100) == sum(expected.values())

    # The CSV has the same figures.
    text = as_user(world.manager).get("/forecasts.csv?financial_year=2026-27").data.decode(
        "utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[1] == ["Total", f"{sum(expected.values()) // 100}."
                                 f"{sum(expected.values()) % 100:02d}"]
    csv_rows = {line[0]: line for line in lines if line and line[0] in expected}
    assert {ref: _pence(line[cost_column]) for ref, line in csv_rows.items()} == expected


def test_the_statement_count_does_not_grow_with_placements(world, client, time_machine):
    time_machine.move_to("2026-12-02 10:00 +00:00", tick=False)
    providers = itertools.cycle([world.provider, world.other_provider, None])
    kinds = itertools.cycle([
        {"uplift_kind": "none"}, {"uplift_kind": "fixed_april", "uplift_percent_bp": 300},
        {"uplift_kind": "index_linked", "uplift_index_code": "CPI", "uplift_reference_month": 9}])

    def make_rows(n):
        for _ in range(n):
            provider = next(providers)
            make_placement(world.member, provider=provider,
                           provider_name=None if provider else "A school elsewhere",
                           off_framework=provider is None, rule=next(kinds),
                           changes=[(date(2027, 1, 1), 160000, 0)])

    headers = _auth(world.officer)

    def request():
        response = client.get("/api/v1/forecasts", query_string={"financial_year": "2026-27"},
                              headers=headers)
        assert response.status_code == 200

    assert_constant_queries(make_rows, request)
    with tenants.scoped_to(world.member), count_queries() as counter:
        forecasts.forecast(world.officer, financial_year="2026-27")
    # placements, fee changes, calendars (the host, the terms, the system's chargeable days),
    # index values, the setting, the block contracts (issue 13 §4: one statement), and the
    # savepoint the test's session opens.
    assert counter.count <= 9, counter.statements
