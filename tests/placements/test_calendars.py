"""Term calendars (issue 12 §5): a provider's term dates and the region's default, per academic
year; their rules, CSV upload, pages and API, and what the cost engine is handed."""
import io
from datetime import date

import pytest
from sqlalchemy import select

import tenants
from marketplace.audit import AuditEvent
from marketplace.errors import NotFound, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.placements import calendars, engine
from marketplace.placements.models import TermCalendar
from marketplace.purchasing.services import get_system

from .. import factories
from ..helpers import bearer_token, count_queries
from ..purchasing import factories as purchasing_factories

# A short made-up 2026-27 calendar, its school days counted by hand:
# Thu 3 Sep–Fri 23 Oct 2026: 2 days (Thu, Fri) + 7 whole weeks (7 Sep–23 Oct) = 37;
# Mon 2 Nov–Fri 18 Dec 2026: 7 whole weeks = 35; 72 in all.
AUTUMN = [{"name": "Autumn 1", "starts_on": date(2026, 9, 3), "ends_on": date(2026, 10, 23)},
          {"name": "Autumn 2", "starts_on": date(2026, 11, 2), "ends_on": date(2026, 12, 18)}]


def _save(user, terms, provider_id=None, year=2026):
    with tenants.scoped_to(user.organisation):
        return calendars.save_calendar(user, year, terms, provider_id)


def _errors(user, terms, provider_id=None, year=2026):
    with pytest.raises(ValidationFailed) as raised:
        _save(user, terms, provider_id, year)
    return raised.value.errors


def _calendar(organisation, year=2026):
    with tenants.scoped_to(organisation):
        return db.session.scalars(select(TermCalendar).where(
            TermCalendar.organisation_id == organisation.id,
            TermCalendar.academic_year == year).execution_options(populate_existing=True)
        ).one_or_none()


# ---------------------------------------------------------------- saving and its rules

def test_a_provider_saves_its_term_dates_and_they_are_audited(world):
    saved = _save(world.provider_user, AUTUMN, world.provider.id)
    assert saved.school_days == 72
    assert [(t.name, t.starts_on) for t in saved.calendar.terms] == [
        ("Autumn 1", date(2026, 9, 3)), ("Autumn 2", date(2026, 11, 2))]
    assert saved.calendar.organisation_id == world.provider.id
    assert saved.calendar.updated_by_id == world.provider_user.id

    # Saving again replaces the year's terms; the audit trail has both, before and after.
    # Autumn 1 alone: 37 school days.
    again = _save(world.provider_user, AUTUMN[:1], world.provider.id)
    assert again.school_days == 37
    assert [t.name for t in _calendar(world.provider).terms] == ["Autumn 1"]
    with tenants.scoped_to(world.provider):
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "term_calendar.saved").order_by(AuditEvent.id)).all()
    assert [e.before for e in events][0] is None
    assert events[1].before["school_days"] == 72 and events[1].after["school_days"] == 37
    assert events[1].after["terms"] == [
        {"name": "Autumn 1", "starts_on": "2026-09-03", "ends_on": "2026-10-23"}]
    assert events[1].after["academic_year"] == "2026-27"
    assert events[1].actor_user_id == world.provider_user.id


def test_the_host_saves_the_default_and_everyone_reads_it(world):
    saved = _save(world.host_admin, AUTUMN)
    assert saved.calendar.organisation_id == world.host.id
    for reader in (world.manager, world.provider_user, world.other_provider_user,
                   world.evaluator):
        with tenants.scoped_to(reader.organisation):
            found = calendars.get_calendar(reader, 2026)
            assert found is not None and calendars.school_days(found) == 72
            assert calendars.get_calendar(reader, 2027) is None


