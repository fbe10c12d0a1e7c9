"""Placements in the API: an authority's placements and a provider's."""
from flask_login import current_user

from ..api import PAGINATION, api_blueprint, errors, page_items
from . import services
from .schemas import (CostingSchema, CostRangeSchema, EndInputSchema, OffFrameworkInputSchema,
                      PlacementSchema, TermsInputSchema)

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


@blp.post("/placements")
@blp.arguments(OffFrameworkInputSchema)
@blp.response(201, PlacementSchema)
def record_off_framework(data):
    """Record a placement made outside the system (``off_framework: true``): a spot purchase,
    an emergency, a school outside the region, a parent's choice. Your authority's officers and
    managers; its spend then counts in your forecasts."""
    data.pop("off_framework")
    return services.record_off_framework(current_user, **data)


@blp.get("/placements/<id:placement_id>")
@blp.response(200, PlacementSchema)
def placement(placement_id):
    """A placement: its authority's or its provider's."""
    return services.get_placement(current_user, placement_id)


@blp.patch("/placements/<id:placement_id>")
@blp.arguments(TermsInputSchema)
@blp.response(200, PlacementSchema)
def update_placement(data, placement_id):
    """Change the agreed notice period (weeks), funding split (percentages summing to 100) or the
    last invoiced day: the authority's officers and managers."""
    return services.update_terms(current_user, placement_id, **data)


@blp.get("/placements/<id:placement_id>/costs")
@blp.arguments(CostRangeSchema, location="query")
@blp.response(200, CostingSchema)
def costs(args, placement_id):
    """What the placement costs from ``from`` to ``to`` (inclusive) with its workings, from the
    one cost engine: 52-week types by calendar days ÷ 7, term-time types by school days ÷ 5 on
    the provider's calendar (else the region's default, else estimated)."""
    return services.costs(current_user, placement_id, args.get("from_"), args.get("to"))


@blp.post("/placements/<id:placement_id>/end")
@blp.arguments(EndInputSchema)
@blp.response(200, PlacementSchema)
def end(data, placement_id):
    """Record the placement's last day and why; an end earlier than the notice allows is agreed
    by both parties or charged in lieu of notice."""
    return services.end_placement(current_user, placement_id, **data)
