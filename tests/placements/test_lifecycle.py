"""A placement over time and money through the API (issue 12 §2, §6-8): its new fields, its costs
with the engine's workings, its end (agreed early or with notice charged in lieu) and the terms
agreed (notice, funding split). Figures are worked by hand in the comments."""
import pytest
from sqlalchemy import select

import tenants
from marketplace.calloffs import services
from marketplace.extensions import db
from marketplace.placements.models import Placement, PlacementEvent

from ..calloffs import factories
from ..helpers import bearer_token
from .test_placements import _award


def _auth(user):
    return {"Authorization": f"Bearer {bearer_token(user).token}"}


@pytest.fixture
def placement(world, time_machine):
    """A day placement of £1,700.00 a week from Saturday 23 January 2027 for 52 weeks (to 22
    January 2028), no term calendars: its term-time costs are estimated."""
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    lot = factories.market(world)
    _, record = _award(world, lot, time_machine)
    with tenants.scoped_to(world.provider):
        services.accept_award(world.provider_user, record.id)
    with tenants.scoped_to(world.member):
        return db.session.scalar(select(Placement))


def _fresh(world, placement_id):
    with tenants.scoped_to(world.member):
        return db.session.scalars(select(Placement).where(Placement.id == placement_id)
                                  .execution_options(populate_existing=True)).one()


def test_a_placement_shows_its_status_values_funding_and_rule_to_both_parties(
        world, placement, client):
    # Annual: a full academic year estimated, 190 ÷ 5 = 38 weeks × £1,700 = £64,600.00.
    # Whole life, estimated per academic year by calendar days: 23 Jan–31 Aug 2027 is 221 of
    # 2026-27's 365 days and 1 Sep 2027–22 Jan 2028 144 of 2027-28's 366, so
    # £340 a school day × (190×221/365 + 190×144/366) = 6,453,036.60p → £64,530.37.
    assert placement.total_value_pence == 6453037
    for user in (world.officer, world.provider_user):
        body = client.get(f"/api/v1/placements/{placement.id}", headers=_auth(user)).json
        assert body["status"] == "planned" and body["end_date"] == "2028-01-22"
        assert body["annual_cost"] == "64600.00" and body["total_value"] == "64530.37"
        assert body["funding"] == {"education": 100, "social_care": 0, "health": 0}
        assert body["off_framework"] is False and body["end_reason"] is None
        assert body["uplift_rule"] == {"kind": "none", "notice_months": 2}
        assert body["notice_weeks"] == 13
    assert client.get(f"/api/v1/placements/{placement.id}",
                      headers=_auth(world.other_provider_user)).status_code == 404


def test_costs_over_any_range_add_up_to_the_whole_with_their_workings(world, placement, client):
    url = f"/api/v1/placements/{placement.id}/costs"
    whole = client.get(url, headers=_auth(world.officer)).json
    assert (whole["from"], whole["to"], whole["total"]) == ("2027-01-23", "2028-01-22",
                                                            "64530.37")
    assert whole["estimated"] is True
    # One line per academic year (the estimate's basis changes with the year's length).
    assert [(line["from"], line["to"]) for line in whole["lines"]] == [
        ("2027-01-23", "2027-08-31"), ("2027-09-01", "2028-01-22")]
    # 190 × 221 / 365 = 115.04 estimated school days at £1,700.00 a week.
    assert whole["lines"][0]["days"] == "115.04" and whole["lines"][0]["weekly_fee"] == "1700.00"
    assert sum(int(line["amount"].replace(".", "")) for line in whole["lines"]) == 6453037
    # The financial-year split adds up to the whole, to the penny.
    parts = [client.get(url, query_string={"from": a, "to": b},
                        headers=_auth(world.provider_user)).json["total"]
             for a, b in (("2027-01-23", "2027-03-31"), ("2027-04-01", "2028-01-22"))]
    # 23 Jan–31 Mar 2027: 68 days, £340 × 190 × 68 / 365 = 1,203,506.85p → £12,035.07.
    assert parts[0] == "12035.07"
    assert sum(int(p.replace(".", "")) for p in parts) == 6453037

    bad = client.get(url, query_string={"from": "soon"}, headers=_auth(world.officer))
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert "from" in str(bad.json)
    backwards = client.get(url, query_string={"from": "2027-05-01", "to": "2027-04-01"},
                           headers=_auth(world.officer))
    assert backwards.status_code == 422 and "to" in str(backwards.json)
    assert client.get(url, headers=_auth(world.other_provider_user)).status_code == 404


