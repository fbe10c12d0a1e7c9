"""A placement's fee history, its uplift rule, the region's default rule and the index series
(issue 12 §3, §4, bad input, API): bodies, pages and what the database holds."""
from datetime import date

import pytest
from sqlalchemy import func, select

import tenants
from marketplace.extensions import db
from marketplace.notifications.models import OutboxMessage
from marketplace.placements import engine, fees
from marketplace.placements.models import IndexSeries, Placement, PlacementFeeChange
from marketplace.purchasing.services import get_system

from ..helpers import bearer_token
from ..purchasing import factories as purchasing_factories
from . import fee_factories as factories


def _api(client, user):
    token = bearer_token(user).token
    headers = {"Authorization": f"Bearer {token}"}

    def call(method, url, body=None):
        return client.open(url, method=method, headers=headers, json=body)
    return call


def _count(authority, model=PlacementFeeChange):
    with tenants.scoped_to(authority):
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def placement(world, time_machine):
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    return factories.placement(world.member, world.provider)


CHANGE = {"effective_from": "2027-01-04", "core_weekly_fee": "1600.00",
          "support_weekly_fee": "200.00", "therapies_weekly_fee": "33.33",
          "other_weekly_fee": "0.00", "reason": "change_of_need",
          "note": "More 1:1 support at lunch.", "agreed_by": "Brookvale's head"}


# ---------------------------------------------------------------- fee history

def test_the_fees_on_a_date_follow_the_changes_and_the_later_recorded_wins(world, placement):
    # Start: 150000 + 20000 + 3333 = 173333 from 1 September 2025. Changes: 1 January 2026 to
    # 160000 core (183333); on 1 April 2026 two changes, the later recorded (core 170000,
    # total 193333) winning over the earlier (core 165000).
    with tenants.scoped_to(world.member):
        fees.record_fee_change(world.officer, placement.id, date(2026, 1, 1), 160000, 20000,
                               3333, 0, "negotiated")
        fees.record_fee_change(world.officer, placement.id, date(2026, 4, 1), 165000, 20000,
                               3333, 0, "negotiated")
        fees.record_fee_change(world.officer, placement.id, date(2026, 4, 1), 170000, 20000,
                               3333, 0, "correction")
        changes = fees.fee_changes_of(placement)
        assert fees.fees_on(placement, changes, date(2025, 12, 31)) == {
            "core_weekly_pence": 150000, "support_weekly_pence": 20000,
            "therapies_weekly_pence": 3333, "other_weekly_pence": 0,
            "weekly_total_pence": 173333}
        assert fees.fees_on(placement, changes, date(2026, 1, 1))["weekly_total_pence"] == 183333
        assert fees.fees_on(placement, changes, date(2026, 3, 31))["core_weekly_pence"] == 160000
        assert fees.fees_on(placement, changes, date(2026, 4, 1))["core_weekly_pence"] == 170000
        assert fees.fee_steps(placement, list(reversed(changes))) == (
            engine.FeeStep(date(2025, 9, 1), 173333), engine.FeeStep(date(2026, 1, 1), 183333),
            engine.FeeStep(date(2026, 4, 1), 193333))
        # The agreed fees on the placement stay as agreed at the start.
        assert db.session.get(Placement, placement.id).core_weekly_pence == 150000


