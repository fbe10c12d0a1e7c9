"""Providers: self-registration, profiles, documents with expiry dates, rate cards, vacancies.

Who reads what: a provider's profile, rate card and vacancies are read by every authority and by
the provider itself, never by another provider; its documents by the provider and the host only.
Only the provider's own users change any of it. A provider is in good standing (may be invited to
new call-offs) while every mandatory document is present and unexpired: that follows the clock,
whatever the daily job has or has not done.
"""
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

import tenants

from .. import audit, money, notifications
from ..accounts import services as accounts
from ..accounts.models import Role
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..formatting import govuk_date, london_date
from ..money import format_pounds  # noqa: F401  (views and schemas use it from here)
from ..needs import need_codes as dfe_need_codes
from ..paging import paginate
from ..purchasing.models import PlacementType
from .models import (
    DocumentFile,
    DocumentKind,
    Gender,
    OfstedRating,
    Provider,
    ProviderDocument,
    ProviderNeed,
    ProviderPlacementType,
    RateCardEntry,
    Vacancy,
    VacancyNeed,
)

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
EXPIRY_WARNING = timedelta(days=30)
MAX_WEEKLY_FEE_PENCE = money.MAX_FEE_PENCE
AGES = range(0, 26)  # SEND provision runs to 25
MAX_PLACES = 200
OFFERED_TYPES = (PlacementType.DAY, PlacementType.RESIDENTIAL_38, PlacementType.RESIDENTIAL_52)

COMPANIES_HOUSE = re.compile(r"^(\d{8}|[A-Z]{2}\d{6})$")
CHARITY = re.compile(r"^\d{6,8}(-\d{1,2})?$")
DFE_URN = re.compile(r"^\d{6}$")
OFSTED_URN = re.compile(r"^(SC)?\d{6,7}$")
SC_URN = re.compile(r"^SC\d{6}$")
POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})$")

# Sniffed from the first bytes, never taken from the browser's word.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     (".docx",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
)

DOCUMENT_TYPES = [content_type for _, content_type, _ in _SIGNATURES]


def parse_pounds(text, field):
    """Pence from "1250.00", "£1,250" or "1250.5"; ValidationFailed naming ``field``."""
    if not (text or "").strip():
        raise ValidationFailed({field: "Enter the weekly fee in pounds, like 1250.00"})
    try:
        pence = money.parse_pounds(text)
    except ValueError:
        raise ValidationFailed(
            {field: "Enter the weekly fee in pounds and pence, like 1250.00"}) from None
    if not 0 < pence <= MAX_WEEKLY_FEE_PENCE:
        raise ValidationFailed({field: "The weekly fee must be more than £0 and at most "
                                       f"£{MAX_WEEKLY_FEE_PENCE // 100:,}"})
    return pence


# --- who may read and change a provider ----------------------------------------------------------

def _is_provider(actor):
    return actor.organisation.kind == tenants.OrganisationKind.PROVIDER


def _require_authority(actor):
    if _is_provider(actor):
        raise PermissionDenied("only authorities see the provider directory")


def get_provider(actor, provider_id):
    """A provider's profile: every authority reads it, a provider reads only its own (another
    provider is told it does not exist)."""
    provider = db.session.get(Provider, provider_id)
    if provider is None or (_is_provider(actor) and actor.organisation_id != provider.id):
        raise NotFound(f"provider {provider_id}")
    return provider


def get_own_provider(actor, provider_id):
    """A provider for a change: only its own users may (others who may read it get
    PermissionDenied, others NotFound)."""
    provider = get_provider(actor, provider_id)
    if actor.organisation_id != provider.id:
        raise PermissionDenied("only the provider's own users change this")
    return provider


def _documents_provider(actor, provider_id):
    """Documents are for the provider and the host: a member authority is told they do not exist."""
    provider = get_provider(actor, provider_id)
    if not (actor.organisation_id == provider.id or actor.organisation.is_host):
        raise NotFound(f"documents of provider {provider_id}")
    return provider


def can_read_documents(actor, provider):
    """Whether pages should offer the provider's documents to the actor."""
    return actor.organisation_id == provider.id or actor.organisation.is_host


def can_change(actor, provider):
    """Whether pages should offer the actor changes to the provider's profile, documents, fees
    and vacancies."""
    return actor.organisation_id == provider.id


# --- profile -------------------------------------------------------------------------------------

