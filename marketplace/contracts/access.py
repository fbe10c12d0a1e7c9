"""Who reads and who changes a contract (issue 13 §1), for every service in this package.

Visibility is the tenant scope's (``models._ReadBySupplier``): an authority sees its own
contracts, a provider the contracts it is the supplier of, nobody else any. On top of that:
- reading: the authority's placement officers and managers, and the supplier's users;
- changing (recording, editing, KPIs, returns, reviews, documents, plans): the authority's
  placement officers and managers;
- deciding an extension: the authority's managers only (issue 13 §2).
Anyone else gets NotFound for a contract id, as if it did not exist."""
from ..accounts.permissions import is_buyer, is_provider, require_buyer, require_manager
from ..errors import NotFound
from ..extensions import db
from .models import Contract


def get_contract(actor, contract_id, *, for_update=False):
    """The contract, for its authority's buyers or its supplier's users; NotFound otherwise.
    ``for_update`` locks the row (PostgreSQL) for a change that reads then writes."""
    if not (is_buyer(actor) or is_provider(actor)):
        raise NotFound(f"contract {contract_id}")
    # Only the contract's own row is locked: its joined relationships (authority, supplier)
    # are outer joins, which PostgreSQL cannot lock.
    contract = db.session.get(Contract, contract_id,
                              with_for_update={"of": Contract} if for_update else None)
    if contract is None:
        raise NotFound(f"contract {contract_id}")
    return contract


def contract_to_change(actor, contract_id, *, for_update=True):
    """The contract for a change by its authority's officers or managers (PermissionDenied for
    its supplier, NotFound for everyone else)."""
    contract = get_contract(actor, contract_id, for_update=for_update)
    require_buyer(actor)
    return contract


def contract_to_decide(actor, contract_id):
    """The contract for an extension decision, by its authority's managers only."""
    contract = get_contract(actor, contract_id, for_update=True)
    require_manager(actor)
    return contract
