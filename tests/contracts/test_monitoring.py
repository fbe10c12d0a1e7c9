"""Monitoring a contract (issue 13 §1): KPIs with periodic returns (the figure and a RAG
rating), contract reviews with their notes, and documents; recorded by the authority's officers
and managers, read by them and the contract's supplier, a 404 to everyone else."""
import hashlib
from datetime import date
from io import BytesIO

import pytest
from sqlalchemy import select

import tenants
from marketplace.audit import AuditEvent
from marketplace.contracts import monitoring
from marketplace.contracts.models import (ContractDocument, ContractDocumentFile, ContractKpi,
                                          ContractReview, KpiReturn, Rag)
from marketplace.errors import NotFound, PermissionDenied, ValidationFailed
from marketplace.extensions import db

from ..helpers import assert_constant_queries, bearer_token
from ..providers.factories import PDF
from . import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _today(time_machine):
    # Tuesday 24 November 2026: the last quarter ended is July to September 2026.
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)


@pytest.fixture
def contract(world):
    return factories.contract(world.member, world.provider)


def _api(user):
    return {"Authorization": f"Bearer {bearer_token(user).token}"}


def _rows(organisation, model):
    with tenants.scoped_to(organisation):
        return db.session.scalars(select(model).order_by(model.id)
                                  .execution_options(populate_existing=True)).all()


def _events(organisation):
    with tenants.scoped_to(organisation):
        return db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("contract.%")).order_by(AuditEvent.id)).all()


def _kpi(world, contract, *, name="Children seen within 6 weeks of referral",
         frequency="quarterly", target="90%"):
    with tenants.scoped_to(world.member):
        return monitoring.add_kpi(world.officer, contract.id, name=name, target=target,
                                  frequency=frequency)


def _return(world, contract, kpi, *, period_start=None, period_end=None, figure="87%",
            rag="amber", note=None):
    with tenants.scoped_to(world.member):
        return monitoring.record_return(world.officer, contract.id, kpi.id,
                                        period_start=period_start, period_end=period_end,
                                        figure=figure, rag=rag, note=note)


def _errors(call):
    with pytest.raises(ValidationFailed) as raised:
        call()
    return raised.value.errors


# ------------------------------------------------------------------------------- KPIs (web)

def test_an_officer_adds_a_kpi_and_records_a_return_and_the_list_shows_it_with_its_rag(
        client, world, as_user, contract):
    """Issue 13 §1: KPIs with periodic returns (e.g. quarterly, with the figure and a RAG
    rating). Each row made carries the contract's supplier, and each change is audited."""
    as_user(world.officer)
    added = client.post(f"/contracts/{contract.id}/kpis/new", data={
        "name": "Children seen within 6 weeks of referral", "target": "90%",
        "frequency": "quarterly"}, follow_redirects=True)
    assert added.status_code == 200
    assert "KPI ‘Children seen within 6 weeks of referral’ added." in added.get_data(as_text=True)
    (kpi,) = _rows(world.member, ContractKpi)
    assert (kpi.contract_id, kpi.name, kpi.target, kpi.frequency.value,
            kpi.supplier_provider_id) == (contract.id, "Children seen within 6 weeks of referral",
                                          "90%", "quarterly", world.provider.id)

    form = client.get(f"/contracts/{contract.id}/kpis/{kpi.id}/returns/new")
    text = form.get_data(as_text=True)
    # The quarter ended before today, filled in.
    assert all(f'value="{part}"' in text for part in ("01", "07", "30", "09", "2026"))
    recorded = client.post(f"/contracts/{contract.id}/kpis/{kpi.id}/returns/new", data={
        "period_start": ["1", "7", "2026"], "period_end": ["30", "9", "2026"],
        "figure": "84%", "rag": "red", "note": "Two therapists on leave"},
        follow_redirects=True)
    text = recorded.get_data(as_text=True)
    assert "Return recorded." in text and "84%" in text and "Two therapists on leave" in text
    (made,) = _rows(world.member, KpiReturn)
    assert (made.period_start, made.period_end, made.figure, made.rag, made.note,
            made.contract_id, made.supplier_provider_id, made.recorded_by_id) == (
        date(2026, 7, 1), date(2026, 9, 30), "84%", Rag.RED, "Two therapists on leave",
        contract.id, world.provider.id, world.officer.id)

    page = client.get(f"/contracts/{contract.id}/kpis").get_data(as_text=True)
    assert "Children seen within 6 weeks of referral" in page and "84%" in page
    assert '<strong class="govuk-tag govuk-tag--red">Red</strong>' in page
    assert "1 July 2026 to 30 September 2026" in page
    assert "1 red, 0 amber, 0 green" in page
    assert f'href="/contracts/{contract.id}/kpis/{kpi.id}"' in page
    assert _events(world.member) == ["contract.kpi_added", "contract.kpi_return_recorded"]