def test_an_early_end_charges_notice_in_lieu_and_both_parties_see_it(
        world, placement, client, time_machine):
    time_machine.move_to("2027-03-01 10:00 +00:00", tick=False)
    url = f"/api/v1/placements/{placement.id}/end"
    # Notice given today runs 13 weeks, to 30 May 2027: an end on 31 March needs a decision.
    undecided = client.post(url, json={"end_date": "2027-03-31", "reason": "breakdown"},
                            headers=_auth(world.officer))
    assert undecided.status_code == 422 and "early_end" in str(undecided.json)
    assert "30 May 2027" in str(undecided.json)
    assert _fresh(world, placement.id).ended_on is None
    assert client.post(url, json={"end_date": "2027-03-31", "reason": "breakdown",
                                  "early_end": "in_lieu"},
                       headers=_auth(world.provider_user)).status_code == 403

    ended = client.post(url, json={"end_date": "2027-03-31", "reason": "breakdown",
                                   "early_end": "in_lieu"}, headers=_auth(world.officer))
    assert ended.status_code == 200, ended.json
    assert (ended.json["end_date"], ended.json["end_reason"], ended.json["charge_until"]) == (
        "2027-03-31", "breakdown", "2027-05-30")
    # Charged to 30 May: 128 days, £340 × 190 × 128 / 365 = 2,265,424.66p → £22,654.25.
    assert ended.json["total_value"] == "22654.25"
    costs = client.get(f"/api/v1/placements/{placement.id}/costs",
                       headers=_auth(world.provider_user)).json
    assert costs["total"] == "22654.25" and costs["to"] == "2027-05-30"
    assert any("in lieu of notice" in line["basis"] for line in costs["lines"])
    with tenants.scoped_to(world.provider):
        history = db.session.scalars(select(PlacementEvent.summary)).all()
    assert any("Notice charged in lieu to 30 May 2027" in line for line in history)
    again = client.post(url, json={"end_date": "2027-03-31", "reason": "breakdown"},
                        headers=_auth(world.officer))
    assert again.status_code == 409


def test_an_early_end_agreed_by_both_is_charged_to_its_last_day(
        world, placement, client, time_machine):
    time_machine.move_to("2027-03-01 10:00 +00:00", tick=False)
    ended = client.post(f"/api/v1/placements/{placement.id}/end", json={
        "end_date": "2027-03-31", "reason": "moved_setting", "early_end": "agreed"},
        headers=_auth(world.officer)).json
    # 23 Jan–31 Mar 2027 as above: £12,035.07, nothing in lieu.
    assert ended["total_value"] == "12035.07" and ended["charge_until"] is None
    assert ended["status"] == "active"  # until its last day, by the clock
    time_machine.move_to("2027-04-01 10:00 +00:00", tick=False)
    assert client.get(f"/api/v1/placements/{placement.id}",
                      headers=_auth(world.officer)).json["status"] == "ended"


@pytest.mark.parametrize("body, field", [
    ({"end_date": "2027-01-01", "reason": "completed"}, "end_date"),  # before the start
    ({"end_date": "2028-02-01", "reason": "completed"}, "end_date"),  # after the agreed end
    ({"end_date": "2027-06-01", "reason": "other"}, "note"),
    ({"end_date": "2027-06-01", "reason": "bored"}, "reason"),
])
def test_a_bad_end_is_refused_naming_the_field_and_changes_nothing(
        world, placement, client, body, field):
    response = client.post(f"/api/v1/placements/{placement.id}/end", json=body,
                           headers=_auth(world.officer))
    assert response.status_code == 422 and field in str(response.json)
    assert _fresh(world, placement.id).ended_on is None


