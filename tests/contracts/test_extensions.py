"""Extension decisions and their warnings by the clock (issue 13 §2): each option taken or
declined by a manager, in order, with who, when and why; refused out of order, after the
contract has ended, for a draft or terminated contract, or twice; late decisions allowed and
marked; the managers warned once ahead of the decision date (30 days by default) and once when
it has passed undecided, by the daily job, while the pages show the same warnings from the
clock whether or not the job has run."""
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import tenants
from marketplace.contracts import jobs, services, terms
from marketplace.contracts.models import (Contract, ContractExtension, ContractStatus,
                                          ExtensionDecisionKind)
from marketplace.errors import Conflict, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.notifications.models import OutboxMessage
from marketplace.worker import run_daily

from . import factories

# 48 months from 1 September 2026 plus three 12-month options, decided 6 months before the
# current end: option 1 by 1 March 2030 (the end 31 August 2030), option 2 by 1 March 2031.


@pytest.fixture
def contract(world, time_machine):
    time_machine.move_to("2026-08-01 09:00 +01:00", tick=False)
    return factories.contract(world.member, world.provider)


def _decide(world, contract, number, decision="taken", reason="Performing well",
            user=None):
    with tenants.scoped_to(world.member):
        return services.decide_extension(user or world.manager, contract.id, number, decision,
                                         reason)


def _reload(world, contract):
    with tenants.scoped_to(world.member):
        return db.session.scalars(select(Contract).where(Contract.id == contract.id)
                                  .execution_options(populate_existing=True)).one()


def _options(world, contract):
    with tenants.scoped_to(world.member):
        return [(e.number, e.decision and e.decision.value, e.decided_late)
                for e in db.session.scalars(select(ContractExtension).where(
                    ContractExtension.contract_id == contract.id)
                    .order_by(ContractExtension.number)
                    .execution_options(populate_existing=True))]


def _warnings(world, template="contract_decision_due"):
    with tenants.scoped_to(world.member):
        return db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.template == template).order_by(OutboxMessage.id)).all()


def test_options_are_taken_in_order_moving_the_end_out(world, contract, time_machine):
    """Issue 13 §2: taken, the current end moves out by the option's months; who, when and why
    are recorded."""
    assert contract.next_decision_due == date(2030, 3, 1)
    time_machine.move_to("2030-01-15 10:00 +00:00", tick=False)
    with pytest.raises(Conflict, match="option 1 is the next to decide"):
        _decide(world, contract, 2)
    _decide(world, contract, 1, reason="KPIs met; cabinet agreed")
    found = _reload(world, contract)
    assert (found.end_date, found.next_decision_due) == (date(2031, 8, 31), date(2031, 3, 1))
    first = found.extensions[0]
    assert (first.decided_by_id, first.reason, first.decided_late) == (
        world.manager.id, "KPIs met; cabinet agreed", False)
    assert first.decided_at.isoformat().startswith("2030-01-15T10:00")
    with pytest.raises(Conflict, match="already taken on 15 January 2030"):
        _decide(world, contract, 1, "declined")


def test_declining_lets_the_later_options_lapse(world, contract, time_machine):
    time_machine.move_to("2030-01-15 10:00 +00:00", tick=False)
    _decide(world, contract, 1, "declined", "Re-procuring under the Procurement Act")
    found = _reload(world, contract)
    assert (found.end_date, found.next_decision_due, found.next_extension) == (
        date(2030, 8, 31), None, None)
    with pytest.raises(Conflict, match="option 2 has lapsed"):
        _decide(world, contract, 2)
    assert [row.lapsed for row in services.options_of(found)] == [False, True, True]


def test_a_late_decision_is_allowed_and_marked(world, contract, time_machine):
    time_machine.move_to("2030-03-01 23:00 +00:00", tick=False)  # the decision date: on time
    with tenants.scoped_to(world.member):
        assert services.extension_to_decide(world.manager, contract.id, 1).late is False
    time_machine.move_to("2030-03-02 09:00 +00:00", tick=False)
    with tenants.scoped_to(world.member):
        found = services.extension_to_decide(world.manager, contract.id, 1)
    assert (found.due, found.late, found.end_if_taken) == (date(2030, 3, 1), True,
                                                          date(2031, 8, 31))
    _decide(world, contract, 1)
    assert _options(world, contract)[0] == (1, "taken", True)


def test_no_decision_after_the_contract_has_ended(world, contract, time_machine):
    """Issue 13, bad input: an extension decided after its contract has ended."""
    time_machine.move_to("2030-09-01 09:00 +01:00", tick=False)
    with pytest.raises(Conflict, match="ended on 31 August 2030"):
        _decide(world, contract, 1)
    assert _options(world, contract)[0] == (1, None, False)


