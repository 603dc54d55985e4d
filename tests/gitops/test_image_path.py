"""One image path, ``apps/<name>``: pipeline, Deployment, kustomize, IAM, Terraform, docs."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path, PurePosixPath

import pytest
import yaml
from hypothesis import given, settings

from goldpath.gitops import AppSpec, render_app
from goldpath.gitops._names import ecr_repository_name
from goldpath.platform import load_hcl
from goldpath.templates._pipeline import IMAGE_REPOSITORY
from tests.gitops.helpers import iam_policy, one, spec
from tests.gitops.strategies import app_names

ROOT = Path(__file__).resolve().parents[2]
SKELETONS = sorted((ROOT / "src/goldpath/templates").glob("*/skeleton/.gitlab-ci.yml"))


def _pipeline_image(skeleton: Path, app: AppSpec) -> str:
    """The pipeline's IMAGE with the template's values and GitLab's variables expanded."""
    text = skeleton.read_text(encoding="utf-8")
    text = text.replace("${{ values.name }}", app.name)
    text = text.replace("${{ values.ecrRegistry }}", app.platform.ecr_registry)
    variables = yaml.safe_load(re.sub(r"\$\{\{[^}]*\}\}", "x", text))["variables"]
    image = str(variables["IMAGE"])
    for name in ("ECR_REGISTRY", "APP_NAME"):
        image = image.replace(f"${name}", str(variables[name]))
    return image


def _terraform_push_patterns() -> list[str]:
    module = ROOT / "infra/terraform/modules/ecr"
    variables = load_hcl(module / "variables.tf")
    prefix = next(v["app_repository_prefix"] for v in variables["variable"]
                  if "app_repository_prefix" in v)["default"]
    main = load_hcl(module / "main.tf")
    push = next(d["aws_iam_policy_document"]["app_push"] for d in main["data"]
                if "app_push" in d.get("aws_iam_policy_document", {}))
    patterns = []
    for statement in push["statement"]:
        if statement["sid"] == "PushAppImages":
            for resource in statement["resources"]:
                patterns.append(
                    resource.replace("${local.repository_arn_prefix}/", "")
                    .replace("${var.app_repository_prefix}", prefix)
                )
    return patterns


def _repository_of(image: str, registry: str) -> str:
    assert image.startswith(f"{registry}/"), image
    return image.removeprefix(f"{registry}/").split(":", 1)[0]


def _all_paths(app: AppSpec) -> dict[str, str]:
    files = render_app(app)
    registry = app.platform.ecr_registry
    container = one(files, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    kustomization = yaml.safe_load(files[PurePosixPath("base/kustomization.yaml")])
    paths = {
        "deployment": _repository_of(container["image"], registry),
        "kustomize": _repository_of(kustomization["images"][0]["name"], registry),
    }
    for statement in iam_policy(files)["Statement"]:
        if statement["Sid"] == "PushPullOwnRepository":
            paths["iam"] = statement["Resource"][0].split(":repository/", 1)[1]
    for skeleton in SKELETONS:
        paths[f"pipeline:{skeleton.parent.parent.name}"] = _repository_of(
            _pipeline_image(skeleton, app), registry
        )
    return paths


def test_every_golden_path_has_a_pipeline() -> None:
    assert len(SKELETONS) >= 2


@settings(max_examples=25, deadline=None)
@given(app_names())
def test_pipeline_manifests_and_iam_use_one_image_path(name: str) -> None:
    app = spec(name=name)
    paths = _all_paths(app)
    assert set(paths.values()) == {f"apps/{name}"}, paths
    assert ecr_repository_name(name) == f"apps/{name}"


@settings(max_examples=25, deadline=None)
@given(app_names())
def test_terraform_push_policy_allows_the_apps_repository(name: str) -> None:
    patterns = _terraform_push_patterns()
    assert patterns
    assert any(fnmatch.fnmatchcase(ecr_repository_name(name), p) for p in patterns)


def test_pipeline_image_variable_is_the_shared_one() -> None:
    for skeleton in SKELETONS:
        variables = yaml.safe_load(re.sub(r"\$\{\{[^}]*\}\}", "x", skeleton.read_text()))[
            "variables"
        ]
        assert variables["IMAGE"] == IMAGE_REPOSITORY, skeleton


@pytest.mark.parametrize("doc", ["docs/templates.md", "docs/gitops.md", "docs/deployment.md"])
def test_docs_name_the_apps_path_only(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert "<ecr_registry>/<name>" not in text
    assert "apps/<name>" in text

