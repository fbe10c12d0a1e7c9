"""Providers in the API: registration, profiles, documents, rate cards and vacancies."""
from io import BytesIO

from flask import request, send_file
from flask_login import current_user

from ..api import PAGINATION, api_blueprint, errors, page_items
from ..extensions import limiter, sign_in_limit
from . import services
from .schemas import (
    DocumentSchema,
    DocumentUploadSchema,
    ProfileChangeSchema,
    ProviderFilterSchema,
    ProviderSchema,
    RateCardChangeSchema,
    RateCardSchema,
    RegisteredSchema,
    RegistrationSchema,
    VacancyChangeSchema,
    VacancyInputSchema,
    VacancySchema,
)

# A provider registers without a token; every other route needs one.
blp = api_blueprint("api_providers", __name__, public_endpoints=("register",),
                    url_prefix="/providers",
                    description="Provider organisations: registration, profiles, documents, "
                                "rate cards and vacancies.")



@blp.post("/registrations")
@limiter.limit(sign_in_limit)
@blp.arguments(RegistrationSchema)
@blp.response(201, RegisteredSchema)
@errors(429)
@blp.doc(security=[])
def register(data):
    """Register a provider organisation and its first user (no token needed). The user is
    emailed a link to confirm their address and set a password."""
    provider, _token = services.register_provider(**data, remote_addr=request.remote_addr)
    return {"provider": provider, "email": data["email"]}


@blp.get("")
@blp.arguments(ProviderFilterSchema, location="query")
@blp.response(200, ProviderSchema(many=True))
@blp.paginate(**PAGINATION)
@errors(403)
def providers(filters, pagination_parameters):
    """The provider directory by name, optionally by need code or placement type
    (authorities)."""
    return page_items(pagination_parameters, services.page_of_providers(
        current_user, pagination_parameters.page, pagination_parameters.page_size, **filters))


@blp.get("/vacancies")
@blp.arguments(ProviderFilterSchema, location="query")
@blp.response(200, VacancySchema(many=True))
@blp.paginate(**PAGINATION)
@errors(403)
def vacancies(filters, pagination_parameters):
    """Every provider's open vacancies, soonest first, optionally by need code or placement type
    (authorities)."""
    return page_items(pagination_parameters, services.page_of_vacancies(
        current_user, pagination_parameters.page, pagination_parameters.page_size, **filters))


@blp.get("/<id:provider_id>")
@blp.response(200, ProviderSchema)
def provider(provider_id):
    """A provider's profile (authorities, and the provider itself)."""
    return services.get_provider(current_user, provider_id)


@blp.patch("/<id:provider_id>")
@blp.arguments(ProfileChangeSchema)
@blp.response(200, ProviderSchema)
@errors(omit=(409,))
def update_profile(data, provider_id):
    """Change the profile (the provider's own users)."""
    return services.update_profile(current_user, provider_id, **data)


@blp.get("/<id:provider_id>/documents")
@blp.response(200, DocumentSchema(many=True))
@blp.paginate(**PAGINATION)
def documents(provider_id, pagination_parameters):
    """Every version of the provider's documents, newest first (the provider and the host)."""
    return page_items(pagination_parameters, services.page_of_documents(
        current_user, provider_id, pagination_parameters.page,
        pagination_parameters.page_size))


@blp.post("/<id:provider_id>/documents")
@blp.arguments(DocumentUploadSchema, location="form", content_type="multipart/form-data")
@blp.response(201, DocumentSchema)
@errors(omit=(409,))
def upload_document(data, provider_id):
    """Upload a document with its expiry date, as multipart/form-data; a newer one of a kind
    renews it (the provider's own users)."""
    upload = request.files.get("file")
    return services.upload_document(
        current_user, provider_id, kind=data["kind"], expires_on=data["expires_on"],
        title=data["title"], filename=upload.filename if upload else None,
        content=upload.stream.read(services.MAX_DOCUMENT_BYTES + 1) if upload else None)


@blp.get("/<id:provider_id>/documents/<id:document_id>")
@blp.response(200, DocumentSchema)
def document(provider_id, document_id):
    """One document's description (the provider and the host)."""
    return services.get_document(current_user, provider_id, document_id)


@blp.get("/<id:provider_id>/documents/<id:document_id>/file")
@blp.doc(responses={"200": {"description": "The file itself, as uploaded.", "content": {
    content_type: {"schema": {"type": "string", "format": "binary"}}
    for content_type in services.DOCUMENT_TYPES}}})
def document_file(provider_id, document_id):
    """Download the document (the provider and the host)."""
    document, content = services.document_content(current_user, provider_id, document_id)
    return send_file(BytesIO(content), mimetype=document.content_type, as_attachment=True,
                     download_name=document.filename)


def _rate_card(card):
    return {"provider_id": card.provider.id, "current": list(card.current.values()),
            "history": card.history}


@blp.get("/<id:provider_id>/rate-card")
@blp.response(200, RateCardSchema)
def rate_card(provider_id):
    """Indicative weekly fees now, and every fee ever set (authorities and the provider)."""
    return _rate_card(services.get_rate_card(current_user, provider_id))


@blp.patch("/<id:provider_id>/rate-card")
@blp.arguments(RateCardChangeSchema)
@blp.response(200, RateCardSchema)
@errors(omit=(409,))
def set_rates(data, provider_id):
    """Set weekly fees from now for placement types offered (the provider's own users)."""
    return _rate_card(services.set_rates(current_user, provider_id, data["fees"]))


@blp.get("/<id:provider_id>/vacancies")
@blp.response(200, VacancySchema(many=True))
@blp.paginate(**PAGINATION)
def provider_vacancies(provider_id, pagination_parameters):
    """The provider's vacancies, open ones first (authorities and the provider)."""
    return page_items(pagination_parameters, services.page_of_provider_vacancies(
        current_user, provider_id, pagination_parameters.page,
        pagination_parameters.page_size))


@blp.post("/<id:provider_id>/vacancies")
@blp.arguments(VacancyInputSchema)
@blp.response(201, VacancySchema)
@errors(omit=(409,))
def declare_vacancy(data, provider_id):
    """Declare places free (the provider's own users)."""
    return services.declare_vacancy(current_user, provider_id, **data)


@blp.get("/<id:provider_id>/vacancies/<id:vacancy_id>")
@blp.response(200, VacancySchema)
def vacancy(provider_id, vacancy_id):
    """One vacancy (authorities and the provider)."""
    return services.get_vacancy(current_user, provider_id, vacancy_id)


@blp.patch("/<id:provider_id>/vacancies/<id:vacancy_id>")
@blp.arguments(VacancyChangeSchema)
@blp.response(200, VacancySchema)
def update_vacancy(data, provider_id, vacancy_id):
    """Change an open vacancy (the provider's own users)."""
    return services.update_vacancy(current_user, provider_id, vacancy_id, **data)


@blp.post("/<id:provider_id>/vacancies/<id:vacancy_id>/withdraw")
@blp.response(200, VacancySchema)
def withdraw_vacancy(provider_id, vacancy_id):
    """Withdraw a vacancy (the provider's own users)."""
    return services.withdraw_vacancy(current_user, provider_id, vacancy_id)
