"""The contract register's API (issue 13, API): GET|POST /api/v1/contracts, GET|PATCH
/api/v1/contracts/{id} and POST .../extensions/{n}/decision, with the field names the
acceptance tests use; bad input is a 422 naming each field with nothing saved; another
authority's contract is a 404; the supplier reads it and changes nothing (403)."""
import pytest
from sqlalchemy import func, select

import tenants
from marketplace.audit import AuditEvent
from marketplace.contracts.models import Contract, ContractExtension
from marketplace.extensions import db

from ..helpers import bearer_token

BODY = {
    "title": "Speech and language therapy in special schools",
    "service": "speech_and_language",
    "supplier_name": "Manchester University NHS Foundation Trust",
    "annual_value": "916502.00",
    "start_date": "2027-09-01",
    "initial_term_months": 48,
    "extension_options": [{"months": 12}, {"months": 12}, {"months": 12}],
    "uplift_rule": {"kind": "fixed_anniversary", "percent": "2.5"},
    "decision_reference": "KD-2025-041",
}


def _api(client, user):
    headers = {"Authorization": f"Bearer {bearer_token(user).token}"}

    def call(method, url, body=None):
        return client.open(url, method=method, headers=headers, json=body)
    return call


def _count(authority, model=Contract):
    with tenants.scoped_to(authority):
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to("2027-06-01 09:00 +01:00", tick=False)


def test_a_manager_records_a_contract_and_reads_it_back_in_the_issues_shape(client, world):
    api = _api(client, world.manager)
    response = api("POST", "/api/v1/contracts", {**BODY, "status": "active"})
    assert response.status_code == 201, response.json
    body = response.json
    assert isinstance(body["id"], str)
    assert body["reference"] == f"CT-{world.member.ons_code}-0001"
    assert {k: body[k] for k in ("title", "service", "supplier_name", "annual_value",
                                 "start_date", "initial_term_months", "decision_reference",
                                 "retrospective", "status", "end_date")} == {
        "title": BODY["title"], "service": "speech_and_language",
        "supplier_name": BODY["supplier_name"], "annual_value": "916502.00",
        "start_date": "2027-09-01", "initial_term_months": 48,
        "decision_reference": "KD-2025-041", "retrospective": False, "status": "active",
        "end_date": "2031-08-31"}
    assert body["supplier"] == BODY["supplier_name"]
    assert body["supplier_provider_id"] is None
    assert body["uplift_rule"]["kind"] == "fixed_anniversary"
    assert body["uplift_rule"]["percent"] == "2.5"
    assert body["uplift_convention"] == "from_first_anniversary"
    assert body["next_decision_due"] == "2031-03-01"
    assert body["max_end"] == "2034-08-31"
    assert [(o["number"], o["months"], o["decision"], o["decision_due"])
            for o in body["extension_options"]] == [
        (1, 12, None, "2031-03-01"), (2, 12, None, "2032-03-01"), (3, 12, None, "2033-03-01")]
    again = api("GET", f"/api/v1/contracts/{body['id']}")
    assert again.status_code == 200 and again.json == body
    listed = api("GET", "/api/v1/contracts")
    assert [c["id"] for c in listed.json] == [body["id"]]
    assert '"total": 1' in listed.headers["X-Pagination"]
    second = api("POST", "/api/v1/contracts", BODY)
    assert second.json["reference"] == f"CT-{world.member.ons_code}-0002"
    assert second.json["status"] == "draft"  # the default


def test_a_registered_supplier_is_named_by_its_id(client, world):
    response = _api(client, world.officer)("POST", "/api/v1/contracts", {
        **{k: v for k, v in BODY.items() if k != "supplier_name"},
        "supplier_provider_id": world.provider.id, "service": "occupational_therapy",
        "initial_term_months": 17, "extension_options": []})
    assert response.status_code == 201, response.json
    assert response.json["supplier_provider_id"] == str(world.provider.id)
    assert response.json["supplier"] == world.provider.name
    assert response.json["end_date"] == "2029-01-31"  # 17 months from 1 September 2027
    assert response.json["next_decision_due"] is None


