"""Signing in and out, rate limits, CSRF and passwords."""
import pytest
from sqlalchemy import select

import tenants
from marketplace.audit import AuditEvent
from marketplace.extensions import db

from .. import factories
from ..conftest import IsolatedClient


def _sign_in(client, email, password):
    return client.post("/sign-in", data={"email": email, "password": password})


def _events(organisation, action):
    with tenants.scoped_to(organisation):
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_a_person_signs_in_and_lands_on_their_dashboard(client, world):
    response = _sign_in(client, world.officer.email.upper(), factories.PASSWORD)
    assert response.status_code == 302 and response.location == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Placement officer" in page and "Manchester" in page
    [event] = _events(world.member, "user.signed_in")
    assert event.actor_user_id == world.officer.id and event.object_id == str(world.officer.id)


@pytest.mark.parametrize("email, password", [
    ("officer", "wrong password entirely"),
    ("nobody@example.org", factories.PASSWORD),
])
def test_a_failed_sign_in_says_nothing_about_which_part_was_wrong(client, world, email,
                                                                   password):
    email = world.officer.email if email == "officer" else email
    response = _sign_in(client, email, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "Enter a correct email address and password" in page
    assert "Error: Sign in" in page
    assert client.get("/dashboard").status_code == 302


def test_failed_sign_ins_are_audited_for_the_organisation_or_the_system(client, world):
    _sign_in(client, world.officer.email, "not the password at all")
    _sign_in(client, "stranger@example.org", "whatever password")
    [known] = _events(world.member, "user.sign_in_failed")
    assert known.object_id == str(world.officer.id) and known.actor_user_id is None
    system = [e for e in _events(world.host, "user.sign_in_failed") if e.organisation_id is None]
    assert [e.after["email"] for e in system] == ["stranger@example.org"]


def test_deactivated_people_cannot_sign_in(client, world, as_user):
    as_user(world.manager).post(f"/users/{world.officer.id}/deactivate")
    client.post("/sign-out")
    response = _sign_in(client, world.officer.email, factories.PASSWORD)
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_sign_in_is_rate_limited(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_RATE_LIMIT", "3 per minute")
    answers = [_sign_in(client, world.officer.email, "wrong password here").status_code
               for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    response = _sign_in(client, world.officer.email, factories.PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_forms_without_a_csrf_token_are_refused(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = _sign_in(client, world.officer.email, factories.PASSWORD)
    assert response.status_code == 400
    assert "Your form could not be sent" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_signing_out_ends_the_session(client, world, as_user):
    as_user(world.officer)
    assert client.get("/dashboard").status_code == 200
    response = client.post("/sign-out")
    assert response.location == "/sign-in"
    assert client.get("/dashboard").status_code == 302


def test_pages_need_a_signed_in_user(client):
    for path in ["/dashboard", "/account", "/users", "/authorities"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response.location.startswith("/sign-in?next=")


# Targets a browser would follow off the site. Browsers parse a Location header by the WHATWG
# URL Standard: they strip leading and trailing C0 controls and spaces, remove every tab, CR and
# LF, and treat "\\" as "/" in http(s) URLs; "//host" is then a network-path reference (RFC 3986
# s.4.2) to another site.
OFF_SITE = [
    "//evil.example.com/",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "\t//evil.example",
    " //evil.example",
    "\x0c//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t\\evil.example",
    "https://evil.example/",
    "HTTPS:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "evil.example",
    "../evil",
    "%2F%2Fevil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_does_not_redirect_off_site(client, world, target):
    response = client.post("/sign-in", query_string={"next": target},
                           data={"email": world.officer.email, "password": factories.PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"


def test_the_open_redirect_reported_is_closed(client, world):
    """The report: ``?next=%2F%09%2Fevil.example`` answered ``Location: //evil.example``."""
    response = client.post("/sign-in?next=%2F%09%2Fevil.example",
                           data={"email": world.officer.email, "password": factories.PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"


@pytest.mark.parametrize("target, location", [
    ("/call-offs?status=open", "/call-offs?status=open"),
    ("/users/7#roles", "/users/7#roles"),
    ("/account/%2F%2Fnot-a-host", "/account/%2F%2Fnot-a-host"),
])
def test_sign_in_returns_to_the_page_on_this_site(client, world, target, location):
    response = client.post("/sign-in", query_string={"next": target},
                           data={"email": world.officer.email, "password": factories.PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == location


def test_security_headers_are_set(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)


def test_the_session_cookie_is_http_only_and_same_site(client, world):
    response = _sign_in(client, world.officer.email, factories.PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


class TestChangePassword:
    def test_changing_password_keeps_this_session_and_ends_the_others(self, app, world):
        mine, theirs = IsolatedClient(app), IsolatedClient(app)
        for c in (mine, theirs):
            _sign_in(c, world.officer.email, factories.PASSWORD)
        response = mine.post("/account/password", data={
            "current_password": factories.PASSWORD, "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase"})
        assert response.location == "/account"
        assert mine.get("/account").status_code == 200
        assert theirs.get("/account").status_code == 302
        assert _sign_in(IsolatedClient(app), world.officer.email,
                        "a brand new passphrase").location == "/dashboard"
        assert [e.action for e in _events(world.member, "user.password_changed")]

    def test_a_wrong_current_password_is_shown_on_the_form(self, client, world, as_user):
        as_user(world.officer)
        page = client.post("/account/password", data={
            "current_password": "not my password", "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase"}).get_data(as_text=True)
        assert "There is a problem" in page and "Your current password is not correct" in page

    def test_a_short_or_mismatched_new_password_is_refused(self, client, world, as_user):
        as_user(world.officer)
        page = client.post("/account/password", data={
            "current_password": factories.PASSWORD, "new_password": "short",
            "confirm_password": "different"}).get_data(as_text=True)
        assert "Password must be 12 characters or more" in page
        assert "The passwords do not match" in page


def _count_hashing(monkeypatch):
    """The names of werkzeug's hashing functions the sign-in service calls, in order."""
    from marketplace.accounts import services

    calls = []
    for name in ("generate_password_hash", "check_password_hash"):
        def counted(*args, _original=getattr(services, name), _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(services, name, counted)
    return calls


def _hashing_for_a_failure(app, calls, email, password):
    calls.clear()
    page = _sign_in(IsolatedClient(app), email, password).get_data(as_text=True)
    assert "Enter a correct email address and password" in page
    return list(calls)


class TestSignInTiming:
    """An unknown email must cost what a wrong password costs, or the time an answer takes tells
    who has an account (OWASP Authentication Cheat Sheet, "Authentication and Error Messages").
    Counted, not timed: a password hash is made or checked as many times for each."""

    def test_a_newly_started_app_hashes_as_much_for_an_unknown_email(
            self, fresh_app, world, monkeypatch):
        # A worker just started, with a hashing method no failure has been checked with yet.
        app = fresh_app(PASSWORD_HASH_METHOD="pbkdf2:sha256:1001")
        calls = _count_hashing(monkeypatch)
        unknown = _hashing_for_a_failure(app, calls, "nobody@example.org", factories.PASSWORD)
        wrong = _hashing_for_a_failure(app, calls, world.officer.email, "not the password at all")
        assert unknown == wrong == ["check_password_hash"]

    @pytest.mark.parametrize("who", ["unknown", "wrong password", "invited", "deactivated"])
    def test_every_failure_checks_exactly_one_hash(self, app, world, who, monkeypatch):
        from marketplace.accounts import services

        email = {"unknown": "nobody@example.org", "wrong password": world.officer.email}.get(who)
        with tenants.scoped_to(world.member):
            if who == "invited":
                email = services.invite_user(world.manager, email="new.person@example.org",
                                             full_name="New Person",
                                             role="placement_officer")[0].email
            elif who == "deactivated":
                services.deactivate_user(world.manager, world.officer.id)
                email = world.officer.email
        password = factories.PASSWORD if who != "wrong password" else "not the password at all"
        calls = _count_hashing(monkeypatch)
        assert _hashing_for_a_failure(app, calls, email, password) == ["check_password_hash"]
