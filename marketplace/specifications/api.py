"""specifications in the API."""
from ..api import api_blueprint

blp = api_blueprint("api_specifications", __name__, url_prefix="/specifications")