@pytest.mark.parametrize("changes, field", [
    ({"initial_term_months": 0}, "initial_term_months"),
    ({"initial_term_months": -12}, "initial_term_months"),
    ({"annual_value": "-5.00"}, "annual_value"),
    ({"supplier_name": None, "supplier_provider_id": 999999}, "supplier_provider_id"),
    ({"supplier_name": None}, "supplier_name"),
    ({"title": ""}, "title"),
    ({"service": "plumbing"}, "service"),
    ({"start_date": None}, "start_date"),
    ({"extension_options": [{"months": 12}, {"months": 0}]}, "extension_options.1.months"),
    ({"uplift_rule": {"kind": "fixed_anniversary"}}, "uplift_rule.percent"),
    ({"uplift_convention": "sometimes"}, "uplift_convention"),
    ({"status": "terminated"}, "status"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(client, world, changes,
                                                                   field):
    """Issue 13, bad input: a term of zero or negative months, a negative value, an unknown
    supplier... each named; nothing saved."""
    response = _api(client, world.manager)("POST", "/api/v1/contracts", {**BODY, **changes})
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert field in [e["field"] for e in response.json["errors"]], response.json
    assert _count(world.member) == 0
    assert _count(world.member, ContractExtension) == 0


def test_a_start_before_today_must_be_marked_retrospective_with_a_note(client, world):
    """Issue 13 §1: a contract recorded after its start is retrospective, with a note."""
    api = _api(client, world.manager)
    late = {**BODY, "start_date": "2025-09-01"}
    refused = api("POST", "/api/v1/contracts", late)
    assert refused.status_code == 422
    errors = {e["field"]: e["message"] for e in refused.json["errors"]}
    assert "mark it retrospective" in errors["retrospective"]
    no_note = api("POST", "/api/v1/contracts", {**late, "retrospective": True})
    assert [e["field"] for e in no_note.json["errors"]] == ["retrospective_note"]
    assert _count(world.member) == 0
    made = api("POST", "/api/v1/contracts", {
        **late, "retrospective": True, "status": "active",
        "retrospective_note": "The previous contract ran out before this one was let."})
    assert made.status_code == 201, made.json
    assert made.json["retrospective"] is True
    assert made.json["retrospective_note"].startswith("The previous contract")
    assert made.json["status"] == "active"


def test_patch_changes_only_the_fields_given_and_keeps_the_dates(client, world):
    api = _api(client, world.manager)
    made = api("POST", "/api/v1/contracts", BODY).json
    url = f"/api/v1/contracts/{made['id']}"
    changed = api("PATCH", url, {"annual_value": "950000.00", "initial_term_months": 36,
                                 "extension_options": [{"months": 24}]})
    assert changed.status_code == 200, changed.json
    body = changed.json
    assert body["annual_value"] == "950000.00"
    assert body["title"] == BODY["title"]
    assert body["end_date"] == "2030-08-31"
    assert [(o["number"], o["months"]) for o in body["extension_options"]] == [(1, 24)]
    assert _count(world.member, ContractExtension) == 1
    assert body["next_decision_due"] == "2030-03-01"
    bad = api("PATCH", url, {"initial_term_months": 0, "annual_value": "lots"})
    assert bad.status_code == 422
    assert api("GET", url).json == body
    activated = api("PATCH", url, {"status": "active"})
    assert activated.json["status"] == "active"
    with tenants.scoped_to(world.member):
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "Contract").order_by(AuditEvent.id)).all()
    assert actions == ["contract.recorded", "contract.updated", "contract.activated"]


def test_patch_terminates_early_with_a_date_and_reason(client, world):
    api = _api(client, world.manager)
    made = api("POST", "/api/v1/contracts", {**BODY, "status": "active"}).json
    url = f"/api/v1/contracts/{made['id']}"
    missing = api("PATCH", url, {"status": "terminated", "terminated_on": "2027-08-31"})
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json["errors"]} == {"terminated_on",
                                                            "termination_reason"}
    too_late = api("PATCH", url, {"status": "terminated", "terminated_on": "2031-09-01",
                                  "termination_reason": "Service moved in-house"})
    assert [e["field"] for e in too_late.json["errors"]] == ["terminated_on"]
    done = api("PATCH", url, {"status": "terminated", "terminated_on": "2029-03-31",
                              "termination_reason": "Service moved in-house"})
    assert done.status_code == 200, done.json
    assert (done.json["status"], done.json["end_date"], done.json["next_decision_due"]) == (
        "terminated", "2029-03-31", None)
    again = api("PATCH", url, {"title": "New title"})
    assert again.status_code == 409
    assert "terminated" in again.json["detail"]


