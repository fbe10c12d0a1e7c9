"""The MoU's apportionment arithmetic (issue 14 §1, §3; DESIGN §3 "MoU cost sharing"): hand-worked
cases, each with its arithmetic, and properties over random members, dates, usage, caps and
damping.

The arithmetic is pure, so these tests need no database: the module's own ``session`` fixture
stands in for the suite's autouse one (which would migrate a database for nothing)."""
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import tenants
from tenants import (
    CALLOFFS, PLACEMENT_DAYS, PLACEMENT_SPEND, POPULATION, CostSharingError, Member, Terms,
    apportion, days_in_financial_year, financial_year_dates, largest_remainder, membership_days,
    net_cost, true_ups)

settings.register_profile("cost_sharing", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = settings.get_profile("cost_sharing")

D = date
LONG_AGO = D(2015, 4, 1)
HOST = 99


@pytest.fixture
def session():
    """No database here: overrides the suite's autouse transaction fixture."""
    yield None


def member(authority_id, joined_on=LONG_AGO, left_on=None, last_approved=None, **usage):
    return Member(authority_id, joined_on, left_on, usage, last_approved)


def host(**usage):
    return Member(HOST, LONG_AGO, usage=usage, is_host=True)


def by_days(fixed_percent=0, **kwargs):
    return Terms(fixed_percent=fixed_percent, usage_measure=PLACEMENT_DAYS, **kwargs)


# --- membership days (issue 14 §1) -------------------------------------------------------------

def test_membership_days_issue14_s1_joining_on_1_october_is_182_of_365_days_in_2026_27():
    # 1 Oct 2026–31 Mar 2027: Oct 31 + Nov 30 + Dec 31 + Jan 31 + Feb 28 + Mar 31 = 182.
    assert membership_days(2026, D(2026, 10, 1)) == 182
    assert days_in_financial_year(2026) == 365
    assert membership_days(2026, LONG_AGO) == 365
    assert financial_year_dates(2026) == (D(2026, 4, 1), D(2027, 3, 31))


def test_membership_days_issue14_s1_left_on_is_the_last_day_of_membership_counted_in():
    # Left 30 Sep 2026: Apr 30 + May 31 + Jun 30 + Jul 31 + Aug 31 + Sep 30 = 183; with the
    # 182 days from 1 Oct the year's 365 are covered once.
    assert membership_days(2026, LONG_AGO, D(2026, 9, 30)) == 183
    assert membership_days(2026, D(2026, 6, 15), D(2026, 6, 15)) == 1
    assert membership_days(2026, LONG_AGO, D(2026, 3, 31)) == 0   # left the year before
    assert membership_days(2026, D(2027, 4, 1)) == 0              # joins the year after
    assert membership_days(2026, D(2027, 3, 31)) == 1


def test_membership_days_issue14_s1_a_year_with_29_february_has_366_days():
    assert days_in_financial_year(2027) == 366   # holds 29 Feb 2028
    assert membership_days(2027, D(2027, 10, 1)) == 183
    assert days_in_financial_year(2028) == 365


@given(st.dates(D(2024, 1, 1), D(2028, 12, 31)),
       st.one_of(st.none(), st.integers(0, 900)), st.integers(2024, 2027))
@PROFILE
def test_membership_days_agree_with_counting_each_day(joined_on, length, year):
    left_on = None if length is None else joined_on + timedelta(days=length)
    first, last = financial_year_dates(year)
    count = sum(1 for n in range((last - first).days + 1)
                if joined_on <= first + timedelta(days=n)
                and (left_on is None or first + timedelta(days=n) <= left_on))
    assert membership_days(year, joined_on, left_on) == count


# --- hand-worked runs --------------------------------------------------------------------------

def test_issue14_s1_three_members_30_percent_fixed_usage_by_placement_days_one_joining_in_october():
    """Net cost £100,000 in 2026-27; members 1 and 2 all year, member 3 from 1 Oct (182 days);
    the host does not pay a share. Σ days = 365 + 365 + 182 = 912.

    Fixed pot 30% = 3,000,000p: member 1 and 2 3,000,000 × 365/912 = 22812500/19 each, member 3
    3,000,000 × 182/912 = 11375000/19 — 182/365 of a full member's equal part.
    Usage pot 7,000,000p by placement days 1,000 / 3,000 / 500 of 4,500:
    14000000/9, 14000000/3, 7000000/9.
    Exact: 1: 471312500/171 = 2,756,213 + 77/171; 2: 334437500/57 = 5,867,324 + 32/57;
    3: 235375000/171 = 1,376,461 + 169/171. Floors 9,999,998: the 2 pennies left go to the
    largest remainders, member 3 (0.99) and member 2 (0.56)."""
    run = apportion(2026, 10_000_000, [
        member(1, placement_days=1000), member(2, placement_days=3000),
        member(3, D(2026, 10, 1), placement_days=500), host()], by_days(30))
    one, two, three = run.contributions
    assert [c.authority_id for c in run.contributions] == [1, 2, 3]  # the host pays no share
    assert (one.membership_days, two.membership_days, three.membership_days) == (365, 365, 182)
    assert run.fixed_pot == 3_000_000 and run.usage_pot == 7_000_000
    assert one.fixed == two.fixed == F(22812500, 19)
    assert three.fixed == F(11375000, 19)
    assert three.fixed / one.fixed == F(182, 365)
    assert [c.usage for c in run.contributions] == [F(14000000, 9), F(14000000, 3),
                                                   F(7000000, 9)]
    assert [c.usage_share for c in run.contributions] == [F(2, 9), F(2, 3), F(1, 9)]
    assert [c.exact for c in run.contributions] == [F(471312500, 171), F(334437500, 57),
                                                   F(235375000, 171)]
    assert run.amounts == {1: 2_756_213, 2: 5_867_325, 3: 1_376_462}
    assert sum(run.amounts.values()) == 10_000_000
    assert run.host_net_cost == 0   # cost neutral


def test_issue14_s3_workings_show_each_step_line_by_line():
    run = apportion(2026, 10_000_000, [
        member(1, placement_days=1000), member(2, placement_days=3000),
        member(3, D(2026, 10, 1), placement_days=500)], by_days(30))
    assert run.contribution(3).workings() == (
        "Membership days: 182 of 365",
        "Fixed part: £30,000.00 fixed pot × 182 / 912 participants' membership days = "
        "£5,986.84… (exactly 11375000/19p)",
        "Usage, placement days (weight 100%): figure 500; share 500 / 4,500 = 11.1111% "
        "(exactly 100/9%); £7,777.78… (exactly 7000000/9p)",
        "Before caps and damping: £13,764.62… (exactly 235375000/171p)",
        "Before rounding: £13,764.62… (exactly 235375000/171p)",
        "After rounding: £13,764.62 (1376462p)",
    )
    assert run.contribution(3).rounding == 1_376_462 - F(235375000, 171)


def test_issue14_s1_a_cap_that_binds_is_redistributed_among_the_uncapped_in_proportion():
    """Net £9,000 by placement days 100 / 200 / 600: 100,000 / 200,000 / 600,000p. Member 3's
    cap of 400,000 holds back 200,000, shared 1 : 2 by the others' pre-cap contributions:
    +200000/3 and +400000/3 → 500000/3 and 1000000/3; the odd penny to member 1 (remainder 2/3)."""
    run = apportion(2026, 900_000, [
        member(1, placement_days=100), member(2, placement_days=200),
        member(3, placement_days=600)], by_days(caps={3: 400_000}))
    assert [c.before_adjustments for c in run.contributions] == [100_000, 200_000, 600_000]
    assert [c.exact for c in run.contributions] == [F(500000, 3), F(1000000, 3), 400_000]
    assert run.amounts == {1: 166_667, 2: 333_333, 3: 400_000}
    three = run.contribution(3)
    assert three.capped and three.adjustment == -200_000
    assert [(t.stage, t.round, t.from_id, t.to_id, t.amount) for t in run.transfers] == [
        ("cap", 1, 3, 1, F(200000, 3)), ("cap", 1, 3, 2, F(400000, 3))]
    assert "Cap: £4,000.00 — applied" in three.workings()
    assert "Cap round 1: passed £666.67… (exactly 200000/3p) to authority 1" in three.workings()
    assert ("Cap round 1: received £666.67… (exactly 200000/3p) from authority 3"
            in run.contribution(1).workings())


def test_issue14_s5_a_members_own_workings_add_up_its_transfers_without_naming_the_others():
    """A member's statement never shows another member's figures (issue 14 §5): the transfers a
    cap made are added up per round, with no authority named (the host's run page names them)."""
    run = apportion(2026, 900_000, [
        member(1, placement_days=100), member(2, placement_days=200),
        member(3, placement_days=600)], by_days(caps={3: 400_000}))
    own = run.contribution(3).workings(name_others=False)
    assert "Cap round 1: passed £2,000.00 on to other members" in own
    assert not [line for line in own if "authority" in line]
    assert ("Cap round 1: received £666.67… (exactly 200000/3p) from other members' excess"
            in run.contribution(1).workings(name_others=False))
    full = run.contribution(3).workings()
    assert [line for line in full if "round" not in line] == [
        line for line in own if "round" not in line]


def test_issue14_s1_caps_are_applied_again_until_stable():
    """As above with member 2 capped at 300,000 as well: round 1 takes it to 1000000/3, over its
    cap; round 2 passes its 100000/3 excess to member 1, the only one left uncapped."""
    run = apportion(2026, 900_000, [
        member(1, placement_days=100), member(2, placement_days=200),
        member(3, placement_days=600)], by_days(caps={2: 300_000, 3: 400_000}))
    assert run.amounts == {1: 200_000, 2: 300_000, 3: 400_000}
    assert [(t.round, t.from_id, t.to_id, t.amount) for t in run.transfers] == [
        (1, 3, 1, F(200000, 3)), (1, 3, 2, F(400000, 3)), (2, 2, 1, F(100000, 3))]
    assert run.contribution(2).capped and not run.contribution(1).capped


def test_issue14_s1_caps_that_cannot_cover_the_net_cost_refuse_the_run():
    members = [member(1, placement_days=1), member(2, placement_days=1)]
    with pytest.raises(CostSharingError) as refused:
        apportion(2026, 900_000, members, by_days(caps={1: 400_000, 2: 499_999}))
    assert refused.value.errors == {"caps": (
        "The caps add up to £8,999.99, less than the net cost of £9,000.00: they cannot cover "
        "it, so the run is refused")}
    # Exactly covering is fine: both at their caps.
    run = apportion(2026, 900_000, members, by_days(caps={1: 400_000, 2: 500_000}))
    assert run.amounts == {1: 400_000, 2: 500_000}


def test_issue14_s1_damping_holds_a_members_rise_and_redistributes_the_difference():
    """Net £10,000 by placement days 1 / 1 / 2: 250,000 / 250,000 / 500,000p. Member 3 paid
    400,000 last year; damping 10% holds it at 440,000 and its 60,000 goes 1 : 1 to the others,
    which have no approved year and are not damped."""
    run = apportion(2026, 1_000_000, [
        member(1, placement_days=1), member(2, placement_days=1),
        member(3, last_approved=400_000, placement_days=2)], by_days(damping_percent=10))
    assert run.amounts == {1: 280_000, 2: 280_000, 3: 440_000}
    three = run.contribution(3)
    assert three.damped and three.damping_limit == 440_000 and not three.capped
    assert [(t.stage, t.from_id, t.to_id, t.amount) for t in run.transfers] == [
        ("damping", 3, 1, 30_000), ("damping", 3, 2, 30_000)]
    assert ("Damping: at most £4,400.00 (last approved £4,000.00) — applied"
            in three.workings())
    assert "Damping round 1: passed £300.00 to authority 1" in three.workings()


def test_issue14_s1_damping_limit_is_rounded_down_so_the_pennies_cannot_lift_a_member_over_it():
    # 333,333 × 105% = 349,999.65 → at most 349,999.
    run = apportion(2026, 1_000_000, [
        member(1, placement_days=1), member(2, last_approved=333_333, placement_days=1)],
        by_days(damping_percent=5))
    assert run.contribution(2).damping_limit == 349_999
    assert run.amounts == {1: 650_001, 2: 349_999}


def test_issue14_s1_a_damping_limit_above_the_contribution_changes_nothing():
    run = apportion(2026, 1_000_000, [
        member(1, placement_days=1), member(2, last_approved=600_000, placement_days=1)],
        by_days(damping_percent=0))
    assert run.amounts == {1: 500_000, 2: 500_000}
    assert not run.contribution(2).damped and run.transfers == ()
    assert ("Damping: at most £6,000.00 (last approved £6,000.00) — not reached"
            in run.contribution(2).workings())


def test_issue14_s1_damping_never_pushes_another_member_over_its_cap():
    """Member 3's 60,000 held back by damping cannot go to member 2 beyond its 260,000 cap: 10,000
    goes there and the rest to member 1 (rounds 1 and 2)."""
    run = apportion(2026, 1_000_000, [
        member(1, placement_days=1), member(2, placement_days=1),
        member(3, last_approved=400_000, placement_days=2)],
        by_days(damping_percent=10, caps={2: 260_000}))
    assert run.amounts == {1: 300_000, 2: 260_000, 3: 440_000}
    assert run.contribution(2).capped and run.contribution(3).damped
    assert [(t.stage, t.round, t.from_id, t.to_id, t.amount) for t in run.transfers] == [
        ("damping", 1, 3, 1, 30_000), ("damping", 1, 3, 2, 30_000), ("cap", 2, 2, 1, 20_000)]


def test_issue14_s1_damping_gives_way_when_caps_and_limits_cannot_cover_the_net_cost():
    """Two members both held at 100,000 (0% damping) cannot cover £3,000: the 100,000 left is
    shared among the damped members by their contributions before damping (1 : 1), and the
    result says how much damping could not hold."""
    run = apportion(2026, 300_000, [
        member(1, last_approved=100_000), member(2, last_approved=100_000)],
        Terms(fixed_percent=100, damping_percent=0))
    assert run.amounts == {1: 150_000, 2: 150_000}
    assert run.damping_relaxed == 100_000
    assert [(t.stage, t.from_id, t.to_id, t.amount) for t in run.transfers if t.from_id is None] \
        == [("damping relaxed", None, 1, 50_000), ("damping relaxed", None, 2, 50_000)]
    assert ("Damping relaxed round 1: received £500.00 from what caps and damping together "
            "could not hold back" in run.contribution(1).workings())


def test_issue14_s1_blend_50_50_of_placement_days_and_population_population_pro_rated_by_days():
    """Net £10,000, no fixed part, half by placement days and half by population. Member 2 joined
    on 1 Oct 2026: its placement days are already its part year's (100 counted as given); its
    population of 36,500 is a whole-year figure, counted 36,500 × 182/365 = 18,200.
    Days pot 500,000: 100/200 each → 250,000 / 250,000.
    Population pot 500,000: 27,300 and 18,200 of 45,500 → 60% / 40% → 300,000 / 200,000."""
    run = apportion(2026, 1_000_000, [
        member(1, placement_days=100, population=27_300),
        member(2, D(2026, 10, 1), placement_days=100, population=36_500)],
        Terms(usage_weights={PLACEMENT_DAYS: 50, POPULATION: 50}))
    one, two = run.contributions
    days_line, population_line = two.usage_lines
    assert (days_line.measure, days_line.figure, days_line.counted) == (PLACEMENT_DAYS, 100, 100)
    assert (population_line.figure, population_line.counted, population_line.total) == (
        36_500, 18_200, 45_500)
    assert population_line.share == F(2, 5) and population_line.amount == 200_000
    assert run.amounts == {1: 550_000, 2: 450_000}
    assert one.usage_share == F(1, 2) * F(1, 2) + F(1, 2) * F(3, 5)   # 11/20
    assert ("Usage, population (weight 50%): figure 36,500, counted 18,200 for 182 of 365 days; "
            "share 18,200 / 45,500 = 40%; £2,000.00") in two.workings()


def test_issue14_s1_blend_weights_may_be_fractions_and_decimals():
    terms = Terms(usage_weights={CALLOFFS: Decimal("33.5"), PLACEMENT_SPEND: F(133, 2)})
    assert terms.usage_weights == {CALLOFFS: F(67, 2), PLACEMENT_SPEND: F(133, 2)}
    run = apportion(2026, 1_000, [member(1, calloffs=1, placement_spend=0),
                                  member(2, calloffs=0, placement_spend=5)], terms)
    # Call-offs pot 335 to member 1, spend pot 665 to member 2.
    assert run.amounts == {1: 335, 2: 665}


def test_issue14_s1_an_authority_with_no_usage_pays_only_its_fixed_part():
    run = apportion(2026, 1_000_000, [member(1, placement_days=0), member(2, placement_days=7)],
                    by_days(50))
    assert run.amounts == {1: 250_000, 2: 750_000}
    assert run.contribution(1).usage == 0


def test_issue14_s1_when_nobody_used_a_measure_its_pot_is_split_like_the_fixed_part():
    # 365 + 182 = 547 days: 365,000 and 182,000 whatever the fixed percentage.
    members = [member(1, placement_days=0), member(2, D(2026, 10, 1), placement_days=0)]
    for fixed in (0, 40, 100):
        assert apportion(2026, 547_000, members, by_days(fixed)).amounts == {
            1: 365_000, 2: 182_000}
    line = apportion(2026, 547_000, members, by_days()).contribution(2).usage_lines[0]
    assert line.by_days and line.share == F(182, 547)


def test_issue14_s1_a_participant_without_membership_days_pays_nothing_and_its_usage_is_ignored():
    run = apportion(2026, 1_000_000, [
        member(1, placement_days=10), member(2, left_on=D(2026, 3, 31), placement_days=90)],
        by_days(50))
    assert run.amounts == {1: 1_000_000, 2: 0}
    assert run.contribution(2).usage_lines[0].counted == 0


def test_issue14_s1_participants_default_to_every_member_or_follow_the_terms():
    members = [member(1, placement_days=1), member(2, placement_days=1),
               member(3, placement_days=1)]
    assert set(apportion(2026, 300, members, by_days()).amounts) == {1, 2, 3}
    run = apportion(2026, 300, members, by_days(participants=frozenset({1, 3})))
    assert run.amounts == {1: 150, 3: 150}


def test_issue14_s1_when_the_host_pays_a_share_it_is_a_participant_like_the_others():
    members = [member(1, placement_days=1), member(2, placement_days=1), host(placement_days=2)]
    run = apportion(2026, 1_000_000, members, by_days(host_pays_share=True))
    assert run.amounts == {1: 250_000, 2: 250_000, HOST: 500_000}
    assert run.host_id == HOST and run.contribution(HOST).is_host
    assert run.host_net_cost == 500_000   # net cost − what the other members pay
    without = apportion(2026, 1_000_000, members, by_days())
    assert without.amounts == {1: 500_000, 2: 500_000} and without.host_net_cost == 0
    # Listed participants or not, the host takes part exactly when it pays a share.
    # Member 1's one day against the host's two: 1000000/3 and 2000000/3.
    assert apportion(2026, 1_000_000, members, by_days(
        host_pays_share=True, participants=frozenset({1}))).amounts == {1: 333_333, HOST: 666_667}


def test_issue14_s3_largest_remainder_ties_go_to_the_lower_authority_id():
    assert largest_remainder({3: F(100, 3), 1: F(100, 3), 2: F(100, 3)}, 100) == {
        1: 34, 2: 33, 3: 33}
    assert largest_remainder({1: F(5, 2), 2: F(5, 2)}, 5) == {1: 3, 2: 2}
    assert largest_remainder({1: F(7), 2: F(3)}, 10) == {1: 7, 2: 3}
    with pytest.raises(ValueError, match="add up"):
        largest_remainder({1: F(1, 2)}, 1)


def test_issue14_s3_equal_members_pay_equal_shares_to_within_the_odd_penny():
    run = apportion(2026, 100, [member(i, placement_days=5) for i in (4, 2, 9)], by_days(30))
    assert run.amounts == {2: 34, 4: 33, 9: 33}
    assert len({c.exact for c in run.contributions}) == 1


def test_issue14_s2_net_cost_is_costs_less_income():
    assert net_cost([1_200_000, 300_000, 50], [250_000]) == 1_250_050
    assert net_cost([100], [150]) == -50   # a surplus: apportion refuses to share it
    assert net_cost([]) == 0


# --- bad input (issue 14: "a clear message naming the field") ----------------------------------

@pytest.mark.parametrize("kwargs, field, says", [
    ({"fixed_percent": 101, "usage_measure": PLACEMENT_DAYS}, "fixed_percent", "between 0 and 100"),
    ({"fixed_percent": -1, "usage_measure": PLACEMENT_DAYS}, "fixed_percent", "between 0 and 100"),
    ({"fixed_percent": 30.0, "usage_measure": PLACEMENT_DAYS}, "fixed_percent", "not float"),
    ({"fixed_percent": True, "usage_measure": PLACEMENT_DAYS}, "fixed_percent", "not bool"),
    ({"usage_weights": {PLACEMENT_DAYS: 50, POPULATION: 40}}, "usage_weights",
     "must add up to 100 (they add up to 90)"),
    ({"usage_weights": {PLACEMENT_DAYS: 150, POPULATION: -50}}, "usage_weights",
     "between 0 and 100"),
    ({"usage_weights": {"beds": 100}}, "usage_weights", "'beds' is not a usage measure"),
    ({"usage_measure": "beds"}, "usage_measure", "'beds' is not a usage measure"),
    ({"usage_measure": PLACEMENT_DAYS, "usage_weights": {PLACEMENT_DAYS: 100}}, "usage_measure",
     "not both"),
    ({"fixed_percent": 30}, "usage_measure", "Choose a usage measure"),
    ({"usage_measure": PLACEMENT_DAYS, "caps": {1: -1}}, "caps", "£0.00 or more"),
    ({"usage_measure": PLACEMENT_DAYS, "caps": {1: 10.5}}, "caps", "whole pence"),
    ({"usage_measure": PLACEMENT_DAYS, "damping_percent": -5}, "damping_percent", "0 or more"),
    ({"usage_measure": PLACEMENT_DAYS, "tolerance_points": 101}, "tolerance_points",
     "between 0 and 100"),
])
def test_issue14_bad_terms_name_the_field(kwargs, field, says):
    with pytest.raises(CostSharingError) as refused:
        Terms(**kwargs)
    assert list(refused.value.errors) == [field]
    assert says in refused.value.errors[field]
    assert isinstance(refused.value, ValueError)


def test_issue14_bad_terms_name_every_bad_field_at_once():
    with pytest.raises(CostSharingError) as refused:
        Terms(fixed_percent=120, usage_weights={PLACEMENT_DAYS: 60}, damping_percent=-1,
              caps={5: -3})
    assert set(refused.value.errors) == {"fixed_percent", "usage_weights", "damping_percent",
                                         "caps"}


def test_issue14_fixed_at_100_percent_needs_no_usage_measure():
    assert Terms(fixed_percent=100).usage_weights == {}


@pytest.mark.parametrize("make, field, says", [
    (lambda: member(1, placement_days=-1), "usage", "0 or more"),
    (lambda: member(1, placement_days=1.5), "usage", "not float"),
    (lambda: member(1, beds=3), "usage", "'beds' is not a usage measure"),
    (lambda: member(1, D(2026, 5, 1), D(2026, 4, 30)), "left_on", "on or after the date joined"),
    (lambda: member(1, last_approved=-1), "last_approved", "0 or more"),
])
def test_issue14_bad_member_figures_name_the_field(make, field, says):
    with pytest.raises(CostSharingError) as refused:
        make()
    assert says in refused.value.errors[field]


@pytest.mark.parametrize("net, members, terms, field, says", [
    (-1, [member(1, placement_days=1)], by_days(), "net_cost", "0 or more"),
    (F(1, 2), [member(1, placement_days=1)], by_days(), "net_cost", "whole pence"),
    (100, [], by_days(), "participants", "no one to share the cost with"),
    (100, [host(placement_days=1)], by_days(), "participants", "no one to share"),
    (100, [member(1, placement_days=1)], by_days(participants=frozenset()), "participants",
     "no one to share"),
    (100, [member(1, left_on=D(2026, 1, 1), placement_days=1)], by_days(), "participants",
     "No participating authority is a member during the year"),
    (100, [member(1, placement_days=1)], by_days(participants=frozenset({1, 7})),
     "participants", "Not a member: authority 7"),
    (100, [member(1, placement_days=1), member(2), member(3)], by_days(),
     "usage.placement_days", "Enter the placement days of authority 2, 3"),
    (100, [member(1, placement_days=1), member(1, placement_days=2)], by_days(), "members",
     "only once"),
])
def test_issue14_runs_that_cannot_be_shared_are_refused_naming_the_field(
        net, members, terms, field, says):
    with pytest.raises(CostSharingError) as refused:
        apportion(2026, net, members, terms)
    assert says in refused.value.errors[field]


def test_issue14_s2_negative_cost_or_income_lines_are_refused():
    with pytest.raises(CostSharingError) as refused:
        net_cost([100, -5], [-1])
    assert set(refused.value.errors) == {"costs", "income"}


# --- outturn true-ups (issue 14 §3) ------------------------------------------------------------

def _run(net, usage, terms=None, **member_kwargs):
    return apportion(2026, net, [member(i, placement_days=u, **member_kwargs.get(i, {}))
                                 for i, u in usage.items()], terms or by_days())


def test_issue14_s3_true_up_is_outturn_less_budget_when_no_tolerance_applies():
    budget = _run(400_000, {1: 25, 2: 25, 3: 50})
    outturn = _run(440_000, {1: 26, 2: 14, 3: 60})
    statement = true_ups(budget, outturn)   # the terms' tolerance: 0, which skips nothing
    assert [(t.budget, t.outturn, t.amount, t.true_up, t.skipped) for t in statement.lines] == [
        (100_000, 114_400, 114_400, 14_400, False), (100_000, 61_600, 61_600, -38_400, False),
        (200_000, 264_000, 264_000, 64_000, False)]
    assert [t.moved_points for t in statement.lines] == [1, 11, 10]
    assert statement.host_carries == 0 and statement.host_net_cost == 0


def test_issue14_s3_a_true_up_within_the_tolerance_is_skipped_and_the_rest_reapportioned():
    """Budget 100,000 / 100,000 / 200,000 (shares 25 / 25 / 50%); outturn on the same net cost
    104,000 / 56,000 / 240,000 (26 / 14 / 60%). Member 1 moved 1 point, inside a 3-point
    tolerance: it keeps its budget 100,000. Its skipped true-up, 4,000, goes to members 2 and 3
    in proportion to their outturn 56,000 : 240,000: +28000/37 and +120000/37 →
    56,756 + 28/37 and 243,243 + 9/37; the odd penny to member 2's larger remainder."""
    budget = _run(400_000, {1: 25, 2: 25, 3: 50})
    outturn = _run(400_000, {1: 26, 2: 14, 3: 60})
    statement = true_ups(budget, outturn, tolerance_points=3)
    one, two, three = statement.lines
    assert one.skipped and one.true_up == 0 and one.amount == 100_000 and one.moved_points == 1
    assert not two.skipped and not three.skipped
    assert two.redistributed == F(28000, 37) and three.redistributed == F(120000, 37)
    assert (two.amount, three.amount) == (56_757, 243_243)
    assert (two.true_up, three.true_up) == (-43_243, 43_243)
    assert statement.skipped_total == 4_000
    assert one.amount + two.amount + three.amount == 400_000 and statement.host_net_cost == 0


def test_issue14_s3_a_skipped_refund_lowers_the_others_in_proportion():
    """Budget 100,000 each (1/3 shares); outturn 96,000 / 54,000 / 150,000 (32 / 18 / 50%).
    Member 1 moved 1⅓ points: skipped, keeps 100,000 — 4,000 more than its outturn — so members
    2 and 3 pay 200,000/204,000 of their outturn: 52,941 + 3/17 and 147,058 + 14/17."""
    budget = _run(300_000, {1: 1, 2: 1, 3: 1})
    outturn = _run(300_000, {1: 32, 2: 18, 3: 50})
    statement = true_ups(budget, outturn, tolerance_points=3)
    assert statement.line(1).skipped and statement.line(1).moved_points == F(4, 3)
    assert statement.skipped_total == -4_000
    assert [t.amount for t in statement.lines] == [100_000, 52_941, 147_059]


def test_issue14_s3_when_every_true_up_is_skipped_the_host_carries_the_difference():
    """Shares unchanged but the outturn cost £1,000 more: both true-ups are skipped, so the
    members keep their budget figures and the host's net cost shows the 100,000."""
    statement = true_ups(_run(1_000_000, {1: 1, 2: 1}), _run(1_100_000, {1: 1, 2: 1}),
                         tolerance_points=3)
    assert [(t.amount, t.true_up, t.skipped) for t in statement.lines] == [
        (500_000, 0, True), (500_000, 0, True)]
    assert statement.host_carries == 100_000 and statement.host_net_cost == 100_000


def test_issue14_s3_a_member_only_in_one_run_is_never_skipped():
    budget = _run(200_000, {1: 1, 2: 1})
    outturn = _run(200_000, {1: 1, 3: 1})
    statement = true_ups(budget, outturn, tolerance_points=100)
    assert [(t.authority_id, t.skipped, t.amount, t.true_up) for t in statement.lines] == [
        (1, True, 100_000, 0), (2, False, 0, -100_000), (3, False, 100_000, 100_000)]


def test_issue14_s3_true_ups_compare_runs_of_the_same_year():
    budget = _run(100, {1: 1})
    other = apportion(2027, 100, [member(1, placement_days=1)], by_days())
    with pytest.raises(CostSharingError) as refused:
        true_ups(budget, other)
    assert "financial_year" in refused.value.errors
    with pytest.raises(CostSharingError) as refused:
        true_ups(budget, budget, tolerance_points=-1)
    assert "tolerance_points" in refused.value.errors


def test_issue14_s3_inputs_and_results_are_frozen():
    """An approved run is frozen (issue 14 §3): nothing here can be changed after the fact."""
    import dataclasses
    terms = by_days(caps={1: 50})
    run = apportion(2026, 10, [member(1, placement_days=1)], terms)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.net_cost = 11
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.contributions[0].amount = 0
    with pytest.raises(TypeError):
        terms.caps[1] = 100
    with pytest.raises(TypeError):
        member(1, placement_days=1).usage[PLACEMENT_DAYS] = 2


def test_tenants_exports_the_arithmetic_and_imports_nothing_from_the_domain():
    """DESIGN §5: tenants/ sits below the domain and the domain uses its public names."""
    import ast
    import inspect

    from tenants import cost_sharing
    tree = ast.parse(inspect.getsource(cost_sharing))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"dataclasses", "datetime", "decimal", "fractions", "types", "typing"}
    assert {"apportion", "true_ups", "Terms", "Member", "CostSharingError"} <= set(tenants.__all__)


