"""The expiry pipeline and each contract's re-procurement plan (issue 13 §5), through the services,
the pages and the API. The clock is 2 December 2026 (London) unless a test moves it."""
from datetime import date

import pytest
from sqlalchemy import select

import tenants
from marketplace.audit.models import AuditEvent
from marketplace.contracts import pipeline
from marketplace.contracts.models import ContractStatus, ProcurementPlan
from marketplace.errors import NotFound, PermissionDenied, ValidationFailed
from marketplace.extensions import db

from ..helpers import assert_constant_queries, bearer_token
from . import factories

D = date


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to("2026-12-02 10:00 +00:00", tick=False)


def _auth(user):
    return {"Authorization": f"Bearer {bearer_token(user).token}"}


def _ending(world, **kwargs):
    """A contract of Manchester's with Brookvale that has no extension left to decide."""
    kwargs.setdefault("extensions", ())
    return factories.contract(world.member, world.provider, **kwargs)


def _save(world, contract, **kwargs):
    kwargs.setdefault("regime", "pa2023_open")
    kwargs.setdefault("start_by", pipeline.default_start_by(contract))
    with tenants.scoped_to(world.member):
        return pipeline.save_plan(world.officer, contract.id, **kwargs)


def _pipeline(user):
    with tenants.scoped_to(user.organisation):
        return pipeline.expiry_pipeline(user)


# ---------------------------------------------------------------- the pipeline

def test_the_pipeline_lists_contracts_ending_in_18_months_with_no_extension_left_soonest_first(
        world):
    """Issue 13 §5: end from today to today + 18 months (2 June 2028), no extension to decide,
    not draft or terminated; soonest end first, with days left."""
    last_day = _ending(world, title="Ends in 18 months to the day", start=D(2026, 6, 3),
                       months=24)  # ends 2 June 2028
    declined = factories.contract(world.member, world.provider, title="Extension declined",
                                  start=D(2025, 9, 1), months=24, extensions=(12,),
                                  decisions=("declined",))  # ends 31 August 2027
    taken = factories.contract(world.member, supplier_name="Cheshire NHS Trust",
                               title="Last extension taken", start=D(2024, 9, 1), months=24,
                               extensions=(12,), decisions=("taken",))  # ends 31 August 2027
    today = _ending(world, title="Ends today", start=D(2025, 12, 3), months=12)
    # Not in the pipeline: an extension still to decide, too far off, ended, draft,
    # terminated, another authority's.
    factories.contract(world.member, world.provider, start=D(2025, 9, 1), months=24,
                       extensions=(12,))
    _ending(world, start=D(2026, 6, 4), months=24)  # ends 3 June 2028
    _ending(world, start=D(2025, 1, 1), months=12)  # ended 31 December 2025
    _ending(world, start=D(2026, 1, 1), months=12, state=ContractStatus.DRAFT)
    _ending(world, start=D(2026, 1, 1), months=24, state=ContractStatus.TERMINATED,
            terminated_on=D(2027, 1, 31))
    factories.contract(world.other_member, world.provider, start=D(2026, 1, 1), months=12,
                       extensions=())

    rows = _pipeline(world.officer)
    assert [(r.contract.id, r.days_left) for r in rows] == [
        (today.id, 0), (declined.id, 272), (taken.id, 272), (last_day.id, 548)]
    assert {r.status for r in rows} == {pipeline.NOT_PLANNED}
    assert [r.contract.title for r in _pipeline(world.other_officer)] == ["Speech and language "
                                                                         "therapy"]


def test_the_pipeline_shows_each_saved_plans_status(world, time_machine):
    """On track (fits, no gap), leaves a gap, cannot fit from today, start date passed (after
    the clock moves on), not planned."""
    on_track = _ending(world, start=D(2025, 9, 1), months=24)  # ends 31 August 2027
    gap = _ending(world, start=D(2025, 10, 1), months=24)  # ends 30 September 2027
    late = _ending(world, start=D(2025, 4, 1), months=24)  # ends 31 March 2027
    passed = _ending(world, start=D(2025, 6, 1), months=24)  # ends 31 May 2027
    none = _ending(world, start=D(2025, 7, 1), months=24)
    _save(world, on_track, start_by=D(2027, 9, 1), lengths={"mobilisation": 30})
    _save(world, gap, start_by=D(2027, 11, 1), lengths={"mobilisation": 30})
    _save(world, late)  # 1 April 2027: the default steps cannot fit from 2 December 2026
    _save(world, passed, start_by=D(2026, 12, 20))
    time_machine.move_to("2026-12-21 10:00 +00:00", tick=False)
    rows = _pipeline(world.manager)
    assert {r.contract.id: r.status for r in rows} == {
        on_track.id: pipeline.ON_TRACK, gap.id: pipeline.GAP, late.id: pipeline.CANNOT_FIT,
        passed.id: pipeline.START_PASSED, none.id: pipeline.NOT_PLANNED}
    by_id = {r.contract.id: r for r in rows}
    assert by_id[gap.id].plan.gap_days == 31
    assert by_id[passed.id].plan is None and by_id[none.id].plan is None
    assert by_id[late.id].status_label == "Cannot fit"


