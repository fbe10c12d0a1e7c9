"""Questions, offers and sealing: nothing of an offer reaches the authority before the deadline."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import tenants
from marketplace.calloffs import services
from marketplace.calloffs.models import (ClarificationAnswer, ClarificationQuestion, Offer,
                                         OfferReceipt)
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.notifications.models import OutboxMessage
from tests.calloffs import factories as f
from tests.notifications.helpers import mailbox, run_queued_jobs

NOW = "2026-11-24 10:00 +00:00"


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def call_off(world):
    return f.published(world.officer, f.market(world))


def test_an_offer_computes_its_weekly_total_and_annual_cost(world, call_off):
    made = f.offer(world.provider_user, call_off, core=150000, support=25050, therapies=12000,
                   other=3000)
    assert made.weekly_total_pence == 190050
    # A day placement is charged for 190 school days = 38 weeks.
    assert (made.chargeable_weeks, made.annual_cost_pence) == ("38", 190050 * 38)
    with pytest.raises(ValidationFailed) as refused:
        f.offer(world.provider_user, call_off, core=0, other=500, other_description="",
                statement="")
    assert set(refused.value.errors) == {"core_weekly_pence", "other_description", "statement"}
    with pytest.raises(ValidationFailed) as refused:
        f.offer(world.provider_user, call_off, can_meet_need=False, decline_reason="")
    assert refused.value.errors == {"decline_reason": "Enter why you cannot offer a place"}


def test_before_the_deadline_the_authority_reads_no_offer_by_any_path(world, call_off,
                                                                      time_machine):
    offer = f.offer(world.provider_user, call_off, core=150000)
    f.offer(world.other_provider_user, call_off, can_meet_need=False)
    time_machine.move_to(call_off.response_deadline - timedelta(seconds=1), tick=False)
    with tenants.scoped_to(world.member):
        # The query itself cannot return them: no service can leak what it cannot load.
        assert db.session.scalar(select(func.count()).select_from(Offer)) == 0
        assert db.session.get(Offer, offer.id) is None
        with pytest.raises(services.Sealed) as sealed:
            services.list_offers(world.officer, call_off.id)
        assert sealed.value.opens_at == call_off.response_deadline
        assert "open on 4 December 2026 at midday" in str(sealed.value)
        with pytest.raises(services.Sealed):
            services.evaluation(world.officer, call_off.id)
        with pytest.raises(NotFound):
            services.get_offer(world.officer, offer.id)
        # The one figure allowed: how many responses have arrived.
        assert services.response_counts(world.officer, [call_off.id]) == {call_off.id: 2}
    time_machine.move_to(call_off.response_deadline, tick=False)
    with tenants.scoped_to(world.member):
        assert len(services.list_offers(world.officer, call_off.id)) == 2
        assert services.get_offer(world.officer, offer.id).core_weekly_pence == 150000


def test_providers_never_see_each_others_offers(world, call_off, time_machine):
    f.offer(world.provider_user, call_off)
    theirs = f.offer(world.other_provider_user, call_off, core=99000)
    f.after_deadline(time_machine, call_off)
    with tenants.scoped_to(world.provider):
        assert [o.organisation_id for o in services.list_offers(world.provider_user,
                                                                call_off.id)] == [world.provider.id]
        assert db.session.get(Offer, theirs.id) is None
        with pytest.raises(NotFound):
            services.withdraw_offer(world.provider_user, theirs.id)


def test_an_offer_one_second_after_the_deadline_is_refused_and_the_last_one_stands(
        world, call_off, time_machine):
    f.offer(world.provider_user, call_off, core=150000)
    time_machine.move_to(call_off.response_deadline - timedelta(seconds=1), tick=False)
    revised = f.offer(world.provider_user, call_off, core=140000)
    assert revised.revision == 2
    for moment in (call_off.response_deadline, call_off.response_deadline + timedelta(seconds=1)):
        time_machine.move_to(moment, tick=False)
        with pytest.raises(Conflict, match="response deadline .* has passed"):
            f.offer(world.provider_user, call_off, core=100000)
        with pytest.raises(Conflict):
            f.offer(world.other_provider_user, call_off, core=100000)
        with pytest.raises(Conflict):
            with tenants.scoped_to(world.provider):
                services.withdraw_offer(world.provider_user, revised.id)
    with tenants.scoped_to(world.provider):
        kept = services.get_own_offer(world.provider_user, call_off.id)
        assert (kept.core_weekly_pence, kept.revision, kept.withdrawn) == (140000, 2, False)
    with tenants.scoped_to(world.other_provider):
        assert services.get_own_offer(world.other_provider_user, call_off.id) is None


def test_a_withdrawn_offer_leaves_the_count_and_may_be_made_again(world, call_off):
    made = f.offer(world.provider_user, call_off)
    with tenants.scoped_to(world.provider):
        services.withdraw_offer(world.provider_user, made.id)
        with pytest.raises(Conflict):
            services.withdraw_offer(world.provider_user, made.id)
    with tenants.scoped_to(world.member):
        assert services.response_counts(world.officer, [call_off.id]) == {}
    again = f.offer(world.provider_user, call_off, core=130000)
    assert (again.id, again.withdrawn, again.core_weekly_pence) == (made.id, False, 130000)
    with tenants.scoped_to(world.member):
        assert services.response_counts(world.officer, [call_off.id]) == {call_off.id: 1}


def test_a_question_is_answered_once_to_every_invited_provider_without_the_asker(
        world, call_off, time_machine, app):
    sent = mailbox(app)
    with tenants.scoped_to(world.provider):
        asked = services.ask_question(world.provider_user, call_off.id,
                                      "Is transport provided by the authority?")
    with tenants.scoped_to(world.other_provider):
        # The other provider does not see the question until it is answered.
        view = services.questions(world.other_provider_user, call_off.id)
        assert (view.questions, view.published) == ([], [])
    with tenants.scoped_to(world.member):
        services.answer_question(world.officer, call_off.id, asked.id, "Yes, from home.")
        with pytest.raises(Conflict, match="already been answered"):
            services.answer_question(world.officer, call_off.id, asked.id, "Again")
    with tenants.scoped_to(world.other_provider):
        view = services.questions(world.other_provider_user, call_off.id)
        assert [(a.question, a.answer) for a in view.published] == [
            ("Is transport provided by the authority?", "Yes, from home.")]
        assert view.questions == []
        assert view.published[0].organisation_id == world.member.id
        emails = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.template == "call_off_answer")).all()
        assert [e.recipient for e in emails] == [world.other_provider_user.email]
    run_queued_jobs(app)
    answers = [m for m in sent if "clarification has been published" in m["Subject"]]
    assert sorted(m["To"] for m in answers) == sorted([world.provider_user.email,
                                                       world.other_provider_user.email])
    for message in answers:
        text = message.get_body(("plain",)).get_content()
        assert "Is transport provided by the authority?" in text and "Yes, from home." in text
        assert world.provider.name not in text
    # Questions close two working days before the deadline; none is accepted after.
    time_machine.move_to(call_off.questions_close_at, tick=False)
    with tenants.scoped_to(world.provider):
        with pytest.raises(Conflict, match="clarification questions closed"):
            services.ask_question(world.provider_user, call_off.id, "One more?")
        assert db.session.scalar(select(func.count()).select_from(ClarificationQuestion)) == 1


def test_only_invited_providers_ask_and_only_the_issuing_authority_answers(world, call_off):
    from tests import factories
    stranger = factories.user(factories.provider("Outsider School Ltd"))
    with tenants.scoped_to(stranger.organisation):
        with pytest.raises(NotFound):
            services.ask_question(stranger, call_off.id, "Can we bid?")
    with tenants.scoped_to(world.provider):
        asked = services.ask_question(world.provider_user, call_off.id, "Start date flexible?")
    with tenants.scoped_to(world.other_member):
        with pytest.raises(NotFound):
            services.answer_question(world.other_officer, call_off.id, asked.id, "No")
    with tenants.scoped_to(world.member):
        assert db.session.scalar(select(func.count()).select_from(ClarificationAnswer)) == 0
        assert db.session.scalar(select(func.count()).select_from(OfferReceipt)) == 0
