"""Server-rendered portal pages (Jinja2): layout, home, catalog, entities, account."""

from goldpath.web.pages._install import install_pages
from goldpath.web.pages._render import (
    NAV,
    STATIC_DIR,
    TEMPLATES_DIR,
    NavItem,
    environment,
    render,
    render_error_page,
)

__all__ = [
    "NAV",
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "NavItem",
    "environment",
    "install_pages",
    "render",
    "render_error_page",
]