def test_an_officer_records_a_fee_change_in_the_api_and_the_provider_reads_it(
        world, placement, client):
    response = _api(client, world.officer)("POST", f"/api/v1/placements/{placement.id}"
                                                   "/fee-changes", CHANGE)
    assert response.status_code == 201, response.json
    body = response.json
    assert {k: body[k] for k in (*CHANGE, "weekly_total")} == {**CHANGE,
                                                                "weekly_total": "1833.33"}
    assert (body["uplift_due_on"], body["uplift_percent"], body["review_triggered"]) == (
        None, None, False)
    with tenants.scoped_to(world.member):
        change = db.session.scalar(select(PlacementFeeChange))
        assert (change.effective_from, change.core_weekly_pence, change.weekly_total_pence,
                change.recorded_by_id, change.provider_id) == (
            date(2027, 1, 4), 160000, 183333, world.officer.id, world.provider.id)
    # Brookvale's users are told, and read it.
    with tenants.scoped_to(world.provider):
        message = db.session.scalar(select(OutboxMessage))
        assert message.subject == (f"Placement {placement.reference}: fees change from "
                                   f"4 January 2027")
    listed = _api(client, world.provider_user)("GET", f"/api/v1/placements/{placement.id}"
                                                      "/fee-changes")
    assert listed.status_code == 200 and [c["id"] for c in listed.json] == [body["id"]]
    # The provider may not record one; another authority and provider are told it is not there.
    assert _api(client, world.provider_user)(
        "POST", f"/api/v1/placements/{placement.id}/fee-changes", CHANGE).status_code == 403
    for user in (world.other_officer, world.other_provider_user):
        for method in ("GET", "POST"):
            assert _api(client, user)(method, f"/api/v1/placements/{placement.id}/fee-changes",
                                      CHANGE if method == "POST" else None).status_code == 404
    assert _count(world.member) == 1


@pytest.mark.parametrize("changes, field, message", [
    ({"effective_from": "2025-08-31"}, "effective_from",
     "The change cannot take effect before the placement starts on 1 September 2025"),
    ({"effective_from": "2028-08-01"}, "effective_from",
     "The change cannot take effect after the placement's last day, 31 July 2028"),
    ({"reason": "whim"}, "reason", "Choose the reason for the change: uplift, negotiated "
                                   "change, change of need or correction"),
    ({"core_weekly_fee": None}, "core_weekly_fee",
     "Enter the core weekly fee in pounds (0 if none)"),
    ({"effective_from": None}, "effective_from", "Enter the date the new fees take effect"),
])
def test_a_bad_fee_change_names_the_field_and_saves_nothing(world, placement, client, changes,
                                                             field, message):
    response = _api(client, world.officer)(
        "POST", f"/api/v1/placements/{placement.id}/fee-changes", {**CHANGE, **changes})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert {"field": field, "in": "json", "message": message} in response.json["errors"]
    assert _count(world.member) == 0


