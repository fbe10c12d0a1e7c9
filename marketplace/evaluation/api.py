"""evaluation in the API."""
from ..api import api_blueprint

blp = api_blueprint("api_evaluation", __name__)
