"""Evaluation, award, approval, acceptance and the placement."""
from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select, update

import tenants
from marketplace.calloffs import services
from marketplace.calloffs.models import Award, AwardStatus, CallOff, CallOffStatus, Route
from marketplace.placements import services as placements
from marketplace.placements.models import Placement
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.notifications.models import OutboxMessage
from marketplace.purchasing.models import PurchasingSystem, StandstillRule
from tests import factories
from tests.calloffs import factories as f
from tests.specifications import factories as spec_factories

NOW = "2026-11-24 10:00 +00:00"


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def opened(world, time_machine):
    """A published call-off with two offers, past its deadline: Brookvale dearer, Larchfield
    cheaper."""
    call_off = f.published(world.officer, f.market(world))
    dear = f.offer(world.provider_user, call_off, core=150000)
    cheap = f.offer(world.other_provider_user, call_off, core=120000)
    f.after_deadline(time_machine, call_off)
    return call_off, dear, cheap


def _mark(world, call_off, offer, mark):
    with tenants.scoped_to(world.member):
        return services.record_quality_mark(world.officer, call_off.id, offer.id, mark=mark,
                                            notes="Notes")


def test_the_ranking_weighs_quality_and_price(world, opened):
    call_off, dear, cheap = opened
    _mark(world, call_off, dear, 90)
    _mark(world, call_off, cheap, 50)
    with tenants.scoped_to(world.member):
        table = services.evaluation(world.officer, call_off.id)
    rows = {row.offer.id: row for row in table.rows}
    # Quality 60%, price 40%; price score = lowest annual cost / this annual cost x 40.
    assert rows[dear.id].price_score == Fraction(120000, 150000) * 40 == 32
    assert rows[dear.id].quality_score == 54 and rows[dear.id].total == 86
    assert (rows[cheap.id].price_score, rows[cheap.id].quality_score) == (40, 30)
    assert (rows[dear.id].rank, rows[cheap.id].rank) == (1, 2)
    assert table.call_off.status == CallOffStatus.EVALUATING


def test_awarding_needs_every_mark_and_off_rank_needs_a_justification(world, opened):
    call_off, dear, cheap = opened
    _mark(world, call_off, dear, 90)
    with tenants.scoped_to(world.member):
        with pytest.raises(Conflict, match="mark the quality of every offer"):
            services.award(world.officer, call_off.id, dear.id)
    _mark(world, call_off, cheap, 50)
    with tenants.scoped_to(world.member):
        with pytest.raises(ValidationFailed) as refused:
            services.award(world.officer, call_off.id, cheap.id)
        assert "not ranked first" in refused.value.errors["justification"]
        made = services.award(world.officer, call_off.id, cheap.id,
                              justification="Parental preference: the school is near home.")
    assert (made.status, made.rank, made.provider_id) == (AwardStatus.AWARDED, 2,
                                                         world.other_provider.id)
    assert made.justification.startswith("Parental preference")
    with tenants.scoped_to(world.other_provider):
        assert services.get_award(world.other_provider_user, made.id).id == made.id
    with tenants.scoped_to(world.provider):
        with pytest.raises(NotFound):
            services.get_award(world.provider_user, made.id)


def test_two_officers_awarding_at_once_make_exactly_one_award(world, opened, monkeypatch):
    call_off, dear, cheap = opened
    _mark(world, call_off, dear, 90)
    _mark(world, call_off, cheap, 50)
    second_officer = factories.user(world.member, full_name="Second Officer")
    with tenants.scoped_to(world.member):
        services.award(world.officer, call_off.id, dear.id)
        # The race: the second officer's checks ran before the first award was written, so
        # they saw the call-off still being evaluated and no live award. The database's
        # one-live-award index refuses the second all the same.
        db.session.execute(update(CallOff).where(CallOff.id == call_off.id)
                           .values(status=CallOffStatus.EVALUATING))
        db.session.expire_all()
        monkeypatch.setattr(services, "_live_award", lambda call_off_id: None)
        with pytest.raises(Conflict, match="already been awarded"):
            services.award(second_officer, call_off.id, cheap.id,
                           justification="Parental preference")
        awards = db.session.scalars(select(Award)).all()
    assert [(a.offer_id, a.status) for a in awards] == [(dear.id, AwardStatus.AWARDED)]


