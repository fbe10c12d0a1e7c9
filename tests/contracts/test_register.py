"""The contract register (issue 13 §1): recording a contract through the service and the pages,
its states (draft → active → in extension → expired, or terminated early with a reason), the
retrospective contract, every bad input named and nothing saved, the register's pages for the
authority and for the supplier, and a constant SQL count however many contracts it lists."""
from datetime import date

import pytest
from sqlalchemy import func, select

import tenants
from marketplace.audit import AuditEvent
from marketplace.contracts import services
from marketplace.contracts.models import Contract, ContractService, ContractStatus
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.extensions import db

from ..helpers import assert_constant_queries
from . import factories

FIELDS = dict(
    title="Speech and language therapy in special schools", service="speech_and_language",
    supplier_name="Manchester University NHS Foundation Trust", annual_value_pence=91650200,
    start_date=date(2027, 9, 1), initial_term_months=48,
    extension_options=[{"months": 12}, {"months": 12}, {"months": 12}],
    uplift_rule={"kind": "fixed_anniversary", "percent_bp": 250},
    decision_reference="KD-2025-041")

FORM = {"title": "Occupational therapy", "service": "occupational_therapy",
        "supplier_provider_id": "", "supplier_name": "Bridgewater Community Healthcare NHS Trust",
        "annual_value": "240000.00", "start_date": ["1", "9", "2027"],
        "initial_term_months": "17", "extension_options": "12", "decision_notice_months": "6",
        "kind": "fixed_april", "percent": "2.5", "index": "", "reference_month": "", "cap": "",
        "floor": "", "review_above": "", "uplift_convention": "from_first_anniversary",
        "decision_reference": "", "retrospective_note": "", "description": "",
        "status": "draft"}


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to("2027-06-01 09:00 +01:00", tick=False)


def _record(world, user=None, **changes):
    with tenants.scoped_to(world.member):
        return services.record_contract(user or world.manager, **{**FIELDS, **changes})


def _count(authority):
    with tenants.scoped_to(authority):
        return db.session.scalar(select(func.count()).select_from(Contract))


def _reload(world, contract_id):
    with tenants.scoped_to(world.member):
        return db.session.scalars(select(Contract).where(Contract.id == contract_id)
                                  .execution_options(populate_existing=True)).one()


def test_a_recorded_contract_is_a_draft_until_activated_then_follows_the_clock(
        world, time_machine):
    """Issue 13 §1: draft → active → in extension → expired."""
    contract = _record(world, user=world.officer)
    assert contract.reference == f"CT-{world.member.ons_code}-0001"
    assert contract.state == ContractStatus.DRAFT
    assert (contract.end_date, contract.next_decision_due) == (date(2031, 8, 31),
                                                              date(2031, 3, 1))
    assert contract.uplift_kind == "fixed_anniversary" and contract.uplift_percent_bp == 250
    with tenants.scoped_to(world.member):
        services.activate_contract(world.officer, contract.id)
        with pytest.raises(Conflict, match="not a draft"):
            services.activate_contract(world.officer, contract.id)
    contract = _reload(world, contract.id)
    assert contract.status_on(date(2031, 8, 31)) == ContractStatus.ACTIVE
    time_machine.move_to("2031-02-01 09:00 +00:00", tick=False)
    with tenants.scoped_to(world.member):
        services.decide_extension(world.manager, contract.id, 1, "taken", "Performing well")
    contract = _reload(world, contract.id)
    assert contract.end_date == date(2032, 8, 31)
    assert contract.status_on(date(2031, 9, 1)) == ContractStatus.IN_EXTENSION
    assert contract.status_on(date(2032, 9, 1)) == ContractStatus.EXPIRED
    with tenants.scoped_to(world.member):
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_id == str(contract.id)).order_by(AuditEvent.id)).all()
    assert actions == ["contract.recorded", "contract.activated", "contract.extension_decided"]


def test_each_authority_has_its_own_reference_sequence(world):
    _record(world)
    second = _record(world, status="active")
    assert second.reference.endswith("-0002") and second.state == ContractStatus.ACTIVE
    with tenants.scoped_to(world.other_member):
        other = services.record_contract(world.other_manager, **FIELDS)
    assert other.reference == f"CT-{world.other_member.ons_code}-0001"


