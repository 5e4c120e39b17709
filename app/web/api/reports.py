"""/api/v1 reports endpoints."""

from flask_smorest import Blueprint

blp = Blueprint("api_reports", __name__, url_prefix="/api/v1")