# --- properties --------------------------------------------------------------------------------

MEASURE_NAMES = (PLACEMENT_DAYS, PLACEMENT_SPEND, CALLOFFS, POPULATION)


@st.composite
def terms_strategy(draw, ids):
    fixed = draw(st.one_of(st.integers(0, 100), st.fractions(0, 100, max_denominator=8)))
    if draw(st.booleans()):
        weights = {draw(st.sampled_from(MEASURE_NAMES)): 100}
    else:
        first, second = draw(st.lists(st.sampled_from(MEASURE_NAMES), min_size=2, max_size=2,
                                      unique=True))
        split = draw(st.integers(0, 100))
        weights = {first: split, second: 100 - split}
    caps = {i: draw(st.integers(0, 3_000_000)) for i in ids if draw(st.integers(0, 3)) == 0}
    damping = draw(st.one_of(st.none(), st.integers(0, 25), st.fractions(0, 25, max_denominator=4)))
    return Terms(fixed_percent=fixed, usage_weights=weights, caps=caps, damping_percent=damping,
                 host_pays_share=draw(st.booleans()))


@st.composite
def members_strategy(draw):
    ids = draw(st.lists(st.integers(1, 60), min_size=1, max_size=7, unique=True))
    members = []
    for n, i in enumerate(ids):
        joined_on = draw(st.dates(D(2024, 1, 1), D(2027, 5, 1)))
        length = draw(st.one_of(st.none(), st.integers(0, 800)))
        usage = {m: draw(st.integers(0, 5_000 if m != PLACEMENT_SPEND else 50_000_000))
                 for m in MEASURE_NAMES}
        last = draw(st.one_of(st.none(), st.integers(0, 3_000_000)))
        members.append(Member(i, joined_on, None if length is None
                              else joined_on + timedelta(days=length), usage, last,
                              is_host=n == 0 and draw(st.booleans())))
    return members