def test_extension_decisions_through_the_api(client, world, time_machine):
    api = _api(client, world.manager)
    made = api("POST", "/api/v1/contracts", {**BODY, "status": "active"}).json
    url = f"/api/v1/contracts/{made['id']}/extensions"
    out_of_order = api("POST", f"{url}/2/decision", {"decision": "taken", "reason": "Good"})
    assert out_of_order.status_code == 409
    assert "option 1 is the next" in out_of_order.json["detail"]
    no_reason = api("POST", f"{url}/1/decision", {"decision": "taken"})
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json["errors"]] == ["reason"]
    taken = api("POST", f"{url}/1/decision", {"decision": "taken",
                                              "reason": "KPIs met; cabinet agreed"})
    assert taken.status_code == 200, taken.json
    first = taken.json["extension_options"][0]
    assert (first["decision"], first["reason"], first["decided_by"]["name"],
            first["decided_late"]) == ("taken", "KPIs met; cabinet agreed",
                                       world.manager.full_name, False)
    assert taken.json["end_date"] == "2032-08-31"
    assert taken.json["next_decision_due"] == "2032-03-01"
    twice = api("POST", f"{url}/1/decision", {"decision": "declined", "reason": "Oops"})
    assert twice.status_code == 409
    officer = _api(client, world.officer)("POST", f"{url}/2/decision",
                                          {"decision": "taken", "reason": "Good"})
    assert officer.status_code == 403
    declined = api("POST", f"{url}/2/decision", {"decision": "declined",
                                                 "reason": "Re-procuring instead"})
    assert declined.json["end_date"] == "2032-08-31"
    assert declined.json["next_decision_due"] is None
    assert declined.json["extension_options"][2]["lapsed"] is True
    lapsed = api("POST", f"{url}/3/decision", {"decision": "taken", "reason": "Changed mind"})
    assert lapsed.status_code == 409
    assert api("POST", f"{url}/9/decision", {"decision": "taken",
                                             "reason": "x"}).status_code == 404


def test_the_supplier_reads_its_contract_and_changes_nothing(client, world):
    made = _api(client, world.manager)("POST", "/api/v1/contracts", {
        **{k: v for k, v in BODY.items() if k != "supplier_name"},
        "supplier_provider_id": world.provider.id, "status": "active"}).json
    supplier = _api(client, world.provider_user)
    url = f"/api/v1/contracts/{made['id']}"
    assert supplier("GET", url).status_code == 200
    assert [c["id"] for c in supplier("GET", "/api/v1/contracts").json] == [made["id"]]
    assert supplier("PATCH", url, {"title": "Ours now"}).status_code == 403
    assert supplier("POST", f"{url}/extensions/1/decision",
                    {"decision": "taken", "reason": "We like it"}).status_code == 403
    assert supplier("POST", "/api/v1/contracts", BODY).status_code == 403
    other = _api(client, world.other_provider_user)
    assert other("GET", url).status_code == 404
    assert other("GET", "/api/v1/contracts").json == []
    for user in (world.other_manager, world.other_officer):
        assert _api(client, user)("GET", url).status_code == 404
        assert _api(client, user)("PATCH", url, {"title": "x"}).status_code == 404
    with tenants.scoped_to(world.member):
        assert db.session.get(Contract, int(made["id"])).title == BODY["title"]