def test_no_decision_on_a_draft_or_terminated_contract_nor_by_an_officer(world, time_machine):
    time_machine.move_to("2027-01-01 09:00 +00:00", tick=False)
    draft = factories.contract(world.member, state=ContractStatus.DRAFT)
    with pytest.raises(Conflict, match="draft"):
        _decide(world, draft, 1)
    ended = factories.contract(world.member, state=ContractStatus.TERMINATED,
                               terminated_on=date(2028, 3, 31))
    with pytest.raises(Conflict, match="terminated on 31 March 2028"):
        _decide(world, ended, 1)
    active = factories.contract(world.member)
    with pytest.raises(PermissionDenied):
        _decide(world, active, 1, user=world.officer)
    with pytest.raises(ValidationFailed) as refused:
        _decide(world, active, 1, decision="maybe", reason="")
    assert set(refused.value.errors) == {"decision", "reason"}
    assert _options(world, active)[0] == (1, None, False)


# ---------------------------------------------------------------- warnings by the clock

def test_the_job_warns_the_managers_once_ahead_and_once_overdue(world, contract, time_machine):
    """Issue 13 §2: 30 days before 1 March 2030 is 30 January 2030."""
    time_machine.move_to("2030-01-29 06:00 +00:00", tick=False)
    assert jobs.send_decision_warnings() == (0, 0)
    time_machine.move_to("2030-01-30 06:00 +00:00", tick=False)
    assert jobs.send_decision_warnings() == (1, 0)
    assert jobs.send_decision_warnings() == (0, 0)  # idempotent
    sent = _warnings(world)
    assert [m.recipient for m in sent] == [world.manager.email]  # managers only
    assert sent[0].subject == (f"Extension decision due by 1 March 2030: contract "
                               f"{contract.reference}")
    time_machine.move_to("2030-03-01 06:00 +00:00", tick=False)  # the day itself: not overdue
    assert jobs.send_decision_warnings() == (0, 0)
    time_machine.move_to("2030-03-02 06:00 +00:00", tick=False)
    assert jobs.send_decision_warnings() == (0, 1)
    assert jobs.send_decision_warnings() == (0, 0)
    sent = _warnings(world)
    assert len(sent) == 2 and sent[1].subject.startswith("Extension decision overdue")
    extension = _reload(world, contract).extensions[0]
    assert extension.ahead_warned_at.isoformat().startswith("2030-01-30")
    assert extension.overdue_warned_at.isoformat().startswith("2030-03-02")
    with tenants.scoped_to(world.provider):
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_a_job_that_runs_late_sends_only_what_is_due_on_its_day(world, contract, time_machine):
    time_machine.move_to("2030-04-10 06:00 +01:00", tick=False)  # never ran before
    assert jobs.send_decision_warnings() == (0, 1)
    extension = _reload(world, contract).extensions[0]
    assert extension.ahead_warned_at is None and extension.overdue_warned_at is not None
    time_machine.move_to("2030-09-01 06:00 +01:00", tick=False)  # ended: nothing to decide
    second = factories.contract(world.member, start=date(2026, 9, 1), months=48)
    assert jobs.send_decision_warnings() == (0, 0)
    assert _reload(world, second).extensions[0].overdue_warned_at is None


def test_after_a_decision_the_next_options_warnings_follow_its_own_date(
        world, contract, time_machine):
    time_machine.move_to("2030-02-10 06:00 +00:00", tick=False)
    assert jobs.send_decision_warnings() == (1, 0)
    _decide(world, contract, 1)
    assert jobs.send_decision_warnings() == (0, 0)  # option 2 is due 1 March 2031
    time_machine.move_to("2031-01-30 06:00 +00:00", tick=False)
    assert jobs.send_decision_warnings() == (1, 0)
    assert len(_warnings(world)) == 2


def test_the_daily_run_includes_the_warnings(world, contract, time_machine):
    time_machine.move_to("2030-02-10 06:00 +00:00", tick=False)
    result = run_daily()
    assert result["contract_decisions_warned"] == 1
    assert result["contract_decisions_overdue_warned"] == 0


def test_the_warning_days_are_a_setting(app, world, contract, time_machine, monkeypatch):
    monkeypatch.setitem(app.config, "CONTRACT_DECISION_WARNING_DAYS", 60)
    time_machine.move_to("2030-01-05 06:00 +00:00", tick=False)  # 55 days ahead
    assert jobs.send_decision_warnings() == (1, 0)