@st.composite
def runs(draw):
    members = draw(members_strategy())
    terms = draw(terms_strategy([m.authority_id for m in members]))
    total = draw(st.integers(0, 5_000_000))
    return members, terms, total


def _refused_rightly(members, terms, total, error):
    """A refusal must be one of the two the input can earn: nobody to share with, or caps that
    cannot cover the net cost."""
    ids = [m.authority_id for m in members if not m.is_host or terms.host_pays_share]
    active = [i for i in ids if membership_days(2026, *next(
        (m.joined_on, m.left_on) for m in members if m.authority_id == i))]
    if not active:
        assert set(error.errors) == {"participants"}
    else:
        assert set(error.errors) == {"caps"}
        assert all(i in terms.caps for i in active)
        assert sum(terms.caps[i] for i in active) < total


def _apportion_or_check_refusal(members, terms, total):
    try:
        return apportion(2026, total, members, terms)
    except CostSharingError as error:
        _refused_rightly(members, terms, total, error)
        assume(False)


@given(runs())
@PROFILE
def test_property_issue14_contributions_add_up_to_the_net_cost_to_the_penny_and_none_negative(
        run):
    members, terms, total = run
    result = _apportion_or_check_refusal(members, terms, total)
    amounts = result.amounts
    assert sum(amounts.values()) == total
    assert sum(c.exact for c in result.contributions) == total
    assert all(c.amount >= 0 and c.exact >= 0 for c in result.contributions)
    assert result.host_net_cost == total - sum(c.amount for c in result.contributions
                                               if not c.is_host)
    if not terms.host_pays_share:
        assert result.host_net_cost == 0
    # Largest remainder never moves a member by a penny or more from its exact share.
    assert all(-1 < c.rounding < 1 for c in result.contributions)
    # Members without membership days pay nothing.
    assert all(c.amount == 0 for c in result.contributions if not c.membership_days)


