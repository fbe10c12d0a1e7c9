"""The host administrator sets up the purchasing system and its lots; everyone may read them."""
from sqlalchemy import func, select

import tenants
from marketplace import demo
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.purchasing import Lot, PurchasingSystem, Regime, StandstillRule

from ..helpers import assert_constant_queries, bearer_token
from . import factories

SYSTEM = {
    "name": "North West SEND FPS", "reference": "nw-fps-2025", "regime": "pcr2015_fps",
    "term_start": ["1", "4", "2025"], "term_end": ["31", "3", "2031"],
    "admission_standstill": "calendar_days_10", "call_off_standstill": "none",
    "chargeable_school_days": "190", "call_off_min_response_days": "5",
    "call_off_questions_close_days": "2",
}


def _systems():
    return db.session.scalars(select(PurchasingSystem).execution_options(
        populate_existing=True)).all()


def test_the_host_admin_sets_up_the_system_in_the_browser(client, world, as_user):
    """The set-up is saved with every setting, audited, and shown to everyone."""
    page = as_user(world.host_admin).post("/system/new", data=SYSTEM, follow_redirects=True)
    assert "The purchasing system is set up" in page.get_data(as_text=True)
    with tenants.scoped_to(world.host):
        (system,) = _systems()
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "system.created")).one()
    assert (system.reference, system.regime, str(system.term_end), system.admission_standstill,
            system.call_off_standstill, system.chargeable_school_days) == (
        "NW-FPS-2025", Regime.PCR2015_FPS, "2031-03-31", StandstillRule.CALENDAR_DAYS_10,
        StandstillRule.NONE, 190)
    assert system.organisation_id == world.host.id
    assert event.after["reference"] == "NW-FPS-2025" and event.actor_user_id == world.host_admin.id

    page = as_user(world.provider_user).get("/system").get_data(as_text=True)
    assert "North West SEND FPS" in page and "10 calendar days" in page
    assert "At least 5 working days, unless urgent" in page
    assert "2 working days before the deadline" in page
    assert "Change the system" not in page


def test_bad_settings_are_explained_and_nothing_is_saved(client, world, as_user):
    as_user(world.host_admin)
    bad = {**SYSTEM, "regime": "pa2023_open_framework", "term_end": ["1", "4", "2034"],
           "chargeable_school_days": "400"}
    page = client.post("/system/new", data=bad).get_data(as_text=True)
    assert "There is a problem" in page and "<title>Error:" in page
    assert "Chargeable school days must be a whole number from 150 to 200" in page
    bad["chargeable_school_days"] = "190"
    page = client.post("/system/new", data=bad).get_data(as_text=True)
    assert "An open framework may last at most 8 years" in page
    page = client.post("/system/new", data={**SYSTEM, "term_end": ["1", "1", "2025"]})
    assert "The term must end after it starts" in page.get_data(as_text=True)
    with tenants.scoped_to(world.host):
        assert _systems() == []


def test_only_the_host_admin_changes_the_system(client, world, as_user):
    factories.system(world.host)
    for person in (world.evaluator, world.manager, world.provider_user):
        as_user(person)
        assert client.get("/system/new").status_code == 403
        assert client.get("/system/edit").status_code == 403
        assert client.post("/system/edit", data=SYSTEM).status_code == 403
        assert client.get("/system/lots/new").status_code == 403
    with tenants.scoped_to(world.host):
        assert _systems()[0].reference == "NW-FPS"


def test_there_is_one_system(client, world):
    """A second set-up is refused; the first is changed instead, and the change is audited."""
    factories.system(world.host)
    headers = {"Authorization": f"Bearer {bearer_token(world.host_admin).token}"}
    body = {"name": "Another", "reference": "X", "regime": "qpl",
            "term_start": "2026-01-01", "term_end": "2027-01-01"}
    response = client.post("/api/v1/system", json=body, headers=headers)
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert "already set up" in response.json["detail"]

    response = client.patch("/api/v1/system", json={"chargeable_school_days": 195},
                            headers=headers)
    assert response.status_code == 200 and response.json["chargeable_school_days"] == 195
    with tenants.scoped_to(world.host):
        (system,) = _systems()
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "system.changed")).one()
    assert system.chargeable_school_days == 195
    assert (event.before, event.after) == ({"chargeable_school_days": 190},
                                           {"chargeable_school_days": 195})