def test_the_pipeline_is_for_the_authoritys_officers_and_managers(world):
    _ending(world, start=D(2026, 1, 1), months=12)
    assert len(_pipeline(world.manager)) == 1
    for user in (world.provider_user, world.host_admin):
        with pytest.raises(PermissionDenied), tenants.scoped_to(user.organisation):
            pipeline.expiry_pipeline(user)


def test_the_pipeline_page_keeps_a_constant_statement_count(world, client, as_user):
    """One contract or six, with their suppliers and saved plans: the same statements."""
    starts = iter([D(2025, 9, 1), D(2025, 10, 1), D(2025, 11, 1), D(2025, 12, 1),
                   D(2026, 1, 1), D(2026, 2, 1)])

    def make_rows(n):
        for _ in range(n):
            made = _ending(world, start=next(starts), months=24)
            _save(world, made, tupe=True)

    as_user(world.officer)

    def request():
        response = client.get("/contracts/pipeline")
        assert response.status_code == 200

    assert_constant_queries(make_rows, request)


def test_the_pipeline_page_lists_the_contracts_with_their_plan_status(world, client, as_user):
    made = _ending(world, title="Occupational therapy", start=D(2025, 9, 1), months=24)
    _save(world, made, start_by=D(2027, 9, 1), lengths={"mobilisation": 30})
    body = as_user(world.manager).get("/contracts/pipeline").get_data(as_text=True)
    assert made.reference in body and "Occupational therapy" in body
    assert "Brookvale School Ltd" in body and "31 August 2027" in body
    assert ">272<" in body and "On track" in body
    assert f"/contracts/{made.id}/procurement-plan" in body
    assert as_user(world.provider_user).get("/contracts/pipeline").status_code == 403


# ---------------------------------------------------------------- a contract's plan

def test_the_default_plan_starts_the_day_after_the_current_end(world):
    made = _ending(world, start=D(2025, 9, 1), months=24)  # ends 31 August 2027
    with tenants.scoped_to(world.member):
        page = pipeline.plan_for(world.officer, made.id)
    assert page.saved is None
    assert (page.plan.regime.key, page.plan.start_by, page.plan.gap_days) == (
        "pa2023_open", D(2027, 9, 1), 0)
    assert page.plan.fits
    assert page.plan.steps[-1].end == D(2027, 8, 31)


def test_saving_a_plan_keeps_it_and_updates_it_in_place_with_an_audit_event(world):
    made = _ending(world, start=D(2025, 9, 1), months=24)
    first = _save(world, made, start_by=D(2027, 9, 1), tupe=True,
                  lengths={"tender_period": 35}, conditions={"electronic": False})
    second = _save(world, made, regime="pa2023_light_touch", start_by=D(2027, 10, 1),
                   lengths={"tender_period": 14})
    assert first.saved.id == second.saved.id
    with tenants.scoped_to(world.member):
        saved = db.session.execute(select(ProcurementPlan)).scalars().all()
        events = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "contract.procurement_plan_saved")).scalars().all()
    assert len(saved) == 1
    assert (saved[0].regime, saved[0].start_by, saved[0].tupe) == (
        "pa2023_light_touch", D(2027, 10, 1), False)
    assert saved[0].step_lengths["tender_period"] == 14
    assert saved[0].step_lengths["conditions"]["electronic"] is True
    assert len(events) == 2
    assert events[1].before["regime"] == "pa2023_open"
    assert events[1].after["start_by"] == "2027-10-01"
    with tenants.scoped_to(world.member):
        again = pipeline.plan_for(world.officer, made.id)
    assert (again.plan.regime.key, again.plan.start_by) == ("pa2023_light_touch", D(2027, 10, 1))
    assert next(s for s in again.plan.steps if s.key == "tender_period").days == 14


