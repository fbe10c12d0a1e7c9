"""Dashboards are work queues (issue 15 §1 and its "Done when": from each role's dashboard every
pending item is one click away, and each queue lists exactly the pending items of that person's
organisation). Each test makes pending and finished items of the person's own organisation and
of another, and reads the queues both from the service the dashboard calls and on the page."""
from datetime import date, timedelta

import pytest

import tenants
from marketplace.calloffs import services as calloffs
from marketplace.extensions import db
from marketplace.placements import fees, reviews
from marketplace.providers.models import DocumentKind
from marketplace.specifications.models import SpecificationKind
from marketplace.web import dashboards
from tests.calloffs import factories as call_offs
from tests.contracts import factories as contract_factories
from tests.evaluation import factories as evaluation_factories
from tests.helpers import assert_constant_queries
from tests.notifications.factories import failed_message
from tests.placements import fee_factories
from tests.providers import factories as provider_factories
from tests.purchasing import factories as purchasing_factories
from tests.specifications import factories as specification_factories
from tests.windows import factories as window_factories

NOW = "2026-11-24 10:00 +00:00"
TODAY = date(2026, 11, 24)


def _queues(user):
    with tenants.scoped_to(user.organisation):
        db.session.expire_all()
        return dashboards.work_queues(user)


def _ids(queue, pick=lambda item: item.id):
    return [pick(item) for item in queue.items]


def _page(as_user, user):
    response = as_user(user).get("/dashboard")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _offered_and_opened(world, lot, officer=None, provider_user=None, **fields):
    """A published call-off with an offer, its deadline moved into the past."""
    made = call_offs.published(officer or world.officer, lot, **fields)
    offer = call_offs.offer(provider_user or world.provider_user, made)
    return call_offs.move_back(made), offer


def _awarded(world, lot, **fields):
    made, offer = _offered_and_opened(world, lot, **fields)
    with tenants.scoped_to(world.member):
        calloffs.record_quality_mark(world.officer, made.id, offer.id, mark=70)
        award = calloffs.award(world.officer, made.id, offer.id)
    return made, award


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)