def test_the_list_shows_each_kpis_latest_return_by_period_and_the_rag_summary(world, contract):
    """The latest return is the one with the latest period end, whatever order they were
    recorded in; the summary counts the latest returns' ratings and the KPIs without one."""
    seen, waiting, reports = (_kpi(world, contract, name=n) for n in (
        "Seen within 6 weeks", "Waiting list", "Reports sent on time"))
    _return(world, contract, seen, period_end=date(2026, 9, 30), figure="91%", rag="green")
    _return(world, contract, seen, period_end=date(2026, 6, 30), figure="70%", rag="red")
    _return(world, contract, waiting, period_end=date(2026, 9, 30), figure="44", rag="amber")
    with tenants.scoped_to(world.member):
        board = monitoring.list_kpis(world.manager, contract.id)
    assert [(line.kpi.name, line.latest and line.latest.figure) for line in board.lines] == [
        ("Seen within 6 weeks", "91%"), ("Waiting list", "44"), ("Reports sent on time", None)]
    assert board.summary == {"red": 0, "amber": 1, "green": 1, "not_reported": 1}
    assert board.can_change
    assert reports.supplier_provider_id == world.provider.id


def test_bad_kpi_input_is_named_and_nothing_is_saved(client, world, as_user, contract):
    as_user(world.manager)
    response = client.post(f"/contracts/{contract.id}/kpis/new", data={
        "name": " ", "target": "x" * 201, "frequency": "weekly"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "There is a problem" in text
    for message in ("Enter the KPI&#39;s name", "Target must be 200 characters or fewer",
                    "Select how often the KPI is reported"):
        assert message in text, message
    assert 'href="#name"' in text and 'href="#frequency"' in text
    assert _rows(world.member, ContractKpi) == [] and _events(world.member) == []


def test_a_kpi_is_edited_and_its_returns_stay(client, world, as_user, contract):
    kpi = _kpi(world, contract)
    _return(world, contract, kpi, period_end=date(2026, 9, 30))
    as_user(world.officer)
    form = client.get(f"/contracts/{contract.id}/kpis/{kpi.id}/edit").get_data(as_text=True)
    assert 'value="Children seen within 6 weeks of referral"' in form
    bad = client.post(f"/contracts/{contract.id}/kpis/{kpi.id}/edit", data={
        "name": "", "target": "95%", "frequency": "termly"})
    assert bad.status_code == 422 and "Enter the KPI&#39;s name" in bad.get_data(as_text=True)
    saved = client.post(f"/contracts/{contract.id}/kpis/{kpi.id}/edit", data={
        "name": "Seen within 6 weeks", "target": "95%", "frequency": "termly"},
        follow_redirects=True)
    assert "KPI saved." in saved.get_data(as_text=True)
    (kpi,) = _rows(world.member, ContractKpi)
    assert (kpi.name, kpi.target, kpi.frequency.value) == ("Seen within 6 weeks", "95%", "termly")
    assert len(_rows(world.member, KpiReturn)) == 1
    with tenants.scoped_to(world.member):
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "contract.kpi_changed")).one()
    assert event.before == {"name": "Children seen within 6 weeks of referral", "target": "90%",
                            "frequency": "quarterly"}
    assert event.after == {"name": "Seen within 6 weeks", "target": "95%",
                           "frequency": "termly"}