def test_the_pages_warn_by_the_clock_without_the_job(world, contract, as_user, time_machine):
    def page(path):  # signed in afresh: the session would lapse over the years moved
        return as_user(world.manager).get(path).get_data(as_text=True)

    time_machine.move_to("2030-01-29 09:00 +00:00", tick=False)
    assert "must be taken or declined" not in page(f"/contracts/{contract.id}")
    assert "Extension decisions" not in page("/contracts")
    time_machine.move_to("2030-01-30 09:00 +00:00", tick=False)
    assert ("Extension option 1 must be taken or declined by 1 March 2030."
            in page(f"/contracts/{contract.id}"))
    assert (f"{contract.reference}: decide extension option 1 (12 months) by 1 March 2030"
            in page("/contracts"))
    time_machine.move_to("2030-03-02 09:00 +00:00", tick=False)
    assert "was due by 1 March 2030 and has not been made" in page(f"/contracts/{contract.id}")
    assert "(overdue)" in page("/contracts")
    assert _warnings(world) == []  # all from the clock


def test_the_decision_page_shows_the_date_and_records_the_decision(
        world, contract, as_user, time_machine):
    time_machine.move_to("2030-03-05 09:00 +00:00", tick=False)
    manager = as_user(world.manager)
    url = f"/contracts/{contract.id}/extensions/1/decision"
    page = manager.get(url).get_data(as_text=True)
    assert "1 March 2030" in page and "will be recorded as late" in page
    assert "31 August 2031" in page  # the end if taken
    bad = manager.post(url, data={"decision": "", "reason": ""})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'href="#decision"' in body and 'href="#reason"' in body
    assert _options(world, contract)[0] == (1, None, False)
    out_of_order = manager.post(f"/contracts/{contract.id}/extensions/2/decision",
                                follow_redirects=True)
    assert "Option 1 is the next to decide" in out_of_order.get_data(as_text=True)
    done = manager.post(url, data={"decision": "taken", "reason": "Cabinet agreed"},
                        follow_redirects=True)
    body = done.get_data(as_text=True)
    assert "Option 1 is recorded as taken." in body and "(late): Cabinet agreed" in body
    assert _options(world, contract)[0] == (1, "taken", True)
    assert as_user(world.officer).get(
        f"/contracts/{contract.id}/extensions/2/decision").status_code == 403


# ---------------------------------------------------------------- the dates kept, as properties

DATES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def _contracts(draw):
    """A contract (not stored) with options and a run of decisions: some taken, then perhaps
    one declined."""
    options = draw(st.lists(st.integers(1, 24), max_size=4))
    taken = draw(st.integers(0, len(options)))
    declined = taken < len(options) and draw(st.booleans())
    made = Contract(start_date=draw(st.dates(date(2020, 1, 1), date(2035, 12, 31))),
                    initial_term_months=draw(st.integers(1, 120)),
                    decision_notice_months=draw(st.integers(1, 12)),
                    state=ContractStatus.ACTIVE)
    for number, months in enumerate(options, start=1):
        decision = ("taken" if number <= taken else
                    "declined" if declined and number == taken + 1 else None)
        made.extensions.append(ContractExtension(
            number=number, months=months,
            decision=ExtensionDecisionKind(decision) if decision else None))
    return made


@given(_contracts())
@DATES
def test_the_current_end_and_next_decision_follow_the_decisions(contract):
    """Issue 13 §2: the end is the initial term plus the options taken (a term of N months ends
    the day before the same day N months on, terms.py); the next option is decided
    ``decision_notice_months`` before the day after the current end; declining one lets the
    later ones lapse; each option's date follows the end it would extend."""
    services._keep_dates(contract)
    taken = [e.months for e in contract.extensions if e.decision == ExtensionDecisionKind.TAKEN]
    assert contract.end_date == terms.add_months(
        contract.start_date, contract.initial_term_months + sum(taken)) - timedelta(days=1)
    rows = services.options_of(contract)
    following = contract.next_extension
    if following is None:
        assert contract.next_decision_due is None
    else:
        assert contract.next_decision_due == services.option_due(contract, following) == (
            terms.add_months(contract.end_date + timedelta(days=1),
                             -contract.decision_notice_months))
    dues = [row.due for row in rows if row.due is not None]
    assert dues == sorted(dues)
    declined = [r.extension.number for r in rows
                if r.extension.decision == ExtensionDecisionKind.DECLINED]
    assert [r.extension.number for r in rows if r.lapsed] == (
        [r.extension.number for r in rows if declined and r.extension.number > declined[0]])
