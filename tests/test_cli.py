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


def _active_users(organisation):
    from marketplace.accounts.models import UserStatus

    with tenants.scoped_to(organisation):
        return db.session.scalars(select(User).where(User.status == UserStatus.ACTIVE)).all()


def test_the_demo_lists_every_user_last_and_can_exercise_every_lot(runner):
    """Issue 10: the printed list left out two provider users, a 38-week call-off could invite
    only one provider (with no user), the 52-week lot had no eligible provider and the
    evaluator had nothing to score."""
    from marketplace.calloffs import services as calloffs
    from marketplace.calloffs.models import CallOff, CallOffStatus
    from marketplace.evaluation import services as evaluation
    from marketplace.purchasing.models import Lot

    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    listed = result.output.split("as:\n", 1)[1].splitlines()
    emails = set(db.session.scalars(select(Credential.email)))
    assert len(listed) == len(emails)
    assert {next(w for w in line.split() if "@" in w) for line in listed} == emails

    manchester = tenants.find_organisation(db.session, "manchester")
    with tenants.scoped_to(manchester):
        officer = next(u for u in _active_users(manchester)
                       if u.role == Role.PLACEMENT_OFFICER)
        lots = db.session.scalars(select(Lot).order_by(Lot.code)).all()
        call_offs = db.session.scalars(select(CallOff)).all()
        invitable = {}
        for lot in lots:
            best = []
            for call_off in (c for c in call_offs if c.lot_id == lot.id):
                people = calloffs.invitees(officer, call_off.id)
                chosen = (people.invited if call_off.status == CallOffStatus.DRAFT
                          else [c for c in people.candidates if c.excluded is None])
                providers = [c.provider for c in chosen]
                best = max(best, providers, key=len)
            invitable[lot.code] = best
    assert set(invitable) == {"DAY", "RES38", "RES52"}
    for code, providers in invitable.items():
        with_users = [p.name for p in providers if _active_users(p)]
        assert len(with_users) >= 2, (code, [p.name for p in providers])

    host = tenants.find_organisation(db.session, "cheshire-east")
    with tenants.scoped_to(host):
        evaluators = [u for u in _active_users(host) if u.role == Role.EVALUATOR]
        assert len(evaluators) >= 2
        for person in evaluators:
            waiting = [a for a in evaluation.my_assignments(person) if a.submitted_at is None]
            assert waiting, person.email