@pytest.mark.parametrize("kwargs, field", [
    ({"start_by": D(2026, 12, 1)}, "start_by"),
    ({"lengths": {"tender_period": 24}}, "step.tender_period"),
    ({"lengths": {"standstill": 7}}, "step.standstill"),
    ({"lengths": {"evaluation": 0}}, "step.evaluation"),
    ({"lengths": {"negotiation": 10}}, "step.negotiation"),
    ({"regime": "pcr2015_open"}, "regime"),
])
def test_bad_input_names_the_field_and_saves_nothing(world, kwargs, field):
    made = _ending(world, start=D(2025, 9, 1), months=24)
    with pytest.raises(ValidationFailed) as caught:
        _save(world, made, **kwargs)
    assert field in caught.value.errors
    with tenants.scoped_to(world.member):
        assert db.session.execute(select(ProcurementPlan)).scalars().all() == []


def test_the_supplier_and_other_authorities_are_told_the_plan_does_not_exist(world):
    """The supplier reads its contract, but not the plan to replace it: NotFound, as for
    another authority."""
    made = _ending(world, start=D(2025, 9, 1), months=24)
    for user in (world.provider_user, world.other_officer, world.other_manager,
                 world.host_admin):
        with tenants.scoped_to(user.organisation):
            with pytest.raises(NotFound):
                pipeline.plan_for(user, made.id)
            with pytest.raises(NotFound):
                pipeline.save_plan(user, made.id, regime="pa2023_open", start_by=D(2027, 9, 1))


# ---------------------------------------------------------------- the page

def test_the_plan_page_shows_the_steps_with_their_latest_dates_in_words(world, client, as_user):
    made = _ending(world, start=D(2025, 9, 1), months=24)
    body = as_user(world.officer).get(f"/contracts/{made.id}/procurement-plan").get_data(
        as_text=True)
    assert "Re-procurement plan" in body and made.reference in body
    assert "Procurement Act 2023: open procedure" in body
    # Mobilisation: 60 calendar days from Saturday 3 July to Tuesday 31 August 2027.
    assert "Saturday 3 July 2027" in body and "Tuesday 31 August 2027" in body
    assert "At least 25 calendar days (Procurement Act 2023 s.54(4))" in body
    assert "At least 8 working days (Procurement Act 2023 s.51)" in body
    assert "govuk-warning-text" not in body


def test_the_plan_page_flags_a_plan_that_cannot_fit_and_a_gap(world, client, as_user):
    made = _ending(world, start=D(2025, 4, 1), months=24)  # ends 31 March 2027
    _save(world, made, start_by=D(2027, 4, 11))
    body = as_user(world.manager).get(f"/contracts/{made.id}/procurement-plan").get_data(
        as_text=True)
    assert "This plan cannot fit" in body
    assert "This plan leaves a gap" in body and "10 days later" in body


def _form(**overrides):
    data = {"regime": "pa2023_open", "start_by-day": "1", "start_by-month": "9",
            "start_by-year": "2027", "tupe": "yes", "conditions": ["electronic",
                                                                  "documents_with_notice"],
            "step.tender_period": "30", "step.standstill": "8", "step.mobilisation": "45",
            "step.tupe": "28"}
    data.update(overrides)
    return data


def test_saving_the_plan_form(world, client, as_user):
    made = _ending(world, start=D(2025, 9, 1), months=24)
    response = as_user(world.officer).post(f"/contracts/{made.id}/procurement-plan",
                                           data=_form())
    assert response.status_code == 302
    with tenants.scoped_to(world.member):
        saved = db.session.execute(select(ProcurementPlan)).scalar_one()
    assert (saved.regime, saved.start_by, saved.tupe) == ("pa2023_open", D(2027, 9, 1), True)
    assert (saved.step_lengths["mobilisation"], saved.step_lengths["tupe"]) == (45, 28)
    assert saved.step_lengths["conditions"] == {
        "electronic": True, "documents_with_notice": True, "planned_procurement_notice": False,
        "urgency": False}
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Re-procurement plan saved" in body
    assert "TUPE: employee liability information given" in body


