"""Test data. Every factory takes the organisation explicitly."""
import itertools
from datetime import date

import tenants
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.providers import Provider

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


def authority(name=None, *, host=False, joined_on=date(2025, 4, 1), left_on=None):
    # An English code (E09, London boroughs) numbered from 900000, far past the 33 real ones, so
    # a made-up authority never takes a real authority's code (a test adding Wirral, E08000015,
    # collided with the fifteenth authority made in a session).
    n = next(_numbers)
    name = name or f"Authority {n}"
    made = tenants.Authority(
        name=name, ons_code=f"E09{900000 + n:06d}", slug=f"authority-{n}",
        role=tenants.AuthorityRole.HOST if host else tenants.AuthorityRole.MEMBER,
        joined_on=joined_on, left_on=left_on)
    db.session.add(made)
    db.session.commit()
    return made


def provider(name=None):
    n = next(_numbers)
    made = Provider(name=name or f"Provider School {n} Ltd", companies_house_number=f"{n:08d}")
    db.session.add(made)
    db.session.commit()
    return made


def user(organisation, role=None, *, email=None, password=PASSWORD, full_name=None):
    n = next(_numbers)
    if role is None:
        role = Role.PROVIDER_USER if isinstance(organisation, Provider) else Role.PLACEMENT_OFFICER
    return accounts.create_user(
        organisation, email=email or f"person{n}@example.org",
        full_name=full_name or f"Person {n}", role=role, password=password)
