"""The placement officer's (and manager's) call-off pages, driven through the browser."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

import tenants
from marketplace.calloffs import services
from marketplace.calloffs.models import (Award, AwardStatus, CallOff, CallOffExclusion,
                                         CallOffInvitation, CallOffStatus, ClarificationAnswer,
                                         DelegationLimit, QualityMark)
from marketplace.extensions import db
from tests import factories
from tests.calloffs import factories as f
from tests.helpers import assert_constant_queries

NOW = "2026-11-24 10:00 +00:00"  # a Tuesday, 10am in London


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def _form(lot, **overrides):
    """The draft form as a browser posts it (dates as day, month and year boxes)."""
    return {"case_reference": "MCR-2291", "birth_year": "2015", "gender": "male",
            "primary_need": "ASD", "secondary_needs": ["SLCN"], "postcode_district": "M20",
            "ehcp_summary": "Needs a small, calm class.", "lot_id": str(lot.id),
            "placement_type": "day", "start_date": ["23", "1", "2027"], "length_weeks": "52",
            "requirements": "Transport is arranged by the authority.", "local_schedule_id": "",
            "quality_weight": "60", "price_weight": "40", "route": "competition",
            "deadline_date": ["4", "12", "2026"], "deadline_time": "12:00", **overrides}


def _summary(page):
    """The error summary's (href, text) pairs."""
    body = page.get_data(as_text=True)
    block = body.split('govuk-error-summary__list', 1)[1].split("</ul>", 1)[0]
    return [(href, " ".join(text.split()))
            for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', block, re.S)]


def _one(scoped, org, model, *where):
    with scoped(org):
        return db.session.scalars(select(model).where(*where).execution_options(
            populate_existing=True)).all()


def test_the_draft_form_refuses_a_full_postcode_and_date_of_birth_keeping_what_was_typed(
        world, as_user, scoped):
    lot = f.market(world)
    client = as_user(world.officer)
    page = client.get("/call-offs/new")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Year only, not the full date of birth" in body
    assert "The first half of the postcode, for example SK10" in body
    assert "Autism Spectrum Disorder (ASD)" in body or "(ASD)" in body

    page = client.post("/call-offs/new", data=_form(lot, postcode_district="SK10 1AB",
                                                    birth_year="12/03/2014"))
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert "<title>Error: " in body
    summary = dict(_summary(page))
    assert summary["#birth_year"].startswith("Enter the year of birth only")
    assert "full date of birth" in summary["#birth_year"]
    assert "full postcode" in summary["#postcode_district"]
    assert len(summary) == 2
    # Nothing typed is lost.
    assert 'value="SK10 1AB"' in body and 'value="12/03/2014"' in body
    assert 'value="MCR-2291"' in body and "Transport is arranged by the authority." in body
    assert re.search(r'value="23"', body) and 'value="12:00"' in body
    assert _one(scoped, world.member, CallOff) == []


def test_an_officer_takes_a_call_off_from_draft_to_award(world, as_user, scoped, app,
                                                         time_machine):
    lot = f.market(world)
    client = as_user(world.officer)

    # A draft, with a mistake first.
    page = client.post("/call-offs/new", data=_form(lot, quality_weight="70"))
    assert page.status_code == 422
    assert ("#price_weight", "The quality and price weights must add up to 100") in _summary(page)
    response = client.post("/call-offs/new", data=_form(lot))
    assert response.status_code == 302
    [call_off] = _one(scoped, world.member, CallOff)
    assert response.location.endswith(f"/call-offs/{call_off.id}")
    assert (call_off.status, call_off.postcode_district, call_off.secondary_needs) == (
        CallOffStatus.DRAFT, "M20", ["SLCN"])
    url = f"/call-offs/{call_off.id}"

    page = client.get(url)
    body = page.get_data(as_text=True)
    assert "Who will be invited" in body
    assert world.provider.name in body and world.other_provider.name in body
    assert "Only 2 providers will be invited" in body  # fewer than three: warned
    assert "/providers/vacancies?need_code=ASD&amp;placement_type=day" in body

    # Remove a provider: a reason is needed.
    page = client.post(f"{url}/exclusions", data={"provider_id": world.other_provider.id,
                                                  "reason": " "})
    assert page.status_code == 422
    assert _summary(page) == [(f"#reason-{world.other_provider.id}",
                               "Enter why this provider should not be invited")]
    client.post(f"{url}/exclusions", data={"provider_id": world.other_provider.id,
                                           "reason": "Closed for refurbishment"})
    [exclusion] = _one(scoped, world.member, CallOffExclusion)
    assert (exclusion.provider_id, exclusion.reason) == (world.other_provider.id,
                                                        "Closed for refurbishment")
    body = client.get(url).get_data(as_text=True)
    assert "Removed by you" in body and "Closed for refurbishment" in body
    assert "Only 1 provider will be invited" in body
    # ... and put back.
    client.post(f"{url}/exclusions/{world.other_provider.id}/restore")
    assert _one(scoped, world.member, CallOffExclusion) == []

    # Publish, confirming the deadline: too soon is refused unless urgent.
    page = client.post(f"{url}/publish", data={"publish-deadline_date": ["26", "11", "2026"],
                                               "publish-deadline_time": "12:00"})
    assert page.status_code == 422
    [(href, text)] = _summary(page)
    assert href == "#publish-deadline_date-day" and "at least 5 working days" in text
    response = client.post(f"{url}/publish", data={
        "publish-deadline_date": ["4", "12", "2026"], "publish-deadline_time": "12:00"})
    assert response.status_code == 302
    with scoped(world.member):
        call_off = db.session.get(CallOff, call_off.id, populate_existing=True)
        assert call_off.status == CallOffStatus.OPEN
        assert {i.provider_id for i in db.session.scalars(select(CallOffInvitation))} == {
            world.provider.id, world.other_provider.id}

    # Both providers offer: the authority sees a count and nothing else until the deadline.
    first = f.offer(world.provider_user, call_off, core=150000)
    second = f.offer(world.other_provider_user, call_off, core=120000)
    body = client.get(url).get_data(as_text=True)
    assert "Responses received: <strong>2</strong>" in body
    assert "Offers open on 4 December 2026 at midday" in body
    for path in (f"{url}/evaluation", f"{url}/evaluation.xlsx"):
        page = client.get(path)
        assert page.status_code == 409
        body = page.get_data(as_text=True)
        assert "Offers are sealed" in body and "Offers open on 4 December 2026 at midday" in body
        for figure in ("1,500", "1500", "1,200", "1200", "57,000", "45,600"):
            assert figure not in body
        assert world.provider.name not in body and world.other_provider.name not in body

    # After the deadline: mark both offers.
    f.after_deadline(time_machine, call_off)
    client = as_user(world.officer)  # signed in again: a session lasts eight hours
    page = client.get(f"{url}/evaluation")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "£57,000.00" in body and "£45,600.00" in body  # 38 chargeable weeks
    page = client.post(f"{url}/evaluation/{first.id}", data={"mark": "101", "notes": "x"})
    assert page.status_code == 422
    assert _summary(page) == [(f"#mark-{first.id}", "Enter a quality mark from 0 to 100")]
    client.post(f"{url}/evaluation/{first.id}", data={"mark": "90", "notes": "Strong SALT"})
    client.post(f"{url}/evaluation/{second.id}", data={"mark": "50", "notes": "Thin"})
    marks = _one(scoped, world.member, QualityMark)
    assert {(m.offer_id, m.mark, m.notes) for m in marks} == {
        (first.id, 90, "Strong SALT"), (second.id, 50, "Thin")}
    body = client.get(f"{url}/evaluation").get_data(as_text=True)
    # first: 54 + 32 = 86, ranked 1; second: 30 + 40 = 70.
    assert body.index("86.00") < body.index("70.00")

    # Off-rank without a justification: refused, in the error summary.
    page = client.post(f"{url}/award", data={"offer_id": second.id, "justification": ""})
    assert page.status_code == 422
    [(href, text)] = _summary(page)
    assert href == "#justification" and text.startswith("This offer is not ranked first")
    assert _one(scoped, world.member, Award) == []
    response = client.post(f"{url}/award", data={"offer_id": second.id,
                                                 "justification": "Parental preference"})
    assert response.status_code == 302
    [award] = _one(scoped, world.member, Award)
    assert (award.status, award.provider_id, award.justification, award.rank) == (
        AwardStatus.AWARDED, world.other_provider.id, "Parental preference", 2)
    body = client.get(f"{url}/evaluation").get_data(as_text=True)
    assert "Awarded: awaiting the provider" in body and "Revoke the award" in body

    # Revoke it (made in error), with a reason.
    page = client.post(f"/awards/{award.id}/revoke", data={"reason": ""})
    assert page.status_code == 422
    assert _summary(page) == [("#revoke-reason", "Enter why the award is revoked")]
    client.post(f"/awards/{award.id}/revoke", data={"reason": "Wrong provider chosen"})
    [award] = _one(scoped, world.member, Award)
    assert (award.status, award.revoke_reason) == (AwardStatus.REVOKED, "Wrong provider chosen")

    # The manager sets a limit below the top offer's annual cost: its award waits for approval.
    manager = as_user(world.manager)
    response = manager.post("/delegation-limit", data={"whole_life_limit": "50,000"})
    assert response.status_code == 302
    [limit] = _one(scoped, world.member, DelegationLimit)
    assert limit.annual_limit_pence == 5_000_000
    officer = as_user(world.officer)
    officer.post(f"{url}/award", data={"offer_id": first.id})
    live = _one(scoped, world.member, Award, Award.status == AwardStatus.AWAITING_APPROVAL)
    assert [a.offer_id for a in live] == [first.id]
    body = officer.get(f"{url}/evaluation").get_data(as_text=True)
    assert "Awaiting manager&#39;s approval" in body or "Awaiting manager's approval" in body
    assert "Approve the award" not in body
    assert officer.post(f"/awards/{live[0].id}/approve").status_code == 403
    # Issue 10: from the award on, the marks are shown read-only and cannot be changed.
    assert f'id="mark-{first.id}"' not in body and "Save mark" not in body
    assert "The quality marks are fixed" in body
    page = officer.post(f"{url}/evaluation/{second.id}", data={"mark": "99", "notes": "Later"},
                        follow_redirects=True)
    assert "Marks are fixed once the call-off has been awarded" in page.get_data(as_text=True)
    assert {(m.offer_id, m.mark) for m in _one(scoped, world.member, QualityMark)} == {
        (first.id, 90), (second.id, 50)}

    manager = as_user(world.manager)
    body = manager.get(f"{url}/evaluation").get_data(as_text=True)
    assert "Approve the award" in body and "Refuse approval" in body
    response = manager.post(f"/awards/{live[0].id}/approve", data={"reason": "Within budget"})
    assert response.status_code == 302
    [approved] = _one(scoped, world.member, Award, Award.id == live[0].id)
    assert (approved.status, approved.approved_by_id, approved.approval_note) == (
        AwardStatus.AWARDED, world.manager.id, "Within budget")


def test_another_authoritys_officer_finds_nothing(world, as_user, time_machine):
    lot = f.market(world)
    call_off = f.published(world.officer, lot)
    offer = f.offer(world.provider_user, call_off)
    client = as_user(world.other_officer)
    for path in ("", "/edit", "/evaluation", "/evaluation.xlsx", "/questions"):
        assert client.get(f"/call-offs/{call_off.id}{path}").status_code == 404, path
    f.after_deadline(time_machine, call_off)
    client = as_user(world.other_officer)
    for path in ("", "/evaluation", "/evaluation.xlsx"):
        page = client.get(f"/call-offs/{call_off.id}{path}")
        assert page.status_code == 404, path
        assert b"MCR-2291" not in page.data
    assert client.post(f"/call-offs/{call_off.id}/cancel",
                       data={"reason": "x"}).status_code == 404
    with tenants.scoped_to(world.member):
        services.record_quality_mark(world.officer, call_off.id, offer.id, mark=70)
        award = services.award(world.officer, call_off.id, offer.id)
    manager = as_user(world.other_manager)
    for action in ("approve", "refuse", "revoke"):
        assert manager.post(f"/awards/{award.id}/{action}",
                            data={"reason": "x"}).status_code == 404, action
    assert manager.post(f"/call-offs/{call_off.id}/evaluation/{offer.id}",
                        data={"mark": "1"}).status_code == 404
    assert manager.post(f"/call-offs/{call_off.id}/award",
                        data={"offer_id": offer.id}).status_code == 404
    assert call_off.reference not in client.get("/call-offs").get_data(as_text=True)


def test_the_officer_answers_a_question_once_for_every_provider(world, as_user, scoped):
    lot = f.market(world)
    call_off = f.published(world.officer, lot)
    with scoped(world.provider):
        question = services.ask_question(world.provider_user, call_off.id,
                                         "Is transport included?")
    client = as_user(world.officer)
    url = f"/call-offs/{call_off.id}/questions"
    body = client.get(url).get_data(as_text=True)
    assert "Is transport included?" in body and "Not answered" in body
    page = client.post(f"{url}/{question.id}/answer", data={"answer": ""})
    assert page.status_code == 422
    assert _summary(page) == [(f"#answer-{question.id}", "Enter your answer")]
    client.post(f"{url}/{question.id}/answer", data={"answer": "Yes, by the authority."})
    [answer] = _one(scoped, world.member, ClarificationAnswer)
    assert (answer.question, answer.answer) == ("Is transport included?",
                                                "Yes, by the authority.")
    body = client.get(url).get_data(as_text=True)
    assert "Published answer" in body and "Not answered" not in body
    assert world.provider_user.full_name not in body  # the officer page shows no asker either


def test_cancel_and_no_suitable_offer_need_a_reason(world, as_user, scoped, time_machine):
    lot = f.market(world)
    client = as_user(world.officer)
    call_off = f.published(world.officer, lot)
    url = f"/call-offs/{call_off.id}"
    page = client.post(f"{url}/no-suitable-offer", data={"reason": "None fit"})
    assert page.status_code == 302  # refused with a notice: the offers have not opened
    assert "only after the offers have opened" in client.get(url).get_data(as_text=True)
    f.after_deadline(time_machine, call_off)
    client = as_user(world.officer)
    page = client.post(f"{url}/no-suitable-offer", data={"reason": ""})
    assert page.status_code == 422
    assert _summary(page) == [("#no-suitable-reason", "Enter the reason")]
    client.post(f"{url}/no-suitable-offer", data={"reason": "No offer met the SALT need"})
    [closed] = _one(scoped, world.member, CallOff)
    assert (closed.status, closed.status_reason) == (CallOffStatus.NO_SUITABLE_OFFER,
                                                     "No offer met the SALT need")
    body = client.get(url).get_data(as_text=True)
    assert "No suitable offer" in body and "No offer met the SALT need" in body

    draft = f.draft(world.officer, lot)
    client.post(f"/call-offs/{draft.id}/cancel", data={"reason": "Child moved away"})
    [cancelled] = _one(scoped, world.member, CallOff, CallOff.id == draft.id)
    assert cancelled.status == CallOffStatus.CANCELLED


def test_the_draft_can_be_changed_until_published(world, as_user, scoped):
    lot = f.market(world)
    call_off = f.draft(world.officer, lot)
    client = as_user(world.officer)
    page = client.get(f"/call-offs/{call_off.id}/edit")
    body = page.get_data(as_text=True)
    assert 'value="MCR-2291"' in body and 'value="M20"' in body
    response = client.post(f"/call-offs/{call_off.id}/edit",
                           data=_form(lot, postcode_district="SK10", length_weeks="38"))
    assert response.status_code == 302
    [changed] = _one(scoped, world.member, CallOff)
    assert (changed.postcode_district, changed.length_weeks) == ("SK10", 38)


def test_the_list_filters_by_status_in_constant_queries(world, as_user, scoped):
    lot = f.market(world)
    published = f.published(world.officer, lot, case_reference="PUB-1")
    f.offer(world.provider_user, published)
    client = as_user(world.officer)
    made = []

    def make_rows(n):
        made.extend(f.draft(world.officer, lot, case_reference=f"D-{len(made) + i}")
                    for i in range(n))

    def request():
        page = client.get("/call-offs")
        assert page.status_code == 200
        assert page.data.count(b'href="/call-offs/') == len(made) + 2  # + "new"

    assert_constant_queries(make_rows, request)
    body = client.get("/call-offs").get_data(as_text=True)
    row = body.split(published.reference, 1)[1].split("</tr>", 1)[0]
    assert "Open for offers" in row and ">1</td>" in row  # one response received
    body = client.get("/call-offs?status=open").get_data(as_text=True)
    assert "PUB-1" in body and "D-0" not in body
    body = client.get("/call-offs?status=draft").get_data(as_text=True)
    assert "PUB-1" not in body and "D-0" in body
    page = client.get("/call-offs?status=nonsense")
    assert ("#status", "Choose a status from the list") in _summary(page)


def test_the_evaluation_table_keeps_constant_queries_as_offers_grow(
        world, as_user, time_machine):
    lot = f.market(world)
    users = [world.provider_user, world.other_provider_user]
    for number in range(4):
        provider = factories.provider(f"Extra School {number} Ltd")
        user = factories.user(provider)
        f.eligible(world.host, user, lot)
        users.append(user)
    call_off = f.published(world.officer, lot)
    with tenants.scoped_to(world.member):
        deadline = db.session.get(CallOff, call_off.id).response_deadline
    client = as_user(world.officer)
    made = []

    def make_rows(n):
        time_machine.move_to(deadline - timedelta(days=1), tick=False)
        for user in users[len(made):len(made) + n]:
            made.append(f.offer(user, call_off, core=100000 + 1000 * len(made)))
        time_machine.move_to(deadline + timedelta(hours=1), tick=False)
        as_user(world.officer)

    def request():
        page = client.get(f"/call-offs/{call_off.id}/evaluation")
        assert page.status_code == 200
        assert page.data.count(b'id="offer-') == len(made)

    assert_constant_queries(make_rows, request)


def test_the_delegation_limit_is_set_by_managers_and_read_by_officers(world, as_user, scoped):
    client = as_user(world.officer)
    body = client.get("/delegation-limit").get_data(as_text=True)
    assert "No limit has been set" in body and "Only your authority" in body
    assert client.post("/delegation-limit", data={"whole_life_limit": "1"}).status_code == 403
    manager = as_user(world.manager)
    page = manager.post("/delegation-limit", data={"whole_life_limit": "lots"})
    assert page.status_code == 422
    assert "Enter the whole-life limit in pounds" in page.get_data(as_text=True)
    manager.post("/delegation-limit", data={"whole_life_limit": "£75,000.50"})
    [limit] = _one(scoped, world.member, DelegationLimit)
    assert limit.annual_limit_pence == 7_500_050
    body = as_user(world.officer).get("/delegation-limit").get_data(as_text=True)
    assert "£75,000.50" in body
    assert as_user(world.provider_user).get("/delegation-limit").status_code == 403


def test_navigation_shows_call_offs_to_buyers_and_providers(world, as_user):
    for user in (world.officer, world.manager, world.provider_user):
        body = as_user(user).get("/dashboard").get_data(as_text=True)
        assert 'href="/call-offs"' in body, user.role
    body = as_user(world.evaluator).get("/dashboard").get_data(as_text=True)
    assert 'href="/call-offs"' not in body


def test_every_error_in_the_summary_links_to_its_field(world, as_user):
    f.market(world)
    client = as_user(world.officer)
    page = client.post("/call-offs/new", data={"route": "direct_award", "urgent": "y",
                                               "quality_weight": "", "price_weight": ""})
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    summary = _summary(page)
    assert {href for href, _text in summary} >= {
        "#case_reference", "#birth_year", "#gender", "#primary_need", "#postcode_district",
        "#lot_id", "#placement_type", "#start_date-day", "#length_weeks", "#quality_weight",
        "#price_weight", "#direct_award_reason", "#direct_award_note", "#direct_provider_id",
        "#urgent_reason"}
    for href, _text in summary:
        assert f'id="{href[1:]}"' in body, href
    page = client.post("/call-offs/new", data={"start_date": ["31", "2", "2027"],
                                               "deadline_date": ["4", "12", "2026"]})
    assert _summary(page) == [("#start_date-day", "Start date must be a real date"),
                              ("#deadline_time", "Enter both the date and the time of the "
                                                 "response deadline")]


def test_the_list_does_not_join_the_providers_it_does_not_show(world, as_user, scoped):
    """Issue 10: every call-off list joined each row's direct-award provider (and so hashed the
    whole provider table) though the list never shows it. The list's queries name no provider
    table; the call-off's own page still names the provider."""
    from tests.helpers import count_queries

    lot = f.market(world)
    with scoped(world.member):
        from marketplace.calloffs import services
        made = services.create_call_off(world.officer, **f.fields(
            lot, case_reference="DA-1", route="direct_award", direct_award_reason="tribunal_order",
            direct_award_note="Tribunal order ABC/123", direct_provider_id=world.provider.id))
    client = as_user(world.officer)
    with count_queries() as counter:
        page = client.get("/call-offs")
    assert page.status_code == 200 and "DA-1" in page.get_data(as_text=True)
    joined = [s for s in counter.statements if "FROM call_off" in s and "JOIN provider " in s]
    assert joined == [] and any("FROM call_off" in s for s in counter.statements)
    body = client.get(f"/call-offs/{made.id}").get_data(as_text=True)
    assert "Tribunal order ABC/123 (Brookvale School Ltd)" in body


def test_a_direct_award_is_read_and_awarded_without_waiting_or_ranking(
        world, as_user, scoped):
    lot = f.market(world)
    client = as_user(world.officer)
    response = client.post("/call-offs/new", data=_form(
        lot, route="direct_award", direct_award_reason="tribunal_order",
        direct_award_note="Tribunal order ABC/123", direct_provider_id=str(world.provider.id)))
    assert response.status_code == 302
    [call_off] = _one(scoped, world.member, CallOff)
    assert (call_off.route.value, call_off.direct_provider_id) == ("direct_award",
                                                                   world.provider.id)
    body = client.get(f"/call-offs/{call_off.id}").get_data(as_text=True)
    assert "Tribunal order ABC/123" in body and world.other_provider.name not in body
    client.post(f"/call-offs/{call_off.id}/publish", data={
        "publish-deadline_date": ["4", "12", "2026"], "publish-deadline_time": "12:00"})
    [call_off] = _one(scoped, world.member, CallOff)
    assert call_off.status == CallOffStatus.OPEN
    offer = f.offer(world.provider_user, call_off, core=140000)
    page = client.get(f"/call-offs/{call_off.id}/evaluation")
    assert page.status_code == 200 and "£1,400.00" in page.get_data(as_text=True)
    client.post(f"/call-offs/{call_off.id}/award", data={"offer_id": offer.id})
    [award] = _one(scoped, world.member, Award)
    assert (award.status, award.rank, award.offer_id) == (AwardStatus.AWARDED, None, offer.id)
