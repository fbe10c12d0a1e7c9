"""Call-offs through the API: sealing, the deadline, isolation between authorities and between
providers, and problem+json naming the field."""
from datetime import datetime

import pytest
from sqlalchemy import func, select

import tenants
from marketplace.calloffs import services
from marketplace.calloffs.models import CallOff, Offer, OfferReceipt
from marketplace.extensions import db
from tests.helpers import bearer_token

from . import factories

NOW = "2026-11-24 10:00 +00:00"


@pytest.fixture(autouse=True)
def fixed_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def _auth(user):
    return {"Authorization": f"Bearer {bearer_token(user).token}"}


def _problem(response, status):
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def _deadline(call_off):
    with tenants.scoped_to(call_off.authority):
        return db.session.get(CallOff, call_off.id).response_deadline


def _placed(world, time_machine):
    """A call-off of the world's member, offered on by both providers, awarded to the first
    and accepted: returns (call_off, offer, other_offer, award, placement)."""
    lot = factories.market(world)
    call_off = factories.published(world.officer, lot)
    offer = factories.offer(world.provider_user, call_off, core=150000)
    other_offer = factories.offer(world.other_provider_user, call_off, core=170000)
    factories.after_deadline(time_machine, call_off)
    with tenants.scoped_to(world.member):
        services.record_quality_mark(world.officer, call_off.id, offer.id, mark=80)
        services.record_quality_mark(world.officer, call_off.id, other_offer.id, mark=70)
        award = services.award(world.officer, call_off.id, offer.id)
    with tenants.scoped_to(world.provider):
        placement = services.accept_award(world.provider_user, award.id)
    return call_off, offer, other_offer, award, placement


def test_offers_cannot_be_read_by_the_authority_through_the_api_before_the_deadline(
        client, world, time_machine):
    """Before the deadline the authority meets 409 (saying when offers open) for the list, the
    evaluation, marking and awarding, and 404 for an offer itself; afterwards it reads them."""
    lot = factories.market(world)
    call_off = factories.published(world.officer, lot)
    offer = factories.offer(world.provider_user, call_off)
    factories.offer(world.other_provider_user, call_off, core=160000)
    officer = _auth(world.officer)
    opens_at = _deadline(call_off)

    listed = _problem(client.get(f"/api/v1/call-offs/{call_off.id}/offers", headers=officer),
                      409)
    assert datetime.fromisoformat(listed["opens_at"]) == opens_at
    assert listed["responses_received"] == 2  # the one figure allowed before the deadline
    assert "sealed" in listed["detail"] and "4 December 2026 at midday" in listed["detail"]
    assert "1500" not in str(listed) and "150000" not in str(listed)

    assert _problem(client.get(f"/api/v1/offers/{offer.id}", headers=officer), 404)[
        "detail"] == "Not found."
    table = _problem(client.get(f"/api/v1/call-offs/{call_off.id}/evaluation",
                                headers=officer), 409)
    assert datetime.fromisoformat(table["opens_at"]) == opens_at
    _problem(client.put(f"/api/v1/call-offs/{call_off.id}/evaluation/{offer.id}",
                        headers=officer, json={"mark": 70}), 409)
    _problem(client.post(f"/api/v1/call-offs/{call_off.id}/award", headers=officer,
                         json={"offer_id": offer.id, "justification": "Parental preference"}),
             409)

    # The status does not give the figures away either.
    assert client.get(f"/api/v1/call-offs/{call_off.id}", headers=officer).json[
        "status"] == "open"

    factories.after_deadline(time_machine, call_off)
    opened = client.get(f"/api/v1/call-offs/{call_off.id}/offers", headers=officer)
    assert opened.status_code == 200
    assert sorted(o["core_weekly_fee"] for o in opened.json) == ["1500.00", "1600.00"]
    assert client.get(f"/api/v1/offers/{offer.id}", headers=officer).json[
        "annual_cost"] == "57000.00"
    assert client.get(f"/api/v1/call-offs/{call_off.id}", headers=officer).json[
        "status"] == "closed"