# ----------------------------------------------------------------------------- return rules

def test_a_quarterly_return_defaults_to_the_last_quarter_ended_or_the_quarter_of_its_date(
        world, contract, time_machine):
    """Issue 13 §1 ("quarterly"): with no dates, the quarter ended before today; with one date,
    the quarter it falls in."""
    kpi = _kpi(world, contract)
    made = _return(world, contract, kpi)
    assert (made.period_start, made.period_end) == (date(2026, 7, 1), date(2026, 9, 30))
    made = _return(world, contract, kpi, period_end=date(2025, 12, 31))
    assert (made.period_start, made.period_end) == (date(2025, 10, 1), date(2025, 12, 31))
    made = _return(world, contract, kpi, period_start=date(2026, 4, 1))
    assert (made.period_start, made.period_end) == (date(2026, 4, 1), date(2026, 6, 30))
    time_machine.move_to("2027-01-04 09:00 +00:00", tick=False)
    made = _return(world, contract, kpi)
    assert (made.period_start, made.period_end) == (date(2026, 10, 1), date(2026, 12, 31))


@pytest.mark.parametrize("day, quarter", [
    (date(2026, 1, 1), (date(2026, 1, 1), date(2026, 3, 31))),
    (date(2026, 3, 31), (date(2026, 1, 1), date(2026, 3, 31))),
    (date(2026, 5, 15), (date(2026, 4, 1), date(2026, 6, 30))),
    (date(2026, 10, 1), (date(2026, 10, 1), date(2026, 12, 31))),
    (date(2028, 2, 29), (date(2028, 1, 1), date(2028, 3, 31))),
])
def test_quarters_run_january_april_july_and_october(day, quarter):
    assert monitoring.quarter_of(day) == quarter


def test_a_monthly_kpi_needs_both_dates(world, contract):
    kpi = _kpi(world, contract, frequency="monthly")
    assert _errors(lambda: _return(world, contract, kpi)) == {
        "period_start": "Enter the date the period starts",
        "period_end": "Enter the date the period ends"}


def test_the_period_ends_after_it_starts_and_not_after_today(world, contract):
    kpi = _kpi(world, contract, frequency="monthly")
    assert _errors(lambda: _return(world, contract, kpi, period_start=date(2026, 10, 31),
                                   period_end=date(2026, 10, 1))) == {
        "period_end": "The period must end on or after the day it starts"}
    assert _errors(lambda: _return(world, contract, kpi, period_start=date(2026, 11, 1),
                                   period_end=date(2026, 11, 30))) == {
        "period_end": "The period must have ended: its end must be today or earlier"}
    # Ending today is allowed; a one-day period too.
    assert _return(world, contract, kpi, period_start=date(2026, 11, 24),
                   period_end=date(2026, 11, 24)).period_end == date(2026, 11, 24)


def test_one_return_per_kpi_and_period_end(world, contract):
    kpi = _kpi(world, contract)
    other = _kpi(world, contract, name="Waiting list")
    _return(world, contract, kpi, period_end=date(2026, 9, 30))
    assert _errors(lambda: _return(world, contract, kpi, period_start=date(2026, 9, 1),
                                   period_end=date(2026, 9, 30))) == {
        "period_end": "A return for the period ending 30 September 2026 has already been "
                      "recorded for this KPI"}
    # Another KPI's return for the same period is its own.
    _return(world, contract, other, period_end=date(2026, 9, 30))
    assert len(_rows(world.member, KpiReturn)) == 2


