"""Documents with expiry dates: uploads and their history, who may read them, and the rule that
a provider with an expired mandatory document is suspended from new call-offs, by the clock."""
from datetime import date
from io import BytesIO

from sqlalchemy import select

import tenants
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.notifications import OutboxMessage
from marketplace.providers import Provider, jobs
from marketplace.providers.models import DocumentKind, ProviderDocument
from marketplace.providers.services import providers_in_good_standing

from ..helpers import bearer_token
from . import factories
from .factories import PDF

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _upload(client, provider, *, kind="insurance", expires_on=("31", "3", "2027"),
            content=PDF, filename="insurance.pdf", title="", **options):
    return client.post(f"/providers/{provider.id}/documents/new", data={
        "kind": kind, "title": title, "expires_on": list(expires_on),
        "file": (BytesIO(content), filename)}, content_type="multipart/form-data", **options)


def _documents(provider):
    with tenants.scoped_to(provider):
        return db.session.scalars(select(ProviderDocument).order_by(ProviderDocument.id)
                                  .execution_options(populate_existing=True)).all()


def _events(provider, prefix="provider."):
    with tenants.scoped_to(provider):
        return db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like(prefix + "%")).order_by(AuditEvent.id)).all()


def _messages(organisation, template):
    with tenants.scoped_to(organisation):
        return db.session.scalars(select(OutboxMessage.recipient).where(
            OutboxMessage.template == template,
            OutboxMessage.organisation_id == organisation.id)).all()


def _fresh(provider):
    return db.session.scalars(select(Provider).where(Provider.id == provider.id)
                              .execution_options(populate_existing=True)).one()


def test_the_provider_uploads_a_document_and_the_host_downloads_it(client, world, as_user,
                                                                    time_machine):
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    response = _upload(as_user(world.provider_user), world.provider, follow_redirects=True)
    assert "The document has been uploaded" in response.get_data(as_text=True)
    (document,) = _documents(world.provider)
    assert (document.kind, document.filename, document.content_type, document.size,
            document.expires_on, document.uploaded_by_id) == (
        DocumentKind.INSURANCE, "insurance.pdf", "application/pdf", len(PDF), date(2027, 3, 31),
        world.provider_user.id)
    assert _events(world.provider) == ["provider.document_uploaded"]

    page = as_user(world.host_admin).get(f"/providers/{world.provider.id}/documents")
    text = page.get_data(as_text=True)
    assert "insurance.pdf" in text and "31 March 2027" in text and "Missing" in text
    download = client.get(f"/providers/{world.provider.id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]


def test_bad_files_are_explained_and_nothing_is_stored(client, world, as_user, time_machine):
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    as_user(world.provider_user)
    cases = [
        (dict(content=b"just some text", filename="notes.txt"),
         "The selected file must be a PDF, a Word document (DOCX), a JPG or a PNG"),
        (dict(content=b"", filename="empty.pdf"), "The selected file is empty"),
        (dict(content=b"%PDF-" + b"x" * (10 * 1024 * 1024), filename="big.pdf"),
         "The selected file must be smaller than 10MB"),
        (dict(expires_on=("1", "1", "2026")), "The expiry date must be today or in the future"),
        (dict(kind="other"), "Enter a title for the document"),
        (dict(content=b"PK\x03\x04zip", filename="archive.zip"),
         "The selected file must be a PDF"),
    ]
    for overrides, message in cases:
        page = _upload(client, world.provider, **overrides).get_data(as_text=True)
        assert "<title>Error:" in page and message in page, message
    page = client.post(f"/providers/{world.provider.id}/documents/new", data={
        "kind": "insurance", "expires_on": ["1", "1", "2027"]}).get_data(as_text=True)
    assert "Select a file" in page
    assert _documents(world.provider) == []
    assert _upload(client, world.provider, content=PNG, filename="scan.PNG").status_code == 302
    assert _documents(world.provider)[0].content_type == "image/png"


def test_only_the_provider_uploads_and_members_cannot_read_documents(client, world, as_user):
    document = factories.document(world.provider_user)
    assert _upload(as_user(world.host_admin), world.provider).status_code == 403
    as_user(world.manager)
    assert client.get(f"/providers/{world.provider.id}/documents").status_code == 404
    assert client.get(
        f"/providers/{world.provider.id}/documents/{document.id}").status_code == 404
    assert _upload(client, world.provider).status_code == 403
    assert len(_documents(world.provider)) == 1


def test_a_renewal_keeps_the_history(client, world, as_user, time_machine):
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    first = factories.document(world.provider_user, expires_on=date(2027, 1, 31))
    time_machine.move_to("2026-12-01 10:00 +00:00", tick=False)
    second = factories.document(world.provider_user, expires_on=date(2028, 1, 31))
    page = as_user(world.provider_user).get(
        f"/providers/{world.provider.id}/documents").get_data(as_text=True)
    assert "31 January 2027" in page and "31 January 2028" in page and "Replaced" in page
    with tenants.scoped_to(world.provider):
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_id == str(second.id))).one()
    assert event.after["renews"] == first.id