def test_an_offer_one_second_after_the_deadline_is_refused_and_nothing_changes(
        client, world, time_machine):
    lot = factories.market(world)
    call_off = factories.published(world.officer, lot)
    offer = factories.offer(world.provider_user, call_off, core=150000)
    factories.after_deadline(time_machine, call_off, seconds=1)

    revised = client.post(f"/api/v1/call-offs/{call_off.id}/offers",
                          headers=_auth(world.provider_user), json={
                              "can_meet_need": True, "core_weekly_fee": "990.00",
                              "available_from": "2027-01-25", "statement": "Cheaper now."})
    assert "deadline" in _problem(revised, 409)["detail"]
    late = client.post(f"/api/v1/call-offs/{call_off.id}/offers",
                       headers=_auth(world.other_provider_user), json={
                           "can_meet_need": True, "core_weekly_fee": "900.00",
                           "available_from": "2027-01-25", "statement": "Late."})
    _problem(late, 409)
    _problem(client.post(f"/api/v1/offers/{offer.id}/withdraw",
                         headers=_auth(world.provider_user)), 409)

    with tenants.scoped_to(world.provider):
        kept = db.session.get(Offer, offer.id, populate_existing=True)
        assert (kept.core_weekly_pence, kept.revision, kept.statement, kept.withdrawn_at) == (
            150000, 1, "We will meet the need with our autism-specialist class.", None)
    with tenants.scoped_to(world.member):
        assert db.session.scalar(select(func.count()).select_from(Offer).where(
            Offer.call_off_id == call_off.id)) == 1
        assert db.session.scalar(select(func.count()).select_from(OfferReceipt).where(
            OfferReceipt.call_off_id == call_off.id)) == 1
    # Still visible, read-only, to the provider that made it.
    mine = client.get(f"/api/v1/offers/{offer.id}", headers=_auth(world.provider_user))
    assert mine.status_code == 200 and mine.json["core_weekly_fee"] == "1500.00"


def test_another_authoritys_officer_gets_404_for_the_call_off_its_offers_and_its_placement(
        client, world, time_machine):
    call_off, offer, other_offer, award, placement = _placed(world, time_machine)
    stranger = _auth(world.other_officer)
    for path in (f"/call-offs/{call_off.id}", f"/call-offs/{call_off.id}/offers",
                 f"/call-offs/{call_off.id}/evaluation", f"/call-offs/{call_off.id}/questions",
                 f"/call-offs/{call_off.id}/invitees", f"/offers/{offer.id}",
                 f"/offers/{other_offer.id}", f"/awards/{award.id}",
                 f"/placements/{placement.id}"):
        assert _problem(client.get("/api/v1" + path, headers=stranger), 404)[
            "detail"] == "Not found.", path
    _problem(client.post(f"/api/v1/call-offs/{call_off.id}/cancel", headers=stranger,
                         json={"reason": "Not ours"}), 404)
    _problem(client.put(f"/api/v1/call-offs/{call_off.id}/evaluation/{offer.id}",
                        headers=stranger, json={"mark": 1}), 404)
    # Whatever the body and whatever the role, a stranger's answer is 404, never 403 or 422.
    changes = [f"/call-offs/{call_off.id}/cancel", f"/call-offs/{call_off.id}/award",
               f"/call-offs/{call_off.id}/offers", f"/call-offs/{call_off.id}/questions",
               f"/offers/{offer.id}/withdraw", f"/offers/{offer.id}/accept",
               f"/offers/{offer.id}/decline", f"/awards/{award.id}/approve",
               f"/awards/{award.id}/refuse", f"/awards/{award.id}/revoke"]
    # (Larchfield was invited and offered too: the call-off is its business, the rest is not.)
    for user, paths in ((world.other_officer, changes), (world.other_manager, changes),
                        (world.other_provider_user, changes[4:])):
        headers = _auth(user)
        for path in paths:
            assert client.post("/api/v1" + path, headers=headers, json={}).status_code == 404, (
                user.role, path)
    assert client.get("/api/v1/call-offs", headers=stranger).json == []
    assert client.get("/api/v1/placements", headers=stranger).json == []

    # Its own officer and the provider both read the placement.
    for user in (world.officer, world.provider_user):
        body = client.get(f"/api/v1/placements/{placement.id}", headers=_auth(user)).json
        assert body["reference"] == placement.reference
        assert body["provider"]["name"] == "Brookvale School Ltd"
        assert body["weekly_total"] == "1500.00"
    # The losing provider sees neither the placement nor the winner's offer.
    loser = _auth(world.other_provider_user)
    _problem(client.get(f"/api/v1/placements/{placement.id}", headers=loser), 404)
    _problem(client.get(f"/api/v1/offers/{offer.id}", headers=loser), 404)
    assert client.get("/api/v1/placements", headers=loser).json == []


