"""The host administrator manages member authorities."""
from sqlalchemy import select

import tenants
from marketplace.accounts.models import Credential, Role, User, UserStatus
from marketplace.audit import AuditEvent
from marketplace.extensions import db

from ..helpers import assert_constant_queries
from .. import factories

NEW = {"name": "Wirral", "ons_code": "E08000015", "joined_on": ["1", "4", "2026"],
       "manager_full_name": "Wren Manager", "manager_email": "wren@wirral.example.com"}


def test_the_host_admin_adds_an_authority_and_invites_its_manager(client, world, as_user):
    page = as_user(world.host_admin).post("/authorities/new", data=NEW).get_data(as_text=True)
    assert "Authority added" in page and "/invitations/" in page

    wirral = db.session.scalars(select(tenants.Authority).where(
        tenants.Authority.ons_code == "E08000015")).one()
    assert (wirral.name, wirral.slug, wirral.role, str(wirral.joined_on)) == (
        "Wirral", "wirral", tenants.AuthorityRole.MEMBER, "2026-04-01")
    with tenants.scoped_to(wirral):
        manager = db.session.scalars(select(User)).one()
        invited = db.session.scalars(select(AuditEvent.action)).all()
    assert (manager.full_name, manager.role, manager.status) == (
        "Wren Manager", Role.AUTHORITY_MANAGER, UserStatus.INVITED)
    assert invited == ["user.invited"]
    with tenants.scoped_to(world.host):
        created = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "authority.created")).one()
    assert created.object_id == str(wirral.id) and created.actor_user_id == world.host_admin.id
    assert "Wirral" in client.get("/authorities").get_data(as_text=True)


def test_bad_authority_details_are_shown_and_nothing_is_saved(client, world, as_user):
    as_user(world.host_admin)
    data = {**NEW, "ons_code": "W06000001", "joined_on": ["31", "2", "2026"],
            "manager_email": world.officer.email}
    page = client.post("/authorities/new", data=data).get_data(as_text=True)
    assert "There is a problem" in page
    assert "Date joined must be a real date" in page
    data["joined_on"] = ["1", "4", "2026"]
    page = client.post("/authorities/new", data=data).get_data(as_text=True)
    assert "Enter an ONS code for an English local authority" in page
    data["ons_code"] = "E08000015"
    page = client.post("/authorities/new", data=data).get_data(as_text=True)
    assert "A user with this email address already exists" in page
    assert db.session.scalars(select(tenants.Authority).where(
        tenants.Authority.name == "Wirral")).first() is None
    data["ons_code"] = world.member.ons_code
    page = client.post("/authorities/new", data=data).get_data(as_text=True)
    assert "An authority with this ONS code already exists" in page


def test_only_the_host_admin_manages_authorities(client, world, as_user):
    for person in (world.evaluator, world.manager, world.officer, world.provider_user):
        as_user(person)
        assert client.get("/authorities").status_code == 403
        assert client.get("/authorities/new").status_code == 403
        assert client.post("/authorities/new", data=NEW).status_code == 403
    assert db.session.scalars(select(Credential).where(
        Credential.email == NEW["manager_email"])).first() is None


def test_a_manager_sees_their_own_authority_but_not_others(client, world, as_user):
    as_user(world.manager)
    assert "Manchester" in client.get(f"/authorities/{world.member.id}").get_data(as_text=True)
    assert client.get(f"/authorities/{world.other_member.id}").status_code == 404


def test_the_host_records_that_a_member_left(client, world, as_user):
    as_user(world.host_admin)
    response = client.post(f"/authorities/{world.member.id}",
                           data={"left_on": ["31", "3", "2027"]})
    assert response.status_code == 302
    db.session.refresh(world.member)
    assert str(world.member.left_on) == "2027-03-31"
    page = client.post(f"/authorities/{world.member.id}",
                       data={"left_on": ["1", "1", "2020"]}).get_data(as_text=True)
    assert "The date left must be on or after the date joined" in page
    page = client.post(f"/authorities/{world.host.id}",
                       data={"left_on": ["1", "1", "2027"]}).get_data(as_text=True)
    assert "The host authority cannot leave its own system" in page


def test_the_authorities_list_runs_a_constant_number_of_queries(client, world, as_user):
    as_user(world.host_admin)
    made = []

    def add_authorities(n):
        made.extend(factories.authority() for _ in range(n))

    def load():
        page = client.get("/authorities").get_data(as_text=True)
        assert all(authority.name in page for authority in made)

    assert_constant_queries(add_authorities, load, sizes=(1, 10))
