"""The purchasing system and its lots in the API."""
from flask_login import current_user

from ..api import PAGINATION, api_blueprint, errors, page_items
from . import services
from .schemas import (
    LotChangeSchema,
    LotInputSchema,
    LotSchema,
    SystemChangeSchema,
    SystemInputSchema,
    SystemSchema,
)

blp = api_blueprint("api_purchasing", __name__, url_prefix="/system",
                    description="The region's purchasing system and its lots.")


@blp.get("")
@blp.response(200, SystemSchema)
@errors(404)
def system():
    """The purchasing system with its lots (everyone signed in)."""
    return services.require_system()


@blp.post("")
@blp.arguments(SystemInputSchema)
@blp.response(201, SystemSchema)
def create_system(data):
    """Set up the purchasing system (host administrators, once)."""
    return services.create_system(current_user, **data)


@blp.patch("")
@blp.arguments(SystemChangeSchema)
@blp.response(200, SystemSchema)
@errors(404)
def update_system(data):
    """Change the system's settings (host administrators)."""
    return services.update_system(current_user, **data)


@blp.get("/lots")
@blp.response(200, LotSchema(many=True))
@blp.paginate(**PAGINATION)
def lots(pagination_parameters):
    """The system's lots by code."""
    return page_items(pagination_parameters, services.page_of_lots(
        pagination_parameters.page, pagination_parameters.page_size))


@blp.post("/lots")
@blp.arguments(LotInputSchema)
@blp.response(201, LotSchema)
@errors(404)
def add_lot(data):
    """Add a lot (host administrators)."""
    return services.add_lot(current_user, **data)


@blp.get("/lots/<id:lot_id>")
@blp.response(200, LotSchema)
def lot(lot_id):
    """One lot."""
    return services.get_lot(lot_id)


@blp.patch("/lots/<id:lot_id>")
@blp.arguments(LotChangeSchema)
@blp.response(200, LotSchema)
@errors(omit=(409,))
def update_lot(data, lot_id):
    """Change a lot (host administrators)."""
    return services.update_lot(current_user, lot_id, **data)
