"""Security headers on every response: pages, htmx fragments, downloads, errors,
static files (an ``after_request`` hook; Flask runs it for error pages too).

- the app is never framed (clickjacking): ``X-Frame-Options: DENY`` and the CSP's
  ``frame-ancestors 'none'``;
- Content-Security-Policy: everything from the app's own origin. Scripts only from
  files (htmx and ``static/app.js``; no inline script nor ``on…=`` handler), style
  sheets only from files (htmx's own indicator styles are off: ``includeIndicatorStyles``
  in base.html, the rules are in app.css); no inline style either, not even in an
  attribute: the charts (main/_charts.html) draw their bars in inline SVG, whose lengths
  are geometry attributes;
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` (addresses
  hold household and proposal ids: they never leave the site).
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def register(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
