"""The host administrator's management of member authorities."""
import re
from datetime import date

from sqlalchemy import select

import tenants

from .. import audit
from ..accounts import services as accounts
from ..accounts.models import Role
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..paging import paginate

ONS_CODE = re.compile(r"^E(06|07|08|09|10)\d{6}$")


def require_host_admin(actor):
    """Refuse anyone but the host authority's administrators."""
    if not (actor.is_host_admin and actor.organisation.is_host):
        raise PermissionDenied("only the host authority's administrators manage authorities")


def _authorities_host_first():
    return select(tenants.Authority).order_by(
        tenants.Authority.role != tenants.AuthorityRole.HOST, tenants.Authority.name,
        tenants.Authority.id)


def list_authorities(actor):
    """Every authority in the system, host first then by name; for the host's administrators."""
    require_host_admin(actor)
    return db.session.scalars(_authorities_host_first()).all()


def page_of_authorities(actor, page, per_page):
    """One page of :func:`list_authorities`."""
    require_host_admin(actor)
    return paginate(_authorities_host_first(), page, per_page)


def get_authority(actor, authority_id):
    """An authority's record: the host's administrators see any, a manager sees their own."""
    authority = db.session.get(tenants.Authority, authority_id)
    allowed = actor.is_host_admin and actor.organisation.is_host or (
        actor.role == Role.AUTHORITY_MANAGER and actor.organisation_id == authority_id)
    if authority is None or not allowed:
        raise NotFound(f"authority {authority_id}")
    return authority


def slugify(name):
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def create_authority(actor, *, name, ons_code, joined_on, manager_full_name, manager_email):
    """The host's administrator adds a member authority and invites its first manager, who is
    emailed the link once the authority is committed.

    Returns the authority and the manager's invitation token.
    """
    require_host_admin(actor)
    name = (name or "").strip()
    ons_code = (ons_code or "").strip().upper()
    errors = {}
    if not name:
        errors["name"] = "Enter the authority's name"
    if not ONS_CODE.match(ons_code):
        errors["ons_code"] = ("Enter an ONS code for an English local authority, "
                              "like E06000049")
    elif db.session.scalars(
            select(tenants.Authority.id).where(tenants.Authority.ons_code == ons_code)).first():
        errors["ons_code"] = "An authority with this ONS code already exists"
    slug = slugify(name)
    if name and db.session.scalars(
            select(tenants.Authority.id).where(tenants.Authority.slug == slug)).first():
        errors["name"] = "An authority with this name already exists"
    if not isinstance(joined_on, date):
        errors["joined_on"] = "Enter the date the authority joined"
    if errors:
        raise ValidationFailed(errors)

    authority = tenants.Authority(name=name, ons_code=ons_code, slug=slug,
                                  role=tenants.AuthorityRole.MEMBER, joined_on=joined_on)
    db.session.add(authority)
    audit.record("authority.created", authority, actor=actor,
                 after={"name": name, "ons_code": ons_code, "joined_on": joined_on.isoformat()})
    db.session.flush()
    try:
        manager, token = accounts.invite_first_user(
            actor, authority, email=manager_email, full_name=manager_full_name,
            role=Role.AUTHORITY_MANAGER)
    except ValidationFailed as error:
        db.session.rollback()
        raise ValidationFailed({f"manager_{k}": v for k, v in error.errors.items()}) from None
    db.session.commit()
    return authority, token


def update_membership(actor, authority_id, *, left_on):
    """The host's administrator records that a member authority left (or undoes it)."""
    require_host_admin(actor)
    authority = get_authority(actor, authority_id)
    if authority.is_host:
        raise ValidationFailed({"left_on": "The host authority cannot leave its own system"})
    if left_on is not None and left_on < authority.joined_on:
        raise ValidationFailed({"left_on": "The date left must be on or after the date joined"})
    before = {"left_on": authority.left_on.isoformat() if authority.left_on else None}
    authority.left_on = left_on
    audit.record("authority.membership_changed", authority, actor=actor, before=before,
                 after={"left_on": left_on.isoformat() if left_on else None})
    db.session.commit()
    return authority
