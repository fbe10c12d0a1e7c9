"""The scoping hook: what each organisation can read and write through the ORM."""
import pytest
from sqlalchemy import select

import tenants
from marketplace.accounts.models import User
from marketplace import audit
from marketplace.audit import AuditEvent
from marketplace.extensions import db

from .. import factories
from ..helpers import count_queries


def test_no_organisation_in_scope_sees_no_owned_rows(world):
    assert tenants.current_scope() is None
    assert db.session.scalars(select(User)).all() == []


def test_each_organisation_sees_only_its_own_users(world, scoped):
    with scoped(world.member):
        names = {u.id for u in db.session.scalars(select(User))}
    assert names == {world.manager.id, world.officer.id}
    with scoped(world.provider):
        assert [u.id for u in db.session.scalars(select(User))] == [world.provider_user.id]


def test_get_does_not_answer_from_the_identity_map_across_organisations(world, scoped):
    """``Session.get`` of an object already loaded would skip the criteria; ours does not."""
    assert world.officer in db.session  # loaded by the factory, in the identity map
    with scoped(world.other_member):
        assert db.session.get(User, world.officer.id) is None
    with scoped(world.member):
        assert db.session.get(User, world.officer.id) is world.officer


def test_joins_and_aliases_are_scoped_too(world, scoped):
    from sqlalchemy.orm import aliased

    other = aliased(User)
    with scoped(world.member):
        pairs = db.session.execute(
            select(User.id, other.id).join(other, other.organisation_id != User.organisation_id)
        ).all()
    assert pairs == []


def test_new_rows_are_stamped_with_the_organisation_in_scope(world, scoped):
    with scoped(world.member):
        user = User(full_name="Stamped", role="placement_officer")
        db.session.add(user)
        db.session.flush()
    assert user.organisation_id == world.member.id


def test_writing_another_organisations_row_is_refused(world, scoped):
    with scoped(world.other_member):
        world.officer.full_name = "Changed by a neighbour"
        with pytest.raises(tenants.CrossOrganisationWrite):
            db.session.flush()
    db.session.rollback()


def test_writing_with_no_organisation_in_scope_is_refused(world):
    db.session.add(User(full_name="Nobody's", role="placement_officer"))
    with pytest.raises(tenants.CrossOrganisationWrite):
        db.session.flush()
    db.session.rollback()


def test_system_audit_events_are_seen_by_the_host_only(world, scoped):
    audit.record("test.system", organisation_id=None)
    db.session.commit()
    with scoped(world.host):
        host_sees = db.session.scalars(select(AuditEvent.action)).all()
    with scoped(world.member):
        member_sees = db.session.scalars(select(AuditEvent.action)).all()
    assert "test.system" in host_sees
    assert "test.system" not in member_sees


def test_the_escape_hatch_is_used_only_by_the_mou_runs_usage_gathering():
    """The one option that lifts scoping is reserved for the host's aggregates and the MoU run;
    only the MoU run's usage gathering uses it (issue 14 §1)."""
    import pathlib

    root = pathlib.Path(__file__).parents[2]
    users = [p for p in (root / "marketplace").rglob("*.py")
             if "UNSCOPED" in p.read_text() or "tenants_unscoped" in p.read_text()]
    assert users == [root / "marketplace" / "costsharing" / "usage.py"]


def test_tenants_imports_nothing_from_the_domain():
    import pathlib

    import re

    for path in (pathlib.Path(tenants.__file__).parent).rglob("*.py"):
        imports = re.findall(r"^\s*(?:from|import)\s+(\S+)", path.read_text(), re.M)
        assert not [name for name in imports if name.startswith("marketplace")], path


def test_the_scope_knows_the_kind_of_organisation(world):
    assert tenants.Scope.of(world.member) == tenants.Scope(world.member.id, tenants.ScopeKind.MEMBER)
    assert tenants.Scope.of(world.host).kind is tenants.ScopeKind.HOST
    assert tenants.Scope.of(world.host).is_host
    assert tenants.Scope.of(world.provider).kind is tenants.ScopeKind.PROVIDER
    assert not tenants.Scope.of(world.provider).kind.is_authority