def test_a_negative_fee_is_refused_in_the_api_and_by_the_service(world, placement, client):
    response = _api(client, world.officer)(
        "POST", f"/api/v1/placements/{placement.id}/fee-changes",
        {**CHANGE, "therapies_weekly_fee": "-5.00"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["therapies_weekly_fee"]
    with tenants.scoped_to(world.member), pytest.raises(fees.ValidationFailed) as refused:
        fees.record_fee_change(world.officer, placement.id, date(2027, 1, 4), 160000, -1, 0, 0,
                               "negotiated")
    assert refused.value.errors == {"support_weekly_fee": "The 1:1 support fee cannot be "
                                                          "negative"}
    assert _count(world.member) == 0


def test_a_change_in_an_invoiced_period_must_be_a_correction(world, placement, client):
    with tenants.scoped_to(world.member):
        db.session.get(Placement, placement.id).invoiced_to = date(2026, 12, 31)
        db.session.commit()
    api = _api(client, world.officer)
    url = f"/api/v1/placements/{placement.id}/fee-changes"
    response = api("POST", url, {**CHANGE, "effective_from": "2026-12-31"})
    assert response.status_code == 422 and response.json["errors"] == [{
        "field": "effective_from", "in": "json",
        "message": "Fees are invoiced to 31 December 2026: a change on or before then must be "
                   "a correction"}]
    assert _count(world.member) == 0
    assert api("POST", url, {**CHANGE, "effective_from": "2026-12-31",
                             "reason": "correction"}).status_code == 201
    assert api("POST", url, {**CHANGE, "effective_from": "2027-01-01"}).status_code == 201
    assert _count(world.member) == 2


def test_the_fee_pages_record_a_change_and_show_the_history(world, placement, as_user):
    officer = as_user(world.officer)
    page = officer.get(f"/placements/{placement.id}/fees/change")
    assert page.status_code == 200 and 'value="1500.00"' in page.get_data(as_text=True)
    form = {"effective_from": ["4", "1", "2027"], "core_weekly_fee": "1,600",
            "support_weekly_fee": "200", "therapies_weekly_fee": "33.33",
            "other_weekly_fee": "0", "reason": "negotiated", "agreed_by": "", "note": ""}
    bad = officer.post(f"/placements/{placement.id}/fees/change",
                       data={**form, "effective_from": ["4", "8", "2025"],
                             "support_weekly_fee": "lots"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "<title>Error: " in body
    assert "Enter the additional 1:1 support in pounds, for example 1250.00" in body
    assert 'href="#support_weekly_fee"' in body
    assert _count(world.member) == 0
    bad = officer.post(f"/placements/{placement.id}/fees/change",
                       data={**form, "effective_from": ["4", "8", "2025"]})
    assert ("The change cannot take effect before the placement starts on 1 September 2025"
            in bad.get_data(as_text=True))
    assert 'href="#effective_from-day"' in bad.get_data(as_text=True)
    done = officer.post(f"/placements/{placement.id}/fees/change", data=form,
                        follow_redirects=True)
    body = done.get_data(as_text=True)
    assert "Fee change recorded." in body and "£1,833.33" in body and "4 January 2027" in body
    # The provider reads the history but has no form; outsiders get 404.
    provider = as_user(world.provider_user)
    history = provider.get(f"/placements/{placement.id}/fees").get_data(as_text=True)
    assert "£1,833.33" in history and "Record a fee change" not in history
    assert provider.get(f"/placements/{placement.id}/fees/change").status_code == 403
    assert as_user(world.other_officer).get(f"/placements/{placement.id}/fees").status_code == 404


# ---------------------------------------------------------------- uplift rules

INDEXED = {"kind": "index_linked", "index": "CPI", "reference_month": 9, "cap": "1.5",
           "floor": "0", "review_above": "3.0", "notice_months": 2}


def test_an_officer_sets_an_index_linked_rule_in_the_api(world, placement, client):
    factories.cpi(world.host, {(2026, 9): 380})
    response = _api(client, world.officer)("PUT", f"/api/v1/placements/{placement.id}"
                                                  "/uplift-rule", INDEXED)
    assert response.status_code == 200, response.json
    assert response.json == {
        "placement_id": str(placement.id), "kind": "index_linked", "percent": None,
        "index": "CPI", "reference_month": 9, "cap": "1.5", "floor": "0",
        "review_above": "3", "notice_months": 2,
        "description": "CPI at September, each 1 April, at most 1.5%, at least 0%, reviewed "
                       "when CPI exceeds 3%"}
    with tenants.scoped_to(world.member):
        stored = db.session.scalars(select(Placement).execution_options(
            populate_existing=True)).one()
        assert fees.rule_of(stored) == engine.UpliftRule(
            "index_linked", index_code="CPI", reference_month=9, cap_bp=150, floor_bp=0,
            review_above_bp=300, notice_months=2)
    # A fixed rule drops the index fields; the provider reads it but cannot set it.
    response = _api(client, world.officer)("PUT", f"/api/v1/placements/{placement.id}"
                                                  "/uplift-rule",
                                           {"kind": "fixed_april", "percent": "2.5"})
    assert (response.json["kind"], response.json["percent"], response.json["index"],
            response.json["cap"]) == ("fixed_april", "2.5", None, None)
    assert _api(client, world.provider_user)(
        "GET", f"/api/v1/placements/{placement.id}/uplift-rule").json["percent"] == "2.5"
    assert _api(client, world.provider_user)(
        "PUT", f"/api/v1/placements/{placement.id}/uplift-rule", INDEXED).status_code == 403
    assert _api(client, world.other_officer)(
        "PUT", f"/api/v1/placements/{placement.id}/uplift-rule", INDEXED).status_code == 404


@pytest.mark.parametrize("rule, errors", [
    ({"kind": "fixed_april", "percent": "50.01"},
     {"percent": "The uplift percentage must be between -20% and 50%"}),
    ({"kind": "fixed_anniversary", "percent": "-20.5"},
     {"percent": "The uplift percentage must be between -20% and 50%"}),
    ({"kind": "fixed_april"}, {"percent": "Enter the uplift percentage, for example 2.5"}),
    ({**INDEXED, "index": "RPIX"}, {"index": "There is no index RPIX: choose one the host keeps"}),
    ({**INDEXED, "cap": "1", "floor": "2"},
     {"cap": "The cap (1%) cannot be below the floor (2%)"}),
    ({"kind": "index_linked"}, {"index": "Choose the index the uplift follows, for example CPI",
                                "reference_month": "Enter the reference month, 1 to 12"}),
    ({**INDEXED, "reference_month": 13}, {"reference_month": "The reference month must be 1 "
                                                             "to 12"}),
    ({"kind": "yearly"}, {"kind": "Choose how the fees go up: none, fixed_april, "
                                  "fixed_anniversary, index_linked"}),
])
def test_a_bad_uplift_rule_names_the_field_and_changes_nothing(world, placement, client, rule,
                                                                errors):
    factories.cpi(world.host, {(2026, 9): 380})
    response = _api(client, world.officer)("PUT", f"/api/v1/placements/{placement.id}"
                                                  "/uplift-rule", rule)
    assert response.status_code == 422
    assert {e["field"]: e["message"] for e in response.json["errors"]} == errors
    with tenants.scoped_to(world.member):
        assert db.session.scalars(select(Placement.uplift_kind)).one() is None


def test_the_uplift_rule_page(world, placement, as_user):
    factories.cpi(world.host, {(2026, 9): 380})
    officer = as_user(world.officer)
    assert officer.get(f"/placements/{placement.id}/uplift-rule").status_code == 200
    bad = officer.post(f"/placements/{placement.id}/uplift-rule",
                       data={"kind": "fixed_april", "percent": "60", "notice_months": "2"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "The uplift percentage must be between -20% and 50%" in body
    assert 'href="#percent"' in body
    done = officer.post(f"/placements/{placement.id}/uplift-rule", follow_redirects=True,
                        data={"kind": "index_linked", "index": "CPI", "reference_month": "9",
                              "cap": "1.5", "review_above": "3", "notice_months": "2"})
    assert ("CPI at September, each 1 April, at most 1.5%, reviewed when CPI exceeds 3%"
            in done.get_data(as_text=True))
    assert as_user(world.provider_user).get(
        f"/placements/{placement.id}/uplift-rule").status_code == 403


def test_the_host_sets_the_default_rule_that_new_placements_copy(world, client, as_user):
    purchasing_factories.system(world.host)
    with tenants.scoped_to(world.member):
        assert fees.default_rule_values() == {
            "uplift_kind": "none", "uplift_percent_bp": None, "uplift_index_code": None,
            "uplift_reference_month": None, "uplift_cap_bp": None, "uplift_floor_bp": None,
            "uplift_review_above_bp": None, "uplift_notice_months": 2}
    with tenants.scoped_to(world.host):
        fees.set_default_uplift_rule(world.host_admin, kind="fixed_april", percent_bp=200)
    with tenants.scoped_to(world.member):
        assert fees.default_rule_values() == {
            "uplift_kind": "fixed_april", "uplift_percent_bp": 200, "uplift_index_code": None,
            "uplift_reference_month": None, "uplift_cap_bp": None, "uplift_floor_bp": None,
            "uplift_review_above_bp": None, "uplift_notice_months": 2}
        with pytest.raises(fees.PermissionDenied):
            fees.set_default_uplift_rule(world.manager, kind="none")
    host = as_user(world.host_admin)
    page = host.get("/uplift-rule").get_data(as_text=True)
    assert "Now: 2% each 1 April." in page
    bad = host.post("/uplift-rule", data={"kind": "fixed_anniversary", "percent": "",
                                          "notice_months": "2"})
    assert bad.status_code == 422
    assert "Enter the uplift percentage, for example 2.5" in bad.get_data(as_text=True)
    with tenants.scoped_to(world.host):
        assert get_system().uplift_percent_bp == 200
    assert as_user(world.manager).get("/uplift-rule").status_code == 403


# ---------------------------------------------------------------- index series

def test_the_host_keeps_an_index_series_and_its_monthly_values(world, client):
    host = _api(client, world.host_admin)
    made = host("POST", "/api/v1/index-series", {"code": "cpi", "name": "Consumer Prices Index"})
    assert made.status_code == 201 and made.json == {
        "code": "CPI", "name": "Consumer Prices Index", "source": None, "values": []}
    again = host("POST", "/api/v1/index-series", {"code": "CPI", "name": "Again"})
    assert again.status_code == 422 and again.json["errors"] == [
        {"field": "code", "in": "json", "message": "There is already an index CPI"}]
    put = host("PUT", "/api/v1/index-series/CPI/values",
               [{"month": "2026-09", "value": "3.8"}, {"month": "2026-08", "value": "4.05"}])
    assert put.status_code == 200 and put.json["values"] == [
        {"month": "2026-08", "value": "4.05"}, {"month": "2026-09", "value": "3.8"}]
    # A correction replaces the month's value; bad entries are named and nothing is saved.
    host("PUT", "/api/v1/index-series/CPI/values", [{"month": "2026-09", "value": "3.9"}])
    bad = host("PUT", "/api/v1/index-series/CPI/values",
               [{"month": "2026-10", "value": "2"}, {"month": "2026-13", "value": "x"}])
    assert bad.status_code == 422 and {e["field"] for e in bad.json["errors"]} == {
        "values.1.month", "values.1.value"}
    officer = _api(client, world.officer)
    read = officer("GET", "/api/v1/index-series/CPI")
    assert read.status_code == 200 and read.json["values"] == [
        {"month": "2026-08", "value": "4.05"}, {"month": "2026-09", "value": "3.9"}]
    assert [s["code"] for s in officer("GET", "/api/v1/index-series").json] == ["CPI"]
    with tenants.scoped_to(world.member):
        assert fees.index_values() == {"CPI": {(2026, 8): 405, (2026, 9): 390}}
    # Only the host's administrators keep them.
    assert officer("POST", "/api/v1/index-series", {"code": "RPI", "name": "RPI"}
                   ).status_code == 403
    assert officer("PUT", "/api/v1/index-series/CPI/values",
                   [{"month": "2026-10", "value": "2"}]).status_code == 403
    assert officer("GET", "/api/v1/index-series/RPI").status_code == 404
    assert _count(world.host, IndexSeries) == 1


def test_the_index_series_pages(world, as_user):
    host = as_user(world.host_admin)
    bad = host.post("/index-series", data={"code": "", "name": ""})
    assert bad.status_code == 422 and "Enter the index&#39;s code, for example CPI" in (
        bad.get_data(as_text=True))
    done = host.post("/index-series", data={"code": "CPI", "name": "Consumer Prices Index"},
                     follow_redirects=True)
    assert "Index CPI added." in done.get_data(as_text=True)
    bad = host.post("/index-series/CPI", data={"month": "Sept", "value": "3.8"})
    assert bad.status_code == 422
    assert "Enter the month as YYYY-MM, for example 2026-09" in bad.get_data(as_text=True)
    done = host.post("/index-series/CPI", data={"month": "2026-09", "value": "3.8"},
                     follow_redirects=True)
    assert "September 2026" in done.get_data(as_text=True) and "3.8%" in done.get_data(
        as_text=True)
    officer = as_user(world.officer)
    listing = officer.get("/index-series").get_data(as_text=True)
    assert "3.8% (September 2026)" in listing and "Add an index" not in listing
    assert officer.post("/index-series/CPI", data={"month": "2026-10", "value": "2"}
                        ).status_code == 403
    assert officer.get("/index-series/RPI").status_code == 404
