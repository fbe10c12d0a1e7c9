"""Placements in the API: an authority's placements and a provider's."""
from flask_login import current_user

from ..api import PAGINATION, api_blueprint, errors, page_items
from . import services
from .schemas import PlacementSchema

blp = api_blueprint("api_placements", __name__,
                    description="Placements: a child's placement with a provider, its fees over "
                                "time and its costs.")


@blp.get("/placements")
@blp.response(200, PlacementSchema(many=True))
@blp.paginate(**PAGINATION)
@errors(403)
def placements(pagination_parameters):
    """Your authority's placements, or your provider's; newest start first."""
    return page_items(pagination_parameters, services.page_of_placements(
        current_user, pagination_parameters.page, pagination_parameters.page_size))


@blp.get("/placements/<id:placement_id>")
@blp.response(200, PlacementSchema)
def placement(placement_id):
    """A placement: its authority's or its provider's."""
    return services.get_placement(current_user, placement_id)
