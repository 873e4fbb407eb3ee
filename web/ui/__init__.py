"""The Chinese web pages, one module per role (DESIGN §1), over the same services as the API."""
from flask import Blueprint

bp = Blueprint("ui", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/static")

from web.ui import pages  # noqa: E402,F401  (views register on import)
