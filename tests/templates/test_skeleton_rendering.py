"""What a Create renders, checked as files over any valid parameters (no external tools).

Tests that hold for every golden path take the ``golden_path`` parameter; the Node.js
path's own files are checked at the end, the Python path's in test_python_skeleton.py.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from goldpath.catalog import entity_problems, parse_entity_ref
from goldpath.gitops import ENVIRONMENTS, AppSpec, dashboard_selector, render_app
from goldpath.gitops._names import hostname
from goldpath.providers import OIDC_AUDIENCE
from tests.templates._render import (
    GOLDEN_PATHS,
    NODEJS,
    GoldenPath,
    load_yaml,
    platform_facts,
)
from tests.templates.conftest import BASE_PARAMETERS
from tests.templates.strategies import NODE_VERSIONS, app_names, parameters

SCRIPT_KEYS = ("before_script", "script", "after_script")
GLOBAL_KEYWORDS = {"stages", "workflow", "variables", "default", "include", "image", "services"}
each_path = pytest.mark.parametrize("golden_path", GOLDEN_PATHS, ids=lambda path: path.name)


def render(
    params: dict[str, Any], golden_path: GoldenPath = NODEJS
) -> tuple[dict[str, str], dict[str, Any]]:
    """Every rendered file's text by path, and the values used."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        values = golden_path.create(params, root)
        files = {
            path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
            for path in root.rglob("*")
            if path.is_file()
        }
    return files, values


