"""The JSON API: tokens, resources, pagination and problem+json errors."""
import pytest
from sqlalchemy import select

import tenants
from marketplace.accounts.models import ApiToken
from marketplace.extensions import db

from .. import factories
from ..helpers import bearer_token, sign_in


def _auth(user):
    return {"Authorization": f"Bearer {bearer_token(user).token}"}


def _token(client, **data):
    return client.post("/api/v1/auth/token", json=data)


def test_a_token_is_issued_for_a_correct_email_and_password_and_kept_only_as_a_hash(client,
                                                                                     world):
    response = _token(client, email=world.officer.email, password=factories.PASSWORD,
                      name="Case system", expires_in_days=30)
    assert response.status_code == 201
    body = response.json
    assert body["name"] == "Case system" and body["token"].count(".") == 2
    with tenants.scoped_to(world.member):
        record = db.session.scalars(select(ApiToken).where(ApiToken.id == int(body["id"]))).one()
    assert body["token"].split(".")[2] not in record.token_hash
    assert (record.expires_at - record.created_at).days == 30
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json["email"] == world.officer.email and me.json["role"] == "placement_officer"
    assert me.json["organisation"] == {"id": str(world.member.id), "name": "Manchester",
                                       "kind": "authority"}


def test_a_wrong_password_gets_a_401_problem(client, world):
    response = _token(client, email=world.officer.email, password="not the password")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["title"] == "Unauthorized"
    assert "token" not in response.json


def test_bad_token_requests_name_every_bad_field(client):
    response = _token(client, email="not-an-email", expires_in_days=0)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    fields = {(e["field"], e["in"]) for e in response.json["errors"]}
    assert fields == {("email", "json"), ("password", "json"), ("expires_in_days", "json")}


def test_requests_without_a_usable_token_get_401(client, world, time_machine):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer 1.2.nonsense"}
                      ).status_code == 401
    time_machine.move_to("2026-11-24 09:00 +00:00")
    issued = bearer_token(world.officer)
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    time_machine.move_to("2027-02-23 09:00 +00:00")  # 91 days later: expired
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_a_revoked_token_stops_working(client, world):
    issued = bearer_token(world.officer)
    headers = {"Authorization": f"Bearer {issued.token}"}
    revoked = client.delete(f"/api/v1/tokens/{issued.record.id}", headers=headers)
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_deactivated_users_tokens_stop_working(client, world, app):
    from ..conftest import IsolatedClient

    headers = _auth(world.officer)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    sign_in(IsolatedClient(app), world.manager).post(f"/users/{world.officer.id}/deactivate")
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_browser_session_can_read_but_not_change(client, world):
    sign_in(client, world.officer)
    assert client.get("/api/v1/me").json["full_name"] == world.officer.full_name
    issued = bearer_token(world.officer)
    response = client.delete(f"/api/v1/tokens/{issued.record.id}")
    assert response.status_code == 401
    assert "bearer token" in response.json["detail"]


def test_users_are_my_organisations_and_paginated(client, world):
    for _ in range(3):
        factories.user(world.member)
    headers = _auth(world.manager)
    first = client.get("/api/v1/users?page_size=2", headers=headers)
    assert first.status_code == 200 and len(first.json) == 2
    assert '"total": 5' in first.headers["X-Pagination"]
    everyone = client.get("/api/v1/users?page_size=100", headers=headers).json
    assert {u["organisation"]["id"] for u in everyone} == {str(world.member.id)}
    too_big = client.get("/api/v1/users?page_size=1000", headers=headers)
    assert too_big.status_code == 422
    assert too_big.json["errors"][0]["field"] == "page_size"


