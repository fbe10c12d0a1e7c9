"""Isolation between organisations, enforced here and nowhere else.

Every organisation-owned model mixes in :class:`OrganisationOwned` and so declares who may see its
rows (``__visible_to__``). One ``do_orm_execute`` hook adds that rule to every ORM select, including
relationship and lazy loads, for the organisation in scope and its kind (member authority, host or
provider: each kind gets the indexable predicate meant for it); a ``before_flush`` hook stamps new
rows with that organisation and refuses writes to another's. With no organisation in scope nothing
organisation-owned is visible and nothing can be written.

The single escape hatch is the execution option named by :data:`UNSCOPED`. It is meant only for the
host's aggregate reports and the MoU run; grep for it.
"""
import enum
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import ForeignKey, event, false, literal, select
from sqlalchemy.orm import Mapped, Session, mapped_column, with_loader_criteria

from .base import UtcDateTime, utcnow
from .models import OrganisationKind

UNSCOPED = "tenants_unscoped"


class CrossOrganisationWrite(Exception):
    """A flush tried to write a row belonging to an organisation other than the one in scope,
    or a row of a kind that organisation's kind never owns."""


class ScopeKind(enum.StrEnum):
    """What kind of organisation is in scope: it decides the shape of every visibility rule."""

    MEMBER = "member"  # a member authority
    HOST = "host"  # the authority that hosts the purchasing system
    PROVIDER = "provider"

    @property
    def organisation_kind(self):
        return OrganisationKind.PROVIDER if self is ScopeKind.PROVIDER else (
            OrganisationKind.AUTHORITY)

    @property
    def is_authority(self):
        """A member authority or the host."""
        return self is not ScopeKind.PROVIDER


@dataclass(frozen=True)
class Scope:
    """The organisation on whose behalf the current code runs, and its kind."""

    organisation_id: int
    kind: ScopeKind

    @classmethod
    def of(cls, organisation):
        if organisation.kind == OrganisationKind.PROVIDER:
            kind = ScopeKind.PROVIDER
        else:
            kind = ScopeKind.HOST if organisation.is_host else ScopeKind.MEMBER
        return cls(organisation.id, kind)

    @property
    def is_host(self):
        return self.kind is ScopeKind.HOST


_scope: ContextVar[Scope | None] = ContextVar("tenants_scope", default=None)


def current_scope():
    return _scope.get()


def set_scope(scope):
    """Put ``scope`` in force until :func:`reset_scope` is called with the returned token."""
    return _scope.set(scope)


def reset_scope(token):
    _scope.reset(token)


@contextmanager
def scoped_to(organisation):
    """Run the body on behalf of ``organisation`` (a job, a CLI command, a service acting for a
    newly created organisation)."""
    token = set_scope(Scope.of(organisation))
    try:
        yield
    finally:
        reset_scope(token)


class OrganisationOwned:
    """Mixin for every model whose rows belong to one organisation.

    Override ``__visible_to__`` to widen visibility. It receives the kind of organisation in
    scope as a :class:`ScopeKind` and decides in Python which SQL that kind gets, so each kind
    gets the simple predicate an index can answer (``organisation_id = :org`` for the owner,
    ``call_off_id IN (SELECT ...)`` for a reader) rather than one ``OR`` of every case, which
    PostgreSQL can only evaluate row by row. The SQL must be built only from the class's columns
    and the other two arguments, which arrive as SQL literals: the organisation in scope and the
    current time (so a rule can follow the clock, e.g. offers sealed from their buyer until the
    response deadline).

    ``__owner_kind__`` names the kind of organisation that owns the rows (None: any). Writes by
    another kind are refused, so a rule may leave out the owner's predicate for that kind
    (:meth:`owned_by` does).
    """

    # True for models that also keep rows owned by no organisation (system-level records, e.g.
    # an audit event for a sign-in attempt with an unknown email); they redeclare the column
    # as nullable.
    __allows_system_rows__ = False
    __owner_kind__: OrganisationKind | None = None

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)

    @classmethod
    def owned_by(cls, kind, organisation_id):
        """SQL: the rows the organisation in scope owns (none, for a kind that owns none)."""
        if cls.__owner_kind__ not in (None, kind.organisation_kind):
            return false()
        return cls.organisation_id == organisation_id

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        return cls.owned_by(kind, organisation_id)