def test_a_provider_sees_only_its_own_offer(client, world, time_machine):
    lot = factories.market(world)
    call_off = factories.published(world.officer, lot)
    offer = factories.offer(world.provider_user, call_off, core=150000)
    other_offer = factories.offer(world.other_provider_user, call_off, core=170000)
    provider = _auth(world.provider_user)
    for moment in ("before", "after"):
        if moment == "after":
            factories.after_deadline(time_machine, call_off)
        listed = client.get(f"/api/v1/call-offs/{call_off.id}/offers", headers=provider)
        assert listed.status_code == 200, moment
        assert [(o["id"], o["core_weekly_fee"]) for o in listed.json] == [
            (str(offer.id), "1500.00")]
        assert listed.json[0]["provider"] == {"id": str(world.provider.id),
                                              "name": "Brookvale School Ltd"}
        _problem(client.get(f"/api/v1/offers/{other_offer.id}", headers=provider), 404)
        _problem(client.get(f"/api/v1/call-offs/{call_off.id}/evaluation", headers=provider),
                 403)


def test_a_draft_is_made_and_changed_through_the_api_and_refused_fields_are_named(
        client, world):
    lot = factories.market(world)
    officer = _auth(world.officer)
    data = {**factories.fields(lot), "start_date": "2027-01-25",
            "response_deadline": "2026-12-04T12:00:00+00:00", "postcode_district": "M20 2BX"}
    refused = _problem(client.post("/api/v1/call-offs", headers=officer, json=data), 422)
    assert [(e["field"], e["in"]) for e in refused["errors"]] == [("postcode_district", "json")]
    assert "full postcode" in refused["errors"][0]["message"]
    with tenants.scoped_to(world.member):
        assert db.session.scalar(select(func.count()).select_from(CallOff)) == 0

    made = client.post("/api/v1/call-offs", headers=officer, json={**data,
                                                                    "postcode_district": "M20"})
    assert made.status_code == 201, made.json
    body = made.json
    assert body["status"] == "draft" and body["reference"] == "CO-2026-0001"
    assert body["postcode_district"] == "M20" and body["lot"]["code"] == "DAY"
    assert body["response_deadline"] == "2026-12-04T12:00:00+00:00"

    changed = client.patch(f"/api/v1/call-offs/{body['id']}", headers=officer,
                           json={"length_weeks": 39})
    assert changed.status_code == 200 and changed.json["length_weeks"] == 39
    assert changed.json["case_reference"] == "MCR-2291"  # untouched fields stay

    invitees = client.get(f"/api/v1/call-offs/{body['id']}/invitees", headers=officer).json
    assert {c["provider"]["name"] for c in invitees["invited"]} == {
        "Brookvale School Ltd", "Larchfield School Ltd"}
    assert "Only 2 providers" in invitees["warning"]

    published = client.post(f"/api/v1/call-offs/{body['id']}/publish", headers=officer,
                            json={})
    assert published.status_code == 200 and published.json["status"] == "open"
    assert "draft" in _problem(client.patch(f"/api/v1/call-offs/{body['id']}",
                                            headers=officer, json={"length_weeks": 40}),
                               409)["detail"]
    with tenants.scoped_to(world.member):
        assert db.session.get(CallOff, int(body["id"]), populate_existing=True).length_weeks == 39


def test_changes_need_a_token_not_a_browser_session(client, world, as_user):
    lot = factories.market(world)
    as_user(world.officer)
    data = {**factories.fields(lot), "start_date": "2027-01-25",
            "response_deadline": "2026-12-04T12:00:00+00:00"}
    _problem(client.post("/api/v1/call-offs", json=data), 401)
    assert client.get("/api/v1/call-offs").status_code == 200


