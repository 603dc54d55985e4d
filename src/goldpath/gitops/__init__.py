"""GitOps: a typed `AppSpec` renders the app's GitOps repo; validators prove it before commit.

Renderers (`render_app`, `render_platform`) are pure: typed spec in, files out.
`validate_tree` checks a tree against Kubernetes' schemas, goldpath's CRD schemas, the
platform's policies and (when installed) ``promtool`` and ``kubectl kustomize``.
`set_image`, `promote` and `rerender` change GitOps repos with git, validating first.
"""

from goldpath.gitops._names import dashboard_selector, dashboard_tag, dashboard_uid
from goldpath.gitops._policies import POLICIES, Policy
from goldpath.gitops._render import APP_SPEC_FILE, render_app, render_platform
from goldpath.gitops._repo import (
    Rerendered,
    image_tag,
    list_local_repos,
    promote,
    read_tree,
    rerender,
    rerender_tree,
    set_image,
    tree_diff,
    validate_repo,
)
from goldpath.gitops._report import Finding, ValidationReport
from goldpath.gitops._spec import (
    ENVIRONMENTS,
    MAX_APP_NAME_LENGTH,
    AlertThresholds,
    AppSpec,
    PlatformNamespace,
    PlatformSpec,
    Resources,
)
from goldpath.gitops._validate import validate_tree
from goldpath.gitops.errors import (
    GitopsError,
    GitopsRepoNotFoundError,
    GitopsValidationError,
    ImageNotFoundError,
)
from goldpath.providers.git.errors import GitCommandError  # the one git error, re-exported

__all__ = [
    "APP_SPEC_FILE",
    "ENVIRONMENTS",
    "MAX_APP_NAME_LENGTH",
    "POLICIES",
    "AlertThresholds",
    "AppSpec",
    "Finding",
    "GitCommandError",
    "GitopsError",
    "GitopsRepoNotFoundError",
    "GitopsValidationError",
    "ImageNotFoundError",
    "PlatformNamespace",
    "PlatformSpec",
    "Rerendered",
    "Policy",
    "Resources",
    "ValidationReport",
    "dashboard_selector",
    "dashboard_tag",
    "dashboard_uid",
    "image_tag",
    "list_local_repos",
    "promote",
    "read_tree",
    "render_app",
    "render_platform",
    "rerender",
    "rerender_tree",
    "set_image",
    "tree_diff",
    "validate_repo",
    "validate_tree",
]
