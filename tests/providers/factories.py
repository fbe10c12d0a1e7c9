"""Providers' documents, profiles and vacancies, made through the services by a provider's user
(so the provider's standing is kept as the services keep it)."""
from datetime import timedelta

import tenants
from marketplace.providers import services
from marketplace.providers.models import DocumentKind

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def document(user, kind=DocumentKind.INSURANCE, *, expires_on=None, content=PDF,
             filename=None, title=None):
    """A document uploaded by ``user`` for their own provider (expires in a year by default)."""
    kind = DocumentKind(kind)
    with tenants.scoped_to(user.organisation):
        return services.upload_document(
            user, user.organisation_id, kind=kind,
            expires_on=expires_on or services.london_date() + timedelta(days=365),
            filename=filename or f"{kind.value}.pdf", content=content,
            title=title or ("Other" if kind == DocumentKind.OTHER else None))


def all_documents(user, *, expires_on=None, **overrides):
    """Every mandatory document; ``overrides`` maps a kind's value to its expiry date."""
    return [document(user, kind, expires_on=overrides.get(kind.value, expires_on))
            for kind in DocumentKind.mandatory_kinds()]


def profile(user, **changes):
    values = {"placement_types": ["day", "residential_38"], "need_codes": ["ASD", "SEMH"],
              "age_from": 7, "age_to": 19, "genders": ["female", "male"], **changes}
    with tenants.scoped_to(user.organisation):
        return services.update_profile(user, user.organisation_id, **values)


def vacancy(user, **fields):
    values = {"placement_type": "day", "need_codes": ["ASD"], "age_from": 8, "age_to": 16,
              "available_from": services.london_date() + timedelta(days=14), "places": 2,
              **fields}
    with tenants.scoped_to(user.organisation):
        return services.declare_vacancy(user, user.organisation_id, **values)