def test_an_end_on_or_before_the_last_invoiced_day_is_refused(world, placement, client):
    assert client.patch(f"/api/v1/placements/{placement.id}", json={"invoiced_to": "2027-04-30"},
                        headers=_auth(world.officer)).status_code == 200
    response = client.post(f"/api/v1/placements/{placement.id}/end", json={
        "end_date": "2027-04-30", "reason": "completed", "early_end": "agreed"},
        headers=_auth(world.officer))
    assert response.status_code == 422 and "last invoiced day" in str(response.json)


def test_the_funding_split_and_notice_are_changed_by_the_authority_and_must_add_up(
        world, placement, client):
    url = f"/api/v1/placements/{placement.id}"
    bad = client.patch(url, json={"funding": {"education": 60, "social_care": 30, "health": 5}},
                       headers=_auth(world.officer))
    assert bad.status_code == 422 and "add up to 100% (they add up to 95%)" in str(bad.json)
    assert client.patch(url, json={"notice_weeks": 0}, headers=_auth(world.officer)
                        ).status_code == 422
    assert client.patch(url, json={"notice_weeks": 8}, headers=_auth(world.provider_user)
                        ).status_code == 403
    good = client.patch(url, json={"funding": {"education": 50, "social_care": 30, "health": 20},
                                   "notice_weeks": 8}, headers=_auth(world.officer))
    assert good.status_code == 200
    assert good.json["funding"] == {"education": 50, "social_care": 30, "health": 20}
    stored = _fresh(world, placement.id)
    assert (stored.funding_education_percent, stored.funding_social_care_percent,
            stored.funding_health_percent, stored.notice_weeks) == (50, 30, 20, 8)


def test_the_placement_page_shows_the_cost_by_financial_year_and_its_history(
        world, placement, as_user):
    for user in (world.officer, world.provider_user):
        body = as_user(user).get(f"/placements/{placement.id}").get_data(as_text=True)
        # 2026-27: 23 Jan–31 Mar 2027 = £12,035.07; 2027-28 the rest, £52,495.30.
        assert "2026-27 (estimated)" in body and "£12,035.07" in body
        assert "2027-28 (estimated)" in body and "£52,495.30" in body
        assert "Whole-life value" in body and "£64,530.37" in body
        assert "Placement agreed from the award of call-off" in body
    assert "Record the end of this placement" in as_user(world.officer).get(
        f"/placements/{placement.id}").get_data(as_text=True)
    assert "Record the end" not in as_user(world.provider_user).get(
        f"/placements/{placement.id}").get_data(as_text=True)


def test_the_end_form_shows_its_errors_and_records_the_end(world, placement, as_user,
                                                           time_machine):
    time_machine.move_to("2027-03-01 10:00 +00:00", tick=False)
    assert as_user(world.provider_user).get(f"/placements/{placement.id}/end"
                                            ).status_code == 403
    officer = as_user(world.officer)
    page = officer.post(f"/placements/{placement.id}/end", data={
        "end_date": ["31", "3", "2027"],
        "reason": "completed"})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "There is a problem" in text and "30 May 2027" in text
    assert _fresh(world, placement.id).ended_on is None
    done = officer.post(f"/placements/{placement.id}/end", data={
        "end_date": ["31", "3", "2027"],
        "reason": "completed", "early_end": "agreed"})
    assert done.status_code == 302
    stored = _fresh(world, placement.id)
    assert (stored.ended_on.isoformat(), stored.end_reason.value, stored.early_end.value) == (
        "2027-03-31", "completed", "agreed")
    body = officer.get(f"/placements/{placement.id}").get_data(as_text=True)
    assert "The placement ends on <strong>31 March 2027</strong>" in body


