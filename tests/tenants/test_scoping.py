"""The scoping hook: what each organisation can read and write through the ORM."""
import pytest
from sqlalchemy import select

import tenants
from marketplace.accounts.models import User
from marketplace import audit
from marketplace.audit import AuditEvent
from marketplace.extensions import db

from .. import factories


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


def test_the_escape_hatch_is_used_nowhere_in_the_app():
    """The one option that lifts scoping is reserved for the host's aggregates and the MoU run;
    nothing uses it yet."""
    import pathlib

    root = pathlib.Path(__file__).parents[2]
    users = [p for p in (root / "marketplace").rglob("*.py")
             if "UNSCOPED" in p.read_text() or "tenants_unscoped" in p.read_text()]
    assert users == []


def test_tenants_imports_nothing_from_the_domain():
    import pathlib

    import re

    for path in (pathlib.Path(tenants.__file__).parent).rglob("*.py"):
        imports = re.findall(r"^\s*(?:from|import)\s+(\S+)", path.read_text(), re.M)
        assert not [name for name in imports if name.startswith("marketplace")], path