def test_who_may_save_which_calendar(world):
    _save(world.provider_user, AUTUMN, world.provider.id)
    with pytest.raises(NotFound):  # another provider is told the provider does not exist
        _save(world.other_provider_user, AUTUMN, world.provider.id)
    for refused in (world.manager, world.officer, world.host_admin):
        with pytest.raises(PermissionDenied):
            _save(refused, AUTUMN, world.provider.id)
    for refused in (world.manager, world.provider_user, world.evaluator):
        with pytest.raises(PermissionDenied):
            _save(refused, AUTUMN)
    # Authorities read the provider's; the other provider cannot.
    with tenants.scoped_to(world.member):
        assert calendars.get_calendar(world.manager, 2026, world.provider.id) is not None
    with tenants.scoped_to(world.other_provider), pytest.raises(NotFound):
        calendars.get_calendar(world.other_provider_user, 2026, world.provider.id)


def test_every_bad_row_is_named_and_nothing_is_saved(world):
    errors = _errors(world.provider_user, [
        {"name": "", "starts_on": date(2026, 9, 3), "ends_on": date(2026, 10, 23)},
        {"name": "Autumn 2", "starts_on": None, "ends_on": date(2026, 12, 18)},
        {"name": "Spring 1", "starts_on": date(2027, 2, 12), "ends_on": date(2027, 1, 4)},
        {"name": "Summer 2", "starts_on": date(2027, 6, 7), "ends_on": date(2027, 9, 1)},
        {"name": "x" * 61, "starts_on": "2027-13-01", "ends_on": ""},
    ], world.provider.id)
    assert errors == {
        "terms-0-name": "Enter the name of term 1",
        "terms-1-starts_on": "Enter the first day of term 2",
        "terms-2-ends_on": "The last day of term 3 must be the same as or after its first day",
        "terms-3-ends_on": "The last day of term 4 must be within the academic year 2026-27 "
                           "(1 September 2026 to 31 August 2027)",
        "terms-4-name": "The name of term 5 must be 60 characters or fewer",
        "terms-4-starts_on": "The first day of term 5 must be a real date",
        "terms-4-ends_on": "Enter the last day of term 5",
    }
    assert _calendar(world.provider) is None


def test_overlapping_and_unordered_terms_are_refused(world):
    overlapping = _errors(world.host_admin, [
        AUTUMN[0], {"name": "Autumn 2", "starts_on": date(2026, 10, 23),
                    "ends_on": date(2026, 12, 18)}])
    assert overlapping == {"terms-1-starts_on": "Term 2 overlaps term 1: its first day must be "
                                                "after 23 October 2026, the last day of term 1"}
    unordered = _errors(world.host_admin, [AUTUMN[1], AUTUMN[0]])
    assert unordered == {"terms-1-starts_on": "Term 2 starts before term 1: put the terms in "
                                              "date order"}
    # A term starting before 1 September is outside the year, however it ends.
    early = _errors(world.host_admin, [{"name": "Summer school", "starts_on": date(2026, 8, 24),
                                        "ends_on": date(2026, 9, 4)}])
    assert early == {"terms-0-starts_on": "The first day of term 1 must be within the academic "
                                          "year 2026-27 (1 September 2026 to 31 August 2027)"}
    assert _calendar(world.host) is None


def test_blank_rows_are_left_out_and_no_terms_at_all_is_refused(world):
    blank = {"name": " ", "starts_on": None, "ends_on": None}
    saved = _save(world.host_admin, [blank, AUTUMN[0], blank, AUTUMN[1], blank])
    assert saved.school_days == 72
    assert _errors(world.host_admin, [blank, blank]) == {"terms": "Enter at least one term"}
    too_many = [AUTUMN[0]] * (calendars.MAX_TERMS + 1)
    assert _errors(world.host_admin, too_many) == {"terms": "Enter at most 20 terms"}


def test_academic_year_labels():
    assert calendars.parse_academic_year("2026-27") == 2026
    for bad in ("2026-28", "2026/27", "26-27", "1999-00", "2100-01"):
        with pytest.raises(NotFound):
            calendars.parse_academic_year(bad)


# ---------------------------------------------------------------- CSV

def test_a_csv_file_of_terms():
    data = ("\ufeffTerm , Ends_On,starts_on\r\n"
            "Autumn 1,2026-10-23,2026-09-03\r\n"
            "\r\n"
            '"Autumn 2, after half-term",18/12/2026,2/11/2026\r\n').encode("utf-8")
    assert calendars.parse_terms_csv(data) == [
        {"name": "Autumn 1", "starts_on": date(2026, 9, 3), "ends_on": date(2026, 10, 23)},
        {"name": "Autumn 2, after half-term", "starts_on": date(2026, 11, 2),
         "ends_on": date(2026, 12, 18)}]