def test_the_officer_removes_and_restores_a_provider_before_publishing(client, world):
    lot = factories.market(world)
    call_off = factories.draft(world.officer, lot)
    officer = _auth(world.officer)
    base = f"/api/v1/call-offs/{call_off.id}"

    unnamed = _problem(client.post(f"{base}/exclusions", headers=officer,
                                   json={"provider_id": world.other_provider.id}), 422)
    assert [e["field"] for e in unnamed["errors"]] == ["reason"]
    removed = client.post(f"{base}/exclusions", headers=officer, json={
        "provider_id": world.other_provider.id, "reason": "The family has ruled it out."})
    assert removed.status_code == 201
    assert removed.json["provider"]["name"] == "Larchfield School Ltd"
    listed = client.get(f"{base}/invitees", headers=officer).json
    assert [c["provider"]["name"] for c in listed["invited"]] == ["Brookvale School Ltd"]
    assert [(c["provider"]["name"], c["excluded_reason"]) for c in listed["excluded"]] == [
        ("Larchfield School Ltd", "The family has ruled it out.")]

    restored = client.delete(f"{base}/exclusions/{world.other_provider.id}", headers=officer)
    assert restored.status_code == 200 and restored.json["restored"] is True
    assert len(client.get(f"{base}/invitees", headers=officer).json["invited"]) == 2
    _problem(client.delete(f"{base}/exclusions/{world.other_provider.id}", headers=officer),
             404)

    client.post(f"{base}/exclusions", headers=officer, json={
        "provider_id": world.other_provider.id, "reason": "The family has ruled it out."})
    published = client.post(f"{base}/publish", headers=officer, json={})
    assert published.status_code == 200
    _problem(client.get(f"/api/v1/call-offs/{call_off.id}",
                        headers=_auth(world.other_provider_user)), 404)
    assert client.get(f"/api/v1/call-offs/{call_off.id}",
                      headers=_auth(world.provider_user)).status_code == 200
    _problem(client.delete(f"{base}/exclusions/{world.other_provider.id}", headers=officer),
             409)


def test_awards_above_the_delegation_limit_wait_for_a_manager(client, world, time_machine):
    lot = factories.market(world)
    call_off = factories.published(world.officer, lot)
    offer = factories.offer(world.provider_user, call_off, core=150000)
    officer, manager, provider = (_auth(world.officer), _auth(world.manager),
                                  _auth(world.provider_user))

    assert client.get("/api/v1/delegation-limit", headers=officer).json == {
        "whole_life_limit": None, "set_at": None}
    _problem(client.put("/api/v1/delegation-limit", headers=officer,
                        json={"whole_life_limit": "1.00"}), 403)
    _problem(client.get("/api/v1/delegation-limit", headers=provider), 403)
    limit = client.put("/api/v1/delegation-limit", headers=manager,
                       json={"whole_life_limit": "50000.00"})
    assert limit.status_code == 200 and limit.json["whole_life_limit"] == "50000.00"
    assert client.get("/api/v1/delegation-limit", headers=officer).json[
        "whole_life_limit"] == "50000.00"

    factories.after_deadline(time_machine, call_off)
    marked = client.put(f"/api/v1/call-offs/{call_off.id}/evaluation/{offer.id}",
                        headers=officer, json={"mark": 70, "notes": "Meets the need."})
    assert marked.json == {"offer_id": str(offer.id), "mark": 70, "notes": "Meets the need.",
                           "marked_at": "2026-12-04T12:00:01+00:00"}
    first = client.post(f"/api/v1/call-offs/{call_off.id}/award", headers=officer,
                        json={"offer_id": offer.id})
    assert first.status_code == 201 and first.json["status"] == "awaiting_approval"
    # Issue 10: the marks are fixed from the award on, awaiting approval included.
    frozen = _problem(client.put(f"/api/v1/call-offs/{call_off.id}/evaluation/{offer.id}",
                                 headers=officer, json={"mark": 10}), 409)
    assert "marks are fixed once the call-off has been awarded" in frozen["detail"]
    table = client.get(f"/api/v1/call-offs/{call_off.id}/evaluation", headers=officer).json
    assert table["marks_frozen"] is True and table["rows"][0]["mark"] == 70
    assert first.json["annual_cost"] == "57000.00"
    # Not yet made: the provider does not see it and cannot answer it.
    _problem(client.get(f"/api/v1/awards/{first.json['id']}", headers=provider), 404)
    _problem(client.post(f"/api/v1/offers/{offer.id}/accept", headers=provider), 409)
    _problem(client.post(f"/api/v1/awards/{first.json['id']}/approve", headers=officer,
                         json={}), 403)
    refused = client.post(f"/api/v1/awards/{first.json['id']}/refuse", headers=manager,
                          json={"note": "Too costly: look again."})
    assert refused.status_code == 200 and refused.json["status"] == "approval_refused"

    second = client.post(f"/api/v1/call-offs/{call_off.id}/award", headers=officer,
                         json={"offer_id": offer.id}).json
    approved = client.post(f"/api/v1/awards/{second['id']}/approve", headers=manager,
                           json={"note": "Agreed at panel."})
    assert approved.status_code == 200
    assert approved.json["status"] == "awarded" and approved.json["made_at"]
    assert client.get(f"/api/v1/awards/{second['id']}", headers=provider).json[
        "status"] == "awarded"

    revoked = client.post(f"/api/v1/awards/{second['id']}/revoke", headers=officer,
                          json={"reason": "Awarded to the wrong offer."})
    assert revoked.status_code == 200 and revoked.json["revoke_reason"] == (
        "Awarded to the wrong offer.")
    assert "no longer open" in _problem(
        client.post(f"/api/v1/offers/{offer.id}/accept", headers=provider), 409)["detail"]
    with tenants.scoped_to(world.member):
        assert db.session.get(CallOff, call_off.id, populate_existing=True).status.value == (
            "evaluating")