# The criteria lambda goes through SQLAlchemy's lambda caching: its SQL is built once per cache
# key and reused. The key covers the lambda's code and its closure variables; a plain Python value
# in the closure (the kind, say) would be turned into a bound parameter, or worse, branched on
# when the SQL was first built and then served to every other kind. So the kind travels as the
# choice of function: a function in the closure is keyed by its own code object, and each kind
# has its own.
def _as_member(cls, organisation_id, now):
    return cls.__visible_to__(ScopeKind.MEMBER, organisation_id, now)


def _as_host(cls, organisation_id, now):
    return cls.__visible_to__(ScopeKind.HOST, organisation_id, now)


def _as_provider(cls, organisation_id, now):
    return cls.__visible_to__(ScopeKind.PROVIDER, organisation_id, now)


_RULE_FOR = {ScopeKind.MEMBER: _as_member, ScopeKind.HOST: _as_host,
             ScopeKind.PROVIDER: _as_provider}


def _apply_scope(execute_state):
    if not execute_state.is_select or execute_state.execution_options.get(UNSCOPED, False):
        return
    scope = current_scope()
    if scope is None:
        criteria = with_loader_criteria(
            OrganisationOwned, lambda cls: false(), include_aliases=True
        )
    else:
        rule = _RULE_FOR[scope.kind]
        organisation_id = literal(scope.organisation_id)
        now = literal(utcnow(), UtcDateTime())
        criteria = with_loader_criteria(
            OrganisationOwned,
            lambda cls: rule(cls, organisation_id, now),
            include_aliases=True,
        )
    execute_state.statement = execute_state.statement.options(criteria)


def _check_ownership(session, flush_context, instances):
    scope = current_scope()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, OrganisationOwned):
            continue
        if obj.organisation_id is None and obj in session.new and not obj.__allows_system_rows__:
            if scope is None:
                raise CrossOrganisationWrite(f"no organisation in scope to own a new {obj!r}")
            obj.organisation_id = scope.organisation_id
        if obj.organisation_id is None:
            continue
        if scope is None or obj.organisation_id != scope.organisation_id:
            raise CrossOrganisationWrite(
                f"{obj!r} belongs to organisation {obj.organisation_id}, "
                f"not to the one in scope ({scope.organisation_id if scope else 'none'})"
            )
        if obj.__owner_kind__ not in (None, scope.kind.organisation_kind):
            # The visibility rules rely on it: they give this kind no owner's predicate.
            raise CrossOrganisationWrite(
                f"{obj!r}: only an organisation of kind {obj.__owner_kind__} owns these, "
                f"not the {scope.kind} in scope")


class ScopedSession(Session):
    """A session whose ``get`` cannot return another organisation's object.

    ``Session.get`` answers from the identity map without running SQL, which would skip the
    criteria; for organisation-owned models it goes through a scoped select instead.
    """

    def get(self, entity, ident, *, options=None, populate_existing=False,
            with_for_update=None, execution_options=None, **kwargs):
        if not (isinstance(entity, type) and issubclass(entity, OrganisationOwned)):
            return super().get(entity, ident, options=options,
                               populate_existing=populate_existing,
                               with_for_update=with_for_update,
                               execution_options=execution_options or {}, **kwargs)
        (pk,) = entity.__mapper__.primary_key
        statement = select(entity).where(pk == ident)
        if options:
            statement = statement.options(*options)
        if with_for_update:
            statement = statement.with_for_update(
                **(with_for_update if isinstance(with_for_update, dict) else {}))
        if populate_existing:
            statement = statement.execution_options(populate_existing=True)
        return self.scalars(statement, execution_options=execution_options or {}).one_or_none()


def install(session_class=Session):
    """Attach the scoping hooks to ``session_class`` (idempotent)."""
    if not event.contains(session_class, "do_orm_execute", _apply_scope):
        event.listen(session_class, "do_orm_execute", _apply_scope)
        event.listen(session_class, "before_flush", _check_ownership)


def uninstall(session_class=Session):
    """Detach the hooks: only for the test that proves the isolation tests would catch it."""
    if event.contains(session_class, "do_orm_execute", _apply_scope):
        event.remove(session_class, "do_orm_execute", _apply_scope)
        event.remove(session_class, "before_flush", _check_ownership)
