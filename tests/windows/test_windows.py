"""Planning windows from the questionnaire, and their status following the clock."""
import re
from datetime import datetime, timedelta, timezone

import pytest

import tenants
from marketplace.errors import Conflict, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.purchasing import Regime
from marketplace.windows import services
from marketplace.windows.models import AdmissionWindow, WindowStatus
from marketplace.windows.services import QuestionKind

from ..helpers import assert_constant_queries, bearer_token
from ..purchasing import factories as purchasing
from . import factories

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
LONDON_NOON_IN_JUNE = datetime(2027, 6, 1, 11, 0, tzinfo=timezone.utc)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def _plan(world, **fields):
    lot = purchasing.lot(world.host)
    values = {"title": "Round 7", "lot_ids": [lot.id], "opens_at": NOW + timedelta(days=7),
              "closes_at": NOW + timedelta(days=28), **fields}
    with tenants.scoped_to(world.host):
        return services.plan_window(world.host_admin, **values)


# Status follows the clock ----------------------------------------------------------------------

def _window(**stamps):
    return AdmissionWindow(opens_at=NOW, closes_at=NOW + timedelta(days=10), **stamps)


@pytest.mark.parametrize("at, stamps, status", [
    (NOW - timedelta(seconds=1), {}, WindowStatus.SCHEDULED),
    (NOW, {}, WindowStatus.OPEN),
    (NOW + timedelta(days=10) - timedelta(seconds=1), {}, WindowStatus.OPEN),
    (NOW + timedelta(days=10), {}, WindowStatus.CLOSED),
    (NOW + timedelta(days=11), {"evaluation_started_at": NOW + timedelta(days=10)},
     WindowStatus.EVALUATING),
    (NOW + timedelta(days=20), {"evaluation_started_at": NOW + timedelta(days=10),
                                "decisions_issued_at": NOW + timedelta(days=15),
                                "standstill_ends_at": NOW + timedelta(days=25)},
     WindowStatus.STANDSTILL),
    (NOW + timedelta(days=25), {"evaluation_started_at": NOW + timedelta(days=10),
                                "decisions_issued_at": NOW + timedelta(days=15),
                                "standstill_ends_at": NOW + timedelta(days=25)},
     WindowStatus.CONCLUDED),
    (NOW + timedelta(days=20), {"evaluation_started_at": NOW + timedelta(days=10),
                                "decisions_issued_at": NOW + timedelta(days=15)},
     WindowStatus.CONCLUDED),
])
def test_status_follows_the_clock(at, stamps, status):
    assert _window(**stamps).status_at(at) == status


def test_an_always_open_window_never_closes():
    window = AdmissionWindow(opens_at=NOW, closes_at=None)
    assert window.status_at(NOW + timedelta(days=3650)) == WindowStatus.OPEN


def test_the_sql_status_agrees_with_python(world, now):
    """Lists filter by status in SQL; each window's SQL status is its Python one."""
    made = [
        factories.window(world.host, title="Scheduled", opens_at=NOW + timedelta(days=1),
                         closes_at=NOW + timedelta(days=9)),
        factories.window(world.host, title="Open"),
        factories.window(world.host, title="Always", always_open=True),
        factories.window(world.host, title="Closed", opens_at=NOW - timedelta(days=9),
                         closes_at=NOW - timedelta(days=1)),
    ]
    with tenants.scoped_to(world.host):
        evaluating = db.session.get(AdmissionWindow, made[3].id)
        evaluating.evaluation_started_at = NOW
        db.session.commit()
        made.append(factories.window(world.host, title="Closed too",
                                     opens_at=NOW - timedelta(days=9),
                                     closes_at=NOW - timedelta(days=2)))
        rows = db.session.execute(db.select(AdmissionWindow.title,
                                            AdmissionWindow.status_at(NOW))).all()
        assert dict(rows) == {w.title: w.status_at(NOW).value for w in made}
        assert {w.title for w in services.list_windows(world.host_admin, "open")} == {
            "Open", "Always"}


# Planning ------------------------------------------------------------------------------------