@pytest.mark.parametrize("changes, field, message", [
    ({"initial_term_months": 0}, "initial_term_months", "at least 1 month"),
    ({"initial_term_months": -6}, "initial_term_months", "at least 1 month"),
    ({"initial_term_months": 241}, "initial_term_months", "at most 240"),
    ({"annual_value_pence": -1}, "annual_value", "cannot be negative"),
    ({"supplier_name": None, "supplier_provider_id": 987654}, "supplier_provider_id",
     "no provider registered here"),
    ({"supplier_name": None}, "supplier_name", "Name the supplier"),
    ({"extension_options": [{"months": 12}, {"months": -12}]}, "extension_options.1.months",
     "at least 1 month"),
    ({"start_date": None}, "start_date", "Enter the date"),
    ({"uplift_rule": {"kind": "fixed_april", "percent_bp": 9000}}, "uplift_rule.percent",
     "between"),
    ({"decision_notice_months": 0}, "decision_notice_months", "1 to 24"),
])
def test_bad_input_names_the_field_and_saves_nothing(world, changes, field, message):
    """Issue 13, bad input: a term of zero or negative months, a negative value, an unknown
    supplier, a bad option."""
    with pytest.raises(ValidationFailed) as refused:
        _record(world, **changes)
    assert field in refused.value.errors and message in refused.value.errors[field]
    assert _count(world.member) == 0


def test_a_retrospective_contract(world):
    """Issue 13 §1: a contract recorded after its start (the last one ran out before its
    successor was ready) is recorded as retrospective, with a note; unmarked, it is refused."""
    with pytest.raises(ValidationFailed) as refused:
        _record(world, start_date=date(2025, 9, 1))
    assert "mark it retrospective" in refused.value.errors["retrospective"]
    with pytest.raises(ValidationFailed) as refused:
        _record(world, start_date=date(2025, 9, 1), retrospective=True)
    assert set(refused.value.errors) == {"retrospective_note"}
    contract = _record(world, start_date=date(2025, 9, 1), retrospective=True,
                       retrospective_note="Let after the previous contract had expired",
                       status="active")
    assert contract.retrospective and contract.end_date == date(2029, 8, 31)
    assert contract.status_on(date(2027, 6, 1)) == ContractStatus.ACTIVE
    # Changing something else later needs no second note.
    with tenants.scoped_to(world.member):
        services.update_contract(world.officer, contract.id, title="SALT")
        with pytest.raises(ValidationFailed, match="mark it retrospective"):
            services.update_contract(world.officer, contract.id, retrospective=False)
    assert _reload(world, contract.id).title == "SALT"


def test_a_contract_recorded_ahead_of_its_start_is_not_retrospective_later(
        world, as_user, time_machine):
    contract = _record(world, status="active")  # on 1 June 2027, for 1 September 2027
    time_machine.move_to("2027-10-01 09:00 +01:00", tick=False)
    data = {**FORM, "title": "SALT", "annual_value": "916502.00",
            "supplier_name": FIELDS["supplier_name"], "initial_term_months": "48",
            "extension_options": "12, 12, 12", "kind": "fixed_anniversary"}
    done = as_user(world.officer).post(f"/contracts/{contract.id}/edit", data=data,
                                       follow_redirects=True)
    assert "The contract is saved." in done.get_data(as_text=True)
    found = _reload(world, contract.id)
    assert (found.title, found.retrospective) == ("SALT", False)
    with tenants.scoped_to(world.member):
        services.update_contract(world.officer, contract.id, start_date=date(2027, 9, 15))
        with pytest.raises(ValidationFailed, match="mark it retrospective"):
            services.update_contract(world.officer, contract.id, start_date=date(2027, 5, 1))


def test_updates_keep_the_dates_and_refuse_term_changes_once_an_option_is_decided(
        world, time_machine):
    contract = _record(world, status="active")
    with tenants.scoped_to(world.member):
        services.update_contract(world.officer, contract.id, initial_term_months=36,
                                 extension_options=[{"months": 6}, {"months": 6}])
    contract = _reload(world, contract.id)
    assert [e.months for e in contract.extensions] == [6, 6]
    assert (contract.end_date, contract.next_decision_due) == (date(2030, 8, 31),
                                                              date(2030, 3, 1))
    time_machine.move_to("2030-02-01 09:00 +00:00", tick=False)
    with tenants.scoped_to(world.member):
        services.decide_extension(world.manager, contract.id, 1, "taken", "Yes")
        with pytest.raises(Conflict, match="option 1 has been decided"):
            services.update_contract(world.officer, contract.id, initial_term_months=48)
        with pytest.raises(Conflict, match="extension_options"):
            services.update_contract(world.officer, contract.id,
                                     extension_options=[{"months": 12}])
        # The same values again, and other fields, are fine.
        services.update_contract(world.officer, contract.id, initial_term_months=36,
                                 annual_value_pence=100)
    assert _reload(world, contract.id).end_date == date(2031, 2, 28)