def test_a_calendar_as_csv_reads_back(world):
    saved = _save(world.host_admin, AUTUMN)
    assert calendars.parse_terms_csv(calendars.terms_csv(saved.calendar).encode()) == AUTUMN


def _csv_errors(data):
    with pytest.raises(ValidationFailed) as raised:
        calendars.parse_terms_csv(data)
    return raised.value.errors


def test_bad_csv_rows_each_get_a_message_naming_their_line():
    errors = _csv_errors(b"term,starts_on,ends_on\n"
                         b"Autumn 1,2026-09-03,2026-10-23\n"
                         b",2026-11-02,2026-12-18\n"
                         b"Spring 1,31/02/2027,2027-02-12\n"
                         b"Spring 2,next monday\n")
    assert errors == {
        "row-3": "Line 3: enter the term's name",
        "row-4": 'Line 4: the first day (starts_on) "31/02/2027" must be a real date written '
                 "like 2026-09-03 or 03/09/2026",
        "row-5": 'Line 5: the first day (starts_on) "next monday" must be a real date written '
                 "like 2026-09-03 or 03/09/2026; enter the last day (ends_on)",
    }


def test_bad_csv_files():
    assert _csv_errors(b"") == {"file": "The selected file is empty"}
    assert _csv_errors(b"\n \n") == {"file": "The selected file is empty"}
    assert _csv_errors(b"name,from,to\nAutumn 1,2026-09-03,2026-10-23\n") == {
        "file": "The first row of the file must name the columns term, starts_on, ends_on (it "
                "lacks term, starts_on, ends_on)"}
    assert _csv_errors(b"term,starts_on,ends_on\n") == {
        "file": "The selected file has no terms under its header row"}
    assert _csv_errors("term,starts_on,ends_on\nAutomne,2026-09-03,2026-10-23\n".encode(
        "utf-16")) == {"file": "The selected file must be a CSV file saved as UTF-8 text"}
    assert _csv_errors(b"term,starts_on,ends_on\n" + b"T,2026-09-03,2026-09-04\n" * 21) == {
        "file": "The selected file must have at most 20 terms"}
    assert _csv_errors(b"x" * (64 * 1024 + 1)) == {
        "file": "The selected file must be smaller than 64 KB"}


# ---------------------------------------------------------------- for the cost engine

def test_calendars_for_the_engine(world):
    _save(world.host_admin, AUTUMN)
    _save(world.host_admin, [{"name": "Autumn", "starts_on": date(2027, 9, 6),
                              "ends_on": date(2027, 9, 10)}], year=2027)  # one week: 5 days
    _save(world.provider_user, AUTUMN[:1], world.provider.id)
    with tenants.scoped_to(world.member):
        found = calendars.calendars_for([world.provider.id, world.other_provider.id])
    assert set(found) == {None, world.provider.id, world.other_provider.id}
    assert found[world.provider.id].chargeable_days == 190  # no purchasing system yet

    own, source = found[world.provider.id].calendar_for(2026)
    assert (source, own.total_school_days) == (engine.PROVIDER, 37)
    default, source = found[world.provider.id].calendar_for(2027)
    assert (source, default.total_school_days) == (engine.DEFAULT, 5)
    default, source = found[world.other_provider.id].calendar_for(2026)
    assert (source, default.total_school_days) == (engine.DEFAULT, 72)
    assert found[None].calendar_for(2026)[1] == engine.DEFAULT
    assert found[None].calendar_for(2028) == (None, engine.ESTIMATED)


def test_calendars_for_takes_the_chargeable_days_from_the_system(world):
    purchasing_factories.system(world.host)
    with tenants.scoped_to(world.host):
        get_system().chargeable_school_days = 195
        db.session.commit()
    with tenants.scoped_to(world.member):
        assert calendars.calendars_for([world.provider.id])[world.provider.id] \
            .chargeable_days == 195


