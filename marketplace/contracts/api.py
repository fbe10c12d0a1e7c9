"""The contract register in the API (issue 13, API): an authority's block contracts, read by
their supplier where it is a provider registered here, and the managers' extension decisions.
Shapes and types only (``schemas``); every rule is in ``services``."""
from flask_login import current_user

from ..api import PAGINATION, api_blueprint, errors, page_items
from . import services
from .schemas import (ContractChangeSchema, ContractInputSchema, ContractSchema,
                      DecisionInputSchema)

blp = api_blueprint("api_contracts", __name__,
                    description="The contract register: an authority's block contracts for SEND "
                                "services, their terms, extension options and decisions.")


@blp.get("/contracts")
@blp.response(200, ContractSchema(many=True))
@blp.paginate(**PAGINATION)
@errors(403)
def contracts(pagination_parameters):
    """Your authority's contracts, or those your provider is the supplier of; by current end."""
    return page_items(pagination_parameters, services.page_of_contracts(
        current_user, pagination_parameters.page, pagination_parameters.page_size))


@blp.post("/contracts")
@blp.arguments(ContractInputSchema)
@blp.response(201, ContractSchema)
@errors(omit=(409,))
def record_contract(data):
    """Record a contract (your authority's officers and managers): ``title``, ``service``,
    ``supplier_provider_id`` (a provider registered here) or ``supplier_name``,
    ``annual_value`` (pounds), ``start_date``, ``initial_term_months``, ``extension_options``
    (``[{"months": 12}, ...]``), ``uplift_rule`` (as placements'), ``uplift_convention``,
    ``decision_reference``, ``retrospective`` with ``retrospective_note`` (needed when the start
    is before today) and ``status`` draft (the default) or active."""
    data.pop("terminated_on", None)
    data.pop("termination_reason", None)
    return services.record_contract(current_user, **data)


@blp.get("/contracts/<id:contract_id>")
@blp.response(200, ContractSchema)
def contract(contract_id):
    """A contract: its authority's, or its supplier's."""
    return services.get_contract(current_user, contract_id)


@blp.patch("/contracts/<id:contract_id>")
@blp.arguments(ContractChangeSchema)
@blp.response(200, ContractSchema)
def update_contract(data, contract_id):
    """Change the fields given (your authority's officers and managers). ``status``: active
    activates a draft; terminated, with ``terminated_on`` and ``termination_reason``, ends it
    early. 409 for a terminated contract, or for the start, term or options once an option has
    been decided."""
    return services.update_contract(current_user, contract_id, **data)


@blp.post("/contracts/<id:contract_id>/extensions/<id:number>/decision")
@blp.arguments(DecisionInputSchema)
@blp.response(200, ContractSchema)
def decide_extension(data, contract_id, number):
    """Take or decline extension option ``number`` (``decision``: taken or declined, with a
    ``reason``): your authority's managers. 409, saying why, out of order, after the contract
    has ended, for a draft or terminated contract, or once decided."""
    return services.decide_extension(current_user, contract_id, number, **data)
