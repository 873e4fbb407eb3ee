"""How the app sits behind a reverse proxy and faces the internet (docs/design.md §12.5).

- Client addresses: with `ONEHALL_TRUSTED_PROXIES` set, Werkzeug's ProxyFix takes the client's
  address, scheme and host from the proxy's X-Forwarded-* headers, so the receipt-check and
  sign-in limits and the logs see the citizen, not the proxy. A list of proxy addresses makes
  the headers believed only on requests that come from one of them.
- Production: session cookies Secure, HttpOnly, SameSite=Lax, and HSTS on every answer.
- `ONEHALL_PUBLIC_URL` (app config PUBLIC_URL, web.ui.common.public_url): QR codes and receipts.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


class TrustedProxyFix:
    """ProxyFix applied only to requests whose peer is one of the trusted proxies."""

    def __init__(self, wsgi_app: Any, hops: int, networks: list) -> None:
        self.plain = wsgi_app
        self.fixed = ProxyFix(wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
        self.networks = networks

    def __call__(self, environ: dict, start_response: Any):
        if self.networks and not self._trusted(environ.get("REMOTE_ADDR", "")):
            return self.plain(environ, start_response)
        return self.fixed(environ, start_response)

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)


class StrictTransport:
    """HSTS on every response (production: the public side is served over HTTPS only)."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Any):
        def start(status: str, headers: list, exc_info: Any = None):
            if not any(name.lower() == "strict-transport-security" for name, _ in headers):
                headers.append(HSTS)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def install(app: Flask, settings: Any) -> None:
    """Wrap the app's WSGI callable for the proxy and production, and set the cookie flags."""
    if settings.production:
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            REMEMBER_COOKIE_HTTPONLY=True,
            REMEMBER_COOKIE_SAMESITE="Lax",
        )
        app.wsgi_app = StrictTransport(app.wsgi_app)
    hops, networks = settings.proxies
    if hops:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, hops, networks)