def test_an_award_above_the_delegation_limit_waits_for_a_manager(world, opened):
    call_off, dear, cheap = opened
    _mark(world, call_off, dear, 90)
    _mark(world, call_off, cheap, 50)
    with tenants.scoped_to(world.member):
        with pytest.raises(Exception):
            services.set_delegation_limit(world.officer, 5000000)
        services.set_delegation_limit(world.manager, 5000000)  # £50,000 a year
        made = services.award(world.officer, call_off.id, dear.id)
        assert made.status == AwardStatus.AWAITING_APPROVAL and made.made_at is None
        assert db.session.scalars(select(OutboxMessage.recipient).where(
            OutboxMessage.template == "award_approval_needed")).all() == [world.manager.email]
    with tenants.scoped_to(world.provider):
        # The provider hears nothing, and cannot see the award, until it is approved.
        with pytest.raises(NotFound):
            services.get_award(world.provider_user, made.id)
    with tenants.scoped_to(world.member):
        with pytest.raises(Exception):
            services.approve_award(world.officer, made.id)
        services.approve_award(world.manager, made.id, "Within the high-needs budget.")
    assert (made.status, made.approved_by_id) == (AwardStatus.AWARDED, world.manager.id)
    with tenants.scoped_to(world.provider):
        assert services.get_award(world.provider_user, made.id).status == AwardStatus.AWARDED


def test_a_decline_lets_the_officer_award_the_next_and_acceptance_makes_the_placement(
        world, opened):
    call_off, dear, cheap = opened
    _mark(world, call_off, dear, 90)
    _mark(world, call_off, cheap, 50)
    with tenants.scoped_to(world.member):
        first = services.award(world.officer, call_off.id, dear.id)
    with tenants.scoped_to(world.provider):
        with pytest.raises(ValidationFailed):
            services.decline_award(world.provider_user, first.id, "")
        services.decline_award(world.provider_user, first.id, "Our last place has been filled.")
    with tenants.scoped_to(world.member):
        table = services.evaluation(world.officer, call_off.id)
        assert table.top.offer.id == cheap.id  # the decliner drops out of the ranking
        assert table.call_off.status == CallOffStatus.EVALUATING
        second = services.award(world.officer, call_off.id, cheap.id)
    with tenants.scoped_to(world.other_provider):
        placement = services.accept_award(world.other_provider_user, second.id)
    with tenants.scoped_to(world.member):
        stored = db.session.get(Placement, placement.id)
        assert (stored.provider_id, stored.core_weekly_pence, stored.annual_cost_pence) == (
            world.other_provider.id, 120000, 120000 * 38)
        assert (stored.case_reference, stored.postcode_district) == ("MCR-2291", "M20")
        assert db.session.get(type(call_off), call_off.id).status == CallOffStatus.PLACED
        assert placements.page_of_placements(world.officer, 1, 20).total == 1
    with tenants.scoped_to(world.other_provider):
        assert placements.get_placement(world.other_provider_user, placement.id).id == placement.id
    with tenants.scoped_to(world.provider):
        with pytest.raises(NotFound):
            placements.get_placement(world.provider_user, placement.id)
        outcome = db.session.scalars(select(OutboxMessage.recipient).where(
            OutboxMessage.template == "call_off_outcome")).all()
        assert outcome == [world.provider_user.email]
        # It still reads its own offer.
        assert services.get_own_offer(world.provider_user, call_off.id).id == dear.id
    with tenants.scoped_to(world.other_member):
        with pytest.raises(NotFound):
            placements.get_placement(world.other_officer, placement.id)


def test_the_placement_records_the_specifications_and_local_schedule(world, time_machine):
    lot = f.market(world)
    core = spec_factories.specification(world.host, title="Core")
    version = spec_factories.version(world.host, core)
    for provider in (world.provider, world.other_provider):
        spec_factories.acceptance(provider, version)
    schedule = spec_factories.local_schedule(world.member, body="- Termly progress reports\n")
    call_off = f.published(world.officer, lot, local_schedule_id=schedule.id)
    made = f.offer(world.provider_user, call_off)
    f.after_deadline(time_machine, call_off)
    _mark(world, call_off, made, 70)
    with tenants.scoped_to(world.member):
        awarded = services.award(world.officer, call_off.id, made.id)
    with tenants.scoped_to(world.provider):
        placement = services.accept_award(world.provider_user, awarded.id)
        assert placement.specification_version_ids == [version.id]
        assert placement.local_schedule_body == "- Termly progress reports\n"
        document = placements.agreement(world.provider_user, placement.id)
        assert [v.id for v in document.versions] == [version.id]


