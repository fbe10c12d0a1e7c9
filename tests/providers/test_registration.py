"""A provider organisation registers itself and its first user, who verifies their email and
sets a password in one step, then manages the organisation's users like any manager."""
from sqlalchemy import select

import tenants
from marketplace.accounts.models import Role, User, UserStatus
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.notifications import OutboxMessage
from marketplace.providers import Provider

from ..notifications.helpers import run_queued_jobs

FORM = {
    "name": "Oakfield Specialist School Ltd", "companies_house_number": "12 345 678",
    "charity_number": "", "dfe_urn": "149777", "ofsted_urn": "2659999",
    "address_line_1": "Oakfield House", "address_line_2": "", "town": "Crewe",
    "postcode": "cw1 2ab", "full_name": "Olu Ade", "email": "Olu@Oakfield.example.org",
}


def _provider(name):
    return db.session.scalars(select(Provider).where(Provider.name == name)
                              .execution_options(populate_existing=True)).one_or_none()


def test_registering_creates_the_provider_an_invited_user_and_a_verification_email(
        client, world, app, sent):
    page = client.post("/register", data=FORM).get_data(as_text=True)
    assert "Check your email" in page and "olu@oakfield.example.org" in page.lower()
    assert "/invitations/" not in page  # the link goes only to the mailbox
    run_queued_jobs(app)

    provider = _provider("Oakfield Specialist School Ltd")
    assert (provider.companies_house_number, provider.dfe_urn, provider.postcode,
            provider.in_good_standing(provider.created_at.date())) == (
        "12345678", "149777", "CW1 2AB", False)
    with tenants.scoped_to(provider):
        (user,) = db.session.scalars(select(User)).all()
        events = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        (message,) = db.session.scalars(select(OutboxMessage)).all()
    assert (user.full_name, user.email, user.role, user.status) == (
        "Olu Ade", "olu@oakfield.example.org", Role.PROVIDER_USER, UserStatus.INVITED)
    assert events == ["provider.registered", "user.invited"]
    assert message.template == "invitation"

    (email,) = [e for e in sent if e["To"] == "olu@oakfield.example.org"]
    body = email.get_body(("plain",)).get_content()
    link = body.split("http://127.0.0.1:5000", 1)[1].split()[0]
    assert link.startswith("/invitations/")
    # Following the link verifies the address and sets the password in one step.
    assert "Set up your account" in client.get(link).get_data(as_text=True)
    response = client.post(link, data={"password": "oak trees grow slowly",
                                       "confirm_password": "oak trees grow slowly"})
    assert response.location == "/dashboard"
    with tenants.scoped_to(provider):
        assert db.session.scalars(select(User.status).where(User.id == user.id)).one() == \
            UserStatus.ACTIVE
    assert "Oakfield Specialist School Ltd" in client.get(
        f"/providers/{provider.id}").get_data(as_text=True)


def test_the_host_is_told_of_a_registration(client, world):
    client.post("/register", data=FORM)
    with tenants.scoped_to(world.host):
        templates = db.session.scalars(select(OutboxMessage.recipient).where(
            OutboxMessage.template == "provider_registered")).all()
    assert sorted(templates) == sorted([world.host_admin.email, world.evaluator.email])


def test_duplicates_are_named_on_their_fields(client, world):
    client.post("/register", data=FORM)
    page = client.post("/register", data={**FORM, "name": "Copy Ltd"}).get_data(as_text=True)
    assert "<title>Error:" in page and "There is a problem" in page
    assert "An organisation with this Companies House number is already registered" in page
    assert "An organisation with this DfE URN is already registered" in page

    page = client.post("/register", data={**FORM, "name": "Copy Ltd",
                                          "companies_house_number": "87654321",
                                          "dfe_urn": "149778"}).get_data(as_text=True)
    assert "A user with this email address already exists" in page
    assert _provider("Copy Ltd") is None


def test_bad_details_are_explained(client, world):
    page = client.post("/register", data={**FORM, "companies_house_number": "",
                                          "postcode": "nowhere", "dfe_urn": "12"})
    text = page.get_data(as_text=True)
    assert "Enter a Companies House number or a charity number" in text
    assert "Enter a real postcode, like SK10 1AB" in text
    assert "Enter the DfE unique reference number (URN) of 6 digits" in text
    assert _provider(FORM["name"]) is None


def test_a_newly_registered_provider_manages_its_own_users(client, world, as_user):
    """The first user invites a colleague through the ordinary Users pages."""
    client.post("/register", data=FORM)
    provider = _provider(FORM["name"])
    with tenants.scoped_to(provider):
        first = db.session.scalars(select(User)).one()
        first.status = UserStatus.ACTIVE
        db.session.commit()
    as_user(first)
    page = client.post("/users/invite", data={"full_name": "Colleague Two",
                                              "email": "two@oakfield.example.org",
                                              "role": "provider_user"}).get_data(as_text=True)
    assert "Colleague Two" in page
    users = client.get("/users").get_data(as_text=True)
    assert "Colleague Two" in users and "Olu Ade" in users


def test_registration_through_the_api(client, world):
    body = {k: v for k, v in FORM.items() if v}
    response = client.post("/api/v1/providers/registrations", json=body)
    assert response.status_code == 201, response.json
    assert response.json["provider"]["name"] == FORM["name"]
    assert response.json["provider"]["in_good_standing"] is False

    again = client.post("/api/v1/providers/registrations", json={**body, "name": "Other"})
    assert again.status_code == 422 and again.mimetype == "application/problem+json"
    fields = {e["field"] for e in again.json["errors"]}
    assert fields == {"companies_house_number", "dfe_urn"}
    missing = client.post("/api/v1/providers/registrations", json={"name": "X"})
    assert missing.status_code == 422
    assert {"full_name", "email", "town"} <= {e["field"] for e in missing.json["errors"]}


def test_registration_is_rate_limited(client, world, app):
    app.config["SIGN_IN_RATE_LIMIT"] = "2 per minute"
    try:
        codes = [client.post("/register", data={}).status_code for _ in range(3)]
    finally:
        app.config["SIGN_IN_RATE_LIMIT"] = "1000 per minute"
    assert codes == [200, 200, 429]
