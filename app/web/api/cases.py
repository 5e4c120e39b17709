"""/api/v1 cases endpoints."""

from flask_smorest import Blueprint

blp = Blueprint("api_cases", __name__, url_prefix="/api/v1")