def test_planning_copies_the_questionnaire_and_pass_mark(world, now):
    library = factories.questionnaire(world.host, pass_mark=65)
    window = _plan(world)
    assert window.pass_mark == 65
    assert [(q.number, q.kind, q.text, q.weight) for q in window.questions] == [
        (q.number, q.kind, q.text, q.weight) for q in library.questions]
    assert window.status_at(NOW) == WindowStatus.SCHEDULED


def test_editing_the_library_after_planning_leaves_the_window_alone(world, now):
    library = factories.questionnaire(world.host)
    window = _plan(world)
    first = library.questions[0]
    with tenants.scoped_to(world.host):
        services.update_question(world.host_admin, first.id, text="A changed question")
        services.remove_question(world.host_admin, library.questions[-1].id)
        services.set_pass_mark(world.host_admin, 80)
        db.session.expire_all()
        copy = db.session.get(AdmissionWindow, window.id)
        assert copy.questions[0].text == "Are you registered with Ofsted?"
        assert len(copy.questions) == 4 and copy.pass_mark == 60


def test_a_scheduled_window_may_copy_the_questionnaire_again(world, now, time_machine):
    library = factories.questionnaire(world.host)
    window = _plan(world)
    with tenants.scoped_to(world.host):
        services.update_question(world.host_admin, library.questions[0].id, text="Newer")
        services.recopy_questionnaire(world.host_admin, window.id)
        assert db.session.get(AdmissionWindow, window.id).questions[0].text == "Newer"
        time_machine.move_to(window.opens_at, tick=False)
        with pytest.raises(Conflict, match="has opened"):
            services.recopy_questionnaire(world.host_admin, window.id)


def test_weights_must_add_up_to_100_to_plan(world, now):
    factories.questionnaire(world.host, scored=[("Quality?", 60), ("Transitions?", 30)])
    with pytest.raises(ValidationFailed) as error:
        _plan(world)
    assert error.value.errors == {
        "questionnaire": "The weights of the scored questions add up to 90; they must add up "
                         "to 100"}


def test_a_weight_that_would_pass_100_is_refused_with_the_room_left(world, now):
    factories.questionnaire(world.host)
    with tenants.scoped_to(world.host):
        with pytest.raises(ValidationFailed) as error:
            services.add_question(world.host_admin, kind="scored", text="More?", weight=5)
    assert error.value.errors["weight"].startswith(
        "The weights of the scored questions would add up to 105; they must add up to 100")


def test_the_host_builds_and_reorders_the_questionnaire(world, now):
    with tenants.scoped_to(world.host):
        first = services.add_question(world.host_admin, kind="pass_fail",
                                      category="safeguarding", text="Safeguarding lead?")
        second = services.add_question(world.host_admin, kind="scored", text="Quality?",
                                       weight=100, guidance="Say how")
        services.move_question(world.host_admin, second.id, "up")
        questionnaire = services.get_questionnaire(world.host_admin)
        assert [(q.number, q.text) for q in questionnaire.questions] == [
            (1, "Quality?"), (2, "Safeguarding lead?")]
        services.remove_question(world.host_admin, second.id)
        assert [(q.number, q.id) for q in questionnaire.questions] == [(1, first.id)]
        assert questionnaire.questions[0].kind == QuestionKind.PASS_FAIL


@pytest.mark.parametrize("fields, errors", [
    ({"kind": "scored", "text": "Q"}, {"weight"}),
    ({"kind": "pass_fail", "text": "Q"}, {"category"}),
    ({"kind": "other", "text": ""}, {"kind", "text"}),
])
def test_questions_are_checked(world, now, fields, errors):
    with tenants.scoped_to(world.host):
        with pytest.raises(ValidationFailed) as error:
            services.add_question(world.host_admin, **fields)
    assert set(error.value.errors) == errors


def test_only_the_host_administrator_plans(world, now):
    factories.questionnaire(world.host)
    lot = purchasing.lot(world.host)
    with tenants.scoped_to(world.member):
        with pytest.raises(PermissionDenied):
            services.plan_window(world.manager, title="R", lot_ids=[lot.id], opens_at=NOW,
                                 closes_at=NOW + timedelta(days=1))


