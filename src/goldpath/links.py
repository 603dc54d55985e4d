"""Links that resolve: in development, URLs of the production hosts become the portal's own.

Templates and ``catalog-info.yaml`` files name the real hosts (the platform's GitLab,
Grafana, Argo CD and ``<app>.<domain>``), which do not exist on a laptop. In development
``LinkMap.resolve`` turns each into what stands in for it there: the local git host's
repository pages, the component page's live panels, the component's local run. Production
keeps every link as written. Pure: settings in, strings out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from goldpath.config import Settings
from goldpath.gitops import dashboard_tag

__all__ = ["APP_TAG_PREFIX", "LinkMap", "component_page_path", "local_run_path"]

APP_TAG_PREFIX = dashboard_tag("")
"""How the Grafana tag goldpath's GitOps renderer gives an app's dashboards starts."""
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def component_page_path(name: str, *, namespace: str = "default") -> str:
    """The portal path of a component's page, at its live panels."""
    return f"/catalog/{quote(namespace, safe='')}/component/{quote(name, safe='')}#live"


def local_run_path(name: str) -> str:
    """The portal path that sends a browser to a component's local run (or its page)."""
    return f"/run/{quote(name, safe='')}"


def _base(url: str) -> str:
    return url.rstrip("/")


class LinkMap:
    """Maps links to production hosts onto the development portal (identity in production)."""

    def __init__(self, settings: Settings) -> None:
        self.active = not settings.is_production
        platform = settings.platform
        self.portal = _base(settings.server.public_url)
        self.git_host = platform.git_host.lower()
        self.grafana = _base(platform.grafana_url)
        self.argocd = _base(platform.argocd_url)
        self.domain = platform.domain.lower().strip(".")

    def resolve(self, url: str) -> str:
        """The URL to link to here: a local stand-in in development, else ``url`` itself."""
        if not self.active or not isinstance(url, str):
            return url
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            return url
        if host == self.git_host and parts.path.strip("/"):
            # GitLab's own paths (<owner>/<repo>, /-/blob/<ref>/..., /-/pipelines) are the
            # local git host's under /git/
            query = f"?{parts.query}" if parts.query else ""
            return f"{self.portal}/git/{parts.path.strip('/')}{query}"
        if url.startswith(self.grafana + "/") or url == self.grafana:
            tags = parse_qs(parts.query).get("tag", [])
            app = next((t[len(APP_TAG_PREFIX) :] for t in tags if t.startswith(APP_TAG_PREFIX)), "")
            return self.portal + (component_page_path(app) if _LABEL.match(app) else "/catalog")
        if url.startswith(self.argocd + "/applications/"):
            app = url[len(self.argocd + "/applications/") :].split("/")[0].split("?")[0]
            return self.portal + (component_page_path(app) if _LABEL.match(app) else "/catalog")
        if self.domain and host.endswith("." + self.domain):
            app = host[: -len(self.domain) - 1]
            if _LABEL.match(app):
                return self.portal + local_run_path(app)
        return url

    def resolve_output(self, output: Mapping[str, Any]) -> dict[str, Any]:
        """A task output with every ``links[].url`` resolved (the rest as it was)."""
        result = dict(output)
        links = output.get("links")
        if self.active and isinstance(links, list):
            result["links"] = [
                {**link, "url": self.resolve(link["url"])}
                if isinstance(link, Mapping) and isinstance(link.get("url"), str)
                else link
                for link in links
            ]
        return result
