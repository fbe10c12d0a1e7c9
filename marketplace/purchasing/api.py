"""purchasing in the API."""
from ..api import api_blueprint

blp = api_blueprint("api_purchasing", __name__, url_prefix="/system")