@pytest.mark.parametrize("fields, field", [
    ({"title": " "}, "title"),
    ({"lot_ids": []}, "lot_ids"),
    ({"lot_ids": [999999]}, "lot_ids"),
    ({"closes_at": NOW + timedelta(days=6)}, "closes_at"),
    ({"closes_at": None}, "closes_at"),
    ({"opens_at": NOW - timedelta(days=9), "closes_at": NOW - timedelta(days=1)}, "closes_at"),
])
def test_window_plans_are_checked(world, now, fields, field):
    factories.questionnaire(world.host)
    with pytest.raises(ValidationFailed) as error:
        _plan(world, **fields)
    assert field in error.value.errors


def test_an_always_open_regime_has_no_closing_time(world, now):
    purchasing.system(world.host, regime=Regime.QPL)
    factories.questionnaire(world.host)
    with pytest.raises(ValidationFailed, match="leave the closing date blank"):
        _plan(world)
    window = _plan(world, closes_at=None)
    assert window.closes_at is None and window.status_at(NOW + timedelta(days=3650)) == "open"


def test_an_open_window_keeps_its_lots_but_may_close_later(world, now, time_machine):
    factories.questionnaire(world.host)
    window = _plan(world)
    time_machine.move_to(window.opens_at + timedelta(hours=1), tick=False)
    with tenants.scoped_to(world.host):
        with pytest.raises(ValidationFailed) as error:
            services.update_window(world.host_admin, window.id, lot_ids=[])
        assert list(error.value.errors) == ["lot_ids"]
        later = window.closes_at + timedelta(days=2)
        assert services.update_window(world.host_admin, window.id,
                                      closes_at=later).closes_at == later
        time_machine.move_to(later, tick=False)
        with pytest.raises(Conflict):
            services.update_window(world.host_admin, window.id, title="Late")


def test_the_plan_page_enters_uk_times(world, now, client, as_user):
    """9:00 on 1 June is British Summer Time: 08:00 UTC."""
    factories.questionnaire(world.host)
    lot = purchasing.lot(world.host)
    response = as_user(world.host_admin).post("/windows/new", data={
        "title": "Round 8", "lot_ids": [str(lot.id)],
        "opens_on": ["1", "6", "2027"], "opens_time": "09:00",
        "closes_on": ["30", "6", "2027"], "closes_time": "17:30"})
    assert response.status_code == 302
    with tenants.scoped_to(world.host):
        window = db.session.scalars(db.select(AdmissionWindow)).one()
    assert window.opens_at == datetime(2027, 6, 1, 8, 0, tzinfo=timezone.utc)
    assert window.closes_at == datetime(2027, 6, 30, 16, 30, tzinfo=timezone.utc)
    page = client.get(f"/windows/{window.id}").get_data(as_text=True)
    assert "1 June 2027 at 9am" in page and "30 June 2027 at 5:30pm" in page


def test_the_plan_page_shows_errors(world, now, client, as_user):
    factories.questionnaire(world.host, scored=[("Q", 50)])
    purchasing.lot(world.host)
    page = as_user(world.host_admin).post("/windows/new", data={
        "title": "", "opens_time": "25:00"}).get_data(as_text=True)
    assert "<title>Error: " in page
    assert "Enter the window&#39;s title, like Round 7" in page
    assert "Enter the opening time as a 24-hour time" in page
    assert "add up to 50; they must add up to 100" in page


def test_an_open_framework_plan_is_warned_not_blocked(world, now, client, as_user):
    purchasing.system(world.host, regime=Regime.PA2023_OPEN_FRAMEWORK,
                      term_start=datetime(2022, 4, 1).date(), term_end=datetime(2030, 3, 31).date())
    factories.questionnaire(world.host)
    window = _plan(world)
    page = as_user(world.host_admin).get(f"/windows/{window.id}").get_data(as_text=True)
    assert "section 49" in page
    assert "No window opens between the start of the term on 1 April 2022 and 1 April 2025" in page
    provider_page = as_user(world.provider_user).get(f"/windows/{window.id}").get_data(
        as_text=True)
    assert "section 49" not in provider_page