def test_authorities_are_for_the_host_admin(client, world):
    listed = client.get("/api/v1/authorities", headers=_auth(world.host_admin))
    assert [a["name"] for a in listed.json] == ["Cheshire East", "Manchester", "Stockport"]
    assert listed.json[0]["role"] == "host" and listed.json[0]["joined_on"] == "2025-04-01"
    refused = client.get("/api/v1/authorities", headers=_auth(world.manager))
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    own = client.get(f"/api/v1/authorities/{world.member.id}", headers=_auth(world.manager))
    assert own.json["ons_code"] == world.member.ons_code


def test_the_audit_trail_is_my_organisations(client, world):
    events = client.get("/api/v1/audit?page_size=100", headers=_auth(world.manager)).json
    assert events and {e["organisation_id"] for e in events} == {str(world.member.id)}
    assert all(len(e["hash"]) == 64 for e in events)


def test_token_requests_are_rate_limited(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_RATE_LIMIT", "2 per minute")
    answers = [_token(client, email=world.officer.email, password="wrong wrong").status_code
               for _ in range(3)]
    assert answers == [401, 401, 429]


def test_the_docs_page_lists_every_api_route(app, client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    api_rules = {r.rule for r in app.url_map.iter_rules()
                 if r.rule.startswith("/api/v1/") and r.endpoint.startswith("api_")
                 and r.endpoint != "api_docs.docs"}
    for rule in api_rules:
        assert rule.replace("<id:", "{").replace(">", "}") in page, rule


class TestRequestBodiesMustBeJson:
    """A body the API reads as JSON must say so: a request whose body has another media type gets
    415 Unsupported Media Type (RFC 9110 s.15.5.16) as a problem (RFC 9457), and nothing is
    done with it. The report found a JSON body sent as text/plain accepted."""

    BODY = '{"email": "%s", "password": "%s", "name": "sent as text"}'

    @pytest.mark.parametrize("content_type", [
        "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/xml", None])
    def test_a_token_request_not_sent_as_json_is_refused(self, client, world, content_type):
        headers = {"Content-Type": content_type} if content_type else {}
        response = client.post("/api/v1/auth/token", headers=headers,
                               data=self.BODY % (world.officer.email, factories.PASSWORD))
        assert response.status_code == 415
        assert response.mimetype == "application/problem+json"
        assert response.json["status"] == 415 and "application/json" in response.json["detail"]
        assert response.headers["Accept-Post"] == "application/json"
        with tenants.scoped_to(world.member):
            assert not db.session.scalars(select(ApiToken).where(
                ApiToken.name == "sent as text")).all()

    def test_changes_not_sent_as_json_are_refused(self, client, world):
        headers = {**_auth(world.provider_user), "Content-Type": "text/plain"}
        response = client.patch(f"/api/v1/providers/{world.provider.id}", headers=headers,
                                data='{"town": "Leeds"}')
        assert response.status_code == 415 and response.json["status"] == 415
        assert response.headers["Accept-Patch"] == "application/json"
        put = client.put("/api/v1/delegation-limit", headers={
            **_auth(world.manager), "Content-Type": "text/plain"}, data='{"whole_life_limit": 5}')
        assert put.status_code == 415 and put.mimetype == "application/problem+json"
        assert client.get(f"/api/v1/providers/{world.provider.id}",
                          headers=_auth(world.provider_user)).json["town"] != "Leeds"

    def test_json_with_a_charset_and_requests_without_a_body_are_served(self, client, world):
        response = client.post("/api/v1/auth/token", data=self.BODY % (
            world.officer.email, factories.PASSWORD),
            headers={"Content-Type": "application/json; charset=utf-8"})
        assert response.status_code == 201
        assert client.get("/api/v1/me", headers={"Content-Type": "text/plain",
                                                 **_auth(world.officer)}).status_code == 200

    def test_the_document_upload_takes_multipart_and_only_multipart(self, client, world):
        headers = _auth(world.provider_user)
        response = client.post(f"/api/v1/providers/{world.provider.id}/documents",
                               headers=headers, json={"kind": "insurance"})
        assert response.status_code == 415
        assert response.headers["Accept-Post"] == "multipart/form-data"