def test_the_figure_and_a_rag_rating_are_needed(world, contract):
    kpi = _kpi(world, contract)
    assert _errors(lambda: _return(world, contract, kpi, figure="  ", rag=None)) == {
        "figure": "Enter the figure reported",
        "rag": "Select a RAG rating: red, amber or green"}
    assert _errors(lambda: _return(world, contract, kpi, rag="blue")) == {
        "rag": "Select a RAG rating: red, amber or green"}
    assert _errors(lambda: _return(world, contract, kpi, figure="9" * 101)) == {
        "figure": "Figure must be 100 characters or fewer"}
    assert _rows(world.member, KpiReturn) == []


def test_the_return_form_names_every_bad_field_and_saves_nothing(client, world, as_user,
                                                                 contract):
    kpi = _kpi(world, contract, frequency="monthly")
    as_user(world.officer)
    response = client.post(f"/contracts/{contract.id}/kpis/{kpi.id}/returns/new", data={
        "period_start": ["31", "2", "2026"], "period_end": ["1", "12", "2026"],
        "figure": "", "rag": ""})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "There is a problem" in text
    for message in ("Date the period starts must be a real date",
                    "The period must have ended: its end must be today or earlier",
                    "Enter the figure reported", "Select a RAG rating: red, amber or green"):
        assert message in text, message
    assert 'href="#period_start-day"' in text
    assert _rows(world.member, KpiReturn) == []


# ---------------------------------------------------------------------------------- reviews

def test_reviews_are_recorded_with_their_notes_and_listed_latest_first(client, world, as_user,
                                                                       contract):
    """Issue 13 §1: contract reviews with their notes."""
    as_user(world.manager)
    for held_on, notes in ((["14", "10", "2026"], "Autumn review.\nWaiting list down."),
                           (["3", "6", "2026"], "Summer review.")):
        response = client.post(f"/contracts/{contract.id}/reviews",
                               data={"held_on": held_on, "notes": notes})
        assert response.status_code == 302
    page = client.get(f"/contracts/{contract.id}/reviews").get_data(as_text=True)
    assert page.index("Review on 14 October 2026") < page.index("Review on 3 June 2026")
    assert "Autumn review.<br>Waiting list down." in page
    reviews = _rows(world.member, ContractReview)
    assert [(r.held_on, r.supplier_provider_id, r.recorded_by_id) for r in reviews] == [
        (date(2026, 10, 14), world.provider.id, world.manager.id),
        (date(2026, 6, 3), world.provider.id, world.manager.id)]
    assert _events(world.member) == ["contract.review_recorded"] * 2


def test_a_review_is_not_in_the_future_and_has_notes(client, world, as_user, contract):
    as_user(world.officer)
    response = client.post(f"/contracts/{contract.id}/reviews",
                           data={"held_on": ["25", "11", "2026"], "notes": " "})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "There is a problem" in text
    assert "The date the review was held must be today or in the past" in text
    assert "Enter the notes of the review" in text
    assert 'href="#held_on-day"' in text and 'href="#notes"' in text
    blank = client.post(f"/contracts/{contract.id}/reviews", data={"notes": "Held."})
    assert "Enter the date the review was held" in blank.get_data(as_text=True)
    assert _rows(world.member, ContractReview) == []
    # Today is not the future.
    assert client.post(f"/contracts/{contract.id}/reviews", data={
        "held_on": ["24", "11", "2026"], "notes": "Held today."}).status_code == 302


# -------------------------------------------------------------------------------- documents

def _upload(client, contract, *, title="Signed contract", content=PDF,
            filename="contract.pdf"):
    return client.post(f"/contracts/{contract.id}/documents", data={
        "title": title, "file": (BytesIO(content), filename)},
        content_type="multipart/form-data")


