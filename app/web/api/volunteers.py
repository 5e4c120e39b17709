"""/api/v1 volunteers endpoints."""

from flask_smorest import Blueprint

blp = Blueprint("api_volunteers", __name__, url_prefix="/api/v1")
