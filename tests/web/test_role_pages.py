"""Every page but the public ones is declared as a page of a role (web.ui.common.RolePages), so a
page cannot be added without the role check; a signed-in user of another role is refused (403)."""

from __future__ import annotations

PUBLIC = {
    "ui.favicon",
    "ui.home",
    "ui.login",
    "ui.logout",
    "ui.public_reps",
    "ui.static",
    "ui.verify",
    "ui.verify_hash",
}


def test_every_page_but_the_public_ones_checks_a_role(app):
    unchecked = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("ui.") and not getattr(app.view_functions[rule.endpoint], "roles", None)
    }
    assert unchecked == PUBLIC


def test_a_role_page_refuses_another_role_and_sends_strangers_to_sign_in(app, world, client):
    assert client.get("/gs/tokens").headers["Location"].startswith("/login")
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"name": "fgw", "password": "password-123"})
    r = client.get("/gs/tokens")
    assert r.status_code == 403 and "仅供" in r.get_data(as_text=True)


def test_every_endpoint_the_pages_name_exists(app):
    """An endpoint named (url_for, the role homes) that is not there fails only when its page renders: read them
    all from the views and templates instead (each role's pages are `ui.<role blueprint>.<view>`)."""
    import re
    from pathlib import Path

    web = Path(__file__).resolve().parents[2] / "web"
    named = {
        (path.relative_to(web).as_posix(), match.group(1))
        for path in [*web.rglob("*.py"), *web.rglob("*.html")]
        for match in re.finditer(r"""["'](ui\.[A-Za-z_0-9.]+)["']""", path.read_text(encoding="utf-8"))
    }
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert named and {(path, e) for path, e in named if e not in endpoints} == set()