def _text(values, errors, name, label, max_length, required=False):
    value = (values.get(name) or "").strip()
    if required and not value:
        errors[name] = f"Enter {label}"
    elif len(value) > max_length:
        errors[name] = f"{label[0].upper()}{label[1:]} must be {max_length} characters or fewer"
    values[name] = value or None


def _identifier(values, errors, name, pattern, message, upper=True):
    value = re.sub(r"\s+", "", values.get(name) or "")
    value = value.upper() if upper else value
    if value and not pattern.match(value):
        errors[name] = message
    values[name] = value or None


def _unique(values, errors, name, column, existing, message):
    if values.get(name) and name not in errors:
        clash = select(Provider.id).where(column == values[name])
        if existing is not None:
            clash = clash.where(Provider.id != existing.id)
        if db.session.scalars(clash).first() is not None:
            errors[name] = message


def _choices(values, errors, name, allowed, message):
    chosen = list(dict.fromkeys(values.get(name) or []))
    if set(chosen) - set(allowed):
        errors[name] = message
    values[name] = [value for value in allowed if value in chosen]


def _age(values, errors, name, label):
    value = values.get(name)
    if value in (None, ""):
        values[name] = None
        return
    if isinstance(value, str):
        value = int(value) if value.strip().isdigit() else -1
    if not isinstance(value, int) or value not in AGES:
        errors[name] = f"{label} must be a whole number from {AGES.start} to {AGES.stop - 1}"
    values[name] = value


def _clean_profile(fields, existing=None, registering=False):
    """Validated profile values; ValidationFailed names every bad field."""
    values, errors = dict(fields), {}

    def current(name):
        return values[name] if name in values else getattr(existing, name, None)

    if "name" in values:
        _text(values, errors, "name", "the organisation's legal name", 200, required=True)
    if "companies_house_number" in values:
        _identifier(values, errors, "companies_house_number", COMPANIES_HOUSE,
                    "Enter a Companies House number of 8 characters, like 09876543 or SC123456")
        _unique(values, errors, "companies_house_number", Provider.companies_house_number,
                existing, "An organisation with this Companies House number is already "
                          "registered")
    if "charity_number" in values:
        _identifier(values, errors, "charity_number", CHARITY,
                    "Enter a charity number of 6 to 8 digits, like 1187001")
    if registering and not (values.get("companies_house_number") or values.get("charity_number")) \
            and "companies_house_number" not in errors:
        errors["companies_house_number"] = "Enter a Companies House number or a charity number"
    if "dfe_urn" in values:
        _identifier(values, errors, "dfe_urn", DFE_URN,
                    "Enter the DfE unique reference number (URN) of 6 digits, like 149001")
        _unique(values, errors, "dfe_urn", Provider.dfe_urn, existing,
                "An organisation with this DfE URN is already registered")
    if "ofsted_urn" in values:
        _identifier(values, errors, "ofsted_urn", OFSTED_URN,
                    "Enter the Ofsted URN, like 2650001")
    for name, label, length, required in (("address_line_1", "the first line of the address",
                                           200, registering),
                                          ("address_line_2", "the second line of the address",
                                           200, False),
                                          ("town", "the town or city", 100, registering)):
        if name in values:
            _text(values, errors, name, label, length, required=required)
    if "postcode" in values:
        postcode = re.sub(r"\s+", "", values["postcode"] or "").upper()
        match = POSTCODE.match(postcode)
        if postcode and not match:
            errors["postcode"] = "Enter a real postcode, like SK10 1AB"
        elif registering and not postcode:
            errors["postcode"] = "Enter the postcode"
        values["postcode"] = f"{match[1]} {match[2]}" if match else None
    if "ofsted_rating" in values:
        try:
            values["ofsted_rating"] = (OfstedRating(values["ofsted_rating"])
                                       if values["ofsted_rating"] else None)
        except ValueError:
            errors["ofsted_rating"] = "Select the latest Ofsted rating from the list"
    if "ofsted_inspected_on" in values:
        inspected = values["ofsted_inspected_on"]
        if inspected is not None and not isinstance(inspected, date):
            errors["ofsted_inspected_on"] = "Enter the date of the latest inspection"
        elif inspected is not None and inspected > london_date():
            errors["ofsted_inspected_on"] = "The inspection date must be today or in the past"
    if "need_codes" in values:
        _choices(values, errors, "need_codes", list(dfe_need_codes()),
                 "Select needs from the list of DfE need codes")
    if "genders" in values:
        _choices(values, errors, "genders", [g.value for g in Gender],
                 "Select genders from the list")
    if "placement_types" in values:
        _choices(values, errors, "placement_types", [t.value for t in OFFERED_TYPES],
                 "Select day, 38-week or 52-week residential placements")
    if "age_from" in values:
        _age(values, errors, "age_from", "The youngest age")
    if "age_to" in values:
        _age(values, errors, "age_to", "The oldest age")
    young, old = current("age_from"), current("age_to")
    if "age_from" not in errors and "age_to" not in errors and young is not None \
            and old is not None and old < young:
        errors["age_to"] = "The oldest age must be the same as or more than the youngest"
    if "childrens_home_urn" in values:
        _identifier(values, errors, "childrens_home_urn", SC_URN,
                    "Enter the children's home registration as SC and 6 digits, like SC480001")
    if (PlacementType.RESIDENTIAL_52 in (current("placement_types") or [])
            and not current("childrens_home_urn") and "childrens_home_urn" not in errors):
        errors["childrens_home_urn"] = (
            "Enter the children's home registration (Ofsted SC URN): a school housing children "
            "295 days a year or more is also a children's home")
    if errors:
        raise ValidationFailed(errors)
    return values