def test_a_document_is_uploaded_and_downloaded_with_the_same_bytes(client, world, as_user,
                                                                   contract):
    as_user(world.officer)
    response = _upload(client, contract)
    assert response.status_code == 302
    (document,) = _rows(world.member, ContractDocument)
    assert (document.title, document.filename, document.content_type, document.size,
            document.sha256, document.supplier_provider_id, document.uploaded_by_id) == (
        "Signed contract", "contract.pdf", "application/pdf", len(PDF),
        hashlib.sha256(PDF).hexdigest(), world.provider.id, world.officer.id)
    (stored,) = _rows(world.member, ContractDocumentFile)
    assert stored.supplier_provider_id == world.provider.id and stored.content == PDF
    page = client.get(f"/contracts/{contract.id}/documents").get_data(as_text=True)
    assert "Signed contract" in page and f'href="/contract-documents/{document.id}"' in page
    assert 'enctype="multipart/form-data"' in page

    # The supplier downloads it too.
    as_user(world.provider_user)
    download = client.get(f"/contract-documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "contract.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert _events(world.member) == ["contract.document_uploaded"]


def test_bad_files_are_explained_and_nothing_is_stored(client, world, as_user, contract):
    """The providers' limits (marketplace/providers/services.py): a file, not empty, under
    10MB, a PDF, DOCX, JPG or PNG by its first bytes; and a title."""
    as_user(world.manager)
    cases = [
        (dict(content=b"just some text", filename="notes.txt"),
         "The selected file must be a PDF, a Word document (DOCX), a JPG or a PNG"),
        (dict(content=b"", filename="empty.pdf"), "The selected file is empty"),
        (dict(content=b"%PDF-" + b"x" * (10 * 1024 * 1024), filename="big.pdf"),
         "The selected file must be smaller than 10MB"),
        (dict(content=b"PK\x03\x04zip", filename="archive.zip"),
         "The selected file must be a PDF"),
        (dict(title=""), "Enter a title for the document"),
        (dict(title="t" * 201), "Title must be 200 characters or fewer"),
    ]
    for overrides, message in cases:
        response = _upload(client, contract, **overrides)
        text = response.get_data(as_text=True)
        assert response.status_code == 422 and "There is a problem" in text, message
        assert message in text, message
    no_file = client.post(f"/contracts/{contract.id}/documents", data={"title": "Variation"},
                          content_type="multipart/form-data")
    assert "Select a file" in no_file.get_data(as_text=True)
    assert _rows(world.member, ContractDocument) == []
    assert _rows(world.member, ContractDocumentFile) == []
    assert _upload(client, contract, content=PNG, filename="scan.PNG").status_code == 302
    assert _rows(world.member, ContractDocument)[0].content_type == "image/png"


# ----------------------------------------------------------------------------- who may do what

def test_the_supplier_reads_every_page_without_forms_and_may_change_nothing(
        client, world, as_user, contract):
    kpi = _kpi(world, contract)
    _return(world, contract, kpi, period_end=date(2026, 9, 30), rag="green")
    with tenants.scoped_to(world.member):
        monitoring.record_review(world.officer, contract.id, held_on=date(2026, 10, 1),
                                 notes="Going well.")
    as_user(world.provider_user)
    for path, shown in ((f"/contracts/{contract.id}/kpis", "govuk-tag--green"),
                        (f"/contracts/{contract.id}/kpis/{kpi.id}", "87%"),
                        (f"/contracts/{contract.id}/reviews", "Going well."),
                        (f"/contracts/{contract.id}/documents", "No documents")):
        page = client.get(path)
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and shown in text, path
        assert "novalidate" not in text and "Add a KPI" not in text, path
        assert "Record a return" not in text and "Change the KPI" not in text, path
    for path in (f"/contracts/{contract.id}/kpis/new",
                 f"/contracts/{contract.id}/kpis/{kpi.id}/edit",
                 f"/contracts/{contract.id}/kpis/{kpi.id}/returns/new"):
        assert client.get(path).status_code == 403, path
        assert client.post(path, data={"name": "Mine", "frequency": "monthly", "figure": "1",
                                       "rag": "green"}).status_code == 403, path
    assert client.post(f"/contracts/{contract.id}/reviews", data={
        "held_on": ["1", "11", "2026"], "notes": "Ours."}).status_code == 403
    assert _upload(client, contract).status_code == 403
    assert len(_rows(world.member, ContractKpi)) == 1
    assert len(_rows(world.member, KpiReturn)) == 1
    assert len(_rows(world.member, ContractReview)) == 1
    assert _rows(world.member, ContractDocument) == []
    with tenants.scoped_to(world.provider):
        with pytest.raises(PermissionDenied):
            monitoring.add_kpi(world.provider_user, contract.id, name="Mine",
                               frequency="monthly")
        # The supplier's scope reads the rows through the copied supplier column.
        assert monitoring.list_kpis(world.provider_user, contract.id).summary["green"] == 1


def test_another_authority_and_another_provider_are_told_nothing_exists(
        client, world, as_user, contract):
    kpi = _kpi(world, contract)
    with tenants.scoped_to(world.member):
        document = monitoring.upload_document(world.officer, contract.id, title="Signed",
                                              filename="c.pdf", content=PDF)
    paths = [f"/contracts/{contract.id}/kpis", f"/contracts/{contract.id}/kpis/{kpi.id}",
             f"/contracts/{contract.id}/kpis/new", f"/contracts/{contract.id}/kpis/{kpi.id}/edit",
             f"/contracts/{contract.id}/kpis/{kpi.id}/returns/new",
             f"/contracts/{contract.id}/reviews", f"/contracts/{contract.id}/documents",
             f"/contract-documents/{document.id}"]
    for outsider in (world.other_manager, world.other_officer, world.other_provider_user):
        as_user(outsider)
        for path in paths:
            assert client.get(path).status_code == 404, (outsider, path)
        assert client.post(f"/contracts/{contract.id}/reviews", data={
            "held_on": ["1", "11", "2026"], "notes": "Ours."}).status_code == 404
        for path in ("/kpis", f"/kpis/{kpi.id}/returns", "/reviews", "/documents"):
            assert client.get(f"/api/v1/contracts/{contract.id}{path}",
                              headers=_api(outsider)).status_code == 404, (outsider, path)
        assert client.get(f"/api/v1/contract-documents/{document.id}",
                          headers=_api(outsider)).status_code == 404
    with tenants.scoped_to(world.other_member):
        with pytest.raises(NotFound):
            monitoring.record_review(world.other_manager, contract.id, held_on=date(2026, 11, 1),
                                     notes="Not ours.")
    assert _rows(world.member, ContractReview) == []


def test_a_kpi_of_another_contract_is_not_found_under_this_one(client, world, as_user, contract):
    other_contract = factories.contract(world.member, world.provider, title="OT")
    kpi = _kpi(world, other_contract)
    # The API first: a signed-in session on the client would be read before a bearer token.
    assert client.post(f"/api/v1/contracts/{contract.id}/kpis/{kpi.id}/returns", json={
        "figure": "1", "rag": "red"}, headers=_api(world.manager)).status_code == 404
    as_user(world.manager)
    assert client.get(f"/contracts/{contract.id}/kpis/{kpi.id}").status_code == 404
    assert _rows(world.member, KpiReturn) == []


def test_a_supplier_named_only_has_nobody_here_to_read_it(world):
    """A contract with an NHS trust (no account here): the rows carry no supplier and no
    provider reads them."""
    contract = factories.contract(world.member, supplier_name="Greater Manchester NHS Trust")
    kpi = _kpi(world, contract)
    assert kpi.supplier_provider_id is None
    with tenants.scoped_to(world.provider):
        with pytest.raises(NotFound):
            monitoring.list_kpis(world.provider_user, contract.id)
    assert _rows(world.provider, ContractKpi) == []


# ---------------------------------------------------------------------------------- the API

def test_kpis_and_returns_through_the_api(client, world, contract):
    headers = _api(world.officer)
    url = f"/api/v1/contracts/{contract.id}/kpis"
    bad = client.post(url, json={"target": "90%", "frequency": "fortnightly"}, headers=headers)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert {e["field"] for e in bad.json["errors"]} == {"name", "frequency"}
    made = client.post(url, json={"name": "Seen within 6 weeks", "target": "90%",
                                  "frequency": "quarterly"}, headers=headers)
    assert made.status_code == 201, made.json
    assert (made.json["name"], made.json["frequency"], made.json["contract_id"]) == (
        "Seen within 6 weeks", "quarterly", str(contract.id))
    kpi_id = made.json["id"]

    returns = f"{url}/{kpi_id}/returns"
    recorded = client.post(returns, json={"figure": "87%", "rag": "amber"}, headers=headers)
    assert recorded.status_code == 201, recorded.json
    assert (recorded.json["period_start"], recorded.json["period_end"],
            recorded.json["rag"]) == ("2026-07-01", "2026-09-30", "amber")
    again = client.post(returns, json={"period_end": "2026-09-30", "figure": "88%",
                                       "rag": "green"}, headers=headers)
    assert again.status_code == 422
    assert [e["field"] for e in again.json["errors"]] == ["period_end"]
    wrong = client.post(returns, json={"period_start": "2026-12-01", "period_end": "2026-12-31",
                                       "figure": "", "rag": "purple"}, headers=headers)
    assert {e["field"] for e in wrong.json["errors"]} == {"period_end", "figure", "rag"}
    client.post(returns, json={"period_end": "2026-06-30", "figure": "80%", "rag": "red"},
                headers=headers)

    supplier = _api(world.provider_user)
    listed = client.get(url, headers=supplier)
    assert listed.status_code == 200
    (line,) = listed.json
    assert (line["id"], line["latest_return"]["figure"], line["latest_return"]["rag"]) == (
        kpi_id, "87%", "amber")
    history = client.get(returns, headers=supplier).json
    assert [r["period_end"] for r in history] == ["2026-09-30", "2026-06-30"]

    changed = client.patch(f"{url}/{kpi_id}", json={"target": "95%"}, headers=headers)
    assert (changed.status_code, changed.json["target"], changed.json["name"]) == (
        200, "95%", "Seen within 6 weeks")
    assert client.patch(f"{url}/{kpi_id}", json={"frequency": "hourly"},
                        headers=headers).status_code == 422

    # The supplier reads but may change nothing.
    assert client.post(url, json={"name": "Ours", "frequency": "monthly"},
                       headers=supplier).status_code == 403
    assert client.post(returns, json={"figure": "99%", "rag": "green"},
                       headers=supplier).status_code == 403
    assert client.patch(f"{url}/{kpi_id}", json={"target": "50%"},
                        headers=supplier).status_code == 403
    assert len(_rows(world.member, KpiReturn)) == 2


def test_reviews_and_documents_through_the_api(client, world, contract):
    headers = _api(world.manager)
    url = f"/api/v1/contracts/{contract.id}/reviews"
    bad = client.post(url, json={"held_on": "2026-12-01"}, headers=headers)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"held_on", "notes"}
    made = client.post(url, json={"held_on": "2026-11-02", "notes": "Autumn review."},
                       headers=headers)
    assert made.status_code == 201 and made.json["held_on"] == "2026-11-02"
    supplier = _api(world.provider_user)
    assert [r["notes"] for r in client.get(url, headers=supplier).json] == ["Autumn review."]
    assert client.post(url, json={"held_on": "2026-11-02", "notes": "Ours."},
                       headers=supplier).status_code == 403

    url = f"/api/v1/contracts/{contract.id}/documents"
    bad = client.post(url, headers=headers, content_type="multipart/form-data", data={
        "file": (BytesIO(b""), "x.pdf")})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"title", "file"}
    uploaded = client.post(url, headers=headers, content_type="multipart/form-data", data={
        "title": "Key decision report", "file": (BytesIO(PDF), "kd.pdf")})
    assert uploaded.status_code == 201, uploaded.json
    assert (uploaded.json["size"], uploaded.json["sha256"], uploaded.json["content_type"]) == (
        len(PDF), hashlib.sha256(PDF).hexdigest(), "application/pdf")
    document_id = uploaded.json["id"]
    assert [d["id"] for d in client.get(url, headers=supplier).json] == [document_id]
    download = client.get(f"/api/v1/contract-documents/{document_id}", headers=supplier)
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert client.post(url, headers=supplier, content_type="multipart/form-data", data={
        "title": "Ours", "file": (BytesIO(PDF), "ours.pdf")}).status_code == 403
    assert len(_rows(world.member, ContractDocument)) == 1


