"""The re-procurement planner (issue 13 §5): pure, dates in and a plan out. Each rule's source is
in the test's name: Procurement Act 2023 s.51 (standstill), s.54 (minimum periods), s.123
(working days: a bank holiday in any part of the UK), TUPE 2006 reg 11(6)."""
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace import working_days
from marketplace.contracts import planner
from marketplace.contracts.planner import PlanError, plan

settings.register_profile("planner", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
PLANNER = settings.get_profile("planner")

D = date
TODAY = D(2025, 6, 2)


def _step(result, key):
    return next(s for s in result.steps if s.key == key)


def _errors(**kwargs):
    with pytest.raises(PlanError) as caught:
        plan(**kwargs)
    return caught.value.errors


# ---------------------------------------------------------------- the steps and their order

def test_open_procedure_steps_in_order_with_defaults_s20_2_a():
    result = plan("pa2023_open", D(2027, 9, 1), today=TODAY)
    assert [s.key for s in result.steps] == [
        "preparation", "tender_notice", "tender_period", "evaluation", "moderation", "award",
        "standstill", "signature", "mobilisation"]
    assert [(s.days, s.unit, s.minimum) for s in result.steps] == [
        (60, "working", None), (5, "working", None), (30, "calendar", 25),
        (15, "working", None), (5, "working", None), (5, "working", None),
        (8, "working", 8), (5, "working", None), (60, "calendar", None)]


def test_each_step_ends_before_the_next_starts_and_mobilisation_ends_the_day_before_start_by():
    """Worked back from 1 September 2027: mobilisation's 60 calendar days end on 31 August and
    start on 3 July; contract signature's 5 working days end on the last working day before
    3 July (Friday 2 July) and start on Monday 28 June; and so on back."""
    result = plan("pa2023_open", D(2027, 9, 1), today=TODAY)
    mobilisation, signature = _step(result, "mobilisation"), _step(result, "signature")
    assert (mobilisation.latest_start, mobilisation.end) == (D(2027, 7, 3), D(2027, 8, 31))
    assert (signature.latest_start, signature.end) == (D(2027, 6, 28), D(2027, 7, 2))
    chain = list(result.steps)
    for before, after in zip(chain, chain[1:]):
        assert before.end < after.latest_start
        assert before.latest_start <= before.end
        if after.unit == "calendar":
            assert after.latest_start - before.end <= timedelta(days=4)  # a weekend, no more


def test_competitive_flexible_procedure_has_participation_and_negotiation_s20_2_b():
    result = plan("pa2023_competitive_flexible", D(2027, 9, 1), today=TODAY)
    keys = [s.key for s in result.steps]
    assert keys[:6] == ["preparation", "tender_notice", "participation_period", "shortlisting",
                        "tender_period", "negotiation"]
    assert _step(result, "participation_period").minimum == 25  # s.54(3)
    assert _step(result, "tender_period").minimum == 25  # s.54(4), electronic


def test_light_touch_contracts_have_no_minimum_tender_period_or_mandatory_standstill_s54_3():
    """SEND therapy services are light touch services (Procurement Regulations 2024 Sch. 1):
    s.54's minimum tendering periods do not apply, nor is standstill mandatory (s.51); a
    5-day tender period and a 3-day voluntary standstill are allowed."""
    result = plan("pa2023_light_touch", D(2027, 9, 1), today=TODAY,
                  lengths={"tender_period": 5, "standstill": 3})
    assert (_step(result, "tender_period").minimum, _step(result, "standstill").minimum) == (
        None, None)
    assert (_step(result, "tender_period").days, _step(result, "standstill").days) == (5, 3)


# ---------------------------------------------------------------- UK-wide working days

def test_standstill_over_christmas_skips_25_26_december_1_and_2_january_uk_wide_s51_s123():
    """Standstill of 8 working days ending on Thursday 8 January 2026, counted back: 8, 7, 6,
    5 January, (2 January is a bank holiday in Scotland, 1 January everywhere), 31, 30, 29
    December, (26 and 25 December, and the weekend), 24 December. It begins on Wednesday 24
    December 2025; counted in England's calendar alone it would begin on 29 December."""
    result = plan("pa2023_open", D(2026, 1, 12), today=TODAY,
                  lengths={"signature": 1, "mobilisation": 1})
    standstill = _step(result, "standstill")
    assert (standstill.latest_start, standstill.end) == (D(2025, 12, 24), D(2026, 1, 8))
    assert working_days.working_days_between(standstill.latest_start, standstill.end) == 8
    for holiday in (D(2025, 12, 25), D(2025, 12, 26), D(2026, 1, 1), D(2026, 1, 2)):
        assert not working_days.is_working_day(holiday)
    signature = _step(result, "signature")
    assert (signature.latest_start, signature.end) == (D(2026, 1, 9), D(2026, 1, 9))


def test_standstill_over_christmas_2026_with_substitute_bank_holidays_s51():
    """Christmas 2026: 26 December is a Saturday (Boxing Day's substitute is Monday 28
    December) and 2 January 2027 a Saturday (Scotland's substitute is Monday 4 January). A
    standstill beginning on Thursday 24 December 2026 runs 24, 29, 30, 31 December, 5, 6, 7
    and 8 January: it ends on Friday 8 January 2027."""
    result = plan("pa2023_open", D(2027, 1, 13), today=D(2026, 12, 3),
                  lengths={"signature": 1, "mobilisation": 1})
    standstill = _step(result, "standstill")
    assert (standstill.latest_start, standstill.end) == (D(2026, 12, 24), D(2027, 1, 8))
    assert not working_days.is_working_day(D(2027, 1, 4))  # Scotland's 2 January, substituted


def test_a_working_day_step_ends_on_the_last_working_day_before_the_next_step():
    """Mobilisation of 1 day on Sunday 11 January: signature's one working day is Friday 9
    January, not the Saturday."""
    result = plan("pa2023_open", D(2026, 1, 12), today=TODAY,
                  lengths={"signature": 1, "mobilisation": 1})
    assert _step(result, "mobilisation").latest_start == D(2026, 1, 11)
    assert _step(result, "signature").end == D(2026, 1, 9)


@PLANNER
@given(start_by=st.dates(D(2026, 1, 1), D(2032, 12, 31)),
       standstill=st.integers(8, 30), evaluation=st.integers(1, 40))
def test_working_day_steps_span_exactly_their_length_in_working_days(start_by, standstill,
                                                                      evaluation):
    """Property: each working-day step starts and ends on a working day and covers exactly its
    length in UK-wide working days; each calendar-day step covers exactly its length."""
    result = plan("pa2023_open", start_by, today=D(2025, 1, 1),
                  lengths={"standstill": standstill, "evaluation": evaluation})
    for step in result.steps:
        if step.unit == "working":
            assert working_days.is_working_day(step.latest_start)
            assert working_days.is_working_day(step.end)
            assert working_days.working_days_between(step.latest_start, step.end) == step.days
        else:
            assert (step.end - step.latest_start).days + 1 == step.days
    assert max(s.end for s in result.steps) < start_by


# ---------------------------------------------------------------- statutory minimums

@pytest.mark.parametrize("conditions, minimum", [
    ({}, 25),  # electronic, documents with the notice
    ({"documents_with_notice": False}, 30),
    ({"electronic": False}, 35),
    ({"planned_procurement_notice": True}, 10),
    ({"urgency": True}, 10),
    ({"electronic": False, "planned_procurement_notice": True}, 10),
])
def test_minimum_tender_period_both_directions_s54_4(conditions, minimum):
    """At the minimum the plan is made; a day under it is refused, naming the step."""
    result = plan("pa2023_open", D(2027, 9, 1), today=TODAY, conditions=conditions,
                  lengths={"tender_period": minimum})
    assert _step(result, "tender_period").minimum == minimum
    errors = _errors(regime_key="pa2023_open", start_by=D(2027, 9, 1), today=TODAY,
                     conditions=conditions, lengths={"tender_period": minimum - 1})
    assert list(errors) == ["step.tender_period"]
    assert f"at least {minimum} calendar days" in errors["step.tender_period"]
    assert "s.54(4)" in errors["step.tender_period"]


def test_participation_period_minimum_both_directions_s54_3():
    plan("pa2023_competitive_flexible", D(2027, 9, 1), today=TODAY,
         lengths={"participation_period": 25})
    assert "step.participation_period" in _errors(
        regime_key="pa2023_competitive_flexible", start_by=D(2027, 9, 1), today=TODAY,
        lengths={"participation_period": 24})
    plan("pa2023_competitive_flexible", D(2027, 9, 1), today=TODAY,
         lengths={"participation_period": 10}, conditions={"urgency": True})


def test_standstill_is_at_least_8_working_days_both_directions_s51():
    result = plan("pa2023_open", D(2027, 9, 1), today=TODAY, lengths={"standstill": 8})
    assert _step(result, "standstill").days == 8
    errors = _errors(regime_key="pa2023_open", start_by=D(2027, 9, 1), today=TODAY,
                     lengths={"standstill": 7})
    assert errors == {"step.standstill": "Standstill must be at least 8 working days "
                                         "(Procurement Act 2023 s.51)"}


def test_tupe_information_step_is_optional_and_at_least_28_days_before_transfer_reg_11_6():
    """Without TUPE there is no such step; with it, 28 calendar days ending the day before the
    new contract starts (the transfer), alongside mobilisation; 27 is refused."""
    without = plan("pa2023_open", D(2027, 9, 1), today=TODAY)
    assert "tupe" not in [s.key for s in without.steps]
    with_tupe = plan("pa2023_open", D(2027, 9, 1), today=TODAY, tupe=True)
    tupe = _step(with_tupe, "tupe")
    assert (tupe.latest_start, tupe.end, tupe.minimum, tupe.alongside) == (
        D(2027, 8, 4), D(2027, 8, 31), 28, True)
    # Alongside: the chain's dates are those without TUPE.
    assert [s.latest_start for s in with_tupe.steps if s.key != "tupe"] == [
        s.latest_start for s in without.steps]
    assert "step.tupe" in _errors(regime_key="pa2023_open", start_by=D(2027, 9, 1),
                                  today=TODAY, tupe=True, lengths={"tupe": 27})


def test_qualifying_planned_procurement_notice_date_is_40_days_before_the_tender_notice_s54():
    result = plan("pa2023_open", D(2027, 9, 1), today=TODAY,
                  conditions={"planned_procurement_notice": True}, lengths={"tender_period": 10})
    assert result.planned_notice_by == _step(result, "tender_notice").end - timedelta(days=40)
    assert plan("pa2023_open", D(2027, 9, 1), today=TODAY).planned_notice_by is None


# ---------------------------------------------------------------- fitting, and gaps

def _first_start(start_by):
    return plan("pa2023_open", start_by, today=D(2020, 1, 1)).earliest_start


def test_a_plan_that_fits_exactly_starts_today():
    """The default open procedure for 1 September 2027 must start preparation by its first
    step's latest start; with that day as today it fits, a day later it does not."""
    first = _first_start(D(2027, 9, 1))
    exact = plan("pa2023_open", D(2027, 9, 1), today=first)
    assert exact.fits and exact.days_short == 0
    late = plan("pa2023_open", D(2027, 9, 1), today=first + timedelta(days=1))
    assert not late.fits and late.days_short == 1


def test_a_plan_that_cannot_fit_is_flagged_with_how_late_it_is():
    """Start by 1 December 2025, planned on 2 June 2025: the default steps need about seven
    and a half months, so preparation would have had to start in April."""
    result = plan("pa2023_open", D(2025, 12, 1), today=TODAY)
    assert result.earliest_start.month == 4
    assert not result.fits
    assert result.earliest_start < TODAY
    assert result.days_short == (TODAY - result.earliest_start).days


def test_the_tupe_step_counts_for_fitting():
    """A light touch plan whose whole chain is shorter than the 28 days' TUPE information:
    the TUPE step starts first and decides whether the plan fits."""
    lengths = {"preparation": 1, "tender_notice": 1, "tender_period": 1, "evaluation": 1,
               "moderation": 1, "award": 1, "standstill": 1, "signature": 1,
               "mobilisation": 1}
    start_by = D(2025, 8, 1)
    result = plan("pa2023_light_touch", start_by, today=D(2025, 7, 4), tupe=True,
                  lengths=lengths)
    assert _step(result, "tupe").latest_start == D(2025, 7, 4)
    assert result.earliest_start == D(2025, 7, 4) < _step(result, "preparation").latest_start
    assert result.fits
    assert not plan("pa2023_light_touch", start_by, today=D(2025, 7, 5), tupe=True,
                    lengths=lengths).fits


def test_a_start_later_than_the_day_after_the_current_end_leaves_a_gap():
    assert plan("pa2023_open", D(2027, 9, 1), today=TODAY,
                current_end=D(2027, 8, 31)).gap_days == 0
    assert plan("pa2023_open", D(2027, 9, 11), today=TODAY,
                current_end=D(2027, 8, 31)).gap_days == 10
    assert plan("pa2023_open", D(2027, 8, 1), today=TODAY,
                current_end=D(2027, 8, 31)).gap_days == 0  # an overlap is no gap
    assert plan("pa2023_open", D(2027, 9, 11), today=TODAY).gap_days == 0


# ---------------------------------------------------------------- bad input

def test_start_by_already_passed_is_refused_but_today_is_allowed():
    assert list(_errors(regime_key="pa2023_open", start_by=TODAY - timedelta(days=1),
                        today=TODAY)) == ["start_by"]
    assert not plan("pa2023_open", TODAY, today=TODAY).fits


def test_unknown_regime_and_unknown_step_name_their_fields():
    assert list(_errors(regime_key="pcr2015_open", start_by=D(2027, 9, 1),
                        today=TODAY)) == ["regime"]
    errors = _errors(regime_key="pa2023_open", start_by=D(2027, 9, 1), today=TODAY,
                     lengths={"negotiation": 10})
    assert list(errors) == ["step.negotiation"]


@pytest.mark.parametrize("value", [0, -5, "ten", 2.5, True, None])
def test_a_length_must_be_a_positive_whole_number(value):
    errors = _errors(regime_key="pa2023_open", start_by=D(2027, 9, 1), today=TODAY,
                     lengths={"evaluation": value})
    assert list(errors) == ["step.evaluation"]


def test_every_bad_field_is_named_at_once():
    errors = _errors(regime_key="pa2023_open", start_by=D(2020, 1, 1), today=TODAY,
                     lengths={"tender_period": 20, "standstill": 0, "bogus": 1},
                     conditions={"weather": True})
    assert set(errors) == {"start_by", "step.tender_period", "step.standstill", "step.bogus",
                           "conditions.weather"}


def test_a_start_by_that_is_not_a_date_is_named():
    assert _errors(regime_key="pa2023_open", start_by="31-2-2027", today=TODAY) == {
        "start_by": "The date the new contract must start by must be a real date"}
    assert list(_errors(regime_key="pa2023_open", start_by=None, today=TODAY)) == ["start_by"]


def test_regimes_are_data():
    assert set(planner.REGIMES) >= {"pa2023_open", "pa2023_competitive_flexible",
                                    "pa2023_light_touch"}
    for regime in planner.REGIMES.values():
        keys = [s.key for s in regime.steps]
        assert len(keys) == len(set(keys))
        assert keys[0] == "preparation" and "standstill" in keys
