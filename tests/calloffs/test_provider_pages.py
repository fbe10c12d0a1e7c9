"""The provider's pages: invitations, the call-off, questions, and making, revising,
withdrawing and (after the deadline) reading its offer."""
from datetime import timedelta

import pytest
from sqlalchemy import select

import tenants
from marketplace.calloffs import services
from marketplace.calloffs.models import ClarificationQuestion, Offer, OfferReceipt
from marketplace.extensions import db

from ..helpers import assert_constant_queries
from . import factories


@pytest.fixture
def lot(world, time_machine):
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    return factories.market(world)


@pytest.fixture
def call_off(world, lot):
    return factories.published(world.officer, lot)


def _offer_form(**overrides):
    return {"can_meet_need": "yes", "core_weekly": "1,500.00", "support_weekly": "250",
            "therapies_weekly": "", "other_weekly": "", "other_description": "",
            "available_from": ["1", "2", "2027"],
            "statement": "Our autism-specialist class of six, with on-site speech therapy.",
            "decline_reason": "", **overrides}


def _own_offer(world, call_off):
    with tenants.scoped_to(world.provider):
        return db.session.scalar(select(Offer).where(Offer.call_off_id == call_off.id)
                                 .execution_options(populate_existing=True))


def test_the_provider_sees_its_invitations_and_its_response(world, call_off, as_user):
    """Reference, authority, type, deadline in UK time, status and "your response"."""
    client = as_user(world.provider_user)
    body = client.get("/call-offs").get_data(as_text=True)
    assert call_off.reference in body
    assert "Manchester" in body and "Day placement" in body
    assert "4 December 2026 at midday" in body  # noon UK time, ten days on
    assert "Open for offers" in body and "Not started" in body

    factories.offer(world.provider_user, call_off)
    body = client.get("/call-offs").get_data(as_text=True)
    assert "Offer made" in body and "Not started" not in body


def test_the_invitation_list_keeps_a_constant_query_count(world, lot, as_user):
    client = as_user(world.provider_user)

    def make_rows(count):
        for _ in range(count):
            made = factories.published(world.officer, lot)
            factories.offer(world.provider_user, made)

    def request():
        response = client.get("/call-offs")
        assert response.status_code == 200

    assert_constant_queries(make_rows, request)


def test_the_call_off_page_shows_the_pseudonymised_child_and_nothing_of_other_providers(
        world, call_off, as_user):
    factories.offer(world.other_provider_user, call_off, core=99999)
    body = as_user(world.provider_user).get(f"/call-offs/{call_off.id}").get_data(as_text=True)
    assert call_off.reference in body and "MCR-2291" in body and "M20" in body
    assert "Needs a small, calm class" in body
    assert "Transport is arranged by the authority." in body
    assert f"/call-offs/{call_off.id}/offer" in body
    assert f"/call-offs/{call_off.id}/questions" in body
    assert world.other_provider.name not in body and "999.99" not in body


def test_a_provider_asks_a_question_and_reads_the_published_answer(world, call_off, as_user):
    client = as_user(world.provider_user)
    response = client.post(f"/call-offs/{call_off.id}/questions/ask", data={"question": " "})
    body = response.get_data(as_text=True)
    assert "There is a problem" in body and "Enter your question" in body
    assert "<title>Error: " in body

    response = client.post(f"/call-offs/{call_off.id}/questions/ask",
                           data={"question": "Is transport provided from M20?"})
    assert response.status_code == 302
    with tenants.scoped_to(world.provider):
        asked = db.session.scalars(select(ClarificationQuestion)).all()
    assert [q.question for q in asked] == ["Is transport provided from M20?"]
    body = client.get(f"/call-offs/{call_off.id}/questions").get_data(as_text=True)
    assert "Is transport provided from M20?" in body and "Not answered yet" in body

    with tenants.scoped_to(world.member):
        services.answer_question(world.officer, call_off.id, asked[0].id,
                                 "Yes, the authority arranges it.")
    body = client.get(f"/call-offs/{call_off.id}/questions").get_data(as_text=True)
    assert "Yes, the authority arranges it." in body and "Answered" in body
    # The other invited provider reads the answer, never who asked.
    other = as_user(world.other_provider_user)
    body = other.get(f"/call-offs/{call_off.id}/questions").get_data(as_text=True)
    assert "Is transport provided from M20?" in body
    assert "Yes, the authority arranges it." in body
    assert world.provider.name not in body and "You have not asked any questions" in body