# ------------------------------------------------------------------------------ query counts

def test_the_lists_load_in_a_fixed_number_of_statements(client, world, as_user, contract):
    """A list page's statement count does not grow with its rows (KPIs, their returns,
    reviews, documents), on the pages and in the API."""
    made = {"n": 0}

    def add(n):
        for _ in range(n):
            made["n"] += 1
            kpi = _kpi(world, contract, name=f"KPI {made['n']}")
            for month in (3, 6, 9):
                _return(world, contract, kpi, period_end=date(2026, month, 28))
            with tenants.scoped_to(world.member):
                monitoring.record_review(world.officer, contract.id, held_on=date(2026, 10, 1),
                                         notes=f"Review {made['n']}")
                monitoring.upload_document(world.officer, contract.id, title=f"D{made['n']}",
                                           filename="d.pdf", content=PDF)

    as_user(world.manager)
    for path in ("kpis", "reviews", "documents"):
        assert_constant_queries(add, lambda: client.get(f"/contracts/{contract.id}/{path}"))
    headers = _api(world.provider_user)
    for path in ("kpis", "reviews", "documents"):
        assert_constant_queries(add, lambda: client.get(
            f"/api/v1/contracts/{contract.id}/{path}", headers=headers))


def test_a_kpis_history_loads_in_a_fixed_number_of_statements(client, world, as_user,
                                                              contract):
    kpi = _kpi(world, contract, frequency="monthly")
    made = {"n": 0}

    def add(n):
        for _ in range(n):
            made["n"] += 1
            end = date(2025, made["n"], 28)
            _return(world, contract, kpi, period_start=end.replace(day=1), period_end=end)

    as_user(world.officer)
    assert_constant_queries(add, lambda: client.get(f"/contracts/{contract.id}/kpis/{kpi.id}"))
    headers = _api(world.provider_user)
    assert_constant_queries(add, lambda: client.get(
        f"/api/v1/contracts/{contract.id}/kpis/{kpi.id}/returns", headers=headers))