def test_a_call_off_is_cancelled_or_closed_without_an_award_with_a_reason(
        client, world, time_machine):
    lot = factories.market(world)
    draft = factories.draft(world.officer, lot)
    call_off = factories.published(world.officer, lot, case_reference="MCR-3000")
    officer = _auth(world.officer)

    unreasoned = _problem(client.post(f"/api/v1/call-offs/{draft.id}/cancel", headers=officer,
                                      json={}), 422)
    assert [e["field"] for e in unreasoned["errors"]] == ["reason"]
    cancelled = client.post(f"/api/v1/call-offs/{draft.id}/cancel", headers=officer,
                            json={"reason": "The family moved away."})
    assert cancelled.status_code == 200
    assert (cancelled.json["status"], cancelled.json["status_reason"]) == (
        "cancelled", "The family moved away.")

    _problem(client.post(f"/api/v1/call-offs/{call_off.id}/no-suitable-offer",
                         headers=officer, json={"reason": "None meets the need."}), 409)
    factories.after_deadline(time_machine, call_off)
    closed = client.post(f"/api/v1/call-offs/{call_off.id}/no-suitable-offer",
                         headers=officer, json={"reason": "No offer meets the need."})
    assert closed.status_code == 200 and closed.json["status"] == "no_suitable_offer"
    statuses = {c["reference"]: c["status"] for c in client.get(
        "/api/v1/call-offs", headers=officer).json}
    assert statuses == {draft.reference: "cancelled", call_off.reference: "no_suitable_offer"}
    assert [c["reference"] for c in client.get(
        "/api/v1/call-offs?status=cancelled", headers=officer).json] == [draft.reference]


