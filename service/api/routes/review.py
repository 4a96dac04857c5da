"""The editor review page: `/review` and its static assets (no CDN, no inline script).

The page is plain HTML, CSS and JavaScript modules shipped in ``service/review/static``; it calls
the `/v1` API with the key the editor signs in with (kept in the browser's sessionStorage).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).resolve().parents[2] / "review" / "static"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-cache"),
]

router = APIRouter(include_in_schema=False)


@router.get("/review")
async def review_page() -> FileResponse:
    """The review page."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")


@router.get("/review/")
async def review_slash() -> RedirectResponse:
    return RedirectResponse("/review", status_code=308)


class SecureHeaders:
    """Adds the page's Content-Security-Policy and friends to `/review` responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/review" or path.startswith("/review/")):
            await self.app(scope, receive, send)
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).extend(SECURITY_HEADERS)
            await send(message)

        await self.app(scope, receive, send_secure)


def install(app: FastAPI) -> None:
    """Serve the page at `/review` and its assets under `/review/static`."""
    app.include_router(router)
    app.mount("/review/static", StaticFiles(directory=STATIC_DIR), name="review-static")
    app.add_middleware(SecureHeaders)
