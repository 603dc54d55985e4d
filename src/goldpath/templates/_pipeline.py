"""The pipeline shape every built-in golden path shares.

Each skeleton carries its own ``.gitlab-ci.yml`` (a template copied into a repository and
registered by URL must still work, and GitLab's remote includes are not always reachable),
so the shared shape is stated here once and the template tests hold every skeleton to it:
the same stages, the same jobs in the same stages, the same merge-request subset, and the
jobs that need nothing language-specific defined identically. What differs between paths
is only what must: how lint, test, the dependency audit and SAST run for the language.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "DEPLOY_KUSTOMIZATION",
    "IMAGE_REPOSITORY",
    "LANGUAGE_JOBS",
    "MERGE_REQUEST_JOBS",
    "PIPELINE_JOBS",
    "PIPELINE_STAGES",
    "SHARED_JOBS",
    "SHARED_SETTINGS",
    "SHARED_VARIABLES",
]

PIPELINE_STAGES: tuple[str, ...] = ("lint", "test", "security", "build", "push", "update-gitops")
"""The six stages, in order."""

PIPELINE_JOBS: Mapping[str, str] = MappingProxyType(
    {
        "lint": "lint",
        "test": "test",
        "dependency-audit": "security",
        "sast": "security",
        "secret-detection": "security",
        "container-scan": "security",
        "build": "build",
        "push": "push",
        "update-gitops": "update-gitops",
    }
)
"""Every job of a default-branch pipeline, in order, with its stage."""

MERGE_REQUEST_JOBS: tuple[str, ...] = (
    "lint",
    "test",
    "dependency-audit",
    "sast",
    "secret-detection",
)
"""The jobs a merge-request pipeline runs: everything that needs no image or credentials."""

LANGUAGE_JOBS: tuple[str, ...] = ("lint", "test", "dependency-audit", "sast")
"""The jobs each golden path defines for its language and tools."""

SHARED_JOBS: tuple[str, ...] = tuple(job for job in PIPELINE_JOBS if job not in LANGUAGE_JOBS)
"""The jobs defined identically, key for key, in every golden path."""

SHARED_SETTINGS: tuple[str, ...] = ("stages", "workflow", "default", ".docker", ".main-only")
"""Top-level keys (and hidden job templates) identical in every golden path."""

SHARED_VARIABLES: tuple[str, ...] = (
    "APP_NAME",
    "AWS_REGION",
    "ECR_REGISTRY",
    "IMAGE",
    "GITOPS_REPO",
    "KUSTOMIZATION",
    "DOCKER_IMAGE",
)
"""Pipeline variables every golden path sets the same way (the shared jobs read them)."""

DEPLOY_KUSTOMIZATION = "overlays/dev/kustomization.yaml"
"""The one kustomization update-gitops writes (``KUSTOMIZATION``): the pipeline deploys to dev
only; staging and prod change by promotion (``goldpath promote``)."""

IMAGE_REPOSITORY = "$ECR_REGISTRY/apps/$APP_NAME"
"""The ``IMAGE`` variable: the push job's target, ``<registry>/apps/<name>``.

The same path as the Deployment's image (``goldpath.gitops``' ``ecr_repository_name``) and
Terraform's push policy (``apps/*``); tests/gitops/test_image_path.py holds them together.
"""
