"""The sign-in limit counts failed attempts, per account and per address, across the sign-in page
and the token endpoint together; signing in successfully never uses it up; and signing in keeps
working (with limits kept in the process) while Redis, the limiter's storage, is unreachable.

The report: 50 sign-ins an hour from one council office (one NAT address) locked everyone out,
the page and the API counted separately, and with Redis down both answered 500.
"""
import logging

import pytest

import tenants
from marketplace.accounts.models import User
from marketplace.extensions import db

from .. import factories
from ..conftest import IsolatedClient

OFFICE = "203.0.113.10"  # RFC 5737 documentation addresses
HOME = "198.51.100.20"
CAFE = "192.0.2.30"


def _page(app, email, password, address=OFFICE):
    return IsolatedClient(app).post("/sign-in", data={"email": email, "password": password},
                                    environ_base={"REMOTE_ADDR": address})


def _token(app, email, password, address=OFFICE):
    return IsolatedClient(app).post("/api/v1/auth/token", json={
        "email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def limit(app, monkeypatch):
    """``limit("3 per minute")`` sets SIGN_IN_RATE_LIMIT for the test."""
    return lambda value: monkeypatch.setitem(app.config, "SIGN_IN_RATE_LIMIT", value)


def test_an_office_signing_in_all_day_is_never_locked_out(app, world, limit):
    """60 successful sign-ins from one address within the hour, under the default limit."""
    limit("10 per minute;50 per hour")
    people = [world.officer, world.manager, world.other_officer, world.provider_user]
    for n in range(60):
        person = people[n % len(people)]
        if n % 5:
            response = _page(app, person.email, factories.PASSWORD)
            assert response.status_code == 302 and response.location == "/dashboard", n
        else:
            assert _token(app, person.email, factories.PASSWORD).status_code == 201, n
    # The budget is untouched: a mistyped password is an ordinary failure, not a 429.
    response = _page(app, world.officer.email, "mistyped password")
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_failures_lock_the_account_from_any_address_and_both_endpoints(app, world, limit):
    limit("3 per minute")
    email = world.officer.email
    # One failure from each of three addresses: no address reaches its limit.
    assert _page(app, email, "wrong password one", address=HOME).status_code == 200
    assert _token(app, email.upper(), "wrong password two", address=CAFE).status_code == 401
    assert _page(app, f"  {email.upper()} ", "wrong password three",
                 address=OFFICE).status_code == 200

    locked = _page(app, email, factories.PASSWORD, address="198.51.100.99")
    assert locked.status_code == 429
    page = locked.get_data(as_text=True)
    assert "Too many attempts" in page and "this account" in page
    api = _token(app, email, factories.PASSWORD, address=CAFE)
    assert api.status_code == 429 and api.mimetype == "application/problem+json"
    assert api.json["status"] == 429 and "this account" in api.json["detail"]
    # Other people, from any of those addresses, are not affected.
    assert _page(app, world.manager.email, factories.PASSWORD).location == "/dashboard"
    assert _token(app, world.manager.email, factories.PASSWORD, address=HOME).status_code == 201


def test_failures_over_many_accounts_from_one_address_hit_the_address_limit(app, world, limit):
    limit("3 per minute")
    for n in range(3):
        assert _page(app, f"guess{n}@example.org", "password guess").status_code == 200
    blocked = _token(app, world.manager.email, factories.PASSWORD)
    assert blocked.status_code == 429 and "network" in blocked.json["detail"]
    page = _page(app, world.officer.email, factories.PASSWORD)
    assert page.status_code == 429 and "network" in page.get_data(as_text=True)
    assert _page(app, world.officer.email, factories.PASSWORD, address=HOME).status_code == 302


def test_a_correct_password_after_failures_does_not_reset_or_spend_the_count(app, world, limit):
    limit("3 per minute")
    email = world.officer.email
    for _ in range(2):
        _page(app, email, "wrong password again")
    for _ in range(5):
        assert _page(app, email, factories.PASSWORD).status_code == 302
    assert _page(app, email, "wrong password again").status_code == 200
    assert _page(app, email, factories.PASSWORD).status_code == 429


class TestRedisUnreachable:
    @pytest.fixture
    def down(self, fresh_app, world):
        # Nothing listens on port 1: the connection is refused, as when Redis is down.
        return fresh_app(REDIS_URL="redis://127.0.0.1:1/0", SIGN_IN_RATE_LIMIT="2 per minute")

    def test_people_still_sign_in_on_the_page_and_the_api(self, down, world, caplog):
        caplog.set_level(logging.WARNING, logger="flask-limiter")
        response = _page(down, world.officer.email, factories.PASSWORD)
        assert response.status_code == 302 and response.location == "/dashboard"
        issued = _token(down, world.manager.email, factories.PASSWORD)
        assert issued.status_code == 201 and issued.json["token"].count(".") == 2
        assert "Rate limit storage unreachable" in caplog.text
        with tenants.scoped_to(world.member):
            assert db.session.get(User, world.officer.id).last_signed_in_at is not None

    def test_failures_are_still_limited_in_the_process(self, down, world):
        email = world.officer.email
        assert [_page(down, email, "wrong password").status_code for _ in range(2)] == [200, 200]
        assert _token(down, email, factories.PASSWORD).status_code == 429
