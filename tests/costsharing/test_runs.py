"""Cost-sharing runs end to end from real placements (issue 14 §1–§4): the usage gathered from
the cost engine, the contributions to the penny, approval freezing a run, recalculations
superseding it openly, what-if previews, and bad input named with nothing saved."""
from datetime import date

import pytest
from sqlalchemy import func, select

import tenants
from marketplace.costsharing import services, usage
from marketplace.costsharing.models import (CostSharingResult, CostSharingRun, CostSharingTerms,
                                            RunStatus)
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.placements import forecasts

from ..placements import fee_factories
from . import factories
from .factories import YEAR


@pytest.fixture
def region(world, time_machine):
    time_machine.move_to("2026-05-01 10:00 +00:00", tick=False)
    return factories.region(world)


def _amounts(view):
    return {c.authority_id: c.amount_pence for c in view.contributions}


def test_usage_is_placement_days_and_the_forecasts_spend_for_every_authority(world, region):
    """Issue 14 §1: placement days are the days placed in the year (365 for a whole-year
    placement, 182 from 1 October); spend is the forecasts' figure from the one cost engine."""
    with tenants.scoped_to(world.host):
        figures = usage.gather(2026)
    assert figures[world.member.id][tenants.PLACEMENT_DAYS] == 365
    assert figures[world.other_member.id][tenants.PLACEMENT_DAYS] == 182
    for authority, manager in ((world.member, world.manager),
                               (world.other_member, world.other_manager)):
        with tenants.scoped_to(authority):
            expected = forecasts.forecast(manager, financial_year=YEAR).total_pence
        assert figures[authority.id][tenants.PLACEMENT_SPEND] == expected > 0
    # 52 weeks at £1,000: 365 days / 7 × £1,000, rounded to the penny.
    assert figures[world.member.id][tenants.PLACEMENT_SPEND] == 5_214_286


def test_a_hand_worked_budget_run_adds_up_to_the_net_cost(world, region):
    """Issue 14 §1, §3. Net cost £100,000 − £10,000 = £90,000. Fixed 50% = £45,000, equally to
    two full-year members: £22,500 each. Usage £45,000 by placement days 365 : 182 (of 547):
    Manchester £45,000 × 365/547 = £30,027.42 (and 126/547p), Stockport × 182/547 = £14,972.57
    (and 421/547p); the one penny left goes to the larger remainder, Stockport's. The host does
    not pay a share, so its net cost is zero (cost neutral)."""
    view = factories.run(world)
    assert view.status == "draft" and view.net_cost_pence == 9_000_000
    assert _amounts(view) == {world.member.id: 5_252_742, world.other_member.id: 3_747_258}
    assert sum(_amounts(view).values()) == view.net_cost_pence
    assert view.host_net_cost_pence == 0
    manchester = next(c for c in view.contributions if c.authority_id == world.member.id)
    assert (manchester.membership_days, manchester.fixed_pence, manchester.usage_pence) == (
        365, 2_250_000, 3_002_742)
    assert manchester.usage_figure == "365"
    assert manchester.lines[0] == "Membership days: 365 of 365"
    assert "After rounding: £52,527.42 (5252742p)" in manchester.lines
    with tenants.scoped_to(world.host):
        run = db.session.get(CostSharingRun, view.id)
        assert run.inputs["net_cost_pence"] == 9_000_000
        assert {m["authority_id"]: m["usage"]["placement_days"] for m in run.inputs["members"]
                if not m["is_host"]} == {world.member.id: "365", world.other_member.id: "182"}
        assert run.inputs["terms"]["fixed_percent_bp"] == 5000
        assert run.totals.net_cost_pence == 9_000_000 and not run.totals.released


