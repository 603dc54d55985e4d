"""The portal's Jinja2 environment and ``render``: every page goes through here."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from goldpath import __version__
from goldpath.permissions import user_resource
from goldpath.web._permissions import can
from goldpath.web.auth import csrf_input, csrf_token, identity_from_scope

log = logging.getLogger(__name__)

__all__ = [
    "NAV",
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "NavItem",
    "environment",
    "render",
    "render_error_page",
]

WEB_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


@dataclass(frozen=True, slots=True)
class NavItem:
    """One entry of the portal navigation."""

    key: str
    label: str
    href: str
    icon: str
    external: bool = False
    permission: str | None = None  # shown only to callers who hold it


NAV: tuple[NavItem, ...] = (
    NavItem("home", "Home", "/", "home"),
    NavItem("catalog", "Catalog", "/catalog", "catalog"),
    NavItem("create", "Create", "/create", "create"),
    NavItem("tasks", "Tasks", "/create/tasks", "tasks"),
    NavItem("docs", "Docs", "/docs", "docs"),
    NavItem("scorecards", "Scorecards", "/scorecards", "scorecards"),
    NavItem("merge-requests", "Merge requests", "/merge-requests", "merge"),
    NavItem("audit", "Audit", "/audit", "audit", permission="audit.read"),
)


def _active_nav(path: str) -> str:
    if path.startswith("/create/tasks"):
        return "tasks"
    for item in reversed(NAV):
        if item.href != "/" and (path == item.href or path.startswith(item.href + "/")):
            return item.key
    return "home" if path == "/" else ""


def _static_url(path: str) -> str:
    return f"/static/{path.lstrip('/')}?v={__version__}"


def _build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals.update(nav_items=NAV, static_url=_static_url, version=__version__)
    return env


environment = _build_environment()


def _visible_nav(request: Request) -> list[NavItem]:
    """The navigation, without the entries the caller may not open."""
    public = [item for item in NAV if item.permission is None]
    if identity_from_scope(request) is None or not hasattr(request.app.state, "runtime"):
        return public
    try:
        return [
            item for item in NAV if item.permission is None or can(request, item.permission).allowed
        ]
    except Exception:  # an error page must render even when the database is what failed
        log.exception("could not decide which navigation entries to show")
        return public


def _base_context(request: Request) -> dict[str, Any]:
    has_session = "session" in request.scope
    settings = getattr(request.app.state, "settings", None)
    identity = identity_from_scope(request)
    return {
        "request": request,
        "nav_items": _visible_nav(request),
        "can": lambda permission, resource=None: can(request, permission, resource),
        "self_resource": user_resource(identity.user_ref) if identity is not None else None,
        "identity": identity,
        "active_nav": _active_nav(request.url.path),
        "csrf_input": (lambda: csrf_input(request)) if has_session else (lambda: Markup("")),
        "csrf_token": csrf_token(request) if has_session else "",
        "environment_name": settings.env if settings is not None else "development",
    }


def render(
    request: Request,
    template: str,
    /,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render a portal template (which extends ``base.html``) into a response."""
    values = _base_context(request)
    values.update(context)
    html = environment.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    for name, value in _security_headers(request).items():
        response.headers.setdefault(name, value)
    return response


def _security_headers(request: Request) -> dict[str, str]:
    # Pages load nothing from elsewhere; inline style attributes are the one allowance.
    # Chrome applies form-action to the redirect after "Sign in with GitHub", so GitHub's
    # authorize origin is allowed as a form target.
    settings = getattr(request.app.state, "settings", None)
    form_targets = "'self'"
    if settings is not None:
        parts = urlsplit(settings.auth.github.authorize_url)
        if parts.scheme and parts.netloc:
            form_targets += f" {parts.scheme}://{parts.netloc}"
    return {
        "Content-Security-Policy": (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            f"script-src 'self'; object-src 'none'; base-uri 'self'; form-action {form_targets}; "
            "frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }


_ERROR_TITLES = {
    400: "That request did not make sense",
    401: "Sign in to continue",
    403: "You cannot do that",
    404: "Nothing here",
    409: "That clashes with something",
    422: "Some input needs fixing",
    500: "Something went wrong",
    502: "A system goldpath relies on failed",
}


async def render_error_page(request: Request, status: int, name: str, message: str) -> Response:
    """The error page in the portal's look (installed as the app's HTML error renderer)."""
    title = _ERROR_TITLES.get(status, "Something went wrong")
    if status == 404 and message == "Not Found":
        # Starlette's bare 404 for an unknown path; say which path.
        message = f"There is no page at {request.url.path}."
    return render(
        request,
        "error.html",
        status_code=status,
        status=status,
        error_title=title,
        error_name=name,
        message=message,
    )
