"""Command-line tools."""
from sqlalchemy import func, select

import tenants
from marketplace import demo
from marketplace.accounts.models import Credential, Role, User
from marketplace.extensions import db
from marketplace.providers import Provider


def test_demo_seed_builds_the_north_west_region_once(runner):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    for _, email, _, _ in demo.USERS:
        assert email in result.output
    authorities = db.session.scalars(select(tenants.Authority)).all()
    assert len(authorities) == len(tenants.reference_authorities()) == 24
    [host] = [a for a in authorities if a.is_host]
    assert (host.name, host.ons_code) == ("Cheshire East", "E06000049")
    assert db.session.scalar(select(func.count(Provider.id))) == len(demo.PROVIDERS)
    roles = set()
    for _, email, _, _ in demo.USERS:
        credential = db.session.scalars(select(Credential).where(Credential.email == email)).one()
        with tenants.scoped_to(db.session.get(tenants.Organisation, credential.organisation_id)):
            roles.add(db.session.get(User, credential.user_id).role)
    assert roles == set(Role)

    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0 and "already there" in again.output
    assert db.session.scalar(select(func.count(tenants.Authority.id))) == 24


def test_users_create_makes_an_active_user_who_can_sign_in(runner, client, world):
    result = runner.invoke(args=[
        "users", "create", "--email", "New.Admin@Example.org", "--role", "host_admin",
        "--organisation", world.host.slug, "--password", "a good long password"])
    assert result.exit_code == 0, result.output
    response = client.post("/sign-in", data={"email": "new.admin@example.org",
                                              "password": "a good long password"})
    assert response.location == "/dashboard"


def test_users_create_explains_what_is_wrong(runner, world):
    result = runner.invoke(args=[
        "users", "create", "--email", "x@example.org", "--role", "host_admin",
        "--organisation", world.member.slug, "--password", "a good long password"])
    assert result.exit_code != 0
    assert "Choose a role that people in this organisation can hold" in result.output
    result = runner.invoke(args=[
        "users", "create", "--email", "x@example.org", "--role", "host_admin",
        "--organisation", "atlantis", "--password", "a good long password"])
    assert result.exit_code != 0 and "no organisation called 'atlantis'" in result.output