def test_an_award_is_revoked_until_accepted_and_standstill_holds_acceptance(
        world, opened, time_machine):
    call_off, dear, cheap = opened
    with tenants.scoped_to(world.host):
        system = db.session.scalar(select(PurchasingSystem))
        system.call_off_standstill = StandstillRule.CALENDAR_DAYS_10
        db.session.commit()
    _mark(world, call_off, dear, 90)
    _mark(world, call_off, cheap, 50)
    with tenants.scoped_to(world.member):
        first = services.award(world.officer, call_off.id, dear.id)
        services.revoke_award(world.officer, first.id, "Marked the wrong offer.")
        second = services.award(world.officer, call_off.id, cheap.id,
                                justification="Tribunal order names Larchfield.")
    with tenants.scoped_to(world.other_provider):
        with pytest.raises(Conflict, match="standstill ends"):
            services.accept_award(world.other_provider_user, second.id)
    time_machine.move_to(second.standstill_ends_at, tick=False)
    with tenants.scoped_to(world.other_provider):
        services.accept_award(world.other_provider_user, second.id)
    with tenants.scoped_to(world.member):
        with pytest.raises(Conflict, match="not accepted"):
            services.revoke_award(world.officer, second.id, "Too late")
        assert db.session.scalar(select(func.count()).select_from(Placement)) == 1


def test_a_direct_award_invites_one_provider_and_skips_the_ranking(world):
    lot = f.market(world)
    call_off = f.published(world.officer, lot, route=Route.DIRECT_AWARD,
                           direct_award_reason="tribunal_order",
                           direct_award_note="Tribunal order of 2 November names Brookvale.",
                           direct_provider_id=world.provider.id)
    with tenants.scoped_to(world.member):
        people = services.invitees(world.officer, call_off.id)
        assert [c.provider.id for c in people.invited] == [world.provider.id]
    made = f.offer(world.provider_user, call_off)
    with tenants.scoped_to(world.member):
        # One provider, no competition to protect: the offer is read when it arrives.
        assert [o.id for o in services.list_offers(world.officer, call_off.id)] == [made.id]
        awarded = services.award(world.officer, call_off.id, made.id)
    assert awarded.rank is None and awarded.status == AwardStatus.AWARDED


def test_cancelling_records_the_reason_and_tells_the_invited(world, opened):
    call_off, dear, cheap = opened
    with tenants.scoped_to(world.member):
        with pytest.raises(ValidationFailed):
            services.record_no_suitable_offer(world.officer, call_off.id, "")
        services.record_no_suitable_offer(world.officer, call_off.id,
                                          "Neither school can provide the therapy needed.")
        assert call_off.status == CallOffStatus.NO_SUITABLE_OFFER
        with pytest.raises(Conflict):
            services.award(world.officer, call_off.id, dear.id)
    with tenants.scoped_to(world.provider):
        assert db.session.scalars(select(OutboxMessage.template).where(
            OutboxMessage.template == "call_off_outcome")).all() == ["call_off_outcome"]


def test_a_later_available_from_date_moves_the_placement_not_its_length(world, time_machine):
    lot = f.market(world)
    call_off = f.published(world.officer, lot, length_weeks=10)
    later = call_off.start_date + timedelta(days=14)
    made = f.offer(world.provider_user, call_off, available_from=later)
    f.after_deadline(time_machine, call_off)
    _mark(world, call_off, made, 70)
    with tenants.scoped_to(world.member):
        awarded = services.award(world.officer, call_off.id, made.id)
    with tenants.scoped_to(world.provider):
        placement = services.accept_award(world.provider_user, awarded.id)
    assert (placement.start_date, placement.end_date) == (later, later + timedelta(weeks=10))


def _stored_marks(world, call_off):
    from marketplace.calloffs.models import QualityMark

    with tenants.scoped_to(world.member):
        return {m.offer_id: m.mark for m in db.session.scalars(
            select(QualityMark).where(QualityMark.call_off_id == call_off.id)
            .execution_options(populate_existing=True))}