def test_the_officers_queues_list_their_authoritys_pending_work_soonest_first(
        world, as_user, now):
    """Questions unanswered on open call-offs (by response deadline); call-offs whose offers
    have opened with no award (by start date); declined awards with nothing since; placements
    starting within 28 days; reviews due within 28 days or overdue; undecided uplift proposals
    (by effective date); extension decisions due or overdue (issue 13 §2)."""
    lot = call_offs.market(world)
    today = TODAY
    # Questions: two unanswered (the later deadline made first), one answered, and Stockport's.
    later = call_offs.published(world.officer, lot, response_deadline=call_offs.deadline(12))
    sooner = call_offs.published(world.officer, lot, response_deadline=call_offs.deadline(10))
    answered = call_offs.published(world.officer, lot)
    stockport = call_offs.published(world.other_officer, lot)
    with tenants.scoped_to(world.provider):
        asked = {c.id: calloffs.ask_question(world.provider_user, c.id, f"About {c.reference}?")
                 for c in (later, sooner, answered, stockport)}
    with tenants.scoped_to(world.member):
        calloffs.answer_question(world.officer, answered.id, asked[answered.id].id, "Yes.")
    # Offers opened: two (the later start first), a draft, and Stockport's.
    opened_late, _ = _offered_and_opened(world, lot, start_date=today + timedelta(days=50))
    opened_soon, _ = _offered_and_opened(world, lot, start_date=today + timedelta(days=40))
    call_offs.draft(world.officer, lot)
    _offered_and_opened(world, lot, officer=world.other_officer)
    # A declined award: waits for the next award (and is not "awaiting evaluation").
    declined, award = _awarded(world, lot, start_date=today + timedelta(days=45))
    with tenants.scoped_to(world.provider):
        calloffs.decline_award(world.provider_user, award.id, "No place after all.")
    # An award standing: in neither queue.
    _awarded(world, lot)
    # Placements starting: in 10 and 3 days (made in that order), 40 days, and Stockport's.
    in_ten = fee_factories.placement(world.member, world.provider, start=today + timedelta(10))
    in_three = fee_factories.placement(world.member, world.provider, start=today + timedelta(3))
    fee_factories.placement(world.member, world.provider, start=today + timedelta(40))
    fee_factories.placement(world.other_member, world.provider, start=today + timedelta(5))
    # Reviews: due in 20 days, overdue by 5, in 60 days (not yet), and Stockport's.
    running = [fee_factories.placement(world.member, world.provider) for _ in range(3)]
    theirs = fee_factories.placement(world.other_member, world.provider)
    with tenants.scoped_to(world.member):
        due_20, overdue, _ = (reviews.schedule_review(world.officer, p.id, today + timedelta(d))
                              for p, d in zip(running, (20, -5, 60)))
    with tenants.scoped_to(world.other_member):
        reviews.schedule_review(world.other_officer, theirs.id, today + timedelta(1))
    # Uplift proposals: the later effective date made first, a decided one, and Stockport's.
    ends_late = fee_factories.placement(world.member, world.provider, end=date(2028, 7, 31))
    ends_soon = fee_factories.placement(world.member, world.provider, end=date(2027, 7, 31))
    decided = fee_factories.placement(world.member, world.provider)
    late_proposal = fee_factories.proposal(world.provider_user, ends_late)
    soon_proposal = fee_factories.proposal(world.provider_user, ends_soon)
    refused = fee_factories.proposal(world.provider_user, decided)
    fee_factories.proposal(world.provider_user, theirs)
    with tenants.scoped_to(world.member):
        fees.decide_proposal(world.officer, refused.id, decision="refuse", reason="Not agreed.")
    # Extensions: due by 15 December and 1 December, overdue since 1 November; one due next
    # year; Stockport's due by 1 December.
    due_15 = contract_factories.contract(world.member, start=date(2023, 6, 15))
    due_1 = contract_factories.contract(world.member, start=date(2023, 6, 1))
    overdue_contract = contract_factories.contract(world.member, start=date(2023, 5, 1))
    contract_factories.contract(world.member, start=date(2024, 6, 1))
    contract_factories.contract(world.other_member, start=date(2023, 6, 1))

    queues = _queues(world.officer)
    assert [row.ClarificationQuestion.id for row in queues["questions"].items] == [
        asked[sooner.id].id, asked[later.id].id]
    assert _ids(queues["to_evaluate"]) == [opened_soon.id, opened_late.id]
    assert _ids(queues["declined"]) == [declined.id]
    assert _ids(queues["starting"]) == [in_three.id, in_ten.id]
    assert [row.PlacementReview.id for row in queues["reviews"].items] == [overdue.id, due_20.id]
    assert [row.UpliftProposal.id for row in queues["uplifts"].items] == [
        soon_proposal.id, late_proposal.id]
    assert _ids(queues["extensions"], lambda w: (w.contract.id, w.kind)) == [
        (overdue_contract.id, "overdue"), (due_1.id, "due"), (due_15.id, "due")]
    assert {name: q.count for name, q in queues.items()} == {
        "questions": 2, "to_evaluate": 2, "declined": 1, "starting": 2, "reviews": 2,
        "uplifts": 2, "extensions": 3}

    page = _page(as_user, world.officer)
    assert "Questions waiting for your answer (2)" in page
    assert f'href="/call-offs/{sooner.id}/questions"' in page
    assert f'href="/call-offs/{answered.id}/questions"' not in page
    assert f'href="/call-offs/{opened_soon.id}/evaluation"' in page
    assert 'href="/call-offs?status=closed"' in page
    assert "Awards declined: award the next offer (1)" in page
    assert f'href="/placements/{in_three.id}"' in page
    assert f'href="/placement-reviews/{overdue.id}"' in page and "Overdue" in page
    assert f'href="/uplift-proposals/{soon_proposal.id}"' in page
    assert f'href="/uplift-proposals/{refused.id}"' not in page
    assert f'href="/contracts/{due_1.id}"' in page  # officers see it; managers decide
    # Items come soonest first on the page too.
    assert page.index(f"/call-offs/{sooner.id}/questions") < page.index(
        f"/call-offs/{later.id}/questions")

    # Stockport's officer sees only Stockport's.
    theirs_queues = _queues(world.other_officer)
    assert [row.CallOff.id for row in theirs_queues["questions"].items] == [stockport.id]
    assert theirs_queues["declined"].count == 0 and theirs_queues["starting"].count == 1
    assert theirs_queues["reviews"].count == 1 and theirs_queues["uplifts"].count == 1
    assert theirs_queues["extensions"].count == 1