PROFILE_FIELDS = ("name", "companies_house_number", "charity_number", "dfe_urn", "ofsted_urn",
                  "address_line_1", "address_line_2", "town", "postcode", "ofsted_rating",
                  "ofsted_inspected_on", "need_codes", "age_from", "age_to", "genders",
                  "placement_types", "childrens_home_urn")


def describe_profile(provider):
    """The profile as JSON-safe values (for audit events)."""
    def plain(value):
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, list):
            return [str(v) for v in value]
        return value.value if hasattr(value, "value") else value
    return {name: plain(getattr(provider, name)) for name in PROFILE_FIELDS}


def _apply_profile(provider, values):
    for name, value in values.items():
        if name == "need_codes":
            keep = {row.code: row for row in provider.need_rows}
            provider.need_rows = [keep.get(code) or ProviderNeed(code=code) for code in value]
        elif name == "placement_types":
            keep = {row.placement_type: row for row in provider.placement_type_rows}
            provider.placement_type_rows = [
                keep.get(PlacementType(t)) or ProviderPlacementType(placement_type=t)
                for t in value]
        else:
            setattr(provider, name, value)


def update_profile(actor, provider_id, **changes):
    """The provider's own users change its profile (any of PROFILE_FIELDS); audited with the
    fields that changed, before and after."""
    provider = get_own_provider(actor, provider_id)
    values = _clean_profile({k: v for k, v in changes.items() if k in PROFILE_FIELDS},
                            existing=provider)
    before = describe_profile(provider)
    _apply_profile(provider, values)
    after = describe_profile(provider)
    if after != before:
        audit.record("provider.profile_changed", provider, actor=actor,
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before[k] != v})
    db.session.commit()
    return provider


def _directory(need_code=None, placement_type=None):
    errors = {}
    statement = select(Provider).order_by(Provider.name, Provider.id)
    if need_code:
        if need_code not in dfe_need_codes():
            errors["need_code"] = "Select a need from the list of DfE need codes"
        statement = statement.where(Provider.id.in_(
            select(ProviderNeed.provider_id).where(ProviderNeed.code == need_code)))
    if placement_type:
        if placement_type not in {t.value for t in PlacementType}:
            errors["placement_type"] = "Select a placement type from the list"
        else:
            statement = statement.where(Provider.id.in_(
                select(ProviderPlacementType.provider_id)
                .where(ProviderPlacementType.placement_type == placement_type)))
    if errors:
        raise ValidationFailed(errors)
    return statement


def list_providers(actor, *, need_code=None, placement_type=None):
    """The provider directory by name, optionally only those catering for a need or offering a
    placement type; for authorities (host and members)."""
    _require_authority(actor)
    return db.session.scalars(_directory(need_code, placement_type)).all()


def page_of_providers(actor, page, per_page, *, need_code=None, placement_type=None):
    """One page of :func:`list_providers`."""
    _require_authority(actor)
    return paginate(_directory(need_code, placement_type), page, per_page)


# --- self-registration ---------------------------------------------------------------------------