OFF_FRAMEWORK = {
    "off_framework": True, "provider_name": "Hill House School (Wales)",
    "case_reference": "MCR-7781", "birth_year": 2013, "gender": "female",
    "primary_need": "SEMH", "secondary_needs": ["SLCN"], "postcode_district": "M14",
    "placement_type": "residential_52", "start_date": "2026-09-01", "end_date": "2027-08-31",
    "core_weekly_fee": "4000.00", "support_weekly_fee": "500.00",
    "funding": {"education": 60, "social_care": 40, "health": 0},
    "off_framework_reason": "out_of_region", "off_framework_note": "Tribunal named the school.",
}


def test_an_off_framework_placement_is_recorded_named_and_flagged_everywhere(
        world, client, as_user, time_machine):
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    response = client.post("/api/v1/placements", json=OFF_FRAMEWORK,
                           headers=_auth(world.officer))
    assert response.status_code == 201, response.json
    body = response.json
    # 52 weeks of days from 1 September 2026 to 31 August 2027: 365 days ÷ 7 × £4,500.00
    # = £234,642.857… → £234,642.86, both the annual cost and the whole-life value.
    assert (body["annual_cost"], body["total_value"]) == ("234642.86", "234642.86")
    assert body["off_framework"] is True and body["provider"] is None
    assert body["provider_name"] == "Hill House School (Wales)"
    assert body["off_framework_reason"] == "out_of_region"
    assert body["funding"] == {"education": 60, "social_care": 40, "health": 0}
    assert body["reference"].endswith("-OF000001") and body["status"] == "active"
    # Another authority does not see it; a provider may not record one.
    assert client.get(f"/api/v1/placements/{body['id']}",
                      headers=_auth(world.other_manager)).status_code == 404
    assert client.post("/api/v1/placements", json=OFF_FRAMEWORK,
                       headers=_auth(world.provider_user)).status_code == 403
    page = as_user(world.officer).get("/placements").get_data(as_text=True)
    assert "Hill House School (Wales)" in page and "Off-framework" in page


@pytest.mark.parametrize("change, field", [
    ({"provider_name": None}, "provider_name"),
    ({"provider_name": None, "provider_id": 99999}, "provider_id"),
    ({"postcode_district": "M14 5RT"}, "postcode_district"),
    ({"birth_year": "12/04/2013"}, "birth_year"),
    ({"end_date": "2026-08-01"}, "end_date"),
    ({"core_weekly_fee": "-5"}, "core_weekly_fee"),
    ({"funding": {"education": 50, "social_care": 40, "health": 0}}, "funding"),
    ({"off_framework_reason": None}, "off_framework_reason"),
    ({"placement_type": "therapy_hours"}, "placement_type"),
    ({"off_framework": False}, "off_framework"),
])
def test_a_bad_off_framework_placement_is_refused_naming_the_field(
        world, client, time_machine, change, field):
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    response = client.post("/api/v1/placements", json={**OFF_FRAMEWORK, **change},
                           headers=_auth(world.officer))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert field in str(response.json), response.json
    with tenants.scoped_to(world.member):
        assert db.session.scalar(select(Placement)) is None


def test_refresh_values_works_out_what_rows_made_before_migration_0016_lack(
        world, placement, runner):
    """Migration 0016's note: rows made before it read 0 until ``flask placements
    refresh-values`` works their whole-life values out through the engine."""
    from marketplace.calloffs.models import Award, Offer

    with tenants.scoped_to(world.member):
        db.session.execute(db.update(Placement).values(total_value_pence=0))
        db.session.execute(db.update(Award).values(total_value_pence=0))
        db.session.commit()
    with tenants.scoped_to(world.provider):
        db.session.execute(db.update(Offer).values(total_value_pence=0))
        db.session.commit()
    result = runner.invoke(args=["placements", "refresh-values"])
    assert result.exit_code == 0, result.output
    # Both offers (ours £1,700, theirs £1,700 too: 150000 + 20000 and 170000), one award, one
    # placement.
    assert "2 offers, 1 awards, 1 placements" in result.output
    assert _fresh(world, placement.id).total_value_pence == 6453037
    with tenants.scoped_to(world.member):
        assert db.session.scalar(select(Award.total_value_pence)) == 6453037