def test_the_managers_queues_are_approvals_uplifts_and_extensions_to_decide(
        world, as_user, now):
    """Awards above the delegation limit await the manager (not another authority's, and not
    one approved); extension decisions link to the decision itself, which only managers make."""
    lot = call_offs.market(world)
    with tenants.scoped_to(world.member):
        calloffs.set_delegation_limit(world.manager, 100)
    with tenants.scoped_to(world.other_member):
        calloffs.set_delegation_limit(world.other_manager, 100)
    later, later_award = _awarded(world, lot, start_date=TODAY + timedelta(days=60))
    sooner, sooner_award = _awarded(world, lot, start_date=TODAY + timedelta(days=35))
    approved, approved_award = _awarded(world, lot)
    with tenants.scoped_to(world.member):
        calloffs.approve_award(world.manager, approved_award.id)
    theirs, _ = _offered_and_opened(world, lot, officer=world.other_officer)
    contract = contract_factories.contract(world.member, start=date(2023, 6, 1))
    contract_factories.contract(world.other_member, start=date(2023, 6, 1))

    queues = _queues(world.manager)
    assert list(queues) == ["approvals", "uplifts", "extensions"]
    assert _ids(queues["approvals"]) == [sooner_award.id, later_award.id]
    assert _ids(queues["extensions"], lambda w: w.contract.id) == [contract.id]
    page = _page(as_user, world.manager)
    assert "Awards waiting for your approval (2)" in page
    assert "Awaiting manager&#39;s approval" in page or "Awaiting manager's approval" in page
    assert f'href="/call-offs/{sooner.id}/evaluation"' in page
    assert f'href="/call-offs/{approved.id}/evaluation"' not in page
    assert f'href="/contracts/{contract.id}/extensions/1/decision"' in page
    assert _queues(world.other_manager)["approvals"].count == 0