@pytest.mark.parametrize("overrides, field_id, message", [
    ({"start_by-day": "1", "start_by-month": "12", "start_by-year": "2026"}, "start_by-day",
     "already passed"),
    ({"start_by-day": "31", "start_by-month": "2"}, "start_by-day", "must be a real date"),
    ({"step.tender_period": "24"}, "step-tender_period", "at least 25 calendar days"),
    ({"step.standstill": "seven"}, "step-standstill", "whole number"),
    ({"step.mobilisation": "0"}, "step-mobilisation", "1 or more"),
    ({"conditions": ["documents_with_notice"], "step.tender_period": "30"},
     "step-tender_period", "at least 35 calendar days"),
    ({"regime": "nonsense"}, "regime", "Choose a procurement route"),
])
def test_the_plan_form_shows_the_error_summary_and_saves_nothing(world, client, as_user,
                                                                 overrides, field_id, message):
    made = _ending(world, start=D(2025, 9, 1), months=24)
    response = as_user(world.officer).post(f"/contracts/{made.id}/procurement-plan",
                                           data=_form(**overrides))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "There is a problem" in body and f'href="#{field_id}"' in body
    assert message in body
    with tenants.scoped_to(world.member):
        assert db.session.execute(select(ProcurementPlan)).scalars().all() == []


def test_the_plan_page_is_not_found_for_the_supplier(world, client, as_user):
    made = _ending(world, start=D(2025, 9, 1), months=24)
    for method in ("get", "post"):
        response = getattr(as_user(world.provider_user), method)(
            f"/contracts/{made.id}/procurement-plan", data=_form())
        assert response.status_code == 404


# ---------------------------------------------------------------- the API

def test_the_api_works_the_plan_out_from_the_query(world, client):
    made = _ending(world, start=D(2025, 9, 1), months=24)
    response = client.get(f"/api/v1/contracts/{made.id}/procurement-plan", query_string={
        "regime": "pa2023_open", "start_by": "2027-09-11", "step.tender_period": "35",
        "tupe": "true"}, headers=_auth(world.officer))
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["regime"], body["start_by"], body["fits"], body["gap_days"]) == (
        "pa2023_open", "2027-09-11", True, 10)
    assert [s["key"] for s in body["steps"]][-2:] == ["mobilisation", "tupe"]
    tender = next(s for s in body["steps"] if s["key"] == "tender_period")
    assert (tender["days"], tender["unit"], tender["minimum"]) == (35, "calendar", 25)
    mobilisation = body["steps"][-2]
    assert (mobilisation["latest_start"], mobilisation["end"]) == ("2027-07-13", "2027-09-10")
    assert set(body["steps"][0]) >= {"key", "name", "days", "unit", "minimum", "latest_start",
                                     "end"}
    with tenants.scoped_to(world.member):
        assert db.session.execute(select(ProcurementPlan)).scalars().all() == []


@pytest.mark.parametrize("query, field", [
    ({"start_by": "2026-12-01"}, "start_by"),
    ({"step.tender_period": "24"}, "step.tender_period"),
    ({"step.standstill": "7"}, "step.standstill"),
    ({"step.evaluation": "0"}, "step.evaluation"),
    ({"step.evaluation": "ten"}, "step.evaluation"),
    ({"step.negotiation": "5"}, "step.negotiation"),
    ({"regime": "pcr2015_open"}, "regime"),
    ({"start_by": "someday"}, "start_by"),
])
def test_the_api_answers_422_naming_the_field(world, client, query, field):
    made = _ending(world, start=D(2025, 9, 1), months=24)
    response = client.get(f"/api/v1/contracts/{made.id}/procurement-plan", query_string=query,
                          headers=_auth(world.officer))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in [e["field"] for e in response.json["errors"]]


def test_the_api_saves_a_plan_with_put(world, client):
    made = _ending(world, start=D(2025, 9, 1), months=24)
    url = f"/api/v1/contracts/{made.id}/procurement-plan"
    response = client.put(url, json={"regime": "pa2023_competitive_flexible",
                                     "start_by": "2027-09-01", "steps": {"negotiation": 15}},
                          headers=_auth(world.manager))
    assert response.status_code == 200, response.json
    assert response.json["saved"] is True
    body = client.get(url, headers=_auth(world.officer)).json
    assert body["regime"] == "pa2023_competitive_flexible"
    assert next(s for s in body["steps"] if s["key"] == "negotiation")["days"] == 15
    bad = client.put(url, json={"regime": "pa2023_open", "start_by": "2027-09-01",
                                "steps": {"standstill": 5}}, headers=_auth(world.manager))
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json["errors"]] == ["step.standstill"]


def test_the_api_hides_the_plan_from_the_supplier_and_other_authorities(world, client):
    made = _ending(world, start=D(2025, 9, 1), months=24)
    url = f"/api/v1/contracts/{made.id}/procurement-plan"
    for user in (world.provider_user, world.other_officer):
        assert client.get(url, headers=_auth(user)).status_code == 404
        assert client.put(url, json={"regime": "pa2023_open", "start_by": "2027-09-01"},
                          headers=_auth(user)).status_code == 404
