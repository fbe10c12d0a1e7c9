"""API bearer tokens: issued for an email and password, kept only as a hash, revocable.

A token reads ``<organisation id>.<token id>.<secret>``: the organisation is put in scope before
the token row is looked up, so checking a token never reads across organisations.
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import lazyload

import tenants

from .. import audit
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..paging import paginate
from . import services
from .models import ApiToken, User

DEFAULT_LIFETIME_DAYS = 90
MAX_LIFETIME_DAYS = 365


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: ApiToken


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(email, password, *, name="API token", lifetime_days=DEFAULT_LIFETIME_DAYS,
                remote_addr=None):
    """Anyone with a correct email and password gets a token for their own account.

    Raises ``services.SignInFailed`` exactly as signing in does.
    """
    if not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        raise ValidationFailed(
            {"expires_in_days": f"Must be between 1 and {MAX_LIFETIME_DAYS} days"})
    user = services.sign_in(email, password, remote_addr=remote_addr)
    secret = secrets.token_urlsafe(32)
    now = tenants.utcnow()
    with tenants.scoped_to(user.organisation):
        record = ApiToken(user_id=user.id, name=(name or "API token").strip()[:100],
                          token_hash=_hash(secret), created_at=now,
                          expires_at=now + timedelta(days=lifetime_days))
        db.session.add(record)
        audit.record("api_token.issued", record, actor=user,
                     after={"name": record.name, "expires_at": record.expires_at.isoformat()})
        db.session.commit()
    return IssuedToken(f"{user.organisation_id}.{record.id}.{secret}", record)


def load_token_user(token):
    """The active user a bearer token belongs to, within their organisation, or None.

    Puts the token's organisation in scope for the rest of the request when it is valid.
    """
    try:
        organisation_id, token_id, secret = token.split(".", 2)
        organisation_id, token_id = int(organisation_id), int(token_id)
    except (AttributeError, ValueError):
        return None
    organisation = services.enter_scope_of(organisation_id)
    if organisation is None:
        return None
    # The token and its user in one query. The user's organisation is the one just put in
    # scope (attached below, not joined again); their credential (email, password hash) is
    # loaded only if something reads it.
    found = db.session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.id == token_id)
        .options(lazyload(User.organisation), lazyload(User.credential))).one_or_none()
    record, user = found if found is not None else (None, None)
    if (record is None or not hmac.compare_digest(record.token_hash, _hash(secret))
            or not record.is_usable(tenants.utcnow()) or user is None or not user.is_active):
        tenants.set_scope(None)
        return None
    return services.attach_organisation(user, organisation)


def _tokens_of(actor):
    return select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.id.desc())


def list_tokens(actor):
    """The actor's own tokens, newest first."""
    return db.session.scalars(_tokens_of(actor)).all()


def page_of_tokens(actor, page, per_page):
    return paginate(_tokens_of(actor), page, per_page)


def get_token(actor, token_id):
    record = db.session.get(ApiToken, token_id)
    if record is None or record.user_id != actor.id:
        raise NotFound(f"token {token_id}")
    return record


def revoke_token(actor, token_id):
    """A user revokes one of their own tokens; it stops working at once."""
    record = get_token(actor, token_id)
    if record.revoked_at is None:
        record.revoked_at = tenants.utcnow()
        audit.record("api_token.revoked", record, actor=actor)
        db.session.commit()
    return record