def test_the_providers_queues_list_its_own_invitations_awards_and_documents(
        world, as_user, now):
    """Invitations open and unanswered (by response deadline), awards to answer, current
    documents expiring within 30 days or expired (a renewed one is not), and specification
    versions in force or coming into force not yet accepted (the one in force first)."""
    lot = call_offs.market(world)
    later = call_offs.published(world.officer, lot, response_deadline=call_offs.deadline(12))
    sooner = call_offs.published(world.officer, lot, response_deadline=call_offs.deadline(10))
    answered = call_offs.published(world.officer, lot, response_deadline=call_offs.deadline(11))
    call_offs.offer(world.provider_user, answered)
    not_invited = call_offs.draft(world.officer, lot, response_deadline=call_offs.deadline(13))
    with tenants.scoped_to(world.member):
        calloffs.exclude_provider(world.officer, not_invited.id, world.provider.id,
                                  "Too far from home.")
        calloffs.publish_call_off(world.officer, not_invited.id)
    call_offs.offer(world.other_provider_user, later)
    _, award = _awarded(world, lot)
    _offered_and_opened(world, lot, provider_user=world.other_provider_user)
    with tenants.scoped_to(world.member):
        made, offer = _offered_and_opened(world, lot, provider_user=world.other_provider_user)
        calloffs.record_quality_mark(world.officer, made.id, offer.id, mark=70)
        theirs_award = calloffs.award(world.officer, made.id, offer.id)
    ofsted = provider_factories.document(world.provider_user, DocumentKind.OFSTED_REGISTRATION,
                                         expires_on=TODAY + timedelta(days=20))
    insurance = provider_factories.document(world.provider_user, DocumentKind.INSURANCE,
                                            expires_on=TODAY + timedelta(days=1))
    with tenants.scoped_to(world.provider):  # uploaded before it expired two days ago
        db.session.get(type(insurance), insurance.id).expires_on = TODAY - timedelta(days=2)
        db.session.commit()
    provider_factories.document(world.provider_user, DocumentKind.SAFEGUARDING_POLICY,
                                expires_on=TODAY + timedelta(days=3))
    provider_factories.document(world.provider_user, DocumentKind.SAFEGUARDING_POLICY)  # renewed
    provider_factories.document(world.other_provider_user, DocumentKind.INSURANCE,
                                expires_on=TODAY + timedelta(days=1))
    # Specifications: core v2 (from 15 December) and terms v1 (in force, overdue) to accept;
    # core v1 is accepted. Larchfield accepted only the terms.
    core = specification_factories.specification(world.host, title="Core")
    terms = specification_factories.specification(world.host, SpecificationKind.CONTRACT_TERMS,
                                                  title="Terms")
    core_v1 = specification_factories.version(world.host, core)
    terms_v1 = specification_factories.version(world.host, terms)
    core_v2 = specification_factories.version(world.host, core, effective_on=date(2026, 12, 15))
    specification_factories.acceptance(world.provider, core_v1)
    specification_factories.acceptance(world.other_provider, terms_v1)

    queues = _queues(world.provider_user)
    assert _ids(queues["invitations"]) == [sooner.id, later.id]
    assert _ids(queues["awards"]) == [award.id]
    assert _ids(queues["documents"]) == [insurance.id, ofsted.id]
    assert _ids(queues["specifications"], lambda o: o.version.id) == [terms_v1.id, core_v2.id]
    page = _page(as_user, world.provider_user)
    assert "Invitations waiting for your response (2)" in page
    assert f'href="/call-offs/{sooner.id}"' in page
    assert f'href="/call-offs/{not_invited.id}"' not in page
    assert f'href="/awards/{award.id}"' in page and f'href="/awards/{theirs_award.id}"' not in page
    assert "Documents expiring in the next 30 days (2)" in page and "Expired" in page
    assert f'href="/providers/{world.provider.id}/documents"' in page

    theirs = _queues(world.other_provider_user)
    assert _ids(theirs["invitations"]) == [sooner.id, answered.id, not_invited.id]
    assert _ids(theirs["awards"]) == [theirs_award.id]
    assert theirs["documents"].count == 1
    assert _ids(theirs["specifications"], lambda o: o.version.id) == [core_v1.id, core_v2.id]


def test_the_hosts_queues_follow_each_application_and_window(world, as_user, now):
    """Applications in closed windows needing evaluators, ready for moderation, or decided and
    not issued (an issued one, a draft and one in an open window are not); windows opening or
    closing in 14 days, soonest first; failed emails (every organisation's, for the host)."""
    lots = [purchasing_factories.lot(world.host, "DAY")]

    def closed(title):
        return evaluation_factories.window(world.host, title=title, lots=lots)

    waiting = closed("Round 7")
    needs_evaluators = evaluation_factories.application(world.provider, waiting)
    evaluation_factories.application(world.other_provider, waiting, submitted=False)
    needs_moderation, _ = evaluation_factories.scored_application(
        world, closed("Round 8"))
    unissued, _ = evaluation_factories.decided(
        world, issue=False, made_window=closed("Round 9"))
    evaluation_factories.decided(
        world, made_window=closed("Round 10"))
    still_open = window_factories.window(world.host, title="Open now", lots=lots,
                                         closes_at=tenants.utcnow() + timedelta(days=10))
    evaluation_factories.application(world.other_provider, still_open)
    opening = window_factories.window(world.host, title="Spring", lots=lots,
                                      opens_at=tenants.utcnow() + timedelta(days=4),
                                      closes_at=tenants.utcnow() + timedelta(days=40))
    window_factories.window(world.host, title="Summer", lots=lots,
                            opens_at=tenants.utcnow() + timedelta(days=20),
                            closes_at=tenants.utcnow() + timedelta(days=60))
    failed_message(world.member, recipient="lost@manchester.example.com")

    queues = _queues(world.host_admin)
    assert _ids(queues["need_evaluators"]) == [needs_evaluators.id]
    assert _ids(queues["need_moderation"]) == [needs_moderation.id]
    assert _ids(queues["need_decision"]) == [unissued.id]
    assert _ids(queues["windows"], lambda e: (e.window.id, e.event)) == [
        (opening.id, "opens"), (still_open.id, "closes")]
    assert queues["failed_emails"].count == 1
    page = _page(as_user, world.host_admin)
    assert f'href="/applications/{needs_evaluators.id}/assignments"' in page
    assert f'href="/applications/{needs_moderation.id}/moderation"' in page
    assert f'href="/evaluations/windows/{unissued.window_id}"' in page
    assert "Admission windows opening or closing in the next 14 days (2)" in page
    assert 'href="/deliveries/failed"' in page and "Emails that could not be sent (1)" in page


