"""providers in the API."""
from ..api import api_blueprint

blp = api_blueprint("api_providers", __name__, url_prefix="/providers")
