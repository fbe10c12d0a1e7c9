"""Signing in, passwords, invitations and the users of an organisation.

Every function that changes state writes its audit event and commits; views only call them.
"""
import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import lazyload, with_polymorphic
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

import tenants

from .. import audit, notifications
from ..errors import AuthenticationFailed, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..formatting import govuk_datetime
from ..paging import paginate
from .models import Credential, Role, User, UserStatus, roles_for

PASSWORD_MIN_LENGTH = 12
INVITATION_LIFETIME = timedelta(days=7)
USER_MANAGER_ROLES = (Role.AUTHORITY_MANAGER, Role.HOST_ADMIN, Role.PROVIDER_USER)


class SignInFailed(AuthenticationFailed):
    """Deliberately says nothing about whether the email or the password was wrong."""


@dataclass(frozen=True)
class Invitation:
    email: str
    full_name: str
    organisation_name: str


def normalise_email(email):
    return (email or "").strip().lower()


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _hash_password(password):
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def init_app(app):
    """Make the hash a failure without a real one is checked against, once, as the app starts.

    Made on first use instead, a newly started worker's first unknown email would cost a hash
    made and a hash checked where a wrong password costs one check: the delay would tell who
    has an account."""
    app.extensions["dummy_password_hash"] = generate_password_hash(
        secrets.token_hex(16), method=app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash():
    # Checked against when there is no real hash, so a failure takes as long either way.
    return current_app.extensions["dummy_password_hash"]


def _check_new_password(password, email, field="password"):
    if len(password or "") < PASSWORD_MIN_LENGTH:
        raise ValidationFailed({field: f"Password must be {PASSWORD_MIN_LENGTH} characters or more"})
    if normalise_email(password) == normalise_email(email):
        raise ValidationFailed({field: "Password must not be your email address"})


def _load_user(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id}")
    return user


def sign_in(email, password, *, remote_addr=None):
    """Check an email and password and record the sign-in; anyone may try.

    Returns the user, loaded within their own organisation. Unknown emails, wrong passwords and
    deactivated or not-yet-activated accounts all fail the same way, and all are audited.
    """
    email = normalise_email(email)
    credential = db.session.scalars(select(Credential).where(Credential.email == email)).first()
    stored = credential.password_hash if credential is not None else None
    # Exactly one check whoever asks, against the dummy when there is no real hash, so an
    # unknown email takes as long as a wrong password.
    valid = check_password_hash(stored or _dummy_hash(), password or "") and stored is not None
    if credential is None:
        audit.record("user.sign_in_failed", organisation_id=None,
                     after={"email": email[:254]}, remote_addr=remote_addr)
        db.session.commit()
        raise SignInFailed()
    organisation = db.session.get(tenants.Organisation, credential.organisation_id)
    with tenants.scoped_to(organisation):
        user = _load_user(credential.user_id)
        if not (valid and user.is_active):
            audit.record("user.sign_in_failed", user, remote_addr=remote_addr)
            db.session.commit()
            raise SignInFailed()
        user.last_signed_in_at = tenants.utcnow()
        audit.record("user.signed_in", user, actor=user, remote_addr=remote_addr)
        db.session.commit()
    return user


@functools.cache
def _organisation_with_its_kind():
    # Made once (on first use, when every kind of organisation is mapped): building it costs
    # more than the query that uses it.
    return with_polymorphic(tenants.Organisation, "*")


def enter_scope_of(organisation_id):
    """Put the organisation a session or token names in scope for the rest of the request,
    before anything of theirs is read, and return it; None if there is no such organisation."""
    # One query for the organisation with its kind's own columns (an authority's role says
    # whether it is the host; loaded apart, that was a second query), and not a provider's
    # needs and placement types (two more): they load if something reads them.
    organisation = _organisation_with_its_kind()
    organisation = db.session.scalars(
        select(organisation).where(organisation.id == organisation_id)
        .options(lazyload("*"))).one_or_none()
    if organisation is not None:
        tenants.set_scope(tenants.Scope.of(organisation))
    return organisation


def attach_organisation(user, organisation):
    """Give a user loaded without its organisation (``lazyload(User.organisation)``) the one
    :func:`enter_scope_of` loaded, so reading it costs no query. (The session holds objects
    weakly: without this the organisation could be gone from it and be loaded again.)"""
    set_committed_value(user, "organisation", organisation)
    return user


def load_session_user(session_id):
    """Load the user a session cookie names, within their own organisation, or None.

    The id is ``organisation:user:session_version``; the organisation it names is put in scope
    for the rest of the request, so a session can never reach across organisations.
    """
    try:
        organisation_id, user_id, version = (int(part) for part in session_id.split(":"))
    except (AttributeError, ValueError):
        return None
    organisation = enter_scope_of(organisation_id)
    if organisation is None:
        return None
    user = db.session.get(User, user_id, options=[lazyload(User.organisation)])
    if user is None or not user.is_active or user.session_version != version:
        tenants.set_scope(None)
        return None
    return attach_organisation(user, organisation)


def change_password(user, current_password, new_password):
    """The signed-in user changes their own password; their other sessions end."""
    credential = user.credential
    if not check_password_hash(credential.password_hash or _dummy_hash(), current_password or ""):
        raise ValidationFailed({"current_password": "Your current password is not correct"})
    _check_new_password(new_password, credential.email, field="new_password")
    credential.password_hash = _hash_password(new_password)
    credential.password_changed_at = tenants.utcnow()
    user.session_version += 1
    audit.record("user.password_changed", user, actor=user)
    db.session.commit()


def _users_by_name():
    return select(User).order_by(User.full_name, User.id)


def list_users(actor):
    """The users of the actor's own organisation, by name."""
    return db.session.scalars(_users_by_name()).all()


def page_of_users(actor, page, per_page):
    """One page of the users of the actor's own organisation, by name."""
    return paginate(_users_by_name(), page, per_page)


def get_user(actor, user_id):
    return _load_user(user_id)


def _require_user_manager(actor):
    if actor.role not in USER_MANAGER_ROLES:
        raise PermissionDenied("only managers can manage users")


def invitable_roles(actor):
    """The roles a manager may give the people they invite into their organisation."""
    _require_user_manager(actor)
    return roles_for(actor.organisation)


def _new_invitation(credential):
    token = secrets.token_urlsafe(32)
    credential.invitation_token_hash = _token_hash(token)
    credential.invitation_expires_at = tenants.utcnow() + INVITATION_LIFETIME
    return token


def _send_invitation(organisation, user, token, actor):
    """Write the invitation email, with its link, to the outbox in the caller's transaction."""
    notifications.notify(user.email, "invitation", {
        "full_name": user.full_name,
        "organisation_name": organisation.name,
        "role": user.role.label,
        "invited_by": actor.full_name if actor is not None else None,
        "link": notifications.external_url("auth.accept_invitation", token=token),
        "expires": govuk_datetime(user.credential.invitation_expires_at),
    }, organisation_id=organisation.id)


def _add_user(organisation, *, email, full_name, role, status):
    email = normalise_email(email)
    errors = {}
    try:
        role = Role(role)
    except ValueError:
        role = None
    if not (full_name or "").strip():
        errors["full_name"] = "Enter the person's full name"
    if role not in roles_for(organisation):
        errors["role"] = "Choose a role that people in this organisation can hold"
    if db.session.scalars(select(Credential.id).where(Credential.email == email)).first():
        errors["email"] = "A user with this email address already exists"
    if errors:
        raise ValidationFailed(errors)
    user = User(organisation_id=organisation.id, full_name=full_name.strip(), role=role,
                status=status)
    user.credential = Credential(email=email, organisation_id=organisation.id)
    db.session.add(user)
    db.session.flush()
    return user


def invite_user(actor, *, email, full_name, role):
    """A manager invites a person into their own organisation and emails them the link.

    Returns the user and the invitation token for the link the person follows to set a password.
    """
    _require_user_manager(actor)
    user = _add_user(actor.organisation, email=email, full_name=full_name, role=role,
                     status=UserStatus.INVITED)
    token = _new_invitation(user.credential)
    audit.record("user.invited", user, actor=actor,
                 after={"email": user.email, "role": user.role.value})
    _send_invitation(actor.organisation, user, token, actor)
    db.session.commit()
    return user, token


def invite_first_user(actor, organisation, *, email, full_name, role):
    """Invite the first user of a newly created organisation, within that organisation's scope,
    and email them the link.

    Called by the service creating the organisation, which checks the actor and commits (the
    email is sent once it does).
    """
    with tenants.scoped_to(organisation):
        user = _add_user(organisation, email=email, full_name=full_name, role=role,
                         status=UserStatus.INVITED)
        token = _new_invitation(user.credential)
        audit.record("user.invited", user, actor=actor,
                     after={"email": user.email, "role": user.role.value})
        _send_invitation(organisation, user, token, actor)
        db.session.flush()
    return user, token


def reissue_invitation(actor, user_id):
    """A manager sends a new invitation link to someone who has not yet accepted one (the old
    link stops working)."""
    user = _load_user(user_id)
    _require_user_manager(actor)
    if user.status != UserStatus.INVITED:
        raise ValidationFailed({"user": "This person has already set up their account"})
    token = _new_invitation(user.credential)
    audit.record("user.invitation_reissued", user, actor=actor)
    _send_invitation(user.organisation, user, token, actor)
    db.session.commit()
    return user, token


def _credential_for_invitation(token):
    credential = db.session.scalars(
        select(Credential).where(Credential.invitation_token_hash == _token_hash(token or ""))
    ).first()
    if credential is None or credential.invitation_expires_at < tenants.utcnow():
        raise NotFound("invitation")
    return credential


def get_invitation(token):
    """What an invitation link is for, or NotFound when it is unknown, used or expired."""
    credential = _credential_for_invitation(token)
    organisation = db.session.get(tenants.Organisation, credential.organisation_id)
    with tenants.scoped_to(organisation):
        user = _load_user(credential.user_id)
        return Invitation(credential.email, user.full_name, organisation.name)


def accept_invitation(token, password):
    """The invited person sets their password; their account becomes active."""
    credential = _credential_for_invitation(token)
    organisation = db.session.get(tenants.Organisation, credential.organisation_id)
    _check_new_password(password, credential.email)
    with tenants.scoped_to(organisation):
        user = _load_user(credential.user_id)
        if user.status != UserStatus.INVITED:
            raise NotFound("invitation")
        credential.password_hash = _hash_password(password)
        credential.password_changed_at = tenants.utcnow()
        credential.invitation_token_hash = None
        credential.invitation_expires_at = None
        user.status = UserStatus.ACTIVE
        audit.record("user.invitation_accepted", user, actor=user)
        db.session.commit()
    return user


def _set_status(actor, user_id, status, action):
    user = _load_user(user_id)
    _require_user_manager(actor)
    if user.id == actor.id:
        raise ValidationFailed({"user": "You cannot change the status of your own account"})
    before = user.status.value
    user.status = status
    user.session_version += 1
    audit.record(action, user, actor=actor, before={"status": before},
                 after={"status": status.value})
    db.session.commit()
    return user


def deactivate_user(actor, user_id):
    """A manager stops someone in their organisation signing in; their sessions end."""
    return _set_status(actor, user_id, UserStatus.DEACTIVATED, "user.deactivated")


def reactivate_user(actor, user_id):
    """A manager lets a deactivated person sign in again (or accept their invitation)."""
    user = _load_user(user_id)
    _require_user_manager(actor)
    if user.status != UserStatus.DEACTIVATED:
        raise ValidationFailed({"user": "This account is not deactivated"})
    status = UserStatus.ACTIVE if user.credential.password_hash else UserStatus.INVITED
    return _set_status(actor, user_id, status, "user.reactivated")


def create_user(organisation, *, email, full_name, role, password):
    """An operator creates an active user from the command line (no actor)."""
    with tenants.scoped_to(organisation):
        user = _add_user(organisation, email=email, full_name=full_name, role=role,
                         status=UserStatus.ACTIVE)
        _check_new_password(password, user.email)
        user.credential.password_hash = _hash_password(password)
        user.credential.password_changed_at = tenants.utcnow()
        audit.record("user.created", user, after={"email": user.email, "role": user.role.value})
        db.session.commit()
    return user
