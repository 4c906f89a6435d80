"""The API documentation, `/docs` (Swagger UI) and `/redoc` (ReDoc), served entirely by this service: the
scripts and styles come from the `fastapi-offline` package, nothing from a CDN or a font host, so they
render on an intranet without internet. A Content-Security-Policy of 'self' makes the browser refuse
anything else."""
from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs-assets"
# Swagger UI and ReDoc set inline styles and ReDoc runs a worker from a blob; scripts only from here.
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
HEADERS = {"Content-Security-Policy": DOCS_CSP, "Cache-Control": "no-cache"}

SWAGGER_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} – API</title>
<link rel="icon" href="{assets}/favicon.png"><link rel="stylesheet" href="{assets}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script><script src="{assets}/swagger-init.js"></script>
</body></html>"""

SWAGGER_INIT = """window.ui = SwaggerUIBundle({url: "%s", dom_id: "#swagger-ui", deepLinking: true,
  layout: "BaseLayout", presets: [SwaggerUIBundle.presets.apis], validatorUrl: null});
"""

REDOC_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} – API</title>
<link rel="icon" href="{assets}/favicon.png"></head>
<body><redoc spec-url="{openapi}" hide-download-button="false"></redoc>
<script src="{assets}/redoc.standalone.js"></script>
</body></html>"""


def mount_docs(app: FastAPI) -> None:
    """`/docs`, `/redoc` and their assets; call on an app created with docs_url=None, redoc_url=None."""
    openapi = app.openapi_url or "/openapi.json"
    fill = {"title": app.title, "assets": ASSETS_URL, "openapi": openapi}

    def docs() -> HTMLResponse:
        return HTMLResponse(SWAGGER_HTML.format(**fill), headers=HEADERS)

    def redoc() -> HTMLResponse:
        return HTMLResponse(REDOC_HTML.format(**fill), headers=HEADERS)

    def swagger_init() -> Response:
        return Response(SWAGGER_INIT % openapi, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)
    app.add_api_route("/redoc", redoc, methods=["GET"], include_in_schema=False)
    app.add_api_route(f"{ASSETS_URL}/swagger-init.js", swagger_init, methods=["GET"], include_in_schema=False)
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")