def test_the_supplier_can_change_and_the_new_one_reads_the_contract(world):
    contract = _record(world, status="active")
    with tenants.scoped_to(world.provider):
        with pytest.raises(NotFound):
            services.get_contract(world.provider_user, contract.id)
    with tenants.scoped_to(world.member):
        services.update_contract(world.officer, contract.id, supplier_provider_id=world.provider.id)
        with pytest.raises(ValidationFailed) as refused:
            services.update_contract(world.officer, contract.id, supplier_provider_id=None)
        assert "supplier_name" in refused.value.errors
    with tenants.scoped_to(world.provider):
        seen = services.get_contract(world.provider_user, contract.id)
        assert seen.supplier_label == world.provider.name
        assert [e.supplier_provider_id for e in seen.extensions] == [world.provider.id] * 3
        with pytest.raises(PermissionDenied):
            services.update_contract(world.provider_user, contract.id, title="Ours")


def test_termination_needs_a_date_within_the_contract_and_a_reason(world):
    draft = _record(world)
    with tenants.scoped_to(world.member):
        with pytest.raises(Conflict, match="draft"):
            services.terminate_contract(world.officer, draft.id, date(2028, 1, 1), "x")
    contract = _record(world, status="active")
    with tenants.scoped_to(world.member):
        for day, field in ((date(2027, 8, 31), "terminated_on"),
                           (date(2031, 9, 1), "terminated_on"), (None, "terminated_on")):
            with pytest.raises(ValidationFailed) as refused:
                services.terminate_contract(world.officer, contract.id, day, "Moved in-house")
            assert set(refused.value.errors) == {field}
        with pytest.raises(ValidationFailed) as refused:
            services.terminate_contract(world.officer, contract.id, date(2028, 3, 31), " ")
        assert set(refused.value.errors) == {"termination_reason"}
        assert _reload(world, contract.id).state == ContractStatus.ACTIVE
        services.terminate_contract(world.officer, contract.id, date(2028, 3, 31),
                                    "Moved in-house")
    contract = _reload(world, contract.id)
    assert (contract.state, contract.end_date, contract.next_decision_due) == (
        ContractStatus.TERMINATED, date(2028, 3, 31), None)
    assert contract.status_on(date(2027, 10, 1)) == ContractStatus.TERMINATED


# ---------------------------------------------------------------- pages

