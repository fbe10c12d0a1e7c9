"""The audit trail in the API."""
from flask_login import current_user

from ..api import PAGINATION, api_blueprint, errors, page_items
from . import services
from .schemas import AuditEventSchema

blp = api_blueprint("api_audit", __name__, url_prefix="/audit",
                    description="Your organisation's audit events (the host also sees system "
                                "events).")


@blp.get("")
@blp.response(200, AuditEventSchema(many=True))
@blp.paginate(**PAGINATION)
@errors(403)
def events(pagination_parameters):
    """Your organisation's audit events, newest first."""
    return page_items(pagination_parameters, services.page_of_events(
        current_user, pagination_parameters.page, pagination_parameters.page_size))