def _host():
    return db.session.scalars(select(tenants.Authority).where(
        tenants.Authority.role == tenants.AuthorityRole.HOST)).first()


def _notify_host(template, context):
    host = _host()
    if host is not None:
        notifications.notify_organisation(host, template, {**context, "for_host": True})


def register_provider(*, name, companies_house_number=None, charity_number=None, dfe_urn=None,
                      ofsted_urn=None, address_line_1=None, address_line_2=None, town=None,
                      postcode=None, full_name, email, remote_addr=None):
    """Anyone registers a provider organisation and themselves as its first user.

    Creates the provider and an invited user, and emails them a link: following it verifies
    the email address and sets their password in one step (the accept-invitation page). Audited
    in the new provider's trail; the host's users are told. Returns the provider and the token.
    """
    values = _clean_profile({
        "name": name, "companies_house_number": companies_house_number,
        "charity_number": charity_number, "dfe_urn": dfe_urn, "ofsted_urn": ofsted_urn,
        "address_line_1": address_line_1, "address_line_2": address_line_2, "town": town,
        "postcode": postcode}, registering=True)
    provider = Provider(genders=[], **values)
    db.session.add(provider)
    db.session.flush()
    with tenants.scoped_to(provider):
        audit.record("provider.registered", provider, after=describe_profile(provider),
                     remote_addr=remote_addr)
        db.session.flush()
    try:
        user, token = accounts.invite_first_user(None, provider, email=email,
                                                 full_name=full_name, role=Role.PROVIDER_USER)
    except ValidationFailed:
        db.session.rollback()
        raise
    _notify_host("provider_registered", {
        "provider_name": provider.name,
        "link": notifications.external_url("providers.provider", provider_id=provider.id)})
    db.session.commit()
    return provider, token


# --- documents and good standing -----------------------------------------------------------------

@dataclass
class DocumentStatus:
    """A mandatory kind's current document (None when missing) and whether it has expired."""

    kind: DocumentKind
    current: ProviderDocument | None
    expired: bool

    @property
    def problem(self):
        if self.current is None:
            return "missing"
        return "expired" if self.expired else None


@dataclass
class Documents:
    provider: Provider
    documents: list  # every version, newest first
    statuses: list = field(default_factory=list)

    @property
    def current_ids(self):
        return {s.current.id for s in self.statuses if s.current is not None}


def _documents_of(provider):
    # The host sees every provider's documents, so pick this provider's.
    return (select(ProviderDocument).where(ProviderDocument.organisation_id == provider.id)
            .order_by(ProviderDocument.uploaded_at.desc(), ProviderDocument.id.desc()))


def _provider_documents(provider):
    return db.session.scalars(_documents_of(provider)).all()


def _current(documents):
    """The newest upload of each kind (documents come newest first)."""
    current = {}
    for document in documents:
        current.setdefault(document.kind, document)
    return current


def _statuses(documents, day):
    current = _current(documents)
    return [DocumentStatus(kind, current.get(kind),
                           current.get(kind) is not None and current[kind].is_expired(day))
            for kind in DocumentKind.mandatory_kinds()]


def list_documents(actor, provider_id, at=None):
    """Every version of a provider's documents, newest first, with each mandatory kind's current
    status; for the provider and the host."""
    provider = _documents_provider(actor, provider_id)
    documents = _provider_documents(provider)
    return Documents(provider, documents, _statuses(documents, london_date(at)))


def page_of_documents(actor, provider_id, page, per_page):
    """One page of a provider's documents, every version, newest first; for the provider and
    the host."""
    return paginate(_documents_of(_documents_provider(actor, provider_id)), page, per_page)


def get_document(actor, provider_id, document_id):
    """One document's description; for the provider and the host."""
    provider = _documents_provider(actor, provider_id)
    document = db.session.get(ProviderDocument, document_id)
    if document is None or document.organisation_id != provider.id:
        raise NotFound(f"document {document_id}")
    return document


def document_content(actor, provider_id, document_id):
    """A document and its bytes, to download; for the provider and the host."""
    document = get_document(actor, provider_id, document_id)
    content = db.session.scalars(
        select(DocumentFile.content).where(DocumentFile.id == document.file_id)).one()
    return document, content


