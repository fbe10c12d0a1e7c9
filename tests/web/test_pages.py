"""The start page, dashboards and error pages."""
import pytest



def test_the_start_page_explains_the_service(client):
    page = client.get("/").get_data(as_text=True)
    assert "Find and buy SEND school placements" in page and 'href="/sign-in"' in page
    assert "govuk-header__logotype" not in page  # no crown: this service is not on GOV.UK


@pytest.mark.parametrize("person, shows", [
    ("host_admin", ["Host administrator", "Member authorities", "2 member authorities"]),
    ("evaluator", ["Evaluator", "No applications are waiting for your scores"]),
    ("manager", ["Authority manager", "Your authority has no call-offs yet"]),
    ("officer", ["Placement officer", "Manchester"]),
    ("provider_user", ["Provider user", "has not been admitted to any lot yet",
                       "No invitations are waiting for your response"]),
])
def test_each_role_has_a_dashboard(client, world, as_user, person, shows):
    page = as_user(getattr(world, person)).get("/dashboard").get_data(as_text=True)
    for text in shows:
        assert text in page


def test_the_dashboard_counts_only_my_organisations_people(client, world, as_user):
    page = as_user(world.manager).get("/dashboard").get_data(as_text=True)
    assert "2 people have an account at Manchester" in page


def test_unknown_pages_get_a_styled_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


def test_an_unexpected_error_gets_a_styled_500_and_no_details(app, client, monkeypatch):
    from marketplace.web import dashboards

    def broken(user):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(dashboards, "for_user", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    from .. import factories
    from ..helpers import sign_in
    authority = factories.authority()
    sign_in(client, factories.user(authority))
    response = client.get("/dashboard")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page and "secret" not in page


def test_a_form_posted_without_its_date_fields_is_explained_not_a_500(client, world, as_user):
    """The day/month/year widget renders its error even when the post left the date out."""
    page = as_user(world.host_admin).post("/authorities/new", data={"name": "Wirral"})
    assert page.status_code == 200
    assert "Enter the date the authority joined" in page.get_data(as_text=True)


def test_the_start_page_leads_a_new_school_to_registration(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/register"' in page and "register your organisation" in page
    assert "Register your organisation" in client.get("/register").get_data(as_text=True)


def test_a_nul_character_is_refused_at_the_door_naming_the_field(client, world, as_user):
    """PostgreSQL cannot store NUL in text: the API names the field, a form gets 400, and
    nothing reaches the database."""
    from ..helpers import bearer_token

    headers = {"Authorization": f"Bearer {bearer_token(world.host_admin).token}"}
    response = client.post("/api/v1/system", headers=headers, json={
        "name": "NW", "reference": "NW\x00", "regime": "qpl", "term_start": "2025-04-01",
        "term_end": "2026-04-01", "lots": [{"title": "a\x00"}]})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert {e["field"] for e in response.json["errors"]} == {"reference", "lots.0.title"}
    page = as_user(world.host_admin).post("/authorities/new", data={"name": "Wir\x00ral"})
    assert page.status_code == 400
    assert client.get("/api/v1/system", headers=headers).status_code == 404  # nothing saved


def test_the_dashboards_count_what_is_waiting(world, as_user, time_machine):
    """Call-offs by status for the authority; invitations, awards and placements for the
    provider; the figures are the organisation's own and follow the clock."""
    from tests.calloffs import factories as call_offs

    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    lot = call_offs.market(world)
    call_offs.draft(world.officer, lot)
    published = call_offs.published(world.officer, lot)
    call_offs.offer(world.other_provider_user, published)
    page = as_user(world.manager).get("/dashboard").get_data(as_text=True)
    assert "Draft: 1" in page and "Open for offers: 1" in page
    page = as_user(world.other_manager).get("/dashboard").get_data(as_text=True)
    assert "Your authority has no call-offs yet" in page
    page = as_user(world.provider_user).get("/dashboard").get_data(as_text=True)
    assert f"{world.provider.name} is admitted to lot {lot.code}" in page
    assert "1 open invitation is waiting for your response" in page
    page = as_user(world.other_provider_user).get("/dashboard").get_data(as_text=True)
    assert "No invitations are waiting for your response" in page  # it has responded
    call_offs.after_deadline(time_machine, published)
    page = as_user(world.manager).get("/dashboard").get_data(as_text=True)
    assert "Closed: offers opened: 1" in page and "Open for offers" not in page
    page = as_user(world.provider_user).get("/dashboard").get_data(as_text=True)
    assert "No invitations are waiting for your response" in page


def test_the_dashboard_keeps_a_constant_query_count(world, as_user, time_machine):
    from tests.calloffs import factories as call_offs
    from tests.helpers import assert_constant_queries

    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    lot = call_offs.market(world)
    client = as_user(world.provider_user)
    def publish(count):
        for _ in range(count):
            call_offs.published(world.officer, lot)

    def dashboard():
        assert "open invitations are waiting" in client.get("/dashboard").get_data(as_text=True)

    assert_constant_queries(publish, dashboard, sizes=(2, 5))


@pytest.mark.parametrize("person, links, not_links", [
    ("host_admin", ["/users", "/audit", "/deliveries/failed", "/account"],
     ["/delegation-limit"]),
    ("manager", ["/users", "/audit", "/deliveries/failed", "/delegation-limit", "/account"], []),
    ("officer", ["/users", "/delegation-limit", "/account"], ["/deliveries/failed"]),
    ("provider_user", ["/users", "/deliveries/failed", "/account"], ["/delegation-limit"]),
])
def test_administration_gathers_what_each_role_may_manage(world, as_user, person, links,
                                                          not_links):
    client = as_user(getattr(world, person))
    page = client.get("/administration").get_data(as_text=True)
    for link in links:
        assert f'href="{link}"' in page, link
        assert client.get(link).status_code == 200, link
    for link in not_links:
        assert f'href="{link}"' not in page, link
    # The navigation has one Administration item; the person's name leads to their account.
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/administration"' in dashboard and ">Users<" not in dashboard
    assert 'href="/account"' in dashboard and "Your account: signed in as" in dashboard
