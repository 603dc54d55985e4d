"""GitOps: a typed `AppSpec` renders the app's GitOps repo; validators prove it before commit.

Renderers (`render_app`, `render_platform`) are pure: typed spec in, files out.
`validate_tree` checks a tree against Kubernetes' schemas, goldpath's CRD schemas, the
platform's policies and (when installed) ``promtool`` and ``kubectl kustomize``.
`set_image`, `promote` and `rerender` change GitOps repos with git, validating first.
"""

from goldpath.gitops._environments import (
    DEPLOY_ENVIRONMENT,
    ENVIRONMENT_POLICIES,
    EnvironmentProfile,
    TagChange,
    environment_profile,
    environment_tags,
    overlay_kustomization,
    previous_environment,
    promote_in_tree,
)
from goldpath.gitops._iam import ecr_push_policy
from goldpath.gitops._names import (
    aws_cost_tags,
    dashboard_selector,
    dashboard_tag,
    dashboard_uid,
)
from goldpath.gitops._platform_git import (
    PlatformAppChange,
    add_platform_app,
    platform_app_added,
    platform_apps,
    remove_platform_app,
)
from goldpath.gitops._platform_repo import (
    PLATFORM_REPO,
    platform_app_files,
    render_platform_repo,
)
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
from goldpath.gitops._secrets import (
    app_secret_prefix,
    external_secrets_role_arn,
    secret_key_allowed,
    secret_resource_policy,
)
from goldpath.gitops._spec import (
    ENVIRONMENTS,
    MAX_APP_NAME_LENGTH,
    AlertThresholds,
    AppSpec,
    EnvironmentSettings,
    PlatformNamespace,
    PlatformSpec,
    Resources,
)
from goldpath.gitops._validate import Validation, validate_tree, validation_started
from goldpath.gitops._warm import configure_warm_pool
from goldpath.gitops.errors import (
    GitopsError,
    GitopsRepoNotFoundError,
    GitopsValidationError,
    ImageNotFoundError,
    NothingToPromoteError,
)
from goldpath.providers.git.errors import GitCommandError  # the one git error, re-exported

__all__ = [
    "APP_SPEC_FILE",
    "DEPLOY_ENVIRONMENT",
    "ENVIRONMENTS",
    "ENVIRONMENT_POLICIES",
    "MAX_APP_NAME_LENGTH",
    "PLATFORM_REPO",
    "POLICIES",
    "AlertThresholds",
    "AppSpec",
    "EnvironmentProfile",
    "EnvironmentSettings",
    "Finding",
    "GitCommandError",
    "GitopsError",
    "GitopsRepoNotFoundError",
    "GitopsValidationError",
    "ImageNotFoundError",
    "NothingToPromoteError",
    "PlatformNamespace",
    "PlatformSpec",
    "Rerendered",
    "Policy",
    "Resources",
    "TagChange",
    "PlatformAppChange",
    "Validation",
    "ValidationReport",
    "add_platform_app",
    "configure_warm_pool",
    "ecr_push_policy",
    "platform_app_added",
    "app_secret_prefix",
    "aws_cost_tags",
    "dashboard_selector",
    "dashboard_tag",
    "dashboard_uid",
    "environment_profile",
    "environment_tags",
    "external_secrets_role_arn",
    "image_tag",
    "list_local_repos",
    "overlay_kustomization",
    "platform_app_files",
    "platform_apps",
    "previous_environment",
    "promote",
    "promote_in_tree",
    "read_tree",
    "render_app",
    "remove_platform_app",
    "render_platform",
    "render_platform_repo",
    "rerender",
    "rerender_tree",
    "secret_key_allowed",
    "secret_resource_policy",
    "set_image",
    "tree_diff",
    "validate_repo",
    "validate_tree",
    "validation_started",
]