def sniff_document_type(content, filename):
    """The file's type from its first bytes (a DOCX is a zip, so its name must say DOCX too)."""
    extension = "." + filename.rpartition(".")[2].lower() if "." in filename else ""
    for signature, content_type, extensions in _SIGNATURES:
        if content.startswith(signature):
            return content_type if signature != b"PK\x03\x04" or extension in extensions else None
    return None


def check_document_file(filename, content, errors, *, filename_length=255):
    """An uploaded document's name (its last path part, trimmed) and its type by its first
    bytes, or a message under ``errors["file"]``: no file, an empty one, one of 10MB or more,
    or one that is not a PDF, DOCX, JPG or PNG. Providers' documents and contracts' keep the
    same limits through this one check."""
    filename = (filename or "").replace("\\", "/").rpartition("/")[2].strip()[:filename_length]
    content_type = None
    if content is None or not filename:
        errors["file"] = "Select a file"
    elif len(content) == 0:
        errors["file"] = "The selected file is empty"
    elif len(content) > MAX_DOCUMENT_BYTES:
        errors["file"] = "The selected file must be smaller than 10MB"
    elif (content_type := sniff_document_type(content, filename)) is None:
        errors["file"] = "The selected file must be a PDF, a Word document (DOCX), a JPG or a PNG"
    return filename, content_type


def _clean_upload(kind, expires_on, title, filename, content, today):
    errors = {}
    try:
        kind = DocumentKind(kind)
    except ValueError:
        errors["kind"] = "Select the kind of document"
    title = (title or "").strip() or None
    if kind == DocumentKind.OTHER and not title:
        errors["title"] = "Enter a title for the document"
    elif title and len(title) > 200:
        errors["title"] = "Title must be 200 characters or fewer"
    if not isinstance(expires_on, date):
        errors["expires_on"] = "Enter the date the document expires"
    elif expires_on < today:
        errors["expires_on"] = "The expiry date must be today or in the future"
    filename, content_type = check_document_file(filename, content, errors)
    if errors:
        raise ValidationFailed(errors)
    return kind, title, filename, content_type


def refresh_standing(provider):
    """Recompute the earliest expiry among the provider's current mandatory documents (after
    documents are written other than by :func:`upload_document`, e.g. by the demo seed), in the
    provider's scope. The caller commits."""
    current = _current(_provider_documents(provider))
    expiries = [current[kind].expires_on if kind in current else None
                for kind in DocumentKind.mandatory_kinds()]
    provider.documents_valid_until = None if None in expiries else min(expiries)


def upload_document(actor, provider_id, *, kind, expires_on, filename, content, title=None):
    """The provider's own users upload a document with its expiry date; a newer upload of a kind
    renews it (the old one stays in the history). A renewal that brings every mandatory document
    back in date lifts a recorded suspension at once. Audited."""
    provider = get_own_provider(actor, provider_id)
    now = tenants.utcnow()
    kind, title, filename, content_type = _clean_upload(kind, expires_on, title, filename,
                                                        content, london_date(now))
    previous = _current(_provider_documents(provider)).get(kind)
    stored = DocumentFile(content=content)
    document = ProviderDocument(
        kind=kind, title=title, filename=filename, content_type=content_type, size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), expires_on=expires_on, uploaded_at=now,
        uploaded_by_id=actor.id, file=stored)
    db.session.add_all([stored, document])
    db.session.flush()
    audit.record("provider.document_uploaded", document, actor=actor, after={
        "kind": kind.value, "filename": filename, "size": len(content),
        "expires_on": expires_on.isoformat(),
        "renews": previous.id if previous is not None else None})
    refresh_standing(provider)
    _sync_suspension(provider, now, actor=actor)
    db.session.commit()
    return document


def providers_in_good_standing(provider_ids, at=None):
    """The ids among ``provider_ids`` whose every mandatory document is present and unexpired at
    ``at`` (default now): the providers a call-off may invite. Works in any organisation's scope
    and follows the clock, whatever the daily job has done."""
    ids = list(provider_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Provider.id).where(
        Provider.id.in_(ids), Provider.documents_valid_until >= london_date(at))))


def in_good_standing(provider, at=None):
    return provider.in_good_standing(london_date(at))


