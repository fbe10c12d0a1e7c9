"""Authorities as tenants, the organisation in scope, and isolation between organisations.

This package sits below the domain: it imports nothing from ``marketplace``; the domain uses only
the names exported here.
"""
from .base import NAMING_CONVENTION, Base, UtcDateTime, utcnow
from .cost_sharing import (
    CALLOFFS,
    MEASURES,
    PLACEMENT_DAYS,
    PLACEMENT_SPEND,
    POPULATION,
    Apportionment,
    Contribution,
    CostSharingError,
    Member,
    Terms,
    Transfer,
    TrueUp,
    TrueUpStatement,
    UsageLine,
    apportion,
    days_in_financial_year,
    financial_year_dates,
    largest_remainder,
    membership_days,
    net_cost,
    true_ups,
)
from .models import (
    Authority,
    AuthorityRole,
    AuthorityStatus,
    Organisation,
    OrganisationKind,
    ReferenceAuthority,
    find_organisation,
    reference_authorities,
)
from .scoping import (
    UNSCOPED,
    CrossOrganisationWrite,
    OrganisationOwned,
    Scope,
    ScopeKind,
    ScopedSession,
    current_scope,
    install,
    reset_scope,
    scoped_to,
    set_scope,
    uninstall,
)

__all__ = [
    "NAMING_CONVENTION", "Base", "UtcDateTime", "utcnow",
    "Authority", "AuthorityRole", "AuthorityStatus", "Organisation", "OrganisationKind",
    "ReferenceAuthority", "find_organisation", "reference_authorities",
    "UNSCOPED", "CrossOrganisationWrite", "OrganisationOwned", "Scope", "ScopeKind",
    "ScopedSession",
    "current_scope", "install", "reset_scope", "scoped_to", "set_scope", "uninstall",
    "CALLOFFS", "MEASURES", "PLACEMENT_DAYS", "PLACEMENT_SPEND", "POPULATION",
    "Apportionment", "Contribution", "CostSharingError", "Member", "Terms", "Transfer", "TrueUp",
    "TrueUpStatement", "UsageLine", "apportion", "days_in_financial_year", "financial_year_dates",
    "largest_remainder", "membership_days", "net_cost", "true_ups",
]