def test_the_window_list_runs_a_constant_number_of_queries(world, now, client, as_user):
    factories.questionnaire(world.host)
    lot = purchasing.lot(world.host)
    made = []

    def make_rows(n):
        for _ in range(n):
            window = factories.window(world.host, title=f"Round {len(made)}", lots=[lot])
            factories.application(world.other_provider, window, submitted=True)
            factories.application(world.provider, window)
            made.append(window)

    def request():
        response = client.get("/windows")
        assert response.status_code == 200
        assert f"Round {len(made) - 1}" in response.get_data(as_text=True)

    for user in (world.host_admin, world.provider_user):
        as_user(user)
        assert_constant_queries(make_rows, request, sizes=(len(made) + 1, len(made) + 5))


def test_the_windows_api_lists_and_plans(world, now, client):
    factories.questionnaire(world.host)
    lot = purchasing.lot(world.host)
    headers = {"Authorization": f"Bearer {bearer_token(world.host_admin).token}"}
    response = client.post("/api/v1/windows", headers=headers, json={
        "title": "Round 9", "lot_ids": [str(lot.id)], "opens_at": "2027-01-04T09:00:00+00:00",
        "closes_at": "2027-01-25T12:00:00+00:00"})
    assert response.status_code == 201, response.json
    assert response.json["status"] == "scheduled"
    assert [q["number"] for q in response.json["questions"]] == [1, 2, 3, 4]
    listed = client.get("/api/v1/windows?status=scheduled", headers=headers)
    assert [w["title"] for w in listed.json] == ["Round 9"]
    assert client.get("/api/v1/windows?status=open", headers=headers).json == []
    assert client.get("/api/v1/windows?status=nonsense", headers=headers).status_code == 422
    response = client.post("/api/v1/windows", headers=headers, json={
        "title": "Round 10", "lot_ids": [str(lot.id)], "opens_at": "2027-01-04T09:00:00+00:00",
        "closes_at": "2027-01-01T12:00:00+00:00"})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "closes_at"