def _sync_suspension(provider, now, actor=None):
    """Record, audit and announce a change in standing since the last one announced: suspended
    when a mandatory document has expired, lifted when renewal brings them all back in date.
    (A provider that has never had every mandatory document is not yet in good standing; that is
    shown on its profile but not announced as a suspension.) Returns "suspended", "lifted" or
    None. A suspension is the clock's doing, so it has no actor; a lifting is the uploader's.
    The caller commits, in the provider's scope."""
    day = london_date(now)
    expired = provider.documents_valid_until is not None and provider.documents_valid_until < day
    context = {"provider_name": provider.name,
               "link": notifications.external_url("providers.documents",
                                                  provider_id=provider.id)}
    if expired and provider.suspension_recorded_at is None:
        provider.suspension_recorded_at = now
        expired_kinds = [s.kind.label for s in _statuses(_provider_documents(provider), day)
                         if s.problem]
        audit.record("provider.suspended", provider,
                     after={"expired": expired_kinds,
                            "valid_until": provider.documents_valid_until.isoformat()})
        context["documents"] = expired_kinds
        notifications.notify_organisation(provider, "provider_suspended", context)
        db.session.flush()  # in the provider's scope, before writing the host's messages
        _notify_host("provider_suspended", context)
        return "suspended"
    if provider.suspension_recorded_at is not None and provider.in_good_standing(day):
        audit.record("provider.suspension_lifted", provider, actor=actor,
                     before={"suspended_at": provider.suspension_recorded_at.isoformat()})
        provider.suspension_recorded_at = None
        notifications.notify_organisation(provider, "provider_suspension_lifted", context)
        db.session.flush()
        _notify_host("provider_suspension_lifted", context)
        return "lifted"
    return None


def providers_to_review(at=None):
    """Providers the expiry job must look at: a mandatory document expires within the warning
    period (or has expired), or a suspension is on record. For the job, with no scope."""
    horizon = london_date(at) + EXPIRY_WARNING
    return db.session.scalars(select(Provider).where(
        (Provider.documents_valid_until <= horizon) | Provider.suspension_recorded_at.is_not(None))
        .order_by(Provider.id)).all()


def review_document_expiry(provider, at=None):
    """The daily job, for no user, in the provider's scope: warns once per current mandatory
    document 30 days before it expires, and records a suspension (or its lifting) as the
    documents' dates say. Idempotent. Returns counts."""
    now = at or tenants.utcnow()
    day = london_date(now)
    counts = {"document_expiry_warnings": 0, "providers_suspended": 0,
              "provider_suspensions_lifted": 0}
    for status in _statuses(_provider_documents(provider), day):
        document = status.current
        if (document is None or document.expiry_warning_sent_at is not None
                or status.expired or document.expires_on > day + EXPIRY_WARNING):
            continue
        document.expiry_warning_sent_at = now
        audit.record("provider.document_expiry_warned", document,
                     after={"kind": document.kind.value,
                            "expires_on": document.expires_on.isoformat()})
        notifications.notify_organisation(provider, "provider_document_expiring", {
            "provider_name": provider.name, "document": document.kind.label,
            "expires": govuk_date(document.expires_on),
            "link": notifications.external_url("providers.new_document",
                                               provider_id=provider.id)})
        counts["document_expiry_warnings"] += 1
    changed = _sync_suspension(provider, now)
    if changed == "suspended":
        counts["providers_suspended"] += 1
    elif changed == "lifted":
        counts["provider_suspensions_lifted"] += 1
    db.session.commit()
    return counts


# --- rate card -----------------------------------------------------------------------------------

@dataclass
class RateCard:
    provider: Provider
    current: dict  # PlacementType -> RateCardEntry
    history: list  # every entry, newest first


def get_rate_card(actor, provider_id):
    """A provider's indicative weekly fees now and their history; for every authority and the
    provider itself."""
    provider = get_provider(actor, provider_id)
    history = db.session.scalars(
        select(RateCardEntry).where(RateCardEntry.organisation_id == provider.id)
        .order_by(RateCardEntry.effective_from.desc(), RateCardEntry.id.desc())).all()
    current = {}
    for entry in history:
        current.setdefault(entry.placement_type, entry)
    ordered = {t: current[t] for t in PlacementType if t in current}
    return RateCard(provider, ordered, history)