def test_calendars_for_runs_the_same_statements_for_1_or_30_providers(world):
    """A forecast over thousands of placements asks once for all their providers."""
    _save(world.host_admin, AUTUMN)
    providers = [factories.provider() for _ in range(30)]
    for provider in providers:
        user = factories.user(provider)
        _save(user, AUTUMN[:1], provider.id)
    with tenants.scoped_to(world.member):
        calendars.calendars_for([])  # the test's transaction opens its savepoint here
    counts = {}
    for size in (1, 30):
        ids = [p.id for p in providers[:size]]
        with tenants.scoped_to(world.member), count_queries() as counter:
            found = calendars.calendars_for(ids)
        assert all(found[i].calendar_for(2026)[1] == engine.PROVIDER for i in ids)
        counts[size] = counter.count
    assert counts[1] == counts[30] <= 3, counts


# ---------------------------------------------------------------- the demo default

@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_the_demo_default_calendars_have_190_school_days(year):
    """Six half-terms each, counted term by term with the engine's weekday count (the sums are
    checked by hand in the comment of each year below)."""
    terms = calendars.ENGLAND_TERMS[year]
    assert [name for name, _, _ in terms] == ["Autumn 1", "Autumn 2", "Spring 1", "Spring 2",
                                              "Summer 1", "Summer 2"]
    days = [engine.weekdays_between(first, last) for _, first, last in terms]
    # 2025-26: 38 + 34 + 29 + 25 + 30 + 34; 2026-27: 37 + 34 + 29 + 24 + 35 + 31;
    # 2027-28: 37 + 34 + 28 + 35 + 25 + 31 — each 190.
    assert days == {2025: [38, 34, 29, 25, 30, 34], 2026: [37, 34, 29, 24, 35, 31],
                    2027: [37, 34, 28, 35, 25, 31]}[year]
    assert sum(days) == 190
    assert engine.TermCalendar(year, tuple((a, b) for _, a, b in terms)).total_school_days == 190
    # No term starts or ends on a weekend.
    assert all(d.weekday() < 5 for _, a, b in terms for d in (a, b))


def test_seeding_the_default_calendars(world):
    calendars.seed_default_calendars((2025, 2026, 2027))
    calendars.seed_default_calendars((2026,))  # again: left alone
    with tenants.scoped_to(world.member):
        found = calendars.calendars_for([])[None]
    for year in (2025, 2026, 2027):
        calendar, source = found.calendar_for(year)
        assert (source, calendar.total_school_days) == (engine.DEFAULT, 190)


# ---------------------------------------------------------------- API

def _auth(user):
    return {"Authorization": f"Bearer {bearer_token(user).token}"}


BODY = {"terms": [{"name": "Autumn 1", "starts_on": "2026-09-03", "ends_on": "2026-10-23"},
                  {"name": "Autumn 2", "starts_on": "2026-11-02", "ends_on": "2026-12-18"}]}


def test_the_api_round_trip(client, world):
    url = "/api/v1/term-calendars/default/2026-27"
    assert client.get(url, headers=_auth(world.manager)).status_code == 404
    put = client.put(url, json=BODY, headers=_auth(world.host_admin))
    assert put.status_code == 200, put.json
    assert put.json == {**BODY, "academic_year": "2026-27", "school_days": 72,
                        "owner": "default", "provider_id": None}
    got = client.get(url, headers=_auth(world.provider_user))
    assert got.json == put.json
    # The answer goes back as it came.
    assert client.put(url, json=got.json, headers=_auth(world.host_admin)).status_code == 200

    url = f"/api/v1/term-calendars/providers/{world.provider.id}/2026-27"
    put = client.put(url, json={"terms": BODY["terms"][:1]},
                     headers=_auth(world.provider_user))
    assert put.status_code == 200, put.json
    assert put.json == {"academic_year": "2026-27", "terms": BODY["terms"][:1],
                        "school_days": 37, "owner": "provider",
                        "provider_id": str(world.provider.id)}
    assert client.get(url, headers=_auth(world.officer)).json == put.json


