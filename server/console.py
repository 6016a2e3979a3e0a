"""The console's files: the built single-page app (console/dist) at `/` and at the paths of its
pages, its hashed assets cached for good, and a strict Content-Security-Policy.

Only the console's own paths answer with its index.html (the SPA fallback); /graphql, /auth,
/oauth, /scim and the rest keep their routes and their 404s. Where the console is not built,
those paths answer a short page saying how to build it, and the API runs as before.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

# No inline script or style, nothing from another origin, no framing. Fonts may be data: URLs
# (GraphiQL's stylesheet embeds its fonts so; a font runs no script).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none';"
    " form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# Asset names carry a hash of their content: a changed file is a new name.
IMMUTABLE = "public, max-age=31536000, immutable"
# index.html names the current assets: always asked again.
NO_CACHE = "no-cache"

# The paths of the console's pages (the links in emails and texts among them).
PAGE_PATHS = (
    "/",
    "/login/{organization}",
    "/accept-invitation",
    "/reset-password",
    "/signup/{organization}",
    "/verify-signup",
    "/admin",
    "/admin/{rest:path}",
)

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Roster</title></head>
<body><main>
<h1>Roster's console is not built</h1>
<p>The API runs at <a href="/graphql">/graphql</a>. To get the console, install Node.js
(20 or later) with npm and run <code>roster serve</code> again (it builds the console), or
build it yourself: <code>cd console &amp;&amp; npm ci &amp;&amp; npm run build</code>.</p>
</main></body></html>
"""


# Where a wheel carries the built console: package data of `server` (setup.py copies
# console/dist there when it builds the wheel).
PACKAGED_DIST = Path(__file__).resolve().parent / "console_dist"


CHECKOUT_CONSOLE = Path(__file__).resolve().parent.parent / "console"


def default_console_dist(
    environ: Mapping[str, str] = os.environ,
    checkout: Path = CHECKOUT_CONSOLE,
    packaged: Path = PACKAGED_DIST,
) -> Path:
    """ROSTER_CONSOLE_DIST when set; else, in a source checkout (console/package.json beside
    the packages), its console/dist; else the build an installed wheel carries."""
    configured = environ.get("ROSTER_CONSOLE_DIST")
    if configured:
        return Path(configured)
    if (checkout / "package.json").is_file() or not packaged.is_dir():
        return checkout / "dist"
    return packaged


class ConsoleRoutes:
    def __init__(self, dist: Path) -> None:
        self.dist = dist
        self.assets = dist / "assets"

    def routes(self) -> list[BaseRoute]:
        pages: list[BaseRoute] = [Route(path, self.page, methods=["GET"]) for path in PAGE_PATHS]
        return [*pages, Route("/assets/{name:path}", self.asset, methods=["GET"])]

    async def page(self, request: Request) -> Response:
        index = self.dist / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, headers={**SECURITY_HEADERS, "Cache-Control": NO_CACHE})
        return FileResponse(
            index,
            media_type="text/html; charset=utf-8",
            headers={**SECURITY_HEADERS, "Cache-Control": NO_CACHE},
        )

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        path = (self.assets / name).resolve()
        if not path.is_relative_to(self.assets.resolve()) or not path.is_file():
            return PlainTextResponse("Not Found", status_code=404)
        return FileResponse(path, headers={**SECURITY_HEADERS, "Cache-Control": IMMUTABLE})
