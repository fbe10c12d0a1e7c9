"""Authorities in the API."""
from flask_login import current_user

from ..api import PAGINATION, api_blueprint, errors, page_items
from . import services
from .schemas import AuthoritySchema

blp = api_blueprint("api_authorities", __name__, url_prefix="/authorities",
                    description="The host and member authorities (host administrators).")


@blp.get("")
@blp.response(200, AuthoritySchema(many=True))
@blp.paginate(**PAGINATION)
@errors(403)
def authorities(pagination_parameters):
    """Every authority, host first then by name; for the host's administrators."""
    return page_items(pagination_parameters, services.page_of_authorities(
        current_user, pagination_parameters.page, pagination_parameters.page_size))


@blp.get("/<id:authority_id>")
@blp.response(200, AuthoritySchema)
def authority(authority_id):
    """One authority: any for the host's administrators, their own for a manager."""
    return services.get_authority(current_user, authority_id)
