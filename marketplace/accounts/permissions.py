"""Who counts as what, for the domain packages that share the answer: an authority's buyers
(placement officers and managers), its managers, a provider's users.

It lives below call-offs and placements so that both can ask without importing each other."""
import tenants

from ..errors import PermissionDenied
from .models import Role

BUYER_ROLES = (Role.PLACEMENT_OFFICER, Role.AUTHORITY_MANAGER)


def is_buyer(actor):
    """An authority's placement officer or manager."""
    return (actor.organisation.kind == tenants.OrganisationKind.AUTHORITY
            and actor.role in BUYER_ROLES)


def is_manager(actor):
    """An authority's manager."""
    return (actor.organisation.kind == tenants.OrganisationKind.AUTHORITY
            and actor.role == Role.AUTHORITY_MANAGER)


def is_provider(actor):
    """A provider's user."""
    return actor.organisation.kind == tenants.OrganisationKind.PROVIDER


def is_host_admin(actor):
    """The host authority's administrator."""
    return actor.is_host_admin and actor.organisation.is_host


def require_buyer(actor):
    if not is_buyer(actor):
        raise PermissionDenied("only an authority's placement officers and managers do this")


def require_manager(actor):
    if not is_manager(actor):
        raise PermissionDenied("only the authority's managers do this")


def require_provider(actor):
    if not is_provider(actor):
        raise PermissionDenied("only providers do this")


def require_host_admin(actor):
    if not is_host_admin(actor):
        raise PermissionDenied("only the host authority's administrators do this")