def jobs(pipeline: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The pipeline's jobs (not its global keywords or hidden templates), in order."""
    return {
        name: job
        for name, job in pipeline.items()
        if name not in GLOBAL_KEYWORDS and not name.startswith(".")
    }


def resolved(pipeline: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    """The job with its ``extends`` templates merged (GitLab's deep merge, enough here)."""
    merged: dict[str, Any] = {}
    parents = job.get("extends", [])
    for parent in [parents] if isinstance(parents, str) else parents:
        merged.update(resolved(pipeline, pipeline[parent]))
    merged.update({key: value for key, value in job.items() if key != "extends"})
    return merged


def pipeline_of(
    params: dict[str, Any] | None = None, golden_path: GoldenPath = NODEJS
) -> dict[str, Any]:
    """The rendered .gitlab-ci.yml, parsed."""
    files, _ = render(params or BASE_PARAMETERS, golden_path)
    document = load_yaml(files[".gitlab-ci.yml"])
    assert isinstance(document, dict)
    return document


def _non_string_script_entries(pipeline: dict[str, Any]) -> list[str]:
    """``job.key: entry`` for every script entry that YAML did not read as a string."""
    problems: list[str] = []
    for name, job in pipeline.items():
        if not isinstance(job, dict):
            continue
        for key in SCRIPT_KEYS:
            entries = job.get(key, [])
            if not isinstance(entries, list):
                problems.append(f"{name}.{key}: {entries!r}")
                continue
            problems += [f"{name}.{key}: {e!r}" for e in entries if not isinstance(e, str)]
    return problems


@each_path
@given(data=st.data())
def test_generated_file_set_is_exactly_the_expected_set(
    golden_path: GoldenPath, data: st.DataObject
) -> None:
    files, _ = render(data.draw(parameters(golden_path)), golden_path)
    assert set(files) == golden_path.expected_files


@each_path
def test_skeleton_holds_exactly_the_expected_files(golden_path: GoldenPath) -> None:
    skeleton = golden_path.skeleton_dir
    found = {p.relative_to(skeleton).as_posix() for p in skeleton.rglob("*") if p.is_file()}
    assert found == golden_path.expected_files


@each_path
@given(data=st.data())
def test_every_script_entry_is_a_string(golden_path: GoldenPath, data: st.DataObject) -> None:
    pipeline = pipeline_of(data.draw(parameters(golden_path)), golden_path)
    assert _non_string_script_entries(pipeline) == []


def test_script_check_catches_an_unquoted_colon_space_like_the_seedspipeline_of() -> None:
    # The seed's pipeline broke on exactly this: YAML reads the line as a mapping.
    files, _ = render(BASE_PARAMETERS)
    broken = files[".gitlab-ci.yml"].replace(
        "    - npm run lint\n", '    - npm run lint\n    - git commit -m "chore: bump"\n'
    )
    assert _non_string_script_entries(load_yaml(broken)) == [
        "lint.script: {'git commit -m \"chore': 'bump\"'}"
    ]


@each_path
@given(data=st.data())
def test_catalog_info_is_a_valid_component_owned_by_the_chosen_owner(
    golden_path: GoldenPath, data: st.DataObject
) -> None:
    params = data.draw(parameters(golden_path))
    files, _ = render(params, golden_path)
    entity = load_yaml(files["catalog-info.yaml"])
    assert entity_problems(entity) == []
    assert entity["kind"] == "Component"
    assert entity["metadata"]["name"] == params["name"]
    assert entity["metadata"]["description"] == params["description"]
    owner = parse_entity_ref(entity["spec"]["owner"], default_kind="Group")
    assert owner == parse_entity_ref(params["owner"], default_kind="Group")
    assert entity["spec"].get("system") == params.get("system")


@each_path
@given(data=st.data())
def test_catalog_info_carries_every_integration_annotation(
    golden_path: GoldenPath, data: st.DataObject
) -> None:
    params = data.draw(parameters(golden_path))
    files, _ = render(params, golden_path)
    entity = load_yaml(files["catalog-info.yaml"])
    name = params["name"]
    platform = platform_facts()
    assert entity["metadata"]["annotations"] == {
        "gitlab.com/project-slug": f"{platform['app_group']}/{name}",
        "argocd/app-name": name,
        "backstage.io/kubernetes-id": name,
        "grafana/dashboard-selector": dashboard_selector(name),
        "backstage.io/techdocs-ref": "dir:.",
        "backstage.io/source-location": (
            f"url:https://{platform['git_host']}/{platform['app_group']}/{name}/"
        ),
    }
    app_url = f"https://{hostname(name, platform['domain'])}"
    assert app_url in [link["url"] for link in entity["metadata"]["links"]]
    assert entity["spec"]["lifecycle"] and entity["metadata"]["tags"]


@given(parameters())
def test_package_and_lockfile_carry_the_name_and_stay_in_step(params: dict[str, Any]) -> None:
    files, _ = render(params)
    package = json.loads(files["package.json"])
    lock = json.loads(files["package-lock.json"])
    assert package["name"] == lock["name"] == lock["packages"][""]["name"] == params["name"]
    assert package["description"] == params["description"]
    for field in ("dependencies", "devDependencies", "engines"):
        assert lock["packages"][""].get(field) == package.get(field), field
    assert set(package["scripts"]) >= {"start", "test", "lint"}


@given(parameters())
def test_node_version_and_port_reach_nvmrc_dockerfile_and_pipeline(params: dict[str, Any]) -> None:
    files, _ = render(params)
    version = params.get("nodeVersion", max(NODE_VERSIONS, key=int))
    port = params.get("port", 3000)
    assert files[".nvmrc"] == f"{version}\n"
    assert re.search(rf"^FROM node:{version}-alpine[0-9.]+ AS base$", files["Dockerfile"], re.M)
    assert re.search(rf"^EXPOSE {port}$", files["Dockerfile"], re.M)
    assert f"const DEFAULT_PORT = {port};" in files["src/config.js"]
    assert load_yaml(files[".gitlab-ci.yml"])["variables"]["NODE_IMAGE"].startswith(
        f"node:{version}-alpine"
    )


@settings(max_examples=25)
@given(app_names(), st.sampled_from(ENVIRONMENTS))
def test_names_derived_from_the_app_name_stay_within_kubernetes_limits(
    name: str, environment: str
) -> None:
    files, _ = render({**BASE_PARAMETERS, "name": name})
    assert len(load_yaml(files["catalog-info.yaml"])["metadata"]["name"]) <= 63
    domain = platform_facts()["domain"]
    assert len(hostname(name, domain, environment).split(".")[0]) <= 63
    spec = AppSpec(
        name=name,
        owner=BASE_PARAMETERS["owner"],
        gitops_repo_url=f"https://gitlab.example.com/gitops/{name}.git",
        environments=("dev", "staging", "prod"),
    )
    for path, text in render_app(spec).items():
        if PurePosixPath(path).suffix != ".yaml":
            continue
        for document in yaml.load_all(text, Loader=yaml.CSafeLoader):
            metadata = (document or {}).get("metadata") or {}
            for key in ("name", "namespace"):
                if key in metadata:
                    assert len(metadata[key]) <= 63, f"{path}: {key} {metadata[key]!r}"


@each_path
def test_ignore_files_keep_local_pipeline_runs_caches_and_outputs_out(
    golden_path: GoldenPath,
) -> None:
    files, _ = render(BASE_PARAMETERS, golden_path)
    for ignore in (".gitignore", ".dockerignore"):
        lines = files[ignore].splitlines()
        for folder in (".gitlab-ci-local/", ".cache/", "coverage/", "reports/"):
            assert folder in lines, f"{ignore}: {folder}"


def test_node_tools_ignore_local_pipeline_runs_and_installs() -> None:
    files, _ = render(BASE_PARAMETERS)
    for ignore in (".gitignore", ".dockerignore"):
        assert "node_modules/" in files[ignore].splitlines(), ignore
    for config in ("eslint.config.js", "eslint.security.config.js"):
        assert "'.gitlab-ci-local/'" in files[config], config
        assert "'.cache/'" in files[config], config
    assert "/.gitlab-ci-local/" in files["jest.config.js"]


def test_dockerfile_is_multi_stage_non_root_production_exec_form() -> None:
    files, _ = render(BASE_PARAMETERS)
    dockerfile = files["Dockerfile"]
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) >= 3
    assert "RUN apk update && apk upgrade --no-cache" in dockerfile
    assert "npm ci --omit=dev" in dockerfile
    assert re.search(r"^USER 1000:1000$", dockerfile, re.M)  # the image's node user
    assert "NODE_ENV=production" in dockerfile
    assert re.search(r'^CMD \["node", "src/server.js"\]$', dockerfile, re.M)


def test_dependency_audit_fails_on_high_and_keeps_a_json_report() -> None:
    pipeline = pipeline_of()
    job = resolved(pipeline, pipeline["dependency-audit"])
    assert job["stage"] == "security"
    assert "npm audit --audit-level=high --json > reports/npm-audit.json" in job["script"]
    assert job.get("allow_failure", False) is False
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["paths"] == ["reports/npm-audit.json"]


def test_node_sast_runs_eslint_security_rules_and_blocks() -> None:
    files, _ = render(BASE_PARAMETERS)
    pipeline = load_yaml(files[".gitlab-ci.yml"])
    job = resolved(pipeline, pipeline["sast"])
    assert job["stage"] == "security"
    assert job["script"] == ["npm run sast"]
    assert job.get("allow_failure", False) is False
    script = json.loads(files["package.json"])["scripts"]["sast"]
    assert script == "eslint --config eslint.security.config.js --max-warnings 0 ."
    assert "recommended.rules" in files["eslint.security.config.js"]


def test_container_scan_runs_trivy_on_main_without_blocking() -> None:
    pipeline = pipeline_of()
    job = resolved(pipeline, pipeline["container-scan"])
    assert job["stage"] == "security"
    assert job["allow_failure"] is True
    trivy = [line for line in job["script"] if line.startswith("trivy image")]
    assert trivy and all("--severity CRITICAL,HIGH --exit-code 0" in line for line in trivy)


def test_build_targets_amd64_and_tags_the_commit_sha() -> None:
    pipeline = pipeline_of()
    script = resolved(pipeline, pipeline["build"])["script"]
    assert any(
        line.startswith("docker buildx build --platform linux/amd64")
        and '"$IMAGE:$CI_COMMIT_SHA"' in line
        for line in script
    )


@each_path
def test_push_assumes_the_apps_own_role_with_an_id_token_and_pushes_to_the_app_repository(
    golden_path: GoldenPath,
) -> None:
    pipeline = pipeline_of(golden_path=golden_path)
    job = resolved(pipeline, pipeline["push"])
    # no stored AWS keys: the job's GitLab ID token is traded for the app's role
    assert not any(key.startswith("AWS_ACCESS") or key.startswith("AWS_SECRET")
                   for key in job["variables"])
    assert job["id_tokens"] == {"AWS_ID_TOKEN": {"aud": OIDC_AUDIENCE}}
    assert job["variables"]["AWS_ROLE_ARN"] == "$AWS_PUSH_ROLE_ARN"
    token_file = job["variables"]["AWS_WEB_IDENTITY_TOKEN_FILE"]
    assert 'printf \'%s\' "$AWS_ID_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"' in job["before_script"]
    assert token_file.startswith("/tmp/")
    # the role the job assumes is the one the Create's configure step sets
    template = golden_path.load_template()
    configure = next(s for s in template["spec"]["steps"] if s["id"] == "configure")
    variables = {v["key"]: v["value"] for v in configure["input"]["projectVariables"]}
    assert variables["AWS_PUSH_ROLE_ARN"] == "${{ steps.ecr.output.pushRoleArn }}"
    platform = platform_facts()
    assert pipeline["variables"]["ECR_REGISTRY"] == platform["ecr_registry"]
    assert pipeline["variables"]["IMAGE"] == "$ECR_REGISTRY/apps/$APP_NAME"
    assert 'docker push "$IMAGE:$CI_COMMIT_SHA"' in job["script"]


def test_update_gitops_commits_the_tag_with_skip_ci_and_retries() -> None:
    pipeline = pipeline_of()
    job = resolved(pipeline, pipeline["update-gitops"])
    script = "\n".join(job["script"])
    platform = platform_facts()
    assert pipeline["variables"]["GITOPS_REPO"] == f"{platform['gitops_group']}/orders-api"
    assert "${GITOPS_DEPLOY_TOKEN}" in script
    assert "yq -i '(.images[] | select(.name == strenv(IMAGE))).newTag" in script
    assert "[skip ci]" in script
    assert "for attempt in" in script and "git push origin HEAD:main" in script
