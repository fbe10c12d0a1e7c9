"""Users of an organisation: listing, inviting, accepting, deactivating."""
import re

from sqlalchemy import select

import tenants
from marketplace.accounts.models import Credential, Role, User, UserStatus
from marketplace.audit import AuditEvent
from marketplace.extensions import db

from .. import factories
from ..helpers import assert_constant_queries


def _fresh(organisation, user_id):
    with tenants.scoped_to(organisation):
        return db.session.scalars(select(User).where(User.id == user_id)
                                  .execution_options(populate_existing=True)).one()


def _invite(client, **data):
    form = {"full_name": "Nia Officer", "email": "nia@manchester.example.com",
            "role": "placement_officer", **data}
    return client.post("/users/invite", data=form)


def test_the_users_page_lists_only_my_organisations_people(client, world, as_user):
    page = as_user(world.officer).get("/users").get_data(as_text=True)
    assert world.manager.full_name in page and world.officer.full_name in page
    assert world.other_officer.full_name not in page
    assert world.provider_user.full_name not in page
    assert "Invite a user" not in page  # officers do not manage users


def test_the_users_page_runs_a_constant_number_of_queries(client, world, as_user):
    as_user(world.manager)

    def add_users(n):
        for _ in range(n):
            factories.user(world.member)

    def load():
        response = client.get("/users")
        assert response.status_code == 200

    assert_constant_queries(add_users, load, sizes=(1, 8))


def test_a_manager_invites_a_person_who_sets_a_password_and_signs_in(client, world, as_user,
                                                                    app):
    page = _invite(as_user(world.manager)).get_data(as_text=True)
    assert "Invitation ready" in page
    link = page.split("http://localhost")[1].split("<")[0].strip()
    assert link.startswith("/invitations/")
    client.post("/sign-out")

    invitation = client.get(link).get_data(as_text=True)
    assert "Set up your account" in invitation and "nia@manchester.example.com" in invitation
    response = client.post(link, data={"password": "a long enough secret",
                                       "confirm_password": "a long enough secret"})
    assert response.location == "/dashboard"
    assert "Placement officer" in client.get("/dashboard").get_data(as_text=True)

    with tenants.scoped_to(world.member):
        nia = db.session.scalars(select(User).where(User.full_name == "Nia Officer")).one()
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_id == str(nia.id))).all()
    assert nia.status == UserStatus.ACTIVE and nia.role == Role.PLACEMENT_OFFICER
    assert actions == ["user.invited", "user.invitation_accepted"]
    # The link works once.
    assert client.get(link).status_code == 404


def test_an_invitation_expires_after_seven_days(client, world, as_user, time_machine):
    time_machine.move_to("2026-11-24 09:00 +00:00")
    page = _invite(as_user(world.manager)).get_data(as_text=True)
    link = page.split("http://localhost")[1].split("<")[0].strip()
    client.post("/sign-out")
    time_machine.move_to("2026-12-01 08:59 +00:00")
    assert client.get(link).status_code == 200
    time_machine.move_to("2026-12-01 09:01 +00:00")
    assert client.get(link).status_code == 404


def test_invitation_errors_are_shown_in_the_error_summary(client, world, as_user):
    as_user(world.manager)
    page = _invite(client, email=world.other_officer.email, full_name="").get_data(as_text=True)
    assert "There is a problem" in page and "Enter the person&#39;s full name" in page
    page = _invite(client, email=world.other_officer.email).get_data(as_text=True)
    assert "A user with this email address already exists" in page
    page = _invite(client, role="host_admin").get_data(as_text=True)
    assert "Not a valid choice" in page
    page = _invite(client, email="not-an-email").get_data(as_text=True)
    assert "Enter an email address in the correct format" in page
    assert db.session.scalars(select(Credential).where(
        Credential.email == "nia@manchester.example.com")).first() is None


def test_only_managers_invite(client, world, as_user):
    as_user(world.officer)
    assert client.get("/users/invite").status_code == 403
    assert _invite(client).status_code == 403


def test_the_host_invites_evaluators(client, world, as_user):
    page = _invite(as_user(world.host_admin), role="evaluator",
                   email="eve@cheshire-east.example.com").get_data(as_text=True)
    assert "Invitation ready" in page and "Evaluator" in page


def test_a_manager_deactivates_and_reactivates_a_user(client, world, as_user):
    as_user(world.manager)
    client.post(f"/users/{world.officer.id}/deactivate")
    assert _fresh(world.member, world.officer.id).status == UserStatus.DEACTIVATED
    assert "Deactivated" in client.get(f"/users/{world.officer.id}").get_data(as_text=True)
    client.post(f"/users/{world.officer.id}/reactivate")
    assert _fresh(world.member, world.officer.id).status == UserStatus.ACTIVE


def test_a_deactivated_users_session_ends(app, world, as_user):
    from ..conftest import IsolatedClient
    from ..helpers import sign_in

    officer = sign_in(IsolatedClient(app), world.officer)
    assert officer.get("/dashboard").status_code == 200
    as_user(world.manager).post(f"/users/{world.officer.id}/deactivate")
    assert officer.get("/dashboard").status_code == 302


def test_managers_cannot_deactivate_themselves(client, world, as_user):
    as_user(world.manager)
    response = client.post(f"/users/{world.manager.id}/deactivate", follow_redirects=True)
    assert "You cannot change the status of your own account" in response.get_data(as_text=True)
    assert _fresh(world.member, world.manager.id).status == UserStatus.ACTIVE


def test_the_invitation_form_preselects_no_role(client, world, as_user):
    """Issue 10: the form preselected Host administrator, the most powerful role. No role is
    chosen until the inviter chooses one (GOV.UK Design System: radios start unselected)."""
    page = as_user(world.host_admin).get("/users/invite").get_data(as_text=True)
    # A <select> always submits an option (the first, when none is marked): radios do not.
    assert '<select' not in page
    radios = re.findall(r'<input[^>]*name="role"[^>]*>', page)
    assert {"host_admin", "evaluator"} <= {re.search(r'value="([^"]+)"', r)[1] for r in radios}
    assert not [r for r in radios if "checked" in r]


def test_an_invitation_without_a_role_is_refused_in_the_error_summary(client, world, as_user):
    as_user(world.host_admin)
    form = {"full_name": "Nia Officer", "email": "nia@cheshire-east.example.com"}
    response = client.post("/users/invite", data=form)
    page = response.get_data(as_text=True)
    summary = page.split('class="govuk-error-summary"')[1].split("</div>\n</div>")[0]
    assert '<a href="#role">Choose a role</a>' in " ".join(summary.split())
    assert "Not a valid choice" not in page
    assert db.session.scalars(select(Credential).where(
        Credential.email == "nia@cheshire-east.example.com")).first() is None