def _summary(page):
    block = page.split('govuk-error-summary__list', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', block)


@pytest.mark.parametrize("title", ["Round 8", ""])
def test_a_blank_closing_date_and_time_are_in_the_error_summary(world, now, client, as_user,
                                                                 title):
    """Issue 10: the summary left out a blank closing date and time. Every field error is in
    the summary (GOV.UK Design System, error summary), linked to its field."""
    factories.questionnaire(world.host)
    lot = purchasing.lot(world.host)
    response = as_user(world.host_admin).post("/windows/new", data={
        "title": title, "lot_ids": [str(lot.id)],
        "opens_on": ["1", "6", "2027"], "opens_time": "09:00",
        "closes_on": ["", "", ""], "closes_time": ""})
    page = response.get_data(as_text=True)
    summary = dict(_summary(page))
    assert summary.get("closes_on-day") == "Enter the date the window closes", summary
    assert summary.get("closes_time") == "Enter the time the window closes", summary
    assert ("title" in summary) == (title == "")
    for target in summary:
        assert f'id="{target}"' in page  # each link lands on its field
    with tenants.scoped_to(world.host):
        assert db.session.scalars(db.select(AdmissionWindow)).all() == []


# Moving an open window's close (issue 10) ------------------------------------------------------

@pytest.fixture
def drafting(world, now):
    """An open window closing in a week: Brookvale has a draft, Larchfield has submitted, and a
    third provider (with a user) has not applied."""
    from marketplace.accounts.models import Role

    from .. import factories as base

    window = factories.window(world.host)
    factories.application(world.provider, window)
    factories.application(world.other_provider, window, submitted=True)
    bystander = base.provider("Oakfield School Ltd")
    base.user(bystander, Role.PROVIDER_USER)
    return window


def _close_moved_messages():
    from marketplace.notifications import OutboxMessage
    from marketplace.providers.models import Provider

    found = []
    for provider in db.session.scalars(db.select(Provider)).all():
        with tenants.scoped_to(provider):
            found += [(m.recipient, m.subject) for m in db.session.scalars(db.select(OutboxMessage).where(
                OutboxMessage.template == "window_close_moved"))]
    return found


def _stored_close(world, window):
    with tenants.scoped_to(world.host):
        return db.session.scalars(db.select(AdmissionWindow.closes_at).where(
            AdmissionWindow.id == window.id)).one()


def test_bringing_an_open_windows_close_to_minutes_away_needs_confirmation(world, drafting):
    """Issue 10: moving the close to a few minutes away was accepted without a word. Less than
    SHORT_NOTICE (the close reminder's 3 days) away needs the administrator's confirmation."""
    soon = NOW + timedelta(minutes=10)
    with tenants.scoped_to(world.host):
        with pytest.raises(ValidationFailed) as refused:
            services.update_window(world.host_admin, drafting.id, closes_at=soon)
    assert "less than 3 days from now" in refused.value.errors["confirm_short_notice"]
    assert _stored_close(world, drafting) == NOW + timedelta(days=7)
    assert _close_moved_messages() == []

    with tenants.scoped_to(world.host):
        services.update_window(world.host_admin, drafting.id, closes_at=soon,
                               confirm_short_notice=True)
    assert _stored_close(world, drafting) == soon
    # Only the provider with a draft is told: not the one that has submitted, nor a bystander.
    assert _close_moved_messages() == [
        (world.provider_user.email, "Round 7 now closes on 24 November 2026 at 9:10am")]


def test_a_close_moved_with_notice_to_spare_needs_no_confirmation_but_drafts_are_told(
        world, drafting):
    with tenants.scoped_to(world.host):
        services.update_window(world.host_admin, drafting.id,
                               closes_at=NOW + timedelta(days=5))
        services.update_window(world.host_admin, drafting.id, title="Round 7 (extended)",
                               closes_at=NOW + timedelta(days=5))  # not moved: nobody told
    assert [r for r, _ in _close_moved_messages()] == [world.provider_user.email]


def test_the_window_page_asks_to_confirm_a_short_notice_close(world, drafting, client,
                                                               as_user):
    host = as_user(world.host_admin)
    form = {"title": "Round 7", "lot_ids": [str(lot.id) for lot in drafting.lots],
            "opens_on": ["23", "11", "2026"], "opens_time": "09:00",
            "closes_on": ["24", "11", "2026"], "closes_time": "09:10"}
    page = host.post(f"/windows/{drafting.id}/edit", data=form).get_data(as_text=True)
    summary = dict(_summary(page))
    assert summary["confirm_short_notice"].startswith(
        "The window would close on 24 November 2026 at 9:10am, less than 3 days from now")
    assert 'id="confirm_short_notice"' in page and "Providers are reminded 3 days" in page
    assert _stored_close(world, drafting) == NOW + timedelta(days=7)

    response = host.post(f"/windows/{drafting.id}/edit",
                         data={**form, "confirm_short_notice": "y"})
    assert response.status_code == 302
    assert _stored_close(world, drafting) == NOW + timedelta(minutes=10)
    assert [r for r, _ in _close_moved_messages()] == [world.provider_user.email]


def test_the_api_names_the_confirmation_it_needs(world, drafting, client):
    headers = {"Authorization": f"Bearer {bearer_token(world.host_admin).token}"}
    soon = (NOW + timedelta(minutes=10)).isoformat()
    refused = client.patch(f"/api/v1/windows/{drafting.id}", headers=headers,
                           json={"closes_at": soon})
    assert refused.status_code in (400, 422) and "confirm_short_notice" in str(refused.json)
    assert _stored_close(world, drafting) == NOW + timedelta(days=7)
    done = client.patch(f"/api/v1/windows/{drafting.id}", headers=headers,
                        json={"closes_at": soon, "confirm_short_notice": True})
    assert done.status_code == 200 and done.json["closes_at"] == soon
