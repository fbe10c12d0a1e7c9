"""The service navigation for each role (issue 15 §7): a few grouped sections that fit one row,
each marked current on its pages, the section's pages in a sub-navigation, every page the old
navigation linked still there within two clicks, and the person's name and Sign out in the
header apart from the sections."""
from html.parser import HTMLParser

import pytest
from flask import url_for


class _Navigation(HTMLParser):
    """The links of a page's service navigation ("Menu"), of its section's sub-navigation and of
    the header's account links, each ``(href, text, aria-current)``."""

    _PLACES = {"Menu": "menu", "Your account": "account"}

    def __init__(self, body):
        super().__init__()
        self.links = {"menu": [], "sub": [], "account": []}
        self.sub_label = None
        self._place = self._link = self._button = None
        self.sign_out_in = []  # where each Sign out button is
        self.feed(body)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav":
            if "app-sub-navigation--section" in (attrs.get("class") or ""):
                self._place, self.sub_label = "sub", attrs.get("aria-label")
            else:
                self._place = self._PLACES.get(attrs.get("aria-label"))
        elif tag == "a" and self._place:
            self._link = [attrs["href"], "", attrs.get("aria-current")]
        elif tag == "button":
            self._button = [self._place, ""]

    def handle_data(self, data):
        if self._link is not None:
            self._link[1] += data
        if self._button is not None:
            self._button[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            href, text, current = self._link
            self.links[self._place].append((href, " ".join(text.split()), current))
            self._link = None
        elif tag == "button" and self._button is not None:
            place, text = self._button
            if text.strip() == "Sign out":
                self.sign_out_in.append(place)
            self._button = None
        elif tag == "nav":
            self._place = None

    def texts(self, place):
        return [text for _, text, _ in self.links[place]]

    def marked(self, place):
        return [(text, current) for _, text, current in self.links[place] if current]


# Each role's sections, in order, and for each page (an endpoint, or one with its arguments:
# ``own`` is the provider's own organisation) the section and sub-navigation page it marks.
HOST = ["Home", "Authorities", "Purchasing system", "Providers", "Cost sharing",
        "Administration"]
EVALUATOR = ["Home", "Purchasing system", "Providers", "Administration"]
AUTHORITY = ["Home", "Purchasing system", "Placements", "Contracts", "Providers",
             "Administration"]
PROVIDER = ["Home", "Purchasing system", "Placements", "Contracts", "Your organisation",
            "Administration"]

PAGES = {
    "host_admin": {
        "web.dashboard": ("Home", None),
        "authorities.authorities": ("Authorities", None),
        "authorities.new_authority": ("Authorities", None),
        "purchasing.system": ("Purchasing system", "System and lots"),
        "specifications.specifications": ("Purchasing system", "Specifications"),
        "specifications.new_specification": ("Purchasing system", "Specifications"),
        "windows.windows": ("Purchasing system", "Admission windows"),
        "windows.questionnaire": ("Purchasing system", "Questionnaire"),
        "evaluation.evaluations": ("Purchasing system", "Evaluations"),
        "evaluation.admissions": ("Purchasing system", "Admissions"),
        "providers.directory": ("Providers", "Directory"),
        "providers.vacancies": ("Providers", "Vacancies"),
        "term_calendars.default_calendars": ("Providers", "Term dates"),
        "cost_sharing.terms": ("Cost sharing", None),
        "web.administration": ("Administration", None),
        "accounts.users": ("Administration", None),
        "audit.events": ("Administration", None),
        "notifications.failed_deliveries": ("Administration", None),
    },
    "evaluator": {
        "web.dashboard": ("Home", None),
        "purchasing.system": ("Purchasing system", "System and lots"),
        "specifications.specifications": ("Purchasing system", "Specifications"),
        "evaluation.evaluations": ("Purchasing system", "Evaluations"),
        "providers.directory": ("Providers", "Directory"),
        "providers.vacancies": ("Providers", "Vacancies"),
        "web.administration": ("Administration", None),
        "accounts.users": ("Administration", None),
    },
    "officer": {
        "web.dashboard": ("Home", None),
        "purchasing.system": ("Purchasing system", "System and lots"),
        "specifications.specifications": ("Purchasing system", "Specifications"),
        "specifications.local_schedules": ("Purchasing system", "Local schedules"),
        "specifications.new_local_schedule": ("Purchasing system", "Local schedules"),
        "evaluation.admissions": ("Purchasing system", "Admissions"),
        "calloffs.call_offs": ("Placements", "Call-offs"),
        "calloffs.new_call_off": ("Placements", "Call-offs"),
        "placements.placements": ("Placements", "Placements"),
        "placements.new_off_framework": ("Placements", "Placements"),
        "forecasts.forecast": ("Placements", "Forecasts"),
        "contracts.register": ("Contracts", None),
        "contract_pipeline.pipeline_page": ("Contracts", None),
        "providers.directory": ("Providers", "Directory"),
        "providers.vacancies": ("Providers", "Vacancies"),
        "web.administration": ("Administration", None),
        "calloffs.delegation_limit": ("Administration", None),
    },
    "provider_user": {
        "web.dashboard": ("Home", None),
        "purchasing.system": ("Purchasing system", "System and lots"),
        "specifications.specifications": ("Purchasing system", "Specifications"),
        "windows.windows": ("Purchasing system", "Admission windows"),
        "calloffs.call_offs": ("Placements", "Call-offs"),
        "placements.placements": ("Placements", "Placements"),
        "contracts.register": ("Contracts", None),
        ("providers.provider", "own"): ("Your organisation", "Profile"),
        ("providers.edit_profile", "own"): ("Your organisation", "Profile"),
        ("providers.documents", "own"): ("Your organisation", "Documents"),
        ("providers.rate_card", "own"): ("Your organisation", "Rate card"),
        ("providers.provider_vacancies", "own"): ("Your organisation", "Vacancies"),
        ("providers.new_vacancy", "own"): ("Your organisation", "Vacancies"),
        ("term_calendars.provider_calendars", "own"): ("Your organisation", "Term dates"),
        "web.administration": ("Administration", None),
        "accounts.users": ("Administration", None),
    },
}
PAGES["manager"] = {**PAGES["officer"], "cost_sharing.statements": ("Administration", None)}

# The pages the navigation linked before it was grouped (it wrapped to three rows at 1280
# pixels), each of which must still be linked from the navigation or its section's
# sub-navigation. (Term dates led, by a redirect, to the default term dates for the host and to
# the provider's own for a provider.)
FORMER = {
    "host_admin": ["web.dashboard", "authorities.authorities", "purchasing.system",
                   "specifications.specifications", "windows.windows", "windows.questionnaire",
                   "evaluation.evaluations", "evaluation.admissions",
                   "term_calendars.default_calendars", "providers.directory", "providers.vacancies",
                   "cost_sharing.terms", "web.administration"],
    "evaluator": ["web.dashboard", "purchasing.system", "specifications.specifications",
                  "evaluation.evaluations", "providers.directory", "providers.vacancies",
                  "web.administration"],
    "officer": ["web.dashboard", "purchasing.system", "specifications.specifications",
                "specifications.local_schedules", "evaluation.admissions", "calloffs.call_offs",
                "placements.placements", "forecasts.forecast", "contracts.register",
                "providers.directory", "providers.vacancies", "web.administration"],
    "provider_user": ["web.dashboard", "purchasing.system", "specifications.specifications",
                      "windows.windows", "calloffs.call_offs", "placements.placements",
                      "contracts.register", ("term_calendars.provider_calendars", "own"),
                      ("providers.provider", "own"), "web.administration"],
}
FORMER["manager"] = FORMER["officer"]

SECTIONS = {"host_admin": HOST, "evaluator": EVALUATOR, "officer": AUTHORITY,
            "manager": AUTHORITY, "provider_user": PROVIDER}
ROLES = sorted(SECTIONS)


def _url(app, user, page):
    endpoint, own = page if isinstance(page, tuple) else (page, None)
    with app.test_request_context():
        return url_for(endpoint, **({"provider_id": user.organisation_id} if own else {}))


def _navigation(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return _Navigation(response.get_data(as_text=True))


@pytest.mark.parametrize("person", ROLES)
def test_each_role_has_its_sections_in_one_row_and_each_page_marks_its_own(
        app, world, as_user, person):
    """The sections are the role's few groups, each page marks exactly its section (and its
    page in the section's sub-navigation, whose label is the section's name) current; a
    section's own page is marked aria-current="page", a page within it "true"."""
    user = getattr(world, person)
    client = as_user(user)
    for page, (section, sub_page) in PAGES[person].items():
        url = _url(app, user, page)
        nav = _navigation(client, url)
        assert nav.texts("menu") == SECTIONS[person], url
        [(marked, current)] = nav.marked("menu")
        assert marked == section, url
        [(href, _, _)] = [link for link in nav.links["menu"] if link[1] == section]
        assert current == ("page" if href == url else "true"), url
        if sub_page is None:
            assert nav.links["sub"] == [], url
        else:
            assert nav.sub_label == section, url
            [(marked_page, page_current)] = nav.marked("sub")
            assert marked_page == sub_page, url
            [(sub_href, _, _)] = [link for link in nav.links["sub"] if link[1] == sub_page]
            assert page_current == ("page" if sub_href == url else "true"), url


@pytest.mark.parametrize("person", ROLES)
def test_every_page_of_the_old_navigation_is_at_most_two_clicks_away(
        app, world, as_user, person):
    """From any page: a section's link, then a link in its sub-navigation. Every section's
    pages are its sub-navigation's, and the section's link is its first page."""
    user = getattr(world, person)
    client = as_user(user)
    dashboard = _navigation(client, "/dashboard")
    reachable = set()
    for href, text, _ in dashboard.links["menu"]:
        reachable.add(href)
        section = _navigation(client, href)
        sub = section.links["sub"]
        if sub:
            assert section.sub_label == text and sub[0][0] == href, text
        reachable |= {link for link, _, _ in sub}
    former = {_url(app, user, page) for page in FORMER[person]}
    assert former - reachable == set()
    # Nothing the navigation links is refused to the role.
    for href in reachable:
        assert client.get(href).status_code == 200, href


@pytest.mark.parametrize("person", ROLES)
def test_the_name_and_sign_out_are_in_the_header_apart_from_the_sections(
        world, as_user, person):
    user = getattr(world, person)
    client = as_user(user)
    nav = _navigation(client, "/dashboard")
    assert nav.sign_out_in == ["account"]
    assert nav.links["account"] == [
        ("/account", f"Your account: signed in as {user.full_name}, {user.organisation.name}",
         None)]
    assert "/account" not in {href for href, _, _ in nav.links["menu"]}
    nav = _navigation(client, "/account")
    assert nav.links["account"][0][2] == "page" and nav.marked("menu") == []


def test_the_contract_sections_keep_their_own_sub_navigation(world, as_user):
    """A contract's pages: Contracts is the current section, with no section sub-navigation,
    and the contract's own sections mark the page shown."""
    from tests.contracts import factories

    contract = factories.contract(world.member, world.provider)
    client = as_user(world.manager)
    body = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    nav = _Navigation(body)
    assert nav.marked("menu") == [("Contracts", "true")] and nav.links["sub"] == []
    assert 'aria-label="Contract sections"' in body
    assert (f'href="/contracts/{contract.id}" aria-current="page">Summary</a>') in body


def test_a_members_manager_finds_its_cost_sharing_statements_under_administration(
        world, as_user):
    """Issue 14 §5 within issue 15 §7's one row: a member's managers reach their cost-sharing
    statements from Administration (the host's administrators have a Cost sharing section)."""
    page = as_user(world.manager).get("/administration").get_data(as_text=True)
    assert 'href="/cost-sharing/statements"' in page
    officer = as_user(world.officer).get("/administration").get_data(as_text=True)
    assert "/cost-sharing/statements" not in officer
