"""Every page of the service passes axe's WCAG 2.2 A and AA checks, for every role.

The pages are found by walking the URL map, so a new page joins the check by existing. They are
served from a real server thread on the demo region, in Debian's headless Chromium.
"""
import threading

import pytest
from werkzeug.serving import make_server

import tenants
from marketplace import demo
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User
from marketplace.extensions import db

from config import TestConfig

from ..conftest import make_test_app
from .axe import browser_available, chromium, format_violations, run_axe

pytestmark = [
    pytest.mark.a11y,
    pytest.mark.skipif(not browser_available(), reason="chromium-headless-shell not installed"),
    # The walk serves the demo region from its own SQLite database whatever the suite runs on,
    # so the run against PostgreSQL would only repeat the embedded default's run (7 minutes).
    pytest.mark.skipif((TestConfig.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql"),
                       reason="the axe walk runs on its own SQLite server: once, in the run on "
                              "the embedded default"),
]

# For each other kind of id in a page's URL, the demo object the walk opens (the first one; a role
# that may not see it gets the 404 page, which must pass too).
DEMO_IDS = {
    "lot_id": "select min(id) from lot",
    "window_id": "select min(id) from admission_window where title = 'Round 7'",
    "question_id": "select min(id) from questionnaire_question",
    "application_id": "select min(id) from application",
    "provider_id": "select min(id) from provider",
    "vacancy_id": "select min(id) from vacancy where organisation_id = "
                  "(select min(id) from provider)",
    "admission_id": "select min(id) from admission",
    # The core specification, its draft version 3 (the host's edit and publish pages; a 404 for
    # everyone else) and Manchester's local schedule.
    "specification_id": "select min(id) from specification",
    "version_id": "select min(id) from specification_version where published_at is null",
    "schedule_id": "select min(id) from local_schedule",
    # Manchester's call-off being evaluated (its evaluation table has offers in it), Brookvale's
    # offer on it, the one clarification question, and the placed call-off's award and placement.
    "call_off_id": "select min(id) from call_off where status = 'evaluating'",
    "offer_id": "select min(o.id) from offer o join call_off c on c.id = o.call_off_id "
                "join organisation p on p.id = o.organisation_id "
                "where c.status = 'evaluating' and p.name like 'Brookvale%'",
    "clarification_id": "select min(id) from clarification_question",
    "award_id": "select min(id) from award",
    "placement_id": "select min(id) from placement",
    "review_id": "select min(id) from placement_review",
    # The demo's default term dates (and a provider's year without its own).
    "academic_year": "select '2026-27'",
    # The host's CPI series (seeded by the demo).
    "index_code": "select min(code) from index_series",
    # The uplift proposal its provider (Hillside) made on that placement.
    "proposal_id": "select min(id) from uplift_proposal",
    # Manchester's occupational therapy contract with Brookvale (its supplier reads it too), its
    # one extension option and its first KPI (issue 13).
    "contract_id": "select min(id) from contract where supplier_provider_id is not null",
    "number": "select 1",
    "kpi_id": "select min(id) from contract_kpi where contract_id = (select min(id) from "
              "contract where supplier_provider_id is not null)",
    # Cost sharing: the demo's year and its approved budget run (a member manager's statement
    # of it is their own authority's, "authority_id" being their organisation).
    "financial_year": "select '2026-27'",
    "run_id": "select min(id) from cost_sharing_run",
    "invoice_id": "select max(id) from cost_sharing_invoice",
}

# Routes that are not pages: actions that only accept POST, the built assets (and below, the
# JSON API; its human-readable docs page is a page).
NOT_PAGES = {"static", "accounts.sign_out", "providers.download_document",
             "evaluation.letter_pdf", "placements.agreement_pdf", "calloffs.evaluation_xlsx",
             "forecasts.forecast_csv", "forecasts.forecast_xlsx",
             "contract_monitoring.download_document", "contract_forecasts.forecast_xlsx",
             "contract_pipeline.register_csv", "contract_pipeline.register_xlsx",
             "cost_sharing.statement_pdf", "cost_sharing.statement_xlsx"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app = make_test_app(f"sqlite:///{tmp_path_factory.mktemp('a11y') / 'a11y.sqlite'}",
                        SERVER_NAME=None)
    with app.app_context():
        demo.seed()
        manchester = tenants.find_organisation(db.session, "manchester")
        with tenants.scoped_to(manchester):
            manager = db.session.query(User).filter_by(role=Role.AUTHORITY_MANAGER).one()
            _, token = accounts.invite_user(manager, email="new.officer@manchester.example.com",
                                            full_name="Nia Officer", role="placement_officer")
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{http.server_port}", token
    http.shutdown()


@pytest.fixture(scope="module")
def browser():
    with chromium() as running:
        yield running


def _pages(app, ids):
    """The URL of every GET page, with its ids filled in from ``ids`` (skipped if not known)."""
    urls = []
    with app.test_request_context():
        from flask import url_for
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
                continue
            if rule.rule.startswith("/api/") and rule.endpoint != "api_docs.docs":
                continue  # JSON, not pages
            if rule.arguments - ids.keys():
                continue
            urls.append(url_for(rule.endpoint, **{a: ids[a] for a in rule.arguments}))
    return sorted(set(urls))


def _check(page, base, path):
    response = page.goto(base + path, wait_until="load")
    assert response is not None and response.status < 500, f"{path} answered {response.status}"
    violations = run_axe(page)
    return format_violations(violations, path) if violations else None


def test_pages_for_people_not_signed_in(server, browser):
    app, base, token = server
    page = browser.new_page()
    failures = [f for path in _pages(app, {"token": token}) + ["/no-such-page"]
                if (f := _check(page, base, path))]
    # The sign-in form with its error summary.
    page.goto(base + "/sign-in")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state("load")
    assert "There is a problem" in page.content()
    if violations := run_axe(page):
        failures.append(format_violations(violations, "/sign-in (with errors)"))
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("email", [email for _, email, _, _ in demo.USERS])
def test_every_page_for_each_role(server, browser, email):
    app, base, _ = server
    with app.app_context():
        credential_user = db.session.execute(
            db.text("select user_id, organisation_id from credential where email = :e"),
            {"e": email}).one()
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", demo.DEMO_PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(base + "/dashboard")

    ids = {"user_id": credential_user.user_id, "authority_id": credential_user.organisation_id}
    with app.app_context():
        for name, query in DEMO_IDS.items():
            if (found := db.session.execute(db.text(query)).scalar()) is not None:
                ids[name] = found
    pages = [p for p in _pages(app, ids)
             if p not in ("/sign-in",) and not p.startswith("/invitations/")]
    failures = [f for path in pages if (f := _check(page, base, path))]
    assert len(pages) > 5
    assert not failures, "\n\n".join(failures)
    context.close()


def _signed_in(browser, base, email):
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", demo.DEMO_PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(base + "/dashboard")
    return context, page


def test_call_off_forms_in_their_error_state(server, browser):
    """The officer's draft form and the provider's offer form, each sent back with errors: the
    error summary and the messages against the fields pass axe too."""
    app, base, _ = server
    with app.app_context():
        open_call_off = db.session.execute(db.text(
            "select min(id) from call_off where status = 'open'")).scalar()
    failures = []
    context, page = _signed_in(browser, base, "officer@manchester.example.com")
    page.goto(base + "/call-offs/new")
    page.fill("#postcode_district", "SK10 1AB")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state("load")
    assert "There is a problem" in page.content()
    if violations := run_axe(page):
        failures.append(format_violations(violations, "/call-offs/new (with errors)"))
    context.close()

    context, page = _signed_in(browser, base, "admissions@brookvale.example.com")
    page.goto(base + f"/call-offs/{open_call_off}/offer")
    page.fill("#core_weekly", "fifteen hundred")
    page.get_by_role("button", name="Save your response").click()
    page.wait_for_load_state("load")
    assert "There is a problem" in page.content()
    if violations := run_axe(page):
        failures.append(format_violations(violations, "the offer form (with errors)"))
    context.close()
    assert not failures, "\n\n".join(failures)


def test_the_vacancy_board_filtered_and_in_its_error_state(server, browser):
    """The board with every filter set, and with an age it cannot read (error summary and the
    message against the field)."""
    app, base, _ = server
    failures = []
    context, page = _signed_in(browser, base, "officer@manchester.example.com")
    for path in ("/providers/vacancies?need_code=ASD&placement_type=day&age=11",
                 "/providers/vacancies?age=eleven"):
        if failure := _check(page, base, path):
            failures.append(failure)
    assert "There is a problem" in page.content()  # the last one, with its error
    context.close()
    assert not failures, "\n\n".join(failures)


def test_term_calendar_pages_and_forms_in_their_error_state(server, browser):
    """The term dates pages (issue 12 §5) for the host's administrator and a provider, and the
    year's form and the CSV upload sent back with errors."""
    app, base, _ = server
    with app.app_context():
        provider_id = db.session.execute(db.text("select min(id) from provider")).scalar()
    failures = []
    context, page = _signed_in(browser, base, "host.admin@cheshire-east.example.com")
    for path in ("/term-dates/default", "/term-dates/default/2026-27",
                 "/term-dates/default/2026-27/edit", "/term-dates/default/2026-27/upload"):
        if failure := _check(page, base, path):
            failures.append(failure)
    page.goto(base + "/term-dates/default/2026-27/edit")
    page.fill("#terms-1-starts_on-day", "1")  # Autumn 2 from 1 October: overlaps Autumn 1
    page.fill("#terms-1-starts_on-month", "10")
    page.get_by_role("button", name="Save term dates").click()
    page.wait_for_load_state("load")
    assert "There is a problem" in page.content()
    if violations := run_axe(page):
        failures.append(format_violations(violations, "the term dates form (with errors)"))
    context.close()

    context, page = _signed_in(browser, base, "admissions@brookvale.example.com")
    for path in (f"/term-dates/providers/{provider_id}",
                 f"/term-dates/providers/{provider_id}/2026-27"):
        if failure := _check(page, base, path):
            failures.append(failure)
    page.goto(base + f"/term-dates/providers/{provider_id}/2026-27/upload")
    page.set_input_files("#file", files=[{
        "name": "terms.csv", "mimeType": "text/csv",
        "buffer": b"term,starts_on,ends_on\nAutumn 1,3 September,2026-10-23\n"}])
    page.get_by_role("button", name="Upload term dates").click()
    page.wait_for_load_state("load")
    assert "There is a problem" in page.content()
    if violations := run_axe(page):
        failures.append(format_violations(violations, "the term dates upload (with errors)"))
    context.close()
    assert not failures, "\n\n".join(failures)


def test_fee_and_uplift_forms_in_their_error_state(server, browser):
    """A placement's fee change and uplift rule forms, and the host's index value form, each
    sent back with errors."""
    app, base, _ = server
    with app.app_context():
        placement_id = db.session.execute(db.text("select min(id) from placement")).scalar()
    failures = []
    context, page = _signed_in(browser, base, "officer@manchester.example.com")
    for path, field, value, button in (
            (f"/placements/{placement_id}/fees/change", "#core_weekly_fee", "lots",
             "Record the fee change"),
            (f"/placements/{placement_id}/uplift-rule", "#percent", "sixty",
             "Save the uplift rule")):
        page.goto(base + path)
        page.fill(field, value)
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state("load")
        assert "There is a problem" in page.content()
        if violations := run_axe(page):
            failures.append(format_violations(violations, f"{path} (with errors)"))
    with app.app_context():
        proposal_id = db.session.execute(db.text("select min(id) from uplift_proposal")).scalar()
    page.goto(base + f"/uplift-proposals/{proposal_id}")
    page.check("#decision-2")  # refuse, without the reason it needs
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state("load")
    assert "There is a problem" in page.content()
    if violations := run_axe(page):
        failures.append(format_violations(violations, "the proposal decision (with errors)"))
    context.close()
    context, page = _signed_in(browser, base, "admissions@hillside.example.com")
    page.goto(base + f"/placements/{placement_id}/uplift-proposals")
    page.fill("#percent", "lots")
    page.get_by_role("button", name="Send the proposal").click()
    page.wait_for_load_state("load")
    assert "There is a problem" in page.content()
    if violations := run_axe(page):
        failures.append(format_violations(violations, "the proposal form (with errors)"))
    context.close()
    context, page = _signed_in(browser, base, "host.admin@cheshire-east.example.com")
    page.goto(base + "/index-series/CPI")
    page.fill("#month", "September")
    page.get_by_role("button", name="Save the value").click()
    page.wait_for_load_state("load")
    assert "There is a problem" in page.content()
    if violations := run_axe(page):
        failures.append(format_violations(violations, "/index-series/CPI (with errors)"))
    context.close()
    assert not failures, "\n\n".join(failures)


def test_forecast_pages_for_each_year_and_the_rate_form_in_its_error_state(server, browser):
    """The forecast by academic year, a year it cannot read (its error summary and message),
    and the manager's assumed-rate form sent back with an error."""
    app, base, _ = server
    failures = []
    context, page = _signed_in(browser, base, "manager@manchester.example.com")
    for path in ("/forecasts?year_type=academic&year=2026-27", "/forecasts?financial_year=2026-28"):
        if failure := _check(page, base, path):
            failures.append(failure)
    assert "There is a problem" in page.content()  # the last one, with its error
    page.goto(base + "/forecasts")
    page.fill("#assumed_index_rate", "a lot")
    page.get_by_role("button", name="Save rate").click()
    page.wait_for_load_state("load")
    assert "There is a problem" in page.content()
    if violations := run_axe(page):
        failures.append(format_violations(violations, "the assumed rate form (with errors)"))
    context.close()
    assert not failures, "\n\n".join(failures)


def _monitored_contract(app):
    """A contract of Manchester's with Brookvale, with KPIs (a return of each kind, one without
    any), a review and a document; the demo's own contract when it has one with Brookvale."""
    from datetime import timedelta

    from marketplace.contracts import monitoring
    from marketplace.contracts.models import Contract
    from marketplace.formatting import london_date

    from ..contracts import factories as contract_factories
    from ..providers.factories import PDF

    manchester = tenants.find_organisation(db.session, "manchester")
    brookvale = tenants.find_organisation(db.session, demo.PROVIDERS[0][0])
    with tenants.scoped_to(manchester):
        officer = db.session.query(User).filter_by(role=Role.PLACEMENT_OFFICER).first()
        contract = db.session.scalars(db.select(Contract).where(
            Contract.supplier_provider_id == brookvale.id).order_by(Contract.id)).first()
        if contract is None:
            contract = contract_factories.contract(manchester, brookvale)
        today = london_date()
        quarterly = monitoring.add_kpi(officer, contract.id, name="Children seen within 6 weeks",
                                       target="90%", frequency="quarterly")
        monitoring.record_return(officer, contract.id, quarterly.id, figure="92%", rag="green")
        monthly = monitoring.add_kpi(officer, contract.id, name="Reports sent on time",
                                     frequency="monthly")
        end = today.replace(day=1) - timedelta(days=1)
        monitoring.record_return(officer, contract.id, monthly.id, period_start=end.replace(day=1),
                                 period_end=end, figure="61%", rag="red", note="Staff absence")
        monitoring.record_return(officer, contract.id, monthly.id,
                                 period_start=(end.replace(day=1) - timedelta(days=1)).replace(
                                     day=1), period_end=end.replace(day=1) - timedelta(days=1),
                                 figure="75%", rag="amber")
        monitoring.add_kpi(officer, contract.id, name="Waiting list", frequency="termly")
        monitoring.record_review(officer, contract.id, held_on=today,
                                 notes="Quarterly review.\nWaiting list falling.")
        monitoring.upload_document(officer, contract.id, title="Signed contract",
                                   filename="contract.pdf", content=PDF)
        return contract.id, quarterly.id


def test_contract_monitoring_pages_and_forms_in_their_error_state(server, browser):
    """A contract's KPIs, a KPI's returns, its reviews and documents (issue 13 §1): for the
    authority's officer with the forms, each form sent back with errors, and for the supplier
    read-only."""
    app, base, _ = server
    with app.app_context():
        contract_id, kpi_id = _monitored_contract(app)
    contract = f"/contracts/{contract_id}"
    pages = [f"{contract}/kpis", f"{contract}/kpis/{kpi_id}", f"{contract}/reviews",
             f"{contract}/documents"]
    failures = []
    context, page = _signed_in(browser, base, "officer@manchester.example.com")
    for path in pages + [f"{contract}/kpis/new", f"{contract}/kpis/{kpi_id}/edit",
                         f"{contract}/kpis/{kpi_id}/returns/new"]:
        if failure := _check(page, base, path):
            failures.append(failure)
    for path, fill, button in (
            (f"{contract}/kpis/new", {"#target": "90%"}, "Add the KPI"),
            (f"{contract}/kpis/{kpi_id}/returns/new",
             {"#period_start-day": "31", "#period_start-month": "2", "#period_start-year": "2026",
              "#figure": ""}, "Record the return"),
            (f"{contract}/reviews", {"#notes": "Held."}, "Record the review"),
            (f"{contract}/documents", {"#title": ""}, "Upload")):
        page.goto(base + path)
        for selector, value in fill.items():
            page.fill(selector, value)
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state("load")
        assert "There is a problem" in page.content(), path
        if violations := run_axe(page):
            failures.append(format_violations(violations, f"{path} (with errors)"))
    context.close()
    context, page = _signed_in(browser, base, "admissions@brookvale.example.com")
    for path in pages:
        if failure := _check(page, base, path):
            failures.append(failure)
        assert "There is a problem" not in page.content()
    context.close()
def test_contract_forecast_pages_and_block_contracts_in_the_forecast(server, browser):
    """A block contract's value forecast (issue 13 §3) for its authority's manager and its
    supplier, an index-linked one with estimated figures and a terminated one, and the
    authority's forecast with the block contracts' table (§4)."""
    from datetime import date

    from marketplace.contracts.models import ContractStatus

    from ..contracts import factories as contract_factories

    app, base, _ = server
    with app.app_context():
        manchester = tenants.find_organisation(db.session, "manchester")
        supplier = tenants.find_organisation(db.session, demo.PROVIDERS[0][0])
        ids = [contract_factories.contract(manchester, supplier, kind="fixed_anniversary",
                                           percent_bp=250, decisions=("taken",)).id,
               contract_factories.contract(manchester, supplier_name="Pennine NHS Trust",
                                           months=17, kind="index_linked", index_code="CPI",
                                           reference_month=9).id,
               contract_factories.contract(manchester, state=ContractStatus.TERMINATED,
                                           terminated_on=date(2028, 2, 28)).id]
    failures = []
    for email, paths in (
            ("manager@manchester.example.com",
             [f"/contracts/{i}/forecast" for i in ids] + ["/forecasts?financial_year=2027-28"]),
            ("admissions@brookvale.example.com", [f"/contracts/{ids[0]}/forecast"])):
        context, page = _signed_in(browser, base, email)
        for path in paths:
            if failure := _check(page, base, path):
                failures.append(failure)
            assert "Page not found" not in page.content(), path
            if path.startswith("/forecasts"):
                assert "split the placements only" in page.content()
        context.close()
    assert not failures, "\n\n".join(failures)


def test_contract_pipeline_and_procurement_plan_pages_and_the_plan_form_in_its_error_state(
        server, browser):
    """The expiry pipeline with a contract in it, its re-procurement plan (with the flags of a
    plan that cannot fit and leaves a gap, and TUPE), and the plan form sent back with errors
    (issue 13 §5)."""
    from datetime import date, timedelta

    from marketplace.contracts import pipeline

    from ..contracts import factories as contract_factories

    app, base, _ = server
    with app.app_context():
        manchester = tenants.find_organisation(db.session, "manchester")
        today = date.today()
        ending = contract_factories.contract(
            manchester, supplier_name="Manchester NHS Foundation Trust",
            title="Occupational therapy", start=today.replace(day=1) - timedelta(days=700),
            months=24, extensions=())
        with tenants.scoped_to(manchester):
            officer = db.session.query(User).filter_by(role=Role.PLACEMENT_OFFICER).first()
            pipeline.save_plan(officer, ending.id, regime="pa2023_open",
                               start_by=ending.end_date + timedelta(days=20), tupe=True)
        contract_id = ending.id
    failures = []
    context, page = _signed_in(browser, base, "manager@manchester.example.com")
    for path in ("/contracts/pipeline", f"/contracts/{contract_id}/procurement-plan"):
        if failure := _check(page, base, path):
            failures.append(failure)
    assert "This plan cannot fit" in page.content()
    page.fill("#step-standstill", "5")
    page.fill("#start_by-year", "2001")
    page.get_by_role("button", name="Save the plan").click()
    page.wait_for_load_state("load")
    assert "There is a problem" in page.content()
    if violations := run_axe(page):
        failures.append(format_violations(violations, "the plan form (with errors)"))
    context.close()
    assert not failures, "\n\n".join(failures)


def test_contract_pages_and_forms_in_their_error_state(server, browser):
    """The register, a contract's page, its form, termination and decision pages for the
    manager and the supplier, and the forms sent back with errors (issue 13)."""
    app, base, _ = server
    with app.app_context():
        contract_id = db.session.execute(db.text(
            "select min(id) from contract where supplier_provider_id is not null")).scalar()
        trust_id = db.session.execute(db.text(
            "select min(id) from contract where supplier_provider_id is null")).scalar()
    failures = []
    context, page = _signed_in(browser, base, "manager@manchester.example.com")
    for path in ("/contracts", "/contracts/new", f"/contracts/{contract_id}",
                 f"/contracts/{trust_id}", f"/contracts/{contract_id}/edit",
                 f"/contracts/{contract_id}/terminate",
                 f"/contracts/{contract_id}/extensions/1/decision"):
        if failure := _check(page, base, path):
            failures.append(failure)
    for path, field, value, button in (
            ("/contracts/new", "#initial_term_months", "0", "Save the contract"),
            (f"/contracts/{contract_id}/terminate", "#termination_reason", "",
             "Terminate the contract"),
            (f"/contracts/{contract_id}/extensions/1/decision", "#reason", "",
             "Record the decision")):
        page.goto(base + path)
        page.fill(field, value)
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state("load")
        assert "There is a problem" in page.content(), path
        if violations := run_axe(page):
            failures.append(format_violations(violations, f"{path} (with errors)"))
    context.close()
    context, page = _signed_in(browser, base, "admissions@brookvale.example.com")
    for path in ("/contracts", f"/contracts/{contract_id}"):
        if failure := _check(page, base, path):
            failures.append(failure)
    context.close()
    assert not failures, "\n\n".join(failures)


def test_cost_sharing_forms_in_their_error_state_and_a_preview(server, browser):
    """The host's MoU terms and costs forms sent back with errors, and a what-if preview beside
    the approved run (issue 14)."""
    app, base, _ = server
    failures = []
    context, page = _signed_in(browser, base, "host.admin@cheshire-east.example.com")
    for path, field, value, button in (
            ("/cost-sharing", "#fixed_percent", "lots", "Save the terms"),
            ("/cost-sharing/2026-27/costs", "#lines-0-amount", "fifty",
             "Save costs and income")):
        page.goto(base + path)
        page.fill(field, value)
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state("load")
        assert "There is a problem" in page.content()
        if violations := run_axe(page):
            failures.append(format_violations(violations, f"{path} (with errors)"))
    page.goto(base + "/cost-sharing/2026-27/runs")
    page.fill("#fixed_percent", "30")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state("load")
    assert "Preview (not saved)" in page.content()
    if violations := run_axe(page):
        failures.append(format_violations(violations, "the cost-sharing preview"))
    context.close()
    assert not failures, "\n\n".join(failures)