def test_an_officer_records_a_contract_on_the_form(world, as_user):
    officer = as_user(world.officer)
    assert officer.get("/contracts/new").status_code == 200
    bad = officer.post("/contracts/new", data={**FORM, "initial_term_months": "0",
                                               "annual_value": "lots",
                                               "extension_options": "12, none"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "There is a problem" in body
    assert "Enter annual value in pounds" in body
    assert _count(world.member) == 0
    bad = officer.post("/contracts/new", data={**FORM, "initial_term_months": "0",
                                               "extension_options": "12, none",
                                               "supplier_name": ""})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "The initial term must be at least 1 month" in body
    assert 'href="#initial_term_months"' in body
    assert "Enter option 2&#39;s length" in body and 'href="#extension_options"' in body
    assert 'href="#supplier_name"' in body
    assert _count(world.member) == 0
    done = officer.post("/contracts/new", data=FORM, follow_redirects=True)
    body = done.get_data(as_text=True)
    assert done.status_code == 200
    assert f"Contract CT-{world.member.ons_code}-0001 is recorded." in body
    assert "31 January 2029" in body  # 17 months from 1 September 2027
    assert "2.5% each 1 April" in body
    assert "Activate the contract" in body


def test_the_retrospective_message_names_the_field_on_the_form(world, as_user):
    officer = as_user(world.officer)
    bad = officer.post("/contracts/new", data={**FORM, "start_date": ["1", "9", "2025"]})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'href="#retrospective"' in body
    done = officer.post("/contracts/new", data={
        **FORM, "start_date": ["1", "9", "2025"], "retrospective": "y",
        "retrospective_note": "The last contract ran out"}, follow_redirects=True)
    assert "Yes: The last contract ran out" in done.get_data(as_text=True)


def test_edit_activate_and_terminate_on_the_pages(world, as_user):
    contract = _record(world)
    officer = as_user(world.officer)
    page = officer.get(f"/contracts/{contract.id}/edit").get_data(as_text=True)
    assert 'value="916502.00"' in page and 'value="12, 12, 12"' in page
    data = {**FORM, "title": "SALT", "annual_value": "916502.00",
            "supplier_name": FIELDS["supplier_name"], "initial_term_months": "48",
            "extension_options": "12, 12, 12", "kind": "fixed_anniversary"}
    done = officer.post(f"/contracts/{contract.id}/edit", data=data, follow_redirects=True)
    assert "The contract is saved." in done.get_data(as_text=True)
    assert _reload(world, contract.id).title == "SALT"
    officer.post(f"/contracts/{contract.id}/activate")
    assert _reload(world, contract.id).state == ContractStatus.ACTIVE
    bad = officer.post(f"/contracts/{contract.id}/terminate",
                       data={"terminated_on": ["1", "1", "2040"], "termination_reason": ""})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "cannot be after the current end, 31 August 2031" in body
    assert "Enter why the contract is terminated early" in body
    done = officer.post(f"/contracts/{contract.id}/terminate",
                        data={"terminated_on": ["31", "3", "2029"],
                              "termination_reason": "Moved in-house"}, follow_redirects=True)
    body = done.get_data(as_text=True)
    assert "Terminated early: its last day is 31 March 2029. Moved in-house" in body
    again = officer.post(f"/contracts/{contract.id}/edit", data=data, follow_redirects=True)
    assert "it can no longer be changed" in again.get_data(as_text=True)


def test_the_register_for_the_authority_and_for_the_supplier(world, as_user):
    factories.contract(world.member, world.provider, title="Occupational therapy",
                       service=ContractService.OCCUPATIONAL_THERAPY, months=17, extensions=())
    factories.contract(world.member, supplier_name="Manchester University NHS FT")
    factories.contract(world.other_member, world.provider, title="Stockport's own")
    manager = as_user(world.manager).get("/contracts").get_data(as_text=True)
    assert "2 contracts" in manager and "Manchester University NHS FT" in manager
    assert "Stockport&#39;s own" not in manager and "Record a contract" in manager
    assert "£916,502.00" in manager and "31 January 2028" in manager
    supplier = as_user(world.provider_user).get("/contracts").get_data(as_text=True)
    assert "2 contracts" in supplier and "Stockport&#39;s own" in supplier
    assert "Manchester University NHS FT" not in supplier and "Record a contract" not in supplier
    assert 'href="/contracts"' in supplier  # in the navigation
    assert as_user(world.host_admin).get("/contracts").status_code == 403


def test_the_register_keeps_a_constant_sql_count(world, as_user, client):
    as_user(world.manager)
    decisions = iter([(), ("taken",), ("taken", "declined")] * 10)

    def make_rows(n):
        for _ in range(n):
            factories.contract(world.member, world.provider, decisions=next(decisions))

    def request():
        response = client.get("/contracts")
        assert response.status_code == 200

    assert_constant_queries(make_rows, request)


def test_the_contract_page_shows_every_field_and_the_supplier_has_no_buttons(world, as_user):
    contract = factories.contract(world.member, world.provider, decisions=("taken",),
                                  kind="fixed_anniversary", percent_bp=250)
    page = as_user(world.manager).get(f"/contracts/{contract.id}").get_data(as_text=True)
    for text in ("£916,502.00", "1 September 2026", "48 months, to 31 August 2030",
                 "31 August 2031", "2.5% on each anniversary of the start",
                 "Decide option 2", "Terminate early", "Change the contract"):
        assert text in page, text
    supplier = as_user(world.provider_user).get(f"/contracts/{contract.id}")
    body = supplier.get_data(as_text=True)
    assert supplier.status_code == 200 and "£916,502.00" in body
    assert "Decide option" not in body and "Terminate early" not in body
    assert as_user(world.provider_user).get(f"/contracts/{contract.id}/edit").status_code == 403
    assert as_user(world.other_officer).get(f"/contracts/{contract.id}").status_code == 404