def test_an_expired_mandatory_document_suspends_and_renewal_restores(client, world, as_user,
                                                                      time_machine):
    time_machine.move_to("2026-01-10 10:00 +00:00", tick=False)
    factories.all_documents(world.provider_user, expires_on=date(2027, 6, 30),
                            insurance=date(2026, 3, 31))
    factories.all_documents(world.other_provider_user, expires_on=date(2027, 6, 30))
    both = [world.provider.id, world.other_provider.id]
    assert providers_in_good_standing(both) == set(both)

    # The last minute of 31 March, UK time (BST), and the first of 1 April: the clock decides,
    # with no job run at all.
    assert providers_in_good_standing(
        both, at=tenants.utcnow().replace(month=3, day=31, hour=22, minute=59)) == set(both)
    time_machine.move_to("2026-03-31 23:00:30 +00:00", tick=False)  # 00:00:30 on 1 April BST
    assert providers_in_good_standing(both) == {world.other_provider.id}
    with tenants.scoped_to(world.manager.organisation):
        assert providers_in_good_standing(both) == {world.other_provider.id}
    page = as_user(world.officer).get(f"/providers/{world.provider.id}").get_data(as_text=True)
    assert "Suspended from new call-offs" in page and "31 March 2026" in page

    # The job records, audits and announces it once.
    assert jobs.run_due()["providers_suspended"] == 1
    assert jobs.run_due().get("providers_suspended", 0) == 0
    assert _events(world.provider)[-1] == "provider.suspended"
    assert _messages(world.provider, "provider_suspended") == [world.provider_user.email]
    assert sorted(_messages(world.host, "provider_suspended")) == sorted(
        [world.host_admin.email, world.evaluator.email])
    assert _fresh(world.provider).suspension_recorded_at is not None

    # Renewal lifts it at once, without waiting for the job.
    time_machine.move_to("2026-04-02 09:00 +01:00", tick=False)
    factories.document(world.provider_user, DocumentKind.INSURANCE,
                       expires_on=date(2027, 3, 31))
    assert providers_in_good_standing(both) == set(both)
    assert _events(world.provider)[-2:] == ["provider.document_uploaded",
                                            "provider.suspension_lifted"]
    assert _messages(world.provider, "provider_suspension_lifted") == [world.provider_user.email]
    assert len(_messages(world.host, "provider_suspension_lifted")) == 2
    assert _fresh(world.provider).suspension_recorded_at is None
    assert jobs.run_due().get("provider_suspensions_lifted", 0) == 0
    page = as_user(world.officer).get(f"/providers/{world.provider.id}").get_data(as_text=True)
    assert "In good standing" in page


def test_a_provider_missing_a_mandatory_document_is_not_in_good_standing(world):
    factories.document(world.provider_user, DocumentKind.INSURANCE)
    factories.document(world.provider_user, DocumentKind.OTHER)
    assert providers_in_good_standing([world.provider.id]) == set()
    assert jobs.run_due() == {}  # nothing to announce: never complete, so never suspended


def test_the_30_day_warning_is_sent_once_per_document(world, time_machine):
    time_machine.move_to("2026-01-10 10:00 +00:00", tick=False)
    factories.all_documents(world.provider_user, expires_on=date(2027, 6, 30),
                            insurance=date(2026, 3, 31))
    time_machine.move_to("2026-02-28 12:00 +00:00", tick=False)  # 31 days before
    assert jobs.run_due().get("document_expiry_warnings", 0) == 0
    time_machine.move_to("2026-03-01 08:00 +00:00", tick=False)  # 30 days before
    assert jobs.run_due()["document_expiry_warnings"] == 1
    time_machine.move_to("2026-03-15 08:00 +00:00", tick=False)
    assert jobs.run_due().get("document_expiry_warnings", 0) == 0
    assert _messages(world.provider, "provider_document_expiring") == [
        world.provider_user.email]
    assert _events(world.provider).count("provider.document_expiry_warned") == 1

    # The renewed document is warned about in its own time, once.
    factories.document(world.provider_user, DocumentKind.INSURANCE, expires_on=date(2026, 4, 10))
    assert jobs.run_due()["document_expiry_warnings"] == 1
    assert jobs.run_due().get("document_expiry_warnings", 0) == 0


def test_documents_through_the_api(client, world, time_machine):
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    headers = {"Authorization": f"Bearer {bearer_token(world.provider_user).token}"}
    url = f"/api/v1/providers/{world.provider.id}/documents"
    response = client.post(url, headers=headers, content_type="multipart/form-data", data={
        "kind": "dbs_policy", "expires_on": "2027-09-30",
        "file": (BytesIO(PDF), "dbs.pdf")})
    assert response.status_code == 201, response.json
    assert (response.json["kind"], response.json["expires_on"], response.json["size"]) == (
        "dbs_policy", "2027-09-30", len(PDF))
    document_id = response.json["id"]

    bad = client.post(url, headers=headers, content_type="multipart/form-data", data={
        "kind": "nonsense", "expires_on": "2020-01-01", "file": (BytesIO(b""), "x.pdf")})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert {e["field"] for e in bad.json["errors"]} == {"kind", "expires_on", "file"}

    host = {"Authorization": f"Bearer {bearer_token(world.host_admin).token}"}
    listed = client.get(url, headers=host)
    assert [d["id"] for d in listed.json] == [document_id]
    assert client.get(f"{url}/{document_id}/file", headers=host).data == PDF
