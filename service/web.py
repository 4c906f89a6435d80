"""The intranet search page: `/` serves static/index.html, `/static` the page's CSS, JS and icon.

Everything the page needs comes from this service (no CDN, no web fonts, no analytics); a strict
Content-Security-Policy makes the browser refuse anything else. Call `mount_web(app)` once after
`create_app`; calling it again is a no-op."""
from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSET_VERSION_MARK = "__ASSET_VERSION__"

# Only this service: scripts, styles, images and API calls from 'self', nothing inline, no frames.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
PAGE_HEADERS = {
    "Cache-Control": "no-cache",                      # always revalidate the page: it names the asset version
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _asset_version() -> str:
    """A short hash over the static files' names, sizes and mtimes: changes whenever an asset does."""
    h = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            st = path.stat()
            h.update(f"{path.relative_to(STATIC_DIR)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:12]


class _Assets(StaticFiles):
    """StaticFiles (which never lists folders) with cache headers: a request naming the asset version
    (`?v=…`, as index.html does) may be cached for a year; any other is revalidated by ETag."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            versioned = b"v=" in scope.get("query_string", b"")
            response.headers["Cache-Control"] = ("public, max-age=31536000, immutable" if versioned
                                                 else "no-cache")
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def mount_web(app: FastAPI) -> None:
    """Serve the search page at `/` and its assets at `/static`. Idempotent."""
    if getattr(app.state, "web_mounted", False):
        return
    app.state.web_mounted = True

    index_html = STATIC_DIR / "index.html"

    async def page(request: Request) -> Response:
        # on the event loop (a small file and a few stats): in the thread pool it queued behind busy routes (14 s)
        html = index_html.read_text(encoding="utf-8").replace(ASSET_VERSION_MARK, _asset_version())
        return HTMLResponse(html, headers=PAGE_HEADERS)

    app.add_api_route("/", page, methods=["GET", "HEAD"], include_in_schema=False, name="web_page")
    app.mount("/static", _Assets(directory=STATIC_DIR, html=False, check_dir=True), name="static")