def test_an_october_joiner_pays_182_365ths_of_the_fixed_part(world, time_machine):
    """Issue 14 §1: an authority joining on 1 October pays an equal part of 182/365 of a full
    member's. All fixed: £54,700 shared by days 365 : 182 → £36,500 and £18,200."""
    time_machine.move_to("2026-05-01 10:00 +00:00", tick=False)
    world.other_member.joined_on = date(2026, 10, 1)
    db.session.commit()
    factories.terms(world, fixed_percent_bp=10000, usage_measure=None)
    factories.costs(world, lines=[{"category": "staff", "amount": 5_470_000}], income=[])
    view = factories.run(world)
    assert _amounts(view) == {world.member.id: 3_650_000, world.other_member.id: 1_820_000}


def test_an_approved_run_is_frozen_and_a_recalculation_supersedes_it_openly(
        world, region, time_machine):
    """Issue 14 §3: after approval new placements and an authority leaving change nothing in
    the run; a recalculation is a new draft showing the difference per member, and approving it
    supersedes the first."""
    first = factories.run(world)
    approved = factories.approve(world, first.id)
    assert approved.status == "approved"
    fee_factories.placement(world.member, world.provider, start=date(2026, 4, 1),
                            end=date(2027, 3, 31), core=100_000, support=0, therapies=0)
    world.other_member.left_on = date(2026, 12, 31)
    db.session.commit()
    with tenants.scoped_to(world.host):
        again = services.get_run(world.host_admin, first.id)
    assert _amounts(again) == _amounts(first) and again.status == "approved"

    second = None
    with tenants.scoped_to(world.host):
        second = services.recalculate_run(world.host_admin, first.id)
    assert second.supersedes_id == first.id and second.compared_with_id == first.id
    assert sum(_amounts(second).values()) == 9_000_000
    by_id = {c.authority_id: c for c in second.contributions}
    manchester, stockport = by_id[world.member.id], by_id[world.other_member.id]
    assert manchester.previous_pence == 5_252_742
    assert manchester.difference_pence == manchester.amount_pence - 5_252_742 > 0
    assert stockport.difference_pence == -manchester.difference_pence
    assert stockport.membership_days == 275  # 1 April to 31 December

    factories.approve(world, second.id)
    with tenants.scoped_to(world.host):
        assert db.session.get(CostSharingRun, first.id).status == RunStatus.SUPERSEDED
        assert _amounts(services.get_run(world.host_admin, first.id)) == _amounts(first)


def test_approving_twice_is_refused(world, region):
    """Issue 14, bad input: approving a run twice; a second approved run of the same year and
    kind must supersede the first."""
    view = factories.run(world)
    factories.approve(world, view.id)
    with pytest.raises(Conflict, match="already approved"):
        factories.approve(world, view.id)
    other = factories.run(world)
    with pytest.raises(Conflict, match="supersedes it"):
        factories.approve(world, other.id)


def test_a_what_if_preview_saves_nothing_and_is_compared_with_the_current_run(world, region):
    """Issue 14 §4: 100% fixed against the current 50% — equal shares of £45,000 — side by side
    with the current run, and no run is saved."""
    current = factories.run(world)
    with tenants.scoped_to(world.host):
        runs_before = db.session.scalar(select(func.count(CostSharingRun.id)))
    preview = factories.run(world, preview=True, terms={"fixed_percent_bp": 10000,
                                                        "usage_measure": None})
    assert preview.id is None and preview.status == "preview"
    assert preview.compared_with_id == current.id
    assert _amounts(preview) == {world.member.id: 4_500_000, world.other_member.id: 4_500_000}
    by_id = {c.authority_id: c for c in preview.contributions}
    assert by_id[world.member.id].difference_pence == 4_500_000 - 5_252_742
    with tenants.scoped_to(world.host):
        assert db.session.scalar(select(func.count(CostSharingRun.id))) == runs_before