@given(runs())
@PROFILE
def test_property_issue14_a_capped_member_never_exceeds_its_cap(run):
    members, terms, total = run
    result = _apportion_or_check_refusal(members, terms, total)
    for c in result.contributions:
        if c.cap is not None:
            assert c.amount <= c.cap and c.exact <= c.cap


@given(runs())
@PROFILE
def test_property_issue14_damping_holds_every_damped_member_where_feasible(run):
    members, terms, total = run
    result = _apportion_or_check_refusal(members, terms, total)
    if terms.damping_percent is None:
        assert result.damping_relaxed == 0
        return
    ceilings = []
    for c in result.contributions:
        if not c.membership_days:
            continue
        limit = (None if c.last_approved is None
                 else c.last_approved * (100 + terms.damping_percent) // 100)
        assert c.damping_limit == limit
        bounds = [b for b in (c.cap, limit) if b is not None]
        ceilings.append(min(bounds) if bounds else None)
    feasible = None in ceilings or sum(ceilings) >= total
    assert (result.damping_relaxed == 0) == feasible
    if feasible:
        for c in result.contributions:
            if c.damping_limit is not None:
                assert c.amount <= c.damping_limit


@given(runs(), st.randoms(use_true_random=False))
@PROFILE
def test_property_issue14_the_result_does_not_depend_on_the_order_of_the_members(run, random):
    members, terms, total = run
    result = _apportion_or_check_refusal(members, terms, total)
    shuffled = list(members)
    random.shuffle(shuffled)
    again = apportion(2026, total, shuffled, terms)
    assert again.amounts == result.amounts
    assert again.contributions == result.contributions


@given(runs())
@PROFILE
def test_property_issue14_uncapped_members_keep_their_pre_cap_proportions(run):
    """Caps without damping share an excess in proportion to pre-cap contributions, so every
    member not cut ends at the same multiple of what it would have paid (water-filling)."""
    members, terms, total = run
    terms = Terms(fixed_percent=terms.fixed_percent, usage_weights=dict(terms.usage_weights),
                  caps=dict(terms.caps), host_pays_share=terms.host_pays_share)
    result = _apportion_or_check_refusal(members, terms, total)
    free = [c for c in result.contributions if not c.capped and c.before_adjustments]
    assert len({c.exact / c.before_adjustments for c in free}) <= 1
    for c in result.contributions:
        if not c.capped and c.cap is None and free:
            assert c.exact >= c.before_adjustments


@given(runs())
@PROFILE
def test_property_issue14_fixed_part_is_pro_rata_to_membership_days(run):
    members, terms, total = run
    result = _apportion_or_check_refusal(members, terms, total)
    total_days = sum(c.membership_days for c in result.contributions)
    assert sum(c.fixed for c in result.contributions) == result.fixed_pot
    for c in result.contributions:
        assert c.fixed * total_days == result.fixed_pot * c.membership_days
    assert result.fixed_pot == total * terms.fixed_percent / 100


@given(st.integers(1, 40), st.sampled_from(MEASURE_NAMES), st.integers(0, 2_000),
       st.integers(0, 3_000_000), st.integers(1, 5), st.fractions(0, 100, max_denominator=4))
@PROFILE
def test_property_issue14_equal_inputs_give_equal_contributions(
        copies, measure, figure, total, others, fixed):
    """Members alike in every input have the same exact share, so their pennies differ by at
    most the odd one the largest remainder hands out."""
    members = [Member(i, D(2026, 7, 1), usage={measure: figure}) for i in range(1, copies + 1)]
    members += [Member(100 + i, LONG_AGO, usage={measure: i * 7}) for i in range(others)]
    result = apportion(2026, total, members, Terms(fixed_percent=fixed, usage_measure=measure))
    alike = [c for c in result.contributions if c.authority_id <= copies]
    assert len({c.exact for c in alike}) == 1
    assert max(c.amount for c in alike) - min(c.amount for c in alike) <= 1


@given(st.dictionaries(st.integers(1, 30), st.fractions(0, 10_000, max_denominator=50),
                       min_size=1, max_size=8), st.data())
@PROFILE
def test_property_issue14_s3_largest_remainder_adds_up_and_moves_no_one_a_penny(exact, data):
    missing = -sum(exact.values()) % 1
    key = data.draw(st.sampled_from(sorted(exact)))
    exact[key] += missing
    total = sum(exact.values())
    assert total.denominator == 1
    rounded = largest_remainder(exact, int(total))
    assert sum(rounded.values()) == total
    assert all(-1 < rounded[i] - exact[i] < 1 for i in exact)
    assert all(rounded[i] in (exact[i].numerator // exact[i].denominator,
                              exact[i].numerator // exact[i].denominator + 1) for i in exact)


@given(runs(), st.integers(0, 5_000_000), st.data(), st.integers(0, 20))
@PROFILE
def test_property_issue14_s3_true_ups_reconcile_with_the_outturn(run, outturn_total, data,
                                                                  tolerance):
    members, terms, total = run
    budget = _apportion_or_check_refusal(members, terms, total)
    changed = [Member(m.authority_id, m.joined_on, m.left_on,
                      {k: data.draw(st.integers(0, 5_000)) for k in m.usage}, m.last_approved,
                      m.is_host) for m in members]
    outturn = _apportion_or_check_refusal(changed, terms, outturn_total)
    statement = true_ups(budget, outturn, tolerance_points=tolerance)
    amounts = {t.authority_id: t.amount for t in statement.lines}
    assert sum(amounts.values()) + statement.host_carries == outturn_total
    assert statement.host_net_cost == outturn_total - sum(
        a for i, a in amounts.items() if i != outturn.host_id)
    for t in statement.lines:
        assert t.amount >= 0
        assert t.skipped == (t.moved_points < tolerance)
        if t.skipped:
            assert t.true_up == 0
        cap = terms.caps.get(t.authority_id)
        if cap is not None and not t.skipped:
            assert t.amount <= cap
    if not statement.skipped_total:
        assert amounts == outturn.amounts
