"""Drafting a call-off and who publishing it invites."""
from datetime import date

import pytest
from sqlalchemy import select

import tenants
from marketplace.calloffs import services
from marketplace.calloffs.models import CallOffInvitation, CallOffStatus
from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.notifications.models import OutboxMessage
from tests import factories
from tests.calloffs import factories as f
from tests.providers import factories as provider_factories
from tests.purchasing import factories as purchasing_factories
from tests.specifications import factories as spec_factories

NOW = "2026-11-24 10:00 +00:00"  # a Tuesday


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def _invited(world, call_off):
    with tenants.scoped_to(world.member):
        return {i.provider_id for i in db.session.scalars(select(CallOffInvitation).where(
            CallOffInvitation.call_off_id == call_off.id))}


def _third_provider(name="Oakridge School Ltd"):
    provider = factories.provider(name)
    user = factories.user(provider)
    return provider, user


def test_the_draft_refuses_a_full_postcode_and_a_full_date_of_birth(world):
    lot = f.market(world)
    with pytest.raises(ValidationFailed) as refused:
        f.draft(world.officer, lot, postcode_district="SK10 1AB", birth_year="12/03/2014")
    assert "full postcode" in refused.value.errors["postcode_district"]
    assert "full date of birth" in refused.value.errors["birth_year"]
    with pytest.raises(ValidationFailed) as refused:
        f.draft(world.officer, lot, quality_weight=70, price_weight=40, postcode_district="12AB")
    assert refused.value.errors["price_weight"] == "The quality and price weights must add up to 100"
    assert "postcode district" in refused.value.errors["postcode_district"]
    made = f.draft(world.officer, lot, postcode_district=" sk10 ")
    assert (made.postcode_district, made.status, made.reference) == ("SK10", CallOffStatus.DRAFT,
                                                                      "CO-2026-0001")


def test_publishing_invites_only_eligible_providers_and_tells_them(world):
    lot = f.market(world)
    other_lot = purchasing_factories.lot(world.host, "RES38")
    third, third_user = _third_provider()
    f.eligible(world.host, third_user, other_lot)  # admitted, but to another lot
    call_off = f.published(world.officer, lot)
    assert _invited(world, call_off) == {world.provider.id, world.other_provider.id}
    assert call_off.status == CallOffStatus.OPEN
    with tenants.scoped_to(world.provider):
        emails = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.template == "call_off_invitation")).all()
    assert [e.recipient for e in emails] == [world.provider_user.email]
    with tenants.scoped_to(third):
        assert db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.template == "call_off_invitation")).all() == []
        # The uninvited provider cannot see the call-off at all.
        from marketplace.errors import NotFound
        with pytest.raises(NotFound):
            services.get_call_off(third_user, call_off.id)


def test_a_suspended_provider_is_never_invited(world, time_machine):
    lot = f.market(world)
    # Its insurance expires today: from tomorrow it is out of call-offs, by the clock alone.
    provider_factories.document(world.other_provider_user, "insurance",
                                expires_on=date(2026, 11, 24))
    time_machine.move_to("2026-11-25 09:00 +00:00", tick=False)
    made = f.draft(world.officer, lot)
    with tenants.scoped_to(world.member):
        people = services.invitees(world.officer, made.id)
        ineligible = {c.provider.id: c.reasons for c in people.ineligible}
        assert [c.provider.id for c in people.invited] == [world.provider.id]
        assert "suspended" in ineligible[world.other_provider.id][0]
        assert people.warning.startswith("Only 1 provider will be invited")
        services.publish_call_off(world.officer, made.id)
    assert _invited(world, made) == {world.provider.id}


def test_a_provider_that_has_not_accepted_the_specification_in_force_is_never_invited(world):
    lot = f.market(world)
    core = spec_factories.specification(world.host, title="Core")
    version = spec_factories.version(world.host, core, effective_on=date(2026, 11, 1))
    spec_factories.acceptance(world.provider, version)
    call_off = f.published(world.officer, lot)
    assert _invited(world, call_off) == {world.provider.id}
    assert call_off.specification_version_ids == [version.id]


def test_need_age_and_gender_decide_who_is_invited(world):
    lot = f.market(world)
    provider_factories.profile(world.other_provider_user, genders=["female"])
    with tenants.scoped_to(world.member):
        made = f.draft(world.officer, lot)
        reasons = {c.provider.id: c.reasons for c in services.invitees(world.officer, made.id).candidates}
    assert reasons[world.provider.id] == []
    assert reasons[world.other_provider.id] == ["does not take boys"]
    provider_factories.profile(world.provider_user, need_codes=["SEMH"], age_from=14)
    with tenants.scoped_to(world.member):
        reasons = {c.provider.id: c.reasons for c in services.invitees(world.officer, made.id).candidates}
    assert reasons[world.provider.id] == ["does not cater for Autistic Spectrum Disorder",
                                          "does not take children aged 11 to 12"]
    with pytest.raises(Conflict, match="no eligible provider"):
        with tenants.scoped_to(world.member):
            services.publish_call_off(world.officer, made.id)