def test_an_outturn_run_trues_up_against_the_approved_budget(world, region):
    """Issue 14 §3: with the same figures the outturn equals the budget, so every true-up is
    zero; with more costs each member's true-up is outturn − budget and they add up to the
    rise."""
    budget = factories.run(world)
    factories.approve(world, budget.id)
    factories.costs(world, lines=[{"category": "staff", "amount": 10_000_000}], income=[])
    outturn = factories.run(world, kind="outturn")
    assert outturn.budget_run_id == budget.id
    true_ups = {c.authority_id: c.true_up_pence for c in outturn.contributions}
    assert sum(true_ups.values()) == 10_000_000 - 9_000_000
    for c in outturn.contributions:
        assert c.true_up_pence == c.amount_pence - _amounts(budget)[c.authority_id]


def test_members_read_only_their_own_statement_of_an_approved_run(world, region):
    """Issue 14 §5: a member's manager reads its own statement and the region totals; a draft's
    statement, another member's and a provider's reading do not exist (404)."""
    view = factories.run(world)
    with tenants.scoped_to(world.member), pytest.raises(NotFound):
        services.statement(world.manager, view.id, world.member.id)
    factories.approve(world, view.id)
    with tenants.scoped_to(world.member):
        own = services.statement(world.manager, view.id, world.member.id)
        with pytest.raises(NotFound):
            services.statement(world.manager, view.id, world.other_member.id)
        assert db.session.scalars(select(CostSharingResult.authority_id)).all() == [
            world.member.id]
        with pytest.raises(PermissionDenied):
            services.statement(world.officer, view.id, world.member.id)
    assert own.contribution.amount_pence == 5_252_742
    assert (own.net_cost_pence, own.contributions_pence, own.host_net_cost_pence,
            own.participants) == (9_000_000, 9_000_000, 0, 2)
    assert "caps" not in own.totals["terms"]
    with tenants.scoped_to(world.provider), pytest.raises(NotFound):
        services.statement(world.provider_user, view.id, world.member.id)
    with tenants.scoped_to(world.member), pytest.raises(NotFound):
        services.get_run(world.manager, view.id)


def test_bad_terms_are_named_and_nothing_is_saved(world):
    """Issue 14, bad input: a fixed percentage outside 0–100, blend weights not adding up to
    100, a negative cap, no effective date."""
    bad = services.TermsInput(effective_from=None, fixed_percent_bp=15000,
                              usage_weights_bp={"placement_days": 5000, "population": 4000},
                              caps={world.member.id: -500})
    with tenants.scoped_to(world.host):
        with pytest.raises(ValidationFailed) as caught:
            services.set_terms(world.host_admin, bad)
        assert db.session.scalar(select(func.count(CostSharingTerms.id))) == 0
    assert {"fixed_percent", "usage_weights", "caps", "effective_from"} <= caught.value.errors.keys()
    assert "between 0 and 100" in caught.value.errors["fixed_percent"]
    assert "add up to 100" in caught.value.errors["usage_weights"]


def test_income_above_costs_needs_a_note_and_a_run_needs_terms_and_costs(world, region):
    """Issue 14 §2 and bad input: income above the costs without a note is refused; a year with
    no costs cannot be run; caps that cannot cover the net cost refuse the run."""
    with tenants.scoped_to(world.host):
        with pytest.raises(ValidationFailed) as caught:
            services.set_costs(world.host_admin, YEAR, [{"category": "staff", "amount": 100}],
                               [{"source": "Grant", "amount": 200}])
        assert "income" in caught.value.errors
        with pytest.raises(ValidationFailed) as caught:
            services.set_costs(world.host_admin, YEAR, [{"category": "travel", "amount": -1}],
                               [])
        assert {"lines.0.category", "lines.0.amount"} <= caught.value.errors.keys()
        assert services.year_costs(world.host_admin, YEAR).net_cost_pence == 9_000_000
        with pytest.raises(ValidationFailed) as caught:
            services.create_run(world.host_admin, "2027-28", "budget")
        assert "costs" in caught.value.errors
        with pytest.raises(ValidationFailed) as caught:
            services.create_run(world.host_admin, YEAR, "budget", preview=True, terms={
                "caps": {world.member.id: 100, world.other_member.id: 100}})
        assert "cannot cover" in caught.value.errors["caps"]


