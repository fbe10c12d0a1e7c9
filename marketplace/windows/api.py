"""windows in the API."""
from ..api import api_blueprint

blp = api_blueprint("api_windows", __name__, url_prefix="/windows")