def test_the_officer_removes_a_provider_with_a_reason_before_publishing(world):
    lot = f.market(world)
    made = f.draft(world.officer, lot)
    with tenants.scoped_to(world.member):
        with pytest.raises(ValidationFailed):
            services.exclude_provider(world.officer, made.id, world.other_provider.id, " ")
        services.exclude_provider(world.officer, made.id, world.other_provider.id,
                                  "The family has asked us not to approach this school.")
        services.publish_call_off(world.officer, made.id)
        people = services.invitees(world.officer, made.id)
        assert [c.excluded.reason for c in people.excluded] == [
            "The family has asked us not to approach this school."]
    assert _invited(world, made) == {world.provider.id}


def test_the_deadline_is_at_least_the_minimum_working_days_unless_urgent(world):
    lot = f.market(world)
    assert lot.system.call_off_min_response_days == 5  # the system's default
    # Tuesday 24 Nov + 5 working days is Wednesday 2 Dec: Monday 30 Nov is St Andrew's Day, a
    # bank holiday in Scotland, so not a working day anywhere in the UK's sense.
    made = f.draft(world.officer, lot, response_deadline=f.deadline(days=6))  # Monday 30th
    with tenants.scoped_to(world.member):
        with pytest.raises(ValidationFailed) as refused:
            services.publish_call_off(world.officer, made.id)
        assert "Wednesday 2 December 2026 or later" in refused.value.errors["response_deadline"]
        with pytest.raises(ValidationFailed) as refused:
            services.publish_call_off(world.officer, made.id, urgent=True)
        assert refused.value.errors == {"urgent_reason": "Explain why this call-off is urgent"}
        services.publish_call_off(world.officer, made.id, urgent=True,
                                  urgent_reason="Current placement ends on Friday (emergency).")
    assert made.urgent and made.status == CallOffStatus.OPEN
    # Questions close two working days before a deadline on Monday 30 Nov at noon: Thursday.
    assert made.questions_close_at.isoformat() == "2026-11-26T12:00:00+00:00"


def test_another_authority_cannot_see_or_change_the_call_off(world):
    from marketplace.errors import NotFound
    lot = f.market(world)
    made = f.draft(world.officer, lot)
    with tenants.scoped_to(world.other_member):
        with pytest.raises(NotFound):
            services.get_call_off(world.other_officer, made.id)
        with pytest.raises(NotFound):
            services.publish_call_off(world.other_officer, made.id)


def test_a_qualified_provider_list_calls_off_by_direct_award_only(world):
    from marketplace.purchasing.models import PurchasingSystem, Regime
    lot = f.market(world)
    with tenants.scoped_to(world.host):
        db.session.scalar(select(PurchasingSystem)).regime = Regime.QPL
        db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        f.draft(world.officer, lot)
    assert "direct awards" in refused.value.errors["route"]
    made = f.draft(world.officer, lot, route="direct_award", direct_award_reason="qpl",
                   direct_award_note="Therapy from the QPL.", direct_provider_id=world.provider.id)
    assert made.direct_provider_id == world.provider.id


def test_the_host_sets_the_response_period_and_when_questions_close(world):
    from marketplace.purchasing import services as purchasing

    lot = f.market(world)
    with tenants.scoped_to(world.host):
        with pytest.raises(ValidationFailed) as refused:
            purchasing.update_system(world.host_admin, call_off_min_response_days=3,
                                     call_off_questions_close_days=3)
        assert "fewer working days" in refused.value.errors["call_off_questions_close_days"]
        purchasing.update_system(world.host_admin, call_off_min_response_days=10,
                                 call_off_questions_close_days=3)
    # Tuesday 24 Nov + 10 working days (St Andrew's Day does not count) is Wednesday 9 Dec.
    made = f.draft(world.officer, lot, response_deadline=f.deadline(days=14))  # Tuesday 8th
    with tenants.scoped_to(world.member):
        with pytest.raises(ValidationFailed) as refused:
            services.publish_call_off(world.officer, made.id)
        assert "at least 10 working days" in refused.value.errors["response_deadline"]
        assert "Wednesday 9 December 2026 or later" in refused.value.errors["response_deadline"]
        services.publish_call_off(world.officer, made.id, response_deadline=f.deadline(days=15))
    # Questions close three working days before Wednesday 9 Dec at noon: Friday 4 Dec.
    assert made.questions_close_at.isoformat() == "2026-12-04T12:00:00+00:00"