def test_a_new_supplier_reads_the_monitoring_and_the_old_one_no_longer_does(world):
    """Changing a contract's supplier moves every row the supplier reads with it (issue 13 §1:
    a supplier sees only the contracts it is party to), the documents' bytes included."""
    from marketplace.contracts import services

    contract = factories.contract(world.member, world.provider, start=date(2030, 9, 1))
    with tenants.scoped_to(world.member):
        kpi = monitoring.add_kpi(world.officer, contract.id, name="Seen within 6 weeks",
                                 frequency="quarterly")
        monitoring.record_return(world.officer, contract.id, kpi.id, figure="91%", rag="green")
        monitoring.record_review(world.officer, contract.id, held_on=date(2026, 11, 2),
                                 notes="On track")
        document = monitoring.upload_document(world.officer, contract.id, title="Signed",
                                              filename="contract.pdf", content=PDF)
        services.update_contract(world.officer, contract.id,
                                 supplier_provider_id=world.other_provider.id)
    with tenants.scoped_to(world.other_provider):
        board = monitoring.list_kpis(world.other_provider_user, contract.id)
        assert [(line.kpi.name, line.latest.figure) for line in board.lines] == [
            ("Seen within 6 weeks", "91%")]
        assert len(monitoring.list_reviews(world.other_provider_user, contract.id).reviews) == 1
        assert monitoring.document_content(world.other_provider_user, document.id)[1] == PDF
    with tenants.scoped_to(world.provider):
        for model in (ContractKpi, KpiReturn, ContractReview, ContractDocument,
                      ContractDocumentFile):
            assert db.session.scalars(select(model)).all() == [], model
        with pytest.raises(NotFound):
            monitoring.list_kpis(world.provider_user, contract.id)
