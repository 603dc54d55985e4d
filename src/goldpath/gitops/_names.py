"""Names and labels every renderer derives from an app name, in one place."""

from __future__ import annotations

import hashlib

from goldpath.gitops._spec import AppSpec

__all__ = [
    "ECR_REPOSITORY_PREFIX",
    "MANAGED_BY",
    "app_labels",
    "aws_cost_tags",
    "dashboard_selector",
    "dashboard_tag",
    "dashboard_uid",
    "ecr_repository_name",
    "hostname",
    "namespace_name",
    "secret_name",
    "selector_labels",
]

MANAGED_BY = "goldpath"
# Terraform's ecr module (var.app_repository_prefix) grants CI push on exactly this prefix.
ECR_REPOSITORY_PREFIX = "apps"
_GRAFANA_UID_MAX = 40


def namespace_name(app: str, environment: str | None = None) -> str:
    """The namespace an app (or one of its environments) runs in."""
    return app if environment is None else f"{app}-{environment}"


def hostname(app: str, domain: str, environment: str | None = None) -> str:
    """The public host: ``<app>.<domain>``, or ``<app>-<env>.<domain>`` before prod."""
    if environment is None or environment == "prod":
        return f"{app}.{domain}"
    return f"{app}-{environment}.{domain}"


def ecr_repository_name(app: str) -> str:
    """The app's ECR repository: ``apps/<app>``, one path for pipeline, manifests and IAM."""
    return f"{ECR_REPOSITORY_PREFIX}/{app}"


def secret_name(app: str) -> str:
    """The Kubernetes Secret the ExternalSecret writes and the Deployment reads."""
    return f"{app}-secrets"


def dashboard_tag(app: str) -> str:
    """The Grafana tag that marks an app's dashboards."""
    return f"goldpath-app-{app}"


def dashboard_selector(app: str) -> str:
    """The Component annotation ``grafana/dashboard-selector`` that finds the app's dashboard.

    The Backstage Grafana plugin evaluates it against dashboard tags; the renderer tags
    the dashboard with `dashboard_tag` so both always agree.
    """
    return f"tags @> '{dashboard_tag(app)}'"


def dashboard_uid(app: str) -> str:
    """The dashboard's stable uid (Grafana allows at most 40 characters)."""
    uid = f"goldpath-{app}"
    if len(uid) <= _GRAFANA_UID_MAX:
        return uid
    digest = hashlib.sha256(app.encode()).hexdigest()[:8]
    return f"{uid[: _GRAFANA_UID_MAX - 9]}-{digest}"


def selector_labels(spec: AppSpec) -> dict[str, str]:
    """Labels that select the app's pods (immutable once deployed)."""
    return {"app.kubernetes.io/instance": spec.name, "app.kubernetes.io/name": spec.name}


def app_labels(spec: AppSpec) -> dict[str, str]:
    """Labels every resource of the app carries: identity, owner team, cost allocation."""
    labels = {
        **selector_labels(spec),
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "app.kubernetes.io/part-of": spec.system or spec.name,
        "goldpath.io/team": spec.team,
        "goldpath.io/cost-center": spec.cost_center or spec.team,
    }
    return dict(sorted(labels.items()))


def aws_cost_tags(*, app: str, owner: str, cost_center: str) -> dict[str, str]:
    """The cost-allocation tags every AWS resource of an app carries.

    ``goldpath platform cost`` groups by ``app``, ``owner`` and ``cost-center``;
    ``managed-by`` tells what goldpath made from what Terraform made.
    """
    return {"app": app, "cost-center": cost_center, "managed-by": MANAGED_BY, "owner": owner}