def test_only_the_hosts_administrators_run_cost_sharing(world, region):
    """Members and providers are told the host's working does not exist; the host's other
    roles are refused."""
    with tenants.scoped_to(world.member), pytest.raises(NotFound):
        services.year_costs(world.manager, YEAR)
    with tenants.scoped_to(world.host), pytest.raises(PermissionDenied):
        services.create_run(world.evaluator, YEAR, "budget")


def test_making_a_run_takes_the_same_statements_however_many_authorities_and_placements(
        world, region):
    """Issue 14, done when: a run over every authority takes a constant number of SQL
    statements; so does the list of the year's runs."""
    from ..factories import authority
    from ..helpers import assert_constant_queries

    def more(n):
        for _ in range(n):
            fee_factories.placement(authority(), world.provider, start=date(2026, 6, 1),
                                    end=date(2027, 3, 31), core=90_000, support=0, therapies=0)

    def make():
        with tenants.scoped_to(world.host):
            view = services.create_run(world.host_admin, YEAR, "budget")
        assert sum(_amounts(view).values()) == 9_000_000

    def listed():
        with tenants.scoped_to(world.host):
            assert services.list_runs(world.host_admin, YEAR)

    assert_constant_queries(more, make, sizes=(0, 4))
    assert_constant_queries(more, listed, sizes=(4, 8))


def test_a_runs_frozen_snapshot_gives_its_result_again(world, region):
    """Issue 14 §3: the stored inputs are every input: the arithmetic over them gives the
    stored contributions exactly, whatever has changed since."""
    view = factories.run(world)
    fee_factories.placement(world.other_member, world.provider, start=date(2026, 4, 1),
                            end=date(2027, 3, 31), core=100_000, support=0, therapies=0)
    with tenants.scoped_to(world.host):
        run = db.session.get(CostSharingRun, view.id)
        again = services.apportion_snapshot(run.inputs)
        assert again.amounts == {r.authority_id: r.amount_pence for r in run.results}


def test_members_managers_are_told_when_a_run_is_approved(app, world, region):
    """Issue 14 §6: each member's managers get an email with a link to their own statement;
    the message is the member's own."""
    from marketplace.notifications.models import OutboxMessage

    from ..notifications.helpers import empty_queue, mailbox, run_queued_jobs

    empty_queue(app)
    sent = mailbox(app)
    view = factories.run(world)
    factories.approve(world, view.id)
    run_queued_jobs(app)
    for authority, manager, amount in ((world.member, world.manager, "£52,527.42"),
                                       (world.other_member, world.other_manager, "£37,472.58")):
        with tenants.scoped_to(authority):
            [message] = db.session.scalars(select(OutboxMessage).where(
                OutboxMessage.template == "cost_sharing_run_approved")).all()
        assert message.recipient == manager.email
        assert message.subject == "Cost sharing 2026-27: your budget statement"
        [email] = [e for e in sent if e["To"] == manager.email]
        body = email.get_body(("plain",)).get_content()
        assert amount in body
        assert f"/cost-sharing/runs/{view.id}/statements/{authority.id}" in body