def set_rates(actor, provider_id, fees):
    """The provider's own users set indicative weekly fees, from now, for placement types it
    offers. ``fees`` maps a placement type to pounds ("1250.00"); a blank leaves that fee as it
    is. Each change is a new entry, so the history is kept; audited."""
    provider = get_own_provider(actor, provider_id)
    offered = set(provider.placement_types)
    errors, pence = {}, {}
    for placement_type, text in (fees or {}).items():
        name = f"fees.{placement_type}"
        if placement_type not in {t.value for t in PlacementType} or \
                PlacementType(placement_type) not in offered:
            errors[name] = ("Add this placement type to your profile before setting its fee")
            continue
        if text is None or not str(text).strip():
            continue
        try:
            pence[PlacementType(placement_type)] = parse_pounds(str(text), name)
        except ValidationFailed as error:
            errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    card = get_rate_card(actor, provider_id)
    now = tenants.utcnow()
    before, after = {}, {}
    for placement_type, amount in pence.items():
        existing = card.current.get(placement_type)
        if existing is not None and existing.weekly_fee_pence == amount:
            continue
        db.session.add(RateCardEntry(placement_type=placement_type, weekly_fee_pence=amount,
                                     effective_from=now, set_by_id=actor.id))
        before[placement_type.value] = (format_pounds(existing.weekly_fee_pence)
                                        if existing else None)
        after[placement_type.value] = format_pounds(amount)
    if after:
        audit.record("provider.rates_changed", provider, actor=actor, before=before, after=after)
    db.session.commit()
    return get_rate_card(actor, provider_id)


# --- vacancies -----------------------------------------------------------------------------------

MAX_CHILD_AGE = 25  # an EHC plan can run to 25


def _vacancies(placement_type=None, need_code=None, age=None):
    errors = {}
    statement = (select(Vacancy).where(Vacancy.withdrawn_at.is_(None))
                 .order_by(Vacancy.available_from, Vacancy.id))
    if placement_type:
        if placement_type not in {t.value for t in PlacementType}:
            errors["placement_type"] = "Select a placement type from the list"
        else:
            statement = statement.where(Vacancy.placement_type == placement_type)
    if need_code:
        if need_code not in dfe_need_codes():
            errors["need_code"] = "Select a need from the list of DfE need codes"
        statement = statement.where(Vacancy.id.in_(
            select(VacancyNeed.vacancy_id).where(VacancyNeed.code == need_code)))
    if age is not None and str(age).strip() != "":
        try:
            age = int(str(age).strip())
        except ValueError:
            age = None
        if age is None or not 0 <= age <= MAX_CHILD_AGE:
            errors["age"] = f"Enter the child's age as a whole number from 0 to {MAX_CHILD_AGE}"
        else:
            statement = statement.where(Vacancy.age_from <= age, Vacancy.age_to >= age)
    if errors:
        raise ValidationFailed(errors)
    return statement


def page_of_vacancies(actor, page, per_page, *, placement_type=None, need_code=None, age=None):
    """One page of every provider's open vacancies, soonest first, optionally of one placement
    type or need, or for a child of one age; for authorities. A page at a time: at a national
    scale the open vacancies run to thousands."""
    _require_authority(actor)
    return paginate(_vacancies(placement_type, need_code, age), page, per_page)


def _provider_vacancies(provider):
    return (select(Vacancy).where(Vacancy.organisation_id == provider.id)
            .order_by(Vacancy.withdrawn_at.is_not(None), Vacancy.available_from, Vacancy.id))


def list_provider_vacancies(actor, provider_id):
    """A provider's vacancies, open ones first; for authorities and the provider itself."""
    provider = get_provider(actor, provider_id)
    return db.session.scalars(_provider_vacancies(provider)).all()


def page_of_provider_vacancies(actor, provider_id, page, per_page):
    provider = get_provider(actor, provider_id)
    return paginate(_provider_vacancies(provider), page, per_page)


def get_vacancy(actor, provider_id, vacancy_id):
    """One vacancy; for authorities and the provider itself."""
    provider = get_provider(actor, provider_id)
    vacancy = db.session.get(Vacancy, vacancy_id)
    if vacancy is None or vacancy.organisation_id != provider.id:
        raise NotFound(f"vacancy {vacancy_id}")
    return vacancy