def test_marks_are_frozen_while_an_award_waits_for_a_managers_approval(world, opened):
    """Issue 10: marks stayed editable while an award waited for approval, so the ranking the
    manager approves could change under them. From the award on, marks are fixed."""
    call_off, dear, cheap = opened
    _mark(world, call_off, dear, 90)
    _mark(world, call_off, cheap, 50)
    with tenants.scoped_to(world.member):
        services.set_delegation_limit(world.manager, 5000000)
        waiting = services.award(world.officer, call_off.id, dear.id)
        assert waiting.status == AwardStatus.AWAITING_APPROVAL
        assert services.evaluation(world.officer, call_off.id).marks_frozen
    with pytest.raises(Conflict, match="marks are fixed once the call-off has been awarded"):
        _mark(world, call_off, cheap, 95)
    assert _stored_marks(world, call_off) == {dear.id: 90, cheap.id: 50}
    with tenants.scoped_to(world.member):
        services.approve_award(world.manager, waiting.id)
    with pytest.raises(Conflict, match="marks are fixed"):
        _mark(world, call_off, dear, 10)
    assert _stored_marks(world, call_off) == {dear.id: 90, cheap.id: 50}


def test_marks_stay_frozen_after_a_decline_so_the_next_award_follows_the_same_ranking(
        world, opened):
    """DESIGN §3: a declined award passes to the next offer; the ranking it came from stands."""
    call_off, dear, cheap = opened
    _mark(world, call_off, dear, 90)
    _mark(world, call_off, cheap, 50)
    with tenants.scoped_to(world.member):
        first = services.award(world.officer, call_off.id, dear.id)
    with tenants.scoped_to(world.provider):
        services.decline_award(world.provider_user, first.id, "Our last place has been filled.")
    with pytest.raises(Conflict, match="marks are fixed"):
        _mark(world, call_off, cheap, 99)
    assert _stored_marks(world, call_off) == {dear.id: 90, cheap.id: 50}
    with tenants.scoped_to(world.member):
        assert services.award(world.officer, call_off.id, cheap.id).rank == 1


def test_marks_reopen_when_every_award_is_revoked_or_refused(world, opened):
    """An award revoked as made in error, or refused by the manager, never stood: the error may
    be in the marks, so they can be corrected (each change is audited)."""
    call_off, dear, cheap = opened
    _mark(world, call_off, dear, 90)
    _mark(world, call_off, cheap, 50)
    with tenants.scoped_to(world.member):
        first = services.award(world.officer, call_off.id, dear.id)
        services.revoke_award(world.officer, first.id, "Marked the wrong offer.")
    _mark(world, call_off, cheap, 95)
    with tenants.scoped_to(world.member):
        services.set_delegation_limit(world.manager, 4000000)
        waiting = services.award(world.officer, call_off.id, cheap.id)
        services.refuse_award(world.manager, waiting.id, "Look at the marks again.")
        assert not services.evaluation(world.officer, call_off.id).marks_frozen
    _mark(world, call_off, dear, 80)
    assert _stored_marks(world, call_off) == {dear.id: 80, cheap.id: 95}


@pytest.mark.parametrize("limit_pence, status", [(8000000, AwardStatus.AWAITING_APPROVAL),
                                                 (12000000, AwardStatus.AWARDED)])
def test_the_delegation_limit_is_compared_with_the_whole_life_value(
        world, time_machine, limit_pence, status):
    """Issue 12 §7: a two-year placement at £1,500 a week is £57,000 a year (38 weeks) but
    about £114,000 over its life; a £80,000 limit stops it, a £120,000 one does not."""
    call_off = f.published(world.officer, f.market(world), length_weeks=104)
    offer = f.offer(world.provider_user, call_off, core=150000)
    f.after_deadline(time_machine, call_off)
    assert offer.annual_cost_pence == 5700000
    assert 11000000 < offer.total_value_pence < 11600000
    _mark(world, call_off, offer, 70)
    with tenants.scoped_to(world.member):
        services.set_delegation_limit(world.manager, limit_pence)
        made = services.award(world.officer, call_off.id, offer.id)
    assert made.status == status
    assert made.total_value_pence == offer.total_value_pence