def test_invoices_are_raised_once_paid_once_and_flagged_overdue(world, region, time_machine):
    """Issue 14 §5: each member of an approved run is invoiced its contribution, raised → paid
    with dates and references; unpaid after the due date it is overdue; a member reads its own
    invoices only."""
    view = factories.run(world)
    with tenants.scoped_to(world.host), pytest.raises(Conflict, match="approved"):
        services.raise_invoices(world.host_admin, view.id)
    factories.approve(world, view.id)
    with tenants.scoped_to(world.host):
        raised = services.raise_invoices(world.host_admin, view.id)
        with pytest.raises(Conflict, match="already raised"):
            services.raise_invoices(world.host_admin, view.id)
    assert {i.authority_id: (i.amount_pence, i.status) for i in raised} == {
        world.member.id: (5_252_742, "raised"), world.other_member.id: (3_747_258, "raised")}
    manchester = next(i for i in raised if i.authority_id == world.member.id)
    assert manchester.due_on == date(2026, 5, 31)
    assert manchester.reference == f"CS-2026-27-B{view.id}-{world.member.ons_code}"

    time_machine.move_to("2026-06-02 10:00 +00:00", tick=False)
    with tenants.scoped_to(world.host):
        with pytest.raises(ValidationFailed) as caught:
            services.record_payment(world.host_admin, manchester.id, date(2026, 4, 30))
        assert "paid_on" in caught.value.errors
        paid = services.record_payment(world.host_admin, manchester.id, date(2026, 5, 20),
                                       "BACS 7781")
        with pytest.raises(Conflict):
            services.record_payment(world.host_admin, manchester.id, date(2026, 5, 21))
        statuses = {i.authority_id: i.status for i in services.list_invoices(
            world.host_admin, view.id)}
    assert paid.status == "paid" and paid.payment_reference == "BACS 7781"
    assert statuses == {world.member.id: "paid", world.other_member.id: "overdue"}
    with tenants.scoped_to(world.member):
        assert [i.authority_id for i in services.my_invoices(world.manager)] == [world.member.id]
        with pytest.raises(NotFound):
            services.record_payment(world.manager, manchester.id, date(2026, 5, 20))


def test_overdue_invoices_are_flagged_to_the_host_and_the_member_reminded_once(
        app, world, region, time_machine):
    """Issue 14 §5: an invoice unpaid after its due date is flagged to the host's
    administrators and its member's managers are reminded, once; a paid one never."""
    from marketplace.costsharing import jobs as cost_sharing_jobs
    from marketplace.notifications.models import OutboxMessage

    view = factories.run(world)
    factories.approve(world, view.id)
    with tenants.scoped_to(world.host):
        raised = services.raise_invoices(world.host_admin, view.id)
        paid = next(i for i in raised if i.authority_id == world.other_member.id)
        services.record_payment(world.host_admin, paid.id, date(2026, 5, 1))
    assert cost_sharing_jobs.send_overdue_reminders() == 0  # not due yet
    time_machine.move_to("2026-06-01 06:00 +00:00", tick=False)
    assert cost_sharing_jobs.send_overdue_reminders() == 1
    assert cost_sharing_jobs.send_overdue_reminders() == 0  # once

    def overdue_mail(organisation):
        with tenants.scoped_to(organisation):
            return db.session.scalars(select(OutboxMessage.recipient).where(
                OutboxMessage.template == "cost_sharing_invoice_overdue")).all()

    assert overdue_mail(world.member) == [world.manager.email]
    assert overdue_mail(world.other_member) == []
    assert overdue_mail(world.host) == [world.host_admin.email]


def test_a_members_statement_never_names_whom_a_capped_excess_came_from(world):
    """Issue 14 §5 ("never another member's figures"): Stockport's cap moves its excess onto
    Manchester; the host's run names both, Manchester's own statement adds the move up without
    naming Stockport (whose contribution would follow from it)."""
    factories.terms(world, caps={world.other_member.id: 1_000_000})
    factories.costs(world)
    factories.placements(world)
    view = factories.run(world)
    factories.approve(world, view.id)
    with tenants.scoped_to(world.host):
        hosts = services.statement(world.host_admin, view.id, world.member.id)
    assert any(f"from authority {world.other_member.id}" in line
               for line in hosts.contribution.lines)
    with tenants.scoped_to(world.member):
        own = services.statement(world.manager, view.id, world.member.id)
    assert own.contribution.amount_pence == hosts.contribution.amount_pence
    assert not [line for line in own.contribution.lines if "authority" in line]
    assert any("received" in line and "from other members' excess" in line
               for line in own.contribution.lines)