def test_an_officer_records_an_off_framework_placement_on_the_page(
        world, as_user, time_machine):
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    officer = as_user(world.officer)
    assert "Record an off-framework placement" in officer.get("/placements").get_data(
        as_text=True)
    form = {"provider_name": "Hill House School (Wales)", "case_reference": "MCR-7781",
            "birth_year": "2013", "gender": "female", "primary_need": "SEMH",
            "postcode_district": "M14", "placement_type": "residential_52",
            "start_date": ["1", "9", "2026"], "end_date": ["31", "8", "2027"],
            "core_weekly": "4,000", "support_weekly": "500", "funding_education": "60",
            "funding_social_care": "30", "funding_health": "0", "notice_weeks": "13",
            "off_framework_reason": "out_of_region"}
    bad = officer.post("/placements/new", data=form)
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "There is a problem" in text and "they add up to 90%" in text
    assert "Hill House School (Wales)" in text  # nothing typed is lost
    made = officer.post("/placements/new", data={**form, "funding_social_care": "40"})
    assert made.status_code == 302
    with tenants.scoped_to(world.member):
        stored = db.session.scalar(select(Placement))
    # 365 ÷ 7 × £4,500.00 = £234,642.86 over 1 September 2026 to 31 August 2027.
    assert (stored.off_framework, stored.provider_name, stored.total_value_pence,
            stored.funding_social_care_percent) == (True, "Hill House School (Wales)",
                                                   23464286, 40)
    assert as_user(world.provider_user).get("/placements/new").status_code == 403


def test_costs_follow_the_provider_s_own_term_calendar_where_it_has_one(
        world, placement, client):
    """Issue 12 §5-6: school days on the provider's calendar, not estimated. Brookvale's terms:
    1–26 February 2027 (20 weekdays) and 6 September–1 October 2027 (20 weekdays): 40 school
    days of the placement × £1,700.00 ÷ 5 = £13,600.00."""
    from datetime import date

    from marketplace.placements import calendars

    with tenants.scoped_to(world.provider):
        calendars.save_calendar(world.provider_user, 2026, [
            {"name": "Spring", "starts_on": date(2027, 2, 1), "ends_on": date(2027, 2, 26)}],
            provider_id=world.provider.id)
        calendars.save_calendar(world.provider_user, 2027, [
            {"name": "Autumn", "starts_on": date(2027, 9, 6), "ends_on": date(2027, 10, 1)}],
            provider_id=world.provider.id)
    body = client.get(f"/api/v1/placements/{placement.id}/costs",
                      headers=_auth(world.officer)).json
    assert (body["total"], body["estimated"]) == ("13600.00", False)
    assert [line["days"] for line in body["lines"]] == ["20", "20"]
    assert all("provider's calendar" in line["basis"] for line in body["lines"])


def test_the_notice_and_funding_page_keeps_what_was_typed_and_saves(world, placement, as_user):
    officer = as_user(world.officer)
    page = officer.get(f"/placements/{placement.id}/terms").get_data(as_text=True)
    assert 'value="13"' in page and 'value="100"' in page
    bad = officer.post(f"/placements/{placement.id}/terms", data={
        "notice_weeks": "8", "funding_education": "70", "funding_social_care": "20",
        "funding_health": "five"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "There is a problem" in text and "Enter a whole percentage" in text
    assert 'value="five"' in text
    assert _fresh(world, placement.id).notice_weeks == 13
    done = officer.post(f"/placements/{placement.id}/terms", data={
        "notice_weeks": "8", "funding_education": "70", "funding_social_care": "20",
        "funding_health": "10"})
    assert done.status_code == 302
    stored = _fresh(world, placement.id)
    assert (stored.notice_weeks, stored.funding_education_percent,
            stored.funding_health_percent) == (8, 70, 10)
    assert "70% education, 20% social care, 10% health" in officer.get(
        f"/placements/{placement.id}").get_data(as_text=True)
    assert as_user(world.provider_user).get(f"/placements/{placement.id}/terms"
                                            ).status_code == 403
