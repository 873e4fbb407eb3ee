"""The Chinese web pages, one module per role (docs/design.md §1), over the same services as the API."""

from flask import Blueprint

bp = Blueprint("ui", __name__, template_folder="../templates", static_folder="../static", static_url_path="/static")

from web.ui import errors as _errors  # noqa: E402
from web.ui.common import install_template_helpers  # noqa: E402

install_template_helpers(bp)
_errors.install(bp)


@bp.before_request
def _csrf() -> None:
    """Every form post of the pages carries its CSRF token (web.app turns the app-wide check
    off, so the API's requests skip it); WTF_CSRF_ENABLED still switches it off, as in
    flask-wtf's own hook."""
    from flask import current_app

    from web.app import csrf

    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()


from web.ui import (  # noqa: E402,F401  (views register on import)
    auditor,
    department,
    dept_auths,
    dept_items,
    dept_people,
    drc,
    errors,
    findings_pages,
    gov_service,
    government,
    gs_calendar,
    gs_materials,
    gs_tokens,
    pages,
    public,
    reform,
    reform_pack,
    table_export,
    window,
    window_cases,
    window_lookup,
)