def test_one_statement_run_for_each_kind_in_turn_gets_each_kinds_rule(world, scoped):
    """The rules branch on the kind in Python, inside a lambda SQLAlchemy caches by its code
    and closure: SQL built for the first kind must never be served to the next. The same
    statement object, run as a member, a provider, the host, a provider of another call-off and
    the member again, in one process, sees each one's own rows."""
    from marketplace.calloffs.models import CallOff, CallOffInvitation
    from marketplace.providers.models import DocumentFile, ProviderDocument, Vacancy
    from tests.calloffs import factories as call_offs
    from tests.providers import factories as providers

    lot = call_offs.market(world)
    invited = call_offs.published(world.officer, lot)
    other = call_offs.draft(world.other_officer, lot)
    with scoped(world.member):  # Larchfield is not invited to the second call-off
        second = call_offs.draft(world.officer, lot)
        from marketplace.calloffs import services
        services.exclude_provider(world.officer, second.id, world.other_provider.id, "Too far.")
        services.publish_call_off(world.officer, second.id)
    vacancy = providers.vacancy(world.provider_user)
    call_off_ids, invitation_providers = select(CallOff.id), select(CallOffInvitation.provider_id)
    documents, vacancies = select(ProviderDocument.organisation_id), select(Vacancy.id)

    def seen(organisation):
        with scoped(organisation):
            return (set(db.session.scalars(call_off_ids)),
                    set(db.session.scalars(invitation_providers)),
                    set(db.session.scalars(documents)), set(db.session.scalars(vacancies)),
                    db.session.scalars(select(DocumentFile.id)).all() != [])

    for _ in range(2):  # a second round runs every kind from the warm cache
        assert seen(world.member) == ({invited.id, second.id},
                                      {world.provider.id, world.other_provider.id},
                                      set(), {vacancy.id}, False)
        assert seen(world.provider) == ({invited.id, second.id}, {world.provider.id},
                                        {world.provider.id}, {vacancy.id}, True)
        assert seen(world.host) == (set(), set(), {world.provider.id, world.other_provider.id},
                                    {vacancy.id}, True)
        assert seen(world.other_provider) == ({invited.id}, {world.other_provider.id},
                                              {world.other_provider.id}, set(), True)
        assert seen(world.other_member) == ({other.id}, set(), set(), {vacancy.id}, False)


def test_each_kind_gets_its_own_sql(world, scoped):
    """What the cache keys on, directly: the compiled SQL of one statement differs by kind and
    is the simple form for each (no ``OR EXISTS`` to evaluate row by row)."""
    from marketplace.calloffs.models import CallOff

    statement = select(CallOff.id)
    compiled = {}
    for organisation in (world.member, world.provider, world.host, world.other_provider):
        captured = []
        with scoped(organisation), count_queries() as counter:
            db.session.execute(statement).all()
        captured = counter.statements
        compiled[tenants.Scope.of(organisation).kind, organisation.id] = captured[-1]
    member = compiled[tenants.ScopeKind.MEMBER, world.member.id]
    provider = compiled[tenants.ScopeKind.PROVIDER, world.provider.id]
    assert " OR " not in member and "EXISTS" not in member and "call_off_invitation" not in member
    assert "IN (SELECT visible_invitation.call_off_id" in provider and " OR " not in provider
    assert compiled[tenants.ScopeKind.HOST, world.host.id] == member
    assert compiled[tenants.ScopeKind.PROVIDER, world.other_provider.id] == provider


def test_a_kind_that_never_owns_a_model_cannot_write_one(world, scoped):
    """The rules leave the owner's predicate out for a kind that owns none of a model's rows
    (a provider's call-offs, an authority's offers); the flush refuses to make such a row."""
    from marketplace.calloffs.models import CallOffExclusion

    with scoped(world.provider):
        db.session.add(CallOffExclusion(call_off_id=1, provider_id=world.provider.id,
                                        reason="A provider excluding itself"))
        with pytest.raises(tenants.CrossOrganisationWrite, match="authority"):
            db.session.flush()
    db.session.rollback()