def test_a_direct_award_names_one_provider_and_skips_the_ranking(client, world):
    lot = factories.market(world)
    officer, provider = _auth(world.officer), _auth(world.provider_user)
    data = {**factories.fields(lot), "start_date": "2027-01-25",
            "response_deadline": "2026-11-27T12:00:00+00:00", "route": "direct_award",
            "direct_award_reason": "tribunal_order"}
    refused = _problem(client.post("/api/v1/call-offs", headers=officer, json=data), 422)
    assert {e["field"] for e in refused["errors"]} == {"direct_award_note",
                                                      "direct_provider_id"}
    made = client.post("/api/v1/call-offs", headers=officer, json={
        **data, "direct_award_note": "SEND Tribunal order 2026/114 names Brookvale.",
        "direct_provider_id": world.provider.id})
    assert made.status_code == 201, made.json
    assert made.json["direct_provider"] == {"id": str(world.provider.id),
                                            "name": "Brookvale School Ltd"}
    call_off_id = made.json["id"]
    assert client.post(f"/api/v1/call-offs/{call_off_id}/publish", headers=officer,
                       json={}).status_code == 200
    _problem(client.get(f"/api/v1/call-offs/{call_off_id}",
                        headers=_auth(world.other_provider_user)), 404)

    offer = client.post(f"/api/v1/call-offs/{call_off_id}/offers", headers=provider, json={
        "can_meet_need": True, "core_weekly_fee": "1800.00", "available_from": "2027-01-25",
        "statement": "As the tribunal ordered."}).json
    # One provider, no competition to protect: the authority reads it at once.
    listed = client.get(f"/api/v1/call-offs/{call_off_id}/offers", headers=officer)
    assert [o["id"] for o in listed.json] == [offer["id"]]
    awarded = client.post(f"/api/v1/call-offs/{call_off_id}/award", headers=officer,
                          json={"offer_id": int(offer["id"])})
    assert awarded.status_code == 201
    assert (awarded.json["status"], awarded.json["rank"]) == ("awarded", None)
    placement = client.post(f"/api/v1/offers/{offer['id']}/accept", headers=provider)
    assert placement.status_code == 200 and placement.json["weekly_total"] == "1800.00"


def test_fees_are_pounds_as_decimal_strings_and_bad_ones_are_named(client, world):
    call_off = factories.published(world.officer, factories.market(world))
    url = f"/api/v1/call-offs/{call_off.id}/offers"
    body = {"can_meet_need": True, "available_from": "2027-01-25", "statement": "We can."}
    for bad in (1250, "12.345", "£ten", "60000.01"):
        problem = _problem(client.post(url, headers=_auth(world.provider_user),
                                       json={**body, "core_weekly_fee": bad}), 422)
        assert [e["field"] for e in problem["errors"]] == ["core_weekly_fee"], bad
    made = client.post(url, headers=_auth(world.provider_user),
                       json={**body, "core_weekly_fee": "1,250.5", "support_weekly_fee": "99"})
    assert made.status_code == 200, made.get_json()
    assert (made.json["core_weekly_fee"], made.json["weekly_total"], made.json["annual_cost"]) == (
        "1250.50", "1349.50", "51281.00")
    with tenants.scoped_to(world.provider):
        assert db.session.get(Offer, int(made.json["id"])).weekly_total_pence == 134950


def test_the_call_off_list_names_direct_award_providers_in_constant_queries(client, world):
    """The API's list shows each direct award's provider: its id and name joined into the
    page's own query, whatever the number of rows; the relationship stays lazy, so other
    call-off queries (the web's list) do not join it."""
    from tests.helpers import assert_constant_queries, count_queries

    lot = factories.market(world)
    officer = _auth(world.officer)
    providers = [world.provider, world.other_provider]
    made = []

    def make_rows(n):
        for _ in range(n):
            provider = providers[len(made) % 2]  # two providers: a lazy load each would show
            made.append(factories.draft(
                world.officer, lot, case_reference=f"DA-{len(made)}", route="direct_award",
                direct_award_reason="tribunal_order", direct_provider_id=provider.id,
                direct_award_note="SEND Tribunal order names the school."))

    def request():
        listed = client.get("/api/v1/call-offs", headers=officer)
        assert listed.status_code == 200
        named = {c["reference"]: c["direct_provider"]["name"] for c in listed.json}
        assert named == {c.reference: providers[i % 2].name for i, c in enumerate(made)}

    assert_constant_queries(make_rows, request)
    with count_queries() as counter:
        request()
    # No query of its own: only the page's query (and the count) read call_off or provider.
    assert not [s for s in counter.statements if "FROM provider" in s or
                "FROM organisation JOIN provider" in s]
    page_queries = [s for s in counter.statements if "FROM call_off" in s and "LIMIT" in s]
    assert len(page_queries) == 1 and "JOIN provider " in page_queries[0]
    from tests.helpers import sign_in

    sign_in(client, world.officer)
    with count_queries() as counter:
        page = client.get("/call-offs")
    assert page.status_code == 200 and made[0].reference in page.text
    web_lists = [s for s in counter.statements if "FROM call_off" in s and "LIMIT" in s]
    assert web_lists and not any("JOIN provider " in s for s in web_lists)