def test_the_api_refuses_those_who_may_not_change_a_calendar(client, world):
    own = f"/api/v1/term-calendars/providers/{world.provider.id}/2026-27"
    default = "/api/v1/term-calendars/default/2026-27"
    for user, url in ((world.manager, own), (world.host_admin, own),
                      (world.manager, default), (world.provider_user, default)):
        response = client.put(url, json=BODY, headers=_auth(user))
        assert response.status_code == 403, (user, url)
        assert response.mimetype == "application/problem+json"
    # Another provider is told the provider does not exist (the isolation matrix's rule).
    response = client.put(own, json=BODY, headers=_auth(world.other_provider_user))
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert client.get(own, headers=_auth(world.other_provider_user)).status_code == 404
    assert client.put(own, json=BODY).status_code == 401


def test_the_api_names_each_bad_field(client, world):
    url = f"/api/v1/term-calendars/providers/{world.provider.id}/2026-27"
    headers = _auth(world.provider_user)
    response = client.put(url, json={"terms": [
        BODY["terms"][1], {"name": "", "starts_on": "2026-09-03", "ends_on": "2026-08-31"}]},
        headers=headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert {(e["field"], e["message"]) for e in response.json["errors"]} == {
        ("terms.1.name", "Enter the name of term 2"),
        ("terms.1.ends_on", "The last day of term 2 must be within the academic year 2026-27 "
                            "(1 September 2026 to 31 August 2027)")}
    response = client.put(url, json={"terms": [{"name": "A", "starts_on": "3 Sep 2026"}]},
                          headers=headers)
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["terms.0.starts_on"]
    response = client.put(url, json={**BODY, "academic_year": "2027-28"}, headers=headers)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "academic_year"
    assert client.put(url, json={}, headers=headers).status_code == 422
    assert _calendar(world.provider) is None


def test_a_bad_academic_year_in_the_path(client, world):
    for label in ("2026-28", "2026", "2026-2027"):
        response = client.get(f"/api/v1/term-calendars/default/{label}",
                              headers=_auth(world.manager))
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert "2026-27" in response.json["detail"] or "year label" in response.json["detail"]
    response = client.get("/api/v1/term-calendars/default/2026-28", headers=_auth(world.manager))
    assert response.json["detail"] == ('"2026-28" is not a year: 2026 is followed by 2027, so '
                                       'its label is "2026-27".')


# ---------------------------------------------------------------- pages

def _date(value):
    return [str(value.day), str(value.month), str(value.year)]


def _form(terms, rows=8):
    data = {}
    for index in range(rows):
        term = terms[index] if index < len(terms) else {}
        data[f"terms-{index}-name"] = term.get("name", "")
        for field in ("starts_on", "ends_on"):
            data[f"terms-{index}-{field}"] = _date(term[field]) if field in term else ["", "", ""]
    return data


def test_a_provider_keeps_its_term_dates_through_the_pages(as_user, world):
    _save(world.host_admin, AUTUMN)
    page = as_user(world.provider_user)
    assert page.get("/term-dates/").headers["Location"].endswith(
        f"/term-dates/providers/{world.provider.id}")
    listing = page.get(f"/term-dates/providers/{world.provider.id}").get_data(as_text=True)
    assert "Term dates" in listing and "2026-27" in listing
    assert "72" in listing  # the region default, for comparison
    assert f"/term-dates/providers/{world.provider.id}/2026-27/edit" in listing

    url = f"/term-dates/providers/{world.provider.id}/2026-27/edit"
    form = page.get(url).get_data(as_text=True)
    assert form.count('name="terms-7-name"') == 1 and 'name="terms-8-name"' not in form
    saved = page.post(url, data=_form(AUTUMN), follow_redirects=True)
    body = saved.get_data(as_text=True)
    assert "Term dates for 2026-27 saved: 72 school days." in body
    assert "3 September 2026" in body and "18 December 2026" in body
    assert [t.name for t in _calendar(world.provider).terms] == ["Autumn 1", "Autumn 2"]

    # The form opens with the saved terms in it.
    form = page.get(url).get_data(as_text=True)
    assert 'value="Autumn 2"' in form

    # Add more rows keeps what was typed and saves nothing.
    more = page.post(url, data={**_form([AUTUMN[0]]), "add_rows": "Add more rows"})
    body = more.get_data(as_text=True)
    assert 'name="terms-11-name"' in body and 'value="Autumn 1"' in body
    assert len(_calendar(world.provider).terms) == 2


def test_the_form_shows_an_error_summary_and_saves_nothing(as_user, world):
    page = as_user(world.provider_user)
    url = f"/term-dates/providers/{world.provider.id}/2026-27/edit"
    response = page.post(url, data=_form([AUTUMN[1], AUTUMN[0]]))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in body and "<title>Error: " in body
    assert "Term 2 starts before term 1: put the terms in date order" in body
    assert 'href="#terms-1-starts_on-day"' in body
    assert _calendar(world.provider) is None

    bad_date = _form([AUTUMN[0]])
    bad_date["terms-0-ends_on"] = ["31", "2", "2027"]
    body = page.post(url, data=bad_date).get_data(as_text=True)
    assert "Last day of term 1 must be a real date" in body
    assert _calendar(world.provider) is None


def test_uploading_a_csv_file(as_user, world):
    page = as_user(world.host_admin)
    url = "/term-dates/default/2026-27/upload"
    assert "term,starts_on,ends_on" in page.get(url).get_data(as_text=True)
    good = ("term,starts_on,ends_on\nAutumn 1,2026-09-03,2026-10-23\n"
            "Autumn 2,02/11/2026,18/12/2026\n").encode()
    saved = page.post(url, data={"file": (io.BytesIO(good), "terms.csv")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "Term dates for 2026-27 saved: 72 school days." in saved.get_data(as_text=True)

    bad = b"term,starts_on,ends_on\nSpring 1,2027-01-04,2027-02-12\nAutumn 1,x,2026-10-23\n"
    response = page.post(url, data={"file": (io.BytesIO(bad), "terms.csv")},
                         content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert "There is a problem" in body
    assert "Line 3: the first day (starts_on) &#34;x&#34; must be a real date" in body
    unordered = b"term,starts_on,ends_on\nB,2027-01-04,2027-02-12\nA,2026-09-03,2026-10-23\n"
    body = page.post(url, data={"file": (io.BytesIO(unordered), "terms.csv")},
                     content_type="multipart/form-data").get_data(as_text=True)
    assert "Line 3: Term 2 starts before term 1: put the terms in date order" in body
    assert calendars.school_days(_calendar(world.host)) == 72  # unchanged
    body = page.post(url, data={}, content_type="multipart/form-data").get_data(as_text=True)
    assert "Select a CSV file" in body


def test_the_default_pages_and_who_may_change_them(as_user, world):
    _save(world.host_admin, AUTUMN)
    admin = as_user(world.host_admin)
    assert admin.get("/term-dates/").headers["Location"].endswith("/term-dates/default")
    body = admin.get("/term-dates/default").get_data(as_text=True)
    assert "Default term dates" in body and "/term-dates/default/2026-27/edit" in body
    body = admin.get("/term-dates/default/2026-27").get_data(as_text=True)
    assert "72 school days" in body and "23 October 2026" in body
    assert admin.get("/term-dates/default/2026-28").status_code == 404

    manager = as_user(world.manager)
    body = manager.get("/term-dates/default/2026-27").get_data(as_text=True)
    assert "72 school days" in body and "/edit" not in body
    assert manager.get("/term-dates/default/2026-27/edit").status_code == 403
    assert manager.get(f"/term-dates/providers/{world.provider.id}").status_code == 200
    assert manager.get(
        f"/term-dates/providers/{world.provider.id}/2026-27/edit").status_code == 403
    other = as_user(world.other_provider_user)
    assert other.get(f"/term-dates/providers/{world.provider.id}").status_code == 404
    assert other.post("/term-dates/default/2026-27/edit",
                      data=_form(AUTUMN[:1])).status_code == 403
    assert calendars.school_days(_calendar(world.host)) == 72