def test_the_api_names_bad_fields(client, world):
    headers = {"Authorization": f"Bearer {bearer_token(world.host_admin).token}"}
    response = client.post("/api/v1/system", headers=headers, json={
        "name": "NW", "reference": "NW", "regime": "spot", "term_start": "2025-04-01",
        "term_end": "2024-04-01"})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert {e["field"] for e in response.json["errors"]} == {"regime"}
    response = client.post("/api/v1/system", headers=headers, json={
        "name": "NW", "reference": "NW", "regime": "qpl", "term_start": "2025-04-01",
        "term_end": "2024-04-01"})
    assert response.status_code == 422
    assert [(e["field"], e["message"]) for e in response.json["errors"]] == [
        ("term_end", "The term must end after it starts")]


def test_lots_have_placement_types_the_regime_allows(client, world, as_user):
    factories.system(world.host)
    as_user(world.host_admin)
    lot = {"code": "res52", "title": "52-week residential",
           "placement_types": ["residential_52", "therapy_hours"], "need_codes": ["ASD", "SEMH"]}
    page = client.post("/system/lots/new", data=lot).get_data(as_text=True)
    assert "Hourly placement types are only for a qualified provider list" in page
    page = client.post("/system/lots/new", data={**lot, "placement_types": ["residential_52"]},
                       follow_redirects=True).get_data(as_text=True)
    assert "Lot added" in page and "RES52" in page
    page = client.post("/system/lots/new", data={**lot, "placement_types": ["residential_52"]})
    assert "Another lot already has this code" in page.get_data(as_text=True)
    with tenants.scoped_to(world.host):
        (made,) = db.session.scalars(select(Lot)).all()
    assert (made.code, made.placement_types, made.need_codes) == (
        "RES52", ["residential_52"], ["SEMH", "ASD"])  # in the DfE's order


def test_a_qualified_provider_list_may_have_hourly_lots(client, world):
    factories.system(world.host, regime=Regime.QPL)
    headers = {"Authorization": f"Bearer {bearer_token(world.host_admin).token}"}
    response = client.post("/api/v1/system/lots", headers=headers, json={
        "code": "SALT", "title": "Speech and language therapy",
        "placement_types": ["therapy_hours"], "need_codes": ["SLCN"]})
    assert response.status_code == 201, response.json
    assert response.json["placement_types"] == ["therapy_hours"]
    lot_id = response.json["id"]
    response = client.patch(f"/api/v1/system/lots/{lot_id}", headers=headers,
                            json={"need_codes": ["NOPE"]})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "need_codes.0"


def test_everyone_reads_the_system_and_its_lots_through_the_api(client, world):
    factories.lot(world.host, "DAY")
    factories.lot(world.host, "RES38")
    headers = {"Authorization": f"Bearer {bearer_token(world.other_provider_user).token}"}
    body = client.get("/api/v1/system", headers=headers).json
    assert body["reference"] == "NW-FPS" and [lot["code"] for lot in body["lots"]] == [
        "DAY", "RES38"]
    response = client.get("/api/v1/system/lots?page_size=1", headers=headers)
    assert [lot["code"] for lot in response.json] == ["DAY"]
    assert '"total": 2' in response.headers["X-Pagination"]
    response = client.post("/api/v1/system/lots", headers=headers, json={
        "code": "X", "title": "X", "placement_types": ["day"], "need_codes": ["ASD"]})
    assert response.status_code == 403


def test_before_set_up_the_page_says_so(client, world, as_user):
    page = as_user(world.officer).get("/system").get_data(as_text=True)
    assert "has not set up the region's purchasing system yet" in page
    assert as_user(world.officer).get("/api/v1/system").status_code == 404


def test_the_system_page_runs_a_constant_number_of_queries(client, world, as_user):
    factories.system(world.host)
    as_user(world.officer)

    def request():
        assert client.get("/system").status_code == 200

    assert_constant_queries(lambda n: [factories.lot(world.host) for _ in range(n)], request)


def test_the_demo_region_has_the_north_west_system_with_three_lots():
    demo.seed()
    host = db.session.scalars(select(tenants.Authority).where(
        tenants.Authority.role == tenants.AuthorityRole.HOST)).one()
    with tenants.scoped_to(host):
        (system,) = _systems()
        codes = db.session.scalars(select(Lot.code).order_by(Lot.code)).all()
        types = db.session.scalars(select(Lot.placement_types).order_by(Lot.code)).all()
    assert system.regime == Regime.PCR2015_FPS and codes == ["DAY", "RES38", "RES52"]
    assert types == [["day"], ["residential_38"], ["residential_52"]]
    assert db.session.scalar(select(func.count(PurchasingSystem.id))) == 0  # no scope: none