def test_the_evaluators_queue_is_their_own_unscored_applications(world, as_user, now):
    """Assigned, not withdrawn and not submitted: the evaluator's own, oldest first; a
    submitted one and another evaluator's are not."""
    made_window = evaluation_factories.window(world.host)
    scoring, second = evaluation_factories.scored_application(
        world, made_window, submit=(False, True))
    to_declare = evaluation_factories.application(world.other_provider, made_window)
    with tenants.scoped_to(world.host):
        from marketplace.evaluation import services as evaluation

        evaluation.assign_evaluator(world.host_admin, to_declare.id, world.evaluator.id)
    queues = _queues(world.evaluator)
    assert [row.Application.id for row in queues["to_score"].items] == [scoring.id,
                                                                         to_declare.id]
    page = _page(as_user, world.evaluator)
    assert "Applications waiting for your scores (2)" in page
    assert f'href="/applications/{scoring.id}/scores"' in page
    assert f'href="/applications/{to_declare.id}/conflict"' in page
    assert _queues(second)["to_score"].count == 0


@pytest.mark.parametrize("person", ["officer", "provider_user"])
def test_a_dashboards_statement_count_does_not_grow_with_its_queues(world, as_user, now,
                                                                    person):
    """However much waits, the dashboard costs the same number of SQL statements."""
    lot = call_offs.market(world)
    user = getattr(world, person)
    client = as_user(user)

    def make(count):
        for _ in range(count):
            made = call_offs.published(world.officer, lot)
            with tenants.scoped_to(world.provider):
                calloffs.ask_question(world.provider_user, made.id, "Is there transport?")
            _offered_and_opened(world, lot)
            placement = fee_factories.placement(world.member, world.provider,
                                                start=TODAY + timedelta(days=5))
            fee_factories.proposal(world.provider_user, placement)
            provider_factories.document(world.provider_user, DocumentKind.OTHER,
                                        expires_on=TODAY + timedelta(days=9))

    heading = {"officer": "Questions waiting for your answer (",
               "provider_user": "Documents expiring in the next 30 days ("}[person]

    def dashboard():
        response = client.get("/dashboard")
        assert response.status_code == 200 and heading in response.get_data(as_text=True)

    assert_constant_queries(make, dashboard, sizes=(2, 7))


@pytest.mark.parametrize("person", ["host_admin", "evaluator", "manager"])
def test_the_other_dashboards_statement_counts_do_not_grow_either(world, as_user, now, person):
    """The host's queues (applications at each stage, windows, failed emails), the evaluator's
    and the manager's cost the same however much waits."""
    from marketplace.evaluation import services as evaluation

    lots = [purchasing_factories.lot(world.host, "DAY")]
    market_lot = call_offs.market(world, code="DAYX") if person == "manager" else None
    if person == "manager":
        with tenants.scoped_to(world.member):
            calloffs.set_delegation_limit(world.manager, 100)
    client = as_user(getattr(world, person))

    def make(count):
        for n in range(count):
            if person == "manager":
                _awarded(world, market_lot)
                continue
            closed = evaluation_factories.window(world.host, title=f"Round {n}", lots=lots)
            made = evaluation_factories.application(world.provider, closed)
            with tenants.scoped_to(world.host):
                evaluation.assign_evaluator(world.host_admin, made.id, world.evaluator.id)
            window_factories.window(world.host, title=f"Soon {n}", lots=lots,
                                    opens_at=tenants.utcnow() + timedelta(days=2))
            failed_message(world.member)

    def dashboard():
        assert client.get("/dashboard").status_code == 200

    assert_constant_queries(make, dashboard, sizes=(2, 7))
