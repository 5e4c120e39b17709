"""The console's one blueprint; each page module attaches its views to it."""

from flask import Blueprint

bp = Blueprint("console", __name__)
