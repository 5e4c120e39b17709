"""/api/v1 messages endpoints."""

from flask_smorest import Blueprint

blp = Blueprint("api_messages", __name__, url_prefix="/api/v1")