def _clean_vacancy(fields, existing=None):
    values, errors = dict(fields), {}
    if "placement_type" in values:
        if values["placement_type"] not in {t.value for t in OFFERED_TYPES}:
            errors["placement_type"] = "Select the placement type"
        else:
            values["placement_type"] = PlacementType(values["placement_type"])
    if "need_codes" in values:
        _choices(values, errors, "need_codes", list(dfe_need_codes()),
                 "Select needs from the list of DfE need codes")
        if not values["need_codes"] and "need_codes" not in errors:
            errors["need_codes"] = "Select at least one need the places are for"
    for name, label in (("age_from", "The youngest age"), ("age_to", "The oldest age")):
        if name in values:
            _age(values, errors, name, label)
            if values[name] is None and name not in errors:
                errors[name] = f"Enter {label.lower()}"
    young = values.get("age_from", getattr(existing, "age_from", None))
    old = values.get("age_to", getattr(existing, "age_to", None))
    if "age_from" not in errors and "age_to" not in errors and young is not None \
            and old is not None and old < young:
        errors["age_to"] = "The oldest age must be the same as or more than the youngest"
    if "available_from" in values:
        if not isinstance(values["available_from"], date):
            errors["available_from"] = "Enter the date the places are available from"
        elif existing is None and values["available_from"] < london_date():
            errors["available_from"] = "The date must be today or in the future"
    if "places" in values:
        places = values["places"]
        if isinstance(places, str):
            places = values["places"] = int(places) if places.strip().isdigit() else None
        if not isinstance(places, int) or not 1 <= places <= MAX_PLACES:
            errors["places"] = f"Enter the number of places, a whole number from 1 to {MAX_PLACES}"
    if errors:
        raise ValidationFailed(errors)
    return values


VACANCY_FIELDS = ("placement_type", "need_codes", "age_from", "age_to", "available_from",
                  "places")


def _describe_vacancy(vacancy):
    return {"placement_type": vacancy.placement_type.value, "need_codes": vacancy.need_codes,
            "age_from": vacancy.age_from, "age_to": vacancy.age_to,
            "available_from": vacancy.available_from.isoformat(), "places": vacancy.places}


def _apply_vacancy(vacancy, values):
    for name, value in values.items():
        if name == "need_codes":
            keep = {row.code: row for row in vacancy.need_rows}
            vacancy.need_rows = [keep.get(code) or VacancyNeed(code=code) for code in value]
        else:
            setattr(vacancy, name, value)


def declare_vacancy(actor, provider_id, **fields):
    """The provider's own users declare places free (type, needs, age range, from date, number
    of places). Audited."""
    get_own_provider(actor, provider_id)
    values = {name: fields.get(name) for name in VACANCY_FIELDS}
    try:
        values = _clean_vacancy(values)
    except ValidationFailed as error:
        errors = error.errors
    else:
        errors = {}
    for name, message in (("placement_type", "Select the placement type"),
                          ("available_from", "Enter the date the places are available from"),
                          ("places", "Enter the number of places")):
        if values.get(name) in (None, "") and name not in errors:
            errors[name] = message
    if errors:
        raise ValidationFailed(errors)
    vacancy = Vacancy()
    _apply_vacancy(vacancy, values)
    db.session.add(vacancy)
    db.session.flush()
    audit.record("vacancy.declared", vacancy, actor=actor, after=_describe_vacancy(vacancy))
    db.session.commit()
    return vacancy


def update_vacancy(actor, provider_id, vacancy_id, **changes):
    """The provider's own users change an open vacancy (Conflict once withdrawn). Audited."""
    vacancy = get_vacancy(actor, provider_id, vacancy_id)
    get_own_provider(actor, provider_id)
    if vacancy.is_withdrawn:
        raise Conflict("This vacancy has been withdrawn")
    values = _clean_vacancy({k: v for k, v in changes.items() if k in VACANCY_FIELDS},
                            existing=vacancy)
    before = _describe_vacancy(vacancy)
    _apply_vacancy(vacancy, values)
    vacancy.updated_at = tenants.utcnow()
    after = _describe_vacancy(vacancy)
    if after != before:
        audit.record("vacancy.changed", vacancy, actor=actor,
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before[k] != v})
    db.session.commit()
    return vacancy


def withdraw_vacancy(actor, provider_id, vacancy_id):
    """The provider's own users withdraw a vacancy: open → withdrawn (Conflict if it already
    is). Audited."""
    vacancy = get_vacancy(actor, provider_id, vacancy_id)
    get_own_provider(actor, provider_id)
    if vacancy.is_withdrawn:
        raise Conflict("This vacancy has already been withdrawn")
    vacancy.withdrawn_at = tenants.utcnow()
    audit.record("vacancy.withdrawn", vacancy, actor=actor)
    db.session.commit()
    return vacancy