def test_questions_are_refused_after_they_close(world, call_off, as_user, time_machine):
    time_machine.move_to(call_off.questions_close_at + timedelta(seconds=1), tick=False)
    client = as_user(world.provider_user)
    response = client.post(f"/call-offs/{call_off.id}/questions/ask",
                           data={"question": "Too late?"}, follow_redirects=True)
    assert "Your question was not sent: clarification questions closed" in response.get_data(
        as_text=True)
    with tenants.scoped_to(world.provider):
        assert db.session.scalars(select(ClarificationQuestion)).all() == []


def test_an_offer_with_a_field_error_keeps_what_was_typed(world, call_off, as_user):
    client = as_user(world.provider_user)
    response = client.post(f"/call-offs/{call_off.id}/offer",
                           data=_offer_form(core_weekly="fifteen hundred", other_weekly="40"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in body and "There is a problem" in body
    assert "Enter core weekly fee in pounds, for example 1250.00" in body
    assert 'href="#core_weekly"' in body
    assert "Say what the other weekly cost is for" not in body  # the service is not asked yet
    # Nothing typed is lost.
    assert 'value="fifteen hundred"' in body and 'value="40"' in body
    assert "Our autism-specialist class of six" in body
    assert _own_offer(world, call_off) is None


def test_the_services_errors_appear_in_the_summary_against_their_fields(world, call_off,
                                                                         as_user):
    client = as_user(world.provider_user)
    body = client.post(f"/call-offs/{call_off.id}/offer", data=_offer_form(
        other_weekly="40", statement="")).get_data(as_text=True)
    assert 'href="#other_description"' in body and "Say what the other weekly cost is for" in body
    assert 'href="#statement"' in body and "Explain how you will meet the child" in body
    body = client.post(f"/call-offs/{call_off.id}/offer", data={}).get_data(as_text=True)
    assert "Select whether you can meet the child" in body
    assert _own_offer(world, call_off) is None


def test_a_provider_makes_revises_withdraws_and_makes_its_offer_again(world, call_off,
                                                                       as_user):
    client = as_user(world.provider_user)
    response = client.post(f"/call-offs/{call_off.id}/offer", data=_offer_form())
    assert response.status_code == 302
    offer = _own_offer(world, call_off)
    assert (offer.core_weekly_pence, offer.support_weekly_pence, offer.weekly_total_pence) == (
        150000, 25000, 175000)
    # A day placement is charged for 190 school days: 38 weeks.
    assert offer.annual_cost_pence == 175000 * 38
    body = client.get(f"/call-offs/{call_off.id}/offer").get_data(as_text=True)
    assert "£1,750.00" in body and "£66,500.00" in body and "38 chargeable weeks" in body
    assert 'value="1500.00"' in body  # the form holds the saved offer, for revising

    response = client.post(f"/call-offs/{call_off.id}/offer",
                           data=_offer_form(core_weekly="1400", support_weekly=""))
    assert response.status_code == 302
    offer = _own_offer(world, call_off)
    assert (offer.revision, offer.weekly_total_pence, offer.annual_cost_pence) == (
        2, 140000, 140000 * 38)

    # Withdrawing asks first, and changes nothing until confirmed.
    body = client.post(f"/offers/{offer.id}/withdraw").get_data(as_text=True)
    assert "Withdraw your response to call-off" in body and 'name="confirm"' in body
    assert not _own_offer(world, call_off).withdrawn
    response = client.post(f"/offers/{offer.id}/withdraw", data={"confirm": "yes"},
                           follow_redirects=True)
    assert "Your offer has been withdrawn" in response.get_data(as_text=True)
    offer = _own_offer(world, call_off)
    assert offer.withdrawn
    with tenants.scoped_to(world.member):
        assert services.response_counts(world.officer, [call_off.id]) == {}
    body = client.get("/call-offs").get_data(as_text=True)
    assert "Withdrawn" in body

    response = client.post(f"/call-offs/{call_off.id}/offer", data=_offer_form())
    assert response.status_code == 302
    offer = _own_offer(world, call_off)
    assert not offer.withdrawn and offer.weekly_total_pence == 175000
    with tenants.scoped_to(world.member):
        assert services.response_counts(world.officer, [call_off.id]) == {call_off.id: 1}


def test_a_provider_declines_with_a_reason(world, call_off, as_user):
    client = as_user(world.provider_user)
    body = client.post(f"/call-offs/{call_off.id}/offer", data=_offer_form(
        can_meet_need="no", core_weekly="rubbish")).get_data(as_text=True)
    assert "Enter why you cannot offer a place" in body
    assert "Enter core weekly fee" not in body  # hidden fields of an offer do not count
    response = client.post(f"/call-offs/{call_off.id}/offer", data=_offer_form(
        can_meet_need="no", decline_reason="No places until September."))
    assert response.status_code == 302
    offer = _own_offer(world, call_off)
    assert (offer.can_meet_need, offer.decline_reason, offer.weekly_total_pence) == (
        False, "No places until September.", 0)
    assert "Declined" in client.get("/call-offs").get_data(as_text=True)


def test_after_the_deadline_the_offer_is_read_only_and_a_post_is_refused(
        world, call_off, as_user, time_machine):
    client = as_user(world.provider_user)
    client.post(f"/call-offs/{call_off.id}/offer", data=_offer_form())
    before = _own_offer(world, call_off)
    factories.after_deadline(time_machine, call_off)
    client = as_user(world.provider_user)  # signed in again: ten days have passed

    body = client.get(f"/call-offs/{call_off.id}/offer").get_data(as_text=True)
    assert "£66,500.00" in body and "can no longer be changed" in body
    assert "Save your response" not in body and "Withdraw your response" not in body

    response = client.post(f"/call-offs/{call_off.id}/offer",
                           data=_offer_form(core_weekly="900"))
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "<title>Error: " in body
    assert "the response deadline (4 December 2026 at midday, UK time) has passed" in body
    # An invalid form is refused the same way, not merely corrected.
    response = client.post(f"/call-offs/{call_off.id}/offer", data={"can_meet_need": "yes"})
    assert response.status_code == 409
    response = client.post(f"/offers/{before.id}/withdraw", data={"confirm": "yes"},
                           follow_redirects=True)
    assert "Your offer was not withdrawn" in response.get_data(as_text=True)
    after = _own_offer(world, call_off)
    assert (after.revision, after.core_weekly_pence, after.withdrawn_at) == (
        before.revision, 150000, None)
    with tenants.scoped_to(world.provider):
        assert db.session.scalars(select(OfferReceipt)).all() != []


def test_a_provider_not_invited_gets_404(world, lot, as_user):
    made = factories.draft(world.officer, lot)
    with tenants.scoped_to(world.member):
        services.exclude_provider(world.officer, made.id, world.other_provider.id,
                                  "Too far from home")
        services.publish_call_off(world.officer, made.id)
    client = as_user(world.other_provider_user)
    assert client.get(f"/call-offs/{made.id}/offer").status_code == 404
    assert client.post(f"/call-offs/{made.id}/offer", data=_offer_form()).status_code == 404
    assert client.post(f"/call-offs/{made.id}/questions/ask",
                       data={"question": "?"}).status_code == 404
    assert made.reference not in client.get("/call-offs").get_data(as_text=True)
    # Nor can another authority's officer or a provider withdraw someone else's offer.
    offer = factories.offer(world.provider_user, made)
    assert client.post(f"/offers/{offer.id}/withdraw",
                       data={"confirm": "yes"}).status_code == 404
    assert as_user(world.other_officer).post(f"/offers/{offer.id}/withdraw",
                                             data={"confirm": "yes"}).status_code in (403, 404)
    assert not _own_offer(world, made).withdrawn
