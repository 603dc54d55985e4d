"""GitLab project settings through python-gitlab: CI/CD variables, protected branches and
project access tokens.

Documented REST calls (GitLab API v4) only:
``GET|POST /projects/:id/variables``, ``GET|PUT|DELETE /projects/:id/variables/:key``;
``GET|POST /projects/:id/protected_branches``,
``GET|DELETE /projects/:id/protected_branches/:name``;
``GET|POST /projects/:id/access_tokens``, ``DELETE /projects/:id/access_tokens/:token_id``
(revoke). Failures become ``GitLabProjectError`` here, with the token redacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from goldpath.config import GitIntegration
from goldpath.errors import ProviderError

__all__ = ["AccessToken", "GitLabProjectError", "GitLabProjects", "ProjectVariable"]

_TIMEOUT_SECONDS = 30.0


class GitLabProjectError(ProviderError):
    """GitLab failed, refused, or could not be reached while changing a project's settings."""


@dataclass(frozen=True, slots=True)
class ProjectVariable:
    """A project's CI/CD variable (its value only as GitLab returns it)."""

    key: str
    value: str
    protected: bool = False
    masked: bool = False
    raw: bool = False
    variable_type: str = "env_var"
    environment_scope: str = "*"
    description: str | None = None

    def as_data(self) -> dict[str, Any]:
        """The request body of ``POST``/``PUT /projects/:id/variables``."""
        data: dict[str, Any] = {
            "key": self.key,
            "value": self.value,
            "protected": self.protected,
            "masked": self.masked,
            "raw": self.raw,
            "variable_type": self.variable_type,
            "environment_scope": self.environment_scope,
        }
        if self.description is not None:
            data["description"] = self.description
        return data


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A project access token (never its value)."""

    id: int
    name: str
    scopes: tuple[str, ...]
    access_level: int
    active: bool
    expires_at: str | None = None
    """The last day it works (``YYYY-MM-DD``); None when it does not expire."""


class GitLabProjects:
    """Settings of the projects of one GitLab instance (the integration's URL and token)."""

    def __init__(self, integration: GitIntegration, *, timeout: float = _TIMEOUT_SECONDS) -> None:
        host = integration.host.lower()
        api = (integration.api_base_url or f"https://{host}/api/v4").rstrip("/")
        self.host = host
        self._base_url = api.removesuffix("/api/v4")
        self._token = integration.token.get_secret_value() if integration.token else ""
        self._timeout = timeout
        self._client: Any = None

    def _gitlab(self) -> Any:
        if self._client is None:
            import gitlab

            self._client = gitlab.Gitlab(
                url=self._base_url, private_token=self._token or None, timeout=self._timeout
            )
        return self._client

    def _project(self, path: str) -> Any:
        return self._gitlab().projects.get(path, lazy=True)

    def group_projects(self, group: str) -> list[str]:
        """The paths of the projects right in ``group`` (not its subgroups, not archived),
        every page of them."""
        found = self._call(
            f"listing the projects of {group}",
            lambda: self._gitlab().groups.get(group, lazy=True).projects.list(
                get_all=True, include_subgroups=False, archived=False, simple=True,
                per_page=100,
            ),
        )
        return sorted(str(item.attributes["path_with_namespace"]) for item in found or [])

    def _convert(self, exc: Exception, doing: str, hide: tuple[str, ...]) -> GitLabProjectError:
        import gitlab.exceptions

        from goldpath.redaction import redact_text

        secrets = [self._token, *hide]
        if isinstance(exc, gitlab.exceptions.GitlabError):
            message = redact_text(" ".join(str(exc.error_message).split()), secrets, urls=True)
            return GitLabProjectError(
                f"GitLab {self.host} answered {exc.response_code} while {doing}: {message}",
                host=self.host,
                status=exc.response_code,
            )
        return GitLabProjectError(
            f"GitLab {self.host} could not be reached while {doing} ({type(exc).__name__})",
            host=self.host,
        )

    def _call(
        self, doing: str, call: Any, *, missing_ok: bool = False, hide: tuple[str, ...] = ()
    ) -> Any:
        """Run ``call()``; failures raise GitLabProjectError (with ``missing_ok`` a 404 is
        None: a read of something absent, a delete of something already gone)."""
        import gitlab.exceptions
        import requests

        try:
            return call()
        except gitlab.exceptions.GitlabError as exc:
            if missing_ok and exc.response_code == 404:
                return None
            raise self._convert(exc, doing, hide) from None
        except requests.RequestException as exc:
            raise self._convert(exc, doing, hide) from None

    # -- CI/CD variables ----------------------------------------------------------------------

    def variable(self, project: str, key: str) -> ProjectVariable | None:
        """The variable ``key`` (any environment scope), or None."""
        found = self._call(
            f"reading variable {key} of {project}",
            lambda: self._project(project).variables.get(key),
            missing_ok=True,
        )
        if found is None:
            return None
        attrs = found.attributes
        return ProjectVariable(
            key=str(attrs["key"]),
            value=str(attrs.get("value") or ""),
            protected=bool(attrs.get("protected")),
            masked=bool(attrs.get("masked")),
            raw=bool(attrs.get("raw")),
            variable_type=str(attrs.get("variable_type") or "env_var"),
            environment_scope=str(attrs.get("environment_scope") or "*"),
            description=attrs.get("description"),
        )

    def create_variable(self, project: str, variable: ProjectVariable) -> None:
        """Add the variable."""
        self._call(
            f"creating variable {variable.key} of {project}",
            lambda: self._project(project).variables.create(variable.as_data()),
            hide=(variable.value,),
        )

    def update_variable(self, project: str, variable: ProjectVariable) -> None:
        """Replace the variable's value and flags."""
        data = variable.as_data()
        data.pop("key")
        self._call(
            f"updating variable {variable.key} of {project}",
            lambda: self._project(project).variables.update(variable.key, data),
            hide=(variable.value,),
        )

    def delete_variable(self, project: str, key: str) -> None:
        """Remove the variable (a missing one is not an error)."""
        self._call(
            f"deleting variable {key} of {project}",
            lambda: self._project(project).variables.delete(key),
            missing_ok=True,
        )

    # -- protected branches -------------------------------------------------------------------

    def protected_branch(self, project: str, branch: str) -> dict[str, Any] | None:
        """The branch's protection, or None when it is not protected."""
        found = self._call(
            f"reading the protection of {branch} in {project}",
            lambda: self._project(project).protectedbranches.get(branch),
            missing_ok=True,
        )
        return None if found is None else dict(found.attributes)

    def protect_branch(
        self, project: str, branch: str, *, push_access_level: int, merge_access_level: int
    ) -> None:
        """Protect ``branch``: who may push and merge, no force pushes."""
        self._call(
            f"protecting {branch} in {project}",
            lambda: self._project(project).protectedbranches.create(
                {
                    "name": branch,
                    "push_access_level": push_access_level,
                    "merge_access_level": merge_access_level,
                    "allow_force_push": False,
                }
            ),
        )

    def unprotect_branch(self, project: str, branch: str) -> None:
        """Remove the branch's protection (an unprotected branch is not an error)."""
        self._call(
            f"unprotecting {branch} in {project}",
            lambda: self._project(project).protectedbranches.delete(branch),
            missing_ok=True,
        )

    # -- project access tokens ----------------------------------------------------------------

    def access_tokens(self, project: str) -> list[AccessToken]:
        """The project's access tokens (revoked ones too, marked inactive)."""
        found = self._call(
            f"listing the access tokens of {project}",
            lambda: self._project(project).access_tokens.list(get_all=True),
        )
        tokens = []
        for item in found or []:
            attrs = item.attributes
            tokens.append(
                AccessToken(
                    id=int(attrs["id"]),
                    name=str(attrs.get("name") or ""),
                    scopes=tuple(attrs.get("scopes") or ()),
                    access_level=int(attrs.get("access_level") or 0),
                    active=bool(attrs.get("active")) and not bool(attrs.get("revoked")),
                    expires_at=str(attrs["expires_at"]) if attrs.get("expires_at") else None,
                )
            )
        return tokens

    def create_access_token(
        self, project: str, *, name: str, scopes: list[str], access_level: int, expires_at: str
    ) -> tuple[AccessToken, str]:
        """A new project access token and its value (GitLab shows the value this once)."""
        made = self._call(
            f"creating an access token of {project}",
            lambda: self._project(project).access_tokens.create(
                {
                    "name": name,
                    "scopes": scopes,
                    "access_level": access_level,
                    "expires_at": expires_at,
                }
            ),
        )
        attrs = made.attributes
        token = AccessToken(
            id=int(attrs["id"]),
            name=str(attrs.get("name") or name),
            scopes=tuple(attrs.get("scopes") or scopes),
            access_level=int(attrs.get("access_level") or access_level),
            active=True,
            expires_at=expires_at,
        )
        return token, str(attrs["token"])

    def revoke_access_token(self, project: str, token_id: int) -> None:
        """Revoke the token (an unknown one is not an error)."""
        self._call(
            f"revoking access token {token_id} of {project}",
            lambda: self._project(project).access_tokens.delete(token_id),
            missing_ok=True,
        )
